package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

const settleUsage = "FILE... {--budget YUAN | --budget-drg YUAN --budget-dip YUAN} [--cases FILE]"

func settleCmd(ctx context.Context, e *env, args []string) error {
	c := &command{name: "settle", usage: settleUsage, summary: "Settle a year of grouped and priced cases (the output of 'drg group' with payment columns):\nfixed-price cases are paid their price, the rest of the budget is shared in proportion to each\ncase's settlement points, so point value = pool / total points and the settled amounts add up to\nthe budget to the cent. Prints the point value, per-hospital totals and the case-mix index (CMI).\n\nOne budget (--budget) is one pool, for cases of one scheme (the pay_scheme column): DRG points\nand DIP scores are not one unit. Files with DRG and DIP cases are refused unless each scheme has\nits own budget, --budget-drg and --budget-dip: each is then settled as its own pool, with its own\npoint value, and adds up to its own budget."}
	fl := newFlags(e, c)
	budget := fl.Float64("budget", 0, "fund budget for the period, in `YUAN`: one pool, for files whose cases are all of one scheme")
	budgetDRG := fl.Float64("budget-drg", 0, "budget in `YUAN` of the DRG cases' own pool (instead of --budget, with --budget-dip when the files hold DRG and DIP cases)")
	budgetDIP := fl.Float64("budget-dip", 0, "budget in `YUAN` of the DIP cases' own pool (instead of --budget, with --budget-drg when the files hold DRG and DIP cases)")
	casesOut := fl.String("cases", "", "also write every case's settled amount to this CSV file, its pool in the last column, pay_scheme (.zst allowed; '-' = standard output, and the summary then goes to standard error); the file appears only when the settlement succeeds")
	files, err := parseFlags(e, fl, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fl.Visit(func(f *flag.Flag) { set[f.Name] = true })
	usage := func(format string, a ...any) error {
		fmt.Fprintf(fl.Output(), "drg settle: "+format+"\n", a...)
		fl.Usage()
		return errUsage
	}
	switch {
	case len(files) == 0:
		return usage("no input FILE: give the output of 'drg group' with payments")
	case !set["budget"] && !set["budget-drg"] && !set["budget-dip"]:
		return usage("no budget: give --budget YUAN, or, for files of both schemes, --budget-drg YUAN and --budget-dip YUAN")
	case set["budget"] && (set["budget-drg"] || set["budget-dip"]):
		return usage("--budget is one pool, --budget-drg and --budget-dip one pool per scheme: give one or the other")
	}
	// A budget of 0 (or NaN, which no comparison catches) would settle every
	// case at 0, or fail later with a reason about the pool, not the flag.
	for _, f := range []struct {
		name string
		v    float64
	}{{"budget", *budget}, {"budget-drg", *budgetDRG}, {"budget-dip", *budgetDIP}} {
		if set[f.name] && (!(f.v > 0) || math.IsInf(f.v, 0)) {
			return usage("--%s must be a positive amount in yuan, got %s", f.name, strconv.FormatFloat(f.v, 'f', -1, 64))
		}
	}
	if err := checkOutputs(files, *casesOut); err != nil {
		return err
	}
	s := weights.NewSettlement()
	// The case ids, for --cases, back to back in one buffer: a year of
	// cases costs a few bytes each, not a string each.
	var idText []byte
	var idEnd []int
	// A case given twice (a file named twice, overlapping monthly files)
	// would take two shares of the pool: refuse it, as drg group refuses a
	// repeated id.
	ids := batch.NewIDSet(batch.Options{})
	defer ids.Close()
	counts := make([]schemeCount, len(files))
	for i, path := range files {
		counts[i].path = path
		if err := readPriced(path, ids, func(id, hospital string, p *weights.Payment) {
			s.Add(hospital, p)
			counts[i].n[p.Scheme]++
			if *casesOut != "" {
				idText = append(idText, id...)
				idEnd = append(idEnd, len(idText))
			}
		}); err != nil {
			return err
		}
	}
	var total [grouper.SchemeDIP + 1]int
	for _, fc := range counts {
		total[grouper.SchemeDRG] += fc.n[grouper.SchemeDRG]
		total[grouper.SchemeDIP] += fc.n[grouper.SchemeDIP]
	}
	var run func(each func(int, *weights.SettledCase) error) ([]weights.SettlementReport, error)
	if set["budget"] {
		// One pool: one scheme. With both, one point value would pay the
		// DIP cases by DRG points or the other way round (once, the first
		// case's scheme took the whole budget and the rest settled at 0).
		if total[grouper.SchemeDRG] > 0 && total[grouper.SchemeDIP] > 0 {
			return fmt.Errorf("%s: one settlement pools one scheme; settle them apart, or give a budget per scheme with --budget-drg and --budget-dip", describeCounts(counts))
		}
		run = func(each func(int, *weights.SettledCase) error) ([]weights.SettlementReport, error) {
			r, err := s.Settle(*budget, each)
			return []weights.SettlementReport{r}, err
		}
	} else {
		budgets := map[grouper.Scheme]float64{}
		for _, b := range []struct {
			scheme grouper.Scheme
			v      float64
		}{{grouper.SchemeDRG, *budgetDRG}, {grouper.SchemeDIP, *budgetDIP}} {
			name, given := strings.ToUpper(b.scheme.String()), set["budget-"+b.scheme.String()]
			switch {
			case total[b.scheme] > 0 && !given:
				return fmt.Errorf("%s: the %s cases have no budget: give --budget-%s too, or settle them apart", describeCounts(counts), name, b.scheme)
			case total[b.scheme] == 0 && given:
				return fmt.Errorf("%s: --budget-%s given, but there is no %s case to share it", describeCounts(counts), b.scheme, name)
			case given:
				budgets[b.scheme] = b.v
			}
		}
		run = func(each func(int, *weights.SettledCase) error) ([]weights.SettlementReport, error) {
			return s.SettlePools(budgets, each)
		}
	}
	reps, err := settle(e, run, *casesOut, idText, idEnd)
	if err != nil {
		return err
	}
	out := e.stdout
	if *casesOut == "-" {
		out = e.stderr // standard output holds the cases CSV
	}
	for i, r := range reps {
		if i > 0 {
			fmt.Fprintln(out)
		}
		if err := printSettlement(out, &r); err != nil {
			return err
		}
	}
	if len(reps) > 1 {
		var sum float64
		parts := make([]string, len(reps))
		for i, r := range reps {
			sum += r.Settled
			parts[i] = fmt.Sprintf("%s %.2f", r.Scheme, r.Settled)
		}
		fmt.Fprintf(out, "\nsettled %.2f in all (%s)\n", sum, strings.Join(parts, " + "))
	}
	return nil
}

// schemeCount is how many cases of each scheme one input file holds.
type schemeCount struct {
	path string
	n    [grouper.SchemeDIP + 1]int // by grouper.Scheme
}

// describeCounts lists each input's cases by scheme, for the errors about
// schemes: "a.csv: 4 DIP cases; b.csv: 332 DRG cases".
func describeCounts(counts []schemeCount) string {
	var b strings.Builder
	for _, fc := range counts {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(fc.path)
		b.WriteString(": ")
		sep := ""
		for _, sc := range []grouper.Scheme{grouper.SchemeDRG, grouper.SchemeDIP} {
			if n := fc.n[sc]; n > 0 {
				fmt.Fprintf(&b, "%s%d %s case%s", sep, n, strings.ToUpper(sc.String()), plural(n))
				sep = ", "
			}
		}
		if sep == "" {
			b.WriteString("no case")
		}
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// printSettlement prints one pool's report: its totals, its point value and
// a line per hospital.
func printSettlement(out io.Writer, r *weights.SettlementReport) error {
	fmt.Fprintf(out, "scheme %s, budget %.2f, fixed-price %.2f, pool %.2f, total points %.4f\n", r.Scheme, r.Budget, r.FixedAmount, r.Pool, r.TotalPoints)
	pv := r.PointValue
	if r.Scheme == grouper.SchemeDRG {
		fmt.Fprintf(out, "point value %.6f yuan per point (year-end base rate %.2f), settled %.2f, CMI %.4f, skipped %d\n\n", pv, pv*100, r.Settled, r.CMI, r.Skipped)
	} else {
		fmt.Fprintf(out, "point value %.6f yuan per point, settled %.2f, skipped %d\n\n", pv, r.Settled, r.Skipped)
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "hospital\tcases\tskipped\tpoints\tcomputed\tsettled\tCMI\t")
	for _, h := range r.Hospitals {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.4f\t\n", h.HospitalID, h.Cases, h.Skipped, h.Points, h.Computed, h.Amount, h.CMI)
	}
	return tw.Flush()
}

// settle runs the settlement, writing every case to casesOut (unless "") as
// it goes, with ids[i] = idText[idEnd[i-1]:idEnd[i]]. The file appears only
// when the whole settlement succeeds: when a budget cannot be shared, or
// the file cannot be written, nothing is left under its name.
func settle(e *env, run func(each func(int, *weights.SettledCase) error) ([]weights.SettlementReport, error), casesOut string, idText []byte, idEnd []int) ([]weights.SettlementReport, error) {
	if casesOut == "" {
		reps, err := run(nil)
		if err == nil {
			err = reportsErr(reps)
		}
		return reps, err
	}
	w, err := createOutputFile(e, casesOut)
	if err != nil {
		return nil, err
	}
	defer w.abort()
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "hospital_id", "group", "status", "points", "settlement_points", "computed", "settled", "pay_scheme"})
	f := func(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
	row := make([]string, 9)
	reps, err := run(func(i int, cs *weights.SettledCase) error {
		from := 0
		if i > 0 {
			from = idEnd[i-1]
		}
		row[0], row[1], row[2], row[3] = string(idText[from:idEnd[i]]), cs.HospitalID, cs.Group, cs.Status.String()
		row[4], row[5], row[6], row[7] = f(cs.Points, 4), f(cs.SettlementPoints, 6), f(cs.Computed, 2), f(cs.Settled, 2)
		row[8] = cs.Scheme.String()
		return cw.Write(row)
	})
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil {
		return reps, fmt.Errorf("%s: %w", casesOut, err)
	}
	if err := reportsErr(reps); err != nil {
		return reps, err
	}
	return reps, w.commit()
}

// reportsErr is the first pool's error, naming the pool when there are
// several.
func reportsErr(reps []weights.SettlementReport) error {
	for _, r := range reps {
		if r.Err == nil {
			continue
		}
		if len(reps) > 1 {
			return fmt.Errorf("%s pool: %w", r.Scheme, r.Err)
		}
		return r.Err
	}
	return nil
}

// readPriced reads a grouped file's payment columns (weights.ReadPriced).
// A case id that ids has seen, in this file or an earlier one, is an error,
// and so is a value drg group never writes: each names path:line and the
// column.
func readPriced(path string, ids *record.IDSet, fn func(id, hospital string, p *weights.Payment)) error {
	f, err := record.OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	opts := weights.PricedOptions{IDs: ids}
	if record.FormatOf(path) == record.FormatTSV {
		opts.Comma = '\t'
	} else if record.FormatOf(path) == record.FormatJSONL {
		return fmt.Errorf("%s: settle reads CSV or TSV output of 'drg group', not JSON lines", path)
	}
	return weights.ReadPriced(f, path, opts, func(c *weights.PricedCase) error {
		fn(c.ID, c.HospitalID, &c.Payment)
		return nil
	})
}
