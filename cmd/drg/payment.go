package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/weights"
)

// paymentCalculator returns the calculator for rs under the policy ("sample"
// = the embedded sample policy, else a JSON file), or nil when the rule set
// has no weights table.
func paymentCalculator(rs *grouper.RuleSet, policy string) (*weights.Calculator, error) {
	table, err := weights.TableFromRuleSet(rs)
	if errors.Is(err, weights.ErrNoTable) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rule set %s: %w", rs.Name, err)
	}
	var p *weights.Policy
	policy = policyName(policy)
	if policy == "sample" {
		p, err = weights.SamplePolicy()
	} else {
		var f *os.File
		if f, err = os.Open(policy); err != nil {
			return nil, err
		}
		p, err = weights.ReadPolicy(f)
		f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", policy, err)
	}
	c, err := weights.New(p, table)
	if err != nil {
		return nil, fmt.Errorf("policy %s against rule set %s %s: %w", policy, rs.Name, rs.Version, err)
	}
	return c, nil
}

// policyName is how messages name the --policy value.
func policyName(policy string) string {
	if policy == "" {
		return "sample"
	}
	return policy
}
