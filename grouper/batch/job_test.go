package batch

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper/record"
)

// writeFile writes data to name in dir and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o666); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkNoTemps fails t if dir holds a temporary file of an Output.
func checkNoTemps(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".partial") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// checkFile fails t unless the file at p holds want, or is absent when want
// is nil.
func checkFile(t *testing.T, p string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(p)
	switch {
	case want == nil && !errors.Is(err, os.ErrNotExist):
		t.Errorf("%s: got %d bytes (err %v), want no file", filepath.Base(p), len(got), err)
	case want != nil && err != nil:
		t.Errorf("%s: %v", filepath.Base(p), err)
	case want != nil && !bytes.Equal(got, want):
		t.Errorf("%s: got %q, want %q", filepath.Base(p), got, want)
	}
}

// TestJobDuplicateAcrossInputs: a Job over two inputs checks ids across
// them, writes one header, and names the input of each reject.
func TestJobDuplicateAcrossInputs(t *testing.T) {
	_, g := sampleGrouper(t)
	dir := t.TempDir()
	const header = "id,sex,age_years,principal_dx,secondary_dx,procedures,total_cost\n"
	a := writeFile(t, dir, "a.csv", []byte(header+"A1,1,40,K80.100,,,1000\nA2,2,50,J18.900,,,2000\n"))
	b := writeFile(t, dir, "b.csv", []byte(header+"B1,1,40,K80.100,,,1000\nA2,2,50,J18.900,,,2000\n"))
	out, rej := filepath.Join(dir, "out.csv"), filepath.Join(dir, "rejects.csv")
	st, err := Job{Inputs: []string{a, b}, Out: out, Rejects: rej, Options: Options{Workers: 2}}.Run(context.Background(), g)
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 4 || st.Grouped != 3 || st.Rejected != 1 {
		t.Errorf("got %d records, %d grouped, %d rejected; want 4, 3, 1", st.Records, st.Grouped, st.Rejected)
	}
	rows, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(rows), "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "id,") || strings.Count(string(rows), "id,status") != 1 {
		t.Errorf("output: got %q, want one header and 3 rows", rows)
	}
	for i, id := range []string{"A1", "A2", "B1"} {
		if i+1 < len(lines) && !strings.HasPrefix(lines[i+1], id+",") {
			t.Errorf("output row %d: got %q, want id %s", i+1, lines[i+1], id)
		}
	}
	rejects, err := os.ReadFile(rej)
	if err != nil {
		t.Fatal(err)
	}
	rlines := strings.Split(strings.TrimSuffix(string(rejects), "\n"), "\n")
	if len(rlines) != 2 || !strings.HasPrefix(rlines[0], "file,line,id,") || !strings.HasPrefix(rlines[1], b+",3,A2,") || !strings.Contains(rlines[1], "duplicate_id") {
		t.Errorf("rejects: got %q, want a file column and the duplicate A2 of %s line 3", rejects, b)
	}
	checkNoTemps(t, dir)
}

// TestJobFailureLeavesNothing: a Job that fails once it has written rows
// (an input that cannot be read to its end, a Finish that refuses) leaves
// the previous outputs as they were, or none, and no temporary file.
func TestJobFailureLeavesNothing(t *testing.T) {
	_, g := sampleGrouper(t)
	in := runInput(2000)
	for _, tc := range []struct {
		name     string
		previous bool
		open     func(path string, opts record.Options) (*record.Reader, error)
		finish   func(Stats) error
	}{
		{name: "input fails midway", open: func(path string, opts record.Options) (*record.Reader, error) {
			if strings.HasSuffix(path, "b.csv") {
				return record.NewReader(&errReader{data: in, n: len(in) / 2}, opts)
			}
			return record.Open(path, opts)
		}},
		{name: "input fails midway, previous output", previous: true, open: func(path string, opts record.Options) (*record.Reader, error) {
			return record.NewReader(&errReader{data: in, n: len(in) / 2}, opts)
		}},
		{name: "finish refuses", previous: true, finish: func(Stats) error { return errors.New("refused") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			a := writeFile(t, dir, "a.csv", in)
			b := writeFile(t, dir, "b.csv", runInput(10))
			out, rej := filepath.Join(dir, "out.csv"), filepath.Join(dir, "out.rejects.csv")
			var wantOut, wantRej []byte
			if tc.previous {
				wantOut, wantRej = []byte("previous output\n"), []byte("previous rejects\n")
				writeFile(t, dir, "out.csv", wantOut)
				writeFile(t, dir, "out.rejects.csv", wantRej)
			}
			j := Job{Inputs: []string{a, b}, Out: out, Rejects: rej, Open: tc.open, Finish: tc.finish,
				Options: Options{Workers: 2, BatchBytes: 1 << 10}}
			var written int64
			j.Progress = func(_ string, before, cur Stats, done bool) { written = max(written, before.Records+cur.Records) }
			if _, err := j.Run(context.Background(), g); err == nil {
				t.Fatal("Run succeeded, want an error")
			}
			if written == 0 {
				t.Error("no records were written before the failure")
			}
			checkFile(t, out, wantOut)
			checkFile(t, rej, wantRej)
			checkNoTemps(t, dir)
		})
	}
}

// TestJobCancelKeepsPrevious: a Job cancelled between its inputs returns
// the context's error naming the input and leaves the previous outputs.
func TestJobCancelKeepsPrevious(t *testing.T) {
	_, g := sampleGrouper(t)
	dir := t.TempDir()
	a := writeFile(t, dir, "a.csv", runInput(500))
	b := writeFile(t, dir, "b.csv", runInput(500))
	previous := []byte("previous output\n")
	out := writeFile(t, dir, "out.csv", previous)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	j := Job{Inputs: []string{a, b}, Out: out, Rejects: filepath.Join(dir, "rejects.csv"), Options: Options{Workers: 2}}
	j.Open = func(path string, opts record.Options) (*record.Reader, error) {
		if path == b {
			cancel()
		}
		return record.Open(path, opts)
	}
	_, err := j.Run(ctx, g)
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), b+": ") {
		t.Fatalf("got error %v, want %s: context canceled", err, b)
	}
	checkFile(t, out, previous)
	checkFile(t, filepath.Join(dir, "rejects.csv"), nil)
	checkNoTemps(t, dir)
}

// TestJobRefusesOutputOnInput: an output that is an input is refused
// before anything is read or written.
func TestJobRefusesOutputOnInput(t *testing.T) {
	_, g := sampleGrouper(t)
	dir := t.TempDir()
	in := runInput(10)
	a := writeFile(t, dir, "a.csv", in)
	_, err := Job{Inputs: []string{a}, Out: a, Rejects: filepath.Join(dir, "r.csv")}.Run(context.Background(), g)
	if err == nil || !strings.Contains(err.Error(), "is the input") {
		t.Fatalf("got error %v, want one saying the output is the input", err)
	}
	checkFile(t, a, in)
	checkFile(t, filepath.Join(dir, "r.csv"), nil)
}

// TestCreateOutputRemovesStale: CreateOutput removes a temporary file that
// no writer holds, says so through Removed, and keeps one a live Output
// holds.
func TestCreateOutputRemovesStale(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out.csv")
	live, err := CreateOutput(target, OutputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	stale := writeFile(t, dir, ".out.csv.0123456789ab.partial", []byte("half"))
	writeFile(t, dir, ".other.csv.0123456789ab.partial", []byte("not ours"))
	var removed []string
	o, err := CreateOutput(target, OutputOptions{Removed: func(p string) { removed = append(removed, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != stale {
		t.Errorf("removed %q, want only %s", removed, stale)
	}
	if _, err := os.Stat(live.tmp); err != nil {
		t.Errorf("the live output's temporary file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".other.csv.0123456789ab.partial")); err != nil {
		t.Errorf("another target's temporary file: %v", err)
	}
	if _, err := o.Write([]byte("done\n")); err != nil {
		t.Fatal(err)
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	checkFile(t, target, []byte("done\n"))
	live.Abort()
	if _, err := os.Stat(live.tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("aborted output's temporary file: %v, want it removed", err)
	}
}

// TestExpectedRecords checks the estimate that sizes the duplicate-id
// check: text files at textBytesPerRecord, zstd and gzip ones (by their
// magic, whatever their names) at compressedBytesPerRecord, no estimate for
// standard input or a missing file.
func TestExpectedRecords(t *testing.T) {
	dir := t.TempDir()
	text := writeFile(t, dir, "a.csv", bytes.Repeat([]byte("x"), 3*textBytesPerRecord+7))
	zst := writeFile(t, dir, "b.dat", append([]byte{0x28, 0xb5, 0x2f, 0xfd}, make([]byte, 10*compressedBytesPerRecord-4)...))
	gz := writeFile(t, dir, "c.csv", append([]byte{0x1f, 0x8b}, make([]byte, 4*compressedBytesPerRecord-2)...))
	for _, tc := range []struct {
		paths []string
		want  int
	}{
		{[]string{text}, 3},
		{[]string{zst}, 10},
		{[]string{gz}, 4},
		{[]string{text, zst, gz}, 17},
		{[]string{"-", filepath.Join(dir, "missing.csv"), dir}, 0},
	} {
		if got := expectedRecords(tc.paths); got != tc.want {
			t.Errorf("expectedRecords(%v) = %d, want %d", tc.paths, got, tc.want)
		}
	}
}
