package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The fault suite: what an operator meets when a process dies, a disk
// fills, a byte of the store rots, or two drg processes meet at the store.
// Every case runs the real binary and asserts the same four things: no
// panic or stack trace, a clear error, nothing half-written that looks
// finished, and the store readable again by the documented route ('drg
// rules recover' after a writer was killed, re-import after corruption).
// It is bounded: a few dozen short processes, well under a minute.

// faultFixture is what the fault cases share: the full-scale synthetic
// rule set's tables (an import of about a second, long enough to be killed
// in the middle), a store holding them as full@1, a small input under that
// rule set and its grouped output, made once with a clean store.
type faultFixture struct {
	exe      string
	tables   string // directory of the rule set's tables
	exported string // full@1 exported from the intact store
	store    string // a closed store holding full@1; copy it, never change it
	input    string // 2 000 records under the rule set
	output   []byte // drg group of input with full@1
}

func newFaultFixture(t *testing.T) *faultFixture {
	t.Helper()
	f := &faultFixture{exe: buildDRG(t)}
	dir := t.TempDir()
	f.tables = filepath.Join(dir, "tables")
	f.input = filepath.Join(dir, "in.csv")
	if code, _, errOut := drg(t, "", "gen", "--rules", "fullscale", "--records", "2000", "--out", f.input, "--ruleset-out", f.tables); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, errOut)
	}
	f.store = filepath.Join(dir, "store")
	f.mustRun(t, "rules", "import", f.tables, "--name", "full", "--store", f.store)
	f.exported = filepath.Join(dir, "exported")
	f.mustRun(t, "rules", "export", "full@1", f.exported, "--store", f.store)
	out := filepath.Join(dir, "out.csv")
	f.mustRun(t, "group", f.input, "--rules", "full", "--store", f.store, "--out", out)
	var err error
	if f.output, err = os.ReadFile(out); err != nil {
		t.Fatal(err)
	}
	return f
}

// copyStore copies the fixture's store into a new directory.
func (f *faultFixture) copyStore(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "store")
	if out, err := exec.Command("cp", "-a", f.store, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	return dst
}

// result is how a drg process ended.
type result struct {
	code           int // exit status; -1 when a signal killed it
	stdout, stderr string
}

func (f *faultFixture) run(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(f.exe, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	r := result{cmd.ProcessState.ExitCode(), out.String(), errb.String()}
	noStackTrace(t, r.stderr)
	return r
}

func (f *faultFixture) mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := f.run(t, args...)
	if r.code != 0 {
		t.Fatalf("drg %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}

// readable asserts that the store can be read, after 'drg rules recover'
// where a reader says it must be, and returns 'rules list's output.
func (f *faultFixture) readable(t *testing.T, store string) string {
	t.Helper()
	r := f.run(t, "rules", "list", "--store", store)
	if r.code != 0 {
		if !strings.Contains(r.stderr, "drg rules recover") {
			t.Fatalf("rules list of %s: exit %d, stderr %q: neither readable nor naming the route (drg rules recover)", store, r.code, clip(r.stderr))
		}
		f.mustRun(t, "rules", "recover", "--store", store)
		r = f.mustRun(t, "rules", "list", "--store", store)
	}
	return r.stdout
}

// sameTables asserts that revision ref of store exports exactly what the
// intact store's full@1 does: a stored revision is whole or absent, never
// partial, and never silently different.
func (f *faultFixture) sameTables(t *testing.T, store, ref string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "export")
	f.mustRun(t, "rules", "export", ref, dir, "--store", store)
	f.exportedEqual(t, dir)
}

// exportedEqual asserts that dir holds exactly the tables of f.exported.
func (f *faultFixture) exportedEqual(t *testing.T, dir string) {
	t.Helper()
	if got, want := dirNames(t, dir), dirNames(t, f.exported); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("exported %q, want %q", got, want)
	}
	for _, name := range dirNames(t, f.exported) {
		want, err := os.ReadFile(filepath.Join(f.exported, name))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("exported table %s differs from the intact store's (%v)", name, err)
		}
	}
}

// revisions returns the references ("name@3") that 'rules list' output
// shows for name, in its order.
func revisions(list, name string) []string {
	var refs []string
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == name {
			refs = append(refs, name+"@"+f[1])
		}
	}
	return refs
}

func TestFaults(t *testing.T) {
	f := newFaultFixture(t)
	if got := revisions(f.readable(t, f.store), "full"); len(got) != 1 || got[0] != "full@1" {
		t.Fatalf("the fixture's store lists %q, want [full@1]", got)
	}

	// An import killed at any moment leaves the store readable (after
	// 'drg rules recover' where a reader asks for it), with every earlier
	// revision intact and the new one whole or absent. SIGTERM, which drg
	// handles, must leave no recovery to do at all.
	t.Run("ImportKilled", func(t *testing.T) {
		for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
			for _, delay := range []time.Duration{0, 30, 80, 150, 250, 400, 600, 900} {
				t.Run(fmt.Sprintf("%s/%dms", sig, delay), func(t *testing.T) {
					store := f.copyStore(t)
					c := startDRG(t, f.exe, "rules", "import", f.tables, "--name", "full", "--store", store)
					if sig != syscall.SIGKILL {
						c.waitFor(t, "the tables opened", opened(c, f.tables))
					}
					time.Sleep(delay * time.Millisecond)
					_ = c.cmd.Process.Signal(sig)
					code := c.wait(t)
					noStackTrace(t, c.stderr.String())
					if sig == syscall.SIGTERM {
						if code != 0 && code != 128+int(syscall.SIGTERM) {
							t.Errorf("import stopped by SIGTERM: exit %d, stderr %q", code, c.stderr.String())
						}
						if r := f.run(t, "rules", "list", "--store", store); r.code != 0 {
							t.Errorf("after SIGTERM the store needs recovery: %q", r.stderr)
						}
					}
					refs := revisions(f.readable(t, store), "full")
					if len(refs) == 0 || refs[0] != "full@1" || len(refs) > 2 || len(refs) == 2 && refs[1] != "full@2" {
						t.Fatalf("after the import was stopped the store lists %q, want full@1 and perhaps full@2", refs)
					}
					for _, ref := range refs {
						f.sameTables(t, store, ref)
					}
				})
			}
		}
	})

	// 'drg group' stopped at any moment: the previous output stays as it
	// was, nothing under the target's name is half-written, and what a
	// SIGKILL left behind is removed by the next run.
	t.Run("GroupKilled", func(t *testing.T) {
		in := bigInput(t, t.TempDir())
		for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM, syscall.SIGHUP} {
			for _, delay := range []time.Duration{20, 120, 400} {
				t.Run(fmt.Sprintf("%s/%dms", sig, delay), func(t *testing.T) {
					dir := t.TempDir()
					out := filepath.Join(dir, "out.csv")
					const previous = "the previous output\n"
					if err := os.WriteFile(out, []byte(previous), 0o644); err != nil {
						t.Fatal(err)
					}
					c := startDRG(t, f.exe, "group", in, "--workers", "1", "--out", out)
					if sig != syscall.SIGKILL {
						c.waitFor(t, "the input opened", opened(c, in))
					}
					time.Sleep(delay * time.Millisecond)
					_ = c.cmd.Process.Signal(sig)
					code := c.wait(t)
					noStackTrace(t, c.stderr.String())
					got, err := os.ReadFile(out)
					if err != nil {
						t.Fatal(err)
					}
					if code == 0 {
						// It finished before the signal: a whole output.
						if !bytes.HasPrefix(got, []byte("id,")) {
							t.Fatalf("exit 0 but out.csv starts %q", got[:min(len(got), 40)])
						}
						return
					}
					if string(got) != previous {
						t.Errorf("%s after %v: the previous output was changed (exit %d)", sig, delay, code)
					}
					if sig != syscall.SIGKILL {
						if code != 128+int(sig) || len(partials(t, dir)) != 0 {
							t.Errorf("%s: exit %d, left %q; want exit %d and nothing", sig, code, partials(t, dir), 128+int(sig))
						}
						return
					}
					// The next run writing the same output tidies up.
					small := filepath.Join(dir, "small.csv")
					if err := os.WriteFile(small, []byte("id,sex,age_years,principal_dx\nA1,1,40,K80.100\n"), 0o644); err != nil {
						t.Fatal(err)
					}
					f.mustRun(t, "group", small, "--out", out)
					if ps := partials(t, dir); len(ps) != 0 {
						t.Errorf("the run after a SIGKILL left %q", ps)
					}
				})
			}
		}
	})

	// A full disk is an error that names what failed, for a store and for
	// an output; no file looks finished, and the store stays readable.
	t.Run("FullDisk", func(t *testing.T) {
		// A disk with 256 KiB left: an empty 1 MiB tmpfs is not full, and
		// Badger's sparse files can even fit in it.
		full := mountTmpfs(t, "16m")
		filler := make([]byte, 16<<20-256<<10)
		if err := os.WriteFile(filepath.Join(full, "filler"), filler, 0o644); err != nil {
			t.Fatal(err)
		}
		store := filepath.Join(full, "store")
		r := f.run(t, "rules", "import", f.tables, "--name", "full", "--store", store)
		if r.code != 1 || !strings.Contains(r.stderr, "space") || !strings.Contains(r.stderr, store) {
			t.Errorf("import on a full disk: exit %d, stderr %q; want exit 1 naming the store and the lack of space", r.code, r.stderr)
		}
		if _, err := os.Stat(store); err == nil {
			if refs := revisions(f.readable(t, store), "full"); len(refs) != 0 {
				t.Errorf("a failed import left %q", refs)
			}
		}
		out := filepath.Join(full, "out.csv")
		r = f.run(t, "group", bigInput(t, t.TempDir()), "--out", out)
		if r.code != 1 || !strings.Contains(r.stderr, "no space left on device") {
			t.Errorf("group onto a full disk: exit %d, stderr %q", r.code, r.stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("group onto a full disk left %s", out)
		}
		if ps := partials(t, full); len(ps) != 0 {
			t.Errorf("group onto a full disk left %q", ps)
		}
	})

	// Rot: one byte flipped anywhere in the store's files. Every reader
	// either gives exactly what the intact store gives, or fails with an
	// error that names the store; never a panic, never a rule set that
	// silently differs.
	t.Run("ByteFlips", func(t *testing.T) {
		ents, err := os.ReadDir(f.store)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			info, err := e.Info()
			if err != nil || info.Size() == 0 || e.Name() == "LOCK" {
				continue
			}
			size := info.Size()
			for _, off := range []int64{0, 1, size / 3, size / 2, size - 1} {
				t.Run(fmt.Sprintf("%s/%d", e.Name(), off), func(t *testing.T) {
					store := f.copyStore(t)
					flipByte(t, filepath.Join(store, e.Name()), off)
					if r := f.run(t, "rules", "list", "--store", store); r.code != 0 {
						failsNamingStore(t, r, store)
					}
					dir := filepath.Join(t.TempDir(), "export")
					if r := f.run(t, "rules", "export", "full", dir, "--store", store); r.code == 0 {
						f.exportedEqual(t, dir)
					} else {
						failsNamingStore(t, r, store)
					}
					out := filepath.Join(t.TempDir(), "out.csv")
					if r := f.run(t, "group", f.input, "--rules", "full", "--store", store, "--out", out); r.code == 0 {
						if got, _ := os.ReadFile(out); !bytes.Equal(got, f.output) {
							t.Errorf("group succeeded but its output differs from the intact store's")
						}
					} else {
						failsNamingStore(t, r, store)
					}
				})
			}
		}
	})

	// Two imports at once into one store: the second waits for the first
	// (--store-wait) and both revisions are stored whole.
	t.Run("TwoWriters", func(t *testing.T) {
		store := f.copyStore(t)
		a := startDRG(t, f.exe, "rules", "import", f.tables, "--name", "full", "--store", store, "--store-wait", "1m")
		b := startDRG(t, f.exe, "rules", "import", f.tables, "--name", "full", "--store", store, "--store-wait", "1m")
		for _, c := range []*child{a, b} {
			if code := c.wait(t); code != 0 {
				t.Fatalf("import beside another: exit %d: %s", code, c.stderr.String())
			}
		}
		refs := revisions(f.readable(t, store), "full")
		if strings.Join(refs, " ") != "full@1 full@2 full@3" {
			t.Fatalf("after two imports the store lists %q", refs)
		}
		for _, ref := range refs {
			f.sameTables(t, store, ref)
		}
	})

	// A reader started while an import writes waits for it and reads the
	// last committed revision; an import beside a running batch goes ahead.
	t.Run("WriterBesideReader", func(t *testing.T) {
		store := f.copyStore(t)
		imp := startDRG(t, f.exe, "rules", "import", f.tables, "--name", "full", "--store", store)
		out := filepath.Join(t.TempDir(), "out.csv")
		r := f.run(t, "group", f.input, "--rules", "full@1", "--store", store, "--store-wait", "1m", "--out", out)
		if r.code != 0 {
			t.Fatalf("group beside an import: exit %d: %s", r.code, r.stderr)
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, f.output) {
			t.Error("group beside an import: output differs from the intact store's")
		}
		if code := imp.wait(t); code != 0 {
			t.Fatalf("import: exit %d: %s", code, imp.stderr.String())
		}

		// Once the batch writes its output it has its rule set and has let
		// go of the store: an import needs no wait (--store-wait 0).
		in := bigInput(t, t.TempDir())
		outDir := t.TempDir()
		batch := startDRG(t, f.exe, "group", in, "--workers", "1", "--rules", "full", "--store", store, "--out", filepath.Join(outDir, "big.csv"))
		batch.waitFor(t, "the batch's output", partialsWithData(t, outDir, 2))
		r = f.run(t, "rules", "import", f.tables, "--name", "full", "--store", store, "--store-wait", "0")
		if r.code != 0 {
			t.Errorf("import beside a running batch: exit %d: %s", r.code, r.stderr)
		}
		if code := batch.wait(t); code != 0 {
			t.Errorf("the batch beside an import: exit %d: %s", code, batch.stderr.String())
		}
		if refs := revisions(f.readable(t, store), "full"); strings.Join(refs, " ") != "full@1 full@2 full@3" {
			t.Errorf("store lists %q", refs)
		}
	})
}

// flipByte inverts the bits of the byte at off in path.
func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	b := make([]byte, 1)
	if _, err := fh.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := fh.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// failsNamingStore asserts a clear failure: exit 1 and an error naming the
// store directory.
func failsNamingStore(t *testing.T, r result, store string) {
	t.Helper()
	if r.code != 1 || !strings.Contains(r.stderr, store) {
		t.Errorf("exit %d, stderr %q: want exit 1 with an error naming the store %s", r.code, r.stderr, store)
	}
}

// opened reports whether the child process has a file open under path
// (from /proc/PID/fd; elsewhere it reports true after a fixed pause). A
// command opens its input or store from main, after it set up its signal
// handling: before that (the first milliseconds), SIGTERM kills drg as
// SIGKILL does, which no program can change. The Go runtime catches every
// signal from its start, so /proc's SigCgt mask tells nothing here.
func opened(c *child, path string) func() bool {
	start := time.Now()
	fdDir := fmt.Sprintf("/proc/%d/fd", c.cmd.Process.Pid)
	return func() bool {
		ents, err := os.ReadDir(fdDir)
		if err != nil {
			return time.Since(start) > 200*time.Millisecond
		}
		for _, e := range ents {
			if target, err := os.Readlink(filepath.Join(fdDir, e.Name())); err == nil && strings.HasPrefix(target, path) {
				return true
			}
		}
		return false
	}
}

// clip shortens a process's standard error for a failure message: a stack
// trace runs to pages.
func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}
