package weights_test

import (
	"fmt"
	"strings"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

func Example() {
	tab, err := weights.ParseTable(strings.NewReader("scheme\tgroup\tweight\tstandard_cost\tname\n" +
		"drg\tIU25\t0.8\t\t颈腰背疾患，不伴并发症或合并症\n"))
	if err != nil {
		panic(err)
	}
	pol, err := weights.ParsePolicy([]byte(`{
	  "policy_version": 1, "region": "EXAMPLE", "valid_from": "2025-01-01",
	  "drg": {"rate": 10000, "level_coefficients": {"1": 0.75, "2": 1.02, "3": 1.2}},
	  "kind_coefficients": {"tcm": 1.05},
	  "tcm_advantaged": [{"code": "A03.06.01", "system": "tcm", "min_tcm_share": 0.3, "factor": 1.1}],
	  "tcm_day_ward": [{"code": "M54.5", "factor": 0.9, "exempt_low_outlier": true}]
	}`))
	if err != nil {
		panic(err)
	}
	calc, err := weights.New(pol, tab)
	if err != nil {
		panic(err)
	}
	// A day-ward case of 腰痛病 (mapped to M54.500) at a level-2 TCM hospital,
	// with 40% of its cost spent on TCM treatment.
	rec := &record.Record{ID: "r1", HospitalID: "H1", HospitalLevel: 2, HospitalKind: "tcm",
		TCMPrincipalDx: "A03.06.01", TotalCost: 6000, TCMCost: 2400, DayWard: true}
	res := grouper.Result{Status: grouper.StatusOK, DRG: "IU25", PrincipalDx: "M54.500", TCMSource: "A03.06.01"}
	var pay weights.Payment
	calc.Compute(rec, &res, grouper.SchemeDRG, &pay)
	// 0.8 × 1.1 × 0.9 = 0.792; × 10000 × 1.02 × 1.05 = 8482.32
	fmt.Printf("%.3f %.2f\n", pay.AdjustedWeight, pay.Amount)
	fmt.Println(pay.AdjustmentsString())
	// Output:
	// 0.792 8482.32
	// tcm_advantaged×1.10(tcm_advantaged[0]);day_ward×0.90(tcm_day_ward[0]);kind_coefficient×1.05(kind_coefficients.tcm)
}

func ExampleSettlement() {
	tab, _ := weights.ParseTable(strings.NewReader("scheme\tgroup\tweight\ndrg\tA\t1\ndrg\tB\t3\n"))
	pol, _ := weights.ParsePolicy([]byte(`{"policy_version": 1, "region": "EXAMPLE", "valid_from": "2025-01-01",
	  "drg": {"rate": 10000, "level_coefficients": 1}}`))
	calc, _ := weights.New(pol, tab)
	st := weights.NewSettlement()
	var pay weights.Payment
	for _, c := range []struct{ hosp, group string }{{"H1", "A"}, {"H1", "B"}, {"H2", "A"}} {
		res := grouper.Result{Status: grouper.StatusOK, DRG: c.group}
		calc.Compute(&record.Record{HospitalLevel: 3}, &res, grouper.SchemeDRG, &pay)
		st.Add(c.hosp, &pay)
	}
	// 500 points share 40000 yuan: 80 yuan a point (a year-end base rate of 8000).
	rep := st.Close(40000)
	fmt.Printf("point value %.2f\n", rep.PointValue)
	for _, h := range rep.Hospitals {
		fmt.Printf("%s: %d cases, %.0f points, %.2f yuan, CMI %.2f\n", h.HospitalID, h.Cases, h.Points, h.Amount, h.CMI)
	}
	// Output:
	// point value 80.00
	// H1: 2 cases, 400 points, 32000.00 yuan, CMI 2.00
	// H2: 1 cases, 100 points, 8000.00 yuan, CMI 1.00
}
