package chs11_test

import (
	"os"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/chs11"
)

// BenchmarkImport measures reading and converting the national tables plus
// one compile (the work of `drg rules import`, without the store). Target < 5 s.
func BenchmarkImport(b *testing.B) {
	national(b)
	b.ReportAllocs()
	for b.Loop() {
		rs, err := chs11.Read(os.DirFS(dataDir))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := grouper.Compile(rs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile measures compiling the converted national rule set into
// the bitmap index (dictionaries, lists, triggers, CC tables).
func BenchmarkCompile(b *testing.B) {
	rs, _ := national(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := grouper.Compile(rs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGroup groups the labelled sample (realistic national records)
// with the compiled national rule set, on one goroutine.
func BenchmarkGroup(b *testing.B) {
	_, g := national(b)
	recs := labelledSample(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		g.Group(&recs[n%len(recs)].rec)
		n++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkExplain is the cost of a full trace, for comparison with Group.
func BenchmarkExplain(b *testing.B) {
	_, g := national(b)
	recs := labelledSample(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		g.Explain(&recs[n%len(recs)].rec)
		n++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
