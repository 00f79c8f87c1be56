package store

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
)

// protect runs fn, which calls into Badger, on the calling goroutine and
// turns a panic into an error wrapping ErrCorrupt. That covers Badger's
// own panics on data it did not expect and, through debug.SetPanicOnFault,
// a memory fault (SIGBUS) on one of the files Badger maps, which would
// otherwise kill the process: a file cut short under the map, or, on a full
// tmpfs, a page of a sparse file that cannot be given a block. faulted
// reports that it happened: Badger's state is then unknown (a lock the
// panic skipped may still be held).
//
// Badger's own goroutines (table opening, writes, compaction) cannot be
// covered; what they read is checked before Open (verifyTables), and what
// they write is preceded by a check of free space (checkSpace).
func protect(dir string, fn func() error) (faulted bool, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		faulted = true
		if f, ok := r.(interface{ Addr() uintptr }); ok {
			// What SetPanicOnFault makes of a SIGBUS or SIGSEGV.
			err = fmt.Errorf("%w: a memory fault at %#x reading the files of %s inside Badger (a file cut short, or a full tmpfs)", ErrCorrupt, f.Addr(), dir)
			return
		}
		err = fmt.Errorf("%w: reading the files of %s failed inside Badger: %v", ErrCorrupt, dir, r)
	}()
	return false, fn()
}

// guard is protect for a Store: after a fault the Store is broken, and
// every later call returns the first fault's error (see Close).
func (s *Store) guard(fn func() error) error {
	if p := s.broken.Load(); p != nil {
		return *p
	}
	faulted, err := protect(s.dir, fn)
	if faulted {
		s.broken.CompareAndSwap(nil, &err)
	}
	return err
}

// damaged adds to an error wrapping ErrCorrupt what the user can do about
// a damaged revision of name: the intact revisions of name that others
// lists (at most three, newest first), a new import, a backup.
func (s *Store) damaged(err error, name string, others []int) error {
	if !errors.Is(err, ErrCorrupt) {
		return err
	}
	var use string
	if len(others) > 0 {
		var refs []string
		for _, rev := range others {
			refs = append(refs, Info{Name: name, Revision: rev}.Ref())
		}
		use = fmt.Sprintf("use a revision that reads back intact (%s), ", joinOr(refs))
	}
	return fmt.Errorf("%w; the store %s is damaged: %simport %s again ('drg rules import TABLES --name %s --store %s'), or restore %s from a backup",
		err, s.dir, use, name, name, s.dir, s.dir)
}

// intactRevisions returns up to three revisions of name other than rev
// that load and match their checksums, newest first.
func (s *Store) intactRevisions(name string, rev int) []int {
	infos, err := s.List()
	if err != nil {
		return nil
	}
	var out []int
	for _, info := range slices.Backward(infos) {
		if info.Name != name || info.Revision == rev {
			continue
		}
		if _, _, err := s.load(info.Ref()); err == nil {
			out = append(out, info.Revision)
			if len(out) == 3 {
				break
			}
		}
	}
	return out
}

// unreadable adds to an error wrapping ErrCorrupt, from an Open that found
// damage before Badger could read anything, what the user can do about it.
func unreadable(dir string, err error) error {
	if !errors.Is(err, ErrCorrupt) {
		return err
	}
	return fmt.Errorf("%w; the store %s cannot be read: restore it from a backup, or move it aside and import the rule sets again ('drg rules import TABLES --name NAME --store %s')", err, dir, dir)
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " or " + s[len(s)-1]
}
