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

// TestCents checks rounding to the cent, half away from zero, on values
// whose decimal value is a half cent but whose float64 is not.
func TestCents(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want float64
	}{
		{1.8605 * 10000 * 1.02 * 1.05, 1992596}, // 19 925.955 exactly; 19 925.954999… in float64
		{1.005, 101},                            // 1.00499999999999989… in float64
		{-1.005, -101},
		{0.125, 13}, {-0.125, -13}, {0.124, 12}, {0.126, 13},
		{19925.95, 1992595}, {0, 0}, {2.675, 268}, {1e9 + 0.005, 1e11 + 1},
	} {
		if got := cents(c.x); got != c.want {
			t.Errorf("cents(%.17g) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := cents(math.Inf(1)); !math.IsInf(got, 1) {
		t.Errorf("cents(+Inf) = %v", got)
	}
	if got := cents(math.NaN()); !math.IsNaN(got) {
		t.Errorf("cents(NaN) = %v", got)
	}
}

// TestCentsOfProducts compares cents with exact integer arithmetic on the
// products Compute forms: a 4-decimal weight × a whole rate × two 2-decimal
// coefficients. Rounding x*100 alone got about 0.4% of these wrong.
func TestCentsOfProducts(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	wrong := 0
	for range 200_000 {
		w := rng.Int64N(300_000) + 1 // weight in 1e-4
		rate := []int64{100, 8000, 10000, 12345}[rng.IntN(4)]
		c1, c2 := rng.Int64N(200)+1, rng.Int64N(200)+1 // in 1e-2
		exact := w * rate * c1 * c2                    // in 1e-8 yuan = 1e-6 cent
		want := exact / 1_000_000
		if exact%1_000_000*2 >= 1_000_000 {
			want++
		}
		x := float64(w) / 1e4 * float64(rate) * (float64(c1) / 100) * (float64(c2) / 100)
		if got := cents(x); got != float64(want) {
			if wrong++; wrong <= 5 {
				t.Errorf("%d/1e4 × %d × %d/100 × %d/100: cents %v, want %d", w, rate, c1, c2, got, want)
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of 200000 products rounded wrongly", wrong)
	}
}
