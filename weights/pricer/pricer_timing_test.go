package pricer_test

import (
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
	"github.com/medpay/drg/weights/pricer"
)

// BenchmarkPrice prices one record per call (group + price) with the
// SAMPLE rule set and policy, against grouping alone: pricing's share of
// the call (target: pricing adds < 20% to grouping).
func BenchmarkPrice(b *testing.B) {
	rs, _ := grouper.Sample()
	g, err := grouper.Compile(rs)
	if err != nil {
		b.Fatal(err)
	}
	t, _ := weights.TableFromRuleSet(rs)
	pol, _ := weights.SamplePolicy()
	calc, err := weights.New(pol, t)
	if err != nil {
		b.Fatal(err)
	}
	p := pricer.New(g, calc)
	rec := record.Record{ID: "R1", Sex: 1, AgeYears: 50, HospitalLevel: 3, PrincipalDx: "K80.100", SecondaryDx: []string{"J18.900"},
		Procedures: []string{"51.2300"}, TotalCost: 30000, DischargeDate: record.DateOf(2024, 5, 1),
		Present: record.HasSex | record.HasAgeYears | record.HasHospitalLevel | record.HasTotalCost}
	b.Run("group", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g.Group(&rec)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("price", func(b *testing.B) {
		b.ReportAllocs()
		var pay weights.Payment
		for b.Loop() {
			if _, err := p.Price(&rec, &pay); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

// BenchmarkCompute is the pricing half of BenchmarkPrice alone.
func BenchmarkCompute(b *testing.B) {
	rs, _ := grouper.Sample()
	g, _ := grouper.Compile(rs)
	t, _ := weights.TableFromRuleSet(rs)
	pol, _ := weights.SamplePolicy()
	calc, _ := weights.New(pol, t)
	rec := record.Record{ID: "R1", Sex: 1, AgeYears: 50, HospitalLevel: 3, PrincipalDx: "K80.100", SecondaryDx: []string{"J18.900"},
		Procedures: []string{"51.2300"}, TotalCost: 30000, DischargeDate: record.DateOf(2024, 5, 1),
		Present: record.HasSex | record.HasAgeYears | record.HasHospitalLevel | record.HasTotalCost}
	res := g.Group(&rec)
	var pay weights.Payment
	b.ReportAllocs()
	for b.Loop() {
		calc.Compute(&rec, &res, grouper.SchemeDRG, &pay)
	}
}
