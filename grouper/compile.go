package grouper

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/medpay/drg/codes"
)

// ErrRuleSet reports a rule set that cannot be compiled.
var ErrRuleSet = errors.New("grouper: invalid rule set")

// maxMDCs bounds the MDC count so that an MDC set fits one machine word.
const maxMDCs = 64

// Grouper is a compiled rule set. Every code is interned to a dense ID, every
// code list is a roaring bitmap of IDs, and each code knows which ADRGs and
// MDCs it can trigger, so grouping a record does no string work beyond one
// hash lookup per code. A Grouper is immutable and safe for concurrent use.
type Grouper struct {
	rs   *RuleSet
	dx   *codes.Dict
	proc *codes.Dict
	tcm  *codes.TCMMap

	nodes []node
	kids  []int32

	lists []clist

	// Per code ID: the ADRGs and MDCs it can trigger (flattened CSR form),
	// as the principal diagnosis (dx), as a secondary (sdx) or as a
	// procedure. A condition on the principal's list is not triggered by a
	// secondary in it, which keeps the candidates of a record with many
	// secondaries few.
	// The secondaries' offsets and MDCs live in sdx below.
	// The offsets and MDCs live in pdx, sdx and procs below.
	dxTrig, sdxTrig, procTrig []uint16

	// procs gathers, per procedure ID, what grouping reads about a
	// procedure (its triggers and MDC set), one cache line rather than
	// three; procMDCs are the distinct MDC sets.
	procs    []procedureInfo
	procMDCs []uint64

	prefetch bool // GroupAll prefetches (prefetchMinCodes)

	adrgAlways []uint64 // bitset of ADRGs with no code requirement
	mdcAlways  uint64

	// sdx gathers, per dx ID, what grouping reads about a secondary
	// diagnosis (CC level, exclusion table, triggers, MDC set), so that
	// each secondary costs one cache line rather than one per array (plus
	// a read of sdxMDCs, small enough to stay in cache).
	sdx     []secondaryInfo
	sdxMDCs []uint64 // the distinct MDC sets of secondaries, by secondaryInfo.mdcs
	// pdx does the same for a diagnosis as the principal (exclusion
	// table, triggers, MDC set): the principal's arrays were four cache
	// misses a record, each waited for, as it is one now.
	pdx     []principalInfo
	pdxMDCs []uint64 // the distinct MDC sets of principals, by principalInfo.mdcs
	// pdxTable is the set of a principal's exclusion tables when it is in
	// more than one (principalInfo.table == manyTables; rare, the national
	// scheme has none), so the common check is one comparison.
	pdxTable []*roaring.Bitmap

	checks []ccheck
	mdcs   []cmdc
	adrgs  []cadrg
	drgs   []cdrg

	qyCond int32 // compiled QY condition, -1 when QY is off
	// ignored is the compiled Behaviour.IgnoredProcedures list, -1 for
	// none; mainCounted is Behaviour.MainProcedure == MainFirstCounted.
	ignored     int32
	mainCounted bool
	words       int // len of an ADRG bitset
	pool        sync.Pool

	dip   *dipIndex
	names names
}

type node struct {
	op    Op
	subj  Subject
	field Field
	cmp   Cmp
	list  int32
	a, b  int32 // OpAnd/OpOr: kids[a:b]; OpNot: a
	value float64
	src   *Expr
}

type clist struct {
	name   string // owner/name[group], for traces
	short  string // name as written in conditions
	system codes.System
	codes  *roaring.Bitmap
	// bits is codes flattened to a dense bit set over the dictionary IDs,
	// built once at compile: the membership test of the grouping loop is then
	// one load and a mask, where a roaring Contains is two binary searches.
	// The roaring bitmap stays the index the compiler works with.
	bits    []uint64
	regions []*roaring.Bitmap // by region index, for regions(LIST)
}

type ccheck struct {
	cond   int32
	reason string
	src    *Check
}

type cmdc struct {
	code       string
	cond       int32
	bit        uint64
	first, end int // ADRG index range
	qyAt       int // ADRG index before which the QY check runs
	qyGroup    string
	src        *MDC
}

type cadrg struct {
	code       string
	mdc        int
	cond       int32
	first, end int // DRG index range
	src        *ADRG
}

type cdrg struct {
	code string
	cond int32
	src  *DRG
}

type listKey struct {
	owner, name string
	group       int
}

type compiler struct {
	g       *Grouper
	rs      *RuleSet
	listIdx map[listKey]int32
	entries map[listKey][]int // indices into rs.Lists
	owners  map[string]bool
	errs    []*Problem
	// children[id] lists dictionary diagnoses whose nearest ancestor is id.
	children [][]uint32
	// Per dx ID, gathered into Grouper.sdx by secondaries: the CC level
	// (hierarchy applied), exclusion table index + 1 (0 = none), and the
	// ADRG trigger offsets and MDCs of the code as a secondary.
	ccLevel    []CCLevel
	ccTable    []uint32
	sdxTrigOff []uint32
	sdxMDC     []uint64
	// Per dx ID, gathered into Grouper.pdx by principals: the same as the
	// principal, and its exclusion table (0 = none, manyTables = several:
	// Grouper.pdxTable).
	dxTrigOff []uint32
	dxMDC     []uint64
	pdxTable1 []uint32
	// Per procedure ID, gathered into Grouper.procs by procedures.
	procTrigOff []uint32
	procMDC     []uint64
}

// Compile checks rs and compiles it into a Grouper. The RuleSet must not be
// modified afterwards: the Grouper keeps references to its strings.
func Compile(rs *RuleSet) (*Grouper, error) {
	g := &Grouper{qyCond: -1, ignored: -1, mainCounted: rs.Behaviour.MainProcedure == MainFirstCounted, rs: rs, dx: codes.NewDict(codes.SystemDiagnosis), proc: codes.NewDict(codes.SystemProcedure)}
	c := &compiler{g: g, rs: rs, listIdx: map[listKey]int32{}, entries: map[listKey][]int{}, owners: map[string]bool{"*": true}}
	c.intern()
	if err := c.tcm(); err != nil {
		c.errorf(FileTCM, 0, err, "%v", err)
	}
	c.structure()
	c.collectLists()
	c.conditions()
	c.qyCondition()
	if len(c.errs) > 0 {
		return nil, &ImportError{Problems: c.errs}
	}
	c.complications()
	c.triggers()
	if err := c.principals(); err != nil {
		return nil, err
	}
	if err := c.procedures(); err != nil {
		return nil, err
	}
	g.prefetch = g.dx.Len()+g.proc.Len() >= prefetchMinCodes
	if err := c.secondaries(); err != nil {
		return nil, err
	}
	if err := c.dip(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRuleSet, err)
	}
	g.names = buildNames(rs)
	g.words = (len(g.adrgs) + 63) / 64
	g.pool.New = func() any { return g.newState() }
	return g, nil
}

// errorf records an error-level problem; cause becomes Problem.Err.
func (c *compiler) errorf(file string, line int, cause error, format string, args ...any) {
	c.errs = append(c.errs, &Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...), Err: cause})
}

// causeError is an error whose text is msg and whose cause, for errors.Is,
// is err: list gives the words that messages and tests pin ("no list
// \"zd\"") and still names the kind of problem.
type causeError struct {
	msg string
	err error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }

// causef returns a causeError with cause err and the formatted text.
func causef(err error, format string, args ...any) error {
	return &causeError{msg: fmt.Sprintf(format, args...), err: err}
}

// intern gives every code of the rule set an ID: dictionaries first, so that
// IDs follow the dictionary order, then codes used only by rules.
func (c *compiler) intern() {
	rs := c.rs
	for _, d := range rs.Diagnoses {
		c.g.dx.Intern(d.Code)
	}
	for _, p := range rs.Procedures {
		c.g.proc.Intern(p.Code)
	}
	for _, l := range rs.Lists {
		if l.System == codes.SystemProcedure {
			c.g.proc.Intern(l.Code)
		} else {
			c.g.dx.Intern(l.Code)
		}
	}
	for _, e := range rs.CC {
		c.g.dx.Intern(e.Code)
	}
	for _, e := range rs.Exclusions {
		c.g.dx.Intern(e.Principal)
	}
	for _, m := range rs.TCM {
		c.g.dx.Intern(m.Western)
	}
	for _, d := range rs.DIP.Core {
		c.g.dx.Intern(d.Dx)
		for _, p := range d.Procedures {
			c.g.proc.Intern(p)
		}
	}
	for _, d := range rs.DIP.Comprehensive {
		c.g.dx.Intern(d.Category)
	}
	n := c.g.dx.Len() + 1
	c.children = make([][]uint32, n)
	for id := 1; id < n; id++ {
		if p := c.g.dx.Parent(uint32(id)); p != 0 {
			c.children[p] = append(c.children[p], uint32(id))
		}
	}
}

func (c *compiler) tcm() error {
	// A rule set without a table maps nothing: TCM-only records are then
	// TCM_UNMAPPED. (The embedded sample table once stood in, and sent
	// records grouped under the national scheme through a self-authored,
	// unofficial mapping without a word.)
	m, err := codes.NewTCMMap(c.rs.TCM)
	c.g.tcm = m
	return err
}

// structure checks references between MDCs, ADRGs and DRGs and lays out the
// compiled arrays in try order.
func (c *compiler) structure() {
	g, rs := c.g, c.rs
	if len(rs.MDCs) > maxMDCs {
		c.errorf(FileMDC, 0, ErrRuleSet, "%d MDCs, at most %d", len(rs.MDCs), maxMDCs)
		return
	}
	// MDCs are tried by their order column, whatever the row order.
	mdcOrder := make([]*MDC, len(rs.MDCs))
	for i := range rs.MDCs {
		mdcOrder[i] = &rs.MDCs[i]
	}
	slices.SortStableFunc(mdcOrder, func(x, y *MDC) int { return x.Order - y.Order })
	mdcPos := map[string]int{}
	for i, m := range mdcOrder {
		if i > 0 && mdcOrder[i-1].Order == m.Order {
			c.errorf(FileMDC, m.Line, ErrRuleSet, "MDC %s has order %d, like MDC %s", m.Code, m.Order, mdcOrder[i-1].Code)
		}
		if _, dup := mdcPos[m.Code]; dup {
			c.errorf(FileMDC, m.Line, ErrRuleSet, "MDC %s defined twice", m.Code)
			continue
		}
		mdcPos[m.Code] = len(g.mdcs)
		c.owners[m.Code] = true
		qy := AmbiguousGroup(m.Code)
		if strings.Contains(rs.Behaviour.QYExempt, m.Code) {
			qy = "" // no ambiguous group
		}
		g.mdcs = append(g.mdcs, cmdc{code: m.Code, bit: 1 << len(g.mdcs), src: m, qyGroup: qy})
	}
	adrgsOf := make([][]*ADRG, len(g.mdcs))
	seen := map[string]bool{}
	for i := range rs.ADRGs {
		a := &rs.ADRGs[i]
		mi, ok := mdcPos[a.MDC]
		switch {
		case !ok:
			c.errorf(FileADRG, a.Line, ErrUnknownReference, "ADRG %s names MDC %q, which is not defined", a.Code, a.MDC)
			continue
		case seen[a.Code]:
			c.errorf(FileADRG, a.Line, ErrRuleSet, "ADRG %s defined twice", a.Code)
			continue
		}
		seen[a.Code] = true
		c.owners[a.Code] = true
		adrgsOf[mi] = append(adrgsOf[mi], a)
	}
	drgsOf := map[string][]*DRG{}
	seenDRG := map[string]bool{}
	for i := range rs.DRGs {
		d := &rs.DRGs[i]
		switch {
		case !seen[d.ADRG]:
			c.errorf(FileDRG, d.Line, ErrUnknownReference, "DRG %s names ADRG %q, which is not defined", d.Code, d.ADRG)
			continue
		case seenDRG[d.Code]:
			c.errorf(FileDRG, d.Line, ErrRuleSet, "DRG %s defined twice", d.Code)
			continue
		}
		seenDRG[d.Code] = true
		drgsOf[d.ADRG] = append(drgsOf[d.ADRG], d)
	}
	for mi := range g.mdcs {
		as := adrgsOf[mi]
		slices.SortStableFunc(as, func(x, y *ADRG) int { return x.Order - y.Order })
		m := &g.mdcs[mi]
		m.first = len(g.adrgs)
		m.qyAt = -1
		for k, a := range as {
			if k > 0 && as[k-1].Order == a.Order {
				c.errorf(FileADRG, a.Line, ErrRuleSet, "ADRG %s has order %d, like ADRG %s of MDC %s", a.Code, a.Order, as[k-1].Code, m.code)
			}
			if m.qyAt < 0 && a.Kind() == KindMedical {
				m.qyAt = len(g.adrgs)
			}
			ca := cadrg{code: a.Code, mdc: mi, src: a, first: len(g.drgs)}
			ds := drgsOf[a.Code]
			slices.SortStableFunc(ds, func(x, y *DRG) int { return x.Order - y.Order })
			if len(ds) == 0 {
				c.errorf(FileADRG, a.Line, ErrRuleSet, "ADRG %s has no DRG", a.Code)
			}
			for j, d := range ds {
				if j > 0 && ds[j-1].Order == d.Order {
					c.errorf(FileDRG, d.Line, ErrRuleSet, "DRG %s has order %d, like DRG %s of ADRG %s", d.Code, d.Order, ds[j-1].Code, a.Code)
				}
				g.drgs = append(g.drgs, cdrg{code: d.Code, src: d})
			}
			ca.end = len(g.drgs)
			g.adrgs = append(g.adrgs, ca)
		}
		m.end = len(g.adrgs)
		if m.qyAt < 0 {
			m.qyAt = m.end
		}
	}
	if len(g.adrgs) > 1<<16 {
		c.errorf(FileADRG, 0, ErrRuleSet, "%d ADRGs, at most %d", len(g.adrgs), 1<<16)
	}
}

// collectLists groups list entries by owner, name and group.
func (c *compiler) collectLists() {
	for i := range c.rs.Lists {
		l := &c.rs.Lists[i]
		if !c.owners[l.Owner] {
			c.errorf(FileLists, l.Line, ErrUnknownReference, "list %s owned by %q, which is neither an MDC, an ADRG nor *", l.List, l.Owner)
			continue
		}
		k := listKey{l.Owner, l.List, 0}
		c.entries[k] = append(c.entries[k], i)
		if l.Group != 0 {
			k.group = l.Group
			c.entries[k] = append(c.entries[k], i)
		}
	}
	if b := c.rs.Behaviour; b.IgnoredProcedures != "" {
		idx, err := c.list([]string{"*"}, b.IgnoredProcedures, 0, codes.SystemProcedure)
		if err != nil {
			c.errorf(FileRuleSet, 0, err, "option ignored_procedures: %v", err)
		}
		c.g.ignored = idx
	}
}

// list resolves a list name in the given scopes (most specific first) and
// compiles it on first use.
func (c *compiler) list(scopes []string, name string, group int, sys codes.System) (int32, error) {
	if owner, short, ok := strings.Cut(name, "."); ok {
		if !c.owners[owner] || owner == "*" {
			return 0, causef(ErrUnknownReference, "list %s: %q is neither an MDC nor an ADRG", name, owner)
		}
		scopes, name = []string{owner}, short
	}
	for _, owner := range scopes {
		k := listKey{owner, name, group}
		if idx, ok := c.listIdx[k]; ok {
			if c.g.lists[idx].system != sys {
				return 0, causef(ErrRuleSet, "list %s holds %s codes, the condition needs %s codes", name, c.g.lists[idx].system, sys)
			}
			return idx, nil
		}
		ents, ok := c.entries[k]
		if !ok {
			continue
		}
		cl := clist{short: name, name: owner + "/" + name, system: c.rs.Lists[ents[0]].System, codes: roaring.New()}
		if group != 0 {
			cl.name += fmt.Sprintf("[%d]", group)
		}
		if cl.system != sys {
			return 0, causef(ErrRuleSet, "list %s holds %s codes, the condition needs %s codes", name, cl.system, sys)
		}
		regionIdx := map[string]int{}
		for _, ei := range ents {
			e := &c.rs.Lists[ei]
			if e.System != cl.system {
				return 0, causef(ErrRuleSet, "line %d: list %s mixes %s and %s codes", e.Line, cl.name, cl.system, e.System)
			}
			ids := c.expand(e.System, e.Code)
			cl.codes.AddMany(ids)
			if e.Region != "" {
				r, ok := regionIdx[e.Region]
				if !ok {
					r = len(cl.regions)
					regionIdx[e.Region] = r
					cl.regions = append(cl.regions, roaring.New())
				}
				cl.regions[r].AddMany(ids)
			}
		}
		// No RunOptimize: run containers make Contains a binary search over runs,
		// while array and bitmap containers answer faster on these small sets.
		n := c.g.dx.Len()
		if cl.system == codes.SystemProcedure {
			n = c.g.proc.Len()
		}
		cl.bits = make([]uint64, n/64+1)
		cl.codes.Iterate(func(x uint32) bool {
			cl.bits[x>>6] |= 1 << (x & 63)
			return true
		})
		idx := int32(len(c.g.lists))
		c.g.lists = append(c.g.lists, cl)
		c.listIdx[k] = idx
		return idx, nil
	}
	return 0, causef(ErrUnknownReference, "no list %q", name)
}

// expand returns the IDs a list entry matches: the code and, for diagnoses,
// every dictionary code below it in the hierarchy.
func (c *compiler) expand(sys codes.System, code string) []uint32 {
	if sys == codes.SystemProcedure {
		id, _ := c.g.proc.Lookup(code)
		return []uint32{id}
	}
	id, _ := c.g.dx.Lookup(code)
	out := []uint32{id}
	for i := 0; i < len(out); i++ {
		out = append(out, c.children[out[i]]...)
	}
	return out
}

func (c *compiler) conditions() {
	g, rs := c.g, c.rs
	checks := make([]*Check, len(rs.Checks))
	for i := range rs.Checks {
		checks[i] = &rs.Checks[i]
	}
	slices.SortStableFunc(checks, func(x, y *Check) int { return x.Order - y.Order })
	for _, ch := range checks {
		n, err := c.compileCond(ch.Condition, []string{"*"})
		if err != nil {
			c.errorf(FileChecks, ch.Line, err, "check %q: %v", ch.Reason, err)
		}
		g.checks = append(g.checks, ccheck{cond: n, reason: ch.Reason, src: ch})
	}
	for i := range g.mdcs {
		m := &g.mdcs[i]
		n, err := c.compileCond(m.src.Condition, []string{m.code, "*"})
		if err != nil {
			c.errorf(FileMDC, m.src.Line, err, "MDC %s: %v", m.code, err)
		}
		m.cond = n
	}
	for i := range g.adrgs {
		a := &g.adrgs[i]
		n, err := c.compileCond(a.src.Condition, []string{a.code, g.mdcs[a.mdc].code, "*"})
		if err != nil {
			c.errorf(FileADRG, a.src.Line, err, "ADRG %s: %v", a.code, err)
		}
		a.cond = n
		for j := a.first; j < a.end; j++ {
			d := &g.drgs[j]
			n, err := c.compileCond(d.src.Condition, []string{a.code, g.mdcs[a.mdc].code, "*"})
			if err != nil {
				c.errorf(FileDRG, d.src.Line, err, "DRG %s: %v", d.code, err)
			}
			d.cond = n
		}
	}
}

// qyCondition compiles the test for xQY: Behaviour.QYCondition, or a
// procedure in Behaviour.QYList.
func (c *compiler) qyCondition() {
	b := c.rs.Behaviour
	if !b.QY {
		return
	}
	src, opt := b.QYCondition, "qy_condition"
	if src == "" {
		if b.QYList == "" {
			c.errorf(FileRuleSet, 0, ErrRuleSet, "qy is on but neither qy_condition nor qy_list is set")
			return
		}
		if _, err := c.list([]string{"*"}, b.QYList, 0, codes.SystemProcedure); err != nil {
			c.errorf(FileRuleSet, 0, err, "option qy_list: %v", err)
			return
		}
		src, opt = "any_proc in "+b.QYList, "qy_list"
	}
	n, err := c.compileCond(src, []string{"*"})
	if err != nil {
		c.errorf(FileRuleSet, 0, err, "option %s: %v", opt, err)
	}
	c.g.qyCond = n
}

func (c *compiler) compileCond(src string, scopes []string) (int32, error) {
	e, err := ParseExpr(src)
	if err != nil {
		return -1, err
	}
	return c.node(e, scopes)
}

func (c *compiler) node(e *Expr, scopes []string) (int32, error) {
	n := node{op: e.Op, subj: e.Subject, field: e.Field, cmp: e.Cmp, value: e.Value, list: -1, src: e}
	switch e.Op {
	case OpIn:
		sys := codes.SystemDiagnosis
		if e.Subject.IsProcedure() {
			sys = codes.SystemProcedure
		}
		idx, err := c.list(scopes, e.List, e.Group, sys)
		if err != nil {
			return -1, err
		}
		n.list = idx
	case OpCmp:
		if e.Field == FieldRegions {
			idx, err := c.list(scopes, e.List, 0, codes.SystemDiagnosis)
			if err != nil {
				return -1, err
			}
			n.list = idx
		}
	case OpAnd, OpOr, OpNot:
		ids := make([]int32, len(e.Args))
		for i, a := range e.Args {
			id, err := c.node(a, scopes)
			if err != nil {
				return -1, err
			}
			ids[i] = id
		}
		n.a = int32(len(c.g.kids))
		c.g.kids = append(c.g.kids, ids...)
		n.b = int32(len(c.g.kids))
	}
	c.g.nodes = append(c.g.nodes, n)
	return int32(len(c.g.nodes) - 1), nil
}

// has reports whether dictionary ID id is in the list.
func (l *clist) has(id uint32) bool {
	w := id >> 6
	return w < uint32(len(l.bits)) && l.bits[w]&(1<<(id&63)) != 0
}

// requirement is a code list of which a record must have a code, and the
// subject (principal, secondary, any diagnosis, procedure) that must have it.
type requirement struct {
	list int32
	subj Subject
}

// requires returns the lists of which a record must have a code for node n to
// hold, or ok=false when n can hold without any (NOT, comparisons, true).
func (g *Grouper) requires(n int32) (reqs []requirement, ok bool) {
	nd := &g.nodes[n]
	switch nd.op {
	case OpIn:
		return []requirement{{nd.list, nd.subj}}, true
	case OpAnd:
		var best []requirement
		for _, k := range g.kids[nd.a:nd.b] {
			if rs, ok := g.requires(k); ok && (best == nil || len(rs) < len(best)) {
				best = rs
			}
		}
		return best, best != nil
	case OpOr:
		var all []requirement
		for _, k := range g.kids[nd.a:nd.b] {
			rs, ok := g.requires(k)
			if !ok {
				return nil, false
			}
			all = append(all, rs...)
		}
		return all, true
	case OpFalse:
		return nil, true
	}
	return nil, false
}

// triggers records, per code, the ADRGs and MDCs whose conditions it can
// make true; grouping then tries only those (plus the unconditional ones).
func (c *compiler) triggers() {
	g := c.g
	g.adrgAlways = make([]uint64, (len(g.adrgs)+63)/64)
	dxT := make([]*roaring.Bitmap, g.dx.Len()+1)
	sdxT := make([]*roaring.Bitmap, g.dx.Len()+1)
	procT := make([]*roaring.Bitmap, g.proc.Len()+1)
	c.dxMDC = make([]uint64, g.dx.Len()+1)
	c.sdxMDC = make([]uint64, g.dx.Len()+1)
	c.procMDC = make([]uint64, g.proc.Len()+1)
	// add calls fn with the trigger table and MDC masks each code of the
	// requirements belongs in.
	add := func(reqs []requirement, fn func(t []*roaring.Bitmap, mdc []uint64, id uint32)) {
		for _, r := range reqs {
			l := &g.lists[r.list]
			it := l.codes.Iterator()
			for it.HasNext() {
				id := it.Next()
				switch {
				case l.system == codes.SystemProcedure:
					fn(procT, c.procMDC, id)
				case r.subj == SubjectPdx:
					fn(dxT, c.dxMDC, id)
				case r.subj == SubjectAnySdx:
					fn(sdxT, c.sdxMDC, id)
				default: // any diagnosis
					fn(dxT, c.dxMDC, id)
					fn(sdxT, c.sdxMDC, id)
				}
			}
		}
	}
	for i := range g.adrgs {
		rs, ok := g.requires(g.adrgs[i].cond)
		if !ok {
			g.adrgAlways[i/64] |= 1 << (i % 64)
			continue
		}
		add(rs, func(t []*roaring.Bitmap, _ []uint64, id uint32) {
			if t[id] == nil {
				t[id] = roaring.New()
			}
			t[id].Add(uint32(i))
		})
	}
	for i := range g.mdcs {
		m := &g.mdcs[i]
		rs, ok := g.requires(m.cond)
		if !ok {
			g.mdcAlways |= m.bit
			continue
		}
		add(rs, func(_ []*roaring.Bitmap, mdc []uint64, id uint32) { mdc[id] |= m.bit })
	}
	c.dxTrigOff, g.dxTrig = flatten(dxT)
	c.sdxTrigOff, g.sdxTrig = flatten(sdxT)
	c.procTrigOff, g.procTrig = flatten(procT)
}

// secondaryInfo is the hot-path view of one diagnosis as a secondary.
// Sixteen bytes, four to a cache line: the MDC set is an index into the
// few distinct sets (Grouper.sdxMDCs) rather than a 64-bit mask.
type secondaryInfo struct {
	trigOff, trigEnd uint32  // its ADRG triggers: sdxTrig[trigOff:trigEnd]
	ccTable          uint32  // exclusion table index + 1; 0 = none
	mdcs             uint16  // its MDCs: sdxMDCs[mdcs]
	ccLevel          CCLevel // with the hierarchy applied
}

// principalInfo is the hot-path view of one diagnosis as the principal,
// sixteen bytes, four to a cache line. Its ADRG triggers (one or two for
// nearly every code) are held inline when there are at most two.
type principalInfo struct {
	table   uint32    // exclusion table index + 1; 0 = none, manyTables = several (Grouper.pdxTable)
	trigOff uint32    // its ADRG triggers when more than two: dxTrig[trigOff:trigOff+ntrig]
	mdcs    uint16    // its MDCs: pdxMDCs[mdcs]
	ntrig   uint16    // how many ADRGs it triggers
	trig    [2]uint16 // its ADRG triggers when at most two
}

// procedureInfo is the hot-path view of one procedure, sixteen bytes:
// its ADRG triggers are held inline when there are at most four.
type procedureInfo struct {
	trigOff uint32    // its ADRG triggers when more than four: procTrig[trigOff:trigOff+ntrig]
	mdcs    uint16    // its MDCs: procMDCs[mdcs]
	ntrig   uint16    // how many ADRGs it triggers
	trig    [4]uint16 // its ADRG triggers when at most four
}

// manyTables is principalInfo.table for a principal in several exclusion
// tables.
const manyTables = math.MaxUint32

// principalTriggers returns the ADRGs p triggers as the principal.
func (g *Grouper) principalTriggers(p *principalInfo) []uint16 {
	if p.ntrig <= uint16(len(p.trig)) {
		return p.trig[:p.ntrig]
	}
	return g.dxTrig[p.trigOff : p.trigOff+uint32(p.ntrig)]
}

// procedureTriggers returns the ADRGs p triggers.
func (g *Grouper) procedureTriggers(p *procedureInfo) []uint16 {
	if p.ntrig <= uint16(len(p.trig)) {
		return p.trig[:p.ntrig]
	}
	return g.procTrig[p.trigOff : p.trigOff+uint32(p.ntrig)]
}

// inlineTriggers returns how many triggers the CSR offsets off give code
// id, and copies them into inline when they fit; an error names a code with
// more than a count can hold.
func inlineTriggers(off []uint32, data []uint16, id int, inline []uint16, code func() string) (uint16, error) {
	from, to := off[id], off[id+1]
	if to-from > math.MaxUint16 {
		return 0, fmt.Errorf("%w: code %s triggers more than %d ADRGs", ErrRuleSet, code(), math.MaxUint16)
	}
	if to-from <= uint32(len(inline)) {
		copy(inline, data[from:to])
	}
	return uint16(to - from), nil
}

// principals builds g.pdx and g.pdxMDCs from the per-array forms.
func (c *compiler) principals() error {
	g := c.g
	g.pdx = make([]principalInfo, g.dx.Len()+1)
	var err error
	var errTrig error
	g.pdxMDCs, err = distinctSets(c.dxMDC, "principal diagnoses", func(id int, k uint16) {
		p := principalInfo{table: c.pdxTable1[id], mdcs: k, trigOff: c.dxTrigOff[id]}
		if g.pdxTable[id] != nil {
			p.table = manyTables
		}
		var e error
		if p.ntrig, e = inlineTriggers(c.dxTrigOff, g.dxTrig, id, p.trig[:], func() string { return g.dx.Code(uint32(id)) }); e != nil {
			errTrig = e
		}
		g.pdx[id] = p
	})
	return cmp.Or(err, errTrig)
}

// procedures builds g.procs and g.procMDCs from the per-array forms.
func (c *compiler) procedures() error {
	g := c.g
	g.procs = make([]procedureInfo, g.proc.Len()+1)
	var err error
	var errTrig error
	g.procMDCs, err = distinctSets(c.procMDC, "procedures", func(id int, k uint16) {
		p := procedureInfo{mdcs: k, trigOff: c.procTrigOff[id]}
		var e error
		if p.ntrig, e = inlineTriggers(c.procTrigOff, g.procTrig, id, p.trig[:], func() string { return g.proc.Code(uint32(id)) }); e != nil {
			errTrig = e
		}
		g.procs[id] = p
	})
	return cmp.Or(err, errTrig)
}

// distinctSets numbers the distinct MDC sets of sets (one per diagnosis
// ID) and calls fn with each ID and its set's number; it returns the sets
// by number.
func distinctSets(sets []uint64, role string, fn func(id int, k uint16)) ([]uint64, error) {
	var out []uint64
	index := map[uint64]uint16{}
	for id, m := range sets {
		k, ok := index[m]
		if !ok {
			if len(out) > math.MaxUint16 {
				return nil, fmt.Errorf("%w: %s trigger more than %d distinct sets of MDCs", ErrRuleSet, role, math.MaxUint16+1)
			}
			k = uint16(len(out))
			index[m] = k
			out = append(out, m)
		}
		fn(id, k)
	}
	return out, nil
}

// secondaries builds g.sdx and g.sdxMDCs from the per-array forms.
func (c *compiler) secondaries() error {
	g := c.g
	g.sdx = make([]secondaryInfo, g.dx.Len()+1)
	var err error
	g.sdxMDCs, err = distinctSets(c.sdxMDC, "secondary diagnoses", func(id int, k uint16) {
		g.sdx[id] = secondaryInfo{
			mdcs:    k,
			trigOff: c.sdxTrigOff[id],
			trigEnd: c.sdxTrigOff[id+1],
			ccTable: c.ccTable[id],
			ccLevel: c.ccLevel[id],
		}
	})
	return err
}

func flatten(bms []*roaring.Bitmap) (off []uint32, data []uint16) {
	off = make([]uint32, len(bms)+1)
	for i, bm := range bms {
		if bm != nil {
			it := bm.Iterator()
			for it.HasNext() {
				data = append(data, uint16(it.Next()))
			}
		}
		off[i+1] = uint32(len(data))
	}
	return off, data
}

// complications compiles the CC/MCC lists and exclusion tables, applying the
// diagnosis hierarchy: an entry on K80 covers every code below it unless a
// more specific entry says otherwise.
func (c *compiler) complications() {
	g, rs := c.g, c.rs
	n := g.dx.Len() + 1
	c.ccLevel = make([]CCLevel, n)
	c.ccTable = make([]uint32, n)
	g.pdxTable = make([]*roaring.Bitmap, n)
	c.pdxTable1 = make([]uint32, n)
	tables := map[string]uint32{}
	table := func(name string) uint32 {
		t, ok := tables[name]
		if !ok {
			t = uint32(len(tables) + 1)
			tables[name] = t
		}
		return t
	}
	own := make([]bool, n)
	for _, e := range rs.CC {
		id, _ := g.dx.Lookup(e.Code)
		c.ccLevel[id], c.ccTable[id], own[id] = e.Level, table(e.Table), true
	}
	// Children inherit from the nearest ancestor with an entry of its own.
	var inherit func(id uint32)
	inherit = func(id uint32) {
		for _, ch := range c.children[id] {
			if !own[ch] {
				c.ccLevel[ch], c.ccTable[ch] = c.ccLevel[id], c.ccTable[id]
			}
			inherit(ch)
		}
	}
	for id := 1; id < n; id++ {
		if g.dx.Parent(uint32(id)) == 0 {
			inherit(uint32(id))
		}
	}
	for _, e := range rs.Exclusions {
		t := table(e.Table)
		for _, d := range c.expand(codes.SystemDiagnosis, e.Principal) {
			switch {
			case c.pdxTable1[d] == 0 || c.pdxTable1[d] == t:
				c.pdxTable1[d] = t
			case g.pdxTable[d] == nil:
				g.pdxTable[d] = roaring.BitmapOf(c.pdxTable1[d], t)
			default:
				g.pdxTable[d].Add(t)
			}
		}
	}
}

// RuleSet returns the rule set g was compiled from.
func (g *Grouper) RuleSet() *RuleSet { return g.rs }

// Diagnoses returns the diagnosis dictionary of the compiled rule set.
func (g *Grouper) Diagnoses() *codes.Dict { return g.dx }

// Procedures returns the procedure dictionary of the compiled rule set.
func (g *Grouper) Procedures() *codes.Dict { return g.proc }

// TCMMap returns the TCM mapping the grouper applies.
func (g *Grouper) TCMMap() *codes.TCMMap { return g.tcm }
