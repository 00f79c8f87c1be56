package batch

import (
	"fmt"
	"sort"
	"strings"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

// Comparison tallies the DRGs of a run against the expected DRG that each
// input record carries in a column, as bureaus do to validate a new grouper
// version against their old one: agreement on MDC, ADRG and DRG, by the
// expected MDC, and the first disagreements with our trace.
//
// The expected value is the record's first kept column: read the inputs
// with record.Options.KeepColumns = []string{c.Column()}. Columns adds
// the expected and agree output columns, and Add, given as
// Options.OnResult, tallies; Report returns the tally. A Comparison is not
// safe for concurrent use (OnResult is called from one goroutine).
//
//	c := batch.NewComparison(g, "peer_drg", 10)
//	opts := batch.Options{Columns: c.Columns(), OnResult: c.Add}
//	// ... batch.Run over inputs read with KeepColumns: []string{"peer_drg"}
//	rep := c.Report()
type Comparison struct {
	g      *grouper.Grouper
	vs     Versions // set by ByDate: explain each record under its version
	column string
	show   int
	byMDC  map[string]*Agreement
	total  Agreement
	shown  []Disagreement
	given  int // records with a non-blank expected value
}

// Agreement counts compared records and those on which our MDC, ADRG and
// DRG agree with the expected DRG's. An expected 0000 agrees with an
// ungrouped record on every level.
type Agreement struct {
	Records, MDC, ADRG, DRG int
}

// MDCAgreement is the Agreement of the records whose expected DRG is in
// one MDC: MDC is its letter, or "-" for an expected 0000 or a blank.
type MDCAgreement struct {
	MDC string
	Agreement
}

// Disagreement is a record whose DRG is not the expected one.
type Disagreement struct {
	ID       string
	Line     int
	Expected string
	// DRG, Status and Reason are the run's result; Trace explains the
	// record's grouping under DRG (grouper.Grouper.Explain).
	DRG    string
	Status grouper.Status
	Reason string
	Trace  *grouper.Trace
}

// ComparisonReport is what a Comparison tallied.
type ComparisonReport struct {
	ByMDC         []MDCAgreement // sorted by MDC; "-" first
	Total         Agreement
	Disagreements int            // records whose DRG is not the expected one
	Shown         []Disagreement // the first of them, up to NewComparison's show
}

// NewComparison returns a Comparison of g's groups with the expected DRGs
// of column, keeping the first show disagreements with their traces.
func NewComparison(g *grouper.Grouper, column string, show int) *Comparison {
	return &Comparison{g: g, column: column, show: show, byMDC: map[string]*Agreement{}}
}

// ByDate makes the Comparison explain each disagreement under the version
// that grouped the record (Options.Versions), not the one it was made
// with.
func (c *Comparison) ByDate(vs Versions) { c.vs = vs }

// Column returns the name of the column of expected DRGs.
func (c *Comparison) Column() string { return c.column }

// Columns returns the output columns expected (the expected DRG) and agree
// (1 when our DRG is the expected one, else 0), for Options.Columns.
func (c *Comparison) Columns() []Column {
	return []Column{
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

// CheckInput refuses an input without the column, before it is read. A
// JSON lines input names its keys record by record and passes: Check
// catches a key no record has.
func (c *Comparison) CheckInput(rd *record.Reader) error {
	if rd.Format() == record.FormatJSONL {
		return nil
	}
	for _, col := range rd.Columns() {
		if strings.EqualFold(strings.TrimSpace(col), c.column) {
			return nil
		}
	}
	return fmt.Errorf("no column %q to compare with", c.column)
}

// Add tallies one grouped record; it has Options.OnResult's signature and
// must be called in input order.
func (c *Comparison) Add(rec *record.Record, res *grouper.Result, _ *weights.Payment) {
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
		a = &Agreement{}
		c.byMDC[strings.Clone(key)] = a // a record's text is not kept
	}
	for _, t := range []*Agreement{a, &c.total} {
		t.Records++
		if want == res.DRG {
			t.DRG++
		}
		if (want == grouper.Ungroupable && res.DRG == grouper.Ungroupable) || (len(want) >= 3 && want[:3] == res.ADRG) {
			t.ADRG++
		}
		if (want == grouper.Ungroupable && res.MDC == "") || (len(want) >= 1 && want[:1] == res.MDC) {
			t.MDC++
		}
	}
	if want != res.DRG && len(c.shown) < c.show {
		g := c.g
		if c.vs != nil {
			if i, ok := c.vs.ForDate(rec.DischargeDate); ok {
				g = c.vs[i].Grouper
			}
		}
		// Kept to the end of the run: copies, not slices of the chunk's
		// text, which they would keep alive (the trace names the codes).
		cp := rec.Clone()
		cloneStrings(&cp)
		ex := g.Explain(&cp)
		c.shown = append(c.shown, Disagreement{ID: strings.Clone(rec.ID), Line: rec.Line, Expected: strings.Clone(want),
			DRG: res.DRG, Status: res.Status, Reason: res.Reason, Trace: ex.Trace})
	}
}

// Check fails when records were compared but none had an expected value:
// a misspelled JSON key, which cannot be checked before reading, or an
// empty column. Agreement figures would be 0% and mean nothing.
func (c *Comparison) Check() error {
	if c.total.Records > 0 && c.given == 0 {
		return fmt.Errorf("none of the %d records has a value in column %q to compare with (misspelled?)", c.total.Records, c.column)
	}
	return nil
}

// Report returns the tally so far. Its slices are the caller's.
func (c *Comparison) Report() ComparisonReport {
	keys := make([]string, 0, len(c.byMDC))
	for k := range c.byMDC {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rep := ComparisonReport{Total: c.total, Disagreements: c.total.Records - c.total.DRG,
		ByMDC: make([]MDCAgreement, 0, len(keys)), Shown: append([]Disagreement(nil), c.shown...)}
	for _, k := range keys {
		rep.ByMDC = append(rep.ByMDC, MDCAgreement{MDC: k, Agreement: *c.byMDC[k]})
	}
	return rep
}

// cloneStrings gives rec's strings memory of their own.
func cloneStrings(rec *record.Record) {
	for _, s := range []*string{&rec.ID, &rec.HospitalID, &rec.HospitalKind, &rec.PrincipalDx, &rec.TCMPrincipalDx, &rec.TCMSyndrome} {
		*s = strings.Clone(*s)
	}
	for _, l := range [][]string{rec.SecondaryDx, rec.Procedures, rec.Extra} {
		for i := range l {
			l[i] = strings.Clone(l[i])
		}
	}
}
