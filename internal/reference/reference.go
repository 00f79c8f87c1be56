package reference

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// ErrRuleSet reports a rule set the reference grouper cannot interpret.
var ErrRuleSet = errors.New("reference: invalid rule set")

// Grouper groups records by interpreting a RuleSet directly. It is immutable
// after New and safe for concurrent use.
type Grouper struct {
	rs     *grouper.RuleSet
	tcm    []codes.TCMMapping
	checks []check
	mdcs   []mdc
	qyCond *cond // the QY condition; nil when QY is off
	// ignored is the list of procedures that do not count (nil: all count).
	ignored []grouper.ListEntry

	// byName holds rs.Lists split by owner and list name, for New only.
	byName map[[2]string][]grouper.ListEntry
}

// cond is a parsed condition with the list each `in` and `regions` node
// names, resolved in the condition's scopes.
type cond struct {
	src   string
	expr  *grouper.Expr
	lists map[*grouper.Expr][]grouper.ListEntry
}

type check struct {
	reason string
	cond   cond
}

type mdc struct {
	code  string
	cond  cond
	adrgs []adrg // in try order
	qyAt  int    // index of the first medical ADRG (len(adrgs) when none)
}

type adrg struct {
	code string
	cond cond
	drgs []drg // in try order
}

type drg struct {
	code string
	cond cond
}

// New parses every condition of rs and resolves the lists they name. It
// reports the first problem it finds; a rule set that grouper.Compile accepts
// is accepted here too.
func New(rs *grouper.RuleSet) (*Grouper, error) {
	g := &Grouper{rs: rs, tcm: rs.TCM, byName: map[[2]string][]grouper.ListEntry{}}
	for _, e := range rs.Lists {
		k := [2]string{e.Owner, e.List}
		g.byName[k] = append(g.byName[k], e)
	}
	for _, c := range sortedBy(rs.Checks, func(c grouper.Check) int { return c.Order }) {
		cd, err := g.parse(c.Condition, []string{"*"})
		if err != nil {
			return nil, fmt.Errorf("%w: check %s: %w", ErrRuleSet, c.Reason, err)
		}
		g.checks = append(g.checks, check{reason: c.Reason, cond: cd})
	}
	for _, m := range sortedBy(rs.MDCs, func(m grouper.MDC) int { return m.Order }) {
		cd, err := g.parse(m.Condition, []string{m.Code, "*"})
		if err != nil {
			return nil, fmt.Errorf("%w: MDC %s: %w", ErrRuleSet, m.Code, err)
		}
		g.mdcs = append(g.mdcs, mdc{code: m.Code, cond: cd})
	}
	for _, a := range sortedBy(rs.ADRGs, func(a grouper.ADRG) int { return a.Order }) {
		mi := slices.IndexFunc(g.mdcs, func(m mdc) bool { return m.code == a.MDC })
		if mi < 0 {
			return nil, fmt.Errorf("%w: ADRG %s names MDC %q, which is not defined", ErrRuleSet, a.Code, a.MDC)
		}
		scopes := []string{a.Code, a.MDC, "*"}
		cd, err := g.parse(a.Condition, scopes)
		if err != nil {
			return nil, fmt.Errorf("%w: ADRG %s: %w", ErrRuleSet, a.Code, err)
		}
		ad := adrg{code: a.Code, cond: cd}
		for _, d := range sortedBy(rs.DRGs, func(d grouper.DRG) int { return d.Order }) {
			if d.ADRG != a.Code {
				continue
			}
			cd, err := g.parse(d.Condition, scopes)
			if err != nil {
				return nil, fmt.Errorf("%w: DRG %s: %w", ErrRuleSet, d.Code, err)
			}
			ad.drgs = append(ad.drgs, drg{code: d.Code, cond: cd})
		}
		if len(ad.drgs) == 0 {
			return nil, fmt.Errorf("%w: ADRG %s has no DRG", ErrRuleSet, a.Code)
		}
		g.mdcs[mi].adrgs = append(g.mdcs[mi].adrgs, ad)
	}
	for i := range g.mdcs {
		m := &g.mdcs[i]
		m.qyAt = slices.IndexFunc(m.adrgs, func(a adrg) bool {
			return (grouper.ADRG{Code: a.code}).Kind() == grouper.KindMedical
		})
		if m.qyAt < 0 {
			m.qyAt = len(m.adrgs)
		}
	}
	if b := rs.Behaviour; b.QY {
		src := b.QYCondition
		if src == "" {
			src = "any_proc in " + b.QYList
		}
		c, err := g.parse(src, []string{"*"})
		if err != nil {
			return nil, fmt.Errorf("%w: QY condition: %w", ErrRuleSet, err)
		}
		g.qyCond = &c
	}
	if name := rs.Behaviour.IgnoredProcedures; name != "" {
		l, err := g.list([]string{"*"}, name, 0, codes.SystemProcedure)
		if err != nil {
			return nil, fmt.Errorf("%w: option ignored_procedures: %w", ErrRuleSet, err)
		}
		g.ignored = l
	}
	g.byName = nil
	return g, nil
}

// sortedBy returns a copy of s sorted stably by key.
func sortedBy[T any](s []T, key func(T) int) []T {
	s = slices.Clone(s)
	slices.SortStableFunc(s, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
	return s
}

func (g *Grouper) parse(src string, scopes []string) (cond, error) {
	e, err := grouper.ParseExpr(src)
	if err != nil {
		return cond{}, err
	}
	c := cond{src: src, expr: e, lists: map[*grouper.Expr][]grouper.ListEntry{}}
	var firstErr error
	e.Walk(func(n *grouper.Expr) {
		var sys codes.System
		switch {
		case n.Op == grouper.OpIn && n.Subject.IsProcedure():
			sys = codes.SystemProcedure
		case n.Op == grouper.OpIn:
			sys = codes.SystemDiagnosis
		case n.Op == grouper.OpCmp && n.Field == grouper.FieldRegions:
			sys = codes.SystemDiagnosis
		default:
			return
		}
		l, err := g.list(scopes, n.List, n.Group, sys)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		c.lists[n] = l
	})
	return c, firstErr
}

// list returns the entries of the list name[group] of the first scope that
// has one: group 0 is the whole list, group k its rows with Group k.
func (g *Grouper) list(scopes []string, name string, group int, sys codes.System) ([]grouper.ListEntry, error) {
	if owner, short, ok := strings.Cut(name, "."); ok {
		scopes, name = []string{owner}, short
	}
	for _, owner := range scopes {
		var out []grouper.ListEntry
		for _, e := range g.byName[[2]string{owner, name}] {
			if group == 0 || e.Group == group {
				out = append(out, e)
			}
		}
		if len(out) == 0 {
			continue
		}
		for _, e := range out {
			if e.System != sys {
				return nil, fmt.Errorf("list %s/%s holds %s codes, the condition needs %s codes", owner, name, e.System, sys)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("no list %q", name)
}

// dxMatches reports whether a diagnosis list entry covers code: the entry is
// the code itself, its subcategory or its category.
func dxMatches(entry, code string) bool {
	if entry == code {
		return true
	}
	if len(code) >= 5 && code[3] == '.' && entry == code[:5] {
		return true
	}
	return len(code) > 3 && entry == code[:3]
}

// subject is the record as the conditions see it.
type subject struct {
	rec     *record.Record
	pdx     string
	procs   []string // the procedures that count
	main    string   // main_proc; "" for none
	hasMCC  bool
	hasCC   bool
	ccLevel grouper.CCLevel
}

// Group groups rec. rec's codes must be canonical.
func (g *Grouper) Group(rec *record.Record) grouper.Result {
	res := grouper.Result{Status: grouper.StatusUngroupable, DRG: grouper.Ungroupable}
	pdx := rec.PrincipalDx
	if pdx == "" && rec.TCMPrincipalDx != "" {
		row := g.mapTCM(rec.TCMPrincipalDx, rec.TCMSyndrome)
		if row == nil {
			res.Reason = grouper.ReasonTCMUnmapped
			return res
		}
		pdx = row.Western
		res.TCMSource, res.TCMLine = rec.TCMPrincipalDx, row.Line
	}
	res.PrincipalDx = pdx
	if pdx == "" {
		res.Reason = grouper.ReasonNoPrincipal
		return res
	}
	s := &subject{rec: rec, pdx: pdx}
	for _, p := range rec.Procedures {
		if !slices.ContainsFunc(g.ignored, func(e grouper.ListEntry) bool { return e.Code == p }) {
			s.procs = append(s.procs, p)
		}
	}
	switch {
	case len(s.procs) == 0:
	case g.rs.Behaviour.MainProcedure == grouper.MainFirstCounted:
		s.main = s.procs[0]
	case rec.Procedures[0] == s.procs[0]:
		s.main = s.procs[0] // the first procedure counts
	}
	g.complications(s, &res)

	for _, c := range g.checks {
		if g.eval(&c.cond, c.cond.expr, s) {
			res.Status, res.Reason = grouper.StatusCheckFailed, c.reason
			return res
		}
	}
	for _, m := range g.mdcs {
		if !g.eval(&m.cond, m.cond.expr, s) {
			continue
		}
		for i, a := range m.adrgs {
			if i == m.qyAt && g.qy(m.code, s) {
				return qyResult(res, m.code)
			}
			if !g.eval(&a.cond, a.cond.expr, s) {
				continue
			}
			res.MDC, res.ADRG = m.code, a.code
			for _, d := range a.drgs {
				if g.eval(&d.cond, d.cond.expr, s) {
					res.Status, res.DRG = grouper.StatusOK, d.code
					return res
				}
			}
			res.Reason = grouper.ReasonNoDRG
			return res
		}
		if m.qyAt == len(m.adrgs) && g.qy(m.code, s) {
			return qyResult(res, m.code)
		}
		if !g.rs.Behaviour.FallThrough {
			res.MDC, res.Reason = m.code, grouper.ReasonNoADRGInMDC
			return res
		}
	}
	res.Reason = grouper.ReasonNoMatch
	if !g.known(pdx) {
		res.Reason = grouper.ReasonUnknownPrincipal
	}
	return res
}

func qyResult(res grouper.Result, mdc string) grouper.Result {
	qy := grouper.AmbiguousGroup(mdc)
	res.Status, res.MDC, res.ADRG, res.DRG = grouper.StatusQY, mdc, qy, qy
	return res
}

// qy reports whether QY is on, MDC mdc has an ambiguous group and the QY
// condition holds.
func (g *Grouper) qy(mdc string, s *subject) bool {
	if g.qyCond == nil || strings.Contains(g.rs.Behaviour.QYExempt, mdc) {
		return false
	}
	return g.eval(g.qyCond, g.qyCond.expr, s)
}

// mapTCM returns the TCM row for disease and syndrome: the exact pair, else
// the disease's row with a blank syndrome, else nil.
func (g *Grouper) mapTCM(disease, syndrome string) *codes.TCMMapping {
	var def *codes.TCMMapping
	for i := range g.tcm {
		r := &g.tcm[i]
		if r.Disease != disease {
			continue
		}
		if r.Syndrome == "" {
			def = r
		} else if syndrome != "" && r.Syndrome == syndrome {
			return r
		}
	}
	return def
}

// complications sets the complication level of the record: the worst level
// among the secondaries that are not excluded for the principal.
func (g *Grouper) complications(s *subject, res *grouper.Result) {
	var tables []string // exclusion tables of the principal
	for _, x := range g.rs.Exclusions {
		if dxMatches(x.Principal, s.pdx) {
			tables = append(tables, x.Table)
		}
	}
	for _, sdx := range s.rec.SecondaryDx {
		level, table := g.ccOf(sdx)
		if level == grouper.CCNone || slices.Contains(tables, table) {
			continue
		}
		if level == grouper.CCLevelMCC {
			s.hasMCC = true
		} else {
			s.hasCC = true
		}
		if level > s.ccLevel {
			s.ccLevel = level
			res.CCLevel, res.CCCode = level, sdx
		}
	}
}

// ccOf returns the level and exclusion table of the most specific CC entry
// for code: the code's own, else its subcategory's, else its category's. Of
// two entries for the same code the later one counts.
func (g *Grouper) ccOf(code string) (grouper.CCLevel, string) {
	best, level, table := 3, grouper.CCNone, ""
	for _, e := range g.rs.CC {
		rank := 3
		switch {
		case e.Code == code:
			rank = 0
		case len(code) >= 5 && code[3] == '.' && e.Code == code[:5]:
			rank = 1
		case len(code) > 3 && e.Code == code[:3]:
			rank = 2
		}
		if rank <= best && rank < 3 {
			best, level, table = rank, e.Level, e.Table
		}
	}
	return level, table
}

// known reports whether the rule set names code, its subcategory or its
// category anywhere: dictionaries, lists, CC entries, exclusions, TCM targets
// or the DIP catalogue.
func (g *Grouper) known(code string) bool {
	rs := g.rs
	for _, d := range rs.Diagnoses {
		if dxMatches(d.Code, code) {
			return true
		}
	}
	for _, e := range rs.Lists {
		if e.System == codes.SystemDiagnosis && dxMatches(e.Code, code) {
			return true
		}
	}
	for _, e := range rs.CC {
		if dxMatches(e.Code, code) {
			return true
		}
	}
	for _, e := range rs.Exclusions {
		if dxMatches(e.Principal, code) {
			return true
		}
	}
	for _, m := range g.tcm {
		if dxMatches(m.Western, code) {
			return true
		}
	}
	for _, d := range rs.DIP.Core {
		if dxMatches(d.Dx, code) {
			return true
		}
	}
	for _, d := range rs.DIP.Comprehensive {
		if dxMatches(d.Category, code) {
			return true
		}
	}
	return false
}

// eval evaluates node e of condition c.
func (g *Grouper) eval(c *cond, e *grouper.Expr, s *subject) bool {
	switch e.Op {
	case grouper.OpTrue:
		return true
	case grouper.OpFalse:
		return false
	case grouper.OpAnd:
		for _, a := range e.Args {
			if !g.eval(c, a, s) {
				return false
			}
		}
		return true
	case grouper.OpOr:
		for _, a := range e.Args {
			if g.eval(c, a, s) {
				return true
			}
		}
		return false
	case grouper.OpNot:
		return !g.eval(c, e.Args[0], s)
	case grouper.OpHasMCC:
		return s.hasMCC
	case grouper.OpHasCC:
		return s.hasCC
	case grouper.OpIn:
		return in(c.lists[e], e.Subject, s)
	case grouper.OpCmp:
		return e.Cmp.Holds(value(c, e, s), e.Value)
	}
	panic(fmt.Sprintf("reference: unknown operator %d in %q", e.Op, c.src))
}

// in reports whether a code of the subject is in the list.
func in(list []grouper.ListEntry, subj grouper.Subject, s *subject) bool {
	rec := s.rec
	dxIn := func(code string) bool {
		for _, e := range list {
			if dxMatches(e.Code, code) {
				return true
			}
		}
		return false
	}
	procIn := func(code string) bool {
		for _, e := range list {
			if e.Code == code {
				return true
			}
		}
		return false
	}
	switch subj {
	case grouper.SubjectPdx:
		return dxIn(s.pdx)
	case grouper.SubjectMainProc:
		return s.main != "" && procIn(s.main)
	case grouper.SubjectAnyProc:
		return slices.ContainsFunc(s.procs, procIn)
	case grouper.SubjectAnyDx:
		return dxIn(s.pdx) || slices.ContainsFunc(rec.SecondaryDx, dxIn)
	case grouper.SubjectAnySdx:
		return slices.ContainsFunc(rec.SecondaryDx, dxIn)
	}
	panic(fmt.Sprintf("reference: unknown subject %d", subj))
}

// value returns the record's value of a compared field.
func value(c *cond, e *grouper.Expr, s *subject) float64 {
	r := s.rec
	switch e.Field {
	case grouper.FieldAgeYears:
		return float64(r.AgeYears)
	case grouper.FieldAgeDays:
		return float64(r.AgeDays)
	case grouper.FieldWeight:
		return float64(r.BirthWeightG)
	case grouper.FieldVentHours:
		return r.VentHours
	case grouper.FieldLOS:
		return float64(r.LOSDays)
	case grouper.FieldSex:
		return float64(r.Sex)
	case grouper.FieldDischargeMethod:
		return float64(r.DischargeMethod)
	case grouper.FieldDxCount:
		return float64(1 + len(r.SecondaryDx))
	case grouper.FieldProcCount:
		return float64(len(s.procs))
	case grouper.FieldMainProcCount:
		if s.main != "" {
			return 1
		}
		return 0
	case grouper.FieldDayWard:
		if r.DayWard {
			return 1
		}
		return 0
	case grouper.FieldHospitalLevel:
		return float64(r.HospitalLevel)
	case grouper.FieldCCLevel:
		return float64(s.ccLevel)
	case grouper.FieldAgeKnown:
		if r.AgeGiven() {
			return 1
		}
		return 0
	case grouper.FieldRegions:
		return float64(regions(c.lists[e], s))
	}
	panic(fmt.Sprintf("reference: unknown field %d in %q", e.Field, c.src))
}

// regions counts the distinct non-blank regions of the list entries that
// match the principal or a secondary diagnosis.
func regions(list []grouper.ListEntry, s *subject) int {
	var seen []string
	for _, e := range list {
		if e.Region == "" || slices.Contains(seen, e.Region) {
			continue
		}
		if dxMatches(e.Code, s.pdx) || slices.ContainsFunc(s.rec.SecondaryDx, func(d string) bool { return dxMatches(e.Code, d) }) {
			seen = append(seen, e.Region)
		}
	}
	return len(seen)
}
