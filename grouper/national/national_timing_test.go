package national_test

import (
	"os"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/national"
	"github.com/medpay/drg/grouper/record"
)

// BenchmarkImport measures reading and converting the national tables plus
// one compile (the work of `drg rules import`, without the store). Target < 5 s.
func BenchmarkImport(b *testing.B) {
	for _, version := range []string{"1.1", "2.0"} {
		b.Run(version, func(b *testing.B) {
			load(b, version)
			b.ReportAllocs()
			for b.Loop() {
				rs, err := national.Read(os.DirFS(dataDir(version)))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := grouper.Compile(rs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompile measures compiling the converted national rule set into
// the bitmap index (dictionaries, lists, triggers, CC tables).
func BenchmarkCompile(b *testing.B) {
	for _, version := range []string{"1.1", "2.0"} {
		b.Run(version, func(b *testing.B) {
			rs, _ := load(b, version)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := grouper.Compile(rs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGroup groups the labelled sample (realistic national records)
// with the compiled national rule set, on one goroutine.
func BenchmarkGroup(b *testing.B) {
	benchLabelled(b, func(g *grouper.Grouper, rec *record.Record) { g.Group(rec) })
}

// BenchmarkExplain is the cost of a full trace, for comparison with Group.
func BenchmarkExplain(b *testing.B) {
	benchLabelled(b, func(g *grouper.Grouper, rec *record.Record) { g.Explain(rec) })
}

// benchLabelled runs fn over each version's labelled records, reporting
// records/s.
func benchLabelled(b *testing.B, fn func(*grouper.Grouper, *record.Record)) {
	for _, version := range []string{"1.1", "2.0"} {
		b.Run(version, func(b *testing.B) {
			_, g := load(b, version)
			recs := labelledSample(b, version)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				fn(g, &recs[n%len(recs)].rec)
				n++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
