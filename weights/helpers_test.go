package weights

import (
	"os"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// testTable is the weight table of the Compute tests.
const testTable = `scheme	group	weight	standard_cost	name
drg	HC25	1.0		胆囊切除手术，不伴并发症或合并症
drg	HC23	2.0	25000	胆囊切除手术，伴并发症
drg	IU25	1.5		颈腰背疾患
drg	IS15	0.5		前臂、腕、手或足损伤
drg	IF19	2.5		上肢骨手术
drg	BR25	0.8		脑缺血性疾患 (same-level group)
drg	AA19			心脏移植 (no weight)
dip	K80.1:51.2300	1200		胆囊结石伴胆囊炎 腹腔镜胆囊切除术
dip	K80.1		8500	胆囊结石伴胆囊炎 保守治疗 (catalogue score)
`

// testPolicy is the policy of the Compute tests: round numbers so that every
// expectation can be worked out by hand.
const testPolicy = `{
  "policy_version": 1,
  "region": "TEST",
  "valid_from": "2025-01-01",
  "drg": {
    "rate": 10000,
    "level_coefficients": {"1": 0.8, "2": 1.0, "3": 1.2},
    "same_level_groups": ["BR25"],
    "outliers": {
      "high": {"bands": [{"up_to": 1, "k": 3}, {"over": 1, "up_to": 2, "k": 2.5}, {"over": 2, "k": 2}], "ratio": 0.9},
      "low": {"k": 0.4}
    },
    "same_efficacy": [
      {"code": "S52.5", "tcm_only": true, "pay_as_group": "IF19"},
      {"code": "S82", "pay_as_group": "HC23"}
    ]
  },
  "dip": {
    "rate": 10,
    "level_coefficients": 1
  },
  "kind_coefficients": {"tcm": 1.05},
  "tcm_treated_share": 0.3,
  "tcm_advantaged": [
    {"code": "M54.5", "min_tcm_share": 0.3, "factor": 1.1},
    {"code": "A03.06", "system": "tcm", "factor": 1.2},
    {"code": "K80", "factor": 1.05},
    {"code": "K80.1", "factor": 1.08},
    {"code": "A11.02", "system": "tcm", "factor": 1.1}
  ],
  "tcm_day_ward": [
    {"code": "M54.5", "factor": 0.9, "exempt_low_outlier": true},
    {"code": "M47", "factor": 0.8}
  ],
  "tcm_fixed_price": [
    {"code": "K60.3", "price": 6800}
  ]
}`

func mustTable(t testing.TB, tsv string) *Table {
	t.Helper()
	tab, err := ParseTable(strings.NewReader(tsv))
	if err != nil {
		t.Fatalf("ParseTable: %v", err)
	}
	return tab
}

func mustPolicy(t testing.TB, js string) *Policy {
	t.Helper()
	p, err := ParsePolicy([]byte(js))
	if err != nil {
		t.Fatalf("ParsePolicy: %v", err)
	}
	return p
}

func mustCalc(t testing.TB, p *Policy, tab *Table) *Calculator {
	t.Helper()
	c, err := New(p, tab)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func f64(v float64) *float64 { return &v }

// rec builds a record for the tests: level 2, general hospital, unless changed.
type recOpt func(*record.Record)

func level(l int8) recOpt       { return func(r *record.Record) { r.HospitalLevel = l } }
func kind(k string) recOpt      { return func(r *record.Record) { r.HospitalKind = k } }
func cost(total float64) recOpt { return func(r *record.Record) { r.TotalCost = total } }
func tcmCost(c float64) recOpt  { return func(r *record.Record) { r.TCMCost = c } }
func tcmDx(code string) recOpt  { return func(r *record.Record) { r.TCMPrincipalDx = code } }
func dayWard() recOpt           { return func(r *record.Record) { r.DayWard = true } }
func mkRec(opts ...recOpt) *record.Record {
	r := &record.Record{ID: "t1", HospitalID: "H1", HospitalLevel: 2, HospitalKind: "general", TotalCost: 10000}
	for _, o := range opts {
		o(r)
	}
	return r
}

func drgRes(group, pdx string) *grouper.Result {
	return &grouper.Result{Status: grouper.StatusOK, DRG: group, ADRG: group[:min(3, len(group))], PrincipalDx: pdx}
}

func dipRes(group string, score float64, pdx string) *grouper.Result {
	return &grouper.Result{Status: grouper.StatusOK, DRG: "HC25", PrincipalDx: pdx, DIP: grouper.DIPResult{Group: group, Score: score, Kind: grouper.DIPCore}}
}

func readTableFile(t testing.TB, path string) *Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := ParseTable(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tab
}
