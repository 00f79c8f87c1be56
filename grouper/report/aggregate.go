package report

import (
	"strconv"
	"strings"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

// Case is one grouped record as a report counts it: what a run's result
// and payment say (Add), or what a row of a grouped file says
// (ReadGrouped). Strings may alias a caller's buffer: an Aggregator copies what
// it keeps.
type Case struct {
	Status   grouper.Status
	Reason   string // why the record is 0000
	MDC, DRG string
	DRGName  string // "" when unknown
	// Unknown is set when the record has a code the rule set does not know.
	Unknown bool

	// DIP is set when the DIP scheme ran; DIPGroup is "" when the record
	// has none (DIPReason says why).
	DIP                        bool
	DIPGroup, DIPKind, DIPName string
	DIPReason                  string
	DIPScore                   float64
	HospitalID                 string
	Level                      int8 // hospital level, 0 unknown
	Priced                     bool // the run priced the record
	Unpaid                     string
	Weight, Amount             float64 // base weight (RW or score) and yuan
	Outlier                    weights.Outlier
	Adjustments                []weights.Adjustment
	noDRG                      bool // DIP only: the DRG fields mean nothing
}

// Aggregator tallies cases into a Summary. It is not safe for concurrent
// use: the pipeline calls Add from its one ordered writer goroutine
// (batch.Options.OnResult). Its memory grows with the number of distinct
// groups and hospitals, not records.
type Aggregator struct {
	opts      Options
	counts    Counts
	unknown   int64
	ungrouped counter
	qy        counter
	rejected  counter
	mdcs      [26]Group
	drgs      groups

	priced    bool
	total     Group
	hospitals map[string]*hospital
	levels    [4]Group
	outliers  [3]Group
	unpaid    counter
	adjs      map[adjKey]*Adjustment
	eff       []float64 // one record's effects, reused

	dip       bool
	dipBoth   bool
	dipN      int64
	dipKinds  counter
	dipReason counter
	dipGroups groups
	drgOnly   int64
	dipOnly   int64

	noLevels  bool // grouped files without a hospital_level column: levels unknown
	files     int  // grouped files read
	fromFiles bool // the cases came from grouped files, which do not say whether a code was unknown

	c Case // scratch case
}

// Options configure an Aggregator.
type Options struct {
	// Scheme is what the run grouped under: SchemeDRG (0 means it),
	// SchemeDIP or both.
	Scheme grouper.Scheme
	// Names, when set, names the DRGs and DIP groups of a run that did not
	// write them (grouper.Grouper.Name and DIPName).
	Names *grouper.Grouper
}

type adjKey struct{ name, source string }

// hospital is a hospital's tally and the level its records gave (-1 when
// they disagree).
type hospital struct {
	Group
	level int8
}

// counter counts records by a string key.
type counter map[string]int64

func (c counter) add(k string, n int64) {
	if v, ok := c[k]; ok {
		c[k] = v + n
		return
	}
	c[strings.Clone(k)] = n
}

func (c counter) sorted() []Count {
	if len(c) == 0 {
		return nil
	}
	out := make([]Count, 0, len(c))
	for k, n := range c {
		out = append(out, Count{Key: k, Cases: n})
	}
	sortCounts(out)
	return out
}

// groups aggregates by group code.
type groups map[string]*Group

func (gs groups) get(code string) *Group {
	if g, ok := gs[code]; ok {
		return g
	}
	g := &Group{Code: strings.Clone(code)}
	gs[g.Code] = g
	return g
}

func (gs groups) sorted() []Group {
	if len(gs) == 0 {
		return nil
	}
	out := make([]Group, 0, len(gs))
	for _, g := range gs {
		out = append(out, *g)
	}
	sortGroups(out)
	return out
}

// NewAggregator returns an empty Aggregator.
func NewAggregator(opts Options) *Aggregator {
	if opts.Scheme == 0 {
		opts.Scheme = grouper.SchemeDRG
	}
	a := &Aggregator{opts: opts, ungrouped: counter{}, qy: counter{}, rejected: counter{}, drgs: groups{},
		hospitals: map[string]*hospital{}, unpaid: counter{}, adjs: map[adjKey]*Adjustment{},
		dipKinds: counter{}, dipReason: counter{}, dipGroups: groups{}}
	a.dip = opts.Scheme&grouper.SchemeDIP != 0
	a.dipBoth = a.dip && opts.Scheme&grouper.SchemeDRG != 0
	for i := range a.mdcs {
		a.mdcs[i].Code = string(rune('A' + i))
	}
	for i, k := range [...]string{"none", "high", "low"} {
		a.outliers[i].Code = k
	}
	for i := range a.levels {
		a.levels[i].Code = strconv.Itoa(i)
	}
	a.levels[0].Code = ""
	return a
}

// Add tallies one accepted record: its result, and its payment (nil when
// the run is not priced). It has the signature of batch.Options.OnResult.
func (a *Aggregator) Add(rec *record.Record, res *grouper.Result, pay *weights.Payment) {
	// Field by field into the reused case: zeroing and copying the whole
	// struct per record cost more than the tally.
	c := &a.c
	c.Status, c.Reason, c.MDC, c.DRG, c.Unknown = res.Status, res.Reason, res.MDC, res.DRG, res.UnknownCodes > 0
	c.HospitalID, c.Level = rec.HospitalID, rec.HospitalLevel
	c.noDRG = a.opts.Scheme&grouper.SchemeDRG == 0
	c.DIP = a.dip
	if a.dip {
		c.DIPGroup, c.DIPKind, c.DIPReason, c.DIPScore = res.DIP.Group, "", res.DIP.Reason, res.DIP.Score
		if res.DIP.Group != "" {
			c.DIPKind = res.DIP.Kind.String()
		}
	}
	c.Priced = pay != nil
	if pay != nil {
		// The level is the record's, not the payment's (which may be a
		// policy's default_level): a grouped file carries the record's.
		c.Unpaid, c.Weight, c.Amount, c.Outlier = pay.Reason, pay.BaseWeight, pay.Amount, pay.Outlier
		c.Adjustments = pay.Applied() // read during the call only
	}
	a.AddCase(c)
	c.Adjustments = nil
}

// AddCase tallies one accepted record.
func (a *Aggregator) AddCase(c *Case) {
	a.counts.Records++
	a.counts.Grouped++
	if c.Unknown {
		a.unknown++
	}
	drgGrouped := false
	if !c.noDRG {
		switch c.Status {
		case grouper.StatusOK:
			a.counts.OK++
		case grouper.StatusQY:
			a.counts.QY++
			a.qy.add(c.DRG, 1)
		case grouper.StatusCheckFailed:
			a.counts.CheckFailed++
			a.ungrouped.add(c.Reason, 1)
		default:
			a.counts.Ungroupable++
			a.ungrouped.add(c.Reason, 1)
		}
		if c.Status == grouper.StatusOK || c.Status == grouper.StatusQY {
			drgGrouped = true
			if len(c.MDC) == 1 && c.MDC[0] >= 'A' && c.MDC[0] <= 'Z' {
				a.mdcs[c.MDC[0]-'A'].Cases++
			}
			g := a.drgs.get(c.DRG)
			if g.Cases == 0 {
				g.Name = a.drgName(c)
			}
			g.Cases++
			if c.Priced && c.Unpaid == "" {
				g.Paid++
				g.Weight += c.Weight
				g.Amount += c.Amount
				if len(c.MDC) == 1 && c.MDC[0] >= 'A' && c.MDC[0] <= 'Z' {
					m := &a.mdcs[c.MDC[0]-'A']
					m.Paid++
					m.Weight += c.Weight
					m.Amount += c.Amount
				}
			}
		}
	}
	if c.DIP {
		if c.DIPGroup != "" {
			a.dipN++
			a.dipKinds.add(c.DIPKind, 1)
			g := a.dipGroups.get(c.DIPGroup)
			if g.Cases == 0 {
				g.Name = a.dipName(c)
			}
			g.Cases++
			g.Weight += c.DIPScore
			if a.dipBoth && !drgGrouped {
				a.dipOnly++
			}
		} else {
			a.dipReason.add(c.DIPReason, 1)
			if a.dipBoth && drgGrouped {
				a.drgOnly++
			}
		}
	}
	if c.Priced {
		a.price(c)
	}
}

func (a *Aggregator) drgName(c *Case) string {
	if c.DRGName != "" {
		return strings.Clone(c.DRGName)
	}
	if a.opts.Names != nil {
		return a.opts.Names.Name(c.DRG)
	}
	return ""
}

func (a *Aggregator) dipName(c *Case) string {
	if c.DIPName != "" {
		return strings.Clone(c.DIPName)
	}
	if a.opts.Names != nil {
		return a.opts.Names.DIPName(c.DIPGroup)
	}
	return ""
}

func (a *Aggregator) price(c *Case) {
	a.priced = true
	hosp, ok := a.hospitals[c.HospitalID]
	if !ok {
		hosp = &hospital{Group: Group{Code: strings.Clone(c.HospitalID)}, level: c.Level}
		a.hospitals[hosp.Code] = hosp
	} else if hosp.level != c.Level {
		hosp.level = -1
	}
	h := &hosp.Group
	h.Cases++
	level := &a.levels[0]
	if c.Level >= 1 && c.Level <= 3 {
		level = &a.levels[c.Level]
	}
	level.Cases++
	a.total.Cases++
	if c.Unpaid != "" {
		a.unpaid.add(c.Unpaid, 1)
		return
	}
	o := &a.outliers[0]
	if int(c.Outlier) < len(a.outliers) {
		o = &a.outliers[c.Outlier]
	}
	o.Cases++
	for _, g := range [...]*Group{&a.total, h, level, o} {
		g.Paid++
		g.Weight += c.Weight
		g.Amount += c.Amount
	}
	eff := a.eff[:0]
	eff = effects(eff, c.Adjustments, c.Amount)
	a.eff = eff
	for i, adj := range c.Adjustments {
		e := a.adjustment(adj.Name, adj.Source)
		e.Cases++
		e.Amount += c.Amount
		e.Effect += eff[i]
	}
}

// effects appends, for each of a paid record's adjustments, the yuan it
// made of the record's amount (Adjustment.Effect). The group amount G (the
// weight at the rate and coefficients, before the outlier rules) is the
// amount less what was added, over the low-outlier factor: a factor inside
// it made G × (1 − 1/f), the low-outlier factor G × f − G, an addition
// itself. A rule that sets the amount (a fixed price, a low-cost case paid
// its cost) replaced G, so nothing inside G is told apart then: every
// effect of that record but the additions is 0. same_level replaces the
// level coefficient, whose value the record does not carry: 0.
func effects(dst []float64, adjs []weights.Adjustment, amount float64) []float64 {
	added, post, set := 0.0, 1.0, false
	for _, a := range adjs {
		switch {
		case a.Op == weights.OpAdd:
			added += a.Amount
		case a.Op == weights.OpSet:
			set = true
		case a.Op == weights.OpFactor && a.Name == weights.AdjLowOutlier && a.Factor > 0:
			post *= a.Factor
		}
	}
	g := (amount - added) / post
	for _, a := range adjs {
		e := 0.0
		switch {
		case a.Op == weights.OpAdd:
			e = a.Amount
		case set || a.Op != weights.OpFactor || a.Factor <= 0 || a.Name == weights.AdjSameLevel:
		case a.Name == weights.AdjLowOutlier:
			e = g*a.Factor - g
		default:
			e = g * (1 - 1/a.Factor)
		}
		dst = append(dst, e)
	}
	return dst
}

// Reject tallies a rejected record by its reason (record.Error.Reason).
func (a *Aggregator) Reject(reason string) {
	a.counts.Records++
	a.counts.Rejected++
	a.rejected.add(reason, 1)
}

// Summary returns the tallies so far, with Warnings for t (see Check).
// RuleSet, Prices and Inputs are the caller's to fill.
func (a *Aggregator) Summary(t Thresholds) *Summary {
	s := &Summary{Counts: a.counts, Ungrouped: a.ungrouped.sorted(), QY: a.qy.sorted(), Rejected: a.rejected.sorted()}
	if a.opts.Scheme&grouper.SchemeDRG != 0 {
		for _, m := range a.mdcs {
			if m.Cases > 0 {
				if a.opts.Names != nil {
					m.Name = a.opts.Names.Name(m.Code)
				}
				s.MDCs = append(s.MDCs, m)
			}
		}
		sortGroups(s.MDCs)
		s.DRGs = a.drgs.sorted()
	}
	if a.knowsUnknown() {
		n := a.unknown
		s.Counts.UnknownCodes = &n
	}
	if a.priced {
		p := &Payment{Total: a.total, Unpaid: a.unpaid.sorted()}
		if !a.noLevels {
			p.HospitalLevels = map[string]string{}
		}
		for _, h := range a.hospitals {
			p.Hospitals = append(p.Hospitals, h.Group)
			if h.level > 0 && !a.noLevels {
				p.HospitalLevels[h.Code] = strconv.Itoa(int(h.level))
			}
		}
		sortGroups(p.Hospitals)
		p.Total.Code = "total"
		for _, l := range a.levels {
			if l.Cases > 0 && !a.noLevels {
				p.Levels = append(p.Levels, l)
			}
		}
		for _, o := range a.outliers {
			if o.Cases > 0 {
				p.Outliers = append(p.Outliers, o)
			}
		}
		for _, e := range a.adjs {
			p.Adjustments = append(p.Adjustments, *e)
		}
		sortAdjustments(p.Adjustments)
		s.Payment = p
	}
	if a.dip {
		s.DIP = &DIP{Grouped: a.dipN, Kinds: a.dipKinds.sorted(), Reasons: a.dipReason.sorted(), Groups: a.dipGroups.sorted(),
			Both: a.dipBoth, DRGOnly: a.drgOnly, DIPOnly: a.dipOnly}
	}
	s.Warnings = Check(s, t)
	return s
}

// knowsUnknown reports whether the cases said whether they had unknown
// codes: only a run does (FromResult); a grouped file does not.
func (a *Aggregator) knowsUnknown() bool { return !a.fromFiles }

// merge adds b's tallies to a's (ReadGroupedWorkers adds each block's in
// file order: each sum then takes its terms in the same order whatever the
// workers, and the order keys are visited in changes no sum).
func (a *Aggregator) merge(b *Aggregator) {
	c := &a.counts
	c.Records += b.counts.Records
	c.Grouped += b.counts.Grouped
	c.OK += b.counts.OK
	c.QY += b.counts.QY
	c.Ungroupable += b.counts.Ungroupable
	c.CheckFailed += b.counts.CheckFailed
	c.Rejected += b.counts.Rejected
	a.unknown += b.unknown
	for _, p := range [...][2]counter{{a.ungrouped, b.ungrouped}, {a.qy, b.qy}, {a.rejected, b.rejected},
		{a.unpaid, b.unpaid}, {a.dipKinds, b.dipKinds}, {a.dipReason, b.dipReason}} {
		for k, n := range p[1] {
			p[0].add(k, n)
		}
	}
	for i := range a.mdcs {
		addGroup(&a.mdcs[i], &b.mdcs[i])
	}
	for _, p := range [...][2]groups{{a.drgs, b.drgs}, {a.dipGroups, b.dipGroups}} {
		for k, g := range p[1] {
			addGroup(p[0].get(k), g)
		}
	}
	a.priced = a.priced || b.priced
	addGroup(&a.total, &b.total)
	for k, src := range b.hospitals {
		dst, ok := a.hospitals[k]
		if !ok {
			dst = &hospital{Group: Group{Code: strings.Clone(k)}, level: src.level}
			a.hospitals[dst.Code] = dst
		} else if dst.level != src.level {
			dst.level = -1
		}
		addGroup(&dst.Group, &src.Group)
	}
	for i := range a.levels {
		addGroup(&a.levels[i], &b.levels[i])
	}
	for i := range a.outliers {
		addGroup(&a.outliers[i], &b.outliers[i])
	}
	for _, src := range b.adjs {
		dst := a.adjustment(src.Name, src.Source)
		dst.Cases += src.Cases
		dst.Amount += src.Amount
		dst.Effect += src.Effect
	}
	a.dipN += b.dipN
	a.drgOnly += b.drgOnly
	a.dipOnly += b.dipOnly
}

func addGroup(dst, src *Group) {
	if dst.Cases == 0 && dst.Name == "" {
		dst.Name = strings.Clone(src.Name)
	}
	dst.Cases += src.Cases
	dst.Paid += src.Paid
	dst.Weight += src.Weight
	dst.Amount += src.Amount
}

// reset empties a block's tally for the next block, keeping its maps'
// room and its scheme.
func (a *Aggregator) reset() {
	a.counts, a.unknown, a.priced, a.total = Counts{}, 0, false, Group{}
	for _, c := range []counter{a.ungrouped, a.qy, a.rejected, a.unpaid, a.dipKinds, a.dipReason} {
		clear(c)
	}
	clear(a.drgs)
	clear(a.dipGroups)
	clear(a.hospitals)
	clear(a.adjs)
	for i := range a.mdcs {
		a.mdcs[i] = Group{Code: a.mdcs[i].Code}
	}
	for i := range a.levels {
		a.levels[i] = Group{Code: a.levels[i].Code}
	}
	for i := range a.outliers {
		a.outliers[i] = Group{Code: a.outliers[i].Code}
	}
	a.dipN, a.drgOnly, a.dipOnly = 0, 0, 0
}

// adjustment returns the tally of one policy rule, made on first use with
// its own copies of the strings (they may alias a row's text).
func (a *Aggregator) adjustment(name, source string) *Adjustment {
	if e, ok := a.adjs[adjKey{name, source}]; ok {
		return e
	}
	e := &Adjustment{Name: strings.Clone(name), Source: strings.Clone(source)}
	a.adjs[adjKey{e.Name, e.Source}] = e
	return e
}
