package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"text/tabwriter"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/grouper/report"
	"github.com/medpay/drg/weights"
)

func pct(a, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(a)/float64(n))
}

// printComparison prints a batch.Comparison's report: agreement by
// expected MDC, then the first disagreements with their traces.
func printComparison(w io.Writer, rep batch.ComparisonReport) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "expected MDC\trecords\tMDC agree\tADRG agree\tDRG agree\t")
	rows := append(rep.ByMDC, batch.MDCAgreement{MDC: "all", Agreement: rep.Total})
	for _, r := range rows {
		a := r.Agreement
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t\n", r.MDC, a.Records, pct(a.MDC, a.Records), pct(a.ADRG, a.Records), pct(a.DRG, a.Records))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d disagreement(s) on DRG", rep.Disagreements)
	if len(rep.Shown) > 0 {
		fmt.Fprintf(w, "; the first %d:\n", len(rep.Shown))
	} else {
		fmt.Fprintln(w)
	}
	for _, d := range rep.Shown {
		fmt.Fprintf(w, "record %s (line %d): expected %s, got %s %s %s\n%s\n", d.ID, d.Line, d.Expected, d.DRG, d.Status, d.Reason, d.Trace)
	}
}

// compareCmd is drg compare: a version migration report.
func compareCmd(ctx context.Context, e *env, args []string) error {
	c := &command{name: "compare", usage: "FILE... --from RULES --to RULES [--out PAIRS] [flags]", summary: "Group each record under two rule sets (e.g. --from chs-drg-1.1 --to chs-drg-2.0) and print what the\nswitch does: the share of records whose MDC, ADRG and DRG are unchanged, the records that become or stop\nbeing QY or 0000, the top DRG transitions, and, when both sides are priced (each rule set's weights under\n--policy, or price lists with --from-prices and --to-prices), the CMI and payment per hospital and per old\nMDC. --out writes one row per record with both groupings, both payments and both traces in short form;\n--transitions the whole from-DRG -> to-DRG table."}
	fl := newFlags(e, c)
	from := fl.String("from", "", "the rule set switched from: a stored NAME, NAME@REVISION, NAME@YYYY-MM-DD or a directory of tables (required)")
	to := fl.String("to", "", "the rule set switched to, as --from (required)")
	out := fl.String("out", "", "write the per-record pairs here as CSV (.zst compresses); '-' is standard output")
	transitions := fl.String("transitions", "", "write every from-DRG -> to-DRG transition with its count here as CSV")
	rejects := fl.String("rejects", "", "file for rejected records with line, id, field and reason (default: only counted)")
	top := fl.Int("top", 20, "how many of the largest DRG transitions to print")
	policy := fl.String("policy", "sample", "payment policy JSON file, or 'sample', to price both sides when both rule sets have a weights table")
	fromPrices := fl.String("from-prices", "", "price list from the store for the --from side (drg prices import), in place of its weights table and --policy")
	toPrices := fl.String("to-prices", "", "price list from the store for the --to side")
	noPayment := fl.Bool("no-payment", false, "do not price either side")
	workers := fl.Int("workers", runtime.GOMAXPROCS(0), "grouping goroutines for the new side (the old side is grouped as results come in); the report is identical for any value")
	var rf reportFlags
	rf.register(fl, "report")
	var columns string
	registerColumnsFlag(fl, &columns)
	var sf storeFlags
	registerStoreFlags(fl, &sf.dir, &sf.wait)
	sf.stderr = e.stderr
	files, err := parseFlags(e, fl, args)
	if err != nil {
		return err
	}
	if err := rf.parse(); err != nil {
		return err
	}
	if *from == "" || *to == "" || len(files) == 0 {
		fl.Usage()
		return errUsage
	}
	if err := batch.CheckOutputs(files, *out, *transitions, *rejects, rf.html, rf.summaryJSON); err != nil {
		return err
	}
	colMap, err := readColumnMap(columns)
	if err != nil {
		return err
	}
	var side [2]batch.Version
	for i, ref := range []string{*from, *to} {
		if err := checkRulesRef(ref); err != nil {
			return err
		}
		g, err := loadGrouper(ref, sf)
		if err != nil {
			return err
		}
		side[i].Grouper = g
		if prices := []string{*fromPrices, *toPrices}[i]; prices != "" && !*noPayment {
			if side[i].Payment, err = loadPrices(prices, sf, g.RuleSet()); err != nil {
				return err
			}
			side[i].Payment = side[i].Payment.UnpaidOutsidePeriod()
		} else if !*noPayment {
			if side[i].Payment, err = paymentCalculator(g.RuleSet(), *policy); err != nil {
				return err
			}
			// A comparison keeps every record: one outside the policy's
			// period is grouped on both sides and left unpaid.
			if side[i].Payment != nil {
				side[i].Payment = side[i].Payment.UnpaidOutsidePeriod()
			}
		}
	}
	if (side[0].Payment == nil) != (side[1].Payment == nil) {
		// One side alone priced compares nothing: say so rather than
		// print payments for half of the pair.
		side[0].Payment, side[1].Payment = nil, nil
		fmt.Fprintf(e.stderr, "drg compare: only one rule set has a weights table; comparing groups without payments\n")
	}
	m := batch.NewMigration(side[0])
	pairs, err := batch.CreateOutput(*out, outputOptions(e))
	if err != nil {
		return err
	}
	defer pairs.Abort()
	if *out != "" {
		if err := m.SetPairs(pairs); err != nil {
			return err
		}
	}
	job := batch.Job{Inputs: files, Rejects: *rejects, Output: outputOptions(e), Stdin: e.stdin,
		Read: record.Options{Encoding: "auto", ColumnNames: colMap},
		Options: batch.Options{Workers: *workers, Scheme: grouper.SchemeDRG, Payment: side[1].Payment,
			Explain: *out != "", OnResult: m.Add}}
	// The report shows the new side's run beside the migration.
	agg := report.NewAggregator(report.Options{Scheme: grouper.SchemeDRG, Names: side[1].Grouper})
	job.Options.OnResult = func(rec *record.Record, res *grouper.Result, pay *weights.Payment) {
		m.Add(rec, res, pay)
		agg.Add(rec, res, pay)
	}
	job.Options.OnReject = func(e *record.Error) { agg.Reject(e.Reason()) }
	if *rejects == "" {
		job.Rejects = ""
	}
	st, err := job.Run(ctx, side[1].Grouper)
	if err != nil {
		return err
	}
	rep, err := m.Report()
	if err != nil {
		return err
	}
	if err := pairs.Commit(); err != nil {
		return err
	}
	if *transitions != "" {
		if err := writeTransitions(e, *transitions, rep.Transitions); err != nil {
			return err
		}
	}
	w := e.stdout
	if *out == "-" {
		w = e.stderr // standard output holds the pairs
	}
	printMigration(w, side[0].Grouper, side[1].Grouper, rep, st, *top)
	// The new side's warnings, and --strict, hold whether or not a report
	// is written (found in review).
	sum := agg.Summary(rf.thresholds())
	name := func(v batch.Version) string { return v.Grouper.RuleSet().Name + " " + v.Grouper.RuleSet().Version }
	unknown := st.UnknownCodes
	sum.Counts.UnknownCodes = &unknown
	sum.RuleSet, sum.Inputs = name(side[1]), files
	sum.Migration = report.FromMigration(name(side[0]), name(side[1]), &rep, max(*top, 50))
	sum.Warnings = report.Check(sum, rf.thresholds())
	if err := rf.write(e, sum); err != nil {
		return err
	}
	return rf.warn(e, "compare", sum)
}

// writeTransitions writes the whole transition table as CSV.
func writeTransitions(e *env, path string, ts []batch.Transition) error {
	o, err := batch.CreateOutput(path, outputOptions(e))
	if err != nil {
		return err
	}
	defer o.Abort()
	w := csv.NewWriter(o)
	w.Write([]string{"from_drg", "to_drg", "records", "changed"})
	for _, t := range ts {
		changed := "0"
		if t.From != t.To {
			changed = "1"
		}
		w.Write([]string{t.From, t.To, strconv.Itoa(t.Records), changed})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return o.Commit()
}

// printMigration prints a MigrationReport for a reader at a terminal.
func printMigration(w io.Writer, from, to *grouper.Grouper, rep batch.MigrationReport, st batch.Stats, top int) {
	name := func(g *grouper.Grouper) string { return g.RuleSet().Name + " " + g.RuleSet().Version }
	n := rep.Records
	fmt.Fprintf(w, "migration   %s -> %s: %d records compared, %d rejected\n", name(from), name(to), n, st.Rejected)
	fmt.Fprintf(w, "unchanged   MDC %s   ADRG %s   DRG %s\n", pct(rep.SameMDC, n), pct(rep.SameADRG, n), pct(rep.SameDRG, n))
	fmt.Fprintf(w, "QY          %d become QY, %d stop being QY\n", rep.BecameQY, rep.LeftQY)
	fmt.Fprintf(w, "0000        %d become 0000, %d stop being 0000\n", rep.BecameUngroupable, rep.LeftUngroupable)
	movers := rep.Movers()
	fmt.Fprintf(w, "\n%d records change DRG, in %d transitions; the largest:\n", n-rep.SameDRG, len(movers))
	fromCount := map[string]int{}
	for _, t := range rep.Transitions {
		fromCount[t.From] += t.Records
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "from\tto\trecords\tof from\tfrom name\tto name")
	for i, t := range movers {
		if i == top {
			break
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", t.From, t.To, t.Records, pct(t.Records, fromCount[t.From]), from.Name(t.From), to.Name(t.To))
	}
	tw.Flush()
	if !rep.Priced {
		return
	}
	for _, part := range []struct {
		title string
		rows  []batch.PriceChange
	}{{"hospital", rep.ByHospital}, {"old MDC", rep.ByMDC}} {
		fmt.Fprintf(w, "\nper %s: CMI and payment (yuan) before and after\n", part.title)
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%s\trecords\tCMI before\tCMI after\tpaid before\tpaid after\tchange\t\n", part.title)
		for _, p := range append(part.rows, rep.Total) {
			key := p.Key
			if key == "" {
				key = "(none)"
			}
			fmt.Fprintf(tw, "%s\t%d\t%.4f\t%.4f\t%.2f\t%.2f\t%s\t\n", key, p.Records, p.FromCMI(), p.ToCMI(), p.FromAmount, p.ToAmount, change(p.FromAmount, p.ToAmount))
		}
		tw.Flush()
	}
}

// change is the relative change from a to b, "-" from 0.
func change(a, b float64) string {
	if a == 0 {
		return "-"
	}
	return fmt.Sprintf("%+.2f%%", 100*(b-a)/a)
}
