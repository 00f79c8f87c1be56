package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/medpay/drg/internal/race"
)

// buildDRG returns the command built into a temporary directory, for tests
// that need a real process: signals, exit statuses, what a killed run
// leaves. It is built once per test binary (TestMain removes it).
func buildDRG(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the drg command")
	}
	if race.Enabled {
		// The child is built without the detector, so a -race run of
		// these tests checks nothing the plain run does not, at twice
		// the time (100 of .ci/run's seconds).
		t.Skip("the drg child process is not built with the race detector: the plain run covers this")
	}
	built.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			built.skip = fmt.Sprintf("no go command to build drg with: %v", err)
			return
		}
		if built.dir, err = os.MkdirTemp("", "drg-test-bin-"); err != nil {
			built.err = err
			return
		}
		exe := filepath.Join(built.dir, "drg")
		if out, err := exec.Command(goTool, "build", "-o", exe, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		built.exe = exe
	})
	switch {
	case built.skip != "":
		t.Skip(built.skip)
	case built.err != nil:
		t.Fatal(built.err)
	}
	return built.exe
}

// built is the command buildDRG made.
var built struct {
	once     sync.Once
	dir, exe string
	skip     string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// mountTmpfs mounts a tmpfs of size (e.g. "1m") on a new directory and
// unmounts it when the test ends; it skips the test where mounting is not
// allowed (not root, no mount namespace).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a %s tmpfs to fill (needs root): %v: %s", size, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// bigInput generates records enough for a 'drg group --workers 1' run of a
// second or more, with a fifth of them invalid so that the rejects file
// gets data early too.
func bigInput(t *testing.T, dir string) string {
	t.Helper()
	in := filepath.Join(dir, "in.csv.zst")
	if code, _, errOut := drg(t, "", "gen", "--records", "300000", "--invalid", "0.2", "--out", in); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, errOut)
	}
	return in
}

// partials lists the temporary output files in dir.
func partials(t *testing.T, dir string) []string {
	t.Helper()
	var ps []string
	for _, n := range dirNames(t, dir) {
		if strings.Contains(n, ".partial") {
			ps = append(ps, n)
		}
	}
	return ps
}

// child is a drg process started by a test.
type child struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	done   chan error
}

func startDRG(t *testing.T, exe string, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(exe, args...), done: make(chan error, 1)}
	c.cmd.Stderr = &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
		c.done <- nil
	})
	return c
}

// wait returns the child's exit status, failing the test when it does not
// end within a minute.
func (c *child) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-c.done:
		c.done <- err // for the cleanup
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(time.Minute):
		t.Fatalf("drg %v did not end within a minute of the signal; stderr %q", c.cmd.Args[1:], c.stderr.String())
		return 0
	}
}

// waitFor polls until cond holds, failing the test after a minute or when
// the child ends first.
func (c *child) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		select {
		case err := <-c.done:
			c.done <- err
			t.Fatalf("drg ended (%v) before %s; stderr %q", err, what, c.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within a minute", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// partialsWithData reports whether dir holds n temporary files, each with
// some data: each holds the lock of a live writer or is left by a dead one.
func partialsWithData(t *testing.T, dir string, n int) func() bool {
	return func() bool {
		ps := partials(t, dir)
		if len(ps) != n {
			return false
		}
		for _, p := range ps {
			fi, err := os.Stat(filepath.Join(dir, p))
			if err != nil || fi.Size() == 0 {
				return false
			}
		}
		return true
	}
}

// noStackTrace fails the test when stderr holds a Go panic or stack trace.
func noStackTrace(t *testing.T, stderr string) {
	t.Helper()
	for _, s := range []string{"panic:", "goroutine ", "SIGSEGV", "runtime."} {
		if strings.Contains(stderr, s) {
			t.Errorf("stderr holds a stack trace (%q): %s", s, clip(stderr))
		}
	}
}

// TestSignals: SIGTERM and SIGHUP (what schedulers, systemd, timeout(1) and
// a closed terminal send) stop 'drg group' as Ctrl-C does: no temporary
// file left (they used to leave hidden 70-171 MB .partial files), the
// previous output untouched, no stack trace, exit status 128+N with
// "interrupted by SIG..." on stderr. A run killed with SIGKILL cannot clean
// up: the next run writing the same output removes what it left, but never
// the temporary file of a run still writing it. And 'drg rules import'
// stopped by SIGTERM right after it printed "imported" closes its store.
func TestSignals(t *testing.T) {
	exe := buildDRG(t)
	data := t.TempDir()
	in := bigInput(t, data)
	const previous = "the previous output\n"

	for _, tc := range []struct {
		sig  syscall.Signal
		name string
	}{{syscall.SIGTERM, "SIGTERM"}, {syscall.SIGHUP, "SIGHUP"}, {syscall.SIGINT, "SIGINT"}} {
		t.Run(tc.name, func(t *testing.T) {
			if signal.Ignored(tc.sig) {
				// A child inherits an ignored signal (nohup, a script's
				// background job), and drg leaves it ignored on purpose.
				t.Skipf("%s is ignored in this process, so it is in drg's", tc.name)
			}
			dir := t.TempDir()
			out := filepath.Join(dir, "out.csv")
			if err := os.WriteFile(out, []byte(previous), 0o644); err != nil {
				t.Fatal(err)
			}
			c := startDRG(t, exe, "group", in, "--out", out, "--workers", "1")
			// Mid-run: both temporary outputs exist and have data.
			c.waitFor(t, "temporary outputs with data", partialsWithData(t, dir, 2))
			if err := c.cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			code := c.wait(t)
			stderr := c.stderr.String()
			if want := 128 + int(tc.sig); code != want || !strings.Contains(stderr, "drg group: interrupted by "+tc.name) {
				t.Errorf("exit %d, stderr %q; want exit %d and \"drg group: interrupted by %s\"", code, stderr, want, tc.name)
			}
			noStackTrace(t, stderr)
			if got, _ := os.ReadFile(out); string(got) != previous {
				t.Errorf("the previous output changed to %d bytes", len(got))
			}
			if names := dirNames(t, dir); len(names) != 1 {
				t.Errorf("the interrupted run left %q, want only out.csv", names)
			}
		})
	}

	t.Run("SecondSignal", func(t *testing.T) {
		// Reading a standard input that sends nothing more, the run cannot
		// notice the first signal; the second one ends it at once, and its
		// temporary outputs still go.
		dir := t.TempDir()
		out := filepath.Join(dir, "out.csv")
		if err := os.WriteFile(out, []byte(previous), 0o644); err != nil {
			t.Fatal(err)
		}
		c := &child{cmd: exec.Command(exe, "group", "-", "--out", out), done: make(chan error, 1)}
		c.cmd.Stderr = &c.stderr
		stdin, err := c.cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		defer stdin.Close()
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { c.done <- c.cmd.Wait() }()
		t.Cleanup(func() { c.cmd.Process.Kill() })
		sample, err := os.ReadFile(filepath.Join("..", "..", "examples", "sample.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stdin.Write(sample[:bytes.IndexByte(sample, '\n')+1]); err != nil {
			t.Fatal(err)
		}
		c.waitFor(t, "temporary outputs", func() bool { return len(partials(t, dir)) == 2 })
		for range 2 {
			c.cmd.Process.Signal(syscall.SIGTERM) // the second may find it gone
			time.Sleep(200 * time.Millisecond)
		}
		if code := c.wait(t); code != 128+int(syscall.SIGTERM) {
			t.Errorf("exit %d, stderr %q; want %d", code, c.stderr.String(), 128+int(syscall.SIGTERM))
		}
		noStackTrace(t, c.stderr.String())
		if got, _ := os.ReadFile(out); string(got) != previous {
			t.Errorf("the previous output changed to %d bytes", len(got))
		}
		if names := dirNames(t, dir); len(names) != 1 {
			t.Errorf("the run left %q, want only out.csv", names)
		}
	})

	t.Run("SIGKILL", func(t *testing.T) {
		dir := t.TempDir()
		out := filepath.Join(dir, "out.csv")
		c := startDRG(t, exe, "group", in, "--out", out, "--workers", "1")
		c.waitFor(t, "temporary outputs with data", partialsWithData(t, dir, 2))
		if err := c.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		c.wait(t)
		left := partials(t, dir)
		if len(left) != 2 {
			t.Fatalf("a killed run left %q, want its two temporary outputs", left)
		}
		// The next run over the same output removes them, and says so.
		code, _, errOut := drg(t, "", "group", sampleCopy(t, t.TempDir()), "--out", out, "--quiet")
		if code != 0 {
			t.Fatalf("next run: exit %d: %s", code, errOut)
		}
		if ps := partials(t, dir); len(ps) != 0 {
			t.Errorf("the next run left %q of the killed run's temporary files", ps)
		}
		for _, p := range left {
			if !strings.Contains(errOut, "removed "+filepath.Join(dir, p)) {
				t.Errorf("the next run does not say it removed %s: %q", p, errOut)
			}
		}
	})

	t.Run("ConcurrentRunKeepsLivePartial", func(t *testing.T) {
		dir := t.TempDir()
		out := filepath.Join(dir, "out.csv")
		c := startDRG(t, exe, "group", in, "--out", out, "--workers", "1")
		c.waitFor(t, "temporary outputs with data", partialsWithData(t, dir, 2))
		live := partials(t, dir)
		// Another run writing the same output, while the first one runs.
		code, _, errOut := drg(t, "", "group", sampleCopy(t, t.TempDir()), "--out", out, "--quiet")
		if code != 0 {
			t.Fatalf("second run: exit %d: %s", code, errOut)
		}
		if strings.Contains(errOut, "removed") {
			t.Errorf("the second run removed a live run's file: %q", errOut)
		}
		for _, p := range live {
			if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
				t.Errorf("the live run's %s is gone: %v", p, err)
			}
		}
		if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := c.wait(t); code != 128+int(syscall.SIGTERM) {
			t.Errorf("the first run, stopped: exit %d; stderr %q", code, c.stderr.String())
		}
	})

	t.Run("RulesImport", func(t *testing.T) {
		// Several times: the store is written in the moment after
		// "imported", and a kill there is what this pins.
		for i := range 5 {
			store := t.TempDir()
			c := &child{cmd: exec.Command(exe, "rules", "import", filepath.Join("..", "..", "grouper", "sample"), "--name", "s", "--store", store), done: make(chan error, 1)}
			c.cmd.Stderr = &c.stderr
			stdout, err := c.cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := c.cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stdout)
			imported := false
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "imported ") {
					imported = true
					if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
						t.Fatal(err)
					}
					break
				}
			}
			go func() { c.done <- c.cmd.Wait() }()
			if !imported {
				t.Fatalf("import %d printed no \"imported\" line: exit %d, stderr %q", i, c.wait(t), c.stderr.String())
			}
			// The import is done and kept: exit 0, as the help says.
			if code := c.wait(t); code != 0 {
				t.Errorf("import %d stopped after \"imported\": exit %d, stderr %q; want 0", i, code, c.stderr.String())
			}
			noStackTrace(t, c.stderr.String())
			list := exec.Command(exe, "rules", "list", "--store", store)
			got, err := list.CombinedOutput()
			if err != nil || !strings.Contains(string(got), "\ns ") || strings.Contains(string(got), "not closed cleanly") {
				t.Fatalf("import %d: rules list after SIGTERM: %v\n%s", i, err, got)
			}
		}
	})
}
