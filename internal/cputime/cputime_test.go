package cputime

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// TestProcessGrows: work done shows as CPU time, and the clock never runs
// backwards.
func TestProcessGrows(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no CPU time on", runtime.GOOS)
	}
	t0 := Process()
	x := 0
	for i := range 200_000_000 {
		x += i & 3
	}
	t1 := Process()
	if t0 <= 0 || t1-t0 <= 0 || x == 0 {
		t.Errorf("CPU time %g then %g after a busy loop", t0, t1)
	}
}

// TestThreadCountsItsOwnWork: a busy loop on a locked thread shows in the
// thread's CPU time, and a busy goroutine on another thread does not.
func TestThreadCountsItsOwnWork(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the thread's own CPU time is read on Linux only")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var stop atomic.Bool
	go func() { // busy elsewhere: not this thread's time
		for !stop.Load() {
		}
	}()
	if Thread() < 0 {
		t.Fatal("the thread's CPU clock cannot be read")
	}
	// Exact, not at scheduler ticks: a few microseconds of work show.
	a := Thread()
	y := 0
	for i := range 20_000 {
		y += i & 1
	}
	if b := Thread(); b-a <= 0 || b-a > 0.004 || y == 0 {
		t.Errorf("20 000 additions read %g s of thread CPU: the clock moves in ticks", b-a)
	}
	t0, p0 := Thread(), Process()
	x := 0
	for i := range 200_000_000 {
		x += i & 3
	}
	t1, p1 := Thread(), Process()
	stop.Store(true)
	if t1-t0 <= 0 || x == 0 {
		t.Fatalf("thread CPU %g then %g after a busy loop", t0, t1)
	}
	if runtime.NumCPU() > 1 && t1-t0 >= p1-p0 {
		t.Errorf("thread CPU %.3f s not below the process's %.3f s with another goroutine busy", t1-t0, p1-p0)
	}
}
