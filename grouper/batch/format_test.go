package batch

import (
	"strconv"
	"testing"
)

func TestAppendFixed(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		prec int
		want string
	}{
		{0, 2, "0.00"}, {8364.51, 2, "8364.51"}, {0.781, 4, "0.7810"}, {78.1, 4, "78.1000"},
		{-3.5, 2, "-3.50"}, {0.005, 2, "0.01"}, {1234567.891, 2, "1234567.89"}, {7, 0, "7"}, {0.000001, 6, "0.000001"},
		{83.6451, 6, "83.645100"}, {1e20, 2, "100000000000000000000.00"},
	} {
		if got := string(appendFixed(nil, tc.v, tc.prec)); got != tc.want {
			t.Errorf("appendFixed(%v, %d) = %q, want %q", tc.v, tc.prec, got, tc.want)
		}
	}
	// Agrees with strconv away from exact decimal ties.
	for i := 0; i < 100000; i++ {
		v := float64(i)*1.37 + 0.0003
		if got, want := string(appendFixed(nil, v, 4)), strconv.FormatFloat(v, 'f', 4, 64); got != want {
			t.Fatalf("appendFixed(%v, 4) = %s, strconv %s", v, got, want)
		}
	}
}
