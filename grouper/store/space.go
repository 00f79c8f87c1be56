package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Badger's files, as badgerOptions sizes them. Badger writes through
// memory maps: when the file system is full, a write to a page of a mapped
// file that has no block yet is a SIGBUS that kills the process, not an
// error (and on tmpfs even reading such a page is). So a writer checks,
// before Badger writes, that the file system has room for every mapped
// file Badger may fill, at its full size, plus the data.
//
// The sizes are chosen to keep that requirement small while the largest
// rule set still fits one transaction: the full-scale synthetic set and the
// national CHS-DRG 1.1 tables store about 0.87 MB in 14 tables, of which
// what is under valueThreshold stays in the LSM tree (at most 16 KiB a
// table, so 14 tables take under 0.25 MB of the 0.6 MB batch limit, 15% of
// memTableSize) and the rest goes to the value log. Earlier settings (8 MiB
// memtables, 64 MiB value-log files, 64 KiB threshold) needed ~153 MiB
// free for any import; these need ~20 MiB.
const (
	// memTableSize: Badger maps each memtable's log at twice this size, and
	// writes a table of up to about this size when it flushes one.
	memTableSize = 4 << 20
	// valueThreshold: larger values go to the value log.
	valueThreshold = 16 << 10
	// valueLogFileSize: Badger maps a value-log file at twice this size
	// (the smallest it accepts is 1 MiB), and extends it when one
	// transaction's large values do not fit.
	valueLogFileSize = 1 << 20
	// discardFileSize is Badger's DISCARD file, mapped by read-write opens.
	discardFileSize = 1 << 20
	// spaceSlack covers the MANIFEST, KEYREGISTRY and directory blocks.
	spaceSlack = 1 << 20
	// writeReserve is what a read-write store may write through its maps
	// besides the data: a memtable log, the table flushed from it, a
	// value-log file and the DISCARD file.
	writeReserve = 2*memTableSize + 2*memTableSize + 2*valueLogFileSize + discardFileSize + spaceSlack
)

// spaceNeeded returns what a writer in dir needs free before writing
// payload bytes: writeReserve, twice the payload (Badger writes a value to
// its log, then small values again to a table), the size of the tables in
// dir (a compaction writes its output before it deletes its inputs), and,
// when opening (replay), the memtable logs a writer that died left, which
// the open flushes to tables.
func spaceNeeded(dir string, payload int64, replay bool) (int64, error) {
	need := int64(writeReserve) + 2*payload
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return need, nil
	}
	if err != nil {
		return 0, err
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".sst") && !(replay && strings.HasSuffix(name, ".mem")) {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // compacted away meanwhile
		}
		if err != nil {
			return 0, err
		}
		need += fi.Size()
	}
	return need, nil
}

// checkSpace fails with ErrNoSpace unless the file system holding dir (or,
// while dir does not exist, its nearest existing parent) has need bytes
// free. what says what the space is for, in the message.
func checkSpace(dir string, need int64, what string) error {
	at := dir
	for {
		if _, err := os.Stat(at); err == nil {
			break
		}
		parent := filepath.Dir(at)
		if parent == at {
			return nil // nothing exists to ask about; the write itself will fail
		}
		at = parent
	}
	free, ok, err := freeSpace(at)
	if err != nil || !ok {
		return err
	}
	if free >= uint64(need) {
		return nil
	}
	return fmt.Errorf("%w: %s free on the file system of %s, %s needs %s; nothing was written: free space there, or keep the store on another file system",
		ErrNoSpace, bytesText(int64(free)), dir, what, bytesText(need))
}

// bytesText formats n bytes for people: "112 KiB", "20.0 MiB".
func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
