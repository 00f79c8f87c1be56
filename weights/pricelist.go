package weights

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// PolicyFile is the name of a price list's policy among its files.
const PolicyFile = "policy.json"

// ErrPriceList reports a price list's files that do not make one.
var ErrPriceList = errors.New("weights: invalid price list")

// ErrWrongRuleSet reports a price list used with a rule set it does not
// price.
var ErrWrongRuleSet = errors.New("weights: price list for another rule set")

// PriceListFiles returns a price list's files, as a store keeps them: the
// weight table (TableFile, weights.tsv text) and the policy (PolicyFile).
func PriceListFiles(table []byte, p *Policy) (map[string][]byte, error) {
	js, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPriceList, err)
	}
	return map[string][]byte{TableFile: table, PolicyFile: append(js, '\n')}, nil
}

// PriceListCalculator compiles a price list's files (PriceListFiles) into
// a Calculator. With ruleSet non-empty, a policy naming another rule set,
// or none (Policy.RuleSet), is refused with ErrWrongRuleSet: a price list
// prices the groups of one rule set, and one that does not say which
// cannot be checked. (drg prices import writes the name into the stored
// policy.)
func PriceListCalculator(files map[string][]byte, ruleSet string) (*Calculator, error) {
	tab, pol := files[TableFile], files[PolicyFile]
	if tab == nil || pol == nil {
		return nil, fmt.Errorf("%w: needs %s and %s", ErrPriceList, TableFile, PolicyFile)
	}
	t, err := ParseTable(bytes.NewReader(tab))
	if err != nil {
		return nil, err
	}
	p, err := ParsePolicy(pol)
	if err != nil {
		return nil, err
	}
	switch {
	case ruleSet == "" || p.RuleSet == ruleSet:
	case p.RuleSet == "":
		return nil, fmt.Errorf("%w: its policy names no rule_set, so it cannot be checked against %s", ErrWrongRuleSet, ruleSet)
	default:
		return nil, fmt.Errorf("%w: it prices %s, not %s", ErrWrongRuleSet, p.RuleSet, ruleSet)
	}
	return New(p, t)
}
