package weights

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/medpay/drg/grouper"
)

// TestSettlementByHand settles five cases of testPolicy against 100000 yuan.
//
//	H1 HC25 level 2          SettlementPoints 1.0 × 100       = 100
//	H1 HC23 level 3          SettlementPoints 2.0 × 100 × 1.2 = 240
//	H2 BR25 level 3 (same)   SettlementPoints 0.8 × 100 × 1.0 = 80
//	H2 K60.3 fixed price     6800, outside the pool
//	H2 0000                  skipped
//
// pool = 100000 − 6800 = 93200; point value = 93200 / 420 = 221.9047619...
// shares in cents: 2219047.619, 5325714.286, 1775238.095 -> floors sum to
// 9319999; the one cent left goes to the largest fraction (.619, the first).
func TestSettlementByHand(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	st := NewSettlement()
	var pay Payment
	add := func(h string, rec recOpt, res *grouper.Result) {
		calc.Compute(mkRec(rec, cost(20000)), res, grouper.SchemeDRG, &pay)
		st.Add(h, &pay)
	}
	add("H1", level(2), drgRes("HC25", "K81.000"))
	add("H1", level(3), drgRes("HC23", "K81.000"))
	add("H2", level(3), drgRes("BR25", "I63.900"))
	add("H2", level(2), drgRes("HC25", "K60.300"))
	add("H2", level(2), &grouper.Result{Status: grouper.StatusUngroupable, DRG: grouper.Ungroupable})
	rep := st.Close(100000)
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	if math.Abs(rep.PointValue-93200.0/420) > 1e-9 || rep.TotalPoints != 420 || rep.Pool != 93200 || rep.FixedAmount != 6800 {
		t.Errorf("point value %v total %v pool %v fixed %v", rep.PointValue, rep.TotalPoints, rep.Pool, rep.FixedAmount)
	}
	want := []float64{22190.48, 53257.14, 17752.38, 6800, 0}
	for i, w := range want {
		if got := rep.Cases[i].Settled; got != w {
			t.Errorf("case %d: settled %.2f, want %.2f", i, got, w)
		}
	}
	if rep.Cases[3].Status != CaseFixed || rep.Cases[4].Status != CaseSkipped || rep.Skipped != 1 {
		t.Errorf("statuses: %v %v skipped %d", rep.Cases[3].Status, rep.Cases[4].Status, rep.Skipped)
	}
	if rep.Settled != 100000 {
		t.Errorf("settled total %.2f", rep.Settled)
	}
	// CMI: H1 (1.0 + 2.0) / 2 = 1.5; H2 (0.8 + 1.0) / 2 = 0.9; all 4.8 / 4 = 1.2.
	h1, h2 := rep.Hospitals[0], rep.Hospitals[1]
	if h1.HospitalID != "H1" || h1.Cases != 2 || h1.Points != 300 || h1.Amount != 75447.62 || h1.CMI != 1.5 {
		t.Errorf("H1: %+v", h1)
	}
	if h2.HospitalID != "H2" || h2.Cases != 2 || h2.Skipped != 1 || h2.Points != 180 || h2.Amount != 24552.38 || math.Abs(h2.CMI-0.9) > 1e-12 {
		t.Errorf("H2: %+v", h2)
	}
	if math.Abs(rep.CMI-1.2) > 1e-12 {
		t.Errorf("CMI %v, want 1.2", rep.CMI)
	}
}

// TestSettlementSumsToBudget: for random batches the settled amounts add up
// to the budget to the cent, every pooled case is within a cent of its exact
// share, and no case is negative. A few cases of each batch are DIP: one
// pool over both schemes is refused, and with a budget per scheme each pool
// holds all of the above on its own.
func TestSettlementSumsToBudget(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	rng := rand.New(rand.NewPCG(7, 11))
	groups := []struct{ g, dx string }{
		{"HC25", "K81.000"}, {"HC23", "K80.000"}, {"IU25", "M54.500"}, {"IS15", "S52.500"},
		{"IF19", "S42.300"}, {"BR25", "I63.900"}, {"HC25", "K60.300"}, {"AA19", "I42.000"}, {"IU25", "M47.800"},
	}
	// check holds one pool's report to its budget; cases are every case
	// of the settlement, of which those of rep.Scheme are the pool's.
	check := func(trial, n int, rep SettlementReport, cases []SettledCase, budget float64) {
		t.Helper()
		var sum, hsum float64
		for i, c := range cases {
			if c.Scheme != rep.Scheme {
				continue
			}
			sum += c.Settled
			if c.Settled < 0 {
				t.Fatalf("trial %d case %d: negative %.2f", trial, i, c.Settled)
			}
			if c.Status == CasePooled {
				exact := c.SettlementPoints * rep.PointValue
				if math.Abs(c.Settled-exact) > 0.01+1e-6 {
					t.Fatalf("trial %d case %d: settled %.2f, exact share %.4f", trial, i, c.Settled, exact)
				}
			}
		}
		for _, h := range rep.Hospitals {
			hsum += h.Amount
		}
		if math.Abs(sum-budget) > 0.01 || math.Abs(rep.Settled-math.Round(budget*100)/100) > 1e-6 || math.Abs(hsum-budget) > 0.01 {
			t.Fatalf("trial %d (%d cases) %s: settled %.4f, hospitals %.4f, budget %.4f", trial, n, rep.Scheme, sum, hsum, budget)
		}
	}
	for trial := range 200 {
		st := NewSettlement()
		n := 1 + rng.IntN(400)
		var fixed [schemeSlots]float64
		var count [schemeSlots]int
		for range n {
			g := groups[rng.IntN(len(groups))]
			rec := mkRec(level(int8(rng.IntN(4))), kind([]string{"tcm", "general"}[rng.IntN(2)]),
				cost(math.Round(rng.Float64()*80000)/100*100), tcmCost(math.Round(rng.Float64()*5000)))
			rec.DayWard = rng.IntN(5) == 0
			var pay Payment
			scheme := grouper.SchemeDRG
			if rng.IntN(10) == 0 {
				scheme = grouper.SchemeDIP // a few cases of the other scheme
			}
			if scheme == grouper.SchemeDRG {
				calc.Compute(rec, drgRes(g.g, g.dx), grouper.SchemeDRG, &pay)
			} else {
				calc.Compute(rec, dipRes("K80.1", 850, g.dx), grouper.SchemeDIP, &pay)
			}
			st.Add(fmt.Sprintf("H%d", rng.IntN(7)), &pay)
			count[pay.Scheme]++
			if pay.FixedPrice {
				fixed[pay.Scheme] += pay.Amount
			}
		}
		budgets := map[grouper.Scheme]float64{}
		for _, sc := range []grouper.Scheme{grouper.SchemeDRG, grouper.SchemeDIP} {
			if count[sc] > 0 {
				budgets[sc] = fixed[sc] + math.Round(rng.Float64()*1e10)/100
			}
		}
		if count[grouper.SchemeDRG] > 0 && count[grouper.SchemeDIP] > 0 {
			rep := st.Close(budgets[grouper.SchemeDRG])
			if !errors.Is(rep.Err, ErrMixedSchemes) {
				t.Fatalf("trial %d: %d DRG and %d DIP cases in one pool: got %v, want ErrMixedSchemes", trial, count[grouper.SchemeDRG], count[grouper.SchemeDIP], rep.Err)
			}
			for i, c := range rep.Cases {
				if c.Settled != 0 {
					t.Fatalf("trial %d case %d: settled %.2f in a refused settlement", trial, i, c.Settled)
				}
			}
		} else {
			// One scheme: Close shares the one budget.
			budget := budgets[grouper.SchemeDRG] + budgets[grouper.SchemeDIP]
			rep := st.Close(budget)
			if rep.Err != nil {
				if rep.TotalPoints == 0 && errors.Is(rep.Err, ErrBudget) {
					continue // a batch of only fixed-price or unpaid cases
				}
				t.Fatalf("trial %d: %v", trial, rep.Err)
			}
			check(trial, n, rep, rep.Cases, budget)
		}
		cases := make([]SettledCase, st.Len())
		reps, err := st.SettlePools(budgets, func(i int, c *SettledCase) error {
			cases[i] = *c
			return nil
		})
		if err != nil || len(reps) != len(budgets) {
			t.Fatalf("trial %d: SettlePools: %v, %d reports for %d budgets", trial, err, len(reps), len(budgets))
		}
		for _, rep := range reps {
			if rep.Err != nil {
				if rep.TotalPoints == 0 && errors.Is(rep.Err, ErrBudget) {
					continue // a pool of only fixed-price or unpaid cases
				}
				t.Fatalf("trial %d %s pool: %v", trial, rep.Scheme, rep.Err)
			}
			check(trial, n, rep, cases, budgets[rep.Scheme])
		}
	}
}

func TestSettlementErrors(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	var pay Payment
	st := NewSettlement()
	calc.Compute(mkRec(), drgRes("HC25", "K60.300"), grouper.SchemeDRG, &pay) // fixed 6800
	st.Add("H1", &pay)
	if rep := st.Close(5000); !errors.Is(rep.Err, ErrBudget) {
		t.Errorf("fixed prices over budget: got %v", rep.Err)
	}
	if rep := st.Close(10000); !errors.Is(rep.Err, ErrBudget) {
		t.Errorf("pool without points: got %v", rep.Err)
	}
	if rep := st.Close(6800); rep.Err != nil || rep.Settled != 6800 {
		t.Errorf("exactly the fixed prices: got %v %.2f", rep.Err, rep.Settled)
	}
	if rep := st.Close(math.NaN()); !errors.Is(rep.Err, ErrBudget) {
		t.Errorf("NaN budget: got %v", rep.Err)
	}
	calc.Compute(mkRec(), drgRes("HC25", "K81.000"), grouper.SchemeDRG, &pay)
	st.Add("H1", &pay)
	rep := st.Close(0.05)
	if rep.Err == nil {
		t.Error("budget below the fixed prices accepted")
	}
	if st.Len() != 2 {
		t.Errorf("Len %d", st.Len())
	}
	// Three equal cases share 0.10 yuan: 3.33.. cents each; the cent left
	// goes to the first (ties broken by order).
	st = NewSettlement()
	for range 3 {
		st.Add("H", &pay)
	}
	rep = st.Close(0.10)
	if rep.Cases[0].Settled != 0.04 || rep.Cases[1].Settled != 0.03 || rep.Cases[2].Settled != 0.03 {
		t.Errorf("ties: %+v", rep.Cases)
	}
}

// TestSettlementBadCases: a case with a negative or non-finite amount is
// refused, named by its index and hospital, and every case settles at 0.
// (Compute never makes one; a Payment built or edited by hand can.)
func TestSettlementBadCases(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	var good Payment
	calc.Compute(mkRec(), drgRes("HC25", "K81.000"), grouper.SchemeDRG, &good)
	for _, c := range []struct {
		name string
		edit func(p *Payment)
		msg  string
	}{
		{"infinite settlement points", func(p *Payment) { p.SettlementPoints = math.Inf(1) }, "settlement points +Inf"},
		{"NaN settlement points", func(p *Payment) { p.SettlementPoints = math.NaN() }, "settlement points NaN"},
		// A negative share once made distribute take cents back one at a
		// time from the other cases, for ever when it nearly cancelled them.
		{"negative settlement points", func(p *Payment) { p.SettlementPoints = -99.99 }, "settlement points -99.99"},
		{"NaN fixed price", func(p *Payment) { p.FixedPrice, p.Amount = true, math.NaN() }, "amount NaN"},
		{"infinite points", func(p *Payment) { p.Points = math.Inf(1) }, "points +Inf"},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := NewSettlement()
			st.Add("H1", &good)
			bad := good
			c.edit(&bad)
			st.Add("H2", &bad)
			rep := st.Close(1_000_000)
			if !errors.Is(rep.Err, ErrBudget) || !strings.Contains(rep.Err.Error(), "case 1 (hospital H2): "+c.msg) {
				t.Fatalf("got %v, want ErrBudget naming case 1 and %q", rep.Err, c.msg)
			}
			for i, sc := range rep.Cases {
				if sc.Settled != 0 {
					t.Errorf("case %d settled %v despite the error", i, sc.Settled)
				}
			}
		})
	}
	// An unpaid case is skipped, whatever its numbers.
	st := NewSettlement()
	st.Add("H1", &good)
	bad := good
	bad.Reason, bad.SettlementPoints = AdjNoWeight, math.NaN()
	st.Add("H2", &bad)
	if rep := st.Close(1000); rep.Err != nil || rep.Settled != 1000 {
		t.Errorf("unpaid case with NaN points: %v, settled %v", rep.Err, rep.Settled)
	}
}

// TestSettlementMixedSchemes pins "settlement never misallocates silently":
// a single pool once took its scheme from the first paid case, paid the whole
// budget to it and settled the cases of the other scheme at 0 as skipped.
// Cases of both schemes in one pool are now refused, naming how many of each.
func TestSettlementMixedSchemes(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	st := NewSettlement()
	var pay Payment
	calc.Compute(mkRec(), dipRes("K80.1:51.2300", 0, "I63.900"), grouper.SchemeDIP, &pay)
	st.Add("H1", &pay)
	calc.Compute(mkRec(), drgRes("HC25", "K81.000"), grouper.SchemeDRG, &pay)
	st.Add("H1", &pay)
	st.Add("H2", &pay)
	// An unpaid case counts by its scheme too: it is data of that scheme.
	calc.Compute(mkRec(), &grouper.Result{Status: grouper.StatusUngroupable, DRG: grouper.Ungroupable}, grouper.SchemeDRG, &pay)
	st.Add("H2", &pay)
	rep := st.Close(1_000_000)
	want := "3 DRG and 1 DIP cases: one pool settles one scheme"
	if !errors.Is(rep.Err, ErrMixedSchemes) || !strings.Contains(rep.Err.Error(), want) {
		t.Fatalf("got %v, want ErrMixedSchemes with %q", rep.Err, want)
	}
	if errors.Is(rep.Err, ErrBudget) {
		t.Errorf("mixed schemes also wrap ErrBudget: %v", rep.Err)
	}
	if rep.Settled != 0 || rep.PointValue != 0 {
		t.Errorf("settled %.2f at point value %v despite the error", rep.Settled, rep.PointValue)
	}
	for i, c := range rep.Cases {
		if c.Settled != 0 {
			t.Errorf("case %d settled %.2f despite the error", i, c.Settled)
		}
	}
}

// TestSettlePoolsByHand settles the cases of TestSettlementByHand (DRG,
// 100000 yuan) and two DIP cases (10000 yuan) added between them, each
// scheme from its own budget.
//
//	DIP H1 K80.1:51.2300   score 1200 × rate 10 = 12000 yuan, 1200 points
//	DIP H3 K80.1           catalogue score 850: 8500 yuan, 850 points
//
// DIP point value = 10000 / 2050 = 4.878048...; shares in cents 585365.85
// and 414634.15: floors sum to 999999, the cent left goes to the first
// (.85). The DRG pool is exactly TestSettlementByHand's.
func TestSettlePoolsByHand(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	st := NewSettlement()
	var pay Payment
	add := func(h string, rec recOpt, res *grouper.Result, s grouper.Scheme) {
		calc.Compute(mkRec(rec, cost(20000)), res, s, &pay)
		st.Add(h, &pay)
	}
	add("H1", level(2), drgRes("HC25", "K81.000"), grouper.SchemeDRG)
	add("H1", level(2), dipRes("K80.1:51.2300", 0, "I63.900"), grouper.SchemeDIP)
	add("H1", level(3), drgRes("HC23", "K81.000"), grouper.SchemeDRG)
	add("H3", level(2), dipRes("K80.1", 850, "I63.900"), grouper.SchemeDIP)
	add("H2", level(3), drgRes("BR25", "I63.900"), grouper.SchemeDRG)
	add("H2", level(2), drgRes("HC25", "K60.300"), grouper.SchemeDRG)
	add("H2", level(2), &grouper.Result{Status: grouper.StatusUngroupable, DRG: grouper.Ungroupable}, grouper.SchemeDRG)

	var cases []SettledCase
	reps, err := st.SettlePools(map[grouper.Scheme]float64{grouper.SchemeDIP: 10000, grouper.SchemeDRG: 100000}, func(i int, c *SettledCase) error {
		cases = append(cases, *c)
		return nil
	})
	if err != nil || len(reps) != 2 {
		t.Fatalf("SettlePools: %v, %d reports", err, len(reps))
	}
	d, p := reps[0], reps[1]
	if d.Err != nil || p.Err != nil {
		t.Fatalf("errors: DRG %v, DIP %v", d.Err, p.Err)
	}
	if d.Scheme != grouper.SchemeDRG || d.Budget != 100000 || d.Settled != 100000 || d.TotalPoints != 420 || d.FixedAmount != 6800 || d.Skipped != 1 || math.Abs(d.PointValue-93200.0/420) > 1e-9 || math.Abs(d.CMI-1.2) > 1e-12 {
		t.Errorf("DRG pool: %+v", d)
	}
	if p.Scheme != grouper.SchemeDIP || p.Budget != 10000 || p.Settled != 10000 || p.TotalPoints != 2050 || p.FixedAmount != 0 || p.Skipped != 0 || math.Abs(p.PointValue-10000.0/2050) > 1e-12 || p.CMI != 0 {
		t.Errorf("DIP pool: %+v", p)
	}
	want := []struct {
		scheme  grouper.Scheme
		settled float64
	}{{grouper.SchemeDRG, 22190.48}, {grouper.SchemeDIP, 5853.66}, {grouper.SchemeDRG, 53257.14}, {grouper.SchemeDIP, 4146.34}, {grouper.SchemeDRG, 17752.38}, {grouper.SchemeDRG, 6800}, {grouper.SchemeDRG, 0}}
	if len(cases) != len(want) {
		t.Fatalf("%d cases streamed, want %d", len(cases), len(want))
	}
	for i, w := range want {
		if cases[i].Scheme != w.scheme || cases[i].Settled != w.settled {
			t.Errorf("case %d: %s %.2f, want %s %.2f", i, cases[i].Scheme, cases[i].Settled, w.scheme, w.settled)
		}
	}
	// Each pool lists only its own hospitals: H3 has no DRG case, H2 no DIP one.
	hosp := func(r SettlementReport) string {
		var b strings.Builder
		for _, h := range r.Hospitals {
			fmt.Fprintf(&b, "%s:%d/%d:%.2f ", h.HospitalID, h.Cases, h.Skipped, h.Amount)
		}
		return b.String()
	}
	if got, want := hosp(d), "H1:2/0:75447.62 H2:2/1:24552.38 "; got != want {
		t.Errorf("DRG hospitals %q, want %q", got, want)
	}
	if got, want := hosp(p), "H1:1/0:5853.66 H3:1/0:4146.34 "; got != want {
		t.Errorf("DIP hospitals %q, want %q", got, want)
	}
}

// TestSettlePoolsErrors: a scheme with cases and no budget, a budget for no
// scheme, and no budget at all are refused; the cases then settle at 0.
func TestSettlePoolsErrors(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	st := NewSettlement()
	var pay Payment
	calc.Compute(mkRec(), drgRes("HC25", "K81.000"), grouper.SchemeDRG, &pay)
	st.Add("H1", &pay)
	calc.Compute(mkRec(), dipRes("K80.1:51.2300", 0, "I63.900"), grouper.SchemeDIP, &pay)
	st.Add("H1", &pay)
	st.Add("H2", &pay)

	var settled float64
	sum := func(_ int, c *SettledCase) error { settled += c.Settled; return nil }
	reps, err := st.SettlePools(map[grouper.Scheme]float64{grouper.SchemeDRG: 1000}, sum)
	if err != nil || len(reps) != 1 || !errors.Is(reps[0].Err, ErrMixedSchemes) || !strings.Contains(reps[0].Err.Error(), "2 DIP cases and no DIP budget") {
		t.Errorf("DIP cases without a DIP budget: %v, reports %+v", err, reps)
	}
	reps, err = st.SettlePools(map[grouper.Scheme]float64{grouper.SchemeDRG: 1000, grouper.SchemeDIP: 1000, grouper.Scheme(9): 5}, sum)
	if err != nil || len(reps) != 2 || !errors.Is(reps[0].Err, ErrBudget) || !errors.Is(reps[1].Err, ErrBudget) || !strings.Contains(reps[1].Err.Error(), "scheme 9") {
		t.Errorf("a budget for scheme 9: %v, reports %+v", err, reps)
	}
	if settled != 0 {
		t.Errorf("refused settlements paid %.2f", settled)
	}
	if reps, err := st.SettlePools(nil, sum); !errors.Is(err, ErrBudget) || reps != nil {
		t.Errorf("no budget: %v, reports %+v", err, reps)
	}
	// A pool with a budget but no case cannot share it.
	st = NewSettlement()
	st.Add("H1", &pay)
	if reps, err := st.SettlePools(map[grouper.Scheme]float64{grouper.SchemeDRG: 1000, grouper.SchemeDIP: 1000}, nil); err != nil || !errors.Is(reps[0].Err, ErrBudget) || reps[1].Err != nil || reps[1].Settled != 1000 {
		t.Errorf("DRG budget without DRG cases: %v, reports %+v", err, reps)
	}
}

// TestSettlementCaseBounds pins the case of 1e300 settlement points, which
// is finite: it once took the whole pool and left the other cases a point
// value that printed as 0.000000. A number beyond MaxCasePoints or
// MaxCaseAmount is refused; one at the bound is settled.
func TestSettlementCaseBounds(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	var good Payment
	calc.Compute(mkRec(), drgRes("HC25", "K81.000"), grouper.SchemeDRG, &good)
	for _, c := range []struct {
		name string
		edit func(p *Payment)
		msg  string // "" = settled
	}{
		{"settlement points 1e300", func(p *Payment) { p.SettlementPoints = 1e300 }, "settlement points 1e+300 is above 1e+10"},
		{"points past the bound", func(p *Payment) { p.Points = 2e10 }, "points 2e+10 is above 1e+10"},
		{"amount past the bound", func(p *Payment) { p.Amount = 1.5e10 }, "amount 1.5e+10 is above 1e+10"},
		{"fixed price past the bound", func(p *Payment) { p.FixedPrice, p.Amount = true, 1e12 }, "amount 1e+12 is above 1e+10"},
		{"base weight past the bound", func(p *Payment) { p.BaseWeight = 1e11 }, "base weight 1e+11 is above 1e+10"},
		{"settlement points at the bound", func(p *Payment) { p.SettlementPoints = MaxCasePoints }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := NewSettlement()
			st.Add("H1", &good)
			bad := good
			c.edit(&bad)
			st.Add("H2", &bad)
			rep := st.Close(1_000_000)
			if c.msg == "" {
				if rep.Err != nil || rep.Settled != 1_000_000 {
					t.Fatalf("got %v, settled %.2f; want the budget settled", rep.Err, rep.Settled)
				}
				return
			}
			if !errors.Is(rep.Err, ErrBudget) || !strings.Contains(rep.Err.Error(), "case 1 (hospital H2): "+c.msg) {
				t.Fatalf("got %v, want ErrBudget naming case 1 and %q", rep.Err, c.msg)
			}
			for i, sc := range rep.Cases {
				if sc.Settled != 0 {
					t.Errorf("case %d settled %v despite the error", i, sc.Settled)
				}
			}
		})
	}
}

// TestUnpaidReasonsAreCompute: UnpaidReasons is what a reader of priced
// files accepts in the unpaid column, so it must hold every reason Compute
// gives and nothing else. The reasons are read from the unpaid calls in the
// package's source, so that a new one cannot be forgotten here.
func TestUnpaidReasonsAreCompute(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	var names []string
	constRE := regexp.MustCompile(`(?m)^\s*(Adj\w+)\s*=\s*"([^"]*)"`)
	callRE := regexp.MustCompile(`\.unpaid\((Adj\w+),`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range constRE.FindAllStringSubmatch(string(src), -1) {
			consts[m[1]] = m[2]
		}
		for _, m := range callRE.FindAllStringSubmatch(string(src), -1) {
			names = append(names, m[1])
		}
	}
	var want []string
	for _, n := range names {
		v, ok := consts[n]
		if !ok {
			t.Fatalf("unpaid(%s): no such constant found", n)
		}
		if !slices.Contains(want, v) {
			want = append(want, v)
		}
	}
	got := UnpaidReasons()
	slices.Sort(want)
	slices.Sort(got)
	if len(want) < 5 || !slices.Equal(got, want) {
		t.Errorf("UnpaidReasons() = %v, Compute gives %v", got, want)
	}
}

// TestSettleStreams checks that Settle hands each case, in Add order, with
// exactly what Close puts in Cases, and stops at an error from each.
func TestSettleStreams(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	st := NewSettlement()
	var pay Payment
	for i := range 50 {
		g := []struct{ g, dx string }{{"HC25", "K81.000"}, {"HC23", "K80.000"}, {"HC25", "K60.300"}, {"AA19", "I42.000"}}[i%4]
		calc.Compute(mkRec(level(int8(1+i%3)), cost(float64(5000+i*100))), drgRes(g.g, g.dx), grouper.SchemeDRG, &pay)
		st.Add(fmt.Sprintf("H%d", i%3), &pay)
	}
	want := st.Close(123456.78)
	if want.Err != nil {
		t.Fatal(want.Err)
	}
	var got []SettledCase
	rep, err := st.Settle(123456.78, func(i int, c *SettledCase) error {
		if i != len(got) {
			t.Fatalf("case %d after %d cases", i, len(got))
		}
		got = append(got, *c)
		return nil
	})
	if err != nil || rep.Cases != nil {
		t.Fatalf("Settle: %v, Cases %v", err, rep.Cases)
	}
	rep.Cases = got
	if fmt.Sprintf("%+v", rep) != fmt.Sprintf("%+v", want) {
		t.Errorf("Settle:\n%+v\nClose:\n%+v", rep, want)
	}

	if totals, err := st.Settle(123456.78, nil); err != nil || totals.Settled != want.Settled || len(totals.Hospitals) != len(want.Hospitals) {
		t.Errorf("Settle without a callback: %v, settled %.2f, want %.2f", err, totals.Settled, want.Settled)
	}

	stop := errors.New("disk full")
	calls := 0
	if _, err := st.Settle(123456.78, func(i int, c *SettledCase) error {
		calls++
		if i == 10 {
			return stop
		}
		return nil
	}); !errors.Is(err, stop) || calls != 11 {
		t.Errorf("error from each: got %v after %d calls, want %v after 11", err, calls, stop)
	}
}

// TestSettlementCaseSize pins the memory a settlement keeps per case, which
// is what bounds a year's settlement.
func TestSettlementCaseSize(t *testing.T) {
	if n := unsafe.Sizeof(settleCase{}); n != 48 {
		t.Errorf("settleCase is %d bytes, want 48", n)
	}
}
