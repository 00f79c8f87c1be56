package store

import (
	"github.com/medpay/drg/grouper/record"

	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/medpay/drg/grouper"
)

// Info describes one stored revision of a rule set.
type Info struct {
	Name        string    `json:"name"`
	Revision    int       `json:"revision"` // 1, 2, 3 ... per name, never reused
	Version     string    `json:"version,omitempty"`
	Description string    `json:"description,omitempty"`
	Sample      bool      `json:"sample,omitempty"`
	Imported    time.Time `json:"imported"` // UTC, millisecond precision
	Tables      int       `json:"tables"`   // number of table files
	Bytes       int64     `json:"bytes"`    // table files, uncompressed
	Stored      int64     `json:"stored"`   // stored values, after compression where it pays
	MDCs        int       `json:"mdcs"`
	ADRGs       int       `json:"adrgs"`
	DRGs        int       `json:"drgs"`
	// ValidFrom and ValidTo are the rule set's period in force
	// (RuleSet.Valid), YYYY-MM-DD, blank for an open end.
	ValidFrom string `json:"valid_from,omitempty"`
	ValidTo   string `json:"valid_to,omitempty"`
	// RuleSet is, for a price list, the name of the rule set it prices.
	RuleSet string `json:"rule_set,omitempty"`
}

// revMeta is what a revision's meta key holds: its Info (flattened, so
// List reads it as an Info) and the CRC-32C (Castagnoli) of each table file
// by name. Get, Load and Tables check every table against the checksums, so
// a damaged value or key is ErrCorrupt rather than a rule set that silently
// differs. Revisions written before the checksums have none and are not
// checked.
type revMeta struct {
	Info
	Checksums map[string]uint32 `json:"checksums,omitempty"`
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// verify checks one revision's tables against its checksums.
func (m *revMeta) verify(files map[string][]byte) error {
	if m.Checksums == nil {
		return nil
	}
	for name, data := range files {
		want, ok := m.Checksums[name]
		if !ok {
			return fmt.Errorf("%w: %s holds table %q, which it was not written with", ErrCorrupt, m.Ref(), name)
		}
		if got := crc32.Checksum(data, castagnoli); got != want {
			return fmt.Errorf("%w: %s: table %s has checksum %08x, written with %08x", ErrCorrupt, m.Ref(), name, got, want)
		}
	}
	for name := range m.Checksums {
		if _, ok := files[name]; !ok {
			return fmt.Errorf("%w: %s lacks table %s", ErrCorrupt, m.Ref(), name)
		}
	}
	return nil
}

// Ref returns the reference "name@revision" that selects exactly this
// revision.
func (i Info) Ref() string { return i.Name + "@" + strconv.Itoa(i.Revision) }

// update runs fn in a read-write transaction, retrying it when it conflicts
// with a concurrent writer of this process, at most maxAttempts times.
func (s *Store) update(fn func(txn *badger.Txn) error) error {
	return s.guard(func() error {
		for attempt := 1; ; attempt++ {
			err := s.db.Update(fn)
			if !errors.Is(err, badger.ErrConflict) || attempt == maxAttempts {
				return err
			}
		}
	})
}

// view runs fn in a read transaction, under guard.
func (s *Store) view(fn func(txn *badger.Txn) error) error {
	return s.guard(func() error { return s.db.View(fn) })
}

// checkWrite fails with ErrNoSpace unless the store's file system has room
// for writing payload bytes (spaceNeeded): Badger writes on its own
// goroutines, where a full disk is a SIGBUS that nothing can recover.
func (s *Store) checkWrite(payload int64, what string) error {
	need, err := spaceNeeded(s.dir, payload, false)
	if err != nil {
		return err
	}
	return checkSpace(s.dir, need, what)
}

// maxAttempts bounds retries of a write transaction that conflicts with a
// concurrent one in the same process.
const maxAttempts = 10

// Put stores rs's tables (rs.EncodeTables) as a new revision of rs.Name: one
// more than the highest revision the name ever had, so revisions of a name
// live side by side and a deleted revision's number is not reused. Before
// writing, Put checks that the tables read back (grouper.ReadTables), so that
// every stored revision loads; an invalid rule set is refused with that
// error (errors.Is grouper.ErrRuleSet). The returned Info is what List and
// Get report.
func (s *Store) Put(rs *grouper.RuleSet) (Info, error) {
	fail := func(err error) (Info, error) { return Info{}, &RefError{Op: "put", Ref: rs.Name, Err: err} }
	if s.readOnly {
		return fail(ErrReadOnly)
	}
	if err := checkName(rs.Name); err != nil {
		return fail(err)
	}
	files := rs.EncodeTables()
	for file := range files {
		if err := checkFile(file); err != nil {
			return fail(err)
		}
	}
	back, _, err := grouper.ReadTables(memFS(files))
	if err != nil {
		return fail(err)
	}
	for file := range rs.Tables {
		if _, ok := back.Tables[file]; !ok {
			return fail(fmt.Errorf("%w: extra table %q would not be read back (only *.tsv and *.csv are)", grouper.ErrRuleSet, file))
		}
	}

	info := Info{
		Name:        rs.Name,
		Version:     rs.Version,
		Description: rs.Description,
		Sample:      rs.Sample,
		MDCs:        len(rs.MDCs),
		ADRGs:       len(rs.ADRGs),
		DRGs:        len(rs.DRGs),
		ValidFrom:   rs.Valid.From.String(),
		ValidTo:     rs.Valid.To.String(),
	}
	info, err = s.putFiles(ruleSets, files, info)
	if err != nil {
		return fail(err)
	}
	return info, nil
}

// putFiles stores files as the next revision of info.Name in key space sp,
// completing info (revision, import time, sizes).
func (s *Store) putFiles(sp space, files map[string][]byte, info Info) (Info, error) {
	info.Imported = time.Now().UTC().Truncate(time.Millisecond)
	info.Tables = len(files)
	values := compressAll(files)
	sums := make(map[string]uint32, len(files))
	for file, data := range files {
		info.Bytes += int64(len(data))
		info.Stored += int64(len(values[file]))
		sums[file] = crc32.Checksum(data, castagnoli)
	}
	// The keys and the metadata (under 100 bytes a table) are counted
	// generously with Badger's per-entry overhead.
	if err := s.checkWrite(info.Stored+int64(len(values))*256+4096, "importing "+info.Name); err != nil {
		return Info{}, err
	}
	err := s.update(func(txn *badger.Txn) error {
		rev, err := nextRevision(txn, sp, info.Name)
		if err != nil {
			return err
		}
		info.Revision = rev
		meta, err := json.Marshal(revMeta{Info: info, Checksums: sums})
		if err != nil {
			return err
		}
		if err := txn.Set(sp.seqKey(info.Name), strconv.AppendInt(nil, int64(rev), 10)); err != nil {
			return err
		}
		if err := txn.Set(sp.metaKey(info.Name, rev), meta); err != nil {
			return err
		}
		for file, v := range values {
			if err := txn.Set(sp.tableKey(info.Name, rev, file), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Info{}, err
	}
	return info, nil
}

// compressAll encodes every table, on up to GOMAXPROCS goroutines.
func compressAll(files map[string][]byte) map[string][]byte {
	type job struct {
		file string
		data []byte
	}
	jobs := make(chan job)
	var (
		mu  sync.Mutex
		out = make(map[string][]byte, len(files))
		wg  sync.WaitGroup
	)
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for j := range jobs {
				v := encodeValue(j.data)
				mu.Lock()
				out[j.file] = v
				mu.Unlock()
			}
		})
	}
	for file, data := range files {
		jobs <- job{file, data}
	}
	close(jobs)
	wg.Wait()
	return out
}

// nextRevision returns one more than the highest revision name ever had: the
// larger of its counter and its highest stored revision.
func nextRevision(txn *badger.Txn, sp space, name string) (int, error) {
	last, err := latestRevision(txn, sp, name)
	if err != nil {
		return 0, err
	}
	item, err := txn.Get(sp.seqKey(name))
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return 0, err
	default:
		err = item.Value(func(v []byte) error {
			n, err := strconv.Atoi(string(v))
			if err != nil {
				return fmt.Errorf("%w: revision counter %q", ErrCorrupt, v)
			}
			last = max(last, n)
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	if last >= maxRevision {
		return 0, fmt.Errorf("revision %d reached: no revision numbers left", last)
	}
	return last + 1, nil
}

// latestRevision returns name's highest stored revision, 0 when it has none.
func latestRevision(txn *badger.Txn, sp space, name string) (int, error) {
	prefix := sp.namePrefix(name)
	it := txn.NewIterator(badger.IteratorOptions{Reverse: true, Prefix: prefix})
	defer it.Close()
	// In reverse, Seek goes to the last key <= its argument.
	for it.Seek(append(slices.Clip(prefix), 0xff)); it.Valid(); it.Next() {
		if rev, ok := parseRevKey(it.Item().Key(), len(prefix)); ok {
			return rev, nil
		}
	}
	return 0, nil
}

// resolve returns the revision ref names, reading its metadata.
func resolve(txn *badger.Txn, sp space, ref string) (revMeta, error) {
	name, rev, on, err := parseRef(ref)
	if err != nil {
		return revMeta{}, err
	}
	if on != 0 {
		if rev, err = revisionOn(txn, sp, name, on); err != nil {
			return revMeta{}, err
		}
	}
	if rev == 0 {
		if rev, err = latestRevision(txn, sp, name); err != nil {
			return revMeta{}, err
		}
		if rev == 0 {
			return revMeta{}, ErrNotFound
		}
	}
	item, err := txn.Get(sp.metaKey(name, rev))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return revMeta{}, ErrNotFound
	}
	if err != nil {
		return revMeta{}, err
	}
	var meta revMeta
	if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &meta) }); err != nil {
		return revMeta{}, fmt.Errorf("%w: metadata: %w", ErrCorrupt, err)
	}
	if meta.Name != name || meta.Revision != rev {
		return revMeta{}, fmt.Errorf("%w: metadata names %s", ErrCorrupt, meta.Ref())
	}
	return meta, nil
}

// revisionOn returns the latest revision of name in force on day d (its
// period, Info.ValidFrom to ValidTo, contains d).
func revisionOn(txn *badger.Txn, sp space, name string, d record.Date) (int, error) {
	prefix := sp.namePrefix(name)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	found, any := 0, false
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		if !isMetaKey(item.Key()) {
			continue
		}
		var info Info
		if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &info) }); err != nil {
			return 0, fmt.Errorf("%w: %s: %w", ErrCorrupt, item.Key(), err)
		}
		any = true
		if info.Period().Contains(d) && info.Revision > found {
			found = info.Revision
		}
	}
	switch {
	case !any:
		return 0, ErrNotFound
	case found == 0:
		return 0, fmt.Errorf("%w: no revision of %s is in force on %s", ErrNotFound, name, d)
	}
	return found, nil
}

// Period returns the revision's period in force.
func (i Info) Period() record.Period {
	var p record.Period
	p.From, _ = record.ParseDate(i.ValidFrom)
	p.To, _ = record.ParseDate(i.ValidTo)
	return p
}

// List returns every revision of every rule set, sorted by name, then
// revision.
func (s *Store) List() ([]Info, error) { return s.listIn(ruleSets) }

// listIn is List in key space sp.
func (s *Store) listIn(sp space) ([]Info, error) {
	var out []Info
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(sp.prefix)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			if !isMetaKey(item.Key()) {
				continue
			}
			var info Info
			if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &info) }); err != nil {
				return fmt.Errorf("%w: %s: %w", ErrCorrupt, item.Key(), err)
			}
			out = append(out, info)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list: %w", unreadable(s.dir, err))
	}
	// Key order differs from name order when a name is a prefix of another
	// followed by a byte below '/'.
	slices.SortFunc(out, func(a, b Info) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Revision, b.Revision))
	})
	return out, nil
}

// Get reads the rule set that ref selects: "name" for its latest revision,
// "name@N" for revision N, "name@YYYY-MM-DD" for the latest revision in
// force on that day (ForDate). The rule set is rebuilt by grouper.ReadTables
// (its warnings were reported by Put and are dropped here); compile it with
// grouper.Compile. The result is the caller's.
func (s *Store) Get(ref string) (*grouper.RuleSet, Info, error) {
	files, info, err := s.loadChecked(ref)
	if err != nil {
		return nil, Info{}, &RefError{Op: "get", Ref: ref, Err: err}
	}
	rs, _, err := grouper.ReadTables(memFS(files))
	if err != nil {
		return nil, Info{}, &RefError{Op: "get", Ref: ref, Err: err}
	}
	return rs, info, nil
}

// ForDate reads the latest revision of name in force on day d: the
// revision a record discharged that day is grouped under. It is
// Get(name + "@" + d).
func (s *Store) ForDate(name string, d record.Date) (*grouper.RuleSet, Info, error) {
	return s.Get(name + "@" + d.String())
}

// LoadAll compiles every revision of name, oldest first: the versions of
// a run that picks the revision in force on each record's discharge date
// (batch.Options.Versions).
func (s *Store) LoadAll(name string) ([]*grouper.Grouper, []Info, error) {
	all, err := s.List()
	if err != nil {
		return nil, nil, err
	}
	var gs []*grouper.Grouper
	var infos []Info
	for _, info := range all {
		if info.Name != name {
			continue
		}
		g, _, err := s.Load(info.Ref())
		if err != nil {
			return nil, nil, err
		}
		gs, infos = append(gs, g), append(infos, info)
	}
	if len(gs) == 0 {
		return nil, nil, &RefError{Op: "load", Ref: name, Err: ErrNotFound}
	}
	return gs, infos, nil
}

// Load is Get followed by compilation, without compiling twice: the
// compiled Grouper's RuleSet method returns the rule set. Batch jobs use it.
func (s *Store) Load(ref string) (*grouper.Grouper, Info, error) {
	files, info, err := s.loadChecked(ref)
	if err != nil {
		return nil, Info{}, &RefError{Op: "load", Ref: ref, Err: err}
	}
	g, _, err := grouper.LoadTables(memFS(files))
	if err != nil {
		return nil, Info{}, &RefError{Op: "load", Ref: ref, Err: err}
	}
	return g, info, nil
}

// Tables returns the table files of the revision ref selects, by file name,
// as Put received them from RuleSet.EncodeTables: for export, or for
// grouper.ReadTables over any fs.FS. The map and its slices are the caller's.
func (s *Store) Tables(ref string) (map[string][]byte, Info, error) {
	files, info, err := s.loadChecked(ref)
	if err != nil {
		return nil, Info{}, &RefError{Op: "tables", Ref: ref, Err: err}
	}
	return files, info, nil
}

// loadChecked is load, adding to a corruption error what the user can do
// about it, with the intact revisions of the rule set.
func (s *Store) loadChecked(ref string) (map[string][]byte, Info, error) {
	files, info, err := s.load(ref)
	if err == nil || !errors.Is(err, ErrCorrupt) || s.broken.Load() != nil {
		return files, info, err
	}
	name, rev, _, perr := parseRef(ref)
	if perr != nil {
		return nil, Info{}, err
	}
	if info.Name != "" {
		rev = info.Revision
	}
	return nil, Info{}, s.damaged(err, name, s.intactRevisions(name, rev))
}

// load reads and decompresses one revision's tables. On an error after
// the revision was resolved, the Info names it (and nothing else is set).
func (s *Store) load(ref string) (map[string][]byte, Info, error) {
	return s.loadIn(ruleSets, ref)
}

// loadIn is load in key space sp.
func (s *Store) loadIn(sp space, ref string) (map[string][]byte, Info, error) {
	meta, names, vals, err := s.readIn(sp, ref)
	if err != nil {
		return nil, Info{Name: meta.Name, Revision: meta.Revision}, err
	}
	data, err := decompressAll(vals, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, Info{Name: meta.Name, Revision: meta.Revision}, err
	}
	files := make(map[string][]byte, len(names))
	for i, n := range names {
		files[n] = data[i]
	}
	if err := meta.verify(files); err != nil {
		return nil, Info{Name: meta.Name, Revision: meta.Revision}, err
	}
	return files, meta.Info, nil
}

// read copies one revision's stored table values out of a read transaction,
// so that they can be decompressed outside it.
func (s *Store) read(ref string) (info revMeta, names []string, vals [][]byte, err error) {
	return s.readIn(ruleSets, ref)
}

// readIn is read in key space sp.
func (s *Store) readIn(sp space, ref string) (info revMeta, names []string, vals [][]byte, err error) {
	err = s.view(func(txn *badger.Txn) error {
		var err error
		if info, err = resolve(txn, sp, ref); err != nil {
			return err
		}
		prefix := sp.tablePrefix(info.Name, info.Revision)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			v, err := item.ValueCopy(nil)
			if err != nil {
				return fmt.Errorf("%w: table %s: %w", ErrCorrupt, item.Key()[len(prefix):], err)
			}
			if len(v) == 0 {
				// Every stored value has its codec byte. Badger returns no
				// value, and no error, for a value-log entry it cannot
				// read (one failing its checksum, or pointing past its
				// file).
				return fmt.Errorf("%w: table %s: its value cannot be read from the value log", ErrCorrupt, item.Key()[len(prefix):])
			}
			names = append(names, string(item.Key()[len(prefix):]))
			vals = append(vals, v)
		}
		return nil
	})
	if err == nil && len(names) != info.Tables {
		err = fmt.Errorf("%w: %d tables stored, metadata says %d", ErrCorrupt, len(names), info.Tables)
	}
	return info, names, vals, err
}

// decompressAll decodes vals on up to workers goroutines, largest first so
// that the biggest table does not start last.
func decompressAll(vals [][]byte, workers int) ([][]byte, error) {
	order := make([]int, len(vals))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(len(vals[b]), len(vals[a])) })
	out := make([][]byte, len(vals))
	errs := make([]error, len(vals))
	next := make(chan int, len(order))
	for _, i := range order {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range max(1, min(workers, len(vals))) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = decodeValue(vals[i])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// Delete removes the revision ref selects: "name@N", or "name" for the
// latest revision (the one Get would return), so that deleting a name's
// revisions one by one goes backwards. Its number is not reused by later
// Puts.
func (s *Store) Delete(ref string) error {
	fail := func(err error) error { return &RefError{Op: "delete", Ref: ref, Err: err} }
	if s.readOnly {
		return fail(ErrReadOnly)
	}
	// A deletion writes a tombstone a key: a few KB.
	if err := s.checkWrite(64<<10, "deleting "+ref); err != nil {
		return fail(err)
	}
	err := s.update(func(txn *badger.Txn) error {
		info, err := resolve(txn, ruleSets, ref)
		if err != nil {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: revPrefix(info.Name, info.Revision)})
		var keys [][]byte
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		it.Close()
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return nil
}

// isMetaKey reports whether key is a revision's metadata key, ".../N/meta",
// and not a table file named meta (".../N/t/meta").
func isMetaKey(key []byte) bool {
	return bytes.HasSuffix(key, []byte("/"+metaSuffix)) && !bytes.HasSuffix(key, []byte("/"+tableInfix+metaSuffix))
}
