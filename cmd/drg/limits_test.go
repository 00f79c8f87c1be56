package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBatchBytesBoundedByMemoryLimit: '--batch-bytes 1000000000' once took
// 4.3 GB, whatever --memory-limit said. Past half of the limit, the batch
// size is lowered with a warning naming both flags, and the output stays
// byte-identical.
func TestBatchBytesBoundedByMemoryLimit(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT is set: it, not --memory-limit, bounds the batches")
	}
	dir := t.TempDir()
	in := sampleCopy(t, dir)
	plain := filepath.Join(dir, "plain.csv")
	if code, _, errOut := drg(t, "", "group", in, "--out", plain, "--workers", "2", "--quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want, _ := os.ReadFile(plain)
	for _, tc := range []struct {
		batch, limit string
		lowered      bool
	}{
		{"1000000000", "256", true},
		{"1000000000", "0", false}, // no limit, nothing to keep within
		{"1048576", "256", false},  // 64 MiB in flight: within half of 256
		{"65536", "1", false},      // the default is never lowered
	} {
		out := filepath.Join(dir, "out.csv")
		code, _, errOut := drg(t, "", "group", in, "--out", out, "--workers", "2", "--quiet", "--batch-bytes", tc.batch, "--memory-limit", tc.limit)
		if code != 0 {
			t.Fatalf("--batch-bytes %s --memory-limit %s: exit %d: %s", tc.batch, tc.limit, code, errOut)
		}
		warned := strings.Contains(errOut, "warning: --batch-bytes "+tc.batch) && strings.Contains(errOut, "--memory-limit "+tc.limit+" MiB")
		if warned != tc.lowered || strings.Contains(errOut, "warning") != tc.lowered {
			t.Errorf("--batch-bytes %s --memory-limit %s: stderr %q; want a warning naming both: %t", tc.batch, tc.limit, errOut, tc.lowered)
		}
		if tc.lowered {
			_, used, _ := strings.Cut(errOut, "using --batch-bytes ")
			n, err := strconv.Atoi(strings.TrimSpace(used))
			if most := (256 << 20) / 2 / batchCopies(2); err != nil || int64(n) > most || n < defaultBatchBytes {
				t.Errorf("lowered to %q, want at most %d", used, most)
			}
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
			t.Errorf("--batch-bytes %s --memory-limit %s: output differs from the default run's", tc.batch, tc.limit)
		}
	}
}

// TestBatchBytesPeakRSS runs the real command: with --batch-bytes
// 1000000000 and the default --memory-limit 256, a 43 MB input used to be
// one batch and peak at about 650 MB; now it stays near the limit.
func TestBatchBytesPeakRSS(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc to read the peak RSS from")
	}
	exe := buildDRG(t)
	dir := t.TempDir()
	in := bigInput(t, dir)
	cmd := exec.Command(exe, "group", in, "--out", filepath.Join(dir, "out.csv"), "--workers", "2", "--quiet", "--batch-bytes", "1000000000")
	cmd.Env = append(os.Environ(), "GOMEMLIMIT=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The child's own high-water mark, polled: its rusage would also count
	// this process's memory at the fork.
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
	var peakKB int
	timeout := time.After(2 * time.Minute)
	for running := true; running; {
		if kb := vmHWM(status); kb > peakKB {
			peakKB = kb
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("drg group: %v: %s", err, stderr.String())
			}
			running = false
		case <-timeout:
			cmd.Process.Kill()
			t.Fatal("drg group did not end within two minutes")
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Logf("peak RSS %d MiB; stderr %q", peakKB>>10, stderr.String())
	if peakKB == 0 {
		t.Skip("could not read the child's VmHWM")
	}
	if peakKB>>10 > 450 {
		t.Errorf("peak RSS %d MiB with --memory-limit 256, want at most 450", peakKB>>10)
	}
}

// vmHWM returns the VmHWM of a /proc/PID/status file in KiB, 0 when it
// cannot be read (the process has ended).
func vmHWM(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

// TestRulesRefRevisionNotNumber: '--rules sample@abc' used to end in "import
// it with 'drg rules import DIR --name sample@abc'", a name the importer
// refuses. It names the revision at fault and the forms that work; a table
// directory with '@' in its name is still a table directory.
func TestRulesRefRevisionNotNumber(t *testing.T) {
	dir := t.TempDir()
	in := sampleCopy(t, dir)
	store := filepath.Join(dir, "nostore")
	for _, args := range [][]string{
		{"group", in, "--out", filepath.Join(dir, "o.csv"), "--rules", "sample@abc", "--store", store},
		{"gen", "--records", "3", "--out", filepath.Join(dir, "g.csv"), "--rules", "sample@abc", "--store", store},
		{"group", in, "--out", filepath.Join(dir, "o.csv"), "--rules", "sample@0", "--store", store},
	} {
		code, _, errOut := drg(t, "", args...)
		rev := args[len(args)-3][len("sample@"):]
		want := `--rules sample@` + rev + `: revision "` + rev + `" is not a number`
		if code != 1 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "NAME@N") || strings.Contains(errOut, "--name") {
			t.Errorf("drg %s: exit %d, stderr %q; want 1 and %q, no --name", strings.Join(args, " "), code, errOut, want)
		}
	}
	tables := filepath.Join(dir, "tables@2024")
	if code, _, errOut := drg(t, "", "rules", "export", "sample", tables, "--store", store); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	if code, _, errOut := drg(t, "", "group", in, "--out", filepath.Join(dir, "o.csv"), "--rules", tables, "--quiet"); code != 0 {
		t.Errorf("--rules %s (a table directory): exit %d: %s", tables, code, errOut)
	}
}

// TestRulesRefImportHint: a stored rule set that is missing is to be
// imported under its name; an import numbers the revision, so the hint
// used to suggest an impossible --name nat@7.
func TestRulesRefImportHint(t *testing.T) {
	dir := t.TempDir()
	in := sampleCopy(t, dir)
	emptyStore := filepath.Join(dir, "empty")
	if code, _, errOut := drg(t, "", "rules", "import", filepath.Join("..", "..", "grouper", "sample"), "--name", "other", "--store", emptyStore); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	for _, tc := range []struct{ store, ref string }{
		{filepath.Join(dir, "nostore"), "nat@7"}, // no store at all
		{emptyStore, "nat@7"},                    // a store without it
		{emptyStore, "nat"},
	} {
		code, _, errOut := drg(t, "", "group", in, "--out", filepath.Join(dir, "o.csv"), "--rules", tc.ref, "--store", tc.store)
		if code != 1 || !strings.Contains(errOut, "import it with 'drg rules import DIR --name nat'") {
			t.Errorf("--rules %s --store %s: exit %d, stderr %q; want the hint --name nat", tc.ref, tc.store, code, errOut)
		}
	}
}
