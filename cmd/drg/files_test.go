package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper/record"
)

// sampleCopy copies the README's sample records into dir.
func sampleCopy(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pricedSample copies the sample records into dir and groups them, with
// payments, into dir/priced.csv.
func pricedSample(t *testing.T, dir string) (in, priced string) {
	t.Helper()
	in = sampleCopy(t, dir)
	priced = filepath.Join(dir, "priced.csv")
	if code, _, errOut := drg(t, "", "group", in, "--out", priced, "--quiet"); code != 0 {
		t.Fatalf("group: exit %d: %s", code, errOut)
	}
	return in, priced
}

// dirNames lists the names in dir, hidden ones included.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestOutputIsInput: an output naming an input, or the other output, is
// refused before anything is written; the input stays whole.
func TestOutputIsInput(t *testing.T) {
	dir := t.TempDir()
	in, priced := pricedSample(t, dir)
	orig, _ := os.ReadFile(in)
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"group", in, "--out", in}, "is the input"},
		{[]string{"group", in, "--out", link}, "is the input"},
		{[]string{"group", in, "--out", filepath.Join(dir, "o.csv"), "--rejects", in}, "is the input"},
		{[]string{"group", in, "--out", filepath.Join(dir, "o.csv"), "--rejects", filepath.Join(dir, ".", "o.csv")}, "two outputs are the same file"},
		{[]string{"validate", in, "--rejects", in}, "is the input"},
		{[]string{"settle", priced, "--budget", "100000", "--cases", priced}, "is the input"},
	} {
		code, _, errOut := drg(t, "", tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, %q; want 1 and %q", tc.args, code, errOut, tc.want)
		}
		if now, _ := os.ReadFile(in); !bytes.Equal(now, orig) {
			t.Fatalf("%q changed the input", tc.args)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "o.csv")); !os.IsNotExist(err) {
		t.Errorf("a refused run created o.csv (%v)", err)
	}
	// /dev/null may be named twice.
	if code, _, errOut := drg(t, "", "group", in, "--out", os.DevNull, "--rejects", os.DevNull, "--quiet"); code != 0 {
		t.Errorf("--out and --rejects %s: exit %d: %s", os.DevNull, code, errOut)
	}
}

// TestFailedRunLeavesNoOutput: outputs appear only when the run succeeds; a
// failed run leaves the previous files as they were and no temporary file.
func TestFailedRunLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	in := sampleCopy(t, dir)
	out := filepath.Join(dir, "o.csv.zst")
	missing := filepath.Join(dir, "missing.csv")
	code, _, errOut := drg(t, "", "group", in, missing, "--out", out, "--quiet")
	if code != 1 || !strings.Contains(errOut, "missing.csv") {
		t.Fatalf("exit %d, %q; want 1 naming missing.csv", code, errOut)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("a failed run left %q, want only in.csv", names)
	}

	// A previous good output survives a failed run over it.
	if code, _, errOut := drg(t, "", "group", in, "--out", out, "--quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	before, _ := os.ReadFile(out)
	rejBefore, _ := os.ReadFile(filepath.Join(dir, "o.csv.rejects.csv"))
	if code, _, _ := drg(t, "", "group", in, missing, "--out", out, "--quiet"); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	after, _ := os.ReadFile(out)
	rejAfter, _ := os.ReadFile(filepath.Join(dir, "o.csv.rejects.csv"))
	if !bytes.Equal(before, after) || !bytes.Equal(rejBefore, rejAfter) || len(rejBefore) == 0 {
		t.Errorf("a failed run changed the previous output (%d -> %d bytes) or rejects (%d -> %d bytes)", len(before), len(after), len(rejBefore), len(rejAfter))
	}
	if names := dirNames(t, dir); len(names) != 3 {
		t.Errorf("directory holds %q, want in.csv and the two outputs", names)
	}

	// validate: the same for --rejects.
	rej := filepath.Join(dir, "v.rejects.csv")
	if code, _, _ := drg(t, "", "validate", in, missing, "--rejects", rej); code != 1 {
		t.Errorf("validate with a missing input: exit %d, want 1", code)
	}
	if _, err := os.Stat(rej); !os.IsNotExist(err) {
		t.Errorf("validate's failed run left %s (%v)", rej, err)
	}
}

// TestSettleFailureKeepsCasesPath: a settlement that fails leaves --cases as
// it was: a symbolic link is not removed, nothing is written through it.
func TestSettleFailureKeepsCasesPath(t *testing.T) {
	dir := t.TempDir()
	_, priced := pricedSample(t, dir)
	link := filepath.Join(dir, "cases.csv")
	if err := os.Symlink("cases-2024.csv", link); err != nil {
		t.Fatal(err)
	}
	// 1e20 yuan cannot be counted in cents exactly: Settle fails.
	code, _, errOut := drg(t, "", "settle", priced, "--budget", "1e20", "--cases", link)
	if code != 1 || !strings.Contains(errOut, "budget") {
		t.Fatalf("exit %d, %q; want 1 and a budget error", code, errOut)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was removed or replaced (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cases-2024.csv")); !os.IsNotExist(err) {
		t.Errorf("a failed settlement wrote through the link (%v)", err)
	}
	if names := dirNames(t, dir); len(names) != 4 {
		t.Errorf("directory holds %q, want in.csv, the priced file, its rejects and the link", names)
	}
	// A good settlement replaces the link's name with the file.
	if code, _, errOut := drg(t, "", "settle", priced, "--budget", "100000", "--cases", link); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if rows := readCSVFile(t, link); len(rows) != 337 {
		t.Errorf("cases file has %d rows, want header + 336", len(rows))
	}
}

// TestRejectsCompressed: a .zst rejects file is compressed, like the output.
func TestRejectsCompressed(t *testing.T) {
	dir := t.TempDir()
	in := sampleCopy(t, dir)
	for _, args := range [][]string{
		{"group", in, "--out", filepath.Join(dir, "o.csv"), "--rejects", filepath.Join(dir, "r.csv.zst"), "--quiet"},
		{"validate", in, "--rejects", filepath.Join(dir, "v.csv.zst")},
	} {
		if code, _, errOut := drg(t, "", args...); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errOut)
		}
		data, err := os.ReadFile(args[len(args)-1-btoi(args[0] == "group")])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
			t.Errorf("%q: rejects are not zstd: %.40q", args, data)
		}
	}
	f, err := record.OpenFile(filepath.Join(dir, "v.csv.zst"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 11 || rows[0][0] != "line" {
		t.Errorf("reading the rejects back: %d rows, %v; want header + the sample's 10", len(rows), err)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestReportsStayOffStdoutData: when records go to standard output, reports
// and status lines go to standard error, so the data stays one CSV.
func TestReportsStayOffStdoutData(t *testing.T) {
	dir := t.TempDir()
	lab := filepath.Join(dir, "lab.csv")
	in, err := os.ReadFile(filepath.Join("..", "..", "examples", "sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// A peer_drg column to compare with: every record "expects" 0000.
	lines := strings.SplitAfter(string(in), "\n")
	var b strings.Builder
	for i, l := range lines {
		if l == "" {
			continue
		}
		l = strings.TrimRight(l, "\r\n")
		if i == 0 {
			b.WriteString(l + ",peer_drg\n")
		} else {
			b.WriteString(l + ",0000\n")
		}
	}
	if err := os.WriteFile(lab, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := drg(t, "", "group", lab, "--compare", "peer_drg", "--out", "-", "--rejects", os.DevNull, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 337 {
		t.Errorf("standard output is not the 336 records as CSV: %d rows, %v", len(rows), err)
	}
	if !strings.Contains(errOut, "DRG agree") {
		t.Errorf("the agreement table is not on standard error: %q", errOut)
	}

	code, out, errOut = drg(t, "", "gen", "--records", "3", "--rules", "sample", "--out", "-")
	if code != 0 || strings.Contains(out, "wrote") || !strings.Contains(errOut, "wrote 3 records") {
		t.Errorf("gen --out -: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestSettleRefusesRepeatedCases: a case in two inputs (or twice in one)
// would take two shares of the pool and halve every point's value.
func TestSettleRefusesRepeatedCases(t *testing.T) {
	dir := t.TempDir()
	_, priced := pricedSample(t, dir)
	if code, _, errOut := drg(t, "", "settle", priced, "--budget", "1000000"); code != 0 {
		t.Fatalf("settle: exit %d: %s", code, errOut)
	}
	code, _, errOut := drg(t, "", "settle", priced, priced, "--budget", "1000000")
	if code != 1 || !strings.Contains(errOut, "priced.csv:2: case S202400001 appears a second time") {
		t.Errorf("the same file twice: exit %d, %q", code, errOut)
	}
}
