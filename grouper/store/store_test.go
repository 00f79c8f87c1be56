package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

func sample(t testing.TB) *grouper.RuleSet {
	t.Helper()
	rs, err := grouper.Sample()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func open(t testing.TB, dir string, readOnly bool) *Store {
	t.Helper()
	s, err := Open(dir, Options{ReadOnly: readOnly})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func put(t testing.TB, s *Store, rs *grouper.RuleSet) Info {
	t.Helper()
	info, err := s.Put(rs)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// sameTables fails unless got and want hold the same files, byte for byte.
func sameTables(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
		t.Fatalf("got tables %v, want %v", g, w)
	}
	for file, w := range want {
		if !bytes.Equal(got[file], w) {
			t.Errorf("%s: got %d bytes, want the original %d bytes", file, len(got[file]), len(w))
		}
	}
}

func refs(infos []Info) []string {
	var out []string
	for _, i := range infos {
		out = append(out, i.Ref())
	}
	return out
}

func TestPutGetRoundTrip(t *testing.T) {
	s := open(t, t.TempDir(), false)
	rs := sample(t)
	want := rs.EncodeTables()

	info, err := s.Put(rs)
	if err != nil {
		t.Fatal(err)
	}
	var bytesWant int64
	for _, d := range want {
		bytesWant += int64(len(d))
	}
	if info.Name != grouper.SampleName || info.Revision != 1 || !info.Sample || info.Version != rs.Version ||
		info.Description != rs.Description || info.Tables != len(want) || info.Bytes != bytesWant ||
		info.MDCs != len(rs.MDCs) || info.ADRGs != len(rs.ADRGs) || info.DRGs != len(rs.DRGs) {
		t.Errorf("got info %+v, want sample@1 with %d tables, %d bytes, %d/%d/%d MDC/ADRG/DRG",
			info, len(want), bytesWant, len(rs.MDCs), len(rs.ADRGs), len(rs.DRGs))
	}
	if info.Stored <= 0 || info.Stored >= info.Bytes {
		t.Errorf("got %d bytes stored for %d, want fewer", info.Stored, info.Bytes)
	}
	if info.Imported.IsZero() || info.Imported.Location().String() != "UTC" {
		t.Errorf("got import time %v, want a UTC time", info.Imported)
	}

	got, ginfo, err := s.Get("sample")
	if err != nil {
		t.Fatal(err)
	}
	if ginfo != info {
		t.Errorf("Get: got info %+v, want Put's %+v", ginfo, info)
	}
	sameTables(t, got.EncodeTables(), want)
	if _, err := grouper.Compile(got); err != nil {
		t.Fatalf("compile what Get returned: %v", err)
	}

	files, tinfo, err := s.Tables("sample@1")
	if err != nil {
		t.Fatal(err)
	}
	if tinfo != info {
		t.Errorf("Tables: got info %+v, want %+v", tinfo, info)
	}
	sameTables(t, files, want)
}

func TestExtraTablesRoundTrip(t *testing.T) {
	s := open(t, t.TempDir(), false)
	rs := sample(t)
	rs.Tables = map[string][]byte{
		"weights.tsv": []byte(strings.Repeat("drg\tweight\nAA11\t1.5\n", 100)), // compressible
		"tiny.csv":    []byte("a\n"),                                           // stored raw
	}
	want := rs.EncodeTables()
	put(t, s, rs)
	got, _, err := s.Get("sample")
	if err != nil {
		t.Fatal(err)
	}
	sameTables(t, got.EncodeTables(), want)

	rs.Tables = map[string][]byte{"notes.txt": []byte("x")}
	if _, err := s.Put(rs); !errors.Is(err, grouper.ErrRuleSet) {
		t.Errorf("Put with a table ReadTables ignores: got %v, want grouper.ErrRuleSet", err)
	}
}

func TestRevisions(t *testing.T) {
	s := open(t, t.TempDir(), false)
	for _, v := range []string{"v1", "v2", "v3"} {
		rs := sample(t)
		rs.Version = v
		if info := put(t, s, rs); info.Version != v {
			t.Fatalf("got version %q, want %q", info.Version, v)
		}
	}
	other := sample(t)
	other.Name = "other"
	put(t, s, other)

	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := refs(list), []string{"other@1", "sample@1", "sample@2", "sample@3"}; !slices.Equal(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
	for _, c := range []struct{ ref, version string }{
		{"sample", "v3"}, {"sample@1", "v1"}, {"sample@2", "v2"}, {"sample@3", "v3"},
	} {
		rs, info, err := s.Get(c.ref)
		if err != nil {
			t.Fatal(err)
		}
		if rs.Version != c.version || info.Version != c.version {
			t.Errorf("Get(%q): got version %q (info %q), want %q", c.ref, rs.Version, info.Version, c.version)
		}
	}
}

func TestListOrder(t *testing.T) {
	// "a-b" sorts before "a/" in key order but after "a" by name.
	s := open(t, t.TempDir(), false)
	for _, n := range []string{"b", "a-b", "a", "a"} {
		rs := sample(t)
		rs.Name = n
		put(t, s, rs)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := refs(list), []string{"a@1", "a@2", "a-b@1", "b@1"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestNotFound(t *testing.T) {
	s := open(t, t.TempDir(), false)
	put(t, s, sample(t))
	for _, ref := range []string{"nope", "nope@1", "sample@2", "sampl", "samplex"} {
		if _, _, err := s.Get(ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q): got %v, want ErrNotFound", ref, err)
		} else if re := (*RefError)(nil); !errors.As(err, &re) || re.Ref != ref || re.Op != "get" {
			t.Errorf("Get(%q): got %#v, want a *RefError naming the ref", ref, err)
		}
		if _, _, err := s.Tables(ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("Tables(%q): got %v, want ErrNotFound", ref, err)
		}
		if err := s.Delete(ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("Delete(%q): got %v, want ErrNotFound", ref, err)
		}
	}
	if _, _, err := s.Get("nope@3"); err == nil || err.Error() != "get nope@3: store: rule set not found" {
		t.Errorf("got message %q", err)
	}
}

func TestInvalidRef(t *testing.T) {
	s := open(t, t.TempDir(), false)
	for _, ref := range []string{"", "@1", "a@", "a@0", "a@01", "a@-1", "a@x", "a@1@2", "a/b", "a\tb", "a@100000000"} {
		if _, _, err := s.Get(ref); !errors.Is(err, ErrInvalidRef) {
			t.Errorf("Get(%q): got %v, want ErrInvalidRef", ref, err)
		}
	}
	for _, name := range []string{"", "a/b", "a@b", "a\x00"} {
		rs := sample(t)
		rs.Name = name
		if _, err := s.Put(rs); !errors.Is(err, ErrInvalidRef) {
			t.Errorf("Put(name %q): got %v, want ErrInvalidRef", name, err)
		}
	}
}

func TestPutInvalidRuleSet(t *testing.T) {
	s := open(t, t.TempDir(), false)
	rs := sample(t)
	rs.DRGs[0].Condition = "has_mcc AND"
	if _, err := s.Put(rs); !errors.Is(err, grouper.ErrImport) || !errors.Is(err, grouper.ErrRuleSet) {
		t.Fatalf("got %v, want grouper.ErrImport and ErrRuleSet", err)
	}
	if list, err := s.List(); err != nil || len(list) != 0 {
		t.Errorf("List after a refused Put: got %v, %v, want nothing", refs(list), err)
	}
}

func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	rw, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, rw, sample(t))
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}

	s := open(t, dir, true)
	if !s.ReadOnly() {
		t.Error("ReadOnly() = false")
	}
	if _, err := s.Put(sample(t)); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Put: got %v, want ErrReadOnly", err)
	}
	if err := s.Delete("sample"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Delete: got %v, want ErrReadOnly", err)
	}
	if _, _, err := s.Get("sample"); err != nil {
		t.Errorf("Get: %v", err)
	}
}

func TestReadOnlyMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	if _, err := Open(dir, Options{ReadOnly: true}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only Open created %s", dir)
	}
}

func TestEmptyStoreReadOnly(t *testing.T) {
	dir := t.TempDir()
	rw, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	s := open(t, dir, true)
	if list, err := s.List(); err != nil || len(list) != 0 {
		t.Errorf("got %v, %v, want an empty list", list, err)
	}
}

// rawBadger writes the given keys to a plain Badger database in dir, as
// another program would, and returns a function that reads one key back.
func rawBadger(t *testing.T, dir string, kv map[string]string) (get func(key string) (string, bool)) {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(txn *badger.Txn) error {
		for k, v := range kv {
			if err := txn.Set([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return func(key string) (string, bool) {
		db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).WithReadOnly(true))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var v []byte
		err = db.View(func(txn *badger.Txn) error {
			item, err := txn.Get([]byte(key))
			if err != nil {
				return err
			}
			v, err = item.ValueCopy(nil)
			return err
		})
		if errors.Is(err, badger.ErrKeyNotFound) {
			return "", false
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(v), true
	}
}

// TestForeignDatabase: a directory holding another program's Badger
// database, or a rule store of another format, is refused by every way in,
// and none of them writes to it.
func TestForeignDatabase(t *testing.T) {
	for _, tc := range []struct {
		name string
		kv   map[string]string
		want string
	}{
		{"other program", map[string]string{"user/1": "alice"}, "not a rule store"},
		{"other format", map[string]string{formatKey: "9"}, `format "9", want "1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			get := rawBadger(t, dir, tc.kv)
			for _, way := range []struct {
				name string
				open func() error
			}{
				{"read-write Open", func() error {
					s, err := Open(dir, Options{})
					if err == nil {
						s.Close()
					}
					return err
				}},
				{"read-only Open", func() error {
					s, err := Open(dir, Options{ReadOnly: true})
					if err == nil {
						s.Close()
					}
					return err
				}},
				{"Recover", func() error { return Recover(dir) }},
			} {
				err := way.open()
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: got %v, want ErrCorrupt saying %q", way.name, err, tc.want)
				}
			}
			v, ok := get(formatKey)
			if want, wantOK := tc.kv[formatKey]; v != want || ok != wantOK {
				t.Errorf("format key after the attempts: %q, %v; want %q, %v (untouched)", v, ok, want, wantOK)
			}
			for k, want := range tc.kv {
				if v, _ := get(k); v != want {
					t.Errorf("key %q after the attempts: %q, want %q", k, v, want)
				}
			}
		})
	}
}

func TestConcurrentReadOnly(t *testing.T) {
	dir := t.TempDir()
	rw, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, rw, sample(t))
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}

	want := sample(t).EncodeTables()
	a, b := open(t, dir, true), open(t, dir, true)
	var wg sync.WaitGroup
	for _, s := range []*Store{a, b, a, b} {
		wg.Go(func() {
			rs, _, err := s.Get("sample@1")
			if err != nil {
				t.Error(err)
				return
			}
			sameTables(t, rs.EncodeTables(), want)
		})
	}
	wg.Wait()
}

// TestErrLocked: a second opener that conflicts gets ErrLocked, from this
// package's lock (ownLock) or from Badger's message, which Open translates.
func TestErrLocked(t *testing.T) {
	dir := t.TempDir()
	open(t, dir, false)
	if _, err := Open(dir, Options{ReadOnly: true}); !errors.Is(err, ErrLocked) {
		t.Errorf("read-only while open for writing: got %v, want ErrLocked", err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("second writer: got %v, want ErrLocked", err)
	}
}

// TestUnclean: a writer killed after a Put leaves a log that a read-only
// Open refuses with ErrUnclean (Badger's message, which Open translates, is
// pinned here); Recover replays it and the rule set is there, whole.
func TestUnclean(t *testing.T) {
	if dir := os.Getenv("DRG_STORE_DIE_AFTER_PUT"); dir != "" {
		// The writer, in a child process: Put, then die without Close.
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(sample(t)); err != nil {
			t.Fatal(err)
		}
		os.Exit(0)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestUnclean$")
	cmd.Env = append(os.Environ(), "DRG_STORE_DIE_AFTER_PUT="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("writer: %v\n%s", err, out)
	}
	_, err := Open(dir, Options{ReadOnly: true})
	if !errors.Is(err, ErrUnclean) || !strings.Contains(err.Error(), "drg rules recover --store "+dir) {
		t.Fatalf("read-only open after a killed writer: got %v, want ErrUnclean with the recover command", err)
	}
	if err := Recover(dir); err != nil {
		t.Fatal(err)
	}
	s := open(t, dir, true)
	rs, info, err := s.Get(grouper.SampleName)
	if err != nil {
		t.Fatal(err)
	}
	if info.Revision != 1 {
		t.Errorf("recovered revision %d, want 1", info.Revision)
	}
	sameTables(t, rs.EncodeTables(), sample(t).EncodeTables())
	// A directory without a store, and a store in use.
	if err := Recover(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Recover of an empty directory: got %v, want fs.ErrNotExist", err)
	}
	if err := Recover(dir); !errors.Is(err, ErrLocked) {
		t.Errorf("Recover while a reader holds the store: got %v, want ErrLocked", err)
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := put(t, s, sample(t))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, dir, false)
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0] != first {
		t.Fatalf("after reopening: got %+v, want [%+v]", list, first)
	}
	if info := put(t, s, sample(t)); info.Revision != 2 {
		t.Errorf("Put after reopening: got revision %d, want 2", info.Revision)
	}
}

func TestDelete(t *testing.T) {
	s := open(t, t.TempDir(), false)
	for range 3 {
		put(t, s, sample(t))
	}
	list := func(want ...string) {
		t.Helper()
		l, err := s.List()
		if err != nil {
			t.Fatal(err)
		}
		if got := refs(l); !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if err := s.Delete("sample@2"); err != nil {
		t.Fatal(err)
	}
	list("sample@1", "sample@3")
	if _, _, err := s.Get("sample@2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get deleted: got %v, want ErrNotFound", err)
	}
	if err := s.Delete("sample"); err != nil { // the latest, 3
		t.Fatal(err)
	}
	list("sample@1")
	if _, info, err := s.Get("sample"); err != nil || info.Revision != 1 {
		t.Errorf("Get latest: got revision %d, %v, want 1", info.Revision, err)
	}
	if info := put(t, s, sample(t)); info.Revision != 4 {
		t.Errorf("Put after deleting 3: got revision %d, want 4 (numbers are not reused)", info.Revision)
	}
	for _, ref := range []string{"sample", "sample"} {
		if err := s.Delete(ref); err != nil {
			t.Fatal(err)
		}
	}
	list()
	if _, _, err := s.Get("sample"); !errors.Is(err, ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
}

func TestConcurrentPut(t *testing.T) {
	s := open(t, t.TempDir(), false)
	const n = 6
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := s.Put(sample(t)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	l, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var revs []int
	for _, i := range l {
		revs = append(revs, i.Revision)
	}
	if want := []int{1, 2, 3, 4, 5, 6}; !slices.Equal(revs, want) {
		t.Errorf("got revisions %v, want %v", revs, want)
	}
}

func TestValueCodec(t *testing.T) {
	for _, c := range []struct {
		name  string
		data  []byte
		codec byte
	}{
		{"empty", nil, codecRaw},
		{"tiny", []byte("key\tvalue\n"), codecRaw},
		{"repetitive", bytes.Repeat([]byte("A01.0\tB02.1\n"), 1000), codecZstd},
	} {
		v := encodeValue(c.data)
		if v[0] != c.codec {
			t.Errorf("%s: got codec %d, want %d", c.name, v[0], c.codec)
		}
		if c.codec == codecRaw && len(v) != 1+len(c.data) {
			t.Errorf("%s: got %d bytes stored raw, want %d", c.name, len(v), 1+len(c.data))
		}
		got, err := decodeValue(v)
		if err != nil || !bytes.Equal(got, c.data) {
			t.Errorf("%s: round trip got %q, %v", c.name, got, err)
		}
	}
	for _, v := range [][]byte{nil, {2}, {codecZstd, 1, 2, 3}} {
		if _, err := decodeValue(v); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decodeValue(%v): got %v, want ErrCorrupt", v, err)
		}
	}
}

func TestMemFS(t *testing.T) {
	m := memFS{"ruleset.tsv": []byte("key\tvalue\n"), "drg.tsv": []byte("drg\n"), "empty.tsv": nil}
	if err := fstest.TestFS(m, "ruleset.tsv", "drg.tsv", "empty.tsv"); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("DRG_STORE", "/srv/drg")
	if got, err := DefaultDir(); err != nil || got != "/srv/drg" {
		t.Errorf("with DRG_STORE: got %q, %v", got, err)
	}
	t.Setenv("DRG_STORE", "")
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
		t.Skip("XDG layout only")
	}
	t.Setenv("XDG_DATA_HOME", "/data")
	if got, err := DefaultDir(); err != nil || got != filepath.Join("/data", "drg", "store") {
		t.Errorf("with XDG_DATA_HOME: got %q, %v", got, err)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/u")
	if got, err := DefaultDir(); err != nil || got != filepath.Join("/home/u", ".local", "share", "drg", "store") {
		t.Errorf("without XDG_DATA_HOME: got %q, %v", got, err)
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"sample", "sample@3", "a@0", "@", "chs-drg-1.1@12", "a/b@1", "名@2", "chs-drg@2025-03-01", "x@2025-02-30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		name, rev, on, err := parseRef(ref)
		if err != nil {
			return
		}
		back := name
		switch {
		case rev > 0 && on != 0:
			t.Fatalf("parseRef(%q) gave both a revision and a date", ref)
		case rev > 0:
			back = Info{Name: name, Revision: rev}.Ref()
		case on != 0:
			back = name + "@" + on.String()
		}
		if back != ref {
			t.Errorf("parseRef(%q) = %q, %d; formats back as %q", ref, name, rev, back)
		}
		if checkName(name) != nil || rev < 0 || rev > maxRevision {
			t.Errorf("parseRef(%q) accepted name %q rev %d", ref, name, rev)
		}
	})
}

func FuzzDecodeValue(f *testing.F) {
	f.Add([]byte{codecRaw, 'a'})
	f.Add(encodeValue(bytes.Repeat([]byte("abc\n"), 100)))
	f.Fuzz(func(t *testing.T, v []byte) {
		data, err := decodeValue(v)
		if err == nil && v[0] == codecRaw && !bytes.Equal(data, v[1:]) {
			t.Errorf("raw value decoded to %q", data)
		}
	})
}

// TestChecksums: a table whose stored value or key was damaged is
// ErrCorrupt, naming the table, not a rule set that silently differs; a
// revision written before the checksums still loads.
func TestChecksums(t *testing.T) {
	s := open(t, t.TempDir(), false)
	info := put(t, s, sample(t))
	rewrite := func(fn func(txn *badger.Txn) error) {
		t.Helper()
		if err := s.db.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	table := func(txn *badger.Txn, file string) []byte {
		t.Helper()
		item, err := txn.Get(tableKey(info.Name, info.Revision, file))
		if err != nil {
			t.Fatal(err)
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			t.Fatal(err)
		}
		data, err := decodeValue(v)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}

	// One changed byte in a small (uncompressed) table: every male record
	// would fail the sex check.
	var checks []byte
	rewrite(func(txn *badger.Txn) error {
		checks = table(txn, grouper.FileChecks)
		bad := bytes.Replace(checks, []byte("sex = 0"), []byte("sex = 1"), 1)
		if bytes.Equal(bad, checks) {
			t.Fatal("checks.tsv has no 'sex = 0' to damage")
		}
		return txn.Set(tableKey(info.Name, info.Revision, grouper.FileChecks), encodeValue(bad))
	})
	for _, get := range []func() error{
		func() error { _, _, err := s.Get(info.Ref()); return err },
		func() error { _, _, err := s.Load(info.Ref()); return err },
		func() error { _, _, err := s.Tables(info.Ref()); return err },
	} {
		if err := get(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "table checks.tsv has checksum") {
			t.Errorf("damaged value: got %v, want ErrCorrupt naming checks.tsv", err)
		}
	}
	rewrite(func(txn *badger.Txn) error {
		return txn.Set(tableKey(info.Name, info.Revision, grouper.FileChecks), encodeValue(checks))
	})
	if _, _, err := s.Get(info.Ref()); err != nil {
		t.Fatalf("repaired: %v", err)
	}

	// A damaged key: the table is there under another name.
	rewrite(func(txn *badger.Txn) error {
		v := encodeValue(table(txn, grouper.FileDIPComprehend))
		if err := txn.Delete(tableKey(info.Name, info.Revision, grouper.FileDIPComprehend)); err != nil {
			return err
		}
		return txn.Set(tableKey(info.Name, info.Revision, "dip_comprehensivX.tsv"), v)
	})
	if _, _, err := s.Get(info.Ref()); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "dip_comprehensivX.tsv") {
		t.Errorf("damaged key: got %v, want ErrCorrupt naming the stray table", err)
	}

	// Metadata without checksums, as revisions written before them have.
	rewrite(func(txn *badger.Txn) error {
		if err := txn.Delete(tableKey(info.Name, info.Revision, "dip_comprehensivX.tsv")); err != nil {
			return err
		}
		info.Tables--
		meta, err := json.Marshal(info)
		if err != nil {
			return err
		}
		return txn.Set(metaKey(info.Name, info.Revision), meta)
	})
	if _, _, err := s.Get(info.Ref()); err != nil {
		t.Errorf("a revision without checksums: %v", err)
	}
}

// TestForDate: revisions carry their period in force; a date reference
// (NAME@YYYY-MM-DD, ForDate) selects the latest revision in force that
// day, a day outside every period is not found, and LoadAll compiles every
// revision, oldest first.
func TestForDate(t *testing.T) {
	s := open(t, t.TempDir(), false)
	day := func(y, m, d int) record.Date { return record.DateOf(y, time.Month(m), d) }
	for _, v := range []record.Period{
		{From: day(2024, 1, 1), To: day(2024, 6, 30)},
		{From: day(2024, 7, 1)},
		{From: day(2024, 7, 1), To: day(2024, 12, 31)}, // a correction of the second, for 2024 only
	} {
		rs := sample(t)
		rs.Valid = v
		put(t, s, rs)
	}
	for _, tc := range []struct {
		ref  string
		want int // revision; 0: not found
	}{
		{"sample@2024-03-01", 1}, {"sample@2024-06-30", 1}, {"sample@2024-07-01", 3},
		{"sample@2024-12-31", 3}, {"sample@2025-01-01", 2}, {"sample@2023-12-31", 0},
	} {
		rs, info, err := s.Get(tc.ref)
		switch {
		case tc.want == 0:
			if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no revision of sample is in force on 2023-12-31") {
				t.Errorf("Get(%s): %v, want not in force", tc.ref, err)
			}
		case err != nil:
			t.Errorf("Get(%s): %v", tc.ref, err)
		case info.Revision != tc.want || rs.Valid != info.Period():
			t.Errorf("Get(%s): revision %d (period %s, tables say %s), want %d", tc.ref, info.Revision, info.Period(), rs.Valid, tc.want)
		}
	}
	if _, info, err := s.ForDate("sample", day(2024, 3, 1)); err != nil || info.Revision != 1 || info.ValidFrom != "2024-01-01" || info.ValidTo != "2024-06-30" {
		t.Errorf("ForDate: %+v, %v", info, err)
	}
	gs, infos, err := s.LoadAll("sample")
	if err != nil || len(gs) != 3 || infos[0].Revision != 1 || infos[2].Revision != 3 || gs[1].RuleSet().Valid.To != 0 {
		t.Errorf("LoadAll: %d groupers, %+v, %v", len(gs), infos, err)
	}
	if _, _, err := s.LoadAll("nosuch"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LoadAll(nosuch): %v, want ErrNotFound", err)
	}
}

// TestPrices: price lists are stored beside rule sets, in their own key
// space: revisions, references by number and date, listing, checksums;
// a rule set of the same name is another thing.
func TestPrices(t *testing.T) {
	s := open(t, t.TempDir(), false)
	put(t, s, sample(t)) // a rule set "sample"
	for i, v := range []string{"2022-01-01", "2023-01-01"} {
		info, err := s.PutPrices(map[string][]byte{"weights.tsv": []byte("v" + v), "policy.json": []byte("{}")},
			Info{Name: "sample", Description: "city", RuleSet: "chs-drg-1.1", ValidFrom: v})
		if err != nil || info.Revision != i+1 || info.Tables != 2 {
			t.Fatalf("PutPrices: %+v, %v", info, err)
		}
	}
	for ref, want := range map[string]string{"sample": "v2023-01-01", "sample@1": "v2022-01-01", "sample@2022-06-01": "v2022-01-01", "sample@2024-01-01": "v2023-01-01"} {
		files, info, err := s.Prices(ref)
		if err != nil || string(files["weights.tsv"]) != want || info.RuleSet != "chs-drg-1.1" {
			t.Errorf("Prices(%s): %q %+v %v, want %s", ref, files["weights.tsv"], info, err, want)
		}
	}
	if _, _, err := s.Prices("sample@2021-01-01"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a day before every price list: %v", err)
	}
	if _, _, err := s.Prices("nosuch"); !errors.Is(err, ErrNotFound) {
		t.Errorf("no such price list: %v", err)
	}
	list, err := s.ListPrices()
	if err != nil || len(list) != 2 || list[0].Name != "sample" {
		t.Errorf("ListPrices: %+v %v", list, err)
	}
	if rs, err := s.List(); err != nil || len(rs) != 1 {
		t.Errorf("List of rule sets sees the price lists: %+v %v", rs, err)
	}
}

// TestFileNamedMeta: a stored file named meta is not taken for a
// revision's metadata when listing (found in review).
func TestFileNamedMeta(t *testing.T) {
	s := open(t, t.TempDir(), false)
	if _, err := s.PutPrices(map[string][]byte{"meta": []byte("x"), "policy.json": []byte("{}")}, Info{Name: "m", RuleSet: "r"}); err != nil {
		t.Fatal(err)
	}
	if list, err := s.ListPrices(); err != nil || len(list) != 1 {
		t.Errorf("ListPrices: %+v %v", list, err)
	}
	if files, _, err := s.Prices("m@2024-01-01"); err != nil || string(files["meta"]) != "x" {
		t.Errorf("Prices: %v %v", files, err)
	}
}
