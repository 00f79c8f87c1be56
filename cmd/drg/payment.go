package main

import (
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/batch"
)

// paymentColumns returns the weight and payment columns for rs under the
// policy, or none when the rule set has no weights table.
func paymentColumns(rs *grouper.RuleSet, policy string, scheme grouper.Scheme) ([]batch.Column, error) {
	return nil, nil
}
