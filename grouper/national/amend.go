package national

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/medpay/drg/grouper"
)

// amend applies p's amendments to the conditions of rs and stores what it
// did as FileAmendments.
func amend(rs *grouper.RuleSet, p *Profile) error {
	var b bytes.Buffer
	b.WriteString("code\tchange\tcondition\twhy\n")
	apply := func(cond *string, a Amendment) {
		change, text := "and", a.And
		if a.Replace != "" {
			change, text = "replace", a.Replace
			*cond = a.Replace
		} else {
			*cond = andCondition(*cond, a.And)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", a.Code, change, text, a.Why)
	}
	for _, a := range p.Amendments {
		found := false
		for i := range rs.MDCs {
			if rs.MDCs[i].Code == a.Code {
				apply(&rs.MDCs[i].Condition, a)
				found = true
			}
		}
		for i := range rs.ADRGs {
			if rs.ADRGs[i].Code == a.Code {
				apply(&rs.ADRGs[i].Condition, a)
				found = true
			}
		}
		if !found {
			return fmt.Errorf("amendment of %s: no such MDC or ADRG in the tables", a.Code)
		}
	}
	rs.Tables[FileAmendments] = b.Bytes()
	return nil
}

// andCondition returns cond AND more, parenthesising cond when it has a
// top-level OR.
func andCondition(cond, more string) string {
	if e, err := grouper.ParseExpr(cond); err == nil && e.Op == grouper.OpOr {
		cond = "(" + cond + ")"
	}
	return cond + " AND " + more
}

// combinedFirst renumbers the ADRGs of each MDC so that those whose
// condition requires two code tests together (a diagnosis and a procedure,
// or two procedure lists: 同时包含) come first, each group in the tables'
// order: the more specific rule wins where both hold. Only ADRGs of the
// same kind are reordered among themselves (surgical, non-OR, medical), so
// that QY, which the grouper tries before the first medical ADRG, keeps
// its place.
func combinedFirst(rs *grouper.RuleSet) {
	combined := func(a grouper.ADRG) bool {
		e, err := grouper.ParseExpr(a.Condition)
		if err != nil {
			return false // Compile reports it
		}
		return isCombined(e)
	}
	byMDC := map[string][]int{}
	for i, a := range rs.ADRGs {
		byMDC[a.MDC] = append(byMDC[a.MDC], i)
	}
	for _, idx := range byMDC {
		slices.SortStableFunc(idx, func(x, y int) int {
			ax, ay := rs.ADRGs[x], rs.ADRGs[y]
			if kx, ky := ax.Kind(), ay.Kind(); kx != ky {
				return cmp.Compare(kx, ky)
			}
			cx, cy := combined(ax), combined(ay)
			if cx != cy {
				if cx {
					return -1
				}
				return 1
			}
			return cmp.Compare(ax.Order, ay.Order)
		})
		for k, i := range idx {
			rs.ADRGs[i].Order = k + 1
		}
	}
}

// tests counts the code tests one way of meeting a condition needs: of a
// diagnosis list and of a procedure list.
type tests struct{ dx, proc int }

// maxWays bounds the ways a condition is expanded into (its disjunctive
// form); a condition with more is not taken as combined.
const maxWays = 64

// ways returns the code tests of every way of meeting e (its disjunctive
// form, NOT and comparisons needing none), or nil past maxWays.
func ways(e *grouper.Expr) []tests {
	switch e.Op {
	case grouper.OpIn:
		if e.Subject.IsProcedure() {
			return []tests{{proc: 1}}
		}
		return []tests{{dx: 1}}
	case grouper.OpOr:
		var out []tests
		for _, a := range e.Args {
			w := ways(a)
			if w == nil || len(out)+len(w) > maxWays {
				return nil
			}
			out = append(out, w...)
		}
		return out
	case grouper.OpAnd:
		out := []tests{{}}
		for _, a := range e.Args {
			w := ways(a)
			if w == nil || len(out)*len(w) > maxWays {
				return nil
			}
			next := make([]tests, 0, len(out)*len(w))
			for _, x := range out {
				for _, y := range w {
					next = append(next, tests{x.dx + y.dx, x.proc + y.proc})
				}
			}
			out = next
		}
		return out
	}
	return []tests{{}} // NOT, comparisons, constants
}

// isCombined reports whether every way of meeting e tests a diagnosis and
// a procedure, or two procedure lists.
func isCombined(e *grouper.Expr) bool {
	w := ways(e)
	if len(w) == 0 {
		return false
	}
	for _, t := range w {
		if !(t.dx >= 1 && t.proc >= 1 || t.proc >= 2) {
			return false
		}
	}
	return true
}

// splitSuffixes are the complication endings of DRG names, which the ADRG
// name lacks.
var splitSuffixes = []string{"，伴严重并发症或合并症", "，伴一般并发症或合并症", "，伴并发症或合并症", "，不伴严重并发症或合并症", "，不伴并发症或合并症"}

// adrgNames names the ADRGs that have no name (1.1's tables carry none)
// after their first DRG, without its complication ending.
func adrgNames(rs *grouper.RuleSet) {
	first := map[string]string{}
	for _, d := range rs.DRGs {
		if _, ok := first[d.ADRG]; !ok || d.Order == 1 {
			first[d.ADRG] = d.Name
		}
	}
	for i := range rs.ADRGs {
		a := &rs.ADRGs[i]
		if a.Name != "" {
			continue
		}
		name := first[a.Code]
		for _, s := range splitSuffixes {
			name = strings.TrimSuffix(name, s)
		}
		a.Name = name
	}
}
