package weights

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// Outlier is a case's cost class.
type Outlier uint8

// The cost classes.
const (
	OutlierNone Outlier = iota // paid the flat group payment
	OutlierHigh                // cost ≥ k × standard
	OutlierLow                 // cost ≤ k × standard
)

func (o Outlier) String() string {
	switch o {
	case OutlierHigh:
		return "high"
	case OutlierLow:
		return "low"
	}
	return "none"
}

// MarshalText writes the class's name, as JSON shows it.
func (o Outlier) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// AdjustOp says how an Adjustment acts.
type AdjustOp uint8

// Adjustment operations.
const (
	OpFlag   AdjustOp = iota // a note: the record is unpaid, or a rule was waived
	OpFactor                 // multiplies the weight or the amount by Factor
	OpAdd                    // adds Amount yuan
	OpSet                    // sets the amount to Amount yuan
	OpGroup                  // pays the case at the weight of Group
)

// Adjustment names, as they appear in Payment.Adjustments.
const (
	AdjNoScheme      = "no_scheme"          // the policy has no section for the scheme
	AdjNoGroup       = "no_group"           // the record has no group (0000, or no DIP group)
	AdjNoWeight      = "no_weight"          // the group has no weight (not in weights.tsv, blank or 0)
	AdjNoLevel       = "no_level"           // hospital level unknown and no default_level
	AdjDefaultLevel  = "default_level"      // hospital level unknown: default_level used
	AdjSameEfficacy  = "same_efficacy"      // step 1
	AdjTCMAdvantaged = "tcm_advantaged"     // step 2
	AdjDayWard       = "day_ward"           // step 3
	AdjLowExempt     = "low_outlier_exempt" // step 4: a day-ward entry waived the low-cost rule
	AdjSameLevel     = "same_level"         // step 5: common coefficient instead of the level's
	AdjKindCoef      = "kind_coefficient"   // step 5
	AdjHighOutlier   = "high_outlier"       // step 5
	AdjLowOutlier    = "low_outlier"        // step 5
	AdjFixedPrice    = "fixed_price"        // step 6
	AdjOutOfRange    = "out_of_range"       // a weight, points or amount overflowed: nothing is paid
	AdjNotInForce    = "not_in_force"       // discharged outside the policy's period (UnpaidOutsidePeriod): nothing is paid
)

// MaxAdjustments is the capacity of Payment.Adjustments: more than the most
// adjustments one record can collect.
const MaxAdjustments = 10

const sourceWeightTable = TableFile

// Adjustment is one policy rule applied to a payment, for audit.
type Adjustment struct {
	Name   string   // one of the Adj* names
	Op     AdjustOp //
	Factor float64  // OpFactor: the factor
	Amount float64  // OpAdd, OpSet: yuan
	Group  string   // OpGroup: the group paid as
	Source string   // the policy rule, e.g. "tcm_advantaged[3]", "drg.outliers.high.bands[1]"
}

// Payment is the weighting and payment of one record. Compute fills it
// completely, so one Payment can be reused for every record. Its strings
// point into the Calculator, the Result or the weight table.
type Payment struct {
	Scheme grouper.Scheme // paid under: grouper.SchemeDRG or SchemeDIP, as given to Compute (another value: unpaid, no_scheme)
	Group  string         // the group the record was grouped to
	PaidAs string         // the group whose weight is paid: Group, or the same_efficacy target
	Level  int8           // hospital level used (the record's, or default_level)

	BaseWeight     float64 // weight (RW) or score of Group, from the table or the DIP catalogue
	AdjustedWeight float64 // after steps 1-3
	Points         float64 // DRG: AdjustedWeight × 100; DIP: AdjustedWeight
	// SettlementPoints are the points the case carries into year-end
	// settlement: its unrounded pre-price amount divided by the value of one
	// point at Rate (Rate/100 for DRG, Rate for DIP). They carry the level,
	// same-level and kind coefficients and the outlier formula. 0 for
	// unpaid and fixed-price cases.
	SettlementPoints float64

	Rate             float64 // base rate (DRG) or point value (DIP) used
	LevelCoefficient float64 // level coefficient, or the same-level coefficient
	KindCoefficient  float64 // hospital-kind coefficient (1 when the kind is not listed)
	StandardCost     float64 // the paid group's standard cost the outlier thresholds were taken on (not scaled by the TCM or day-ward factors)
	Outlier          Outlier
	GroupAmount      float64 // AdjustedWeight × Rate × LevelCoefficient × KindCoefficient, unrounded
	Amount           float64 // yuan, rounded to the cent
	FixedPrice       bool    // Amount is a tcm_fixed_price
	Reason           string  // why the record is unpaid (AdjNo*), "" when paid

	Adjustments    [MaxAdjustments]Adjustment // in the order applied
	NumAdjustments int
}

// Applied returns the adjustments applied, in order. The slice aliases p.
func (p *Payment) Applied() []Adjustment { return p.Adjustments[:p.NumAdjustments] }

// Has reports whether an adjustment with the given name was applied.
func (p *Payment) Has(name string) bool {
	for i := range p.NumAdjustments {
		if p.Adjustments[i].Name == name {
			return true
		}
	}
	return false
}

// next returns the next free adjustment (already zero), or nil when full.
func (p *Payment) next() *Adjustment {
	if p.NumAdjustments >= MaxAdjustments {
		return nil
	}
	p.NumAdjustments++
	return &p.Adjustments[p.NumAdjustments-1]
}

// addOp appends an adjustment, writing only its non-zero fields into the
// zeroed slot.
func (p *Payment) addOp(name string, op AdjustOp, factor, amount float64, src string) {
	if a := p.next(); a != nil {
		a.Name, a.Op, a.Source = name, op, src
		if factor != 0 {
			a.Factor = factor
		}
		if amount != 0 {
			a.Amount = amount
		}
	}
}

// AdjustmentsString renders the adjustments on one line, e.g.
// "tcm_advantaged×1.10(tcm_advantaged[3]);day_ward×0.90(tcm_day_ward[0])".
func (p *Payment) AdjustmentsString() string {
	var buf [256]byte
	return string(p.AppendAdjustments(buf[:0]))
}

// AppendAdjustments appends the AdjustmentsString form to dst and returns
// the extended buffer; it does not allocate when dst has room.
func (p *Payment) AppendAdjustments(dst []byte) []byte {
	for i, a := range p.Applied() {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, a.Name...)
		switch a.Op {
		case OpFactor:
			dst = append(dst, "×"...)
			dst = appendFactor(dst, a.Factor)
		case OpAdd:
			dst = append(dst, '+')
			dst = strconv.AppendFloat(dst, a.Amount, 'f', 2, 64)
		case OpSet:
			dst = append(dst, '=')
			dst = strconv.AppendFloat(dst, a.Amount, 'f', 2, 64)
		case OpGroup:
			dst = append(dst, "→"...)
			dst = append(dst, a.Group...)
		}
		dst = append(dst, '(')
		dst = append(dst, a.Source...)
		dst = append(dst, ')')
	}
	return dst
}

// appendFactor writes f with at least two decimals and no trailing noise.
func appendFactor(dst []byte, f float64) []byte {
	// Policy factors almost always have two decimals (1.05, 0.90): write
	// those with integer arithmetic, which is exact when f is the double
	// nearest to cents/100 and then gives the same text as the general path.
	if c := math.Round(f * 100); !math.Signbit(c) && c < 1e15 && c/100 == f {
		n := int64(c)
		dst = strconv.AppendInt(dst, n/100, 10)
		return append(dst, '.', byte('0'+n/10%10), byte('0'+n%10))
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	dot := -1
	for i := start; i < len(dst); i++ {
		if dst[i] == '.' {
			dot = i
		}
	}
	switch {
	case dot < 0:
		dst = append(dst, ".00"...)
	case len(dst)-dot == 2:
		dst = append(dst, '0')
	}
	return dst
}

// Calculator weights and pays grouped records under one policy and one
// weight table. It is immutable once built: Compute is safe for concurrent
// use and does not allocate.
type Calculator struct {
	policy *Policy
	valid  record.Period // the policy's valid_from..valid_to
	// unpaidOutside: a case discharged outside valid is left unpaid
	// (not_in_force) by Compute, rather than refused by the run.
	unpaidOutside bool
	table         *Table
	schemes       [schemeSlots]schemeCalc // by Scheme; ok is false when the policy lacks the scheme
	match         matcher
	kinds         []kindCoef
	advantaged    []advEntry
	dayWard       []dayEntry
	fixed         []fixedEntry
	tcmShare      float64
	hasTCMShare   bool
	defaultLevel  int8
	defaultSrc    string
	warnings      []string
	bound         *binding // Bind's tables, nil when not bound
}

// binding holds what Bind looked up once for one grouper's results.
type binding struct {
	g *grouper.Grouper
	// drg[i] is the DRG-scheme info of the grouper's DRG i (DRGIndex),
	// nil when the weight table lacks it.
	drg []*groupInfo
	// The disease lists' matches of the grouper's diagnoses (PrincipalID),
	// Western code alone, for the few that have any: bit id of listed is
	// set for those, and their matches are dx[rank of id among them]. A
	// table with an entry for every diagnosis (800 KB for a national set)
	// missed the cache on most records and made pricing slower, not faster.
	listed []uint64
	rank   []uint32 // rank[w]: set bits of listed before word w
	dx     []hits
}

// hits returns the matches of diagnosis id.
func (b *binding) hits(id int) hits {
	w, bit := id>>6, uint64(1)<<(id&63)
	if w >= len(b.listed) || b.listed[w]&bit == 0 {
		return noHits
	}
	return b.dx[int(b.rank[w])+bits.OnesCount64(b.listed[w]&(bit-1))]
}

// Bind returns a Calculator that prices g's results without looking their
// codes up: the weight of each of g's DRGs and the policy lists' matches of
// each of its diagnoses are found here, once, by g's dense IDs
// (grouper.Result.DRGIndex, PrincipalID), where Compute would look each
// code up per record. It prices exactly as c does: a result whose IDs g
// does not confirm (another grouper's, a TCM principal beside the Western
// one, a principal g's dictionary holds only by an ancestor) takes c's
// look-ups. Bind costs one pass over g's codes (milliseconds for a
// national rule set); bind once per grouper, not per record.
func (c *Calculator) Bind(g *grouper.Grouper) *Calculator {
	if g == nil || c.bound != nil && c.bound.g == g {
		return c
	}
	cp := *c
	b := &binding{g: g}
	sc := &c.schemes[grouper.SchemeDRG]
	for _, code := range g.DRGCodes() {
		var gi *groupInfo
		if sc.ok {
			if v, ok := sc.groups.get(code); ok {
				gi = v
			}
		}
		b.drg = append(b.drg, gi)
	}
	dx := g.DiagnosisCodes()
	b.listed = make([]uint64, (len(dx)+63)/64)
	b.rank = make([]uint32, len(b.listed))
	for id, code := range dx {
		if w := id >> 6; id&63 == 0 && w > 0 {
			b.rank[w] = b.rank[w-1] + uint32(bits.OnesCount64(b.listed[w-1]))
		}
		if code == "" {
			continue
		}
		if h := c.match.match(code, ""); h != noHits {
			b.listed[id>>6] |= 1 << (id & 63)
			b.dx = append(b.dx, h)
		}
	}
	cp.bound = b
	return &cp
}

// hitsOf is match.match for res's principal, from the binding when it
// has the answer.
func (c *Calculator) hitsOf(rec *record.Record, res *grouper.Result) hits {
	if b := c.bound; b != nil && (rec.TCMPrincipalDx == "" || c.match.tcmLens == 0) {
		if id, ok := res.PrincipalID(b.g); ok {
			return b.hits(id)
		}
	}
	return c.match.match(res.PrincipalDx, rec.TCMPrincipalDx)
}

type kindCoef struct {
	kind   string
	coef   float64
	source string
}

type advEntry struct {
	factor   float64
	minShare float64
	hasShare bool
	source   string
}

type dayEntry struct {
	factor float64
	exempt bool
	source string
}

type fixedEntry struct {
	price  float64
	source string
}

type seEntry struct {
	tcmOnly bool
	group   string
	info    groupInfo // of the target group
	source  string
}

type band struct {
	over, upTo float64 // (over, upTo]; the first band includes over
	open       bool    // no upper bound
	first      bool
	k          float64
	source     string
}

// groupInfo is what Compute needs of a group, kept small so that one
// lookup touches one cache line. Compute passes it by pointer, into the
// Calculator (or notInTable): read-only.
type groupInfo struct {
	weight    float64 // valid when hasWeight
	std       float64 // table standard cost; 0 when blank or not in the table
	hasWeight bool
	sameLevel int32 // index in same_level_groups, -1 when not listed
	advGroup  int32 // index in tcm_advantaged_groups, -1 when not listed
}

// notInTable is the groupInfo of a group the weight table lacks: no
// weight, in no policy list. Read-only.
var notInTable = groupInfo{sameLevel: -1, advGroup: -1}

type schemeCalc struct {
	ok        bool
	name      string
	scale     float64 // points per unit of weight: 100 for DRG, 1 for DIP
	rate      [4]float64
	coef      [4]float64
	sameCoef  float64
	sameRate  float64 // 0: the level's rate
	groups    codeTable[groupInfo]
	sameSrc   []string // same_level_groups[i] sources
	high      []band
	highRatio float64
	low       bool
	lowK      float64
	lowItem   bool
	lowSource string
	sameEff   []seEntry
	advGroups []advGroupEntry
	// sameEffList is the matcher list of sameEff: listSameEffDRG or
	// listSameEffDIP.
	sameEffList int
}

// advGroupEntry is a compiled tcm_advantaged_groups entry.
type advGroupEntry struct {
	factor   float64
	minShare float64
	hasShare bool
	tcmOnly  bool
	source   string
}

// New compiles policy p against weight table t. p must be valid (ReadPolicy
// validates; New calls Validate again for policies built in code). A
// same_efficacy target must be in the table with a weight; a DRG
// same_level_groups or tcm_advantaged_groups entry missing from the table,
// or in it without a weight, is reported by Warnings.
func New(p *Policy, t *Table) (*Calculator, error) {
	if p == nil || t == nil {
		return nil, errors.New("weights: New needs a policy and a table")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	c := &Calculator{policy: p, table: t, match: newMatcher(), defaultLevel: int8(p.DefaultLevel)}
	// Validate has checked both dates.
	c.valid.From, _ = record.ParseDate(p.ValidFrom)
	if p.ValidTo != "" {
		c.valid.To, _ = record.ParseDate(p.ValidTo)
	}
	if p.DefaultLevel != 0 {
		c.defaultSrc = fmt.Sprintf("default_level=%d", p.DefaultLevel)
	}
	if p.TCMTreatedShare != nil {
		c.tcmShare, c.hasTCMShare = *p.TCMTreatedShare, true
	}
	for _, k := range sortedFloatKeys(p.KindCoefficients) {
		c.kinds = append(c.kinds, kindCoef{kind: k, coef: p.KindCoefficients[k], source: "kind_coefficients." + k})
	}
	for i, e := range p.TCMAdvantaged {
		a := advEntry{factor: e.Factor, source: fmt.Sprintf("tcm_advantaged[%d]", i)}
		if e.MinTCMShare != nil {
			a.minShare, a.hasShare = *e.MinTCMShare, true
		}
		c.advantaged = append(c.advantaged, a)
		c.addCode(listAdvantaged, i, e.Code, e.System)
	}
	for i, e := range p.TCMDayWard {
		c.dayWard = append(c.dayWard, dayEntry{factor: e.Factor, exempt: e.ExemptLowOutlier, source: fmt.Sprintf("tcm_day_ward[%d]", i)})
		c.addCode(listDayWard, i, e.Code, e.System)
	}
	for i, e := range p.TCMFixedPrice {
		c.fixed = append(c.fixed, fixedEntry{price: e.Price, source: fmt.Sprintf("tcm_fixed_price[%d]", i)})
		c.addCode(listFixedPrice, i, e.Code, e.System)
	}
	var errs []error
	for _, s := range []grouper.Scheme{grouper.SchemeDRG, grouper.SchemeDIP} {
		sp := p.DRG
		if s == grouper.SchemeDIP {
			sp = p.DIP
		}
		if sp == nil {
			continue
		}
		sc, err := c.compileScheme(s, sp)
		if err != nil {
			errs = append(errs, err)
		}
		c.schemes[s] = *sc
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Calculator) addCode(list, i int, code, system string) {
	norm, _ := normalizeEntry(code, system) // validated
	c.match.add(list, i, norm, system)
}

func (c *Calculator) compileScheme(s grouper.Scheme, sp *SchemePolicy) (*schemeCalc, error) {
	sc := &schemeCalc{ok: true, name: s.String(), scale: 1, groups: newCodeTable[groupInfo](), sameCoef: 1, sameEffList: listSameEffDRG}
	if s == grouper.SchemeDRG {
		sc.scale = 100
	} else {
		sc.sameEffList = listSameEffDIP
	}
	for l := 1; l <= 3; l++ {
		sc.rate[l], sc.coef[l] = sp.Rate.At(l), sp.LevelCoefficients.At(l)
	}
	if sp.SameLevelCoefficient != nil {
		sc.sameCoef = *sp.SameLevelCoefficient
	}
	if sp.SameLevelRate != nil {
		sc.sameRate = *sp.SameLevelRate
	}
	rows := c.table.Rows(s)
	for i := range rows {
		gi := sc.intern(rows[i].Group)
		gi.weight, gi.std, gi.hasWeight = rows[i].Weight, rows[i].StandardCost, rows[i].HasWeight
	}
	for i, g := range sp.SameLevelGroups {
		src := fmt.Sprintf("%s.same_level_groups[%d]", sc.name, i)
		sc.sameSrc = append(sc.sameSrc, src)
		gi := sc.intern(g)
		gi.sameLevel = int32(i)
		c.warnUnpaid(s, src, g)
	}
	// Before same_efficacy, which copies the info of its target group.
	for i, e := range sp.TCMAdvantagedGroups {
		a := advGroupEntry{factor: e.Factor, tcmOnly: e.TCMOnly, source: fmt.Sprintf("%s.tcm_advantaged_groups[%d]", sc.name, i)}
		if e.MinTCMShare != nil {
			a.minShare, a.hasShare = *e.MinTCMShare, true
		}
		sc.advGroups = append(sc.advGroups, a)
		sc.intern(e.Group).advGroup = int32(i)
		c.warnUnpaid(s, a.source, e.Group)
	}
	var errs []error
	for i, e := range sp.SameEfficacy {
		path := fmt.Sprintf("%s.same_efficacy[%d]", sc.name, i)
		row, ok := c.table.Lookup(s, e.PayAsGroup)
		if !ok || !row.HasWeight || row.Weight <= 0 {
			errs = append(errs, &PolicyError{Path: path + ".pay_as_group", Err: fmt.Errorf("%w: %s group %s has no weight in %s", ErrUnknownGroup, sc.name, e.PayAsGroup, TableFile)})
			continue
		}
		sc.sameEff = append(sc.sameEff, seEntry{tcmOnly: e.TCMOnly, group: row.Group, info: *sc.lookup(row.Group), source: path})
		c.addCode(sc.sameEffList, i, e.Code, e.System)
	}
	if o := sp.Outliers; o != nil {
		if o.High != nil {
			sc.highRatio = *o.High.Ratio
			for i, b := range o.High.Bands {
				nb := band{k: b.K, first: i == 0, open: b.UpTo == nil, source: fmt.Sprintf("%s.outliers.high.bands[%d]", sc.name, i)}
				if b.Over != nil {
					nb.over = *b.Over
				}
				if b.UpTo != nil {
					nb.upTo = *b.UpTo
				}
				sc.high = append(sc.high, nb)
			}
		}
		if o.Low != nil {
			sc.low, sc.lowK, sc.lowItem = true, o.Low.K, o.Low.Method == LowItemCost
			sc.lowSource = sc.name + ".outliers.low"
		}
	}
	return sc, errors.Join(errs...)
}

// warnUnpaid records a warning when the policy entry at src names a DRG
// group that no case can be paid as: one missing from the table, or listed
// there without a weight (such cases are unpaid, so the entry never
// applies). DIP groups are exempt: a DIP catalogue may price a group by its
// standard cost alone.
func (c *Calculator) warnUnpaid(s grouper.Scheme, src, group string) {
	if s != grouper.SchemeDRG {
		return
	}
	switch row, ok := c.table.Lookup(s, group); {
	case !ok:
		c.warnings = append(c.warnings, fmt.Sprintf("%s: %s is not in %s", src, group, TableFile))
	case !row.HasWeight || row.Weight <= 0:
		c.warnings = append(c.warnings, fmt.Sprintf("%s: %s has no weight in %s (line %d)", src, group, TableFile, row.Line))
	}
}

// intern returns the info of group for modification while building.
func (sc *schemeCalc) intern(group string) *groupInfo {
	return sc.groups.put(group, groupInfo{sameLevel: -1, advGroup: -1})
}

func (sc *schemeCalc) lookup(group string) *groupInfo {
	gi, _ := sc.groups.get(group)
	return gi
}

// Policy returns the policy the calculator was built from.
func (c *Calculator) Policy() *Policy { return c.policy }

// Valid returns the period the policy is in force (valid_from to
// valid_to, by discharge date). A run never prices a record discharged
// outside it: batch.Run rejects the record as not in force.
func (c *Calculator) Valid() record.Period { return c.valid }

// UnpaidOutsidePeriod returns a copy of c under which Compute leaves a case
// discharged outside the policy's period unpaid, with reason not_in_force,
// and a run (batch.Run) groups it rather than refusing it: for a policy the
// user did not choose (the embedded sample) or an analysis that must keep
// every record (drg compare).
func (c *Calculator) UnpaidOutsidePeriod() *Calculator {
	cp := *c
	cp.unpaidOutside = true
	return &cp
}

// RefusesOutsidePeriod reports whether a run refuses a record discharged
// outside the policy's period (the default), rather than leaving it unpaid.
func (c *Calculator) RefusesOutsidePeriod() bool { return !c.unpaidOutside }

// Table returns the weight table the calculator was built from.
func (c *Calculator) Table() *Table { return c.table }

// Warnings lists policy entries that can never apply with this table
// (e.g. a DRG same_level_groups code the table lacks). The slice is the
// calculator's; do not modify it.
func (c *Calculator) Warnings() []string { return c.warnings }

// cents rounds a yuan amount to whole cents, half away from zero.
//
// Amounts are products of decimal factors that binary floating point holds
// inexactly: 1.8605 × 10000 × 1.02 × 1.05 is 19 925.955 exactly but
// 19 925.954999… as computed, which math.Round alone takes down a cent. A
// value within a rounding error of a half cent (1e-7 cent, or 1e-14 of the
// amount when that is larger) is taken as the half cent it stands for. A
// decimal product that truly lies that close to a half cent but not on it
// would need more than seven decimals of a cent; policy factors do not have
// them.
func cents(x float64) float64 {
	y := x * 100
	r := math.Round(y)
	if d := math.Abs(y - r); d > 0.5-max(1e-7, math.Abs(y)*1e-14) {
		return math.Copysign(math.Floor(math.Abs(y))+1, y)
	}
	return r
}

// roundCents rounds a yuan amount to the cent.
func roundCents(x float64) float64 { return cents(x) / 100 }

// geCents reports cents(a) ≥ cents(b): a ≥ b compared in whole cents. The
// rounding is only done near the threshold (Round is monotonic, so a ≥ b
// implies it, and a more than a cent below b rules it out).
func geCents(a, b float64) bool {
	switch {
	case a >= b:
		return true
	case a < b-0.02:
		return false
	}
	return cents(a) >= cents(b)
}

// tcmTreated reports whether rec counts as TCM-treated: a TCM principal
// diagnosis, or a TCM cost share of at least tcm_treated_share.
func (c *Calculator) tcmTreated(rec *record.Record) bool {
	return rec.TCMPrincipalDx != "" || (c.hasTCMShare && atLeastShare(rec, c.tcmShare))
}

// atLeastShare reports TCMCost ≥ share × TotalCost, compared in whole cents.
func atLeastShare(rec *record.Record, share float64) bool {
	return rec.TotalCost > 0 && geCents(rec.TCMCost, share*rec.TotalCost)
}

// Compute weights and pays one grouped record under scheme
// (grouper.SchemeDRG or grouper.SchemeDIP), writing every field of out. It
// applies the policy in the documented order, one function per step:
//
//  1. same_efficacy: the group weight is replaced by the target group's
//     (sameEfficacy);
//  2. tcm_advantaged: × factor (when the TCM cost share is reached); else
//     tcm_advantaged_groups of the paid group: × factor (when TCM-treated
//     or the share is reached, as the entry asks) (tcmAdvantaged);
//  3. tcm_day_ward: × factor for day-ward records → AdjustedWeight
//     (dayWardFactor);
//  4. outlier class on the paid group's standard cost (a day-ward entry may
//     waive the low-cost rule) (outlierClass);
//  5. amount = AdjustedWeight × rate × level coefficient (same-level groups:
//     the common coefficient and rate) × kind coefficient, then the outlier
//     formula (amount; the rate is chosen before step 4, whose standard
//     cost defaults to weight × rate: rateFor);
//  6. tcm_fixed_price replaces the amount (fixedPrice).
//
// Before step 1, groupAndLevel finds the group, its weight and the level;
// records without them are unpaid: Amount 0, Reason and a flag say why.
// Compute is safe for concurrent use and does not allocate.
func (c *Calculator) Compute(rec *record.Record, res *grouper.Result, scheme grouper.Scheme, out *Payment) {
	out.reset(scheme)
	if !payable(scheme) || !c.schemes[scheme].ok {
		out.unpaid(AdjNoScheme, scheme.String())
		return
	}
	if c.unpaidOutside && rec.DischargeDate != 0 && !c.valid.Contains(rec.DischargeDate) {
		out.unpaid(AdjNotInForce, "valid_from..valid_to")
		return
	}
	sc := &c.schemes[scheme]
	gi, ok := c.groupAndLevel(sc, rec, res, out)
	if !ok {
		return
	}
	// The steps take and return their values (the group's info by
	// pointer) rather than share a state struct, and steps 1, 2, 3 and 6,
	// which apply only to records a policy list names, are called only for
	// those. Split around a state struct, Compute ran a sixth more
	// instructions than in one piece (callgrind, BenchmarkCompute); split
	// this way it runs slightly fewer.
	h := c.hitsOf(rec, res)
	w := out.BaseWeight
	if h[sc.sameEffList] >= 0 {
		w, gi = c.sameEfficacy(sc, rec, res, &h, w, gi, out)
	}
	w1 := w // the paid group's weight: selects the outlier band, and the standard cost
	if h[listAdvantaged] >= 0 || gi.advGroup >= 0 {
		w = c.tcmAdvantaged(sc, rec, res, &h, gi, w, out)
	}
	var day *dayEntry // the day-ward entry applied: its exemption is step 4's
	if rec.DayWard && h[listDayWard] >= 0 {
		day = &c.dayWard[h[listDayWard]]
		w = dayWardFactor(day, w, out)
	}
	out.AdjustedWeight = w
	out.Points = w * sc.scale
	rate := sc.rateFor(out.Level, gi.sameLevel >= 0)
	hb := outlierClass(sc, rec, gi, w1, rate, day, out)
	pay := c.amount(sc, rec, gi, w, rate, hb, out)
	if i := h[listFixedPrice]; i >= 0 {
		pay = fixedPrice(&c.fixed[i], out)
	}
	out.Amount = roundCents(pay)
	if !finite(out.Amount) || !finite(out.SettlementPoints) || !finite(out.Points) || !finite(out.StandardCost) {
		// Only absurd table or policy values get here (a weight of 1e308):
		// an infinite or NaN amount must not reach the output or a
		// settlement, where it would poison every total.
		group, paidAs, level := out.Group, out.PaidAs, out.Level
		out.reset(scheme)
		out.Group, out.PaidAs, out.Level = group, paidAs, level
		out.unpaid(AdjOutOfRange, sourceWeightTable)
	}
}

// groupAndLevel finds the group paid (out.Group, out.PaidAs), its base
// weight (out.BaseWeight) and the hospital level (out.Level), and returns
// the group's info. It returns false, with out unpaid, when the record has
// no group, the group no weight, or the hospital no level (step 0 of the
// package documentation).
func (c *Calculator) groupAndLevel(sc *schemeCalc, rec *record.Record, res *grouper.Result, out *Payment) (*groupInfo, bool) {
	var group string
	if out.Scheme == grouper.SchemeDRG {
		group = res.DRG
		out.Group = group
		if (res.Status != grouper.StatusOK && res.Status != grouper.StatusQY) || group == "" || group == grouper.Ungroupable {
			src := res.Reason
			if src == "" {
				src = grouper.Ungroupable
			}
			out.unpaid(AdjNoGroup, src)
			return nil, false
		}
	} else {
		group = res.DIP.Group
		out.Group = group
		if group == "" {
			out.unpaid(AdjNoGroup, "dip")
			return nil, false
		}
	}
	var gi *groupInfo
	if b := c.bound; b != nil && out.Scheme == grouper.SchemeDRG {
		if i, ok := res.DRGIndex(b.g); ok {
			if gi = b.drg[i]; gi == nil {
				gi = &notInTable
			}
		}
	}
	if gi == nil {
		var ok bool
		if gi, ok = sc.groups.get(group); !ok { // not sc.lookup: get inlines here, lookup would not
			gi = &notInTable
		}
	}
	var baseW float64
	switch {
	case gi.hasWeight:
		baseW = gi.weight
	case out.Scheme == grouper.SchemeDIP:
		baseW = res.DIP.Score // catalogue score
	}
	if !(baseW > 0) || math.IsInf(baseW, 0) {
		out.unpaid(AdjNoWeight, sourceWeightTable)
		return nil, false
	}
	out.BaseWeight = baseW
	level := rec.HospitalLevel
	if level < 1 || level > 3 {
		if c.defaultLevel == 0 {
			out.unpaid(AdjNoLevel, "hospital_level")
			return nil, false
		}
		level = c.defaultLevel
		out.addOp(AdjDefaultLevel, OpFlag, 0, 0, c.defaultSrc)
	}
	out.Level = level
	out.PaidAs = group
	return gi, true
}

// sameEfficacy is step 1, same efficacy, same price: the first
// same_efficacy entry of h whose condition the case meets pays it as its
// target group (out.PaidAs). It returns that group's weight and info, or w
// and gi as they were when no entry applies.
func (c *Calculator) sameEfficacy(sc *schemeCalc, rec *record.Record, res *grouper.Result, h *hits, w float64, gi *groupInfo, out *Payment) (float64, *groupInfo) {
	list := sc.sameEffList
	// An entry whose condition fails gives way to the next matching one (a
	// less specific code, or the Western entry behind a TCM one).
	ok := func(i int32) bool { return !sc.sameEff[i].tcmOnly || c.tcmTreated(rec) }
	if i := h[list]; i >= 0 && !ok(i) {
		h[list] = c.match.first(list, res.PrincipalDx, rec.TCMPrincipalDx, ok)
	}
	i := h[list]
	if i < 0 {
		return w, gi
	}
	e := &sc.sameEff[i]
	out.PaidAs = e.group
	if a := out.next(); a != nil {
		a.Name, a.Op, a.Group, a.Factor, a.Source = AdjSameEfficacy, OpGroup, e.group, e.info.weight/w, e.source
	}
	return e.info.weight, &e.info
}

// tcmAdvantaged is step 2, the TCM-advantaged uplift of the paid group's
// weight w: by disease (h), else by the paid group (gi); at most one. It
// returns the weight, uplifted or not.
func (c *Calculator) tcmAdvantaged(sc *schemeCalc, rec *record.Record, res *grouper.Result, h *hits, gi *groupInfo, w float64, out *Payment) float64 {
	ok := func(i int32) bool { e := &c.advantaged[i]; return !e.hasShare || atLeastShare(rec, e.minShare) }
	if i := h[listAdvantaged]; i >= 0 && !ok(i) {
		h[listAdvantaged] = c.match.first(listAdvantaged, res.PrincipalDx, rec.TCMPrincipalDx, ok)
	}
	if i := h[listAdvantaged]; i >= 0 {
		e := &c.advantaged[i]
		out.addOp(AdjTCMAdvantaged, OpFactor, e.factor, 0, e.source)
		return w * e.factor
	}
	if gi.advGroup >= 0 {
		e := &sc.advGroups[gi.advGroup]
		if (!e.tcmOnly || c.tcmTreated(rec)) && (!e.hasShare || atLeastShare(rec, e.minShare)) {
			out.addOp(AdjTCMAdvantaged, OpFactor, e.factor, 0, e.source)
			return w * e.factor
		}
	}
	return w
}

// dayWardFactor is step 3: a day-ward record's weight w times the factor
// of its tcm_day_ward entry e.
func dayWardFactor(e *dayEntry, w float64, out *Payment) float64 {
	out.addOp(AdjDayWard, OpFactor, e.factor, 0, e.source)
	return w * e.factor
}

// rateFor is the base rate (DRG) or point value (DIP) a case at a
// hospital of level is paid at: same_level_rate, when the policy sets one,
// for a same-level group. Step 5 pays at it, and step 4's standard cost
// defaults to the paid group's weight × it.
func (sc *schemeCalc) rateFor(level int8, sameLevel bool) float64 {
	if sameLevel && sc.sameRate > 0 {
		return sc.sameRate
	}
	return sc.rate[level]
}

// outlierClass is step 4: the outlier class (out.Outlier) against the paid
// group's standard cost (out.StandardCost), w1 being the paid group's
// weight, rate the rate it is paid at and day the day-ward entry applied,
// if any. The TCM and day-ward factors change what a case is paid, not
// what its group costs: scaling the thresholds with them once pushed an
// uplifted case just above the low-cost line below it, to be paid less
// than without the uplift. It returns the high-cost band of w1, nil when
// none applies.
func outlierClass(sc *schemeCalc, rec *record.Record, gi *groupInfo, w1, rate float64, day *dayEntry, out *Payment) *band {
	std := w1 * rate
	if gi.std > 0 {
		std = gi.std
	}
	out.StandardCost = std
	cost := rec.TotalCost
	if !(cost > 0 && std > 0) {
		return nil
	}
	var hb *band
	for i := range sc.high {
		b := &sc.high[i]
		if (w1 > b.over || (b.first && w1 >= b.over)) && (b.open || w1 <= b.upTo) {
			hb = b
			break
		}
	}
	switch {
	case hb != nil && geCents(cost, hb.k*std):
		out.Outlier = OutlierHigh
	case sc.low && geCents(sc.lowK*std, cost):
		if day != nil && day.exempt {
			out.addOp(AdjLowExempt, OpFlag, 0, 0, day.source)
		} else {
			out.Outlier = OutlierLow
		}
	}
	return hb
}

// amount is step 5: the group amount of the adjusted weight w at rate,
// the level coefficient (a same-level group's common one) and the
// hospital kind's coefficient, then the outlier formula (hb: the high-cost
// band of step 4), and the case's settlement points. It returns the
// amount, unrounded.
func (c *Calculator) amount(sc *schemeCalc, rec *record.Record, gi *groupInfo, w, rate float64, hb *band, out *Payment) float64 {
	coef := sc.coef[out.Level]
	if gi.sameLevel >= 0 {
		coef = sc.sameCoef
	}
	kind, kindSrc := 1.0, ""
	for i := range c.kinds {
		if c.kinds[i].kind == rec.HospitalKind {
			kind, kindSrc = c.kinds[i].coef, c.kinds[i].source
			break
		}
	}
	out.Rate, out.LevelCoefficient, out.KindCoefficient = rate, coef, kind
	if gi.sameLevel >= 0 {
		out.addOp(AdjSameLevel, OpFactor, coef, 0, sc.sameSrc[gi.sameLevel])
	}
	if kindSrc != "" {
		out.addOp(AdjKindCoef, OpFactor, kind, 0, kindSrc)
	}
	pay := w * rate * coef * kind
	out.GroupAmount = pay
	cost, std := rec.TotalCost, out.StandardCost
	switch out.Outlier {
	case OutlierHigh:
		extra := max(0, cost-hb.k*std) * sc.highRatio // ≥ 0: the cents comparison may admit a cost a fraction of a cent below k × S
		pay += extra
		out.addOp(AdjHighOutlier, OpAdd, 0, roundCents(extra), hb.source)
	case OutlierLow:
		if sc.lowItem {
			pay = cost
			out.addOp(AdjLowOutlier, OpSet, 0, roundCents(cost), sc.lowSource)
		} else {
			f := cost / std
			pay *= f
			out.addOp(AdjLowOutlier, OpFactor, f, 0, sc.lowSource)
		}
	}
	out.SettlementPoints = pay * sc.scale / rate
	return pay
}

// fixedPrice is step 6: the price of the record's tcm_fixed_price entry e
// replaces the amount, and the case leaves the settlement pool. It returns
// the price.
func fixedPrice(e *fixedEntry, out *Payment) float64 {
	out.FixedPrice, out.SettlementPoints = true, 0
	out.addOp(AdjFixedPrice, OpSet, 0, e.price, e.source)
	return e.price
}

// reset clears p for a new record: every field, and the adjustments that
// were in use (the rest are already zero).
func (p *Payment) reset(s grouper.Scheme) {
	clear(p.Adjustments[:min(max(p.NumAdjustments, 0), MaxAdjustments)])
	p.Scheme, p.Group, p.PaidAs, p.Level = s, "", "", 0
	p.BaseWeight, p.AdjustedWeight, p.Points, p.SettlementPoints = 0, 0, 0, 0
	p.Rate, p.LevelCoefficient, p.KindCoefficient, p.StandardCost = 0, 0, 1, 0
	p.Outlier, p.GroupAmount, p.Amount, p.FixedPrice, p.Reason = OutlierNone, 0, 0, false, ""
	p.NumAdjustments = 0
}

func (p *Payment) unpaid(reason, source string) {
	p.Reason = reason
	p.addOp(reason, OpFlag, 0, 0, source)
}
