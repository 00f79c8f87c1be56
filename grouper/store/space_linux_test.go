package store

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/medpay/drg/grouper"
)

// tmpfs mounts a tmpfs of the given size ("1m", "32m") on a new
// directory. It skips the test where mounting is not allowed (not root,
// no CAP_SYS_ADMIN, a container without mount rights), and unmounts in
// t.Cleanup, before the directory is removed.
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			// Still busy (a file a failed test left open): detach it, so
			// that it goes when the file is closed.
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				t.Errorf("unmount %s: %v", dir, err)
			}
		}
	})
	return dir
}

// fill writes a new file of zeros into dir until the file system has
// about leave bytes free, and returns its path.
func fill(t *testing.T, dir string, leave int64) string {
	t.Helper()
	free, _, err := freeSpace(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(dir, "filler")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for left := int64(free) - leave; left > 0; left -= int64(len(buf)) {
		if _, err := f.Write(buf[:min(int64(len(buf)), left)]); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			t.Fatal(err)
		}
	}
	return f.Name()
}

// readBack fails unless the store in dir opens read-only and holds
// exactly the sample as want.
func readBack(t *testing.T, dir string, want Info) {
	t.Helper()
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open: %v", err)
	}
	defer s.Close()
	list, err := s.List()
	if err != nil || len(list) != 1 || list[0] != want {
		t.Fatalf("List: got %+v, %v; want [%+v]", list, err, want)
	}
	files, _, err := s.Tables(want.Ref())
	if err != nil {
		t.Fatal(err)
	}
	sameTables(t, files, sample(t).EncodeTables())
}

func wantNoSpace(t *testing.T, what string, err error, dir string) {
	t.Helper()
	if !errors.Is(err, ErrNoSpace) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("%s: got %v, want ErrNoSpace naming %s and the space needed", what, err, dir)
	}
}

// TestNoSpaceImport pins the issue "import on a full disk (a 1 MiB tmpfs)
// dies with fatal error: fault [signal SIGBUS]": Open for writing, and Put
// and Delete, check the free space first and fail with ErrNoSpace, having
// written nothing; the store keeps what it had.
func TestNoSpaceImport(t *testing.T) {
	small := tmpfs(t, "1m")
	dir := filepath.Join(small, "store")
	_, err := Open(dir, Options{})
	wantNoSpace(t, "read-write Open on 1 MiB", err, dir)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the failed Open left %s (%v)", dir, err)
	}

	// A store with room to open, then a disk that fills up: what Badger
	// would write for the Put does not fit.
	dir = filepath.Join(tmpfs(t, "32m"), "store")
	want := storeOf(t, dir)
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, filepath.Dir(dir), 24<<10)
	_, err = s.Put(sample(t))
	wantNoSpace(t, "Put on a full disk", err, dir)
	if re := (*RefError)(nil); !errors.As(err, &re) || re.Op != "put" {
		t.Errorf("Put: got %#v, want a *RefError", err)
	}
	wantNoSpace(t, "Delete on a full disk", s.Delete(want.Ref()), dir)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	readBack(t, dir, want)
	wantNoSpace(t, "Recover on a full disk", Recover(dir), dir)
	readBack(t, dir, want)
}

// TestFullDiskDiedWriter pins the rest of that issue: "afterwards even
// 'rules list' and 'rules recover' crash until space is freed". A writer
// (here Badger itself, without this package's checks, as an earlier
// version wrote) dies of SIGBUS on a full tmpfs, leaving its memtable log
// sparse; reading a hole of it through Badger's memory map faults too. A
// reader must fail with ErrUnclean, Recover with ErrNoSpace, and, once
// space is freed, Recover must bring back the store as it was before the
// failed write.
func TestFullDiskDiedWriter(t *testing.T) {
	if dir := os.Getenv("DRG_STORE_WRITE_TO_FULL_DISK"); dir != "" {
		// The writer, in a child process: it is meant to die of SIGBUS.
		db, err := badger.Open(badgerOptions(dir, false))
		if err != nil {
			t.Fatal(err)
		}
		big := make([]byte, 4<<20)
		for i := range big {
			big[i] = byte(rand.Uint32())
		}
		err = db.Update(func(txn *badger.Txn) error {
			// Values for the value log, which faults first.
			for i := 0; i < len(big); i += 64 << 10 {
				if err := txn.Set(tableKey("big", 1, strings.Repeat("x", 1+i>>16)), big[i:i+64<<10]); err != nil {
					return err
				}
			}
			return nil
		})
		t.Fatalf("the write to a full disk returned %v, and the process did not die", err)
	}
	root := tmpfs(t, "32m")
	dir := filepath.Join(root, "store")
	want := storeOf(t, dir)
	filler := fill(t, root, 64<<10)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFullDiskDiedWriter$")
	cmd.Env = append(os.Environ(), "DRG_STORE_WRITE_TO_FULL_DISK="+dir)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "SIGBUS") {
		t.Fatalf("the writer did not die of SIGBUS (%v):\n%.2000s", err, out)
	}
	second := fill(t, root, 0) // and what the writer's death freed

	_, err = Open(dir, Options{ReadOnly: true})
	if !errors.Is(err, ErrUnclean) || !strings.Contains(err.Error(), "drg rules recover --store "+dir) {
		t.Errorf("read-only open: got %v, want ErrUnclean with the recover command", err)
	}
	wantNoSpace(t, "Recover on a full disk", Recover(dir), dir)
	for _, f := range []string{filler, second} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := Recover(dir); err != nil {
		t.Fatalf("Recover with space: %v", err)
	}
	readBack(t, dir, want)
}

// TestFullDiskReaders: a reader of an intact store needs no space: on a
// full disk it reads everything.
func TestFullDiskReaders(t *testing.T) {
	root := tmpfs(t, "32m")
	dir := filepath.Join(root, "store")
	want := storeOf(t, dir)
	fill(t, root, 0)
	readBack(t, dir, want)
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, err := s.Load(want.Ref()); err != nil {
		t.Fatal(err)
	}
}

// TestFaultRecovered: a memory fault (SIGBUS) on a mapped file, or a
// panic, inside what guard runs becomes an error wrapping ErrCorrupt; the
// Store is then broken: every call returns that error, and Close releases
// a read-only Store's directory without closing Badger.
func TestFaultRecovered(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "mapped"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(8192); err != nil {
		t.Fatal(err)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, 8192, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(data)
	if err := f.Truncate(0); err != nil { // the map now runs past the file
		t.Fatal(err)
	}

	dir := t.TempDir()
	storeOf(t, dir)
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var sink byte
	err = s.guard(func() error { sink = data[4096]; return nil })
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "fault") {
		t.Fatalf("a read past the end of a mapped file: got %v (read %d), want ErrCorrupt naming the fault", err, sink)
	}
	if _, err2 := s.List(); !errors.Is(err2, ErrCorrupt) || !strings.Contains(err2.Error(), err.Error()) {
		t.Errorf("List after the fault: got %v, want the fault's error", err2)
	}
	if _, _, err2 := s.Get(grouper.SampleName); !errors.Is(err2, ErrCorrupt) || !strings.Contains(err2.Error(), err.Error()) {
		t.Errorf("Get after the fault: got %v, want ErrCorrupt", err2)
	}
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "not closed after a fault") {
		t.Errorf("Close: got %v, want the fault reported", err)
	}
	w, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("a writer after the broken reader closed: %v", err)
	}
	w.Close()

	if faulted, err := protect(dir, func() error { panic("bad block") }); !faulted || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "bad block") {
		t.Errorf("a panic: got %v, %v; want ErrCorrupt with the panic", faulted, err)
	}
}
