package batch_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/cputime"
)

// BenchmarkRun runs batch.Run over 100 000 records of the sample rule set
// held in memory, priced under the sample policy, to io.Discard: the
// pipeline's own cost (batches, channels, reordering, the duplicate check,
// writing) weighs more here than in bench's BenchmarkPipeline, whose
// full-scale rule set and zstd dominate. cpu-ns/record is the process's
// CPU time (user and system, all goroutines) per record, steadier than wall
// time on a shared machine.
func BenchmarkRun(b *testing.B) {
	const n = 100_000
	rs, _ := sampleGrouper(b)
	g, calc := batch.SamplePricing(b)
	in := sampleInput(b, rs, n)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			records := 0
			cpu0 := cputime.Process()
			for b.Loop() {
				rd, err := record.NewReader(bytes.NewReader(in), record.Options{})
				if err != nil {
					b.Fatal(err)
				}
				st, err := batch.Run(context.Background(), g, rd, io.Discard, nil, batch.Options{Workers: workers, Payment: calc})
				if err != nil {
					b.Fatal(err)
				}
				if st.Records != n {
					b.Fatalf("%d records in, %d counted", n, st.Records)
				}
				records += n
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric((cputime.Process()-cpu0)*1e9/float64(records), "cpu-ns/record")
		})
	}
}

// BenchmarkMigrationAdd measures Migration.Add per record: the old side's
// grouping and pricing and the tally, as drg compare runs it on the
// writer goroutine (no pairs file), on the sample records against the
// sample edited as in TestMigration.
func BenchmarkMigrationAdd(b *testing.B) {
	rs, _ := sampleGrouper(b)
	oldG, oldCalc := batch.SamplePricing(b)
	newG, newCalc := migrated(b)
	rd, err := record.NewReader(bytes.NewReader(sampleInput(b, rs, 5000)), record.Options{NoDuplicateCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	recs, results, pays := batch.GroupedRecords(b, rd, newG, newCalc)
	m := batch.NewMigration(batch.Version{Grouper: oldG, Payment: oldCalc})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := i % len(recs)
		m.Add(&recs[k], &results[k], &pays[k])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
