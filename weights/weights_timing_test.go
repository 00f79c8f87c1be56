package weights

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// BenchmarkCompute measures Compute per record (target: 0 allocs/op) on the
// hand-made fixture of the tests, which exercises every policy list.
func BenchmarkCompute(b *testing.B) {
	calc := mustCalc(b, mustPolicy(b, testPolicy), mustTable(b, testTable))
	cases := computeCases()
	var pay Payment
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := &cases[i%len(cases)]
		calc.Compute(c.rec, c.res, c.s, &pay)
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkComputeSample measures Compute alone on the sample-rule-set batch
// of BenchmarkGroupVsCompute (results grouped beforehand, caches warm).
func BenchmarkComputeSample(b *testing.B) {
	sb := newSampleBatch(b, 300)
	// bound: as the pipeline, the pricer and the service price (Bind);
	// unbound: every code looked up per record.
	for _, v := range []struct {
		name string
		calc *Calculator
	}{{"bound", sb.calc.Bind(sb.g)}, {"unbound", sb.calc}} {
		b.Run(v.name, func(b *testing.B) {
			var pay Payment
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := i % len(sb.recs)
				v.calc.Compute(&sb.recs[k], &sb.res[k], grouper.SchemeDRG, &pay)
				i++
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// sampleBatch is a few hundred records built from whatever codes the
// grouper's sample rule set lists (it changes while the sample is being
// rewritten), grouped once, with a weight table and a policy whose lists
// name codes of those records so that the adjustments really fire.
type sampleBatch struct {
	g    *grouper.Grouper
	recs []record.Record
	res  []grouper.Result
	calc *Calculator
}

func newSampleBatch(tb testing.TB, n int) *sampleBatch {
	tb.Helper()
	rs, err := grouper.Sample()
	if err != nil {
		tb.Fatalf("grouper.Sample: %v", err)
	}
	g, err := grouper.Compile(rs)
	if err != nil {
		tb.Fatalf("grouper.Compile: %v", err)
	}
	var dx, proc []string
	for _, l := range rs.Lists {
		switch l.System {
		case codes.SystemDiagnosis:
			dx = append(dx, l.Code)
		case codes.SystemProcedure:
			proc = append(proc, l.Code)
		}
	}
	slices.Sort(dx)
	dx = slices.Compact(dx)
	slices.Sort(proc)
	proc = slices.Compact(proc)
	if len(dx) == 0 {
		tb.Skip("the sample rule set lists no diagnoses")
	}
	tcm := g.TCMMap().Rows()
	rng := rand.New(rand.NewPCG(2025, 1))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	sb := &sampleBatch{g: g, recs: make([]record.Record, n), res: make([]grouper.Result, n)}
	for i := range sb.recs {
		r := &sb.recs[i]
		*r = record.Record{ID: fmt.Sprint(i), HospitalID: fmt.Sprintf("H%d", rng.IntN(20)), HospitalLevel: int8(1 + rng.IntN(3)),
			HospitalKind: []string{"general", "general", "tcm"}[rng.IntN(3)], Sex: int8(1 + rng.IntN(2)),
			AgeYears: int16(18 + rng.IntN(70)), LOSDays: int32(1 + rng.IntN(20)), DischargeMethod: 1,
			TotalCost: float64(2000 + rng.IntN(60000)), DayWard: rng.IntN(10) == 0}
		r.TCMCost = r.TotalCost * rng.Float64() * 0.6
		if len(tcm) > 0 && rng.IntN(5) == 0 {
			m := tcm[rng.IntN(len(tcm))]
			r.TCMPrincipalDx, r.TCMSyndrome = m.Disease, m.Syndrome
		} else {
			r.PrincipalDx = pick(dx)
		}
		for range rng.IntN(4) {
			r.SecondaryDx = append(r.SecondaryDx, pick(dx))
		}
		if len(proc) > 0 {
			for range rng.IntN(3) {
				r.Procedures = append(r.Procedures, pick(proc))
			}
		}
		sb.res[i] = g.Group(r)
	}

	// Weights for every DRG of the rule set and every group the batch reached.
	var groups []string
	for _, d := range rs.DRGs {
		groups = append(groups, d.Code)
	}
	for _, res := range sb.res {
		if res.DRG != "" && res.DRG != grouper.Ungroupable {
			groups = append(groups, res.DRG)
		}
	}
	slices.Sort(groups)
	groups = slices.Compact(groups)
	if len(groups) == 0 {
		tb.Skip("the sample rule set has no DRGs")
	}
	var tsv strings.Builder
	tsv.WriteString("scheme\tgroup\tweight\n")
	for _, gc := range groups {
		fmt.Fprintf(&tsv, "drg\t%s\t%.4f\n", gc, 0.3+rng.Float64()*3)
	}

	// A policy naming codes the batch uses.
	var cats []string
	for _, d := range dx {
		if len(d) >= 3 {
			cats = append(cats, d[:3])
		}
	}
	slices.Sort(cats)
	cats = slices.Compact(cats)
	var lists strings.Builder
	entry := func(list string, k int, body string) {
		if k > 0 {
			lists.WriteString(", ")
		}
		lists.WriteString(body)
	}
	lists.WriteString(`"tcm_advantaged": [`)
	k := 0
	for i := 0; i < len(cats) && k < 6; i += 3 {
		entry("tcm_advantaged", k, fmt.Sprintf(`{"code": %q, "min_tcm_share": 0.3, "factor": 1.1}`, cats[i]))
		k++
	}
	seen := map[string]bool{}
	for _, m := range tcm {
		if !seen[m.Disease] && len(seen) < 4 {
			seen[m.Disease] = true
			entry("tcm_advantaged", k, fmt.Sprintf(`{"code": %q, "system": "tcm", "factor": 1.05}`, m.Disease))
			k++
		}
	}
	lists.WriteString(`], "tcm_day_ward": [`)
	k = 0
	for i := 1; i < len(cats) && k < 4; i += 4 {
		entry("tcm_day_ward", k, fmt.Sprintf(`{"code": %q, "factor": 0.9, "exempt_low_outlier": %v}`, cats[i], k%2 == 0))
		k++
	}
	lists.WriteString(`], "tcm_fixed_price": [`)
	entry("tcm_fixed_price", 0, fmt.Sprintf(`{"code": %q, "price": 6800}`, cats[len(cats)-1]))
	lists.WriteString(`]`)
	var sameLevel []string
	for i := 0; i < len(groups) && len(sameLevel) < 5; i += 7 {
		sameLevel = append(sameLevel, fmt.Sprintf("%q", groups[i]))
	}
	same := fmt.Sprintf(`"same_efficacy": [{"code": %q, "tcm_only": true, "pay_as_group": %q}]`, cats[len(cats)/2], groups[len(groups)/2])
	js := `{"policy_version": 1, "region": "BENCH", "valid_from": "2025-01-01", "default_level": 2,
	  "drg": {"rate": 10000, "level_coefficients": {"1": 0.75, "2": 1.02, "3": 1.2},
	    "same_level_groups": [` + strings.Join(sameLevel, ", ") + `], "same_level_coefficient": 1.02,
	    "outliers": {"high": {"bands": [{"up_to": 1, "k": 3}, {"over": 1, "up_to": 2, "k": 2.5}, {"over": 2, "k": 2}], "ratio": 0.9},
	                 "low": {"k": 0.4}}, ` + same + `},
	  "kind_coefficients": {"tcm": 1.05}, "tcm_treated_share": 0.3, ` + lists.String() + `}`
	sb.calc = mustCalc(tb, mustPolicy(tb, js), mustTable(tb, tsv.String()))
	return sb
}

// BenchmarkGroupVsCompute compares grouping alone with grouping followed by
// weighting and payment, on records built from the grouper's sample rule
// set. Each iteration runs the whole batch both ways (alternating which goes
// first); ratio = (Group + Compute) / Group in thread CPU time, target < 1.2.
func BenchmarkGroupVsCompute(b *testing.B) {
	const n = 300
	sb := newSampleBatch(b, n)
	var pay Payment
	var adjusted, paid int
	for i := range sb.recs {
		sb.calc.Compute(&sb.recs[i], &sb.res[i], grouper.SchemeDRG, &pay)
		if pay.NumAdjustments > 0 && pay.Reason == "" {
			adjusted++
		}
		if pay.Reason == "" {
			paid++
		}
	}
	// Bound to the grouper, as every caller (batch, pricer, service) uses it.
	calc := sb.calc.Bind(sb.g)
	groupOnly := func() {
		for i := range sb.recs {
			sb.res[i] = sb.g.Group(&sb.recs[i])
		}
	}
	groupPay := func() {
		for i := range sb.recs {
			res := sb.g.Group(&sb.recs[i])
			calc.Compute(&sb.recs[i], &res, grouper.SchemeDRG, &pay)
		}
	}
	// Each pass is timed in thread CPU time (the goroutine is locked to its
	// thread), so that other processes on a busy machine do not distort the
	// ratio; wall time is reported as well.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var tGroup, tBoth time.Duration
	passes := 0
	b.ReportAllocs()
	for b.Loop() {
		if passes%2 == 0 {
			t0 := threadCPU()
			groupOnly()
			t1 := threadCPU()
			groupPay()
			t2 := threadCPU()
			tGroup, tBoth = tGroup+t1-t0, tBoth+t2-t1
		} else {
			t0 := threadCPU()
			groupPay()
			t1 := threadCPU()
			groupOnly()
			t2 := threadCPU()
			tBoth, tGroup = tBoth+t1-t0, tGroup+t2-t1
		}
		passes++
	}
	recs := float64(passes * n)
	b.ReportMetric(float64(tGroup.Nanoseconds())/recs, "group-cpu-ns/record")
	b.ReportMetric(float64(tBoth.Nanoseconds())/recs, "group+pay-cpu-ns/record")
	b.ReportMetric(float64(tBoth-tGroup)/recs, "pay-cpu-ns/record")
	b.ReportMetric(float64(tBoth)/float64(tGroup), "ratio")
	b.ReportMetric(recs/tBoth.Seconds(), "records/cpu-s")
	b.ReportMetric(float64(paid)/n, "paid-share")
	b.ReportMetric(float64(adjusted)/n, "adjusted-share")
}

// BenchmarkSettlement measures Add and then Close (every case in a slice)
// or Settle (cases streamed) over a year-like batch; bytes/case is the heap
// the batch ends up holding.
func BenchmarkSettlement(b *testing.B) {
	calc := mustCalc(b, mustPolicy(b, testPolicy), mustTable(b, testTable))
	cases := computeCases()
	pays := make([]Payment, len(cases))
	for i, c := range cases {
		calc.Compute(c.rec, c.res, c.s, &pays[i])
	}
	// One settlement pools one scheme (ErrMixedSchemes); settle the DRG cases.
	pays = slices.DeleteFunc(pays, func(p Payment) bool { return p.Scheme != grouper.SchemeDRG })
	hospitals := make([]string, 300)
	for i := range hospitals {
		hospitals[i] = fmt.Sprintf("H%05d", i)
	}
	for _, n := range []int{1000, 1000000} {
		for _, stream := range []bool{false, true} {
			name := fmt.Sprintf("%d/Close", n)
			if stream {
				name = fmt.Sprintf("%d/Settle", n)
			}
			b.Run(name, func(b *testing.B) {
				budget := 10000 * float64(n)
				run := func() (*Settlement, SettlementReport) {
					st := NewSettlement()
					for i := range n {
						st.Add(hospitals[i%len(hospitals)], &pays[i%len(pays)])
					}
					if !stream {
						return st, st.Close(budget)
					}
					var settled float64
					rep, _ := st.Settle(budget, func(_ int, c *SettledCase) error { settled += c.Settled; return nil })
					return st, rep
				}
				// Heap held at the end, measured once outside the timing.
				var m0, m1 runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m0)
				st, rep := run()
				runtime.GC()
				runtime.ReadMemStats(&m1)
				if rep.Err != nil {
					b.Fatal(rep.Err)
				}
				held := float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc)) / float64(n)
				runtime.KeepAlive(st)
				runtime.KeepAlive(rep)
				b.ReportAllocs()
				for b.Loop() {
					run()
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
				b.ReportMetric(held, "bytes/case")
			})
		}
	}
}
