package reference_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/reference"
)

// edgeRuleSet is a small hand-written rule set that uses every part of the
// condition language and the corners of the grouping rules: list scopes
// (an ADRG list, its MDC's list, a global list), list groups, category and
// subcategory entries, regions, NOT, every numeric field, DRG splits without
// a catch-all (NO_DRG_SPLIT), an MDC without medical ADRGs (QY after the
// last ADRG), CC entries on categories overridden by exact codes, duplicate
// CC entries, principals in two exclusion tables, a TCM disease without a
// default row, and DIP-only codes.
func edgeRuleSet(qy, fallThrough bool) *grouper.RuleSet {
	rs := &grouper.RuleSet{
		Name:      "edge",
		Behaviour: grouper.Behaviour{QY: qy, QYList: "or_procs", FallThrough: fallThrough},
		Checks: []grouper.Check{
			{Order: 1, Condition: "sex = 0", Reason: "SEX_MISSING"},
			{Order: 2, Condition: "age_years > 95 AND sex = 9", Reason: "ODD_PATIENT"},
		},
		// MDCs are tried by Order (TestMDCOrderColumn in package grouper pins
		// that rows in another order do not matter).
		MDCs: []grouper.MDC{
			{Code: "A", Order: 1, Condition: "main_proc in pre OR vent_hours >= 96"},
			{Code: "P", Order: 2, Condition: "pdx in mdc_dx AND age_years = 0"},
			{Code: "Z", Order: 3, Condition: "pdx in mdc_dx AND regions(mdc_dx) >= 2"},
			{Code: "M", Order: 4, Condition: "pdx in mdc_dx AND sex = 1"},
			{Code: "G", Order: 5, Condition: "pdx in mdc_dx"},
			{Code: "H", Order: 6, Condition: "(pdx in mdc_dx OR any_sdx in hx) AND NOT day_ward = 1"},
			{Code: "X", Order: 7, Condition: "pdx in mdc_dx AND hospital_level >= 2"},
		},
		ADRGs: []grouper.ADRG{
			{Code: "AB1", MDC: "A", Order: 2, Condition: "vent_hours >= 96 AND los_days > 3"},
			{Code: "AA1", MDC: "A", Order: 1, Condition: "main_proc in ss"},
			{Code: "PR1", MDC: "P", Order: 1, Condition: "age_days <= 28 AND weight < 2500 AND weight > 0"},
			{Code: "PS1", MDC: "P", Order: 2, Condition: "true"},
			{Code: "ZB1", MDC: "Z", Order: 1, Condition: "main_proc in ss"},
			{Code: "ZZ1", MDC: "Z", Order: 2, Condition: "NOT any_proc in or_procs"},
			{Code: "MR1", MDC: "M", Order: 1, Condition: "pdx in zd"},
			{Code: "GB1", MDC: "G", Order: 1, Condition: "main_proc in ss AND pdx in zd"},
			{Code: "GC1", MDC: "G", Order: 2, Condition: "any_proc in ss[1] AND any_proc in ss[2]"},
			{Code: "GK1", MDC: "G", Order: 3, Condition: "main_proc in ss"},
			{Code: "GR1", MDC: "G", Order: 4, Condition: "pdx in zd AND age_years >= 65"},
			{Code: "GS1", MDC: "G", Order: 5, Condition: "pdx in zd"},
			{Code: "GT1", MDC: "G", Order: 6, Condition: "pdx in zd AND cc_level >= 1"},
			{Code: "GZ1", MDC: "G", Order: 7, Condition: "dx_count >= 3 OR proc_count = 0 AND discharge_method != 5"},
			{Code: "HR1", MDC: "H", Order: 1, Condition: "pdx in zd"},
			{Code: "HS1", MDC: "H", Order: 2, Condition: "any_sdx in zd"},
			{Code: "XS1", MDC: "X", Order: 2, Condition: "false"},
			{Code: "XR1", MDC: "X", Order: 1, Condition: "pdx in zd AND (age_years < 18 OR age_years > 80)"},
		},
		DRGs: []grouper.DRG{
			{Code: "AA19", ADRG: "AA1", Order: 1, Condition: "true"},
			{Code: "AB11", ADRG: "AB1", Order: 1, Condition: "has_mcc"},
			{Code: "AB15", ADRG: "AB1", Order: 2, Condition: "true"},
			{Code: "PR19", ADRG: "PR1", Order: 1, Condition: "true"},
			{Code: "PS19", ADRG: "PS1", Order: 1, Condition: "true"},
			{Code: "ZB19", ADRG: "ZB1", Order: 1, Condition: "true"},
			{Code: "ZZ19", ADRG: "ZZ1", Order: 1, Condition: "true"},
			{Code: "MR19", ADRG: "MR1", Order: 1, Condition: "true"},
			{Code: "GB13", ADRG: "GB1", Order: 2, Condition: "has_cc"},
			{Code: "GB11", ADRG: "GB1", Order: 1, Condition: "has_mcc"},
			{Code: "GC19", ADRG: "GC1", Order: 1, Condition: "true"},
			{Code: "GK11", ADRG: "GK1", Order: 1, Condition: "discharge_method = 5"},
			{Code: "GK15", ADRG: "GK1", Order: 2, Condition: "true"},
			{Code: "GR11", ADRG: "GR1", Order: 1, Condition: "has_mcc"},
			{Code: "GR13", ADRG: "GR1", Order: 2, Condition: "has_mcc OR has_cc"},
			{Code: "GR15", ADRG: "GR1", Order: 3, Condition: "true"},
			{Code: "GS11", ADRG: "GS1", Order: 1, Condition: "cc_level = 2"},
			{Code: "GS12", ADRG: "GS1", Order: 2, Condition: "NOT has_cc AND sex != 2"},
			{Code: "GT19", ADRG: "GT1", Order: 1, Condition: "true"},
			{Code: "GZ19", ADRG: "GZ1", Order: 1, Condition: "true"},
			{Code: "HR19", ADRG: "HR1", Order: 1, Condition: "true"},
			{Code: "HS19", ADRG: "HS1", Order: 1, Condition: "true"},
			{Code: "XR19", ADRG: "XR1", Order: 1, Condition: "true"},
			{Code: "XS19", ADRG: "XS1", Order: 1, Condition: "true"},
		},
	}
	dx := func(owner, list string, group int, region string, cs ...string) {
		for _, c := range cs {
			rs.Lists = append(rs.Lists, grouper.ListEntry{Owner: owner, List: list, System: codes.SystemDiagnosis, Code: c, Group: group, Region: region})
		}
	}
	px := func(owner, list string, group int, cs ...string) {
		for _, c := range cs {
			rs.Lists = append(rs.Lists, grouper.ListEntry{Owner: owner, List: list, System: codes.SystemProcedure, Code: c, Group: group})
		}
	}
	px("*", "or_procs", 0, "51.2300", "51.2200", "45.7300", "81.5100", "36.0601")
	dx("*", "hx", 0, "", "I10", "E11.9")
	px("A", "pre", 0, "33.5000", "37.5100", "96.7201")
	px("AA1", "ss", 0, "33.5000", "37.5100")
	dx("P", "mdc_dx", 0, "", "P07", "P22.0", "P59.900")
	dx("Z", "mdc_dx", 0, "头颈部", "S06.0")
	dx("Z", "mdc_dx", 0, "胸部", "S27")
	dx("Z", "mdc_dx", 0, "腹部", "S36.1")
	dx("Z", "mdc_dx", 0, "下肢", "S72.000")
	dx("Z", "mdc_dx", 0, "上肢", "S42", "S72.000")
	px("ZB1", "ss", 0, "79.3501", "81.5100")
	dx("M", "mdc_dx", 0, "", "N40", "N41.000")
	dx("MR1", "zd", 0, "", "N40", "N41")
	dx("G", "mdc_dx", 0, "", "K80", "K81.0", "K82.000", "K85.100x001", "K35")
	dx("G", "zd", 0, "", "K80.2", "K80.5")
	dx("GB1", "zd", 0, "", "K80.0", "K80.1", "K81.0")
	px("GB1", "ss", 0, "51.2300", "51.2200")
	px("GC1", "ss", 1, "45.7300", "45.7400")
	px("GC1", "ss", 2, "46.1000", "46.1100")
	px("GK1", "ss", 0, "45.2300", "45.1300")
	dx("GR1", "zd", 0, "", "K80", "K82.000")
	dx("GS1", "zd", 0, "", "K81", "K85.100x001", "K35.8")
	dx("H", "mdc_dx", 0, "", "K70", "K74.600", "K76.000")
	dx("HR1", "zd", 0, "", "K70.3", "K74.600")
	dx("HS1", "zd", 0, "", "I85", "K76")
	dx("X", "mdc_dx", 0, "", "Z51.1", "R50.900")
	dx("XR1", "zd", 0, "", "Z51", "R50.9")
	rs.CC = []grouper.CCEntry{
		{Code: "K80", Level: grouper.CCLevelMCC, Table: "T_K8"},
		{Code: "K80.100", Level: grouper.CCLevelCC, Table: "T_K8"},
		{Code: "I50.000", Level: grouper.CCLevelMCC, Table: "T_I50"},
		{Code: "J96", Level: grouper.CCLevelMCC, Table: "T_J96"},
		{Code: "K85", Level: grouper.CCLevelMCC, Table: "T_K8"},
		{Code: "K85.100x001", Level: grouper.CCLevelCC, Table: "T_K85"},
		{Code: "E11.9", Level: grouper.CCLevelCC, Table: "T_E11"},
		{Code: "I10", Level: grouper.CCLevelCC, Table: "T_I10"},
		{Code: "N18.500", Level: grouper.CCLevelCC, Table: "T_N18"},
		{Code: "K81.000", Level: grouper.CCLevelCC, Table: "T_K8"},
		{Code: "N18.500", Level: grouper.CCLevelMCC, Table: "T_N18"}, // duplicate: the later entry counts
	}
	rs.Exclusions = []grouper.Exclusion{
		{Table: "T_K8", Principal: "K80"},
		{Table: "T_I10", Principal: "K80.1"},
		{Table: "T_I50", Principal: "I50.000"},
		{Table: "T_E11", Principal: "E11"},
		{Table: "T_K85", Principal: "K85.100x001"},
		{Table: "T_N18", Principal: "N18"},
	}
	for _, c := range []string{"K80.000", "K80.100", "K80.100x002", "K81.000", "K82.000", "K85.100x001", "K35.800",
		"K70.300", "K74.600", "K76.000", "P07.300", "P22.000", "P59.900", "S06.000", "S27.300", "S36.100", "S42.000",
		"S72.000", "N40.x00", "N41.000", "Z51.100", "R50.900", "I10.x00", "E11.900", "I50.000", "J96.000", "N18.500", "I85.000"} {
		rs.Diagnoses = append(rs.Diagnoses, grouper.DictEntry{Code: c})
	}
	for _, c := range []string{"33.5000", "37.5100", "96.7201", "51.2300", "51.2200", "45.7300", "45.7400", "46.1000",
		"46.1100", "45.2300", "45.1300", "79.3501", "81.5100", "36.0601", "87.0301", "99.2500"} {
		rs.Procedures = append(rs.Procedures, grouper.DictEntry{Code: c, Class: "surgery"})
	}
	rs.TCM = []codes.TCMMapping{
		{Disease: "A07.01.01", Western: "K80.100", Line: 2},
		{Disease: "A07.01.01", Syndrome: "B02.03.05", Western: "K81.000", Line: 3},
		{Disease: "A04.02.01", Syndrome: "B03.06.02", Western: "K70.300", Line: 4},
		{Disease: "A06.09", Western: "E11.900", Line: 5},
		{Disease: "A01.03.04", Western: "K99.100", Line: 6},
	}
	rs.DIP = grouper.DIPCatalogue{
		Core:          []grouper.DIPCoreGroup{{Code: "K80.1-00", Dx: "K80.1", Score: 500}},
		Comprehensive: []grouper.DIPComprehensiveGroup{{Code: "K99-S", Category: "K99", Class: "surgical", Score: 800}},
	}
	return rs
}

func TestDiffEdge(t *testing.T) {
	n := 50_000
	if testing.Short() {
		n = 5000
	}
	for _, qy := range []bool{false, true} {
		for _, ft := range []bool{false, true} {
			t.Run(fmt.Sprintf("qy=%t,fall_through=%t", qy, ft), func(t *testing.T) {
				diff(t, edgeRuleSet(qy, ft), n, 3)
			})
		}
	}
}

// TestReferenceEdge pins a few results of the edge rule set that the random
// records might miss, so that both groupers are held to them.
func TestReferenceEdge(t *testing.T) {
	rs := edgeRuleSet(true, false)
	ref, err := reference.New(rs)
	require.NoError(t, err)
	g, err := grouper.Compile(rs)
	require.NoError(t, err)
	adult := func(pdx string, sdx, procs []string) *record.Record {
		return &record.Record{Sex: 1, AgeYears: 50, DischargeMethod: 1, HospitalLevel: 3, PrincipalDx: pdx, SecondaryDx: sdx, Procedures: procs}
	}
	tests := []struct {
		name string
		rec  *record.Record
		want string // status reason mdc adrg drg cc-level cc-code
	}{
		{"GB1 without CC has no DRG", adult("K80.100x009", nil, []string{"51.2300"}), "UNGROUPABLE NO_DRG_SPLIT G GB1 0000 none -"},
		{"K80 MCC excluded for a K80 principal, I10 CC excluded by the second table",
			adult("K80.100", []string{"K80.000", "I10.x00"}, []string{"51.2300"}), "UNGROUPABLE NO_DRG_SPLIT G GB1 0000 none -"},
		{"exact CC entry overrides the category's MCC",
			&record.Record{Sex: 1, AgeYears: 70, PrincipalDx: "K82.000", SecondaryDx: []string{"K80.100"}}, "OK - G GR1 GR13 CC K80.100"},
		{"mixed AND/OR precedence", adult("K82.000", []string{"K80.100"}, nil), "OK - G GZ1 GZ19 CC K80.100"},
		{"QY after the last ADRG of an MDC without medical ADRGs",
			adult("K80.000", nil, []string{"96.7201", "51.2300"}), "QY - A AQY AQY none -"},
		{"no fall-through: NO_ADRG_IN_MDC", &record.Record{Sex: 2, AgeYears: 40, HospitalLevel: 3, PrincipalDx: "Z51.100"}, "UNGROUPABLE NO_ADRG_IN_MDC X - 0000 none -"},
		{"two trauma regions from one code listed twice", adult("S72.000", nil, nil), "OK - Z ZZ1 ZZ19 none -"},
		{"DIP category makes a principal known", adult("K99.200", nil, nil), "UNGROUPABLE NO_MDC_ADRG_MATCH - - 0000 none -"},
		{"unknown principal", adult("K98.200", nil, nil), "UNGROUPABLE UNKNOWN_PRINCIPAL_DX - - 0000 none -"},
		{"TCM disease without default row", &record.Record{Sex: 1, AgeYears: 50, TCMPrincipalDx: "A04.02.01", TCMSyndrome: "B09.09.09"}, "UNGROUPABLE TCM_UNMAPPED - - 0000 none -"},
		{"duplicate CC entry: the later MCC counts", adult("K81.000", []string{"N18.500"}, nil), "OK - G GS1 GS11 MCC N18.500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for name, res := range map[string]grouper.Result{"reference": ref.Group(tc.rec), "compiled": g.Group(tc.rec)} {
				assert.Equal(t, tc.want, brief(res), "%s", name)
			}
		})
	}
}

func brief(r grouper.Result) string {
	f := []string{r.Status.String(), r.Reason, r.MDC, r.ADRG, r.DRG, r.CCLevel.String(), r.CCCode}
	for i, s := range f {
		if s == "" {
			f[i] = "-"
		}
	}
	return strings.Join(f, " ")
}
