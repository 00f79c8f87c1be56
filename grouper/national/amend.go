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
// order: the more specific rule wins where both hold.
func combinedFirst(rs *grouper.RuleSet) {
	combined := func(a grouper.ADRG) bool {
		e, err := grouper.ParseExpr(a.Condition)
		if err != nil {
			return false // Compile reports it
		}
		return codeTests(e) >= 2
	}
	byMDC := map[string][]int{}
	for i, a := range rs.ADRGs {
		byMDC[a.MDC] = append(byMDC[a.MDC], i)
	}
	for _, idx := range byMDC {
		slices.SortStableFunc(idx, func(x, y int) int {
			cx, cy := combined(rs.ADRGs[x]), combined(rs.ADRGs[y])
			if cx != cy {
				if cx {
					return -1
				}
				return 1
			}
			return cmp.Compare(rs.ADRGs[x].Order, rs.ADRGs[y].Order)
		})
		for k, i := range idx {
			rs.ADRGs[i].Order = k + 1
		}
	}
}

// codeTests returns the fewest code-list tests that must all hold for e
// to hold: an OR needs only its weakest branch, an AND all of its parts.
func codeTests(e *grouper.Expr) int {
	switch e.Op {
	case grouper.OpIn:
		return 1
	case grouper.OpAnd:
		n := 0
		for _, a := range e.Args {
			n += codeTests(a)
		}
		return n
	case grouper.OpOr:
		n := -1
		for _, a := range e.Args {
			if k := codeTests(a); n < 0 || k < n {
				n = k
			}
		}
		return max(n, 0)
	}
	return 0 // NOT, comparisons, constants
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
