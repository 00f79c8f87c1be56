package main

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// schemeFixtures writes the two months from the README's sample
// records and groups them with payments, in-process:
//
//   - jan.csv: sample lines 2-5, the first 4 records, all well-formed;
//     grouped --scheme dip into a.csv: 4 DIP cases.
//   - feb.csv: sample lines 6-347 without line 343 (a second S202400004,
//     which would repeat a January case): 341 records, of which drg group
//     rejects 9 (lines 19, 59, 94, 129, 169, 209, 249, 289 and 319 of the
//     sample, the same as over the whole sample but the repeated id that is
//     now gone); grouped --scheme drg into b.csv: 332 DRG cases.
func schemeFixtures(t *testing.T, dir string) (a, b string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if !strings.HasPrefix(lines[342], "S202400004,") {
		t.Fatalf("sample line 343 is %q, not the repeated S202400004 this fixture leaves out", lines[342])
	}
	jan := lines[0] + strings.Join(lines[1:5], "")
	feb := lines[0] + strings.Join(lines[5:342], "") + strings.Join(lines[343:], "")
	for _, f := range []struct{ in, text, out, scheme string }{
		{"jan.csv", jan, "a.csv", "dip"},
		{"feb.csv", feb, "b.csv", "drg"},
	} {
		in, out := filepath.Join(dir, f.in), filepath.Join(dir, f.out)
		if err := os.WriteFile(in, []byte(f.text), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := drg(t, "", "group", in, "--scheme", f.scheme, "--out", out, "--quiet"); code != 0 {
			t.Fatalf("group %s: exit %d: %s", f.in, code, errOut)
		}
	}
	return filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
}

// editedCopy writes a copy of the CSV file path to dir/name with column col
// of the record on line (1 = header) set to v.
func editedCopy(t *testing.T, path, dir, name string, line int, col, v string) string {
	t.Helper()
	rows := readCSVFile(t, path)
	c := slices.Index(rows[0], col)
	if c < 0 {
		t.Fatalf("%s has no column %s", path, col)
	}
	rows[line-1][c] = v
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	if err := cw.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSettleRefusesMixedSchemes pins the issue "settlement never misallocates
// silently": a month grouped under DIP and one under DRG, settled with one
// budget, once paid the whole budget to the 4 DIP cases (the first case's
// scheme), listed the 332 DRG cases as skipped at 0, and exited 0. It is an
// error naming each file and its cases by scheme, and nothing is written.
func TestSettleRefusesMixedSchemes(t *testing.T) {
	dir := t.TempDir()
	a, b := schemeFixtures(t, dir)
	cases := filepath.Join(dir, "cases.csv")
	code, out, errOut := drg(t, "", "settle", a, b, "--budget", "1000000", "--cases", cases)
	want := "drg settle: " + a + ": 4 DIP cases; " + b + ": 332 DRG cases: one settlement pools one scheme; " +
		"settle them apart, or give a budget per scheme with --budget-drg and --budget-dip\n"
	if code != 1 || errOut != want || out != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1, no report and stderr %q", code, out, errOut, want)
	}
	if _, err := os.Stat(cases); !os.IsNotExist(err) {
		t.Errorf("a refused settlement wrote %s (%v)", cases, err)
	}
	// The order of the files is the order of the message.
	if _, _, errOut := drg(t, "", "settle", b, a, "--budget", "1000000"); !strings.HasPrefix(errOut, "drg settle: "+b+": 332 DRG cases; "+a+": 4 DIP cases: ") {
		t.Errorf("b before a: stderr %q", errOut)
	}
}

// TestSettlePerSchemeBudgets: with --budget-drg and --budget-dip each
// scheme is its own pool, with its own point value and report lines, adding
// up to its own budget to the cent; each pool settles every case exactly as
// settling its file alone with --budget does.
//
// The DIP pool by hand, from a.csv's settlement_points: 6050 + 5946.369 +
// 315 + 9527.065 = 21838.434 points share 200000 yuan; in cents the exact
// shares are 5540690.33, 5445783.34, 288482.22 and 8725044.11, whose floors
// leave one cent, which goes to the largest fraction (.34, the second case).
func TestSettlePerSchemeBudgets(t *testing.T) {
	dir := t.TempDir()
	a, b := schemeFixtures(t, dir)
	cases := filepath.Join(dir, "cases.csv")
	code, out, errOut := drg(t, "", "settle", a, b, "--budget-drg", "1000000", "--budget-dip", "200000", "--cases", cases)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"scheme drg, budget 1000000.00, fixed-price 0.00, pool 1000000.00, total points ",
		"scheme dip, budget 200000.00, fixed-price 0.00, pool 200000.00, total points 21838.4340\n",
		"point value 9.158166 yuan per point, settled 200000.00, skipped 0\n",
		"\nsettled 1200000.00 in all (drg 1000000.00 + dip 200000.00)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// The DRG pool's lines come first, then the DIP pool's.
	if i, j := strings.Index(out, "scheme drg"), strings.Index(out, "scheme dip"); i != 0 || j < i {
		t.Errorf("pools out of order:\n%s", out)
	}

	rows := readCSVFile(t, cases)
	if len(rows) != 1+4+332 || !slices.Equal(rows[0], []string{"id", "hospital_id", "group", "status", "points", "settlement_points", "computed", "settled", "pay_scheme"}) {
		t.Fatalf("cases file: %d rows, header %v; want header + 336", len(rows), rows[0])
	}
	wantDIP := map[string]string{"S202400001": "55406.90", "S202400002": "54457.84", "S202400003": "2884.82", "S202400004": "87250.44"}
	sum := map[string]int64{}
	n := map[string]int{}
	for i, r := range rows[1:] {
		scheme := r[8]
		if want := map[bool]string{true: "dip", false: "drg"}[i < 4]; scheme != want {
			t.Fatalf("case %d (%s): pay_scheme %s, want %s (a.csv's cases first)", i, r[0], scheme, want)
		}
		if w, ok := wantDIP[r[0]]; ok && r[7] != w {
			t.Errorf("DIP case %s settled %s, want %s", r[0], r[7], w)
		}
		v, err := strconv.ParseFloat(r[7], 64)
		if err != nil {
			t.Fatal(err)
		}
		sum[scheme] += int64(math.Round(v * 100))
		n[scheme]++
	}
	if n["dip"] != 4 || n["drg"] != 332 || sum["dip"] != 20_000_000 || sum["drg"] != 100_000_000 {
		t.Errorf("cases by scheme %v, settled cents %v; want 4 and 332 cases, 20000000 and 100000000 cents", n, sum)
	}

	// Each pool on its own: the same amounts, case by case.
	for _, alone := range []struct{ file, budget, scheme string }{{a, "200000", "dip"}, {b, "1000000", "drg"}} {
		one := filepath.Join(dir, "alone-"+alone.scheme+".csv")
		if code, _, errOut := drg(t, "", "settle", alone.file, "--budget", alone.budget, "--cases", one); code != 0 {
			t.Fatalf("%s alone: exit %d: %s", alone.file, code, errOut)
		}
		var pooled [][]string
		for _, r := range rows[1:] {
			if r[8] == alone.scheme {
				pooled = append(pooled, r)
			}
		}
		got := readCSVFile(t, one)[1:]
		if len(got) != len(pooled) {
			t.Fatalf("%s alone: %d cases, %d in its pool", alone.file, len(got), len(pooled))
		}
		for i := range got {
			if !slices.Equal(got[i], pooled[i]) {
				t.Errorf("%s case %d: alone %v, in its pool %v", alone.scheme, i, got[i], pooled[i])
			}
		}
	}
}

// TestSettleBudgetPerSchemeMismatch: with budgets per scheme, every scheme
// with cases needs its budget, and every budget needs cases; a budget per
// scheme over files of one scheme is the same settlement as --budget.
func TestSettleBudgetPerSchemeMismatch(t *testing.T) {
	dir := t.TempDir()
	a, b := schemeFixtures(t, dir)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{a, b, "--budget-drg", "1000000"}, a + ": 4 DIP cases; " + b + ": 332 DRG cases: the DIP cases have no budget: give --budget-dip too, or settle them apart"},
		{[]string{a, b, "--budget-dip", "1000000"}, a + ": 4 DIP cases; " + b + ": 332 DRG cases: the DRG cases have no budget: give --budget-drg too, or settle them apart"},
		{[]string{b, "--budget-drg", "1000000", "--budget-dip", "5"}, b + ": 332 DRG cases: --budget-dip given, but there is no DIP case to share it"},
	} {
		code, out, errOut := drg(t, "", append([]string{"settle"}, tc.args...)...)
		if code != 1 || out != "" || errOut != "drg settle: "+tc.want+"\n" {
			t.Errorf("settle %v: exit %d, stdout %q, stderr %q; want exit 1 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
	_, want, _ := drg(t, "", "settle", b, "--budget", "1000000")
	if code, got, errOut := drg(t, "", "settle", b, "--budget-drg", "1000000"); code != 0 || got != want {
		t.Errorf("--budget-drg alone: exit %d, %s\n%s\nwant the --budget report:\n%s", code, errOut, got, want)
	}
}

// TestSettleBudgetReasons: a bad or missing budget is a usage error (exit
// 2) that says what is wrong; --budget 0 once printed the usage alone, and
// --budget NaN got past the check.
func TestSettleBudgetReasons(t *testing.T) {
	dir := t.TempDir()
	_, b := schemeFixtures(t, dir)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{b, "--budget", "0"}, "drg settle: --budget must be a positive amount in yuan, got 0"},
		{[]string{b, "--budget", "-100"}, "drg settle: --budget must be a positive amount in yuan, got -100"},
		{[]string{b, "--budget", "NaN"}, "drg settle: --budget must be a positive amount in yuan, got NaN"},
		{[]string{b, "--budget", "Inf"}, "drg settle: --budget must be a positive amount in yuan, got +Inf"},
		{[]string{b, "--budget-drg", "1000", "--budget-dip", "0"}, "drg settle: --budget-dip must be a positive amount in yuan, got 0"},
		{[]string{b}, "drg settle: no budget: give --budget YUAN, or, for files of both schemes, --budget-drg YUAN and --budget-dip YUAN"},
		{[]string{b, "--budget", "1000", "--budget-drg", "1000"}, "drg settle: --budget is one pool, --budget-drg and --budget-dip one pool per scheme: give one or the other"},
		{[]string{"--budget", "1000"}, "drg settle: no input FILE: give the output of 'drg group' with payments"},
	} {
		code, out, errOut := drg(t, "", append([]string{"settle"}, tc.args...)...)
		first, rest, _ := strings.Cut(errOut, "\n")
		if code != 2 || out != "" || first != tc.want || !strings.HasPrefix(rest, "Usage: drg settle ") {
			t.Errorf("settle %v: exit %d, stdout %q, stderr %q; want exit 2, %q, then the usage", tc.args, code, out, errOut, tc.want)
		}
	}
}

// TestSettleRefusesBadValues: a priced file holding a value drg group never
// writes is refused, naming file:line and the column, before anything is
// settled. Settlement points of 1e300 once took the whole budget and printed
// "point value 0.000000" with exit 0; fixed_price "abc" or "-100" and an
// unknown status were read without a word.
func TestSettleRefusesBadValues(t *testing.T) {
	dir := t.TempDir()
	a, b := schemeFixtures(t, dir)
	for _, tc := range []struct {
		file, col, v, want string
	}{
		{b, "settlement_points", "1e300", "column settlement_points: 1e300 is above 1e+10, beyond any real case"},
		{b, "settlement_points", "10000000001", "column settlement_points: 10000000001 is above 1e+10, beyond any real case"},
		{b, "points", "1e11", "column points: 1e11 is above 1e+10, beyond any real case"},
		{b, "weight", "2e10", "column weight: 2e10 is above 1e+10, beyond any real case"},
		{a, "adjusted_weight", "1e12", "column adjusted_weight: 1e12 is above 1e+10, beyond any real case"},
		{b, "payment", "10000000000.01", "column payment: 10000000000.01 is above 1e+10, beyond any real case"},
		{a, "payment", "-1", `column payment: "-1" is not a finite, non-negative number`},
		{b, "points", "NaN", `column points: "NaN" is not a finite, non-negative number`},
		{b, "fixed_price", "abc", `column fixed_price: "abc" is not 0 or 1`},
		{b, "fixed_price", "-100", `column fixed_price: "-100" is not 0 or 1`},
		{a, "fixed_price", "", `column fixed_price: "" is not 0 or 1`},
		{b, "status", "PAID", `column status: "PAID" is not one of OK, QY, UNGROUPABLE, CHECK_FAILED`},
		{b, "status", "ok", `column status: "ok" is not one of OK, QY, UNGROUPABLE, CHECK_FAILED`},
		{b, "unpaid", "no_weigth", `column unpaid: "no_weigth" is not blank or a reason 'drg group' gives for an unpaid case (no_scheme, no_group, no_weight, no_level, out_of_range, not_in_force)`},
	} {
		bad := editedCopy(t, tc.file, dir, "bad.csv", 3, tc.col, tc.v)
		code, out, errOut := drg(t, "", "settle", bad, "--budget", "1000000")
		if want := "drg settle: " + bad + ":3: " + tc.want + "\n"; code != 1 || out != "" || errOut != want {
			t.Errorf("%s %s: exit %d, stdout %q, stderr %q; want exit 1 and %q", tc.col, tc.v, code, out, errOut, want)
		}
	}
	// At the bounds, and with every value drg group writes, the file is
	// settled.
	for _, tc := range []struct{ col, v string }{
		{"settlement_points", "10000000000"}, {"payment", "10000000000"},
		{"fixed_price", "1"}, {"status", "CHECK_FAILED"}, {"unpaid", "no_level"},
	} {
		ok := editedCopy(t, b, dir, "ok.csv", 3, tc.col, tc.v)
		if code, out, errOut := drg(t, "", "settle", ok, "--budget", "1e9"); code != 0 || !strings.Contains(out, "settled 1000000000.00") {
			t.Errorf("%s %s: exit %d, %s%s", tc.col, tc.v, code, out, errOut)
		}
	}
}
