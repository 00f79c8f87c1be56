package bench_test

import (
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/national"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/reference"
	"github.com/medpay/drg/internal/synth"
)

// benchSet is a rule set with records generated for it, built once.
type benchSet struct {
	name string
	rs   *grouper.RuleSet
	recs []record.Record
}

const benchRecords = 20_000

var benchSets = sync.OnceValues(func() ([]*benchSet, error) {
	sample, err := grouper.Sample()
	if err != nil {
		return nil, err
	}
	sets := []*benchSet{{name: "sample", rs: sample}, {name: "full-scale", rs: synth.FullScaleRuleSet(1)}}
	if _, err := os.Stat(nationalDir); err == nil {
		rs, err := national.Read(os.DirFS(nationalDir))
		if err != nil {
			return nil, err
		}
		sets = append(sets, &benchSet{name: "national", rs: rs})
	}
	for _, s := range sets {
		if s.recs, err = synth.RecordSlice(s.rs, 1, benchRecords); err != nil {
			return nil, err
		}
	}
	return sets, nil
})

func loadSets(b *testing.B) []*benchSet {
	b.Helper()
	sets, err := benchSets()
	if err != nil {
		b.Fatal(err)
	}
	return sets
}

func reportRate(b *testing.B, records int) {
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkGroup groups pre-generated records one per iteration with the
// compiled and the reference grouper; "ratio" times both on the same
// batches and reports how many times faster the compiled grouper is.
func BenchmarkGroup(b *testing.B) {
	for _, s := range loadSets(b) {
		g, err := grouper.Compile(s.rs)
		if err != nil {
			b.Fatal(err)
		}
		ref, err := reference.New(s.rs)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s.name+"/compiled", func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				g.Group(&s.recs[n%len(s.recs)])
				n++
			}
			reportRate(b, n)
		})
		b.Run(s.name+"/reference", func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				ref.Group(&s.recs[n%len(s.recs)])
				n++
			}
			reportRate(b, n)
		})
		b.Run(s.name+"/ratio", func(b *testing.B) {
			// Each iteration groups a run of records with the compiled
			// grouper (long enough to run with warm caches) and a few with
			// the reference grouper; the ratio is of the time per record.
			const fast, slow = 1024, 4
			var tFast, tSlow time.Duration
			nFast, nSlow := 0, 0
			for b.Loop() {
				t0 := time.Now()
				for range fast {
					g.Group(&s.recs[nFast%len(s.recs)])
					nFast++
				}
				t1 := time.Now()
				for range slow {
					ref.Group(&s.recs[nSlow%len(s.recs)])
					nSlow++
				}
				tFast += t1.Sub(t0)
				tSlow += time.Since(t1)
			}
			perFast, perSlow := tFast.Seconds()/float64(nFast), tSlow.Seconds()/float64(nSlow)
			b.ReportMetric(perSlow/perFast, "reference/compiled")
			b.ReportMetric(1/perFast, "compiled-records/s")
			b.ReportMetric(1/perSlow, "reference-records/s")
		})
	}
}

// BenchmarkGroupAll groups the pre-generated records in batches of 512, as
// the pipeline's workers do, one record at a time with GroupScheme and a
// batch at a time with GroupAll (which prefetches the next records'
// dictionary slots and grouping entries while it groups the current one).
func BenchmarkGroupAll(b *testing.B) {
	const batch = 512
	for _, s := range loadSets(b) {
		g, err := grouper.Compile(s.rs)
		if err != nil {
			b.Fatal(err)
		}
		results := make([]grouper.Result, batch)
		for _, mode := range []string{"one-by-one", "all"} {
			b.Run(s.name+"/"+mode, func(b *testing.B) {
				b.ReportAllocs()
				n, at := 0, 0
				for b.Loop() {
					if at+batch > len(s.recs) {
						at = 0
					}
					recs := s.recs[at : at+batch]
					if mode == "all" {
						g.GroupAll(recs, grouper.SchemeDRG, results)
					} else {
						for i := range recs {
							results[i] = g.GroupScheme(&recs[i], grouper.SchemeDRG, nil)
						}
					}
					at += batch
					n += batch
				}
				reportRate(b, n)
			})
		}
	}
}

// BenchmarkGroupParallel groups with the compiled grouper on every CPU.
func BenchmarkGroupParallel(b *testing.B) {
	for _, s := range loadSets(b) {
		g, err := grouper.Compile(s.rs)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					g.Group(&s.recs[i%len(s.recs)])
					i++
				}
			})
			reportRate(b, b.N)
		})
	}
}

// BenchmarkCompile compiles whole rule sets; the full-scale target is under
// 300 ms.
func BenchmarkCompile(b *testing.B) {
	for _, s := range loadSets(b) {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := grouper.Compile(s.rs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFullScaleRuleSet builds the full-scale rule set.
func BenchmarkFullScaleRuleSet(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		synth.FullScaleRuleSet(1)
	}
}

// BenchmarkRecords generates records, alone and written as CSV.
func BenchmarkRecords(b *testing.B) {
	for _, s := range loadSets(b) {
		b.Run(s.name+"/generate", func(b *testing.B) {
			gen, err := synth.NewGenerator(s.rs, 1)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var rec record.Record
			n := 0
			for b.Loop() {
				gen.Next(&rec)
				n++
			}
			reportRate(b, n)
		})
		b.Run(s.name+"/csv", func(b *testing.B) {
			gen, err := synth.NewGenerator(s.rs, 1)
			if err != nil {
				b.Fatal(err)
			}
			w := record.NewWriter(io.Discard, record.FormatCSV)
			b.ReportAllocs()
			var rec record.Record
			n := 0
			for b.Loop() {
				gen.Next(&rec)
				if err := w.Write(&rec); err != nil {
					b.Fatal(err)
				}
				n++
			}
			reportRate(b, n)
		})
	}
}
