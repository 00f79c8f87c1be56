package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// flipFixture builds a store holding two revisions of the sample, closed
// cleanly: sample@1 in table file 000001.sst (with the format key), and
// sample@2, which carries an extra table large enough for the value log,
// in 000002.sst and 000002.vlog. It returns the directory, what List
// returns and each reference's tables.
func flipFixture(t *testing.T) (dir string, infos []Info, want map[string]map[string][]byte) {
	t.Helper()
	dir = t.TempDir()
	want = map[string]map[string][]byte{}
	for rev := 1; rev <= 2; rev++ {
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		rs := sample(t)
		if rev == 2 {
			// Random hex compresses to about half: ~40 KB stored, over
			// valueThreshold.
			r := rand.New(rand.NewPCG(1, 2))
			var b strings.Builder
			b.WriteString("code\tnote\n")
			for i := range 1200 {
				fmt.Fprintf(&b, "N%05d\t%016x%016x%016x%016x\n", i, r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64())
			}
			rs.Tables = map[string][]byte{"notes.tsv": []byte(b.String())}
		}
		info := put(t, s, rs)
		want[info.Ref()] = rs.EncodeTables()
		if rev == 2 {
			want[info.Name] = want[info.Ref()]
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	infos, err = s.List()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"000001.sst", "000002.sst", "000002.vlog"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("the fixture lacks %s: %v", name, err)
		}
	}
	return dir, infos, want
}

// copyStore copies the files of the store in src to a new directory,
// leaving out Badger's DISCARD file (1 MiB, which only a read-write open
// reads, and creates when missing).
func copyStore(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == "DISCARD" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// flipOffsets returns the offsets to damage in a file of size bytes: the
// first 16, the last 48 (where a table keeps its index and lengths), the
// quarters and about 100 more spread over the file; every one with
// DRG_STORE_FLIP_ALL=1.
func flipOffsets(size int) []int {
	var offs []int
	if os.Getenv("DRG_STORE_FLIP_ALL") == "1" {
		for i := range size {
			offs = append(offs, i)
		}
		return offs
	}
	offs = append(offs, size/4, size/2, 3*size/4)
	for i := range min(16, size) {
		offs = append(offs, i, size-1-i, size-17-i, size-33-i)
	}
	for i := 0; i < size; i += max(1, size/100) {
		offs = append(offs, i)
	}
	slices.Sort(offs)
	offs = slices.Compact(offs)
	return slices.DeleteFunc(offs, func(o int) bool { return o < 0 || o >= size })
}

// readAll reads everything from the store in dir as a reader would, and
// reports how it went: "" when it read back exactly infos and want, or
// which step failed with ErrCorrupt. Any other outcome (another error, a
// rule set that differs, "not found") is a test error; a panic fails the
// test binary.
func readAll(t *testing.T, dir, what string, readOnly bool, infos []Info, want map[string]map[string][]byte) string {
	t.Helper()
	corrupt := func(step string, err error) string {
		t.Helper()
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), dir) || errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %s: got %v, want an error wrapping ErrCorrupt that names %s", what, step, err, dir)
		}
		return step
	}
	s, err := Open(dir, Options{ReadOnly: readOnly})
	if err != nil {
		return corrupt("open", err)
	}
	defer s.Close()
	list, err := s.List()
	if err != nil {
		return corrupt("list", err)
	}
	if !slices.Equal(list, infos) {
		t.Errorf("%s: List: got %+v, want %+v", what, list, infos)
		return "list differs"
	}
	for _, ref := range slices.Sorted(func(yield func(string) bool) {
		for ref := range want {
			if !yield(ref) {
				return
			}
		}
	}) {
		files, _, err := s.Tables(ref)
		if err != nil {
			return corrupt("tables "+ref, err)
		}
		sameTables(t, files, want[ref])
		if _, _, err := s.Load(ref); err != nil {
			return corrupt("load "+ref, err)
		}
	}
	return ""
}

// TestByteFlips pins the issue "one flipped byte in an .sst file makes
// 'rules list', 'rules export' and 'drg group' panic (slice bounds out of
// range), and byte 0 makes a stored rule set 'not found' while 'rules
// list' shows it": a byte flipped anywhere in the store's tables, value
// log, MANIFEST or key registry gives an error wrapping ErrCorrupt that
// names the store, or, where the byte is one nothing reads, the original
// rule sets; never a panic, never "not found", never a rule set that
// differs. Every byte of a table is under a checksum, so a flip there is
// always ErrCorrupt, when the store is opened.
func TestByteFlips(t *testing.T) {
	dir, infos, want := flipFixture(t)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".sst") && !strings.HasSuffix(name, ".vlog") && name != "MANIFEST" && name != "KEYREGISTRY" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]int{}
		for _, off := range flipOffsets(len(data)) {
			work := copyStore(t, dir)
			bad := slices.Clone(data)
			bad[off] ^= 0xff
			if err := os.WriteFile(filepath.Join(work, name), bad, 0o644); err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("%s byte %d", name, off)
			got := readAll(t, work, what, true, infos, want)
			if strings.HasSuffix(name, ".sst") && got != "open" {
				t.Errorf("%s: read-only: got %q, want ErrCorrupt from Open", what, got)
			}
			outcomes[cmpOr(got, "intact")]++
			if off <= 1 || off == len(data)/2 {
				// A writer (an import into the damaged store) is refused
				// as well, or works on what is intact.
				if got := readAll(t, work, what+" (read-write)", false, infos, want); strings.HasSuffix(name, ".sst") && got != "open" {
					t.Errorf("%s: read-write: got %q, want ErrCorrupt from Open", what, got)
				}
			}
			os.RemoveAll(work)
		}
		t.Logf("%s (%d bytes): %v", name, len(data), outcomes)
	}
}

func cmpOr(s, empty string) string {
	if s == "" {
		return empty
	}
	return s
}

// storeOf puts the sample into a new store in dir and closes it.
func storeOf(t *testing.T, dir string) Info {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	info := put(t, s, sample(t))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return info
}
