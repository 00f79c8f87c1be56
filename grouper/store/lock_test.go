package store

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medpay/drg/grouper"
)

// TestLockWait pins the issue "a drg group (or any reader) started while
// an import is writing fails at once with 'directory in use by another
// process'": with Options.LockWait a reader waits for the writer, then
// reads what it committed.
func TestLockWait(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := put(t, w, sample(t))
	done := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, err := w.Put(sample(t)) // the import's revision
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		done <- err
	}()
	var waits atomic.Int32
	start := time.Now()
	r, err := Open(dir, Options{ReadOnly: true, LockWait: time.Minute, Waiting: func() { waits.Add(1) }})
	if err != nil {
		t.Fatalf("read-only open beside a writer, waiting: %v", err)
	}
	defer r.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("opened after %s, before the writer closed", d)
	}
	if n := waits.Load(); n != 1 {
		t.Errorf("Waiting called %d times, want 1", n)
	}
	_, info, err := r.Get(first.Name)
	if err != nil || info.Revision != first.Revision+1 {
		t.Errorf("Get after waiting: got revision %d, %v; want %d, the writer's last", info.Revision, err, first.Revision+1)
	}
}

// TestLockWaitTimeout: the wait is bounded; zero does not wait; a writer
// waits for readers as readers for a writer; a done context ends it.
func TestLockWaitTimeout(t *testing.T) {
	dir := t.TempDir()
	w := open(t, dir, false)
	put(t, w, sample(t))
	for _, c := range []struct {
		name string
		opts Options
		ctx  func() context.Context
		min  time.Duration
		want string
	}{
		{"read-only, no wait", Options{ReadOnly: true}, context.Background, 0, ""},
		{"read-only, 300ms", Options{ReadOnly: true, LockWait: 300 * time.Millisecond}, context.Background, 300 * time.Millisecond, "after waiting 300ms"},
		{"read-write, 200ms", Options{LockWait: 200 * time.Millisecond}, context.Background, 200 * time.Millisecond, "after waiting 200ms"},
		{"cancelled", Options{ReadOnly: true, LockWait: time.Hour}, func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			return ctx
		}, 200 * time.Millisecond, "gave up waiting: context canceled"},
	} {
		start := time.Now()
		_, err := OpenContext(c.ctx(), dir, c.opts)
		d := time.Since(start)
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want ErrLocked saying %q", c.name, err, c.want)
		}
		if d < c.min || d > c.min+5*time.Second {
			t.Errorf("%s: failed after %s, want after %s", c.name, d, c.min)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// A writer waits for a reader.
	r, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(200*time.Millisecond, func() { r.Close() })
	w2, err := Open(dir, Options{LockWait: time.Minute})
	if err != nil {
		t.Fatalf("read-write open beside a reader, waiting: %v", err)
	}
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestLockWaitProcess is TestLockWait across processes, as a nightly
// 'drg group' beside a 'drg rules import': the writer, a child process,
// holds the store for two Puts; the reader opens while it does, waits and
// reads the second.
func TestLockWaitProcess(t *testing.T) {
	if dir := os.Getenv("DRG_STORE_HOLD"); dir != "" {
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(sample(t)); err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString("holding\n")
		time.Sleep(500 * time.Millisecond)
		if _, err := s.Put(sample(t)); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		os.Exit(0)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockWaitProcess$")
	cmd.Env = append(os.Environ(), "DRG_STORE_HOLD="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "holding\n" {
		t.Fatalf("writer: got %q, %v", line, err)
	}
	if _, err := Open(dir, Options{ReadOnly: true}); !errors.Is(err, ErrLocked) {
		t.Fatalf("without waiting: got %v, want ErrLocked", err)
	}
	s, err := Open(dir, Options{ReadOnly: true, LockWait: time.Minute})
	if err != nil {
		t.Fatalf("waiting: %v", err)
	}
	defer s.Close()
	if _, info, err := s.Get(grouper.SampleName); err != nil || info.Revision != 2 {
		t.Errorf("got revision %d, %v; want 2, the writer's last", info.Revision, err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("writer: %v", err)
	}
}

// TestWriterBesideBatch: a batch job loads its rule set and closes the
// store before it groups, so an import started while it runs does not
// wait; the loaded grouper stays usable.
func TestWriterBesideBatch(t *testing.T) {
	dir := t.TempDir()
	storeOf(t, dir)
	r, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	g, _, err := r.Load(grouper.SampleName)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	w, err := Open(dir, Options{}) // no LockWait
	if err != nil {
		t.Fatalf("import beside a batch that loaded its rule set: %v", err)
	}
	put(t, w, sample(t))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if g.RuleSet().Name != grouper.SampleName {
		t.Errorf("the loaded grouper's rule set is %q", g.RuleSet().Name)
	}
}
