package grouper

import (
	"fmt"
	"math/bits"
	"strings"
	"unsafe"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/prefetch"
)

// Status is the outcome of grouping one record.
type Status uint8

// Grouping outcomes.
const (
	StatusOK          Status = iota + 1 // grouped to a DRG
	StatusQY                            // ambiguous: an OR procedure no surgical ADRG of the MDC accepts (xQY)
	StatusUngroupable                   // 0000: no MDC/ADRG matched, or the principal diagnosis is unusable
	StatusCheckFailed                   // 0000: a data check of the rule set failed
)

var statusNames = [...]string{StatusOK: "OK", StatusQY: "QY", StatusUngroupable: "UNGROUPABLE", StatusCheckFailed: "CHECK_FAILED"}

func (s Status) String() string {
	if int(s) < len(statusNames) && statusNames[s] != "" {
		return statusNames[s]
	}
	return "UNKNOWN"
}

// Reasons for StatusUngroupable; check failures carry the rule set's own reason.
const (
	ReasonNoMatch          = "NO_MDC_ADRG_MATCH"
	ReasonNoADRGInMDC      = "NO_ADRG_IN_MDC"
	ReasonUnknownPrincipal = "UNKNOWN_PRINCIPAL_DX"
	ReasonNoPrincipal      = "NO_PRINCIPAL_DX"
	ReasonTCMUnmapped      = "TCM_UNMAPPED"
	ReasonNoDRG            = "NO_DRG_SPLIT"
)

// Ungroupable is the DRG code of records that cannot be grouped.
const Ungroupable = "0000"

// AmbiguousGroup returns the ambiguous group (歧义组) of an MDC, "BQY" for
// MDC B: its ADRG and DRG when Behaviour.QY is on.
func AmbiguousGroup(mdc string) string { return mdc + "QY" }

// Result is the grouping of one record. Its strings point into the rule set or
// the record; it holds no other references.
type Result struct {
	Status Status `json:"status"`
	// UnknownCodes counts the record's codes that the rule set does not know,
	// not even by an ancestor (255 stands for 255 or more): a diagnosis coded
	// in another edition (国临版 for 医保版) or a procedure that lost its
	// extension. No condition or list can match such a code; Explain names it.
	UnknownCodes uint8 `json:"unknown_codes"`

	Reason string `json:"reason,omitempty"` // why the record is 0000 (Reason* constants or a check's reason)
	MDC    string `json:"mdc"`
	ADRG   string `json:"adrg"`
	DRG    string `json:"drg"` // DRG code, xQY for QY, 0000 when not grouped

	PrincipalDx string `json:"principal_dx"`         // principal diagnosis used for grouping, after TCM mapping
	TCMSource   string `json:"tcm_source,omitempty"` // TCM disease the principal came from; "" when the record had a Western principal
	TCMLine     int    `json:"tcm_line,omitempty"`   // line of the TCM mapping row used, 0 when none

	CCLevel CCLevel `json:"cc_level"`          // worst complication among the counted secondary diagnoses
	CCCode  string  `json:"cc_code,omitempty"` // first secondary diagnosis at that level

	DIP DIPResult `json:"dip"` // filled when the scheme given to GroupScheme includes SchemeDIP

	Trace *Trace `json:"trace,omitempty"` // the Trace given to GroupScheme (Explain's own); nil when not tracing

	// The grouper that made the result, and its dense IDs of the principal
	// diagnosis (its dictionary ID, from 1, when the dictionary holds the
	// code exactly) and of the DRG (its index + 1), for PrincipalID and
	// DRGIndex; 0 when none.
	// The codes the IDs are of, as grouped: a result whose PrincipalDx or
	// DRG was changed since (a what-if priced as another group, a Result
	// reused to read JSON into) no longer matches them, and has no IDs.
	from             *Grouper
	pdxID, drgIdx    uint32
	pdxCode, drgCode string
}

// PrincipalID returns the ID of r's principal diagnosis among g's
// diagnoses (g.DiagnosisCodes), when g grouped r and its dictionary holds
// that exact code: tables built once per grouper (weights.Calculator.Bind)
// then need no look-up by code. A result of another grouper, or read back
// from JSON, has none; nor has a result whose principal was changed since
// it was grouped. A Result refers to its grouper: one kept keeps the rule
// set in memory.
func (r *Result) PrincipalID(g *Grouper) (int, bool) {
	if r.from != g || r.pdxID == 0 || r.PrincipalDx != r.pdxCode {
		return 0, false
	}
	return int(r.pdxID), true
}

// DRGIndex returns the index of r's DRG among g's DRGs (g.DRGCodes), when g
// grouped r to one of them (not QY or 0000), as PrincipalID.
func (r *Result) DRGIndex(g *Grouper) (int, bool) {
	if r.from != g || r.drgIdx == 0 || r.DRG != r.drgCode {
		return 0, false
	}
	return int(r.drgIdx) - 1, true
}

// DRGCodes returns g's DRG codes, index i being the DRG DRGIndex gives as
// i. The slice is the caller's.
func (g *Grouper) DRGCodes() []string {
	out := make([]string, len(g.drgs))
	for i := range g.drgs {
		out[i] = g.drgs[i].code
	}
	return out
}

// DiagnosisCodes returns g's diagnosis codes by ID (PrincipalID), index 0
// being "" (no ID). The slice is the caller's.
func (g *Grouper) DiagnosisCodes() []string {
	out := make([]string, g.dx.Len()+1)
	for id := 1; id < len(out); id++ {
		out[id] = g.dx.Code(codes.ID(id))
	}
	return out
}

// Trace is the ordered explanation of a grouping. GroupScheme fills a
// caller's Trace, so one Trace can serve record after record; Explain
// allocates a new one.
type Trace struct {
	Steps []Step `json:"steps"`
}

// Reset empties t, keeping the capacity of Steps so that a reused Trace
// stops allocating once it has held the longest trace. A nil t is a no-op,
// as for every method that fills a Trace: nil means "not tracing".
func (t *Trace) Reset() {
	if t == nil {
		return
	}
	clear(t.Steps) // drop the Detail strings of the last record
	t.Steps = t.Steps[:0]
}

// Step is one decision in a Trace.
type Step struct {
	Stage  string `json:"stage"`          // tcm, code, check, cc, mdc, adrg, qy, drg, dip, result
	Code   string `json:"code"`           // what was tried: MDC letter, ADRG or DRG code, secondary diagnosis
	Name   string `json:"name,omitempty"` // the rule set's name of Code, for MDC, ADRG, DRG, QY and DIP steps
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// String renders the trace one step per line.
func (t *Trace) String() string {
	var b strings.Builder
	for _, s := range t.Steps {
		mark := "no "
		if s.Passed {
			mark = "yes"
		}
		if s.Name != "" {
			fmt.Fprintf(&b, "%-6s %-4s %-8s [%s] %s\n", s.Stage, mark, s.Code, s.Name, s.Detail)
			continue
		}
		fmt.Fprintf(&b, "%-6s %-4s %-8s %s\n", s.Stage, mark, s.Code, s.Detail)
	}
	return b.String()
}

// Compact renders the trace on one line, for CSV output.
func (t *Trace) Compact() string {
	var b strings.Builder
	for i, s := range t.Steps {
		if i > 0 {
			b.WriteString("; ")
		}
		mark := "-"
		if s.Passed {
			mark = "+"
		}
		fmt.Fprintf(&b, "%s%s %s", mark, s.Stage, s.Code)
		if s.Detail != "" {
			b.WriteString(": ")
			b.WriteString(s.Detail)
		}
	}
	return b.String()
}

func (t *Trace) add(stage, code string, passed bool, format string, args ...any) {
	if t == nil {
		return
	}
	t.Steps = append(t.Steps, Step{Stage: stage, Code: code, Passed: passed, Detail: fmt.Sprintf(format, args...)})
}

// state is the per-record scratch space; pooled so Group does not allocate.
type state struct {
	rec      *record.Record
	pdx      uint32
	pdxKnown bool
	pdxExact bool  // the dictionary holds the principal's code itself
	unknown  uint8 // codes not in the rule set
	sdx      []uint32
	procs    []uint32
	// counted are the procedures DRG conditions see: procs without the
	// rule set's ignored ones (procs itself when it has none), countedAt
	// their indices in procs, main main_proc's index in counted (-1: none).
	counted    []uint32
	countedAt  []int32
	countedBuf []uint32
	main       int
	num        [FieldRegions]float64
	hasMCC     bool
	hasCC      bool
	ccLevel    CCLevel
	ccIdx      int
	cand       []uint64
	mdcMask    uint64
	dipProcs   []uint32
}

func (g *Grouper) newState() any {
	return &state{sdx: make([]uint32, 0, 32), procs: make([]uint32, 0, 16), cand: make([]uint64, g.words), dipProcs: make([]uint32, 0, 16)}
}

// Scheme selects the payment scheme(s) a record is grouped under, and, as
// SchemeDRG or SchemeDIP, the one scheme a payment is under (package
// weights prices and settles each case under one scheme). It is a bit set so
// that SchemeBoth is one value a batch can group by; SchemeDRG is 1 and
// SchemeDIP 2, which package weights relies on to index per-scheme arrays.
type Scheme uint8

// Grouping schemes.
const (
	SchemeDRG  Scheme = 1 << iota // CHS-DRG: MDC, ADRG, DRG; paid by relative weight (RW) and base rate
	SchemeDIP                     // DIP: core or comprehensive group; paid by score (分值) and point value
	SchemeBoth = SchemeDRG | SchemeDIP
)

// ParseScheme parses "drg", "dip" or "both", in any case and ignoring
// white space around it: the names come from flags, the scheme column of
// weights.tsv and the pay_scheme column of priced files, which people type
// and spreadsheets re-case, and "DRG" is not another scheme. It does not
// allocate. A caller that needs one payment scheme rejects SchemeBoth itself.
func ParseScheme(s string) (Scheme, error) {
	switch t := strings.TrimSpace(s); {
	case strings.EqualFold(t, "drg"):
		return SchemeDRG, nil
	case strings.EqualFold(t, "dip"):
		return SchemeDIP, nil
	case strings.EqualFold(t, "both"):
		return SchemeBoth, nil
	}
	return 0, fmt.Errorf("grouper: scheme %q is not drg, dip or both", s)
}

// String returns the name ParseScheme reads, "drg", "dip" or "both": the
// spelling of the pay_scheme output column and of messages. Any other value
// is "unknown".
func (s Scheme) String() string {
	switch s {
	case SchemeDRG:
		return "drg"
	case SchemeDIP:
		return "dip"
	case SchemeBoth:
		return "both"
	}
	return "unknown"
}

// Group assigns rec its MDC, ADRG and DRG. It is safe for concurrent use and
// does not allocate. rec's codes must be canonical, as a record.Reader returns them.
func (g *Grouper) Group(rec *record.Record) Result {
	return g.GroupScheme(rec, SchemeDRG, nil)
}

// Explain groups rec like Group and also returns the trace of every decision:
// each MDC and ADRG tried, why its condition held or failed, and which
// secondary diagnoses set or were excluded from the complication level. It
// allocates a new Trace each call, for one-off use (drg explain, a test, a
// disagreement to show); a loop that traces many records passes its own
// Trace to GroupScheme instead.
func (g *Grouper) Explain(rec *record.Record) Result {
	return g.GroupScheme(rec, SchemeDRG, new(Trace))
}

// GroupScheme groups rec under the given scheme(s). With a nil tr it does
// not trace and does not allocate. With a non-nil tr it resets tr, records
// every decision in it and sets Result.Trace to tr: the caller owns tr and
// may reuse it for the next record (keeping its capacity), which
// invalidates the earlier Result's Trace. A Trace must not be shared by
// concurrent calls.
func (g *Grouper) GroupScheme(rec *record.Record, scheme Scheme, tr *Trace) Result {
	st := g.pool.Get().(*state)
	tr.Reset()
	res := g.prepare(st, rec, tr)
	if res.Reason == "" {
		if scheme&SchemeDRG != 0 {
			res = g.drg(st, res, tr)
		}
		if scheme&SchemeDIP != 0 {
			g.groupDIP(st, &res, tr)
		}
	} else if scheme&SchemeDIP != 0 {
		res.DIP.Reason = res.Reason
	}
	if scheme&SchemeDRG == 0 {
		res.Status, res.Reason, res.DRG, res.drgIdx = 0, "", "", 0
	}
	res.Trace, res.from = tr, g
	g.nameSteps(tr)
	g.pool.Put(st)
	g.checkFullWalk(rec, scheme, tr, res) // invariants.go: a no-op without -tags invariants
	return res
}

// nameSteps puts the rule set's names beside the codes of tr's group steps.
func (g *Grouper) nameSteps(tr *Trace) {
	if tr == nil {
		return
	}
	for i := range tr.Steps {
		st := &tr.Steps[i]
		switch st.Stage {
		case "mdc", "adrg", "drg", "qy":
			st.Name = g.Name(st.Code)
		case "dip":
			st.Name = g.DIPName(st.Code)
		}
	}
}

// HasDIP reports whether the rule set has a DIP catalogue.
func (g *Grouper) HasDIP() bool { return g.dip != nil }

// prepare maps a TCM principal, encodes the record and finds its complication
// level. A non-empty res.Reason means the record cannot be grouped.
func (g *Grouper) prepare(st *state, rec *record.Record, tr *Trace) Result {
	res := Result{DRG: Ungroupable, Status: StatusUngroupable}
	st.rec = rec
	pdx := rec.PrincipalDx
	if pdx == "" && rec.TCMPrincipalDx != "" {
		row, ok := g.tcm.Map(rec.TCMPrincipalDx, rec.TCMSyndrome)
		if !ok {
			if tr != nil {
				tr.add("tcm", rec.TCMPrincipalDx, false, "no mapping for TCM disease %s syndrome %q", rec.TCMPrincipalDx, rec.TCMSyndrome)
			}
			res.Reason = ReasonTCMUnmapped
			return res
		}
		pdx = row.Western
		res.TCMSource, res.TCMLine = rec.TCMPrincipalDx, row.Line
		if tr != nil {
			tr.add("tcm", rec.TCMPrincipalDx, true, "%s %q -> %s (mapping line %d)", rec.TCMPrincipalDx, rec.TCMSyndrome, row.Western, row.Line)
		}
	}
	if tr != nil && rec.PrincipalDx != "" && rec.TCMPrincipalDx != "" {
		// Both principals given: the Western one is grouped. Say so, since
		// nothing else in the result mentions the TCM code.
		if row, ok := g.tcm.Map(rec.TCMPrincipalDx, rec.TCMSyndrome); ok {
			tr.add("tcm", rec.TCMPrincipalDx, false, "Western principal %s given: the mapping to %s (line %d) is not applied", rec.PrincipalDx, row.Western, row.Line)
		} else {
			tr.add("tcm", rec.TCMPrincipalDx, false, "Western principal %s given: the TCM principal is not mapped", rec.PrincipalDx)
		}
	}
	res.PrincipalDx = pdx
	if pdx == "" {
		res.Reason = ReasonNoPrincipal
		return res
	}
	g.encode(st, rec, pdx)
	res.UnknownCodes = st.unknown
	if st.pdxExact {
		res.pdxID, res.pdxCode = st.pdx, pdx // dictionary IDs start at 1
	}
	if tr != nil {
		g.traceUnknown(st, rec, pdx, tr)
	}
	g.complicationLevel(st, tr)
	res.CCLevel = st.ccLevel
	if st.ccLevel != CCNone {
		res.CCCode = rec.SecondaryDx[st.ccIdx]
	}
	return res
}

// drg runs the CHS-DRG logic: checks, MDCs in order, ADRGs in order within
// the entered MDC, QY, then the DRG splits.
func (g *Grouper) drg(st *state, res Result, tr *Trace) Result {
	for i := range g.checks {
		ch := &g.checks[i]
		if g.eval(ch.cond, st) {
			if tr != nil {
				tr.add("check", ch.reason, false, "%s", ch.src.Condition)
			}
			res.Status, res.Reason = StatusCheckFailed, ch.reason
			return res
		}
	}
	if tr == nil {
		g.candidates(st)
	}
	// MDC i is bit i: walk the set bits in order, every MDC when tracing.
	mdcs := ^uint64(0) >> (64 - len(g.mdcs))
	if tr == nil {
		mdcs = st.mdcMask | g.mdcAlways
	}
	for ; mdcs != 0; mdcs &= mdcs - 1 {
		m := &g.mdcs[bits.TrailingZeros64(mdcs)]
		if !g.eval(m.cond, st) {
			if tr != nil {
				tr.add("mdc", m.code, false, "%s", g.why(m.cond, st))
			}
			continue
		}
		if tr != nil {
			tr.add("mdc", m.code, true, "%s", g.why(m.cond, st))
		}
		qyDone := false
		for ai := m.first; ai < m.end; ai++ {
			if !qyDone && ai >= m.qyAt {
				qyDone = true
				if g.qy(st, tr, m) {
					return g.qyResult(res, m)
				}
			}
			if tr == nil && st.cand[ai/64]&(1<<(ai%64)) == 0 && g.adrgAlways[ai/64]&(1<<(ai%64)) == 0 {
				continue // no code of the record can make its condition true
			}
			a := &g.adrgs[ai]
			if !g.eval(a.cond, st) {
				if tr != nil {
					tr.add("adrg", a.code, false, "%s", g.why(a.cond, st))
				}
				continue
			}
			if tr != nil {
				tr.add("adrg", a.code, true, "%s", g.why(a.cond, st))
			}
			res.MDC, res.ADRG = m.code, a.code
			for di := a.first; di < a.end; di++ {
				d := &g.drgs[di]
				if g.eval(d.cond, st) {
					if tr != nil {
						tr.add("drg", d.code, true, "%s", g.why(d.cond, st))
					}
					res.Status, res.DRG, res.drgIdx, res.drgCode = StatusOK, d.code, uint32(di)+1, d.code
					return res
				}
				if tr != nil {
					tr.add("drg", d.code, false, "%s", g.why(d.cond, st))
				}
			}
			res.Reason = ReasonNoDRG
			return res
		}
		if !qyDone && g.qy(st, tr, m) {
			return g.qyResult(res, m)
		}
		if !g.rs.Behaviour.FallThrough {
			if tr != nil {
				tr.add("result", m.code, false, "no ADRG of MDC %s matched; fall-through is off", m.code)
			}
			res.MDC, res.Reason = m.code, ReasonNoADRGInMDC
			return res
		}
		if tr != nil {
			tr.add("mdc", m.code, false, "no ADRG matched; falling through to the next MDC")
		}
	}
	res.Reason = ReasonNoMatch
	if !st.pdxKnown {
		res.Reason = ReasonUnknownPrincipal
	}
	if tr != nil {
		tr.add("result", Ungroupable, false, "%s", res.Reason)
	}
	return res
}

func (g *Grouper) qy(st *state, tr *Trace, m *cmdc) bool {
	if g.qyCond < 0 || m.qyGroup == "" {
		return false
	}
	if g.eval(g.qyCond, st) {
		if tr != nil {
			tr.add("qy", m.qyGroup, true, "no procedure ADRG of MDC %s matched and %s", m.code, g.why(g.qyCond, st))
		}
		return true
	}
	if tr != nil {
		tr.add("qy", m.qyGroup, false, "%s", g.why(g.qyCond, st))
	}
	return false
}

func (g *Grouper) qyResult(res Result, m *cmdc) Result {
	res.Status, res.MDC, res.ADRG, res.DRG = StatusQY, m.code, m.qyGroup, m.qyGroup
	return res
}

// encode turns the record's codes into IDs (0 for codes the rule set does
// not know) and its numbers into the field vector conditions compare.
func (g *Grouper) encode(st *state, rec *record.Record, pdx string) {
	id, exact, ok := g.dx.LookupDiagnosis(pdx)
	st.pdx, st.pdxKnown, st.pdxExact = id, ok, ok && exact
	unknown := 0
	if !ok {
		unknown++
	}
	st.sdx = st.sdx[:0]
	for _, c := range rec.SecondaryDx {
		id, _, ok := g.dx.LookupDiagnosis(c)
		if !ok {
			unknown++
		}
		st.sdx = append(st.sdx, id)
	}
	st.procs = st.procs[:0]
	for _, c := range rec.Procedures {
		id, ok := g.proc.Lookup(c)
		if !ok {
			unknown++
		}
		st.procs = append(st.procs, id)
	}
	g.countProcedures(st)
	st.unknown = uint8(min(unknown, 255))
	n := &st.num
	n[FieldAgeYears-1] = float64(rec.AgeYears)
	n[FieldAgeDays-1] = float64(rec.AgeDays)
	n[FieldWeight-1] = float64(rec.BirthWeightG)
	n[FieldVentHours-1] = rec.VentHours
	n[FieldLOS-1] = float64(rec.LOSDays)
	n[FieldSex-1] = float64(rec.Sex)
	n[FieldDischargeMethod-1] = float64(rec.DischargeMethod)
	n[FieldDxCount-1] = float64(1 + len(rec.SecondaryDx))
	n[FieldProcCount-1] = float64(len(st.counted))
	n[FieldDayWard-1] = 0
	if rec.DayWard {
		n[FieldDayWard-1] = 1
	}
	n[FieldHospitalLevel-1] = float64(rec.HospitalLevel)
	// A blank age reads as 0 like every blank number, which makes an adult
	// look like a newborn; age_known lets a check tell the two apart.
	n[FieldAgeKnown-1] = 0
	if rec.AgeGiven() {
		n[FieldAgeKnown-1] = 1
	}
	n[FieldMainProcCount-1] = 0
	if st.main >= 0 {
		n[FieldMainProcCount-1] = 1
	}
}

// countProcedures sets st.counted, the procedures DRG conditions see, and
// st.main, main_proc's index in it (-1: none). Without an ignored list,
// counted is procs itself.
func (g *Grouper) countProcedures(st *state) {
	st.main = 0
	if len(st.procs) == 0 {
		st.main = -1
	}
	if g.ignored < 0 {
		st.counted = st.procs
		return
	}
	l := &g.lists[g.ignored]
	st.counted, st.countedAt = st.countedBuf[:0], st.countedAt[:0]
	for i, p := range st.procs {
		if !l.has(p) {
			st.counted = append(st.counted, p)
			st.countedAt = append(st.countedAt, int32(i))
		}
	}
	st.countedBuf = st.counted
	switch {
	case len(st.counted) == 0:
		st.main = -1
	case !g.mainCounted && st.countedAt[0] != 0:
		st.main = -1 // the first procedure does not count: no main procedure
	}
}

// procCode returns the record's code of counted procedure i.
func (g *Grouper) procCode(st *state, i int) string {
	if g.ignored >= 0 {
		i = int(st.countedAt[i])
	}
	return st.rec.Procedures[i]
}

// traceUnknown adds a step for each code the rule set does not know, and for
// each diagnosis it knows only by an ancestor: those are the usual reason a
// record lands somewhere unexpected, and nothing else in a trace names them.
func (g *Grouper) traceUnknown(st *state, rec *record.Record, pdx string, tr *Trace) {
	dx := func(code string, id uint32, what string) {
		switch _, exact, _ := g.dx.LookupDiagnosis(code); {
		case id == 0:
			tr.add("code", code, false, "%s not in the rule set (nor its category): no condition or CC list can match it", what)
		case !exact:
			tr.add("code", code, true, "%s not in the rule set: read as its ancestor %s", what, g.dx.Code(id))
		}
	}
	dx(pdx, st.pdx, "principal diagnosis")
	for i, c := range rec.SecondaryDx {
		dx(c, st.sdx[i], "secondary diagnosis")
	}
	for i, c := range rec.Procedures {
		if st.procs[i] != 0 {
			continue
		}
		hint := ""
		// 51.2300 saved by a spreadsheet as a number loses its extension.
		if len(c) == 5 && c[2] == '.' {
			if _, ok := g.proc.Lookup(c + "00"); ok {
				hint = fmt.Sprintf(" (%s00 is: was its extension lost, as a spreadsheet drops trailing zeros?)", c)
			}
		}
		tr.add("code", c, false, "procedure not in the rule set: no procedure list can match it%s", hint)
	}
}

// complicationLevel finds the worst counted CC/MCC among the secondaries.
func (g *Grouper) complicationLevel(st *state, tr *Trace) {
	st.hasMCC, st.hasCC, st.ccLevel, st.ccIdx = false, false, CCNone, -1
	excl1 := g.pdx[st.pdx].table
	var excl *roaring.Bitmap
	if excl1 == manyTables {
		excl = g.pdxTable[st.pdx]
	}
	for i, id := range st.sdx {
		info := &g.sdx[id]
		lvl := info.ccLevel
		if lvl == CCNone {
			continue
		}
		if t := info.ccTable; t == excl1 && t != 0 || excl != nil && excl.Contains(t) {
			if tr != nil {
				tr.add("cc", st.rec.SecondaryDx[i], false, "%s excluded: its exclusion table is one of principal %s's", lvl, g.dx.Code(st.pdx))
			}
			continue
		}
		if tr != nil {
			tr.add("cc", st.rec.SecondaryDx[i], true, "%s counts", lvl)
		}
		if lvl == CCLevelMCC {
			st.hasMCC = true
		} else {
			st.hasCC = true
		}
		if lvl > st.ccLevel {
			st.ccLevel, st.ccIdx = lvl, i
		}
	}
	st.num[FieldCCLevel-1] = float64(st.ccLevel)
}

// candidates marks the ADRGs and MDCs that the record's codes can trigger.
func (g *Grouper) candidates(st *state) {
	clear(st.cand)
	p := &g.pdx[st.pdx]
	st.mdcMask = g.pdxMDCs[p.mdcs]
	for _, a := range g.principalTriggers(p) {
		st.cand[a>>6] |= 1 << (a & 63)
	}
	for _, id := range st.sdx {
		info := &g.sdx[id]
		for _, a := range g.sdxTrig[info.trigOff:info.trigEnd] {
			st.cand[a>>6] |= 1 << (a & 63)
		}
		st.mdcMask |= g.sdxMDCs[info.mdcs]
	}
	for _, id := range st.counted {
		p := &g.procs[id]
		for _, a := range g.procedureTriggers(p) {
			st.cand[a>>6] |= 1 << (a & 63)
		}
		st.mdcMask |= g.procMDCs[p.mdcs]
	}
}

// eval evaluates compiled node n against the record in st.
func (g *Grouper) eval(n int32, st *state) bool {
	nd := &g.nodes[n]
	switch nd.op {
	case OpTrue:
		return true
	case OpFalse:
		return false
	case OpAnd:
		for _, k := range g.kids[nd.a:nd.b] {
			if !g.eval(k, st) {
				return false
			}
		}
		return true
	case OpOr:
		for _, k := range g.kids[nd.a:nd.b] {
			if g.eval(k, st) {
				return true
			}
		}
		return false
	case OpNot:
		return !g.eval(g.kids[nd.a], st)
	case OpIn:
		l := &g.lists[nd.list]
		switch nd.subj {
		case SubjectPdx:
			return l.has(st.pdx)
		case SubjectMainProc:
			return st.main >= 0 && l.has(st.counted[st.main])
		case SubjectAnyProc:
			for _, p := range st.counted {
				if l.has(p) {
					return true
				}
			}
		case SubjectAnyDx, SubjectAnySdx:
			if nd.subj == SubjectAnyDx && l.has(st.pdx) {
				return true
			}
			for _, d := range st.sdx {
				if l.has(d) {
					return true
				}
			}
		}
		return false
	case OpCmp:
		var x float64
		if nd.field == FieldRegions {
			x = float64(g.regions(nd.list, st))
		} else {
			x = st.num[nd.field-1]
		}
		return nd.cmp.Holds(x, nd.value)
	case OpHasMCC:
		return st.hasMCC
	case OpHasCC:
		return st.hasCC
	}
	return false
}

// regions counts the distinct regions of list l among all diagnoses.
func (g *Grouper) regions(l int32, st *state) int {
	n := 0
	for _, bm := range g.lists[l].regions {
		if bm.Contains(st.pdx) {
			n++
			continue
		}
		for _, d := range st.sdx {
			if bm.Contains(d) {
				n++
				break
			}
		}
	}
	return n
}

// why explains the value of node n in words, for traces.
func (g *Grouper) why(n int32, st *state) string {
	nd := &g.nodes[n]
	v := g.eval(n, st)
	switch nd.op {
	case OpAnd:
		if !v {
			for _, k := range g.kids[nd.a:nd.b] {
				if !g.eval(k, st) {
					return g.why(k, st)
				}
			}
		}
		parts := make([]string, 0, nd.b-nd.a)
		for _, k := range g.kids[nd.a:nd.b] {
			parts = append(parts, g.why(k, st))
		}
		return strings.Join(parts, " AND ")
	case OpOr:
		if v {
			for _, k := range g.kids[nd.a:nd.b] {
				if g.eval(k, st) {
					return g.why(k, st)
				}
			}
		}
		parts := make([]string, 0, nd.b-nd.a)
		for _, k := range g.kids[nd.a:nd.b] {
			parts = append(parts, g.why(k, st))
		}
		return "none of: " + strings.Join(parts, "; ")
	case OpNot:
		return "NOT (" + g.why(g.kids[nd.a], st) + ")"
	case OpIn:
		l := &g.lists[nd.list]
		codes := g.subjectCodes(nd.subj, st)
		if v {
			for _, c := range codes {
				if c.id != 0 && l.codes.Contains(c.id) {
					return fmt.Sprintf("%s %s in %s", nd.subj, c.code, l.name)
				}
			}
		}
		if len(codes) == 0 {
			return fmt.Sprintf("%s: none, so not in %s", nd.subj, l.name)
		}
		list := make([]string, len(codes))
		for i, c := range codes {
			list[i] = c.code
		}
		return fmt.Sprintf("%s %s not in %s", nd.subj, strings.Join(list, "|"), l.name)
	case OpCmp:
		var x float64
		name := nd.field.String()
		if nd.field == FieldRegions {
			x, name = float64(g.regions(nd.list, st)), "regions("+g.lists[nd.list].name+")"
		} else {
			x = st.num[nd.field-1]
		}
		rel := "holds"
		if !v {
			rel = "fails"
		}
		return fmt.Sprintf("%s=%g: %s %s %g %s", name, x, name, nd.cmp, nd.value, rel)
	case OpHasMCC:
		return fmt.Sprintf("has_mcc=%t", v)
	case OpHasCC:
		return fmt.Sprintf("has_cc=%t", v)
	}
	return fmt.Sprintf("%s=%t", nd.src, v)
}

type idCode struct {
	id   uint32
	code string
}

func (g *Grouper) subjectCodes(s Subject, st *state) []idCode {
	var out []idCode
	rec := st.rec
	switch s {
	case SubjectPdx, SubjectAnyDx:
		out = append(out, idCode{st.pdx, g.dxCodeOf(st.pdx, "")})
	}
	switch s {
	case SubjectAnyDx, SubjectAnySdx:
		for i, id := range st.sdx {
			out = append(out, idCode{id, rec.SecondaryDx[i]})
		}
	case SubjectMainProc:
		if st.main >= 0 {
			out = append(out, idCode{st.counted[st.main], g.procCode(st, st.main)})
		}
	case SubjectAnyProc:
		for i, id := range st.counted {
			out = append(out, idCode{id, g.procCode(st, i)})
		}
	}
	if s == SubjectPdx || s == SubjectAnyDx {
		out[0].code = g.principalText(st)
	}
	return out
}

func (g *Grouper) dxCodeOf(id uint32, fallback string) string {
	if c := g.dx.Code(id); c != "" {
		return c
	}
	return fallback
}

func (g *Grouper) principalText(st *state) string {
	if st.rec.PrincipalDx != "" {
		return st.rec.PrincipalDx
	}
	return g.dxCodeOf(st.pdx, st.rec.TCMPrincipalDx)
}

// GroupAll groups every record of recs into the result of the same index
// (results must be at least as long), as GroupScheme(&recs[i], scheme, nil)
// would one at a time, and faster on many records: while it groups one
// record it starts loading what the next ones will read (their codes'
// dictionary slots four records ahead, then, two ahead, the principal's,
// secondaries' and procedures' entries), so that those loads, cache misses
// on a national rule set, overlap the work instead of each waiting in turn.
// A small rule set, whose tables stay in cache, is grouped one record at a
// time: there the prefetches would only cost.
func (g *Grouper) GroupAll(recs []record.Record, scheme Scheme, results []Result) {
	results = results[:len(recs)]
	if !g.prefetch {
		for i := range recs {
			results[i] = g.GroupScheme(&recs[i], scheme, nil)
		}
		return
	}
	for i := range recs {
		if j := i + slotsAhead; j < len(recs) {
			g.prefetchSlots(&recs[j])
		}
		if j := i + entriesAhead; j < len(recs) {
			g.prefetchEntries(&recs[j])
		}
		results[i] = g.GroupScheme(&recs[i], scheme, nil)
	}
}

// How many records ahead GroupAll prefetches: a record's dictionary
// slots first, then (once those are in cache, so that finding the IDs is
// quick) the entries the IDs index.
const (
	slotsAhead   = 4
	entriesAhead = 2
)

// prefetchMinCodes is the size of rule set (diagnoses and procedures)
// from which GroupAll prefetches: its dictionaries and per-code entries
// then take more than a megabyte, past a core's nearer caches. The SAMPLE
// rule set (a few hundred codes) groups 20% slower with prefetches,
// the full-scale and national ones (~40 000 codes) 10-25% faster in memory
// and 20% faster in the pipeline.
const prefetchMinCodes = 8192

// prefetchSlots starts loading the dictionary slots of rec's codes.
func (g *Grouper) prefetchSlots(rec *record.Record) {
	if rec.PrincipalDx != "" {
		g.dx.Prefetch(rec.PrincipalDx)
	}
	for _, c := range rec.SecondaryDx {
		g.dx.Prefetch(c)
	}
	for _, c := range rec.Procedures {
		g.proc.Prefetch(c)
	}
}

// prefetchEntries looks rec's codes up (their slots prefetched before)
// and starts loading the grouping entries of their IDs.
func (g *Grouper) prefetchEntries(rec *record.Record) {
	if rec.PrincipalDx != "" {
		if id, _, ok := g.dx.LookupDiagnosis(rec.PrincipalDx); ok {
			prefetch.Line(unsafe.Pointer(&g.pdx[id]))
		}
	}
	for _, c := range rec.SecondaryDx {
		if id, _, ok := g.dx.LookupDiagnosis(c); ok {
			prefetch.Line(unsafe.Pointer(&g.sdx[id]))
		}
	}
	for _, c := range rec.Procedures {
		if id, ok := g.proc.Lookup(c); ok {
			prefetch.Line(unsafe.Pointer(&g.procs[id]))
		}
	}
}
