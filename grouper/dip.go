package grouper

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
)

// DIPKind says which part of the DIP catalogue a record was grouped by.
type DIPKind uint8

// DIP group kinds.
const (
	DIPNone          DIPKind = iota // not grouped under DIP
	DIPCore                         // core group (核心病种)
	DIPComprehensive                // comprehensive group (综合病种)
)

func (k DIPKind) String() string {
	switch k {
	case DIPCore:
		return "core"
	case DIPComprehensive:
		return "comprehensive"
	}
	return "none"
}

// DIPResult is the DIP grouping of one record.
type DIPResult struct {
	Group    string         `json:"group"`            // DIP group code; "" when the record has no DIP group
	Kind     DIPKind        `json:"kind"`             //
	Score    float64        `json:"score"`            // catalogue score (分值), before any policy adjustment
	Class    ProcedureClass `json:"class"`            //
	Severity CCLevel        `json:"severity"`         // auxiliary severity (辅助目录) from the secondary diagnoses: none, CC, MCC
	Reason   string         `json:"reason,omitempty"` // why Group is empty
}

// dipIndex is the compiled DIP catalogue.
type dipIndex struct {
	// Core groups by principal subcategory ID (CSR): coreOff[dx]..coreOff[dx+1]
	// index coreIdx, which points into core.
	coreOff []uint32
	coreIdx []int32
	core    []dipCore
	// listed[dx] holds the procedure IDs some core group of dx names.
	listed []*roaring.Bitmap
	// comp[category ID][class] = comprehensive group index + 1; 0 = none.
	comp      map[uint32]*[ClassSurgical + 1]int32
	compG     []*DIPComprehensiveGroup
	procClass []ProcedureClass // per procedure ID
}

type dipCore struct {
	procs []uint32 // sorted procedure IDs
	src   *DIPCoreGroup
}

// procedureClassOf maps a dictionary class to the DIP class it counts as.
// Interventional treatment (介入治疗) counts as therapeutic.
func procedureClassOf(class string) ProcedureClass {
	switch class {
	case "surgery", "surgical", "手术":
		return ClassSurgical
	case "therapeutic", "interventional", "治疗性操作", "介入治疗":
		return ClassTherapeutic
	case "diagnostic", "诊断性操作":
		return ClassDiagnostic
	}
	return 0
}

func (c *compiler) dip() error {
	g, cat := c.g, &c.rs.DIP
	if len(cat.Core) == 0 && len(cat.Comprehensive) == 0 {
		return nil
	}
	d := &dipIndex{comp: map[uint32]*[ClassSurgical + 1]int32{}}
	n := g.dx.Len() + 1
	byDx := make([][]int32, n)
	d.listed = make([]*roaring.Bitmap, n)
	seen := map[string]int{}
	var errs []error
	for i := range cat.Core {
		cg := &cat.Core[i]
		key := cg.Dx + "\x00" + strings.Join(cg.Procedures, "|")
		if prev, dup := seen[key]; dup {
			errs = append(errs, &Problem{File: FileDIPCore, Line: cg.Line, Msg: fmt.Sprintf("group %s repeats the diagnosis and procedures of line %d", cg.Code, prev), Err: ErrRuleSet})
			continue
		}
		seen[key] = cg.Line
		dx, _ := g.dx.Lookup(cg.Dx)
		core := dipCore{src: cg}
		if d.listed[dx] == nil {
			d.listed[dx] = roaring.New()
		}
		for _, p := range cg.Procedures {
			id, _ := g.proc.Lookup(p)
			core.procs = append(core.procs, id)
			d.listed[dx].Add(id)
		}
		slices.Sort(core.procs)
		byDx[dx] = append(byDx[dx], int32(len(d.core)))
		d.core = append(d.core, core)
	}
	d.coreOff = make([]uint32, n+1)
	for i, idx := range byDx {
		d.coreIdx = append(d.coreIdx, idx...)
		d.coreOff[i+1] = uint32(len(d.coreIdx))
	}
	for i := range cat.Comprehensive {
		cg := &cat.Comprehensive[i]
		id, _ := g.dx.Lookup(cg.Category)
		cl, _ := ParseProcedureClass(cg.Class)
		slot := d.comp[id]
		if slot == nil {
			slot = new([ClassSurgical + 1]int32)
			d.comp[id] = slot
		}
		if slot[cl] != 0 {
			errs = append(errs, &Problem{File: FileDIPComprehend, Line: cg.Line, Msg: fmt.Sprintf("group %s repeats category %s class %s", cg.Code, cg.Category, cg.Class), Err: ErrRuleSet})
			continue
		}
		d.compG = append(d.compG, cg)
		slot[cl] = int32(len(d.compG))
	}
	d.procClass = make([]ProcedureClass, g.proc.Len()+1)
	for _, p := range c.rs.Procedures {
		id, _ := g.proc.Lookup(p.Code)
		d.procClass[id] = procedureClassOf(p.Class)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	g.dip = d
	return nil
}

// Reasons a record has no DIP group.
const (
	ReasonNoDIPCatalogue = "NO_DIP_CATALOGUE"
	ReasonNoDIPGroup     = "NO_DIP_GROUP"
)

// groupDIP assigns the DIP group: the core group of the principal's
// subcategory and the exact set of its listed procedures the record has,
// else the comprehensive group of the principal's category and the
// record's most intensive procedure class.
func (g *Grouper) groupDIP(st *state, res *Result, tr *Trace) {
	d := g.dip
	out := &res.DIP
	out.Severity = st.ccLevel
	if d == nil {
		out.Reason = ReasonNoDIPCatalogue
		return
	}
	pdx := res.PrincipalDx
	sub := g.coreKeyID(pdx)
	if sub != 0 {
		listed := d.listed[sub]
		// Collect the record's procedures listed for this diagnosis, sorted and distinct.
		procs := st.dipProcs[:0]
		if listed != nil {
			for _, p := range st.procs {
				if p != 0 && listed.Contains(p) {
					procs = insertSorted(procs, p)
				}
			}
		}
		st.dipProcs = procs
		for _, ci := range d.coreIdx[d.coreOff[sub]:d.coreOff[sub+1]] {
			cg := &d.core[ci]
			if slices.Equal(cg.procs, procs) {
				out.Group, out.Kind, out.Score = cg.src.Code, DIPCore, cg.src.Score
				if tr != nil {
					tr.add("dip", cg.src.Code, true, "core group: %s with listed procedures %s", cg.src.Dx, strings.Join(cg.src.Procedures, "|"))
				}
				return
			}
		}
		if tr != nil {
			tr.add("dip", g.dx.Code(sub), false, "no core group for %s with %d listed procedure(s)", g.dx.Code(sub), len(procs))
		}
	} else if tr != nil {
		tr.add("dip", pdx, false, "the catalogue has no core group for %s, its subcategory or its category", pdx)
	}
	class := ClassConservative
	for _, p := range st.procs {
		if c := d.procClass[p]; c > class {
			class = c
		}
	}
	out.Class = class
	if len(pdx) >= 3 {
		if catID, ok := g.dx.Lookup(pdx[:3]); ok {
			if slot := d.comp[catID]; slot != nil && slot[class] != 0 {
				cg := d.compG[slot[class]-1]
				out.Group, out.Kind, out.Score = cg.Code, DIPComprehensive, cg.Score
				if tr != nil {
					tr.add("dip", cg.Code, true, "comprehensive group: category %s, class %s", cg.Category, class)
				}
				return
			}
		}
	}
	out.Reason = ReasonNoDIPGroup
	if tr != nil {
		tr.add("dip", Ungroupable, false, "no comprehensive group for category %.3s class %s", pdx, class)
	}
}

// coreKeyID returns the dictionary ID under which the principal's core
// groups are listed: its subcategory (K80.1) when the catalogue has core
// groups there, else its category (I10, for codes such as I10.x00 whose
// category has no subdivision), else 0.
func (g *Grouper) coreKeyID(pdx string) uint32 {
	d := g.dip
	has := func(id uint32) bool { return id != 0 && d.coreOff[id+1] > d.coreOff[id] }
	if len(pdx) >= 5 && pdx[3] == '.' {
		if id, ok := g.dx.Lookup(pdx[:5]); ok && has(id) {
			return id
		}
	}
	if len(pdx) >= 3 {
		if id, ok := g.dx.Lookup(pdx[:3]); ok && has(id) {
			return id
		}
	}
	if id, ok := g.dx.Lookup(pdx); ok && has(id) {
		return id
	}
	return 0
}

func insertSorted(s []uint32, v uint32) []uint32 {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	return slices.Insert(s, i, v)
}

// ProcedureClass is the DIP procedure class used by comprehensive groups.
type ProcedureClass uint8

// Procedure classes, from least to most intensive.
const (
	ClassConservative ProcedureClass = iota + 1
	ClassDiagnostic
	ClassTherapeutic
	ClassSurgical
)

var classNames = [...]string{ClassConservative: "conservative", ClassDiagnostic: "diagnostic", ClassTherapeutic: "therapeutic", ClassSurgical: "surgical"}

func (c ProcedureClass) String() string {
	if int(c) < len(classNames) && classNames[c] != "" {
		return classNames[c]
	}
	return "unknown"
}

// ParseProcedureClass parses a class name as written in the tables.
func ParseProcedureClass(s string) (ProcedureClass, bool) {
	for i, n := range classNames {
		if n != "" && n == s {
			return ProcedureClass(i), true
		}
	}
	return 0, false
}
