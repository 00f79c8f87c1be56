package national

import (
	"cmp"
	"slices"

	"github.com/medpay/drg/grouper"
)

// sortRuleSet puts MDCs, ADRGs and DRGs in try order, the order the project's
// tables are written in.
func sortRuleSet(rs *grouper.RuleSet, mdcOrder map[string]int) {
	slices.SortStableFunc(rs.MDCs, func(a, b grouper.MDC) int { return cmp.Compare(a.Order, b.Order) })
	adrgPos := map[string]int{}
	slices.SortStableFunc(rs.ADRGs, func(a, b grouper.ADRG) int {
		if c := cmp.Compare(mdcOrder[a.MDC], mdcOrder[b.MDC]); c != 0 {
			return c
		}
		return cmp.Compare(a.Order, b.Order)
	})
	for i, a := range rs.ADRGs {
		adrgPos[a.Code] = i
	}
	slices.SortStableFunc(rs.DRGs, func(a, b grouper.DRG) int {
		if c := cmp.Compare(adrgPos[a.ADRG], adrgPos[b.ADRG]); c != 0 {
			return c
		}
		return cmp.Compare(a.Order, b.Order)
	})
}
