package record

import (
	"fmt"
	"testing"
)

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
