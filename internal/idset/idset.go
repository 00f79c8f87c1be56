package idset

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"slices"
	"sort"
)

// table is a set of 64-bit id hashes: open addressing with linear probing
// in a power-of-two table kept at most 3/4 full, so it costs 8 bytes a slot,
// 10.7 to 21 bytes per id. Hash 0 marks an empty slot and is stored as 1.
//
// A hash's home slot is its top bits, so the table holds the hashes almost
// in sorted order: growing it and spilling it to a sorted run both work
// through memory in order instead of at random.
type table struct {
	slots []uint64
	shift uint // 64 - log2(len(slots))
	n     int
}

// contains reports whether h (never 0) is in the set.
func (s *table) contains(h uint64) bool {
	if len(s.slots) == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	for i := h >> s.shift; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			return false
		case h:
			return true
		}
	}
}

// add inserts h and reports whether it was absent.
func (s *table) add(h uint64) bool {
	if h == 0 {
		h = 1
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h >> s.shift; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			s.n++
			return true
		case h:
			return false
		}
	}
}

// size makes the empty table large enough for n hashes within its 3/4
// load limit, and for looking up one more (add grows a table at its limit
// before it probes).
func (s *table) size(n int) {
	slots := 1024
	for 3*slots < 4*(n+1) {
		slots *= 2
	}
	s.slots = make([]uint64, slots)
	s.shift = uint(64 - bits.TrailingZeros(uint(slots)))
}

// grow doubles the table (starting at 1024 slots) and re-inserts every hash.
func (s *table) grow() {
	old := s.slots
	s.slots = make([]uint64, max(2*len(old), 1024))
	s.shift = uint(64 - bits.TrailingZeros(uint(len(s.slots))))
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h >> s.shift
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}

// Set is a set of ids (record ids, in this engine) that can keep its
// memory flat: Add and AddAll report whether an id was added before. It
// stores a 64-bit hash of each id (hashID), not the id: two different ids
// share a hash with probability about n²/2⁶⁵ over n ids (3·10⁻⁸ for a
// million, 2·10⁻³ for 300 million), and the later one is then reported as
// seen. A Set is not safe for concurrent use.
//
// The zero value keeps every hash in memory, 10.7 to 21 bytes per id. A Set
// from New with a memory bound keeps memory flat instead and gives the same
// answers: when its in-memory table is full it sorts the hashes into a run
// file in a temporary directory and adds them to a Bloom filter of fixed
// size; an id is then looked up on disk only when the filter says it may be
// in a run (a repeat, or a false positive), with one read of a 4 KiB block
// per run; past eight runs they are merged into one, so open files and
// reads per lookup stay few. With 64 MiB a false positive comes about once in 10 000 lookups
// after 10 million ids and once in 80 after 30 million; past that the disk
// reads start to cost, so give a larger bound for larger inputs (memory then
// follows the bound, not the input). Call Close to remove the files.
type Set struct {
	mem    table
	memMax int // spill when mem holds this many hashes; 0 = never

	dir        string
	bloomWords int      // size of the filter, allocated at the first spill
	bloom      []uint64 // blocked Bloom filter over the spilled hashes
	runs       []*run
	buf        []byte // one block, for lookups
	spills     int    // runs written
	merges     int    // times the runs were merged into one
	err        error  // sticky spill or lookup failure

	hashes []uint64 // AddAll's hashes, reused
	sink   uint64   // keeps AddAll's early reads from being optimised away
}

// Options bound a Set's memory. The zero value means no bound.
type Options struct {
	// MaxMemory is the memory the set may use, in bytes: half for the
	// in-memory table (whose hashes spill to disk when it is full), half for
	// the Bloom filter over the spilled ones. 0 means no bound (no files).
	// Values below 16 KiB (the smallest table) are raised to 16 KiB.
	MaxMemory int64
	// TempDir holds the run files; "" means os.TempDir().
	TempDir string
	// Expected is how many ids the caller expects to add (an estimate; 0:
	// unknown). With a MaxMemory bound, the in-memory table starts large
	// enough for them within the bound, instead of doubling its way there:
	// each doubling re-inserts every hash, which cost a run of two million
	// records a tenth of its duplicate check. Without a bound it is not
	// used: an estimate on the high side would then set the memory.
	Expected int
}

// New returns an empty Set with the given bounds.
func New(opts Options) *Set {
	s := &Set{dir: opts.TempDir}
	if opts.MaxMemory > 0 {
		half := max(opts.MaxMemory, 16<<10) / 2
		words := int64(1) << (bits.Len64(uint64(half/8)) - 1) // a power of two, at most half/8
		s.memMax = int(words * 3 / 4)                         // the table's 3/4 load limit
		s.bloomWords = int(words)
	}
	if opts.Expected > 0 && s.memMax > 0 {
		s.mem.size(min(opts.Expected, s.memMax-1)) // the most the table holds before it spills
	}
	return s
}

// Add adds id to the set and reports whether it was there already. A
// non-nil error means the run files could not be written or read; the set
// is then unusable, and every later call returns the same error.
func (s *Set) Add(id string) (seen bool, err error) {
	return s.add(hashID(id))
}

// AddAll is Add for each of ids in order: it appends to seen the index in
// ids of each id that was there already (added before, or earlier in ids)
// and returns the extended slice. It gives the same answers as a loop over
// Add, faster: it reads the table slots (and filter blocks) of all the ids
// before it changes any, so that their cache misses overlap instead of
// coming one after another. A non-nil error, as for Add, means the run
// files could not be written or read: seen then holds the repeats found
// before it, and the set is unusable.
func (s *Set) AddAll(ids []string, seen []int) ([]int, error) {
	return AddAllFunc(s, ids, func(id *string) string { return *id }, seen)
}

// AddAllFunc is AddAll over the ids of items, id(&items[i]) being the id of
// items[i], for callers whose ids sit in larger values (records): it needs
// no slice of the ids. id must not keep its argument.
func AddAllFunc[T any](s *Set, items []T, id func(*T) string, seen []int) ([]int, error) {
	hs := s.hashes[:0]
	for i := range items {
		hs = append(hs, hashID(id(&items[i])))
	}
	s.hashes = hs
	s.touch(hs)
	for i, h := range hs {
		dup, err := s.add(h)
		if err != nil {
			return seen, err
		}
		if dup {
			seen = append(seen, i)
		}
	}
	return seen, nil
}

// touch reads the memory that adding hs will look at first. The reads do
// not depend on one another, so the processor overlaps their misses.
func (s *Set) touch(hs []uint64) {
	var sum uint64
	if len(s.mem.slots) > 0 {
		for _, h := range hs {
			sum += s.mem.slots[h>>s.mem.shift]
		}
	}
	if s.bloom != nil {
		for _, h := range hs {
			sum += s.bloomBlock(h)[0]
		}
	}
	s.sink += sum
}

// Len returns the number of ids in the set.
func (s *Set) Len() int {
	n := s.mem.n
	for _, r := range s.runs {
		n += r.n
	}
	return n
}

// Spilled returns the number of times the in-memory table was written to a
// run file.
func (s *Set) Spilled() int { return s.spills }

// Close removes the run files.
func (s *Set) Close() error {
	var errs []error
	for _, r := range s.runs {
		errs = append(errs, r.close())
	}
	s.runs = nil
	return errors.Join(errs...)
}

// add inserts h and reports whether it was already present.
func (s *Set) add(h uint64) (bool, error) {
	if s.err != nil {
		return false, s.err
	}
	if h == 0 {
		h = 1
	}
	if len(s.runs) == 0 && (s.memMax == 0 || s.mem.n < s.memMax) {
		return !s.mem.add(h), nil // all hashes are in memory: one probe
	}
	if s.mem.contains(h) {
		return true, nil
	}
	if len(s.runs) > 0 && s.bloomHas(h) {
		for _, r := range s.runs {
			found, err := r.contains(h, &s.buf)
			if err != nil {
				s.err = fmt.Errorf("idset: run file: %w", err)
				return false, s.err
			}
			if found {
				return true, nil
			}
		}
	}
	if s.memMax > 0 && s.mem.n >= s.memMax {
		if err := s.spill(); err != nil {
			s.err = fmt.Errorf("idset: run file: %w", err)
			return false, s.err
		}
	}
	s.mem.add(h)
	return false, nil
}

// Bloom filter: 512-bit blocks (one cache line); the block comes from the
// hash's top bits (so that adding a sorted run walks the filter in order),
// four bit positions from its low 36 bits.
const bloomBlockWords = 8

// bloomBlock returns the block of h.
func (s *Set) bloomBlock(h uint64) []uint64 {
	blocks := uint64(len(s.bloom) / bloomBlockWords)
	i := h >> (64 - bits.TrailingZeros64(blocks)) & (blocks - 1) // & for one block, where the shift is 64
	return s.bloom[i*bloomBlockWords:][:bloomBlockWords]
}

func (s *Set) bloomHas(h uint64) bool {
	blk := s.bloomBlock(h)
	for i := range 4 {
		b := h >> (9 * i) & 511
		if blk[b>>6]&(1<<(b&63)) == 0 {
			return false
		}
	}
	return true
}

func (s *Set) bloomAdd(h uint64) {
	blk := s.bloomBlock(h)
	for i := range 4 {
		b := h >> (9 * i) & 511
		blk[b>>6] |= 1 << (b & 63)
	}
}

// spill writes the in-memory hashes to a new sorted run file, adds them to
// the Bloom filter and empties the table, keeping its memory.
func (s *Set) spill() error {
	if s.bloom == nil {
		s.bloom = make([]uint64, s.bloomWords)
	}
	// Compact the hashes to the front of the table (which is emptied
	// afterwards anyway) and sort them there: no second copy of the table.
	hs := s.mem.slots[:0]
	for _, h := range s.mem.slots {
		if h != 0 {
			hs = append(hs, h)
		}
	}
	slices.Sort(hs) // nearly sorted already: see table
	r, err := writeRun(s.dir, hs)
	if err != nil {
		return err
	}
	s.spills++
	s.runs = append(s.runs, r)
	for _, h := range hs {
		s.bloomAdd(h)
	}
	clear(s.mem.slots)
	s.mem.n = 0
	if len(s.runs) > maxRuns {
		merged, err := mergeRuns(s.dir, s.runs)
		if err != nil {
			return err
		}
		var errs []error
		for _, r := range s.runs {
			errs = append(errs, r.close())
		}
		s.runs = append(s.runs[:0], merged)
		s.merges++
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	return nil
}

// run is a file of sorted hashes, 8 bytes each, little-endian, with the
// first hash of every block in memory.
type run struct {
	f     *os.File
	name  string // removed at close when it could not be removed at once
	n     int
	first []uint64 // first hash of each block of runBlock hashes
}

const runBlock = 512 // hashes per block: 4 KiB

// maxRuns bounds the run files: past it they are merged into one, so that
// open files and the disk reads of one lookup stay few.
const maxRuns = 8

// runWriter writes a run file from hashes given in increasing order.
type runWriter struct {
	r *run
	w *bufio.Writer
	b [8]byte
}

func newRunWriter(dir string) (*runWriter, error) {
	f, err := os.CreateTemp(dir, "drg-ids-*.run")
	if err != nil {
		return nil, err
	}
	r := &run{f: f}
	// An unlinked file disappears even if the process dies; where that is
	// not allowed (Windows), it is removed at Close.
	if os.Remove(f.Name()) != nil {
		r.name = f.Name()
	}
	return &runWriter{r: r, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

func (rw *runWriter) add(h uint64) {
	if rw.r.n%runBlock == 0 {
		rw.r.first = append(rw.r.first, h)
	}
	rw.r.n++
	binary.LittleEndian.PutUint64(rw.b[:], h)
	rw.w.Write(rw.b[:]) // errors surface at Flush
}

func (rw *runWriter) finish() (*run, error) {
	if err := rw.w.Flush(); err != nil {
		rw.r.close()
		return nil, err
	}
	return rw.r, nil
}

func writeRun(dir string, hs []uint64) (*run, error) {
	rw, err := newRunWriter(dir)
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		rw.add(h)
	}
	return rw.finish()
}

// mergeRuns merges sorted runs into one new run. No hash is in two runs.
func mergeRuns(dir string, runs []*run) (*run, error) {
	rw, err := newRunWriter(dir)
	if err != nil {
		return nil, err
	}
	type cursor struct {
		rd   *bufio.Reader
		left int
		head uint64
	}
	var b [8]byte
	next := func(c *cursor) (bool, error) {
		if c.left == 0 {
			return false, nil
		}
		if _, err := io.ReadFull(c.rd, b[:]); err != nil {
			return false, err
		}
		c.head, c.left = binary.LittleEndian.Uint64(b[:]), c.left-1
		return true, nil
	}
	var live []*cursor
	for _, r := range runs {
		c := &cursor{rd: bufio.NewReaderSize(io.NewSectionReader(r.f, 0, int64(r.n)*8), 64<<10), left: r.n}
		ok, err := next(c)
		if err != nil {
			rw.r.close()
			return nil, err
		}
		if ok {
			live = append(live, c)
		}
	}
	for len(live) > 0 {
		lo := 0 // few runs: a scan beats a heap
		for i, c := range live[1:] {
			if c.head < live[lo].head {
				lo = i + 1
			}
		}
		rw.add(live[lo].head)
		ok, err := next(live[lo])
		if err != nil {
			rw.r.close()
			return nil, err
		}
		if !ok {
			live = append(live[:lo], live[lo+1:]...)
		}
	}
	return rw.finish()
}

// contains looks h up with one read of the block that may hold it.
func (r *run) contains(h uint64, buf *[]byte) (bool, error) {
	blk := sort.Search(len(r.first), func(i int) bool { return r.first[i] > h }) - 1
	if blk < 0 {
		return false, nil
	}
	n := min(runBlock, r.n-blk*runBlock)
	if cap(*buf) < runBlock*8 {
		*buf = make([]byte, runBlock*8)
	}
	b := (*buf)[:n*8]
	if _, err := r.f.ReadAt(b, int64(blk)*runBlock*8); err != nil {
		return false, err
	}
	i := sort.Search(n, func(i int) bool { return binary.LittleEndian.Uint64(b[i*8:]) >= h })
	return i < n && binary.LittleEndian.Uint64(b[i*8:]) == h, nil
}

func (r *run) close() error {
	err := r.f.Close()
	if r.name != "" {
		err = errors.Join(err, os.Remove(r.name))
	}
	return err
}
