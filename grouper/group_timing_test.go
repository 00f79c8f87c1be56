package grouper_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// sampleRecords draws n deterministic records from the sample rule set's own
// code lists, so that most of them reach an ADRG.
func sampleRecords(tb testing.TB, rs *grouper.RuleSet, n int) []record.Record {
	tb.Helper()
	var dx, proc []string
	for _, l := range rs.Lists {
		if l.System.String() == "procedure" {
			proc = append(proc, l.Code)
		} else if len(l.Code) >= 5 {
			dx = append(dx, l.Code)
		}
	}
	for _, c := range rs.CC {
		dx = append(dx, c.Code)
	}
	r := rand.New(rand.NewPCG(7, 7))
	recs := make([]record.Record, n)
	for i := range recs {
		rec := &recs[i]
		rec.ID = "B" + strings.Repeat("0", 3)
		rec.Sex = int8(1 + r.IntN(2))
		rec.AgeYears = int16(r.IntN(90))
		rec.PrincipalDx = dx[r.IntN(len(dx))]
		for k := r.IntN(6); k > 0; k-- {
			rec.SecondaryDx = append(rec.SecondaryDx, dx[r.IntN(len(dx))])
		}
		for k := r.IntN(3); k > 0; k-- {
			rec.Procedures = append(rec.Procedures, proc[r.IntN(len(proc))])
		}
	}
	return recs
}

func BenchmarkGroupSample(b *testing.B) {
	for _, scheme := range []grouper.Scheme{grouper.SchemeDRG, grouper.SchemeBoth} {
		b.Run(scheme.String(), func(b *testing.B) {
			rs, err := grouper.Sample()
			if err != nil {
				b.Fatal(err)
			}
			g, err := grouper.Compile(rs)
			if err != nil {
				b.Fatal(err)
			}
			if scheme&grouper.SchemeDIP != 0 && !g.HasDIP() {
				b.Skip("sample has no DIP catalogue")
			}
			recs := sampleRecords(b, rs, 4096)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				g.GroupScheme(&recs[n%len(recs)], scheme, nil)
				n++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkLoadSample is reading the embedded sample tables plus compiling
// them: what a process without a store does at start.
func BenchmarkLoadSample(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		rs, err := grouper.Sample()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := grouper.Compile(rs); err != nil {
			b.Fatal(err)
		}
	}
}
