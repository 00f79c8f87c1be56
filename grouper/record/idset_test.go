package record

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// TestIDSetSpillExact checks that a bounded IDSet answers exactly like an
// unbounded one while spilling many runs, with a filter so small that nearly
// every lookup goes to the run files.
func TestIDSetSpillExact(t *testing.T) {
	for _, tc := range []struct {
		name       string
		memMax     int
		bloomWords int
	}{
		{"filter-saturated", 100, bloomBlockWords},
		{"filter-sized", 100, 1 << 12},
		{"one-spill", 4000, 1 << 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := &IDSet{memMax: tc.memMax, bloomWords: tc.bloomWords, dir: dir}
			want := map[uint64]bool{}
			rng := rand.New(rand.NewPCG(5, 6))
			var added []uint64
			for i := range 6000 {
				var h uint64
				switch {
				case i%7 == 3 && len(added) > 0: // an earlier hash, maybe long spilled
					h = added[rng.IntN(len(added))]
				case i == 10:
					h = 0 // stored as 1
				default:
					h = rng.Uint64()
				}
				key := max(h, 1)
				got, err := s.add(h)
				if err != nil {
					t.Fatal(err)
				}
				if got != want[key] {
					t.Fatalf("add %d (%#x) = %v, want %v", i, h, got, want[key])
				}
				if !want[key] {
					want[key] = true
					added = append(added, h)
				}
			}
			if s.Len() != len(want) {
				t.Errorf("Len = %d, want %d", s.Len(), len(want))
			}
			if tc.memMax < len(want) && s.Spilled() == 0 {
				t.Errorf("no run was spilled for %d ids at %d in memory", len(want), tc.memMax)
			}
			if s.mem.n > tc.memMax {
				t.Errorf("%d hashes in memory, bound %d", s.mem.n, tc.memMax)
			}
			if len(s.runs) > maxRuns {
				t.Errorf("%d run files open, bound %d", len(s.runs), maxRuns)
			}
			if s.Spilled() > maxRuns && s.merges == 0 {
				t.Errorf("%d spills and no merge", s.Spilled())
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("run files left after Close: %v", left)
			}
		})
	}
}

// TestIDSetBounded checks NewIDSet's sizing and that Check finds a repeat of
// an id that was spilled long before.
func TestIDSetBounded(t *testing.T) {
	s := NewIDSet(IDSetOptions{MaxMemory: 16 << 10, TempDir: t.TempDir()})
	defer s.Close()
	if s.memMax != 768 || s.bloomWords != 1024 {
		t.Fatalf("16 KiB: memMax %d, bloom words %d; want 768 and 1024 (8 KiB each)", s.memMax, s.bloomWords)
	}
	for i := range 10_000 {
		rec := Record{Line: i + 2, ID: fmt.Sprintf("R%07d", i)}
		if e, err := s.Check(&rec, "raw"); err != nil || e != nil {
			t.Fatalf("Check(%s) = %v, %v; want a new id", rec.ID, e, err)
		}
	}
	rec := Record{Line: 10_002, ID: "R0000005"}
	e, err := s.Check(&rec, "R0000005,x")
	if err != nil || e == nil {
		t.Fatalf("Check of a repeat = %v, %v; want a duplicate reject", e, err)
	}
	if e.Line != 10_002 || e.ID != "R0000005" || e.Field != "id" || e.Raw != "R0000005,x" || e.Reason() != "duplicate_id" {
		t.Errorf("reject = %+v", e)
	}
	if s.Spilled() < 10 || s.mem.n > 768 {
		t.Errorf("spilled %d runs with %d in memory; want >= 10 runs and <= 768", s.Spilled(), s.mem.n)
	}
}
