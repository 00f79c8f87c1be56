package weights

import (
	"bytes"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper"
)

// FuzzParsePolicy: the policy parser never panics, and a policy it accepts
// can be compiled and used without panicking either.
func FuzzParsePolicy(f *testing.F) {
	f.Add(SamplePolicyJSON())
	f.Add([]byte(testPolicy))
	f.Add([]byte(minimalPolicy))
	f.Add([]byte(withDRG(`"outliers": {"high": {"bands": [{"up_to": 1, "k": 3}, {"over": 1, "k": 2}], "ratio": 0.5}, "low": {"k": 0.4, "method": "item_cost"}}`)))
	f.Add([]byte(`{"policy_version": 1, "drg": {"rate": {"1": 1e308, "2": -0, "3": "x"}}}`))
	f.Add([]byte(`{"tcm_advantaged": [{"code": "A03.06", "system": "tcm", "factor": 1.2}], "kind_coefficients": {"": 1}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"a":`))
	tab, err := ParseTable(strings.NewReader(testTable))
	if err != nil {
		f.Fatal(err)
	}
	cases := computeCases()
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			if p != nil {
				t.Fatal("a policy and an error")
			}
			return
		}
		calc, err := New(p, tab)
		if err != nil {
			return
		}
		var pay Payment
		for _, c := range cases {
			calc.Compute(c.rec, c.res, c.s, &pay)
			if pay.Amount < 0 && !pay.FixedPrice {
				// Amounts are never negative: every factor and rate is > 0.
				t.Fatalf("negative amount %v (%s)", pay.Amount, pay.AdjustmentsString())
			}
			_ = pay.AdjustmentsString()
		}
	})
}

// FuzzParseTable: the weight-table parser never panics, and every row it
// accepts can be looked up again.
func FuzzParseTable(f *testing.F) {
	f.Add([]byte(testTable))
	f.Add([]byte("scheme\tgroup\tweight\nDRG\tA\t1e3\ndip\tA\t\n"))
	f.Add([]byte("\ufeffweight\tscheme\tgroup\tname\r\n1\tdrg\tX\t\r\n"))
	f.Add([]byte("scheme\tgroup\tweight\tstandard_cost\tname\ndrg\tA\t-1\t\t\n"))
	f.Add([]byte("# only a comment"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ParseTable(bytes.NewReader(data))
		if err != nil {
			if tab != nil {
				t.Fatal("a table and an error")
			}
			return
		}
		for _, s := range []grouper.Scheme{grouper.SchemeDRG, grouper.SchemeDIP} {
			for i := range tab.Rows(s) {
				r := &tab.Rows(s)[i]
				got, ok := tab.Lookup(s, r.Group)
				if !ok || got != r {
					t.Fatalf("row %+v not found again", r)
				}
				if r.Weight < 0 || r.StandardCost < 0 {
					t.Fatalf("negative value accepted: %+v", r)
				}
			}
		}
		rs := &grouper.RuleSet{Tables: map[string][]byte{TableFile: data}}
		if _, err := TableFromRuleSet(rs); err != nil {
			t.Fatalf("TableFromRuleSet disagrees with ParseTable: %v", err)
		}
	})
}
