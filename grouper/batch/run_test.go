package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medpay/drg/grouper/record"
)

// runInput is n records of the sample rule set's codes, one in 50 rejected
// (no principal diagnosis), with unique ids.
func runInput(n int) []byte {
	var b bytes.Buffer
	b.WriteString("id,sex,age_years,principal_dx,secondary_dx,procedures,total_cost\n")
	for i := range n {
		pdx := []string{"K80.100", "J18.900", "I21.000", "O03.900", "M51.202"}[i%5]
		if i%50 == 49 {
			pdx = ""
		}
		fmt.Fprintf(&b, "R%06d,%d,%d,%s,J18.900,51.2300,%d\n", i, 1+i%2, 20+i%60, pdx, 1000+i)
	}
	return b.Bytes()
}

// runOnce runs newRun over in with opts, letting set adjust the run before
// it starts, and returns the run, its output, rejects and error.
func runOnce(t *testing.T, ctx context.Context, in io.Reader, out io.Writer, opts Options, set func(*run)) (*run, Stats, []byte, error) {
	t.Helper()
	rd, err := record.NewReader(in, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var rb bytes.Buffer
	rw := record.NewRejectWriter(&rb)
	_, g := sampleGrouper(t)
	r := newRun(g, rd, out, rw, opts)
	if set != nil {
		set(r)
	}
	type result struct {
		st  Stats
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := r.run(ctx)
		done <- result{st, err}
	}()
	select {
	case res := <-done:
		return r, res.st, rb.Bytes(), res.err
	case <-time.After(20 * time.Second):
		t.Fatalf("Run did not return; goroutines:\n%s", goroutines())
		return nil, Stats{}, nil, nil
	}
}

// goroutines returns the stacks of every goroutine.
func goroutines() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// checkNoLeak fails t unless the goroutine count falls back to what it was
// when checkNoLeak was called, within a few seconds: Run returns as soon
// as its workers have closed toWrite, so the reader's and the workers'
// goroutines may take a moment to exit.
func checkNoLeak(t *testing.T) func() {
	t.Helper()
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				t.Errorf("%d goroutines after Run, %d before:\n%s", runtime.NumGoroutine(), before, goroutines())
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// lagUntilFull returns a beforeGroup hook that holds batch seq until the
// run has a full window of batches in flight (the other workers kept
// going), then a little longer, then calls then (if not nil) and lets it
// go. It reports a window that never fills to t.
func lagUntilFull(t *testing.T, r *run, seq int, then func()) func(int) {
	return func(s int) {
		if s != seq {
			return
		}
		window := int64(windowPerWorker * r.opts.Workers)
		deadline := time.Now().Add(20 * time.Second)
		for r.held.Load() < window {
			if time.Now().After(deadline) {
				t.Errorf("batch %d held: the window never filled (%d of %d in flight)", seq, r.held.Load(), window)
				return
			}
			time.Sleep(time.Millisecond)
		}
		// Long enough for a reader that ignored the window to run ahead.
		time.Sleep(30 * time.Millisecond)
		if then != nil {
			then()
		}
	}
}

// TestWindowBoundsLaggingBatch: while one batch lags in its worker, the
// others fill the window and the reader stops, so the batches in flight
// (read and not yet written: queued, grouped, waiting in the reorder ring)
// never exceed the window; the output is then complete and in input order,
// byte-identical to one worker's.
func TestWindowBoundsLaggingBatch(t *testing.T) {
	in := runInput(6000)
	var want bytes.Buffer
	_, wantSt, wantRej, err := runOnce(t, context.Background(), bytes.NewReader(in), &want, Options{Workers: 1, BatchBytes: 1 << 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if wantSt.Records != 6000 || wantSt.Rejected != 120 {
		t.Fatalf("one worker: %+v; want 6000 records, 120 rejected", wantSt)
	}
	for _, workers := range []int{2, 4} {
		for _, lag := range []int{0, 3, 40} {
			t.Run(fmt.Sprintf("%d workers, batch %d lags", workers, lag), func(t *testing.T) {
				var out bytes.Buffer
				r, st, rej, err := runOnce(t, context.Background(), bytes.NewReader(in), &out, Options{Workers: workers, BatchBytes: 1 << 10}, func(r *run) {
					r.beforeGroup = lagUntilFull(t, r, lag, nil)
				})
				if err != nil {
					t.Fatal(err)
				}
				window := int64(windowPerWorker * workers)
				if r.maxHeld != window {
					t.Errorf("at most %d batches in flight, want the window, %d", r.maxHeld, window)
				}
				if !bytes.Equal(out.Bytes(), want.Bytes()) {
					t.Errorf("output differs from one worker's (%d vs %d bytes)", out.Len(), want.Len())
				}
				if !bytes.Equal(rej, wantRej) {
					t.Error("rejects differ from one worker's")
				}
				st.Elapsed, wantSt.Elapsed = 0, 0
				st.GroupCPU, wantSt.GroupCPU = 0, 0
				if st != wantSt {
					t.Errorf("stats %+v, want %+v", st, wantSt)
				}
			})
		}
	}
}

// errReader serves n bytes of data, then fails.
type errReader struct {
	data []byte
	n    int
}

func (e *errReader) Read(p []byte) (int, error) {
	if e.n == 0 {
		return 0, errors.New("read failed")
	}
	p = p[:min(len(p), e.n, len(e.data))]
	k := copy(p, e.data)
	e.data, e.n = e.data[k:], e.n-k
	return k, nil
}

// failAfter fails every write after the first n bytes.
type failAfter struct{ n int }

func (w *failAfter) Write(p []byte) (int, error) {
	if w.n < len(p) {
		return 0, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

// switchWriter fails every write once failing is set.
type switchWriter struct{ failing atomic.Bool }

func (w *switchWriter) Write(p []byte) (int, error) {
	if w.failing.Load() {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// waitDone waits for ctx to be done, or reports to t that it never is.
func waitDone(t *testing.T, ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(20 * time.Second):
		t.Error("the run was never stopped")
	}
}

// TestStopsWithoutLeaks: a run stopped by a cancelled context, a failing
// input, a failing output or a failing duplicate check returns that error,
// and every goroutine it started exits, whether or not a batch lags with a
// full window at the time.
func TestStopsWithoutLeaks(t *testing.T) {
	in := runInput(6000)
	ok := func(*run, context.CancelFunc) {}
	sw := &switchWriter{}
	for _, tc := range []struct {
		name  string
		in    io.Reader
		out   io.Writer
		opts  Options
		set   func(*run, context.CancelFunc)
		want  string
		early bool // the run must stop before the end of the input
	}{
		{name: "cancelled while a batch lags", set: func(r *run, cancel context.CancelFunc) {
			r.beforeGroup = lagUntilFull(t, r, 5, cancel)
		}, want: context.Canceled.Error(), early: true},
		{name: "cancelled from the writer", set: func(r *run, cancel context.CancelFunc) {
			r.opts.Progress, r.opts.ProgressEvery = func(Stats) { cancel() }, time.Nanosecond
		}, want: context.Canceled.Error(), early: true},
		{name: "input fails", in: &errReader{data: in, n: 150 << 10}, set: ok, want: "read failed", early: true},
		{name: "input fails while a batch lags", in: &errReader{data: in, n: 8 << 10}, set: func(r *run, _ context.CancelFunc) {
			r.beforeGroup = func(seq int) {
				if seq == 2 {
					waitDone(t, r.ctx)
				}
			}
		}, want: "read failed", early: true},
		{name: "output fails", out: &failAfter{n: 20 << 10}, set: ok, want: "disk full", early: true},
		// The writer fails on the lagging batch, the first it writes after
		// the reader has filled the window: nothing gives a slot back.
		{name: "output fails with the window full", out: sw, set: func(r *run, _ context.CancelFunc) {
			r.beforeGroup = lagUntilFull(t, r, 5, func() { sw.failing.Store(true) })
		}, want: "disk full", early: true},
		{name: "duplicate check fails", opts: Options{DuplicateMemory: 1, TempDir: filepath.Join(t.TempDir(), "absent")}, set: ok, want: "absent", early: true},
		{name: "completes", set: ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer checkNoLeak(t)()
			src, out := tc.in, tc.out
			if src == nil {
				src = bytes.NewReader(in)
			}
			if out == nil {
				out = io.Discard
			}
			opts := tc.opts
			opts.Workers, opts.BatchBytes = 4, 1<<10
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, st, _, err := runOnce(t, ctx, src, out, opts, func(r *run) { tc.set(r, cancel) })
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Run: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Run: %v, want an error with %q", err, tc.want)
			}
			if tc.early && st.Records >= 6000 {
				t.Errorf("Run counted all %d records before it stopped", st.Records)
			}
		})
	}
}

// TestBatchForgetsChunk checks that a batch buffer keeps no string of an
// earlier chunk once it has parsed and grouped the next, shorter one: the
// records' strings share their chunk's whole text, so one left in a record
// or result past the new count, or in a slice's spare capacity, would keep
// that chunk from the collector (a 2 M-record run's heap once grew to
// 240 MB so).
func TestBatchForgetsChunk(t *testing.T) {
	long := "id,principal_dx,secondary_dx,procedures\n" +
		"A1,K80.100,J18.900|I10.x00|E11.900,51.2300|45.1300\n" +
		"A2,J18.900,K80.100,\n" +
		"A3,K80.100,J18.900,\n" +
		"A4,,J18.900,\n" + // rejected: no principal diagnosis
		"A5,J18.900,,51.2300\n"
	short := "id,principal_dx,secondary_dx,procedures\nB1,K80.100,,\n"
	_, g := sampleGrouper(t)
	f := newFormatter(Options{})
	var b batchBuf
	for _, text := range []string{long, short} {
		rd, err := record.NewReader(strings.NewReader(text), record.Options{NoDuplicateCheck: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := rd.ReadChunk(&b.chunk, 1<<20); err != nil {
			t.Fatal(err)
		}
		if err := b.parse(rd.NewChunkParser(), nil); err != nil {
			t.Fatal(err)
		}
		if err := b.group(g, f, &Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if len(b.recs) != 1 || b.recs[0].ID != "B1" {
		t.Fatalf("records %+v, want B1 alone", b.recs)
	}
	stale := func(where, s string) {
		if s != "" {
			t.Errorf("%s still holds %q from the first chunk", where, s)
		}
	}
	for i, rec := range b.recs[:cap(b.recs)] {
		if i > 0 {
			stale(fmt.Sprintf("record %d's id", i), rec.ID)
			stale(fmt.Sprintf("record %d's principal", i), rec.PrincipalDx)
		}
		for j, s := range rec.SecondaryDx[len(rec.SecondaryDx):cap(rec.SecondaryDx)] {
			stale(fmt.Sprintf("record %d's spare secondary %d", i, j), s)
		}
		for j, s := range rec.Procedures[len(rec.Procedures):cap(rec.Procedures)] {
			stale(fmt.Sprintf("record %d's spare procedure %d", i, j), s)
		}
	}
	for i, s := range b.raws[len(b.raws):cap(b.raws)] {
		stale(fmt.Sprintf("spare raw %d", i), s)
	}
	for i, e := range b.rejects[len(b.rejects):cap(b.rejects)] {
		if e != nil {
			t.Errorf("spare reject %d still holds %v", i, e)
		}
	}
	for i, res := range b.results[len(b.results):cap(b.results)] {
		stale(fmt.Sprintf("spare result %d's principal", i), res.PrincipalDx)
	}
}
