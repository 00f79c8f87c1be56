package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Sentinel errors, for errors.Is. Errors about one rule set are *RefError
// values wrapping one of these (or a cause from package grouper or Badger).
var (
	// ErrNotFound: no rule set or revision matches the reference.
	ErrNotFound = errors.New("store: rule set not found")
	// ErrReadOnly: Put or Delete on a store opened with Options.ReadOnly.
	ErrReadOnly = errors.New("store: opened read-only")
	// ErrInvalidRef: a reference is not "name" or "name@N", or a rule set's
	// name cannot be stored (empty, or containing '/', '@' or control
	// characters).
	ErrInvalidRef = errors.New("store: invalid rule-set reference")
	// ErrLocked: Open could not lock the directory because another opener
	// holds it for writing (or, when opening for writing, any other opener
	// holds it).
	ErrLocked = errors.New("store: directory in use by another process")
	// ErrCorrupt: stored data does not decode (a damaged or foreign store).
	ErrCorrupt = errors.New("store: corrupt data")
	// ErrUnclean: a read-only Open found a store whose last read-write
	// opener never closed it (it was killed or crashed). A read-only opener
	// cannot tidy up after it; Recover, or any read-write Open, does.
	ErrUnclean = errors.New("store: not closed cleanly by its last writer")
)

// RefError is an error about one rule-set reference, like os.PathError for
// paths: "get sample@3: store: rule set not found".
type RefError struct {
	Op  string // "put", "get", "tables" or "delete"
	Ref string // the reference as given, or the rule set's name for put
	Err error
}

func (e *RefError) Error() string { return e.Op + " " + e.Ref + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *RefError) Unwrap() error { return e.Err }

// Options configure Open. The zero value opens for reading and writing.
type Options struct {
	// ReadOnly opens the store without writing to it: Put and Delete fail
	// with ErrReadOnly. Any number of read-only openers, in one process or
	// several, may share a directory, but not with a read-write opener. The
	// directory must hold a store that was closed cleanly.
	ReadOnly bool
}

// Store is a directory of versioned rule sets. Its methods are safe for
// concurrent use. A Store must be closed.
type Store struct {
	db       *badger.DB
	dir      string
	readOnly bool
}

// formatKey holds the store's format version; formatVersion is the only
// one this package reads and writes.
const (
	formatKey     = "format"
	formatVersion = "1"
)

// badgerOptions are small settings for a store of a few rule sets, each a
// few MB: no block cache (values are already zstd-compressed, so Badger's
// own compression is off, which is what permits a zero cache), small
// memtables, two compactors and goroutines (the target machines have two
// cores), and values over 64 KiB in the value log, so that one transaction
// holding all tables of a large rule set stays far below Badger's batch
// limit (15% of MemTableSize). Writes are synced: a Put that returned
// survives a power loss, not only a killed process, and rule sets are
// written rarely enough that the sync costs nothing that matters.
func badgerOptions(dir string, readOnly bool) badger.Options {
	return badger.DefaultOptions(dir).
		WithLogger(nil).
		WithSyncWrites(!readOnly).
		WithReadOnly(readOnly).
		WithMetricsEnabled(false).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(0).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithValueThreshold(64 << 10).
		WithValueLogFileSize(64 << 20)
}

// Open opens the store in dir. For reading and writing it creates dir and
// an empty store as needed; read-only, dir must hold a store (else the error
// wraps fs.ErrNotExist). Opening fails with ErrLocked while the directory is
// held by a read-write opener, or, for a read-write open, by any opener,
// and with ErrCorrupt when dir holds a store of another format or some other
// program's Badger database. It adds no key to such a directory, but a
// read-write open is Badger's: it may add a log file, and it replays the log
// of a database whose writer never closed it before the check can run.
func Open(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("store: open: empty directory name")
	}
	if opts.ReadOnly {
		if err := mustHoldStore("open", dir); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	db, err := badger.Open(badgerOptions(dir, opts.ReadOnly))
	if err != nil {
		// Badger formats the flock error with %v, so it cannot be matched
		// with errors.Is; TestErrLocked pins the message.
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("store: open %s: %w (%v)", dir, ErrLocked, err)
		}
		// Likewise for the write-ahead log a writer left behind; TestUnclean
		// pins it.
		if opts.ReadOnly && strings.Contains(err.Error(), badger.ErrTruncateNeeded.Error()) {
			return nil, fmt.Errorf("store: open %s: %w: recover it with 'drg rules recover --store %s'", dir, ErrUnclean, dir)
		}
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	s := &Store{db: db, dir: dir, readOnly: opts.ReadOnly}
	if err := s.checkFormat(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	return s, nil
}

// Recover makes a store whose last writer never closed it (ErrUnclean)
// readable again: it opens dir for reading and writing, which replays the
// writer's log, and closes it. Every rule set whose Put returned survives;
// a Put or Delete that had not returned when its process died either
// completed or left no trace, as a transaction does. Recover fails with
// ErrLocked while another process holds the store, with an error wrapping
// fs.ErrNotExist when dir holds no store, and with ErrCorrupt, as Open, when
// it holds another format or another program's database; on a clean store
// it changes nothing a reader can see.
func Recover(dir string) error {
	if err := mustHoldStore("recover", dir); err != nil {
		return err
	}
	s, err := Open(dir, Options{})
	if err != nil {
		return err
	}
	return s.Close()
}

// mustHoldStore fails unless dir holds a store (Badger's MANIFEST), for the
// operations that must not create one.
func mustHoldStore(op, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("store: %s %s: no store here: %w", op, dir, fs.ErrNotExist)
		}
		return fmt.Errorf("store: %s %s: %w", op, dir, err)
	}
	return nil
}

// checkFormat refuses a store written in another format, and a directory
// holding some other Badger database, and stamps a new read-write store with
// this format. Open stamps before any write, so a rule store with data but no
// format key does not exist; stamping such a database would make it look
// like one.
func (s *Store) checkFormat() error {
	var got string
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(formatKey))
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		got = string(v)
		return err
	})
	switch {
	case err == nil && got == formatVersion:
		return nil
	case err == nil:
		return fmt.Errorf("%w: format %q, want %q", ErrCorrupt, got, formatVersion)
	case !errors.Is(err, badger.ErrKeyNotFound):
		return err
	}
	empty := true
	err = s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		it.Rewind()
		empty = !it.Valid()
		return nil
	})
	switch {
	case err != nil:
		return err
	case !empty:
		return fmt.Errorf("%w: a Badger database without the rule store's format key: not a rule store", ErrCorrupt)
	case s.readOnly:
		return nil // an empty store
	}
	return s.db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte(formatKey), []byte(formatVersion))
	})
}

// Dir returns the directory the store was opened in.
func (s *Store) Dir() string { return s.dir }

// ReadOnly reports whether the store was opened read-only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Close releases the directory and Badger's goroutines. A read-write store
// writes its in-memory table to disk first. The Store must not be used
// afterwards.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", s.dir, err)
	}
	return nil
}

// DefaultDir returns the store directory used when none is given:
// $DRG_STORE if set, else "drg/store" under the user's data directory,
// which is
//
//   - $XDG_DATA_HOME, or ~/.local/share when unset (Linux, BSDs: the XDG
//     base-directory convention; rule sets are data, not configuration, so
//     not os.UserConfigDir's ~/.config);
//   - ~/Library/Application Support (macOS: os.UserConfigDir);
//   - %LocalAppData% (Windows: machine-local, not roaming, as a store can be
//     large).
//
// The directory is not created.
func DefaultDir() (string, error) {
	if d := os.Getenv("DRG_STORE"); d != "" {
		return d, nil
	}
	base, err := dataHome()
	if err != nil {
		return "", fmt.Errorf("store: no default directory (set DRG_STORE): %w", err)
	}
	return filepath.Join(base, "drg", "store"), nil
}

func dataHome() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return d, nil
		}
		return os.UserConfigDir()
	case "darwin", "ios", "plan9":
		return os.UserConfigDir()
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share"), nil
}
