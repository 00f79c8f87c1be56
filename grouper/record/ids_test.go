package record

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestIDSetBounded checks that Check finds a repeat of an id that was
// spilled long before and returns Read's duplicate-id reject for it.
func TestIDSetBounded(t *testing.T) {
	s := NewIDSet(IDSetOptions{MaxMemory: 16 << 10, TempDir: t.TempDir()})
	defer s.Close()
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
	if s.Spilled() < 10 {
		t.Errorf("spilled %d runs, want >= 10", s.Spilled())
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
