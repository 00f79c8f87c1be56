package citylist_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/national"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/cputime"
	"github.com/medpay/drg/weights"
	"github.com/medpay/drg/weights/citylist"
)

// BenchmarkPriceNational groups the CHS-DRG 1.1 labelled records and
// prices them with a real city's list (Jilin 2022, level 3, costs of
// 5 000-25 000 yuan so that some cases are outliers), against grouping
// alone: what pricing adds to grouping on national groups and real prices
// (ratio, in CPU time of the same loop; target < 1.2), and pricing alone
// on the grouped records (price-cpu-ns/record).
func BenchmarkPriceNational(b *testing.B) {
	dir := filepath.Join("..", "..", "..", "shared", "data")
	rs, err := national.Read(os.DirFS(filepath.Join(dir, "chs-drg-1.1")))
	if err != nil {
		b.Skipf("national tables: %v", err)
	}
	g, err := grouper.Compile(rs)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(filepath.Join(paymentDir, "jilin-2022.csv"))
	if err != nil {
		b.Skipf("price lists: %v", err)
	}
	c, err := citylist.Convert(f, citylist.Options{Region: "吉林 2022", RuleSet: rs.Name, Valid: record.Period{From: record.DateOf(2022, 1, 1)}})
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	calc, err := c.Calculator()
	if err != nil {
		b.Fatal(err)
	}
	rd, err := record.Open(filepath.Join(dir, "chs-drg-1.1", "labelled-sample.tsv"), record.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var recs []record.Record
	for i := 0; ; i++ {
		var rec record.Record
		if err := rd.Read(&rec); err == io.EOF {
			break
		} else if err != nil {
			continue
		}
		rec.HospitalLevel, rec.TotalCost = 3, float64(5000+(i*7919)%20000)
		rec.Present |= record.HasHospitalLevel | record.HasTotalCost
		recs = append(recs, rec)
	}
	rd.Close()
	calc = calc.Bind(g) // as every caller prices: by the grouper's IDs
	var pay weights.Payment
	results := make([]grouper.Result, len(recs))
	for i := range recs {
		results[i] = g.Group(&recs[i])
	}
	priceOnly := func() float64 {
		cpu := cputime.Process()
		for i := range 200_000 {
			k := i % len(recs)
			calc.Compute(&recs[k], &results[k], grouper.SchemeDRG, &pay)
		}
		return (cputime.Process() - cpu) * 1e9 / 200_000
	}
	loop := func(price bool) float64 {
		cpu := cputime.Process()
		for i := range 200_000 {
			rec := &recs[i%len(recs)]
			res := g.Group(rec)
			if price {
				calc.Compute(rec, &res, grouper.SchemeDRG, &pay)
			}
		}
		return (cputime.Process() - cpu) * 1e9 / 200_000
	}
	b.ReportAllocs()
	var group, both, alone float64
	for b.Loop() {
		group += loop(false)
		both += loop(true)
		alone += priceOnly()
	}
	b.ReportMetric(alone/float64(b.N), "price-cpu-ns/record")
	b.ReportMetric(group/float64(b.N), "group-cpu-ns/record")
	b.ReportMetric(both/float64(b.N), "group+price-cpu-ns/record")
	b.ReportMetric(both/group, "ratio")
}
