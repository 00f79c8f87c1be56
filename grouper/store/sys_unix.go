//go:build linux || darwin || freebsd

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ownLock reports whether this package locks the store directory itself
// (and tells Badger not to, WithBypassLockGuard). It does where flock(2) is
// at hand, so that the checks a store needs before Badger touches its files
// (a writer that died, damaged tables, free space) run under the lock:
// without it a reader could take a live writer's log for a dead one's.
const ownLock = true

// lockDir takes flock(2) on dir, shared for a reader and exclusive for a
// writer, without waiting: ErrLocked when another opener holds a lock that
// conflicts. It is the lock Badger takes on its directory, so a store stays
// guarded against programs that open it through Badger's own lock (earlier
// versions of this package among them). The returned function releases it.
func lockDir(dir string, exclusive bool) (unlock func() error, err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	// Closing the descriptor releases the lock.
	return f.Close, nil
}

// freeSpace returns the bytes an unprivileged writer may still use on the
// file system holding path (statfs(2) f_bavail: the blocks root keeps in
// reserve are not counted, so that a store running as root stops short of
// them too). ok is false where the system cannot tell.
func freeSpace(path string) (free uint64, ok bool, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, false, fmt.Errorf("statfs %s: %w", path, err)
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true, nil
}
