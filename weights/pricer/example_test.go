package pricer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/grouper/store"
	"github.com/medpay/drg/weights"
	"github.com/medpay/drg/weights/pricer"
)

// Example stores the SAMPLE rule set and a price list made of its weights
// and the SAMPLE policy (as drg rules import and drg prices import would),
// then prices one record in one call. HC25 (RW 1.79) at level 3 pays
// 1.79 × 10 000 × 1.2 = 21 480; the cost of 60 000 is above 2.5 × 17 900
// (the band of weights 1-2), so 0.9 × (60 000 − 44 750) = 13 725 is added.
func Example() {
	dir, err := os.MkdirTemp("", "pricer")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	rs, _ := grouper.Sample()
	st.Put(rs)
	policy := strings.Replace(string(weights.SamplePolicyJSON()), `"policy_version": 1,`, `"policy_version": 1, "rule_set": "sample",`, 1)
	st.PutPrices(map[string][]byte{weights.TableFile: rs.Tables[weights.TableFile], weights.PolicyFile: []byte(policy)},
		store.Info{Name: "demo", RuleSet: "sample", ValidFrom: "2024-01-01"})
	st.Close()

	p, err := pricer.Open(context.Background(), dir, "sample", "demo")
	if err != nil {
		log.Fatal(err)
	}
	rec := record.Record{ID: "R1", Sex: 1, AgeYears: 50, HospitalLevel: 3, PrincipalDx: "K80.100", Procedures: []string{"51.2300"},
		TotalCost: 60000, DischargeDate: record.DateOf(2024, 5, 1),
		Present: record.HasSex | record.HasAgeYears | record.HasHospitalLevel | record.HasTotalCost}
	var pay weights.Payment
	res, err := p.Price(&rec, &pay)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.DRG, pay.Outlier, pay.Amount)
	fmt.Println(pay.AdjustmentsString())

	ex := p.Explain(&rec)
	fmt.Println(len(ex.Trace.Steps) > 0, ex.DRG == p.Group(&rec).DRG)

	rec.DischargeDate = record.DateOf(2031, 1, 1)
	_, err = p.Price(&rec, &pay)
	fmt.Println(err)
	// Output:
	// HC25 high 35205
	// high_outlier+13725.00(drg.outliers.high.bands[1])
	// true true
	// record R1: discharged 2031-01-01, outside the price list's period 2024-01-01..2026-12-31: pricer: record discharged outside the period in force
}

// Example_json shows a priced result as a payment system reads it in JSON:
// a record built in code (its principal in lower case) normalised, grouped
// to HU15 (RW 0.75), a same-level group paid 0.75 × 10 000 × 1.02 = 7 650 at
// every level.
func Example_json() {
	rs, _ := grouper.Sample()
	g, _ := grouper.Compile(rs)
	t, _ := weights.TableFromRuleSet(rs)
	pol, _ := weights.SamplePolicy()
	calc, _ := weights.New(pol, t)
	p := pricer.New(g, calc)
	rec, err := record.Normalize(&record.Record{ID: "R2", Sex: 2, AgeYears: 45, HospitalLevel: 2, PrincipalDx: "k80.100"})
	if err != nil {
		log.Fatal(err)
	}
	var pay weights.Payment
	res, _ := p.Price(&rec, &pay)
	b, _ := json.Marshal(struct {
		Result  grouper.Result  `json:"result"`
		Payment weights.Payment `json:"payment"`
	}{res, pay})
	fmt.Println(string(b))
	// Output:
	// {"result":{"status":"OK","unknown_codes":0,"mdc":"H","adrg":"HU1","drg":"HU15","principal_dx":"K80.100","cc_level":"none","dip":{"group":"","kind":"none","score":0,"class":"","severity":"none"}},"payment":{"scheme":"drg","group":"HU15","paid_as":"HU15","level":2,"base_weight":0.75,"adjusted_weight":0.75,"points":75,"settlement_points":76.5,"rate":10000,"level_coefficient":1.02,"kind_coefficient":1,"standard_cost":7500,"outlier":"none","group_amount":7650,"amount":7650,"fixed_price":false,"adjustments":[{"name":"same_level","op":"factor","factor":1.02,"source":"drg.same_level_groups[4]"}]}}
}
