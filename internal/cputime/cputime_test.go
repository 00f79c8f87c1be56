package cputime

import (
	"runtime"
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
