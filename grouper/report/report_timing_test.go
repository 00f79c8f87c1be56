package report_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/grouper/report"
	"github.com/medpay/drg/internal/cputime"
	"github.com/medpay/drg/weights"
)

type groupedCase struct {
	rec record.Record
	res grouper.Result
	pay weights.Payment
}

// sampleRun groups and prices the bundled sample records under both
// schemes, returning each accepted record with its result and payment,
// and the grouped CSV.
func sampleRun(b *testing.B) ([]groupedCase, []byte) {
	rs, err := grouper.Sample()
	if err != nil {
		b.Fatal(err)
	}
	g, err := grouper.Compile(rs)
	if err != nil {
		b.Fatal(err)
	}
	table, err := weights.TableFromRuleSet(rs)
	if err != nil {
		b.Fatal(err)
	}
	policy, err := weights.SamplePolicy()
	if err != nil {
		b.Fatal(err)
	}
	calc, err := weights.New(policy, table)
	if err != nil {
		b.Fatal(err)
	}
	in, err := os.ReadFile("../../examples/sample.csv")
	if err != nil {
		b.Fatal(err)
	}
	rd, err := record.NewReader(bytes.NewReader(in), record.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var cases []groupedCase
	var out bytes.Buffer
	scheme := grouper.SchemeDRG | grouper.SchemeDIP
	_, err = batch.Run(context.Background(), g, rd, &out, nil, batch.Options{Scheme: scheme, Payment: calc.UnpaidOutsidePeriod(),
		Columns: batch.CostColumns(true),
		OnResult: func(rec *record.Record, res *grouper.Result, pay *weights.Payment) {
			c := groupedCase{rec: rec.Clone(), res: *res, pay: *pay}
			c.res.Trace = nil
			cases = append(cases, c)
		}})
	if err != nil {
		b.Fatal(err)
	}
	return cases, out.Bytes()
}

// BenchmarkAggregatorAdd is the cost `drg group --report` adds to a run,
// per record, on the pipeline's writer goroutine.
func BenchmarkAggregatorAdd(b *testing.B) {
	cases, _ := sampleRun(b)
	a := report.NewAggregator(report.Options{Scheme: grouper.SchemeDRG | grouper.SchemeDIP})
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		c := &cases[n%len(cases)]
		a.Add(&c.rec, &c.res, &c.pay)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkReadGrouped is `drg report` on a grouped CSV with payments,
// DIP and cost columns: about 1.2 M rows of the sample's rows repeated.
func BenchmarkReadGrouped(b *testing.B) {
	_, out := sampleRun(b)
	header, rows, _ := bytes.Cut(out, []byte{'\n'})
	in := append(append([]byte(nil), header...), '\n')
	for len(in) < 256<<20 {
		in = append(in, rows...)
	}
	perRead := int64(bytes.Count(in, []byte{'\n'}) - 1)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			n := int64(0)
			cpu0 := cputime.Process()
			for b.Loop() {
				a := report.NewAggregator(report.Options{})
				got, err := a.ReadGroupedWorkers(bytes.NewReader(in), "bench", record.FormatCSV, workers)
				if err != nil || got != perRead {
					b.Fatalf("%d rows of %d: %v", got, perRead, err)
				}
				n += got
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric((cputime.Process()-cpu0)*1e9/float64(n), "cpu-ns/record")
		})
	}
}
