package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/fb"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/badger/v4/y"
)

// verifyTables checks every block and index checksum of every table
// (*.sst) the MANIFEST in dir lists, before Badger opens them.
//
// Badger cannot be trusted with a damaged table. It opens the tables on
// goroutines of its own, where a panic cannot be recovered, and it parses a
// block's trailer before it verifies the block (a flipped byte there is
// "slice bounds out of range"), or, in its own table check, dereferences nil
// on the first bad block; it stops the process (log.Fatal) on an index whose
// lengths point outside the file. Its iterators drop a block that fails its
// checksum without an error, so that a revision whose keys were in it is
// "not found", or an older revision is taken for the latest. So the tables
// are checked here, by a parser that only slices within bounds, and a
// damaged one stops Open; options.OnBlockRead then guards what Badger reads
// afterwards. The cost is one read of the tables, which hold only the small
// values (the large ones are in the value log): about 70 KB a revision of
// the national rule set.
//
// Tables this package did not write (compressed or encrypted) are left to
// Badger. A table file the MANIFEST does not list (left by a writer that
// died while writing it) is not checked: Badger ignores it, and a
// read-write Open deletes it.
//
// Badger reads the MANIFEST up to the first change set that is cut short
// and drops the rest, as the torn tail of a writer that died mid-append. A
// damaged length makes a whole change set look cut short, and the tables
// it added would vanish without an error; so unless torn (a writer died:
// its memtable log is there) the MANIFEST must parse to its end.
func verifyTables(dir string, torn bool) (err error) {
	defer func() {
		// The MANIFEST parser and the flatbuffers index reader are Badger's:
		// a panic there is damage too.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: reading the MANIFEST or a table index: %v", ErrCorrupt, r)
		}
	}()
	f, err := os.Open(filepath.Join(dir, "MANIFEST"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a new store: Badger writes one
	}
	if err != nil {
		return err
	}
	defer f.Close()
	m, end, err := badger.ReplayManifestFile(f, 0, badgerOptions(dir, true))
	if err != nil {
		return fmt.Errorf("%w: MANIFEST: %w", ErrCorrupt, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if end != fi.Size() && !torn {
		return fmt.Errorf("%w: MANIFEST: %d bytes, of which only the first %d read as change sets", ErrCorrupt, fi.Size(), end)
	}
	ids := make([]uint64, 0, len(m.Tables))
	for id := range m.Tables {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		tm := m.Tables[id]
		if tm.Compression != options.None || tm.KeyID != 0 {
			continue
		}
		name := table.IDToFilename(id)
		// Read, not memory-mapped: a fault cannot happen in a read(2).
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: table file %s, listed in the MANIFEST, is missing", ErrCorrupt, name)
		}
		if err != nil {
			return err
		}
		if err := verifySST(data); err != nil {
			return fmt.Errorf("%w: table file %s: %w", ErrCorrupt, name, err)
		}
	}
	return nil
}

// verifySST checks one table file, as Badger v4 writes it uncompressed and
// unencrypted (table/builder.go):
//
//	block 0 | block 1 | ... | index | index length (4) | checksum | checksum length (4)
//
// where the checksum (a protobuf pb.Checksum) covers the index, a
// flatbuffer listing each block's offset and length, and each block ends in
// its own checksum of the bytes before it, then that checksum's length.
// Lengths are big-endian uint32s. The blocks must tile the file from 0 to
// the index, so that no byte escapes every checksum.
func verifySST(data []byte) error {
	end := len(data)
	u32 := func(at int) int { return int(binary.BigEndian.Uint32(data[at : at+4])) }
	if end < 8 {
		return fmt.Errorf("%d bytes, too short for a table", end)
	}
	chkLen := u32(end - 4)
	if chkLen > end-8 {
		return fmt.Errorf("index checksum length %d exceeds the file", chkLen)
	}
	chkAt := end - 4 - chkLen
	idxLen := u32(chkAt - 4)
	if idxLen > chkAt-4 {
		return fmt.Errorf("index length %d exceeds the file", idxLen)
	}
	idxAt := chkAt - 4 - idxLen
	index := data[idxAt : chkAt-4]
	if err := verifyChecksum(index, data[chkAt:end-4]); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	ti := fb.GetRootAsTableIndex(index, 0)
	n := ti.OffsetsLength()
	if n == 0 {
		return errors.New("index lists no blocks")
	}
	var bo fb.BlockOffset
	next := 0
	for i := range n {
		if !ti.Offsets(&bo, i) {
			return fmt.Errorf("index lacks block %d", i)
		}
		at, size := int(bo.Offset()), int(bo.Len())
		if at != next || size < 4 || size > idxAt-at {
			return fmt.Errorf("block %d at %d, %d bytes: does not follow the previous block within the file", i, at, size)
		}
		blk := data[at : at+size]
		sumLen := int(binary.BigEndian.Uint32(blk[size-4:]))
		if sumLen > size-4 {
			return fmt.Errorf("block %d at offset %d: checksum length %d exceeds the block", i, at, sumLen)
		}
		if err := verifyChecksum(blk[:size-4-sumLen], blk[size-4-sumLen:size-4]); err != nil {
			return fmt.Errorf("block %d at offset %d: %w", i, at, err)
		}
		next = at + size
	}
	if next != idxAt {
		return fmt.Errorf("blocks end at %d, the index starts at %d", next, idxAt)
	}
	return nil
}

// verifyChecksum checks data against sum, an encoded pb.Checksum: the
// varint fields algo (1) and sum (2), decoded here so that a damaged one
// is an error rather than a panic in Badger's checksum function.
func verifyChecksum(data, sum []byte) error {
	var algo, want uint64
	for b := sum; len(b) > 0; {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("unreadable checksum")
		}
		b = b[n:]
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("unreadable checksum")
		}
		b = b[n:]
		switch tag { // field number << 3 | wire type 0, varint
		case 1 << 3:
			algo = v
		case 2 << 3:
			want = v
		default:
			return fmt.Errorf("unreadable checksum (field tag %d)", tag)
		}
	}
	if algo != uint64(pb.Checksum_CRC32C) && algo != uint64(pb.Checksum_XXHash64) {
		return fmt.Errorf("unknown checksum algorithm %d", algo)
	}
	if got := y.CalculateChecksum(data, pb.Checksum_Algorithm(algo)); got != want {
		return fmt.Errorf("checksum mismatch: %x, written with %x", got, want)
	}
	return nil
}
