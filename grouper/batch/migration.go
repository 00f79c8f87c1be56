package batch

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

// Migration shows what a switch of rule set does before a yuan is paid
// under it: each record of a run grouped under the new rule set (the
// run's) is also grouped under the old one (From), and Migration tallies
// the pairs: how many records keep their MDC, ADRG and DRG; every
// transition from an old DRG to a new one; the records that become or stop
// being QY or 0000; and, when both sides are priced, the CMI and payment
// per hospital and per old MDC. Bureaus do this by hand in spreadsheets
// when they change CHS-DRG versions.
//
// Add is Options.OnResult; with Pairs set, it writes one CSV row per
// record with both groupings and their traces' short form (set
// Options.Explain, so that the run's result carries the new trace). A
// Migration is not safe for concurrent use (OnResult is called from one
// goroutine); it groups under From there, serially.
//
//	m := batch.NewMigration(batch.Version{Grouper: old, Payment: oldCalc})
//	opts := batch.Options{Payment: newCalc, OnResult: m.Add}
//	// ... batch.Job{...}.Run(ctx, new)
//	rep, err := m.Report()
type Migration struct {
	from  Version
	pairs *csv.Writer
	tr    *grouper.Trace
	pay   weights.Payment
	row   []string
	err   error

	rep    MigrationReport
	trans  map[[2]string]int
	hosp   map[string]*PriceChange
	mdc    map[string]*PriceChange
	priced bool
}

// MigrationReport is what a Migration tallied.
type MigrationReport struct {
	Records                            int // records grouped under both
	SameMDC, SameADRG, SameDRG         int // records whose MDC, ADRG, DRG did not change
	BecameQY, LeftQY                   int // records QY under the new rule set only, the old only
	BecameUngroupable, LeftUngroupable int // records 0000 under the new rule set only, the old only
	// Transitions counts every (old DRG, new DRG) pair, unchanged pairs
	// included: most records first, then by old and new code.
	Transitions []Transition
	// Priced is set when both sides were priced; then ByHospital (by
	// hospital_id, "" for none) and ByMDC (by the old MDC, "-" for 0000)
	// hold the CMI and payments, and Total their sums.
	Priced     bool
	ByHospital []PriceChange
	ByMDC      []PriceChange
	Total      PriceChange
}

// Movers returns the transitions whose DRG changed, most records first.
func (r *MigrationReport) Movers() []Transition {
	var out []Transition
	for _, t := range r.Transitions {
		if t.From != t.To {
			out = append(out, t)
		}
	}
	return out
}

// Transition is the number of records grouped to From under the old rule
// set and to To under the new one.
type Transition struct {
	From, To string
	Records  int
}

// PriceChange sums one group of records' weights and payments on each
// side. A side counts a case only when it paid it (weights.Payment.Reason
// is blank): the CMI is the mean weight of the paid cases.
type PriceChange struct {
	Key                  string // hospital id or MDC letter
	Records              int    // records in the group
	FromCases, ToCases   int    // paid cases on each side
	FromWeight, ToWeight float64
	FromAmount, ToAmount float64 // yuan
}

// FromCMI is the old side's case-mix index, 0 without paid cases.
func (p PriceChange) FromCMI() float64 { return ratio(p.FromWeight, p.FromCases) }

// ToCMI is the new side's case-mix index, 0 without paid cases.
func (p PriceChange) ToCMI() float64 { return ratio(p.ToWeight, p.ToCases) }

func ratio(sum float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// NewMigration returns a Migration from the old version from: its
// Grouper, and its Payment when the old side is priced.
func NewMigration(from Version) *Migration {
	if from.Payment != nil && from.Grouper != nil {
		from.Payment = from.Payment.Bind(from.Grouper)
	}
	return &Migration{from: from, trans: map[[2]string]int{}, hosp: map[string]*PriceChange{}, mdc: map[string]*PriceChange{}}
}

// PairsHeader is the header of the pairs file (SetPairs).
var PairsHeader = []string{"id", "line", "from_mdc", "from_adrg", "from_drg", "from_status", "to_mdc", "to_adrg", "to_drg", "to_status",
	"changed", "from_amount", "to_amount", "from_trace", "to_trace"}

// SetPairs makes Add write each record's pair to w as CSV, under
// PairsHeader: both groupings, whether the DRG changed, both payments
// (blank when a side is not priced or did not pay) and both traces in
// short form (the new one blank unless the run's Options.Explain is set).
func (m *Migration) SetPairs(w io.Writer) error {
	m.pairs, m.tr = csv.NewWriter(w), new(grouper.Trace)
	return m.pairs.Write(PairsHeader)
}

// Add groups rec under the old rule set and tallies the pair with res and
// pay, the run's (new) result and payment: it is Options.OnResult.
func (m *Migration) Add(rec *record.Record, res *grouper.Result, pay *weights.Payment) {
	old := m.from.Grouper.GroupScheme(rec, grouper.SchemeDRG, m.tr)
	var oldPay *weights.Payment
	if m.from.Payment != nil {
		oldPay = &m.pay
		m.from.Payment.Compute(rec, &old, grouper.SchemeDRG, oldPay)
	}
	r := &m.rep
	r.Records++
	if old.MDC == res.MDC {
		r.SameMDC++
	}
	if old.ADRG == res.ADRG {
		r.SameADRG++
	}
	if old.DRG == res.DRG {
		r.SameDRG++
	}
	switch oq, nq := old.Status == grouper.StatusQY, res.Status == grouper.StatusQY; {
	case nq && !oq:
		r.BecameQY++
	case oq && !nq:
		r.LeftQY++
	}
	switch ou, nu := old.DRG == grouper.Ungroupable, res.DRG == grouper.Ungroupable; {
	case nu && !ou:
		r.BecameUngroupable++
	case ou && !nu:
		r.LeftUngroupable++
	}
	m.trans[[2]string{old.DRG, res.DRG}]++
	if oldPay != nil && pay != nil {
		m.priced = true
		mdc := old.MDC
		if mdc == "" {
			mdc = "-"
		}
		for _, p := range []*PriceChange{m.group(m.hosp, rec.HospitalID), m.group(m.mdc, mdc)} {
			p.add(oldPay, pay)
		}
	}
	if m.pairs != nil && m.err == nil {
		m.writePair(rec, &old, res, oldPay, pay)
	}
}

func (m *Migration) group(by map[string]*PriceChange, key string) *PriceChange {
	p := by[key]
	if p == nil {
		p = &PriceChange{Key: strings.Clone(key)} // a record's text is not kept
		by[p.Key] = p
	}
	return p
}

func (p *PriceChange) add(from, to *weights.Payment) {
	p.Records++
	if from.Reason == "" {
		p.FromCases++
		p.FromWeight += from.BaseWeight
		p.FromAmount += from.Amount
	}
	if to.Reason == "" {
		p.ToCases++
		p.ToWeight += to.BaseWeight
		p.ToAmount += to.Amount
	}
}

func (m *Migration) writePair(rec *record.Record, old, res *grouper.Result, oldPay, pay *weights.Payment) {
	amount := func(p *weights.Payment) string {
		if p == nil || p.Reason != "" {
			return ""
		}
		return strconv.FormatFloat(p.Amount, 'f', 2, 64)
	}
	changed := "0"
	if old.DRG != res.DRG {
		changed = "1"
	}
	toTrace := ""
	if res.Trace != nil {
		toTrace = res.Trace.Compact()
	}
	m.row = append(m.row[:0], rec.ID, strconv.Itoa(rec.Line), old.MDC, old.ADRG, old.DRG, old.Status.String(),
		res.MDC, res.ADRG, res.DRG, res.Status.String(), changed, amount(oldPay), amount(pay), m.tr.Compact(), toTrace)
	if err := m.pairs.Write(m.row); err != nil {
		m.err = fmt.Errorf("write pairs: %w", err)
	}
}

// Report returns the tally, and the first error writing the pairs (which
// it flushes).
func (m *Migration) Report() (MigrationReport, error) {
	if m.pairs != nil {
		m.pairs.Flush()
		if err := m.pairs.Error(); err != nil && m.err == nil {
			m.err = fmt.Errorf("write pairs: %w", err)
		}
	}
	r := m.rep
	r.Transitions = r.Transitions[:0]
	for k, n := range m.trans {
		r.Transitions = append(r.Transitions, Transition{From: k[0], To: k[1], Records: n})
	}
	slices.SortFunc(r.Transitions, func(a, b Transition) int {
		return cmp.Or(cmp.Compare(b.Records, a.Records), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	r.Priced = m.priced
	if m.priced {
		r.ByHospital, r.ByMDC = sortedChanges(m.hosp), sortedChanges(m.mdc)
		r.Total = PriceChange{Key: "all"}
		for _, p := range r.ByHospital {
			r.Total.Records += p.Records
			r.Total.FromCases += p.FromCases
			r.Total.ToCases += p.ToCases
			r.Total.FromWeight += p.FromWeight
			r.Total.ToWeight += p.ToWeight
			r.Total.FromAmount += p.FromAmount
			r.Total.ToAmount += p.ToAmount
		}
	}
	return r, m.err
}

func sortedChanges(by map[string]*PriceChange) []PriceChange {
	out := make([]PriceChange, 0, len(by))
	for _, p := range by {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b PriceChange) int { return cmp.Compare(a.Key, b.Key) })
	return out
}
