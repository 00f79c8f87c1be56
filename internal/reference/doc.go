// Package reference is a deliberately simple DRG grouper, written to check
// the compiled grouper (package grouper) against: the differential tests
// here and in bench, and the `drg bench` ratio, compare the two field by
// field. It is nobody's API; use package grouper to group records.
//
// It interprets a grouper.RuleSet directly: every condition is parsed once
// with grouper.ParseExpr and evaluated by walking the AST; a code is looked up
// in a list by scanning the list's entries and comparing strings; CC/MCC
// levels and exclusion tables come from linear scans of rs.CC and
// rs.Exclusions for every record. There is no interning, no bitmap and no
// candidate pruning, so it is slow (milliseconds per record on a national
// scheme) but short enough to read against the grouping rules.
//
// The semantics are those of grouper.Grouper.Group (grouper/group.go):
//
//   - A blank principal with a TCM principal diagnosis is mapped through the
//     rule set's TCM rows (none when rs.TCM is nil): the row for the disease
//     and syndrome, else the disease's row with a blank syndrome, else 0000
//     with reason TCM_UNMAPPED.
//   - A diagnosis list entry matches a code when it equals the code, its
//     subcategory (code[:5] when code[3] is '.') or its category (code[:3]).
//     Procedure entries match only the exact code.
//   - A secondary diagnosis takes the CC level and exclusion table of the most
//     specific CC entry among the code, its subcategory and its category; it
//     is not counted when that table is one of the principal's (from every
//     exclusion row whose principal matches the principal diagnosis the same
//     way).
//   - Checks run in rule-set order, MDCs in rule-set order, ADRGs and DRGs by
//     their Order (stable); QY is tried before the first medical ADRG of an
//     entered MDC; when no ADRG matches, the next MDC is tried if fall-through
//     is on, else the record is 0000 with NO_ADRG_IN_MDC.
//   - A record no MDC takes is 0000 with NO_MDC_ADRG_MATCH, or
//     UNKNOWN_PRINCIPAL_DX when neither the principal nor its subcategory nor
//     its category occurs anywhere in the rule set.
//
// Example:
//
//	rs, _ := grouper.Sample()
//	ref, err := reference.New(rs)
//	...
//	res := ref.Group(&rec)
//
// Layer: above the synthetic data it is tested on and below bench, which
// measures the compiled grouper against it.
package reference
