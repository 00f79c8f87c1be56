package synth

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// Generator makes realistic synthetic discharge records for one rule set.
//
// Most records are aimed at an ADRG: the generator picks one (frequent ADRGs
// far more often than rare ones, medical more often than surgical), then
// builds a record that satisfies the entry condition of its MDC and the
// ADRG's condition, drawing the principal diagnosis from the lists those
// conditions name with a Zipf-like skew. Earlier MDCs or ADRGs may still
// claim the record, as in real data. About 5% of the records carry a TCM
// principal diagnosis instead of a Western one (more in TCM hospitals), about
// 5% are random noise, and about 3% are day-ward stays.
//
// The output depends only on the rule set and the seed. A Generator is not
// safe for concurrent use.
type Generator struct {
	rs  *grouper.RuleSet
	r   *rand.Rand
	seq int

	targets   []target
	targetCum []float64

	dxByPrefix map[string][]string // category or subcategory -> dictionary codes below it
	dxAll      []string            // codes for noise and random secondaries
	mcc, cc    []string
	procAll    []string
	procMinor  []string // procedures in no global list: extra, minor procedures

	tcm       []codes.TCMMapping
	tcmByDis  map[string][]int // disease -> rows
	diseases  []string
	diseaseCm []float64

	hospitals []hospital
	hospCum   []float64
}

type target struct {
	mdc, adrg string
	kind      grouper.ADRGKind
	conds     []cond
}

type cond struct {
	expr  *grouper.Expr
	lists map[*grouper.Expr]*genList
}

// genList is a code list with what picking from it needs.
type genList struct {
	dx      bool
	entries []string
	set     map[string]bool
	order   []int     // entries in a seeded order of popularity
	cum     []float64 // cumulative Zipf weights over order
	regions [][]string
}

type hospital struct {
	id    string
	level int8
	kind  string
}

// NewGenerator prepares a generator for rs. It fails when a condition of rs
// does not parse or names a list that does not exist.
func NewGenerator(rs *grouper.RuleSet, seed uint64) (*Generator, error) {
	g := &Generator{
		rs:         rs,
		r:          rand.New(rand.NewPCG(seed, 0x7ecd5)),
		dxByPrefix: map[string][]string{},
		tcmByDis:   map[string][]int{},
	}
	byName := map[[2]string][]grouper.ListEntry{}
	for _, e := range rs.Lists {
		k := [2]string{e.Owner, e.List}
		byName[k] = append(byName[k], e)
	}
	built := map[string]*genList{}
	resolve := func(scopes []string, name string, group int) *genList {
		for _, owner := range scopes {
			key := fmt.Sprintf("%s/%s[%d]", owner, name, group)
			if l := built[key]; l != nil {
				return l
			}
			var ents []grouper.ListEntry
			for _, e := range byName[[2]string{owner, name}] {
				if group == 0 || e.Group == group {
					ents = append(ents, e)
				}
			}
			if len(ents) == 0 {
				continue
			}
			l := g.newList(ents)
			built[key] = l
			return l
		}
		return nil
	}
	parse := func(src string, scopes []string) (cond, error) {
		e, err := grouper.ParseExpr(src)
		if err != nil {
			return cond{}, err
		}
		c := cond{expr: e, lists: map[*grouper.Expr]*genList{}}
		e.Walk(func(n *grouper.Expr) {
			if n.Op == grouper.OpIn || n.Op == grouper.OpCmp && n.Field == grouper.FieldRegions {
				if l := resolve(scopes, n.List, n.Group); l != nil {
					c.lists[n] = l
				} else if err == nil {
					err = fmt.Errorf("no list %q", n.List)
				}
			}
		})
		return c, err
	}

	mdcConds := map[string]cond{}
	mdcRank := map[string]int{}
	for i, m := range rs.MDCs {
		c, err := parse(m.Condition, []string{m.Code, "*"})
		if err != nil {
			return nil, fmt.Errorf("synth: MDC %s: %w", m.Code, err)
		}
		mdcConds[m.Code] = c
		mdcRank[m.Code] = i
	}
	adrgs := slices.Clone(rs.ADRGs)
	slices.SortStableFunc(adrgs, func(a, b grouper.ADRG) int {
		return cmp.Or(cmp.Compare(mdcRank[a.MDC], mdcRank[b.MDC]), cmp.Compare(a.Order, b.Order))
	})
	for _, a := range adrgs {
		mc, ok := mdcConds[a.MDC]
		if !ok {
			return nil, fmt.Errorf("synth: ADRG %s names MDC %q, which is not defined", a.Code, a.MDC)
		}
		c, err := parse(a.Condition, []string{a.Code, a.MDC, "*"})
		if err != nil {
			return nil, fmt.Errorf("synth: ADRG %s: %w", a.Code, err)
		}
		g.targets = append(g.targets, target{mdc: a.MDC, adrg: a.Code, kind: a.Kind(), conds: []cond{mc, c}})
	}
	if len(g.targets) == 0 {
		return nil, fmt.Errorf("synth: rule set %s has no ADRG", rs.Name)
	}
	g.weighTargets()
	g.codePools()
	g.tcmTable()
	g.makeHospitals()
	return g, nil
}

func (g *Generator) newList(ents []grouper.ListEntry) *genList {
	l := &genList{dx: ents[0].System != codes.SystemProcedure, set: make(map[string]bool, len(ents))}
	regions := map[string][]string{}
	for _, e := range ents {
		if !l.set[e.Code] {
			l.set[e.Code] = true
			l.entries = append(l.entries, e.Code)
		}
		if e.Region != "" {
			regions[e.Region] = append(regions[e.Region], e.Code)
		}
	}
	names := make([]string, 0, len(regions))
	for r := range regions {
		names = append(names, r)
	}
	slices.Sort(names)
	for _, r := range names {
		l.regions = append(l.regions, regions[r])
	}
	l.order = g.r.Perm(len(l.entries))
	l.cum = zipfCum(len(l.entries), 0.9)
	return l
}

// zipfCum returns cumulative weights 1/(i+1)^s for i < n.
func zipfCum(n int, s float64) []float64 {
	cum := make([]float64, n)
	acc := 0.0
	for i := range cum {
		acc += math.Pow(float64(i+1), -s)
		cum[i] = acc
	}
	return cum
}

// pickCum returns an index drawn with the weights whose running sums are cum.
func pickCum(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	return min(sort.SearchFloat64s(cum, x), len(cum)-1)
}

func (l *genList) zipf(r *rand.Rand) string    { return l.entries[l.order[pickCum(r, l.cum)]] }
func (l *genList) uniform(r *rand.Rand) string { return l.entries[r.IntN(len(l.entries))] }

// has reports whether code is in the list, with the diagnosis hierarchy.
func (l *genList) has(code string) bool {
	if l.set[code] {
		return true
	}
	if !l.dx {
		return false
	}
	return len(code) >= 5 && code[3] == '.' && l.set[code[:5]] || len(code) > 3 && l.set[code[:3]]
}

// weighTargets gives each ADRG a popularity: a Zipf-like weight over a
// seeded ranking, scaled by kind (medical cases dominate) and by MDC (few
// pre-MDC, newborn, HIV and multiple-trauma cases).
func (g *Generator) weighTargets() {
	rank := g.r.Perm(len(g.targets))
	g.targetCum = make([]float64, len(g.targets))
	acc := 0.0
	for i, t := range g.targets {
		w := 1 / math.Pow(float64(rank[i]+1), 0.6)
		switch t.kind {
		case grouper.KindMedical:
			w *= 3
		case grouper.KindSurgical:
			w *= 1.4
		}
		switch t.mdc {
		case "A", "Y":
			w *= 0.15
		case "P", "Z":
			w *= 0.4
		}
		acc += w
		g.targetCum[i] = acc
	}
}

// codePools collects the codes used for noise, secondaries and extra
// procedures.
func (g *Generator) codePools() {
	rs := g.rs
	dx, px := map[string]bool{}, map[string]bool{}
	global := map[string]bool{}
	for _, e := range rs.Lists {
		if e.System == codes.SystemProcedure {
			px[e.Code] = true
			if e.Owner == "*" {
				global[e.Code] = true
			}
		} else if len(rs.Diagnoses) == 0 {
			dx[materialize(e.Code)] = true
		}
	}
	for _, d := range rs.Diagnoses {
		dx[d.Code] = true
		if s := codes.Diagnosis(d.Code).Subcategory(); s != "" && string(s) != d.Code {
			g.dxByPrefix[string(s)] = append(g.dxByPrefix[string(s)], d.Code)
		}
		if c := d.Code[:3]; c != d.Code {
			g.dxByPrefix[c] = append(g.dxByPrefix[c], d.Code)
		}
	}
	for _, p := range rs.Procedures {
		px[p.Code] = true
	}
	for _, e := range rs.CC {
		if e.Level == grouper.CCLevelMCC {
			g.mcc = append(g.mcc, e.Code)
		} else {
			g.cc = append(g.cc, e.Code)
		}
	}
	g.dxAll = sortedKeys(dx)
	g.procAll = sortedKeys(px)
	for _, p := range g.procAll {
		if !global[p] {
			g.procMinor = append(g.procMinor, p)
		}
	}
	if len(g.procMinor) == 0 {
		g.procMinor = g.procAll
	}
	if len(g.dxAll) == 0 {
		g.dxAll = []string{"R69.x00"}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// materialize turns a category or subcategory list entry into a full code
// below it that has no dictionary of its own (K80 -> K80.900).
func materialize(entry string) string {
	switch len(entry) {
	case 3:
		return entry + ".900"
	case 5:
		return entry + "00"
	}
	return entry
}

// code returns a dictionary code covered by a diagnosis list entry.
func (g *Generator) code(entry string) string {
	if len(entry) > 5 {
		return entry
	}
	if below := g.dxByPrefix[entry]; len(below) > 0 {
		return below[g.r.IntN(len(below))]
	}
	return materialize(entry)
}

func (g *Generator) tcmTable() {
	g.tcm = g.rs.TCM // none: no TCM-coded records, which could only be TCM_UNMAPPED
	for i, m := range g.tcm {
		if g.tcmByDis[m.Disease] == nil {
			g.diseases = append(g.diseases, m.Disease)
		}
		g.tcmByDis[m.Disease] = append(g.tcmByDis[m.Disease], i)
	}
	if len(g.diseases) > 0 {
		g.r.Shuffle(len(g.diseases), func(i, j int) { g.diseases[i], g.diseases[j] = g.diseases[j], g.diseases[i] })
		g.diseaseCm = zipfCum(len(g.diseases), 0.8)
	}
}

// makeHospitals invents 240 hospitals of a city: levels 1-3, some TCM
// hospitals; level-3 hospitals discharge the most patients.
func (g *Generator) makeHospitals() {
	acc := 0.0
	for i := range 240 {
		h := hospital{id: fmt.Sprintf("H32050%06d", i+1), kind: "general"}
		w := 1.0
		switch x := g.r.Float64(); {
		case x < 0.25:
			h.level = 1
		case x < 0.7:
			h.level, w = 2, 3
		default:
			h.level, w = 3, 9
		}
		if g.r.Float64() < 0.15 {
			h.kind = "tcm"
		}
		acc += w * (0.5 + g.r.Float64())
		g.hospitals = append(g.hospitals, h)
		g.hospCum = append(g.hospCum, acc)
	}
}

// bound is what a plan allows for one numeric field.
type bound struct {
	lo, hi float64
	ne     []float64
}

func (b *bound) apply(c grouper.Cmp, v float64) {
	switch c {
	case grouper.CmpLT:
		b.hi = min(b.hi, v-1)
	case grouper.CmpLE:
		b.hi = min(b.hi, v)
	case grouper.CmpEQ:
		b.lo, b.hi = max(b.lo, v), min(b.hi, v)
	case grouper.CmpNE:
		b.ne = append(b.ne, v)
	case grouper.CmpGE:
		b.lo = max(b.lo, v)
	case grouper.CmpGT:
		b.lo = max(b.lo, v+1)
	}
}

// plan collects what a record needs to satisfy a target's conditions.
type plan struct {
	pdx, mainProc, anyProc, anyDx, anySdx, noProc []*genList
	regions                                       *genList
	minRegions                                    int
	bounds                                        [grouper.FieldRegions + 1]bound
}

func (p *plan) reset() {
	*p = plan{pdx: p.pdx[:0], mainProc: p.mainProc[:0], anyProc: p.anyProc[:0], anyDx: p.anyDx[:0], anySdx: p.anySdx[:0], noProc: p.noProc[:0]}
	for i := range p.bounds {
		p.bounds[i] = bound{lo: math.Inf(-1), hi: math.Inf(1)}
	}
}

var negated = [...]grouper.Cmp{
	grouper.CmpLT: grouper.CmpGE, grouper.CmpLE: grouper.CmpGT, grouper.CmpEQ: grouper.CmpNE,
	grouper.CmpNE: grouper.CmpEQ, grouper.CmpGE: grouper.CmpLT, grouper.CmpGT: grouper.CmpLE,
}

// require adds to p what makes e hold (or fail, when neg): a conjunction
// needs every part, a disjunction one part picked at random.
func (g *Generator) require(p *plan, c *cond, e *grouper.Expr, neg bool) {
	switch e.Op {
	case grouper.OpAnd, grouper.OpOr:
		if (e.Op == grouper.OpAnd) != neg {
			for _, a := range e.Args {
				g.require(p, c, a, neg)
			}
		} else {
			g.require(p, c, e.Args[g.r.IntN(len(e.Args))], neg)
		}
	case grouper.OpNot:
		g.require(p, c, e.Args[0], !neg)
	case grouper.OpIn:
		l := c.lists[e]
		if neg {
			if e.Subject.IsProcedure() {
				p.noProc = append(p.noProc, l)
			}
			return
		}
		switch e.Subject {
		case grouper.SubjectPdx:
			p.pdx = append(p.pdx, l)
		case grouper.SubjectMainProc:
			p.mainProc = append(p.mainProc, l)
		case grouper.SubjectAnyProc:
			p.anyProc = append(p.anyProc, l)
		case grouper.SubjectAnyDx:
			p.anyDx = append(p.anyDx, l)
		case grouper.SubjectAnySdx:
			p.anySdx = append(p.anySdx, l)
		}
	case grouper.OpCmp:
		cm := e.Cmp
		if neg {
			cm = negated[cm]
		}
		if e.Field == grouper.FieldRegions {
			if !neg && (cm == grouper.CmpGE || cm == grouper.CmpGT) {
				p.regions, p.minRegions = c.lists[e], int(e.Value)
				if cm == grouper.CmpGT {
					p.minRegions++
				}
			}
			return
		}
		p.bounds[e.Field].apply(cm, e.Value)
	}
}

// validMax is the largest value record.Reader accepts in a field (0: no
// bound fit can reach). fit stays within it: a generated record is clean
// unless DirtyRecords spoils it, so that gen's count of invalid records is
// the reader's count of rejects. (A rule "age_years >= 65" once drew ages up
// to 165 and the reader rejected the ones past 150.)
var validMax = [grouper.FieldRegions + 1]float64{
	grouper.FieldAgeYears: 150, grouper.FieldAgeDays: 365, grouper.FieldWeight: 10000,
	grouper.FieldLOS: 3650, grouper.FieldVentHours: 87600,
}

// fit returns x when the plan allows it for field f, else a value drawn in
// the allowed range (at most span above its lower end). The value is never
// past validMax: when the plan needs more, the record misses its target
// rather than becoming invalid.
func (g *Generator) fit(p *plan, f grouper.Field, x, floor, span float64) float64 {
	b := &p.bounds[f]
	if x >= b.lo && x <= b.hi && !slices.Contains(b.ne, x) && (validMax[f] == 0 || x <= validMax[f]) {
		return x
	}
	lo := max(b.lo, floor)
	hi := min(b.hi, lo+span)
	if m := validMax[f]; m > 0 {
		lo, hi = min(lo, m), min(hi, m)
	}
	if hi < lo {
		return lo
	}
	v := lo + math.Floor(g.r.Float64()*(hi-lo+1))
	for slices.Contains(b.ne, v) {
		v++
	}
	if m := validMax[f]; m > 0 && v > m {
		return lo
	}
	return v
}

// pickDx returns a diagnosis in every list of ls (trying a while, then
// settling for the first list).
func (g *Generator) pickDx(ls []*genList) string {
	slices.SortStableFunc(ls, func(a, b *genList) int { return cmp.Compare(len(a.entries), len(b.entries)) })
	for try := range 30 {
		e := ls[0].zipf(g.r)
		if try >= 10 {
			e = ls[0].uniform(g.r)
		}
		code := g.code(e)
		if allHave(ls[1:], code) {
			return code
		}
	}
	return g.code(ls[0].zipf(g.r))
}

// pickProc returns a procedure in every list of ls, or "" when it finds none.
func (g *Generator) pickProc(ls []*genList) string {
	slices.SortStableFunc(ls, func(a, b *genList) int { return cmp.Compare(len(a.entries), len(b.entries)) })
	for range 30 {
		if p := ls[0].uniform(g.r); allHave(ls[1:], p) {
			return p
		}
	}
	return ""
}

func allHave(ls []*genList, code string) bool {
	for _, l := range ls {
		if !l.has(code) {
			return false
		}
	}
	return true
}

// secondaryCum weighs 0-15 secondary diagnoses, mostly 0-6.
var secondaryCum = cumulative(14, 13, 14, 13, 11, 9, 7, 5, 4, 3, 2, 1.5, 1.2, 1, 0.8, 0.5)

// medicalProcCum weighs 0-6 procedures for a medical case.
var medicalProcCum = cumulative(58, 18, 10, 6, 4, 2.5, 1.5)

// dischargeCum weighs 离院方式 1-5 as 80/6/3/8/3.
var dischargeCum = cumulative(80, 6, 3, 8, 3)

func cumulative(w ...float64) []float64 {
	out := make([]float64, len(w))
	acc := 0.0
	for i, x := range w {
		acc += x
		out[i] = acc
	}
	return out
}

// levelCost scales costs by hospital level 0-3.
var levelCost = [4]float64{1, 0.7, 0.85, 1.15}

// baseDate is the first admission day of the generated year.
var baseDate = record.DateOf(2024, time.January, 1)

// Next fills rec with the next record, reusing rec's slices.
func (g *Generator) Next(rec *record.Record) {
	r := g.r
	rec.Reset()
	g.seq++
	rec.ID = "R" + strconv.Itoa(1_000_000_000 + g.seq)[1:]
	h := &g.hospitals[pickCum(r, g.hospCum)]
	rec.HospitalID, rec.HospitalLevel, rec.HospitalKind = h.id, h.level, h.kind
	rec.Present = record.HasSex | record.HasAgeYears | record.HasLOS | record.HasDischargeMethod |
		record.HasTotalCost | record.HasHospitalLevel

	var p plan
	p.reset()
	var t *target
	if r.Float64() >= 0.05 {
		t = &g.targets[pickCum(r, g.targetCum)]
		for i := range t.conds {
			g.require(&p, &t.conds[i], t.conds[i].expr, false)
		}
	}
	mdc := ""
	kind := grouper.KindMedical
	if t != nil {
		mdc, kind = t.mdc, t.kind
	}
	g.demographics(rec, &p, mdc)

	// The principal diagnosis: TCM-coded, from the plan, or noise.
	tcmShare := 0.03
	if h.kind == "tcm" {
		tcmShare = 0.3
	}
	switch {
	case kind == grouper.KindMedical && len(g.diseases) > 0 && r.Float64() < tcmShare:
		g.tcmPrincipal(rec)
	case len(p.pdx) > 0:
		rec.PrincipalDx = g.pickDx(p.pdx)
	case len(p.anyDx) > 0:
		rec.PrincipalDx = g.pickDx(p.anyDx[:1])
	default:
		rec.PrincipalDx = g.dxAll[r.IntN(len(g.dxAll))]
	}
	for _, l := range p.anyDx {
		if rec.PrincipalDx == "" || !l.has(rec.PrincipalDx) {
			rec.SecondaryDx = append(rec.SecondaryDx, g.pickDx([]*genList{l}))
		}
	}
	for _, l := range p.anySdx {
		rec.SecondaryDx = append(rec.SecondaryDx, g.pickDx([]*genList{l}))
	}
	if p.regions != nil {
		g.addRegions(rec, p.regions, p.minRegions)
	}
	n := len(rec.SecondaryDx) + pickCum(r, secondaryCum)
	for try := 0; len(rec.SecondaryDx) < min(n, 15) && try < 3*n; try++ {
		var code string
		switch x := r.Float64(); {
		case x < 0.1 && len(g.mcc) > 0:
			code = g.code(g.mcc[r.IntN(len(g.mcc))])
		case x < 0.3 && len(g.cc) > 0:
			code = g.code(g.cc[r.IntN(len(g.cc))])
		default:
			code = g.dxAll[r.IntN(len(g.dxAll))]
		}
		if code[0] == 'O' && rec.Sex != 2 || code[0] == 'P' && rec.AgeYears > 0 {
			continue // pregnancy for men, perinatal conditions for adults
		}
		rec.SecondaryDx = append(rec.SecondaryDx, code)
	}

	g.procedures(rec, &p, t)
	g.stayAndCost(rec, &p, kind, h)
}

// demographics sets sex and age consistent with the MDC and the plan.
func (g *Generator) demographics(rec *record.Record, p *plan, mdc string) {
	r := g.r
	sex := float64(1 + r.IntN(2))
	switch {
	case mdc == "M":
		sex = 1
	case mdc == "N" || mdc == "O":
		sex = 2
	case r.Float64() < 0.003:
		sex = 9
	}
	rec.Sex = int8(g.fit(p, grouper.FieldSex, sex, 1, 1))

	var age float64
	switch x := r.Float64(); {
	case mdc == "P":
		age = 0
	case mdc == "O":
		age = float64(16 + (r.IntN(33)+r.IntN(33))/2)
	case x < 0.03:
		age = 0
	case x < 0.15:
		age = float64(1 + r.IntN(17))
	default:
		age = float64(18 + (r.IntN(78)+r.IntN(78))/2)
	}
	// A required minimum age (65 for the elderly groups) is met by ages up
	// to 40 years above it, not by centenarians.
	rec.AgeYears = int16(g.fit(p, grouper.FieldAgeYears, age, 0, 40))
	if rec.AgeYears != 0 {
		return
	}
	days := float64(29 + r.IntN(336))
	if mdc == "P" {
		days = float64(r.IntN(8) * r.IntN(5))
	}
	rec.AgeDays = int16(g.fit(p, grouper.FieldAgeDays, days, 0, 28))
	rec.Present |= record.HasAgeDays
	if rec.AgeDays > 28 {
		return
	}
	w := 3200 + 500*r.NormFloat64()
	if r.Float64() < 0.08 {
		w = 800 + 1700*r.Float64()
	}
	w = math.Round(min(max(w, 600), 5200)/10) * 10
	rec.BirthWeightG = int32(g.fit(p, grouper.FieldWeight, w, 500, 2500))
	rec.Present |= record.HasBirthWeight
}

// tcmPrincipal gives rec a TCM principal diagnosis and syndrome instead of
// a Western principal.
func (g *Generator) tcmPrincipal(rec *record.Record) {
	r := g.r
	d := g.diseases[pickCum(r, g.diseaseCm)]
	rows := g.tcmByDis[d]
	rec.TCMPrincipalDx = d
	var syn []string
	for _, i := range rows {
		if s := g.tcm[i].Syndrome; s != "" {
			syn = append(syn, s)
		}
	}
	switch x := r.Float64(); {
	case x < 0.6 && len(syn) > 0:
		rec.TCMSyndrome = syn[r.IntN(len(syn))]
	case x < 0.93:
		// No syndrome: the disease's default row applies.
	default:
		rec.TCMSyndrome = "B09.09.09" // a syndrome the table does not list
	}
}

// addRegions adds secondary diagnoses from regions of l that the record does
// not cover yet, until it covers n.
func (g *Generator) addRegions(rec *record.Record, l *genList, n int) {
	covered := func(codes []string) bool {
		for _, c := range codes {
			if c == rec.PrincipalDx || slices.Contains(rec.SecondaryDx, c) {
				return true
			}
		}
		return false
	}
	have := 0
	for _, reg := range l.regions {
		if covered(reg) {
			have++
		}
	}
	for _, i := range g.r.Perm(len(l.regions)) {
		if have >= n {
			return
		}
		if reg := l.regions[i]; !covered(reg) {
			rec.SecondaryDx = append(rec.SecondaryDx, g.code(reg[g.r.IntN(len(reg))]))
			have++
		}
	}
}

// procedures sets the main procedure and the others.
func (g *Generator) procedures(rec *record.Record, p *plan, t *target) {
	r := g.r
	anyProc := p.anyProc
	if len(p.mainProc) > 0 {
		main := ""
		if len(anyProc) > 0 {
			if main = g.pickProc(append([]*genList{anyProc[0]}, p.mainProc...)); main != "" {
				anyProc = anyProc[1:]
			}
		}
		if main == "" {
			main = g.pickProc(p.mainProc)
		}
		if main != "" {
			rec.Procedures = append(rec.Procedures, main)
		}
	}
	for _, l := range anyProc {
		if c := g.pickProc([]*genList{l}); c != "" {
			rec.Procedures = append(rec.Procedures, c)
		}
	}
	var extra int
	switch {
	case t == nil:
		extra = r.IntN(5)
	case t.kind == grouper.KindMedical:
		extra = pickCum(r, medicalProcCum)
	default:
		extra = r.IntN(4)
	}
	pool := g.procMinor
	if t == nil {
		pool = g.procAll
	}
	for i := 0; i < extra*3 && len(rec.Procedures) < 6 && extra > 0; i++ {
		c := pool[r.IntN(len(pool))]
		if slices.ContainsFunc(p.noProc, func(l *genList) bool { return l.has(c) }) || slices.Contains(rec.Procedures, c) {
			continue
		}
		rec.Procedures = append(rec.Procedures, c)
		extra--
	}
	if r.Float64() < 0.015 || p.bounds[grouper.FieldVentHours].lo > 0 {
		rec.VentHours = g.fit(p, grouper.FieldVentHours, float64(1+r.IntN(240)), 1, 300)
		rec.Present |= record.HasVentHours
	}
}

// stayAndCost sets the discharge method, dates, length of stay and costs.
func (g *Generator) stayAndCost(rec *record.Record, p *plan, kind grouper.ADRGKind, h *hospital) {
	r := g.r
	rec.DischargeMethod = int8(g.fit(p, grouper.FieldDischargeMethod, float64(1+pickCum(r, dischargeCum)), 1, 4))
	dayWard := 0.025
	if h.kind == "tcm" {
		dayWard = 0.06
	}
	rec.DayWard = g.fit(p, grouper.FieldDayWard, b2f(r.Float64() < dayWard), 0, 1) == 1
	median, cost := 7.0, 7000.0
	switch kind {
	case grouper.KindSurgical:
		median, cost = 9, 26000
	case grouper.KindNonOR:
		median, cost = 6, 15000
	}
	los := math.Round(median * math.Exp(0.55*r.NormFloat64()))
	los = min(max(los, 1), 120)
	if rec.DayWard {
		los, cost = 1, cost*0.25
	}
	los = g.fit(p, grouper.FieldLOS, los, 1, 30)
	rec.LOSDays = int32(los)
	rec.AdmitDate = baseDate + record.Date(r.IntN(366))
	rec.DischargeDate = rec.AdmitDate + record.Date(los)
	if rec.DayWard {
		rec.DischargeDate = rec.AdmitDate
	}
	cost *= math.Pow(los/median, 0.6) * math.Exp(0.45*r.NormFloat64()) * (1 + 0.06*float64(len(rec.SecondaryDx)))
	cost *= levelCost[h.level]
	rec.TotalCost = math.Round(max(cost, 300)*100) / 100
	share := 0.0
	switch {
	case h.kind == "tcm":
		share = 0.08 + 0.32*r.Float64()
	case r.Float64() < 0.5:
		share = 0.06 * r.Float64()
	}
	if share > 0 {
		rec.TCMCost = math.Floor(rec.TotalCost*share*100) / 100
		rec.Present |= record.HasTCMCost
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Records calls fn with n generated records for rs, stopping at the first
// error fn returns. The record is reused: fn must not keep it or its slices
// beyond the call (Clone it to keep it).
func Records(rs *grouper.RuleSet, seed uint64, n int, fn func(*record.Record) error) error {
	g, err := NewGenerator(rs, seed)
	if err != nil {
		return err
	}
	var rec record.Record
	for range n {
		g.Next(&rec)
		if err := fn(&rec); err != nil {
			return err
		}
	}
	return nil
}

// RecordSlice returns n generated records for rs, for benchmarks that keep
// them in memory.
func RecordSlice(rs *grouper.RuleSet, seed uint64, n int) ([]record.Record, error) {
	out := make([]record.Record, 0, n)
	err := Records(rs, seed, n, func(r *record.Record) error {
		out = append(out, r.Clone())
		return nil
	})
	return out, err
}
