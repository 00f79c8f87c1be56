package weights

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// TestPlainPaymentProperty: with every policy list empty and every
// coefficient 1, Amount == round(weight × rate, cents) for random weights,
// rates (uniform or per level), levels and schemes.
func TestPlainPaymentProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	decimals := func(max float64, places int) float64 {
		p := math.Pow(10, float64(places))
		return math.Round((0.001+rng.Float64()*max)*p) / p
	}
	for iter := range 300 {
		var rates [3]float64
		for i := range rates {
			rates[i] = decimals(20000, 2)
		}
		uniform := iter%2 == 0
		rate := `{"1": ` + fmt.Sprint(rates[0]) + `, "2": ` + fmt.Sprint(rates[1]) + `, "3": ` + fmt.Sprint(rates[2]) + `}`
		if uniform {
			rates[1], rates[2] = rates[0], rates[0]
			rate = fmt.Sprint(rates[0])
		}
		pv := decimals(20, 4)
		js := `{"policy_version": 1, "region": "P", "valid_from": "2025-01-01",
			"drg": {"rate": ` + rate + `, "level_coefficients": 1},
			"dip": {"rate": ` + fmt.Sprint(pv) + `, "level_coefficients": {"1": 1, "2": 1, "3": 1}},
			"kind_coefficients": {"tcm": 1}}`
		p := mustPolicy(t, js)
		var tsv strings.Builder
		tsv.WriteString("scheme\tgroup\tweight\n")
		const n = 20
		var rw, score [n]float64
		for i := range n {
			rw[i], score[i] = decimals(30, 6), decimals(5000, 4)
			fmt.Fprintf(&tsv, "drg\tG%02d\t%v\ndip\tD%02d\t%v\n", i, rw[i], i, score[i])
		}
		calc := mustCalc(t, p, mustTable(t, tsv.String()))
		var pay Payment
		for i := range n {
			lvl := int8(1 + rng.IntN(3))
			rec := mkRec(level(lvl), kind([]string{"tcm", "general", ""}[rng.IntN(3)]), cost(rng.Float64()*1e5), dayWard())
			calc.Compute(rec, drgRes(fmt.Sprintf("G%02d", i), "K80.100"), grouper.SchemeDRG, &pay)
			if want := math.Round(rw[i]*rates[lvl-1]*100) / 100; pay.Amount != want {
				t.Fatalf("DRG rw %v rate %v level %d: got %.2f, want %.2f", rw[i], rates[lvl-1], lvl, pay.Amount, want)
			}
			if math.Abs(pay.SettlementPoints-pay.Points) > 1e-9*pay.Points {
				t.Fatalf("DRG settlement points %v != points %v", pay.SettlementPoints, pay.Points)
			}
			calc.Compute(rec, dipRes(fmt.Sprintf("D%02d", i), 1, "K80.100"), grouper.SchemeDIP, &pay)
			if want := math.Round(score[i]*pv*100) / 100; pay.Amount != want {
				t.Fatalf("DIP score %v point value %v: got %.2f, want %.2f", score[i], pv, pay.Amount, want)
			}
		}
	}
}

// computeCases are varied records for the allocation and concurrency tests.
func computeCases() []struct {
	rec *record.Record
	res *grouper.Result
	s   grouper.Scheme
} {
	type c = struct {
		rec *record.Record
		res *grouper.Result
		s   grouper.Scheme
	}
	return []c{
		{mkRec(), drgRes("HC25", "K81.000"), grouper.SchemeDRG},
		{mkRec(level(3), kind("tcm"), cost(40000), tcmCost(20000), dayWard()), drgRes("HC25", "M54.500"), grouper.SchemeDRG},
		{mkRec(cost(12000), tcmDx("A11.02.03")), drgRes("IS15", "S52.500"), grouper.SchemeDRG},
		{mkRec(level(1)), drgRes("BR25", "I63.900"), grouper.SchemeDRG},
		{mkRec(cost(1000), dayWard()), drgRes("HC25", "M47.800"), grouper.SchemeDRG},
		{mkRec(cost(50000)), drgRes("HC25", "K60.300"), grouper.SchemeDRG},
		{mkRec(), &grouper.Result{Status: grouper.StatusUngroupable, DRG: grouper.Ungroupable}, grouper.SchemeDRG},
		{mkRec(), drgRes("AA19", "I42.000"), grouper.SchemeDRG},
		{mkRec(level(0)), drgRes("HC25", "K81.000"), grouper.SchemeDRG},
		{mkRec(cost(12000)), dipRes("K80.1:51.2300", 999, "K80.100"), grouper.SchemeDIP},
		{mkRec(cost(12000), tcmDx("A03.06.01")), dipRes("K80.1", 850, "M54.500"), grouper.SchemeDIP},
		{mkRec(cost(8500), tcmDx("A04.01.02")), dipRes("K80.1", 850, "K81.000"), grouper.SchemeDIP},
	}
}

func TestComputeDoesNotAllocate(t *testing.T) {
	// testPolicy, and testPolicy with TCM-advantaged groups that
	// computeCases pay (HC25 always, a DIP group when TCM-treated; the disease
	// entries win for the other cases).
	withGroups := mustPolicy(t, testPolicy)
	withGroups.DRG.TCMAdvantagedGroups = []TCMAdvantagedGroup{{Group: "HC25", Factor: 1.1}}
	withGroups.DIP.TCMAdvantagedGroups = []TCMAdvantagedGroup{{Group: "K80.1:51.2300", Factor: 1.05}, {Group: "K80.1", TCMOnly: true, Factor: 1.05}}
	cases := computeCases()
	var pay Payment
	for _, p := range []*Policy{mustPolicy(t, testPolicy), withGroups} {
		calc := mustCalc(t, p, mustTable(t, testTable))
		allocs := testing.AllocsPerRun(100, func() {
			for _, c := range cases {
				calc.Compute(c.rec, c.res, c.s, &pay)
			}
		})
		if allocs != 0 {
			t.Errorf("Compute allocates %v times per run (groups %v)", allocs, p.DRG.TCMAdvantagedGroups)
		}
	}
	calc := mustCalc(t, withGroups, mustTable(t, testTable))
	for i, src := range map[int]string{0: "drg.tcm_advantaged_groups[0]", 11: "dip.tcm_advantaged_groups[1]"} {
		calc.Compute(cases[i].rec, cases[i].res, cases[i].s, &pay)
		if !strings.Contains(pay.AdjustmentsString(), src) {
			t.Errorf("case %d: %s not applied: %s", i, src, pay.AdjustmentsString())
		}
	}
	// An entry whose share is missed gives way to the next: still no allocation.
	shadowed := mustPolicy(t, testPolicy)
	shadowed.TCMAdvantaged[1].MinTCMShare = f64(0.6)
	calc = mustCalc(t, shadowed, mustTable(t, testTable))
	rec, res := mkRec(tcmDx("A03.06.01"), tcmCost(5000)), drgRes("HC25", "M54.500")
	if allocs := testing.AllocsPerRun(100, func() { calc.Compute(rec, res, grouper.SchemeDRG, &pay) }); allocs != 0 || !pay.Has(AdjTCMAdvantaged) {
		t.Errorf("falling back to the next entry: %v allocations, uplift %v", allocs, pay.Has(AdjTCMAdvantaged))
	}
	buf := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() { buf = pay.AppendAdjustments(buf[:0]) })
	if allocs != 0 {
		t.Errorf("AppendAdjustments allocates %v times per run", allocs)
	}
}

// TestComputeConcurrent runs one Calculator from many goroutines (run with
// -race) and checks every result equals the serial one.
func TestComputeConcurrent(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	cases := computeCases()
	want := make([]Payment, len(cases))
	for i, c := range cases {
		calc.Compute(c.rec, c.res, c.s, &want[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			var pay Payment
			for range 200 {
				for i, c := range cases {
					calc.Compute(c.rec, c.res, c.s, &pay)
					if pay != want[i] {
						errs <- fmt.Sprintf("case %d: got %+v, want %+v", i, pay, want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestUpliftNeverLowersPayment: over every cost from 50 to 4 × the standard
// in steps of 50 yuan, a case that qualifies for the TCM-advantaged uplift
// (×1.1 on M54.5 with half its cost TCM) is paid at least what the same case
// without it is paid, and the two fall in the same outlier class: the
// uplift scales the payment, not the thresholds. Scaling the thresholds too
// once paid the uplifted case 4 200 instead of 10 000 at a cost of 4 200.
func TestUpliftNeverLowersPayment(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	var with, without Payment
	for c := 50.0; c <= 40000; c += 50 {
		calc.Compute(mkRec(cost(c), tcmCost(c/2)), drgRes("HC25", "M54.500"), grouper.SchemeDRG, &with)
		calc.Compute(mkRec(cost(c)), drgRes("HC25", "M54.500"), grouper.SchemeDRG, &without)
		if !with.Has(AdjTCMAdvantaged) || without.Has(AdjTCMAdvantaged) {
			t.Fatalf("cost %v: uplift applied %v / %v, want with only", c, with.Has(AdjTCMAdvantaged), without.Has(AdjTCMAdvantaged))
		}
		if with.Amount < without.Amount || with.Outlier != without.Outlier {
			t.Errorf("cost %v: uplifted %.2f (%v), plain %.2f (%v)", c, with.Amount, with.Outlier, without.Amount, without.Outlier)
		}
	}
}

// TestBindPricesAlike: a Calculator bound to a grouper pays every record
// exactly as the unbound one, field for field: on the sample batch (TCM
// principals, policy lists, same efficacy, levels, outliers), on principals
// the dictionary holds only by an ancestor (K80.100x999-style extensions),
// and on results of another grouper compiled from the same rules, whose
// IDs the bound one confirms by code.
func TestBindPricesAlike(t *testing.T) {
	sb := newSampleBatch(t, 3000)
	bound := sb.calc.Bind(sb.g)
	other, err := grouper.Compile(sb.g.RuleSet())
	if err != nil {
		t.Fatal(err)
	}
	var want, got Payment
	check := func(rec *record.Record, res *grouper.Result, what string) {
		t.Helper()
		for _, scheme := range []grouper.Scheme{grouper.SchemeDRG, grouper.SchemeDIP} {
			sb.calc.Compute(rec, res, scheme, &want)
			bound.Compute(rec, res, scheme, &got)
			if got != want {
				t.Fatalf("%s (%s): record %s (%s, %s): bound pays\n%+v\nunbound\n%+v", what, scheme, rec.ID, res.PrincipalDx, res.DRG, got, want)
			}
		}
	}
	fast := 0
	for i := range sb.recs {
		rec := &sb.recs[i]
		res := sb.g.Group(rec)
		if _, ok := res.PrincipalID(sb.g); ok {
			fast++
		}
		check(rec, &res, "sample")
		o := other.Group(rec)
		check(rec, &o, "another grouper's result")
		// A what-if: the same result priced as another group, or with
		// another principal; the IDs no longer hold and are not used.
		alt := res
		alt.DRG = sb.res[(i+1)%len(sb.res)].DRG
		check(rec, &alt, "result with its DRG changed")
		alt = res
		alt.PrincipalDx = sb.res[(i+7)%len(sb.res)].PrincipalDx
		check(rec, &alt, "result with its principal changed")
		if rec.TCMPrincipalDx == "" && len(sb.g.TCMMap().Rows()) > 0 {
			both := *rec // a Western principal beside a TCM one
			m := sb.g.TCMMap().Rows()[i%len(sb.g.TCMMap().Rows())]
			both.TCMPrincipalDx, both.TCMSyndrome = m.Disease, m.Syndrome
			r := sb.g.Group(&both)
			check(&both, &r, "Western and TCM principals")
		}
		if rec.PrincipalDx != "" && !strings.Contains(rec.PrincipalDx, "x") {
			ext := *rec
			ext.PrincipalDx = rec.PrincipalDx + map[bool]string{true: "x999", false: ".x999"}[strings.Contains(rec.PrincipalDx, ".")]
			r := sb.g.Group(&ext)
			if _, ok := r.PrincipalID(sb.g); ok && r.PrincipalDx == ext.PrincipalDx {
				t.Fatalf("%s: an extension the dictionary lacks has an exact ID", ext.PrincipalDx)
			}
			check(&ext, &r, "extension")
		}
	}
	if fast < len(sb.recs)/2 {
		t.Fatalf("only %d of %d results had an exact principal ID: the bound path is not exercised", fast, len(sb.recs))
	}
}
