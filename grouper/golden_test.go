package grouper

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper/record"
)

// -update rewrites testdata/got_golden.tsv, the grouper's actual output for
// every golden record, for diffing against golden.tsv. It never touches the
// expectations, which are worked out by hand from the sample tables.
var updateGot = flag.Bool("update", false, "write testdata/got_golden.tsv with the grouper's actual results")

// TestSampleTables checks the embedded sample rule set: it reads without
// errors or warnings, compiles, says it is a sample, and its tables are in
// canonical form (EncodeTables reproduces every file byte for byte).
func TestSampleTables(t *testing.T) {
	fsys := SampleFS()
	rs, probs, err := ReadTables(fsys)
	if err != nil {
		t.Fatalf("ReadTables: %v", err)
	}
	for _, p := range probs {
		t.Errorf("problem: %v", p)
	}
	if !rs.Sample || !strings.Contains(rs.Description, "SAMPLE") {
		t.Errorf("sample=%t description=%q: must be marked as a sample", rs.Sample, rs.Description)
	}
	if !rs.Behaviour.QY || rs.Behaviour.QYList != "or_procedures" || rs.Behaviour.FallThrough {
		t.Errorf("options = %+v, want qy=true qy_list=or_procedures fall_through=false", rs.Behaviour)
	}
	if _, err := Compile(rs); err != nil {
		t.Fatalf("Compile: %v", err)
	}
	// tcm_map.tsv carries the same rows as the package default codes/tcm_sample.csv.
	key := func(m codes.TCMMapping) string { return m.Disease + "/" + m.Syndrome + "/" + m.Western + "/" + m.Note }
	var own, def []string
	for _, m := range rs.TCM {
		own = append(own, key(m))
	}
	for _, m := range codes.DefaultTCMMap().Rows() {
		def = append(def, key(m))
	}
	slices.Sort(own)
	slices.Sort(def)
	if !slices.Equal(own, def) {
		t.Errorf("tcm_map.tsv rows differ from codes/tcm_sample.csv:\n  sample  %q\n  default %q", own, def)
	}
	enc := rs.EncodeTables()
	ents, err := fs.ReadDir(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range ents {
		name := e.Name()
		seen[name] = true
		want, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := enc[name]
		if !ok {
			t.Errorf("%s: not produced by EncodeTables", name)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: EncodeTables output differs from the file (first difference at byte %d)", name, firstDiff(got, want))
		}
	}
	for name := range enc {
		if !seen[name] {
			t.Errorf("EncodeTables produced %s, which the sample does not have", name)
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// goldenInputCols are the record columns of testdata/golden.tsv, in order;
// goldenWantCols follow them, then the free-text "why".
var (
	goldenInputCols = []string{"id", "sex", "age_years", "age_days", "birth_weight_g", "discharge_method", "vent_hours",
		"principal_dx", "secondary_dx", "tcm_principal_dx", "tcm_syndrome", "procedures"}
	goldenWantCols = []string{"status", "reason", "mdc", "adrg", "drg", "cc_level", "cc_code", "pdx_used"}
)

type goldenCase struct {
	line int
	id   string
	rec  record.Record
	want []string // goldenWantCols
	why  string
}

// readGolden parses testdata/golden.tsv: one header row, tab-separated, lists
// separated by '|', blank numbers read as 0. Codes must already be canonical.
func readGolden(t *testing.T, path string) []goldenCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	header := strings.Split(lines[0], "\t")
	wantHeader := append(append(append([]string{}, goldenInputCols...), goldenWantCols...), "why")
	if strings.Join(header, ",") != strings.Join(wantHeader, ",") {
		t.Fatalf("%s: header %q, want %q", path, header, wantHeader)
	}
	var out []goldenCase
	seen := map[string]int{}
	for i, l := range lines[1:] {
		line := i + 2
		c := strings.Split(l, "\t")
		if len(c) != len(header) {
			t.Fatalf("%s:%d: %d columns, want %d", path, line, len(c), len(header))
		}
		num := func(col int) float64 {
			if c[col] == "" {
				return 0
			}
			v, err := strconv.ParseFloat(c[col], 64)
			if err != nil {
				t.Fatalf("%s:%d: column %s: %v", path, line, header[col], err)
			}
			return v
		}
		list := func(col int) []string {
			if c[col] == "" {
				return nil
			}
			return strings.Split(c[col], "|")
		}
		g := goldenCase{line: line, id: c[0], want: c[12:20], why: c[20]}
		if prev, dup := seen[g.id]; dup {
			t.Fatalf("%s:%d: id %s already on line %d", path, line, g.id, prev)
		}
		seen[g.id] = line
		if g.why == "" {
			t.Errorf("%s:%d: %s has no why", path, line, g.id)
		}
		g.rec = record.Record{
			Line: line, ID: c[0],
			Sex: int8(num(1)), AgeYears: int16(num(2)), AgeDays: int16(num(3)), BirthWeightG: int32(num(4)),
			DischargeMethod: int8(num(5)), VentHours: num(6),
			PrincipalDx: c[7], SecondaryDx: list(8), TCMPrincipalDx: c[9], TCMSyndrome: c[10], Procedures: list(11),
		}
		// Present says which numbers were given, as a Reader would.
		for col, f := range map[int]record.Fields{1: record.HasSex, 2: record.HasAgeYears, 3: record.HasAgeDays,
			4: record.HasBirthWeight, 5: record.HasDischargeMethod, 6: record.HasVentHours} {
			if c[col] != "" {
				g.rec.Present |= f
			}
		}
		out = append(out, g)
	}
	return out
}

func resultCols(r Result) []string {
	code := r.CCCode
	return []string{r.Status.String(), r.Reason, r.MDC, r.ADRG, r.DRG, r.CCLevel.String(), code, r.PrincipalDx}
}

// TestSampleGolden groups the hand-checked records of testdata/golden.tsv
// with the embedded sample rule set and compares every expected column. Group
// (the fast path) and Explain (the traced path) must agree.
func TestSampleGolden(t *testing.T) {
	g := compiledSample(t)
	cases := readGolden(t, filepath.Join("testdata", "golden.tsv"))
	if len(cases) < 150 {
		t.Errorf("%d golden records, want at least 150", len(cases))
	}
	var got bytes.Buffer
	got.WriteString(strings.Join(append([]string{"id"}, goldenWantCols...), "\t") + "\n")
	for _, c := range cases {
		rec := c.rec
		res := g.Group(&rec)
		have := resultCols(res)
		got.WriteString(c.id + "\t" + strings.Join(have, "\t") + "\n")
		ex := g.Explain(&rec)
		if haveEx := resultCols(ex); strings.Join(haveEx, "|") != strings.Join(have, "|") {
			t.Errorf("line %d %s: Group and Explain disagree:\n  Group   %q\n  Explain %q\n%s", c.line, c.id, have, haveEx, ex.Trace)
		}
		var diffs []string
		for i, w := range c.want {
			if have[i] != w {
				diffs = append(diffs, fmt.Sprintf("%s: want %q, got %q", goldenWantCols[i], w, have[i]))
			}
		}
		if len(diffs) > 0 {
			t.Errorf("line %d %s: %s\n  why: %s\n  trace:\n%s", c.line, c.id, strings.Join(diffs, "; "), c.why, ex.Trace)
		}
	}
	if *updateGot {
		if err := os.WriteFile(filepath.Join("testdata", "got_golden.tsv"), got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSampleGoldenCoverage checks that the golden records exercise every MDC,
// every outcome and every kind of DRG split of the sample, and logs the ADRGs
// and DRGs they do not reach.
func TestSampleGoldenCoverage(t *testing.T) {
	rs, err := Sample()
	if err != nil {
		t.Fatal(err)
	}
	cases := readGolden(t, filepath.Join("testdata", "golden.tsv"))
	mdcs, adrgs, drgs, outcomes := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, c := range cases {
		st, reason, mdc, adrg, drg := c.want[0], c.want[1], c.want[2], c.want[3], c.want[4]
		outcomes[st+":"+reason] = true
		mdcs[mdc], adrgs[adrg], drgs[drg] = true, true, true
		if c.rec.PrincipalDx == "" && c.rec.TCMPrincipalDx != "" {
			outcomes["tcm"] = true
		}
	}
	for _, m := range rs.MDCs {
		if !mdcs[m.Code] {
			t.Errorf("no golden record groups to MDC %s", m.Code)
		}
		if !adrgs[m.Code+"QY"] {
			t.Logf("no golden record for %sQY", m.Code)
		}
	}
	for _, o := range []string{"OK:", "QY:", "UNGROUPABLE:" + ReasonNoADRGInMDC, "UNGROUPABLE:" + ReasonNoMatch,
		"UNGROUPABLE:" + ReasonUnknownPrincipal, "UNGROUPABLE:" + ReasonNoPrincipal, "UNGROUPABLE:" + ReasonTCMUnmapped, "tcm"} {
		if !outcomes[o] {
			t.Errorf("no golden record with outcome %s", o)
		}
	}
	for _, ch := range rs.Checks {
		if !outcomes["CHECK_FAILED:"+ch.Reason] {
			t.Errorf("no golden record fails check %s", ch.Reason)
		}
	}
	kinds := map[string]bool{}
	var missA, missD []string
	for _, a := range rs.ADRGs {
		if !adrgs[a.Code] {
			missA = append(missA, a.Code)
		}
	}
	for _, d := range rs.DRGs {
		if !drgs[d.Code] {
			missD = append(missD, d.Code)
			continue
		}
		for _, k := range []string{"has_mcc", "has_cc", "age_years", "discharge_method", "vent_hours", "weight", "regions", "true"} {
			if strings.Contains(d.Condition, k) {
				kinds[k] = true
			}
		}
	}
	for _, k := range []string{"has_mcc", "has_cc", "age_years", "discharge_method", "vent_hours", "weight", "regions", "true"} {
		if !kinds[k] {
			t.Errorf("no golden record reaches a DRG split on %s", k)
		}
	}
	t.Logf("%d records; ADRGs not reached: %v; DRGs not reached: %v", len(cases), missA, missD)
}

// ---- examples/sample.csv -------------------------------------------------

// -gen rewrites ../examples/sample.csv from generateSample. Without it,
// TestSampleCSV checks that the file is up to date.
var genSampleCSV = flag.Bool("gen", false, "rewrite ../examples/sample.csv from the deterministic generator")

const sampleCSVPath = "../examples/sample.csv"

// sampleTemplate describes one kind of discharge of the sample rule set and
// the outcome it should group to. Costs are in yuan.
type sampleTemplate struct {
	want    string     // ADRG, xQY, or "0000:" + reason
	sex     int8       // 1 or 2; 0 = either; -1 = leave blank (data error)
	ages    [2]int     // age range in years; {0, 0} = newborn
	pdx     []string   // principal diagnoses to choose from
	sdx     []string   // secondaries the condition needs, always written first
	procs   [][]string // procedure lists to choose from; nil = none
	cost    float64    // typical total cost
	los     int        // typical length of stay
	weight  [2]int     // newborn birth weight range (grams)
	vent    [2]int     // invasive ventilation hours range
	noCC    bool       // add no random secondary diagnoses
	dayWard bool       // may be treated in a day ward
	deaths  bool       // may die in hospital (a death split)
}

var sampleTemplates = []sampleTemplate{
	// MDC A
	{want: "AA1", ages: [2]int{30, 65}, pdx: []string{"C22.000", "K74.300", "K72.000"}, procs: [][]string{{"50.5901", "99.0401"}, {"50.5100x001"}}, cost: 420000, los: 32},
	{want: "AB1", ages: [2]int{20, 65}, pdx: []string{"N18.500", "N18.501"}, procs: [][]string{{"55.6901", "39.9500"}}, cost: 210000, los: 26},
	{want: "AC1", ages: [2]int{6, 60}, pdx: []string{"C92.000", "C83.300", "D61.900"}, procs: [][]string{{"41.0500"}, {"99.2500", "41.0401"}}, cost: 260000, los: 38},
	{want: "AD1", ages: [2]int{25, 75}, pdx: []string{"I21.000", "J18.900"}, procs: [][]string{{"39.6500", "96.7101"}}, cost: 240000, los: 21, deaths: true},
	{want: "AH1", ages: [2]int{45, 90}, pdx: []string{"J44.100", "J96.000", "I63.900", "J18.900"}, procs: [][]string{{"96.7201", "96.0400"}}, vent: [2]int{96, 420}, cost: 140000, los: 24, deaths: true},
	// MDC P
	{want: "PK1", ages: [2]int{0, 0}, pdx: []string{"P22.000", "P23.000"}, procs: [][]string{{"96.7101"}, {"93.9001"}}, weight: [2]int{900, 3600}, vent: [2]int{12, 80}, cost: 32000, los: 15},
	{want: "PR1", ages: [2]int{0, 0}, pdx: []string{"P07.000", "P07.002"}, weight: [2]int{650, 1450}, cost: 86000, los: 46},
	{want: "PS1", ages: [2]int{0, 0}, pdx: []string{"P07.100", "P07.101", "P59.000"}, weight: [2]int{1550, 2450}, cost: 16000, los: 13},
	{want: "PT1", ages: [2]int{0, 0}, pdx: []string{"P23.000", "P36.000", "P22.100"}, weight: [2]int{2600, 4100}, cost: 12000, los: 9},
	{want: "PU1", ages: [2]int{0, 0}, pdx: []string{"P59.000", "P59.200"}, weight: [2]int{2600, 4100}, cost: 4800, los: 6, noCC: true},
	{want: "PV1", ages: [2]int{0, 0}, pdx: []string{"Z38.000", "Z38.000x001"}, weight: [2]int{2700, 4100}, cost: 1900, los: 3, noCC: true},
	{want: "PW1", ages: [2]int{0, 0}, pdx: []string{"P92.000", "P92.100"}, weight: [2]int{2600, 4000}, cost: 4100, los: 5, noCC: true},
	// MDC Y
	{want: "YC1", ages: [2]int{25, 60}, pdx: []string{"B20.000", "B22.000"}, procs: [][]string{{"51.2300"}, {"47.0100"}}, cost: 42000, los: 14},
	{want: "YR1", ages: [2]int{25, 65}, pdx: []string{"B20.000", "B24.x00"}, sdx: []string{"A15.000"}, cost: 26000, los: 18},
	{want: "YR1", ages: [2]int{25, 65}, pdx: []string{"B24.x00"}, sdx: []string{"B37.000"}, cost: 21000, los: 15},
	{want: "YR2", ages: [2]int{25, 70}, pdx: []string{"J18.900", "K29.700"}, sdx: []string{"Z21.x00"}, cost: 14000, los: 10},
	{want: "YR3", ages: [2]int{20, 60}, pdx: []string{"B24.x00", "Z21.x00"}, cost: 11000, los: 9, noCC: true},
	// MDC Z
	{want: "ZB1", ages: [2]int{18, 70}, pdx: []string{"S06.200", "S06.100"}, sdx: []string{"S72.000"}, procs: [][]string{{"01.2400x013"}, {"01.3104"}}, cost: 125000, los: 26},
	{want: "ZC1", ages: [2]int{18, 80}, pdx: []string{"S72.000", "S82.000"}, sdx: []string{"S36.000"}, procs: [][]string{{"79.3500x016"}, {"79.3600x009"}}, cost: 92000, los: 24},
	{want: "ZZ1", ages: [2]int{18, 85}, pdx: []string{"S27.000", "S36.000"}, sdx: []string{"S32.000", "S42.000"}, cost: 38000, los: 16, deaths: true},
	// MDC M
	{want: "MA1", sex: 1, ages: [2]int{55, 85}, pdx: []string{"C61.x00"}, procs: [][]string{{"60.5x02"}, {"60.2902"}}, cost: 56000, los: 14},
	{want: "MB1", sex: 1, ages: [2]int{55, 90}, pdx: []string{"N40.x00"}, procs: [][]string{{"60.2900x004"}, {"60.2100x002"}}, cost: 21000, los: 8},
	{want: "MD1", sex: 1, ages: [2]int{2, 60}, pdx: []string{"N43.000", "N43.100"}, procs: [][]string{{"61.2x00"}}, cost: 7800, los: 4, noCC: true},
	{want: "MR1", sex: 1, ages: [2]int{60, 90}, pdx: []string{"C61.x00"}, cost: 15000, los: 10},
	{want: "MS1", sex: 1, ages: [2]int{55, 90}, pdx: []string{"N40.x00"}, cost: 6800, los: 6},
	{want: "MZ1", sex: 1, ages: [2]int{20, 70}, pdx: []string{"N41.000", "N45.000"}, cost: 5200, los: 5},
	// MDC N
	{want: "NA1", sex: 2, ages: [2]int{35, 75}, pdx: []string{"C53.000"}, procs: [][]string{{"68.6100x001"}}, cost: 62000, los: 16},
	{want: "NA1", sex: 2, ages: [2]int{45, 80}, pdx: []string{"C54.000", "C56.x00"}, procs: [][]string{{"68.4100", "65.6100"}}, cost: 58000, los: 15},
	{want: "NC1", sex: 2, ages: [2]int{30, 55}, pdx: []string{"D25.000", "D25.100"}, procs: [][]string{{"68.4900"}, {"68.2900"}}, cost: 24000, los: 8},
	{want: "ND1", sex: 2, ages: [2]int{18, 50}, pdx: []string{"N83.000", "D27.x00"}, procs: [][]string{{"65.2501"}, {"65.4100"}}, cost: 17000, los: 6},
	{want: "NR1", sex: 2, ages: [2]int{40, 85}, pdx: []string{"C56.x00", "C53.000"}, cost: 16000, los: 10},
	{want: "NS1", sex: 2, ages: [2]int{18, 60}, pdx: []string{"N70.000", "N71.000"}, cost: 5800, los: 6},
	{want: "NZ1", sex: 2, ages: [2]int{20, 55}, pdx: []string{"N80.000", "D25.100"}, cost: 5100, los: 5},
	// MDC B
	{want: "BB1", ages: [2]int{18, 80}, pdx: []string{"S06.200", "S06.100"}, procs: [][]string{{"01.2400x013"}, {"01.3104"}}, cost: 82000, los: 21},
	{want: "BB2", ages: [2]int{30, 75}, pdx: []string{"C71.000", "D33.000", "I61.900"}, procs: [][]string{{"01.5900"}, {"01.3900x009"}}, cost: 88000, los: 20},
	{want: "BE1", ages: [2]int{45, 85}, pdx: []string{"I63.900", "I63.001"}, procs: [][]string{{"00.6200", "00.6500"}, {"00.6200x005", "00.6500x008"}}, cost: 98000, los: 12},
	{want: "BE2", ages: [2]int{45, 85}, pdx: []string{"I63.900"}, procs: [][]string{{"39.7400x002"}, {"39.7401"}}, cost: 112000, los: 14},
	{want: "BL1", ages: [2]int{45, 85}, pdx: []string{"I63.900", "I63.300"}, procs: [][]string{{"99.1000", "87.0300"}}, cost: 29000, los: 11},
	{want: "BR1", ages: [2]int{45, 85}, pdx: []string{"I61.900", "I60.000", "I62.000"}, cost: 26000, los: 16, deaths: true},
	{want: "BR2", ages: [2]int{45, 90}, pdx: []string{"I63.900", "I63.801", "G45.000"}, procs: [][]string{nil, {"87.0300"}}, cost: 12500, los: 11},
	{want: "BS1", ages: [2]int{20, 80}, pdx: []string{"C71.000", "D33.000"}, cost: 14000, los: 12},
	{want: "BU1", ages: [2]int{3, 75}, pdx: []string{"G40.000", "G40.004"}, cost: 6800, los: 7},
	{want: "BW1", ages: [2]int{60, 90}, pdx: []string{"G20.x00", "G30.000"}, cost: 9200, los: 12},
	{want: "BY1", ages: [2]int{10, 80}, pdx: []string{"S06.200", "S02.000"}, cost: 9800, los: 9},
	{want: "BZ1", ages: [2]int{20, 80}, pdx: []string{"R42.x00", "G43.000", "R51.x00"}, cost: 4200, los: 5, dayWard: true},
	// MDC E
	{want: "EB1", ages: [2]int{40, 80}, pdx: []string{"C34.100", "C34.300"}, procs: [][]string{{"32.4100"}, {"32.3000"}}, cost: 66000, los: 13},
	{want: "EJ1", ages: [2]int{18, 70}, pdx: []string{"J93.000", "J90.x00"}, procs: [][]string{{"34.5101"}, {"34.0200x001"}}, cost: 31000, los: 10},
	{want: "EK1", ages: [2]int{40, 85}, pdx: []string{"C34.100", "J98.000"}, procs: [][]string{{"33.2400x001"}, {"33.2200x003"}}, cost: 12500, los: 8},
	{want: "ER1", ages: [2]int{45, 88}, pdx: []string{"C34.100", "C34.000"}, cost: 15500, los: 11, deaths: true},
	{want: "ES1", ages: [2]int{1, 14}, pdx: []string{"J18.000", "J15.000", "J12.100"}, cost: 4600, los: 6},
	{want: "ES2", ages: [2]int{18, 95}, pdx: []string{"J18.900", "J18.000", "J15.000"}, cost: 9200, los: 9},
	{want: "ET1", ages: [2]int{50, 92}, pdx: []string{"J44.100", "J44.000"}, cost: 11500, los: 10},
	{want: "EU1", ages: [2]int{20, 90}, pdx: []string{"J20.900", "J45.000", "J40.x00"}, cost: 5200, los: 6},
	{want: "EW1", ages: [2]int{55, 95}, pdx: []string{"J96.000", "J96.900x003"}, cost: 19500, los: 12, deaths: true},
	{want: "EZ1", ages: [2]int{20, 85}, pdx: []string{"J90.x00", "J93.000"}, cost: 8300, los: 8},
	// MDC F
	{want: "FB1", ages: [2]int{45, 80}, pdx: []string{"I35.000", "I34.000"}, procs: [][]string{{"35.2101"}, {"35.2401"}}, cost: 152000, los: 20},
	{want: "FC1", ages: [2]int{50, 80}, pdx: []string{"I25.100", "I20.000"}, procs: [][]string{{"36.1300"}, {"36.1200"}}, cost: 165000, los: 19},
	{want: "FF1", ages: [2]int{35, 75}, pdx: []string{"I83.000", "I83.900"}, procs: [][]string{{"38.5901"}, {"38.5900x010"}}, cost: 15500, los: 5, dayWard: true},
	{want: "FK1", ages: [2]int{60, 90}, pdx: []string{"I49.100", "I49.500"}, procs: [][]string{{"37.8301", "37.7200"}, {"37.8101", "37.7100"}}, cost: 62000, los: 9},
	{want: "FL1", ages: [2]int{40, 80}, pdx: []string{"I48.000", "I47.100"}, procs: [][]string{{"37.3401"}, {"37.3400x001"}}, cost: 68000, los: 6},
	{want: "FM1", ages: [2]int{45, 85}, pdx: []string{"I20.000", "I21.000", "I25.100"}, procs: [][]string{{"36.0601"}, {"88.7201", "36.0701"}}, cost: 52000, los: 7},
	{want: "FR1", ages: [2]int{45, 92}, pdx: []string{"I21.000", "I21.001"}, cost: 21000, los: 10, deaths: true},
	{want: "FR2", ages: [2]int{55, 95}, pdx: []string{"I50.900", "I50.000", "I11.000"}, cost: 12500, los: 10},
	{want: "FR3", ages: [2]int{45, 90}, pdx: []string{"I20.900", "I20.000", "I25.100"}, cost: 8200, los: 8},
	{want: "FT1", ages: [2]int{40, 90}, pdx: []string{"I10.x00", "I11.900"}, cost: 5100, los: 7},
	{want: "FU1", ages: [2]int{40, 90}, pdx: []string{"I48.000", "I49.100"}, cost: 7200, los: 7},
	{want: "FV1", ages: [2]int{40, 90}, pdx: []string{"I80.000", "I70.000"}, cost: 9300, los: 9},
	{want: "FZ1", ages: [2]int{50, 90}, pdx: []string{"I35.000", "I34.000"}, cost: 8100, los: 8},
	// MDC G
	{want: "GB1", ages: [2]int{40, 85}, pdx: []string{"C16.000", "C16.200"}, procs: [][]string{{"43.7x00x001"}, {"43.6x00"}}, cost: 72000, los: 18},
	{want: "GB1", ages: [2]int{40, 85}, pdx: []string{"C18.000", "C20.x00"}, procs: [][]string{{"45.7302"}, {"48.5100"}}, cost: 75000, los: 17},
	{want: "GB2", ages: [2]int{20, 85}, pdx: []string{"K56.100", "K25.100"}, procs: [][]string{{"45.6200"}, {"43.7x00x001"}}, cost: 44000, los: 14},
	{want: "GC1", ages: [2]int{8, 70}, pdx: []string{"K35.800", "K35.200"}, procs: [][]string{{"47.0100"}, {"47.0901"}}, cost: 14500, los: 6},
	{want: "GD1", ages: [2]int{1, 12}, pdx: []string{"K40.100", "K40.900"}, procs: [][]string{{"53.0200"}}, cost: 7800, los: 3, noCC: true},
	{want: "GD2", ages: [2]int{25, 88}, pdx: []string{"K40.100", "K40.900"}, procs: [][]string{{"53.0002"}, {"53.1201"}}, cost: 12500, los: 5},
	{want: "GK1", ages: [2]int{40, 80}, pdx: []string{"K57.100", "K92.200"}, procs: [][]string{{"45.4200x003"}, {"44.4301"}}, cost: 8200, los: 4, dayWard: true},
	{want: "GR1", ages: [2]int{45, 90}, pdx: []string{"C16.000", "C18.000"}, procs: [][]string{nil, {"99.2500"}}, cost: 14500, los: 10, dayWard: true},
	{want: "GS1", ages: [2]int{30, 90}, pdx: []string{"K92.200", "K25.000", "K92.100"}, cost: 10500, los: 8},
	{want: "GT1", ages: [2]int{20, 90}, pdx: []string{"K56.000", "K56.100"}, cost: 9100, los: 8},
	{want: "GU1", ages: [2]int{20, 85}, pdx: []string{"K29.700", "K26.000", "K25.100"}, cost: 5100, los: 6},
	{want: "GZ1", ages: [2]int{10, 85}, pdx: []string{"A09.000", "K57.100", "K40.100"}, cost: 3600, los: 4},
	// MDC H
	{want: "HB1", ages: [2]int{40, 80}, pdx: []string{"C22.000", "C25.000"}, procs: [][]string{{"50.2200"}, {"52.7x00"}}, cost: 82000, los: 19},
	{want: "HC1", ages: [2]int{35, 85}, pdx: []string{"K80.100", "K80.000x004"}, procs: [][]string{{"51.2300", "51.4100x001"}, {"51.2200", "51.4100"}}, cost: 41000, los: 11},
	{want: "HC2", ages: [2]int{25, 80}, pdx: []string{"K80.000x004", "K80.100", "K81.000"}, procs: [][]string{{"51.2300"}}, cost: 19500, los: 6},
	{want: "HC3", ages: [2]int{40, 85}, pdx: []string{"K81.000", "K80.100"}, procs: [][]string{{"51.2200"}}, cost: 26000, los: 9},
	{want: "HK1", ages: [2]int{40, 90}, pdx: []string{"K83.000", "K80.200"}, procs: [][]string{{"51.1000", "51.8500"}, {"51.8800"}}, cost: 29000, los: 8},
	{want: "HR1", ages: [2]int{40, 90}, pdx: []string{"C22.000", "C25.000"}, cost: 16500, los: 11, deaths: true},
	{want: "HS1", ages: [2]int{40, 85}, pdx: []string{"K74.300", "K70.300", "K72.000"}, cost: 14500, los: 12},
	{want: "HT1", ages: [2]int{25, 85}, pdx: []string{"K85.100", "K85.000", "K86.100"}, cost: 19500, los: 11},
	{want: "HU1", ages: [2]int{25, 85}, pdx: []string{"K80.100", "K81.000", "K80.200"}, cost: 8100, los: 7},
	{want: "HZ1", ages: [2]int{20, 80}, pdx: []string{"B18.100", "K76.000", "K70.000"}, cost: 7200, los: 9},
	// MDC I
	{want: "IB1", ages: [2]int{40, 80}, pdx: []string{"M48.000", "M51.202"}, procs: [][]string{{"81.0501"}, {"81.0800"}}, cost: 92000, los: 14},
	{want: "IB2", ages: [2]int{25, 70}, pdx: []string{"M51.202"}, procs: [][]string{{"80.5100x013"}}, cost: 39000, los: 9},
	{want: "IC1", ages: [2]int{55, 90}, pdx: []string{"M16.000", "M17.000", "S72.000"}, procs: [][]string{{"81.5100"}, {"81.5400"}, {"81.5201"}}, cost: 71000, los: 14},
	{want: "ID1", ages: [2]int{20, 95}, pdx: []string{"S72.000", "S72.100", "S72.200"}, procs: [][]string{{"79.3500x018"}, {"79.1500x006"}}, cost: 51000, los: 13},
	{want: "IF1", ages: [2]int{10, 80}, pdx: []string{"S52.000", "S42.000"}, procs: [][]string{{"79.3200x011"}, {"79.3100x005"}}, cost: 24000, los: 8},
	{want: "IJ1", ages: [2]int{20, 70}, pdx: []string{"M17.000", "M17.100"}, procs: [][]string{{"80.6x01"}, {"80.6x00x011"}}, cost: 17500, los: 5},
	{want: "IR1", ages: [2]int{65, 98}, pdx: []string{"S72.000", "S72.100"}, cost: 15500, los: 12, deaths: true},
	{want: "IR2", ages: [2]int{18, 64}, pdx: []string{"S82.000", "S42.000", "S32.000"}, cost: 9800, los: 9},
	{want: "IS1", ages: [2]int{25, 85}, pdx: []string{"M51.202", "M54.500", "M47.801"}, procs: [][]string{nil, {"17.91100"}, {"93.3900x001"}}, cost: 7900, los: 10, dayWard: true},
	{want: "IT1", ages: [2]int{25, 80}, pdx: []string{"M06.900", "M10.000"}, cost: 8800, los: 9},
	{want: "IU1", ages: [2]int{45, 90}, pdx: []string{"M17.900", "M17.000", "M16.000"}, procs: [][]string{nil, {"17.96120"}}, cost: 7100, los: 9, dayWard: true},
	{want: "IZ1", ages: [2]int{50, 95}, pdx: []string{"M81.000", "T84.000"}, cost: 6300, los: 8},
	// MDC K
	{want: "KD1", ages: [2]int{25, 70}, pdx: []string{"E04.100", "C73.x00"}, procs: [][]string{{"06.2x01"}, {"06.4x00"}}, cost: 22500, los: 6},
	{want: "KR1", ages: [2]int{20, 90}, pdx: []string{"E11.900", "E10.000", "E11.200x028+N08.3*"}, cost: 8300, los: 9},
	{want: "KS1", ages: [2]int{20, 75}, pdx: []string{"E05.000", "E06.100"}, cost: 6100, los: 7},
	{want: "KZ1", ages: [2]int{20, 95}, pdx: []string{"E87.100", "E86.x00", "E87.600"}, cost: 5200, los: 6, noCC: true},
	// MDC L
	{want: "LA1", ages: [2]int{45, 85}, pdx: []string{"C67.000", "C64.x00"}, procs: [][]string{{"57.4900x001"}, {"55.5103"}}, cost: 31000, los: 10},
	{want: "LB1", ages: [2]int{25, 75}, pdx: []string{"N20.000", "N20.100"}, procs: [][]string{{"55.0302"}, {"56.0x00x005"}}, cost: 34000, los: 7},
	{want: "LK1", ages: [2]int{25, 75}, pdx: []string{"N20.000", "N20.100"}, procs: [][]string{{"98.5101"}}, cost: 6800, los: 3, noCC: true, dayWard: true},
	{want: "LL1", ages: [2]int{35, 85}, pdx: []string{"N18.500", "N17.000"}, procs: [][]string{{"39.9500"}, {"39.9500x007"}}, cost: 16000, los: 12},
	{want: "LR1", ages: [2]int{40, 90}, pdx: []string{"N18.400", "N17.000", "N19.x00"}, cost: 14500, los: 12},
	{want: "LS1", ages: [2]int{18, 90}, pdx: []string{"N39.000", "N10.x02"}, cost: 6200, los: 7},
	{want: "LT1", ages: [2]int{25, 80}, pdx: []string{"N13.000", "N20.000"}, cost: 6900, los: 6},
	{want: "LU1", ages: [2]int{45, 90}, pdx: []string{"C64.x00", "C67.000"}, cost: 12500, los: 9},
	// MDC O
	{want: "OB1", sex: 2, ages: [2]int{20, 42}, pdx: []string{"O82.000", "O42.000", "O34.200"}, procs: [][]string{{"74.1x00"}, {"74.1x01"}}, cost: 9200, los: 6},
	{want: "OC1", sex: 2, ages: [2]int{20, 40}, pdx: []string{"O00.100", "O00.101"}, procs: [][]string{{"66.0100x006"}, {"66.6100"}}, cost: 12500, los: 6},
	{want: "OM1", sex: 2, ages: [2]int{18, 42}, pdx: []string{"O02.000", "O03.900"}, procs: [][]string{{"69.5101"}, {"69.0200x003"}}, cost: 3900, los: 2, noCC: true},
	{want: "OR1", sex: 2, ages: [2]int{18, 42}, pdx: []string{"O80.000", "O80.900"}, procs: [][]string{nil, {"73.6x01"}}, cost: 5100, los: 4},
	{want: "OR1", sex: 2, ages: [2]int{18, 42}, pdx: []string{"O42.000", "O60.100"}, procs: [][]string{{"73.5900", "73.6x01"}}, cost: 5600, los: 4},
	{want: "OS1", sex: 2, ages: [2]int{18, 44}, pdx: []string{"O42.000", "O47.900", "O60.000", "O14.100"}, cost: 4100, los: 4},
	{want: "OZ1", sex: 2, ages: [2]int{18, 42}, pdx: []string{"O03.900", "O00.100"}, cost: 3100, los: 3, noCC: true},
}

// sampleOutliers are the few records a real batch has that do not group.
var sampleOutliers = []sampleTemplate{
	{want: "BQY", ages: [2]int{50, 85}, pdx: []string{"I63.900"}, procs: [][]string{{"51.2300"}}, cost: 36000, los: 15, noCC: true},
	{want: "GQY", ages: [2]int{30, 70}, pdx: []string{"K29.700"}, procs: [][]string{{"06.4x00"}}, cost: 21000, los: 8, noCC: true},
	{want: "IQY", ages: [2]int{50, 80}, pdx: []string{"M17.000"}, procs: [][]string{{"49.4600"}}, cost: 15000, los: 7, noCC: true},
	{want: "0000:" + ReasonNoADRGInMDC, sex: 1, ages: [2]int{20, 60}, pdx: []string{"N43.000"}, cost: 3200, los: 3, noCC: true},
	{want: "0000:" + ReasonNoADRGInMDC, sex: 2, ages: [2]int{22, 38}, pdx: []string{"O82.000"}, cost: 8800, los: 5, noCC: true},
	{want: "0000:" + ReasonNoMatch, ages: [2]int{20, 80}, pdx: []string{"R50.800", "E78.000"}, cost: 4200, los: 5, noCC: true},
	{want: "0000:" + ReasonUnknownPrincipal, ages: [2]int{40, 80}, pdx: []string{"H40.900"}, cost: 6100, los: 4, noCC: true},
	{want: "0000:SEX_MISSING", sex: -1, ages: [2]int{30, 70}, pdx: []string{"J18.900"}, cost: 8600, los: 8, noCC: true},
	{want: "0000:NEWBORN_WEIGHT_MISSING", ages: [2]int{0, 0}, pdx: []string{"P59.000"}, cost: 4300, los: 5, noCC: true},
}

// sampleExtraSdx are secondary diagnoses added at random: none of them
// changes which MDC or ADRG a record of the templates groups to.
// Common comorbidities are listed several times so that they are drawn more often.
var sampleExtraSdx = []string{"I10.x00", "I10.x00", "I10.x00", "I10.x00", "E11.900", "E11.900", "E11.900", "E78.000", "E78.000",
	"E78.000", "K76.000", "K76.000", "E87.600", "E87.600", "N39.000", "N39.000", "J18.900", "J18.900", "I48.000", "N18.300",
	"D62.x00", "F32.000", "I50.900", "N17.000", "I63.900", "E87.102", "G81.900", "K92.200", "J96.000", "R57.000", "A41.000"}

var sampleNewbornSdx = []string{"P21.100", "P22.000", "P07.100", "P21.000"}

// sampleTCM are TCM-coded principal diagnoses (principal_dx left blank) with
// the ADRG their mapped Western code groups to; "" syndromes use the default
// row, B01.01.01 is a syndrome the table does not list for A07.01.01.
var sampleTCM = []struct {
	disease, syndrome, want string
	ages                    [2]int
	procs                   []string
	cost                    float64
	los                     int
}{
	{"A07.01.01", "", "BR2", [2]int{55, 88}, []string{"17.91110"}, 13500, 15},
	{"A07.01.01", "B02.03.05", "BR2", [2]int{55, 88}, []string{"17.91100", "17.92130"}, 14500, 16},
	{"A07.01.01", "B04.02.03", "BR1", [2]int{50, 85}, nil, 25500, 18},
	{"A07.01.01", "B01.01.01", "BR2", [2]int{55, 88}, []string{"17.91330"}, 12800, 14},
	{"A07.01.02", "", "BZ1", [2]int{35, 80}, []string{"17.91100"}, 4300, 6},
	{"A04.02.01", "", "FR3", [2]int{50, 88}, nil, 8300, 9},
	{"A04.02.01", "B03.06.02", "FR3", [2]int{50, 88}, []string{"17.95120"}, 8800, 9},
	{"A06.09", "", "KR1", [2]int{40, 85}, nil, 7600, 10},
	{"A01.03.04", "", "ES2", [2]int{25, 90}, nil, 8600, 9},
	{"A01.03.07", "", "ET1", [2]int{55, 90}, []string{"17.95120"}, 10800, 11},
	{"A01.03.01", "", "EU1", [2]int{20, 80}, nil, 4200, 6},
	{"A02.01.03", "", "GU1", [2]int{25, 75}, []string{"17.922C0"}, 4600, 7},
	{"A03.06.01", "", "IS1", [2]int{30, 80}, []string{"17.91100", "17.92120"}, 6900, 11},
	{"A03.06.01", "B07.02.01", "IS1", [2]int{30, 75}, []string{"17.96110"}, 7400, 12},
	{"A03.06.03", "", "IS1", [2]int{30, 75}, []string{"17.92110"}, 6100, 10},
	{"A03.06.05", "", "IU1", [2]int{45, 85}, []string{"17.96120", "17.95510"}, 6600, 10},
	{"A03.05.02", "", "IT1", [2]int{30, 75}, []string{"17.95510"}, 8100, 12},
	{"A11.01.01", "", "IR1", [2]int{66, 95}, []string{"17.972H0", "17.97330"}, 12500, 20},
	{"A04.01.03", "", "FR2", [2]int{60, 92}, nil, 11800, 11},
}

type sampleHospital struct {
	id, kind string
	level    int
}

var sampleHospitals = []sampleHospital{
	{"H32010001", "general", 3}, {"H32010002", "tcm", 3}, {"H32010103", "general", 2},
	{"H32010204", "general", 2}, {"H32010305", "general", 1}, {"H32011506", "general", 2},
}

// sampleRow is one generated record: its CSV fields, the outcome it should
// group to (want), and whether a reader must reject it.
type sampleRow struct {
	fields []string
	rec    record.Record // the record as a reader should return it (clean codes)
	want   string
	reject string // why a reader must reject it; "" when valid
	dirty  bool   // codes written dirty but fixable
}

var sampleCSVHeader = []string{"id", "hospital_id", "hospital_level", "hospital_kind", "sex", "age_years", "age_days", "birth_weight_g",
	"admit_date", "discharge_date", "los_days", "discharge_method", "principal_dx", "secondary_dx", "tcm_principal_dx", "tcm_syndrome",
	"procedures", "vent_hours", "total_cost", "tcm_cost", "day_ward"}

// generateSample builds the rows of examples/sample.csv deterministically.
func generateSample() []sampleRow {
	rng := rand.New(rand.NewPCG(20240601, 11))
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	between := func(lo, hi int) int { return lo + rng.IntN(hi-lo+1) }
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var rows []sampleRow
	n := 0
	build := func(t sampleTemplate, tcm string, syn string, tcmWant string) sampleRow {
		n++
		r := record.Record{ID: fmt.Sprintf("S2024%05d", n)}
		// Complex (costly) cases go to level-3 hospitals, middling ones to
		// level 2 or 3; TCM-coded records mostly to the TCM hospital.
		var h sampleHospital
		switch {
		case tcm != "" && rng.IntN(4) != 0:
			h = sampleHospitals[1]
		case t.cost >= 40000:
			h = sampleHospitals[rng.IntN(2)]
		case t.cost >= 12000 || t.ages == [2]int{0, 0}:
			h = sampleHospitals[[]int{0, 1, 2, 3, 5}[rng.IntN(5)]]
		default:
			h = sampleHospitals[rng.IntN(len(sampleHospitals))]
		}
		r.HospitalID, r.HospitalLevel, r.HospitalKind = h.id, int8(h.level), h.kind
		switch t.sex {
		case 0:
			r.Sex = int8(1 + rng.IntN(2))
		case -1:
			r.Sex = 0
		default:
			r.Sex = t.sex
		}
		newborn := t.ages == [2]int{0, 0}
		if newborn {
			r.AgeDays = int16(rng.IntN(28))
			if t.weight[1] > 0 {
				r.BirthWeightG = int32(between(t.weight[0], t.weight[1]) / 10 * 10)
			}
		} else {
			r.AgeYears = int16(between(t.ages[0], t.ages[1]))
		}
		if tcm != "" {
			r.TCMPrincipalDx, r.TCMSyndrome = tcm, syn
		} else {
			r.PrincipalDx = pick(t.pdx)
		}
		r.SecondaryDx = append(r.SecondaryDx, t.sdx...)
		if !t.noCC {
			pool := sampleExtraSdx
			if newborn {
				pool = sampleNewbornSdx
			}
			for k := rng.IntN(4); k > 0; k-- {
				if c := pick(pool); !slices.Contains(r.SecondaryDx, c) && c != r.PrincipalDx {
					r.SecondaryDx = append(r.SecondaryDx, c)
				}
			}
		}
		if len(t.procs) > 0 {
			r.Procedures = append(r.Procedures, t.procs[rng.IntN(len(t.procs))]...)
		}
		if t.vent[1] > 0 && (len(r.Procedures) == 0 || r.Procedures[0] != "93.9001") {
			r.VentHours = float64(between(t.vent[0], t.vent[1]))
		}
		r.DischargeMethod = 1
		switch x := rng.IntN(100); {
		case t.deaths && x < 40:
			r.DischargeMethod = 5
		case x < 6:
			r.DischargeMethod = 2
		case x < 9:
			r.DischargeMethod = 4
		case x < 11:
			r.DischargeMethod = 3
		}
		los := max(1, int(float64(t.los)*(0.6+0.8*rng.Float64())+0.5))
		if t.dayWard && rng.IntN(3) == 0 {
			r.DayWard, los = true, 1
		}
		admit := start.AddDate(0, 0, rng.IntN(350))
		dis := admit.AddDate(0, 0, los)
		if r.DayWard {
			dis = admit
		}
		r.AdmitDate = record.DateOf(admit.Year(), admit.Month(), admit.Day())
		r.DischargeDate = record.DateOf(dis.Year(), dis.Month(), dis.Day())
		r.LOSDays = int32(los)
		factor := (0.7 + 0.6*rng.Float64()) * (0.85 + 0.15*float64(h.level)) * (1 + 0.12*float64(len(r.SecondaryDx)))
		if r.DayWard {
			factor *= 0.35
		}
		r.TotalCost = math.Round(t.cost*factor*100) / 100
		switch { // TCM share of the cost
		case tcm != "":
			r.TCMCost = math.Round(r.TotalCost*(0.15+0.25*rng.Float64())*100) / 100
		case h.kind == "tcm":
			r.TCMCost = math.Round(r.TotalCost*(0.03+0.09*rng.Float64())*100) / 100
		case rng.IntN(4) == 0:
			r.TCMCost = math.Round(r.TotalCost*0.05*rng.Float64()*100) / 100
		}
		want := t.want
		if tcmWant != "" {
			want = tcmWant
		}
		return sampleRow{rec: r, want: want}
	}
	// ~300 records over the templates, every template at least twice.
	order := make([]int, 0, 3*len(sampleTemplates))
	for i := range sampleTemplates {
		order = append(order, i, i)
	}
	for len(order) < 300-len(sampleOutliers) {
		order = append(order, rng.IntN(len(sampleTemplates)))
	}
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	for _, i := range order {
		rows = append(rows, build(sampleTemplates[i], "", "", ""))
	}
	for _, t := range sampleOutliers {
		rows = append(rows, build(t, "", "", ""))
	}
	// ~10% TCM-coded principals.
	for k := 0; k < 36; k++ {
		c := sampleTCM[k%len(sampleTCM)]
		t := sampleTemplate{ages: c.ages, cost: c.cost, los: c.los, dayWard: c.want == "IS1" || c.want == "IU1" || c.want == "IT1", noCC: true}
		if c.procs != nil {
			t.procs = [][]string{c.procs}
		}
		rows = append(rows, build(t, c.disease, c.syndrome, c.want))
	}
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	for i := range rows {
		rows[i].rec.ID = fmt.Sprintf("S2024%05d", i+1)
	}
	for i := range rows {
		rows[i].fields = sampleFields(&rows[i].rec, rng.IntN(10) == 0)
	}
	// ~5% dirty but fixable codes: lower case, full-width, missing dot.
	dirty := 0
	for i := 7; i < len(rows) && dirty < 18; i += 19 {
		r := &rows[i]
		col := 12 // principal_dx
		if r.fields[col] == "" {
			col = 16 // procedures
		}
		if r.fields[col] == "" {
			continue
		}
		switch dirty % 3 {
		case 0:
			r.fields[col] = strings.ToLower(r.fields[col])
		case 1:
			r.fields[col] = toFullWidth(r.fields[col])
		case 2:
			r.fields[col] = strings.ReplaceAll(r.fields[col], ".", "")
		}
		r.dirty = true
		dirty++
	}
	// ~3% records a reader must reject, placed among the others.
	bad := func(at int, reason string, edit func(f []string)) {
		f := slices.Clone(rows[at].fields)
		edit(f)
		row := sampleRow{fields: f, reject: reason}
		rows = slices.Insert(rows, at+1, row)
	}
	bad(20, "missing_id", func(f []string) { f[0] = "" })
	bad(60, "invalid_code", func(f []string) { f[0] += "E"; f[12] = "K8O.100" })
	bad(95, "date_order", func(f []string) { f[0] += "D"; f[8], f[9] = f[9], f[8]; f[10] = "" })
	bad(130, "out_of_range", func(f []string) { f[0] += "A"; f[5] = "-3" })
	bad(170, "duplicate_id", func(f []string) { f[0] = rows[150].fields[0] })
	bad(210, "invalid_code", func(f []string) { f[0] += "P"; f[16] = "51.23.00|ABC" })
	bad(250, "missing_id", func(f []string) { f[0] = " " })
	bad(290, "date_order", func(f []string) { f[0] += "D"; f[9] = "2023-12-31"; f[10] = "" })
	bad(320, "out_of_range", func(f []string) { f[0] += "A"; f[5] = "-1"; f[6] = "" })
	bad(340, "duplicate_id", func(f []string) { f[0] = rows[3].fields[0] })
	return rows
}

// sampleFields renders r as CSV fields; blankLOS leaves los_days for the
// reader to derive from the dates.
func sampleFields(r *record.Record, blankLOS bool) []string {
	num := func(v int, blank bool) string {
		if blank {
			return ""
		}
		return strconv.Itoa(v)
	}
	money := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	sex := ""
	if r.Sex != 0 {
		sex = strconv.Itoa(int(r.Sex))
	}
	newborn := r.AgeYears == 0
	los := strconv.Itoa(int(r.LOSDays))
	if blankLOS {
		los = ""
	}
	vent := ""
	if r.VentHours > 0 {
		vent = strconv.FormatFloat(r.VentHours, 'f', -1, 64)
	}
	tcmCost := ""
	if r.TCMCost > 0 {
		tcmCost = money(r.TCMCost)
	}
	dw := "0"
	if r.DayWard {
		dw = "1"
	}
	return []string{r.ID, r.HospitalID, strconv.Itoa(int(r.HospitalLevel)), r.HospitalKind, sex,
		strconv.Itoa(int(r.AgeYears)), num(int(r.AgeDays), !newborn), num(int(r.BirthWeightG), !newborn || r.BirthWeightG == 0),
		r.AdmitDate.String(), r.DischargeDate.String(), los, strconv.Itoa(int(r.DischargeMethod)),
		r.PrincipalDx, strings.Join(r.SecondaryDx, "|"), r.TCMPrincipalDx, r.TCMSyndrome, strings.Join(r.Procedures, "|"),
		vent, money(r.TotalCost), tcmCost, dw}
}

// toFullWidth turns ASCII letters, digits and dots into full-width characters.
func toFullWidth(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c > ' ' && c < 0x7f && c != '|' {
			c += 0xfee0
		}
		b.WriteRune(c)
	}
	return b.String()
}

func renderSampleCSV(rows []sampleRow) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(sampleCSVHeader)
	for _, r := range rows {
		_ = w.Write(r.fields)
	}
	w.Flush()
	return b.Bytes()
}

// TestSampleCSV checks that examples/sample.csv is what the generator writes
// (run with -gen to rewrite it) and that every valid record in it groups, with
// the sample rule set, to the outcome it was generated for.
func TestSampleCSV(t *testing.T) {
	rows := generateSample()
	data := renderSampleCSV(rows)
	if *genSampleCSV {
		if err := os.WriteFile(sampleCSVPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(sampleCSVPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, data) {
		t.Fatalf("%s is out of date: run go test ./grouper -run TestSampleCSV -gen", sampleCSVPath)
	}
	g := compiledSample(t)
	var valid, tcm, dayWard, dirty, rejects int
	hospitals := map[string]bool{}
	for _, r := range rows {
		if r.reject != "" {
			rejects++
			continue
		}
		valid++
		hospitals[r.rec.HospitalID] = true
		if r.rec.TCMPrincipalDx != "" {
			tcm++
		}
		if r.rec.DayWard {
			dayWard++
		}
		if r.dirty {
			dirty++
		}
		rec := r.rec
		res := g.Group(&rec)
		got := res.ADRG
		if res.DRG == Ungroupable {
			got = "0000:" + res.Reason
		}
		if got != r.want {
			t.Errorf("%s: grouped to %s (%s), generated for %s", r.rec.ID, got, res.DRG, r.want)
		}
	}
	total := valid + rejects
	t.Logf("%d records: %d valid (%d TCM-coded, %d day ward, %d dirty), %d to reject, %d hospitals", total, valid, tcm, dayWard, dirty, rejects, len(hospitals))
	if total < 300 || total > 400 || tcm*100 < total*8 || dirty*100 < total*4 || rejects*100 < total*2 || dayWard == 0 || len(hospitals) < 5 {
		t.Errorf("sample mix out of bounds: %d records, %d TCM, %d dirty, %d rejects, %d day ward, %d hospitals", total, tcm, dirty, rejects, dayWard, len(hospitals))
	}
}
