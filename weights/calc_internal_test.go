package weights

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestAppendFactorFastPath checks the integer path for two-decimal factors
// against the general strconv path it replaces.
func TestAppendFactorFastPath(t *testing.T) {
	slow := func(f float64) string {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		dot := -1
		for i := range len(s) {
			if s[i] == '.' {
				dot = i
			}
		}
		switch {
		case dot < 0:
			s += ".00"
		case len(s)-dot == 2:
			s += "0"
		}
		return s
	}
	cases := []float64{0, math.Copysign(0, -1), -1.05, 1, 1.05, 0.9, 0.95, 1.1, 1.2, 2.5, 0.01, 0.1, 12.34, 100, 1.055, 0.333, 1e-7, 3.14159}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		cases = append(cases, float64(rng.IntN(100000))/100, rng.Float64()*10)
	}
	for _, f := range cases {
		if got, want := string(appendFactor(nil, f)), slow(f); got != want {
			t.Fatalf("appendFactor(%v) = %q, want %q", f, got, want)
		}
	}
}
