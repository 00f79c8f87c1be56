package idset

import (
	"fmt"
	"testing"
)

// BenchmarkAddAll measures the duplicate-id check as batch.Run uses it
// (batches of 450 new ids into a set that grows to a million, bounded as
// batch bounds it by default) against a loop over Add.
func BenchmarkAddAll(b *testing.B) {
	const n, per = 1_000_000, 450
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("Y%09d", i)
	}
	run := func(b *testing.B, add func(s *Set, ids []string) error) {
		b.ReportAllocs()
		for range b.N {
			s := New(Options{MaxMemory: benchDupMemory})
			for i := 0; i < n; i += per {
				if err := add(s, ids[i:min(i+per, n)]); err != nil {
					b.Fatal(err)
				}
			}
			s.Close()
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("AddAll", func(b *testing.B) {
		var idx []int
		run(b, func(s *Set, ids []string) (err error) {
			idx, err = s.AddAll(ids, idx[:0])
			if err == nil && len(idx) != 0 {
				err = fmt.Errorf("%d repeats among new ids", len(idx))
			}
			return err
		})
	})
	b.Run("Add", func(b *testing.B) {
		run(b, func(s *Set, ids []string) error {
			for _, id := range ids {
				seen, err := s.Add(id)
				if err == nil && seen {
					err = fmt.Errorf("%s: a new id reported seen", id)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// benchDupMemory is batch.DefaultDuplicateMemory (64 MiB), which this
// package cannot import.
const benchDupMemory = 64 << 20
