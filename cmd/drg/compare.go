package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/medpay/drg/grouper/batch"
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
