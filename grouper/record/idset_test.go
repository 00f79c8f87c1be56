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

// TestIDSetCheckAll checks that CheckAll gives exactly the answers of a loop
// over Check, in memory and while spilling, with repeats inside one batch
// and across batches.
func TestIDSetCheckAll(t *testing.T) {
	for _, bound := range []int64{0, 16 << 10} {
		t.Run(fmt.Sprintf("bound=%d", bound), func(t *testing.T) {
			one := NewIDSet(IDSetOptions{MaxMemory: bound, TempDir: t.TempDir()})
			all := NewIDSet(IDSetOptions{MaxMemory: bound, TempDir: t.TempDir()})
			defer one.Close()
			defer all.Close()
			rng := rand.New(rand.NewPCG(7, 8))
			line, repeats := 2, 0
			var dups []*Error
			var idx []int
			for batch := range 60 {
				recs := make([]Record, rng.IntN(400)) // some batches empty
				raws := make([]string, len(recs))
				for i := range recs {
					n := rng.IntN(line + 50) // often an earlier id, sometimes in this batch
					recs[i] = Record{Line: line, ID: fmt.Sprintf("R%06d", n)}
					raws[i] = fmt.Sprintf("R%06d,line %d", n, line)
					line++
				}
				var want []*Error
				var wantIdx []int
				for i := range recs {
					e, err := one.Check(&recs[i], raws[i])
					if err != nil {
						t.Fatal(err)
					}
					if e != nil {
						want, wantIdx = append(want, e), append(wantIdx, i)
					}
				}
				var err error
				dups, idx, err = all.CheckAll(recs, raws, dups[:0], idx[:0])
				if err != nil {
					t.Fatal(err)
				}
				if len(dups) != len(want) || len(idx) != len(wantIdx) {
					t.Fatalf("batch %d: %d duplicates at %v, want %d at %v", batch, len(dups), idx, len(want), wantIdx)
				}
				for i := range want {
					if idx[i] != wantIdx[i] || *dups[i] != *want[i] {
						t.Fatalf("batch %d: duplicate %d = %+v at %d, want %+v at %d", batch, i, dups[i], idx[i], want[i], wantIdx[i])
					}
				}
				repeats += len(want)
			}
			if repeats < 1000 || all.Len() != one.Len() {
				t.Errorf("%d repeats, Len %d vs %d: the test did not exercise what it should", repeats, all.Len(), one.Len())
			}
			if bound > 0 && all.Spilled() == 0 {
				t.Error("the bounded set never spilled")
			}
		})
	}
}

// BenchmarkIDSetCheckAll measures the duplicate-id check as batch.Run uses
// it (batches of 450 new ids into a set that grows to a million) against a
// loop over Check.
func BenchmarkIDSetCheckAll(b *testing.B) {
	const n, per = 1_000_000, 450
	recs := make([]Record, n)
	raws := make([]string, n)
	for i := range recs {
		recs[i] = Record{Line: i + 2, ID: fmt.Sprintf("Y%09d", i)}
	}
	run := func(b *testing.B, check func(s *IDSet, recs []Record, raws []string) error) {
		b.ReportAllocs()
		for range b.N {
			s := NewIDSet(IDSetOptions{MaxMemory: benchDupMemory})
			for i := 0; i < n; i += per {
				j := min(i+per, n)
				if err := check(s, recs[i:j], raws[i:j]); err != nil {
					b.Fatal(err)
				}
			}
			s.Close()
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("CheckAll", func(b *testing.B) {
		var dups []*Error
		var idx []int
		run(b, func(s *IDSet, recs []Record, raws []string) (err error) {
			dups, idx, err = s.CheckAll(recs, raws, dups[:0], idx[:0])
			if err == nil && len(dups) != 0 {
				err = fmt.Errorf("%d duplicates among new ids", len(dups))
			}
			return err
		})
	})
	b.Run("Check", func(b *testing.B) {
		run(b, func(s *IDSet, recs []Record, raws []string) error {
			for i := range recs {
				e, err := s.Check(&recs[i], raws[i])
				if err == nil && e != nil {
					err = e
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// benchDupMemory is batch.DefaultDuplicateMemory (64 MiB), which
// this package cannot import.
const benchDupMemory = 64 << 20
