package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

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
	// ErrCorrupt: stored data does not decode or fails a checksum (a
	// damaged or foreign store). The message names the store and what can
	// be done: another revision, a new import, a backup.
	ErrCorrupt = errors.New("store: corrupt data")
	// ErrUnclean: a read-only Open found a store whose last read-write
	// opener never closed it (it was killed, crashed, or died of a full
	// disk). A read-only opener cannot tidy up after it; Recover, or any
	// read-write Open, does.
	ErrUnclean = errors.New("store: not closed cleanly by its last writer")
	// ErrNoSpace: a read-write Open, Put or Delete found too little free
	// space on the store's file system for what Badger may write, and
	// wrote nothing.
	ErrNoSpace = errors.New("store: not enough free disk space")
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

// Options configure Open. The zero value opens for reading and writing,
// and fails at once when another process holds the directory.
type Options struct {
	// ReadOnly opens the store without writing to it: Put and Delete fail
	// with ErrReadOnly. Any number of read-only openers, in one process or
	// several, may share a directory, but not with a read-write opener. The
	// directory must hold a store that was closed cleanly.
	ReadOnly bool

	// LockWait is how long Open waits for the directory when another
	// opener holds it (a reader started beside an import waits for the
	// import, then reads what it committed). Open polls, at intervals
	// growing from 10 ms to 1 s; after LockWait it fails with ErrLocked.
	// Zero fails at once.
	LockWait time.Duration

	// Waiting, if set, is called once when Open finds the directory in use
	// and starts to wait for it, so that a command can say why it pauses.
	Waiting func()
}

// Store is a directory of versioned rule sets. Its methods are safe for
// concurrent use. A Store must be closed.
type Store struct {
	db       *badger.DB
	dir      string
	readOnly bool
	unlock   func() error // releases the directory lock (lockDir)

	// broken holds the error of a panic or memory fault recovered inside
	// Badger (guard); the Store then only returns it.
	broken atomic.Pointer[error]
}

// formatKey holds the store's format version; formatVersion is the only
// one this package reads and writes.
const (
	formatKey     = "format"
	formatVersion = "1"
)

// badgerOptions are small settings for a store of a few rule sets, each a
// few MB: no block cache (values are already zstd-compressed, so Badger's
// own compression is off, which is what permits a zero cache), memtables,
// value-log files and value threshold as small as the largest rule set
// allows (space.go says why), two compactors and goroutines (the target
// machines have two cores). Writes are synced: a Put that returned
// survives a power loss, not only a killed process, and rule sets are
// written rarely enough that the sync costs nothing that matters.
//
// Badger verifies each table block it reads (OnBlockRead) and each value
// it reads from the value log; the tables as a whole are verified before
// it opens them (verifyTables), not by OnTableRead, which Badger runs on
// goroutines where its panic on a bad block cannot be recovered. Where
// this package locks the directory itself (ownLock), Badger's lock is
// bypassed, being the same flock(2).
func badgerOptions(dir string, readOnly bool) badger.Options {
	return badger.DefaultOptions(dir).
		WithLogger(nil).
		WithSyncWrites(!readOnly).
		WithReadOnly(readOnly).
		WithBypassLockGuard(ownLock).
		WithMetricsEnabled(false).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(0).
		WithChecksumVerificationMode(options.OnBlockRead).
		WithVerifyValueChecksum(true).
		WithMemTableSize(memTableSize).
		WithNumMemtables(2).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithValueThreshold(valueThreshold).
		WithValueLogFileSize(valueLogFileSize)
}

// Open opens the store in dir. For reading and writing it creates dir and
// an empty store as needed; read-only, dir must hold a store (else the error
// wraps fs.ErrNotExist). Opening fails with ErrLocked while the directory is
// held by a read-write opener, or, for a read-write open, by any opener
// (after waiting Options.LockWait); with ErrUnclean, read-only, when the
// last writer never closed the store; with ErrCorrupt when a table fails
// its checksums, or dir holds a store of another format or some other
// program's Badger database; and, for reading and writing, with ErrNoSpace
// when the file system lacks the space Badger may need (space.go). It adds
// no key to a foreign directory, but a read-write open is Badger's: it may
// add a log file, and it replays the log of a database whose writer never
// closed it before the check can run.
func Open(dir string, opts Options) (*Store, error) {
	return OpenContext(context.Background(), dir, opts)
}

// OpenContext is Open, giving up waiting for the directory (LockWait) when
// ctx is done.
func OpenContext(ctx context.Context, dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("store: open: empty directory name")
	}
	if opts.ReadOnly {
		if err := mustHoldStore("open", dir); err != nil {
			return nil, err
		}
	} else {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			// Before creating it: on a full disk, fail leaving no trace.
			// (An existing store is checked under its lock, where the
			// logs of a writer at work are not mistaken for a dead one's.)
			if err := checkWritable(dir); err != nil {
				return nil, fmt.Errorf("store: open %s: %w", dir, err)
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("store: open: %w", err)
		}
	}
	deadline := time.Now().Add(opts.LockWait)
	delay := 10 * time.Millisecond
	for waited := false; ; waited = true {
		s, err := openOnce(dir, opts.ReadOnly)
		if !errors.Is(err, ErrLocked) || opts.LockWait <= 0 {
			return s, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("%w (still, after waiting %s)", err, opts.LockWait)
		}
		if !waited && opts.Waiting != nil {
			opts.Waiting()
		}
		t := time.NewTimer(min(delay, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (gave up waiting: %w)", err, context.Cause(ctx))
		case <-t.C:
		}
		delay = min(2*delay, time.Second)
	}
}

// checkWritable is checkSpace for a read-write open of dir.
func checkWritable(dir string) error {
	need, err := spaceNeeded(dir, 0, true)
	if err != nil {
		return err
	}
	return checkSpace(dir, need, "opening the store for writing")
}

// openOnce is one attempt of OpenContext: lock, check, open.
func openOnce(dir string, readOnly bool) (_ *Store, err error) {
	fail := func(err error) (*Store, error) { return nil, fmt.Errorf("store: open %s: %w", dir, err) }
	unlock, err := lockDir(dir, !readOnly)
	if err != nil {
		return fail(err)
	}
	unlock = sync.OnceValue(unlock) // Close may be called twice, as Badger's
	keepLock := false
	defer func() {
		if err != nil && !keepLock {
			unlock()
		}
	}()
	unclean, err := hasMemtableLog(dir)
	if err != nil {
		return fail(err)
	}
	if readOnly && unclean {
		// Badger would replay the log through a memory map, which faults
		// on a full tmpfs; and it refuses it anyway.
		return nil, uncleanError(dir)
	}
	if !readOnly {
		if err := checkWritable(dir); err != nil {
			return fail(err)
		}
	}
	if err := verifyTables(dir, unclean); err != nil {
		return fail(unreadable(dir, err))
	}
	var db *badger.DB
	faulted, err := protect(dir, func() (err error) {
		db, err = badger.Open(badgerOptions(dir, readOnly))
		return err
	})
	if faulted {
		// Badger may have started writing: keep other writers out until
		// this process exits.
		keepLock = !readOnly
		return fail(unreadable(dir, err))
	}
	if err != nil {
		// Badger formats the flock error with %v, so it cannot be matched
		// with errors.Is; TestErrLocked pins the message (where Badger
		// locks, !ownLock).
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("store: open %s: %w (%v)", dir, ErrLocked, err)
		}
		// Likewise for the write-ahead log a writer left behind, where
		// hasMemtableLog did not see it first.
		if readOnly && strings.Contains(err.Error(), badger.ErrTruncateNeeded.Error()) {
			return nil, uncleanError(dir)
		}
		return fail(unreadable(dir, badgerOpenError(err)))
	}
	s := &Store{db: db, dir: dir, readOnly: readOnly, unlock: unlock}
	if err := s.guard(s.checkFormat); err != nil {
		if s.broken.Load() == nil {
			db.Close()
		} else {
			keepLock = !readOnly
		}
		return fail(err)
	}
	return s, nil
}

// systemErrors are the errors of the system that badgerOpenError reports
// as they are.
var systemErrors = []error{syscall.EACCES, syscall.EPERM, syscall.EROFS, syscall.EMFILE,
	syscall.ENFILE, syscall.ENOMEM, syscall.EIO, syscall.ENOSPC, syscall.ENOENT}

// badgerOpenError classifies an error of badger.Open that the checks
// before it did not foresee. Badger formats its causes with %+v, so only
// the message is left to go by: one that names a system error (a file it
// may not open or map) is returned as it is; any other, such as a
// value-log header or a key registry that does not read ("Invalid datakey
// id", "Encryption key mismatch") or a MANIFEST of another Badger version,
// is damage, or a foreign directory, and wraps ErrCorrupt.
func badgerOpenError(err error) error {
	msg := err.Error()
	for _, e := range systemErrors {
		if strings.Contains(msg, e.Error()) {
			return err
		}
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}

// uncleanError is ErrUnclean with the way out. Recover writes, so after a
// writer that died of a full disk it needs space first; it says so itself
// (ErrNoSpace) when there is too little.
func uncleanError(dir string) error {
	return fmt.Errorf("store: open %s: %w: recover it with 'drg rules recover --store %s' (if the disk filled up, free space first)", dir, ErrUnclean, dir)
}

// hasMemtableLog reports whether dir holds a memtable log (*.mem). A
// read-write opener keeps one while it runs and removes it when it closes
// (flushed into a table, or empty); under the directory lock, one that is
// there was left by a writer that never closed the store.
func hasMemtableLog(dir string) (bool, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".mem") {
			return true, nil
		}
	}
	return false, nil
}

// Recover makes a store whose last writer never closed it (ErrUnclean)
// readable again: it opens dir for reading and writing, which replays the
// writer's log, and closes it. Every rule set whose Put returned survives;
// a Put or Delete that had not returned when its process died either
// completed or left no trace, as a transaction does. Recover fails with
// ErrLocked while another process holds the store, with an error wrapping
// fs.ErrNotExist when dir holds no store, with ErrNoSpace, as Open, when
// the file system is too full to write (after a writer died of a full
// disk: free space, then recover), and with ErrCorrupt, as Open, when it
// holds another format or another program's database, or a damaged table;
// on a clean store it changes nothing a reader can see.
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
//
// A Store broken by a fault inside Badger (its methods returned an error
// wrapping ErrCorrupt that says Badger failed) is not closed: Badger's
// state is unknown, and closing it could wait forever on a lock the fault
// left held. Its memory maps stay until the process exits; a read-only
// Store releases the directory, a read-write one keeps it locked so that
// no other writer starts beside Badger's goroutines.
func (s *Store) Close() error {
	if p := s.broken.Load(); p != nil {
		if s.readOnly {
			s.unlock()
		}
		return fmt.Errorf("store: close %s: not closed after a fault: %w", s.dir, *p)
	}
	err := s.db.Close()
	if uerr := s.unlock(); err == nil && uerr != nil {
		err = uerr
	}
	if err != nil {
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
