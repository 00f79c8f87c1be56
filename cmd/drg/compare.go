package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

// comparison tallies our DRGs against an expected column, as bureaus do to
// validate a new grouper version against their old one.
type comparison struct {
	g     *grouper.Grouper
	show  int
	byMDC map[string]*agreement
	total agreement
	shown []string
	given int // records with a non-blank expected value
}

type agreement struct{ n, mdc, adrg, drg int }

func newComparison(g *grouper.Grouper, show int) *comparison {
	return &comparison{g: g, show: show, byMDC: map[string]*agreement{}}
}

func (c *comparison) columns() []batch.Column {
	return []batch.Column{
		{Name: "expected", Append: func(dst []byte, rec *record.Record, res *grouper.Result) []byte {
			return append(dst, expected(rec)...)
		}},
		{Name: "agree", Append: func(dst []byte, rec *record.Record, res *grouper.Result) []byte {
			if expected(rec) == res.DRG {
				return append(dst, '1')
			}
			return append(dst, '0')
		}},
	}
}

func expected(rec *record.Record) string {
	if len(rec.Extra) == 0 {
		return ""
	}
	return strings.TrimSpace(rec.Extra[0])
}

// add is called in input order by the pipeline.
func (c *comparison) add(rec *record.Record, res *grouper.Result, _ *weights.Payment) {
	want := expected(rec)
	if want != "" {
		c.given++
	}
	key := "-"
	if want != grouper.Ungroupable && want != "" {
		key = want[:1]
	}
	a := c.byMDC[key]
	if a == nil {
		a = &agreement{}
		c.byMDC[key] = a
	}
	for _, t := range []*agreement{a, &c.total} {
		t.n++
		if want == res.DRG {
			t.drg++
		}
		if (want == grouper.Ungroupable && res.DRG == grouper.Ungroupable) || (len(want) >= 3 && want[:3] == res.ADRG) {
			t.adrg++
		}
		if (want == grouper.Ungroupable && res.MDC == "") || (len(want) >= 1 && want[:1] == res.MDC) {
			t.mdc++
		}
	}
	if want != res.DRG && len(c.shown) < c.show {
		ex := c.g.Explain(rec)
		c.shown = append(c.shown, fmt.Sprintf("record %s (line %d): expected %s, got %s %s %s\n%s", rec.ID, rec.Line, want, res.DRG, res.Status, res.Reason, ex.Trace))
	}
}

// check fails when records were compared but none had an expected value:
// a misspelled JSON key, which cannot be checked before reading, or an
// empty column. Agreement figures would be 0% and mean nothing.
func (c *comparison) check(column string) error {
	if c.total.n > 0 && c.given == 0 {
		return fmt.Errorf("none of the %d records has a value in column %q to compare with (misspelled?)", c.total.n, column)
	}
	return nil
}

func pct(a, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(a)/float64(n))
}

func (c *comparison) report(w io.Writer) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "expected MDC\trecords\tMDC agree\tADRG agree\tDRG agree\t")
	keys := make([]string, 0, len(c.byMDC))
	for k := range c.byMDC {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range append(keys, "all") {
		a := c.byMDC[k]
		if k == "all" {
			a = &c.total
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t\n", k, a.n, pct(a.mdc, a.n), pct(a.adrg, a.n), pct(a.drg, a.n))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d disagreement(s) on DRG", c.total.n-c.total.drg)
	if len(c.shown) > 0 {
		fmt.Fprintf(w, "; the first %d:\n", len(c.shown))
	} else {
		fmt.Fprintln(w)
	}
	for _, s := range c.shown {
		fmt.Fprintln(w, s)
	}
}
