package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/medpay/drg/grouper/report"
	"github.com/medpay/drg/weights"
)

// drg runs the command in-process and returns its exit status and output.
func drg(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}
	code := run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func TestHelpExplainsEveryCommand(t *testing.T) {
	code, out, _ := drg(t, "", "--help")
	if code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(out, c.name) {
			t.Errorf("drg --help does not list %q", c.name)
		}
		for _, args := range [][]string{
			append(strings.Fields(c.name), "--help"),
			append([]string{"help"}, strings.Fields(c.name)...),
		} {
			code, out, _ := drg(t, "", args...)
			if code != 0 || !strings.Contains(out, "Usage: drg "+c.name) || !strings.Contains(out, "Flags:") {
				t.Errorf("drg %s: exit %d, output %q", strings.Join(args, " "), code, out)
			}
		}
	}
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{args: []string{"nosuch"}, stderr: `unknown command "nosuch"`},
		{args: []string{"rules", "nosuch"}, stderr: `unknown command "rules nosuch"`},
		{args: []string{"rules"}, stderr: "rules import"},
	} {
		if code, _, errOut := drg(t, "", tc.args...); code != 2 || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("drg %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, errOut, tc.stderr)
		}
	}
	// "rules" is a group: asking for its help lists its subcommands.
	for _, args := range [][]string{{"help", "rules"}, {"rules", "--help"}, {"rules", "-h"}} {
		code, out, _ := drg(t, "", args...)
		if code != 0 || !strings.Contains(out, "drg rules SUBCOMMAND") || !strings.Contains(out, "rules recover") {
			t.Errorf("drg %s: exit %d, output %q", strings.Join(args, " "), code, out)
		}
	}
}

// TestMainJob is the README's first command: group the bundled sample.
func TestMainJob(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	code, _, errOut := drg(t, "", "group", filepath.Join("..", "..", "examples", "sample.csv"), "--out", out, "--scheme", "both")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Four sample records have a principal the sample rule set does not know
	// even by category (C83.300, H40.900, C92.000 twice).
	for _, want := range []string{"records in   346", "rejected     10", "grouped      336", "unknown      4 records"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("summary lacks %q:\n%s", want, errOut)
		}
	}
	// The embedded sample policy fits the embedded sample rule set.
	if strings.Contains(errOut, "warning") {
		t.Errorf("the default setup warns:\n%s", errOut)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if rows := strings.Count(string(data), "\n"); rows != 337 {
		t.Errorf("output has %d lines, want header + 336", rows)
	}
	rej, err := os.ReadFile(out + ".rejects.csv")
	if err != nil {
		t.Fatal(err)
	}
	if rows := strings.Count(string(rej), "\n"); rows != 11 {
		t.Errorf("rejects file has %d lines, want header + 10", rows)
	}
	for _, col := range []string{"dip_group", "weight", "adjusted_weight", "adjustments", "outlier", "payment"} {
		if !strings.Contains(strings.SplitN(string(data), "\n", 2)[0], col) {
			t.Errorf("output header lacks %s", col)
		}
	}
	// Settlement over that output shares the budget to the cent.
	cases := filepath.Join(dir, "cases.csv")
	code, sOut, sErr := drg(t, "", "settle", out, "--budget", "1000000", "--cases", cases)
	if code != 0 || !strings.Contains(sOut, "settled 1000000.00") {
		t.Errorf("settle: exit %d\n%s%s", code, sOut, sErr)
	}
	// Every grouped case, in order with its id, and the settled column adds
	// up to the budget.
	settled := readCSVFile(t, cases)
	grouped := readCSVFile(t, out)
	if len(settled) != len(grouped) || settled[0][0] != "id" || settled[0][7] != "settled" {
		t.Fatalf("cases file: %d rows (header %v), want %d", len(settled), settled[0], len(grouped))
	}
	var cents int64
	for i, row := range settled[1:] {
		if row[0] != grouped[i+1][0] {
			t.Fatalf("case %d: id %s, want %s", i, row[0], grouped[i+1][0])
		}
		v, err := strconv.ParseFloat(row[7], 64)
		if err != nil {
			t.Fatal(err)
		}
		cents += int64(math.Round(v * 100))
	}
	if cents != 100_000_000 {
		t.Errorf("settled cases add up to %d cents, want 100000000", cents)
	}
	// A budget below the fixed prices cannot be shared: an error, and no
	// cases file. One case made fixed-price at 5000 yuan, budget 100.
	fixedCol, payCol := slices.Index(grouped[0], "fixed_price"), slices.Index(grouped[0], "payment")
	one := slices.Clone(grouped[1])
	one[fixedCol], one[payCol] = "1", "5000.00"
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.WriteAll([][]string{grouped[0], one})
	fixedIn := filepath.Join(dir, "fixed.csv")
	if err := os.WriteFile(fixedIn, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(cases)
	if code, _, sErr := drg(t, "", "settle", fixedIn, "--budget", "100", "--cases", cases); code == 0 || !strings.Contains(sErr, "more than the budget") {
		t.Errorf("budget below the fixed prices: exit %d, %s", code, sErr)
	}
	if _, err := os.Stat(cases); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cases file was left after a failed settlement: %v", err)
	}
	// Numbers no payment has are refused with file, line and column (a
	// negative one once made settle loop for ever).
	spCol := slices.Index(grouped[0], "settlement_points")
	for _, v := range []string{"-5", "Inf", "NaN"} {
		edited := slices.Clone(grouped[2])
		edited[spCol] = v
		buf.Reset()
		cw := csv.NewWriter(&buf)
		cw.WriteAll([][]string{grouped[0], grouped[1], edited})
		badIn := filepath.Join(dir, "bad.csv")
		if err := os.WriteFile(badIn, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		want := badIn + ":3: column settlement_points: \"" + v + "\" is not a finite, non-negative number"
		if code, _, sErr := drg(t, "", "settle", badIn, "--budget", "1000"); code == 0 || !strings.Contains(sErr, want) {
			t.Errorf("settlement_points %s: exit %d, %s", v, code, sErr)
		}
	}
}

// TestPolicyWarnings: policy entries that can never apply are reported on
// standard error, and the run goes on.
func TestPolicyWarnings(t *testing.T) {
	dir := t.TempDir()
	policy := strings.Replace(string(weights.SamplePolicyJSON()), `"same_level_groups": ["BR25",`, `"same_level_groups": ["ZZ99", "BR25",`, 1)
	if policy == string(weights.SamplePolicyJSON()) {
		t.Fatal("the sample policy no longer has the same_level_groups line this test edits")
	}
	path := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(path, []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := drg(t, "", "group", filepath.Join("..", "..", "examples", "sample.csv"), "--out", filepath.Join(dir, "out.csv"), "--policy", path, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "drg: policy " + path + ": warning: drg.same_level_groups[0]: ZZ99 is not in weights.tsv\n"; errOut != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
}

// TestGBKInput: a GBK export is detected and read whole; read as UTF-8 it
// is rejected record by record, each reject with its id and field.
func TestGBKInput(t *testing.T) {
	dir := t.TempDir()
	utf := "id,sex,age_years,principal_dx,hospital_id\nR1,男,40,K80.000,医院甲\nR2,女,40,K80.000,医院乙\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(utf)
	if err != nil {
		t.Fatal(err)
	}
	in, out := filepath.Join(dir, "gbk.csv"), filepath.Join(dir, "out.csv")
	if err := os.WriteFile(in, []byte(gbk), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := drg(t, "", "group", in, "--out", out)
	if code != 0 || !strings.Contains(errOut, "read as GBK") || !strings.Contains(errOut, "grouped      2") {
		t.Fatalf("auto: exit %d\n%s", code, errOut)
	}
	rows := readCSVFile(t, out)
	if h := slices.Index(rows[0], "hospital_id"); len(rows) != 3 || h < 0 || rows[1][0] != "R1" || rows[2][h] != "医院乙" {
		t.Errorf("auto: output %v", rows)
	}

	code, _, errOut = drg(t, "", "group", in, "--out", out, "--encoding", "utf-8")
	if code != 0 || !strings.Contains(errOut, "rejected     2") || strings.Contains(errOut, "read as GBK") {
		t.Fatalf("utf-8: exit %d\n%s", code, errOut)
	}
	rej := readCSVFile(t, out+".rejects.csv")
	want := [][]string{{"line", "id", "field", "reason"}, {"2", "R1", "sex", "syntax"}, {"3", "R2", "hospital_id", "syntax"}}
	if len(rej) != len(want) {
		t.Fatalf("rejects: %v", rej)
	}
	for i := range want {
		if !slices.Equal(rej[i][:4], want[i]) {
			t.Errorf("rejects row %d: %v, want %v", i, rej[i][:4], want[i])
		}
	}
}

// TestPolicyErrorNamesFile: a policy that is valid JSON but does not fit
// the rule set's weights is reported with the policy's path.
func TestPolicyErrorNamesFile(t *testing.T) {
	dir := t.TempDir()
	policy := strings.Replace(string(weights.SamplePolicyJSON()), `"pay_as_group": "IF19"`, `"pay_as_group": "ZZ99"`, 1)
	if policy == string(weights.SamplePolicyJSON()) {
		t.Fatal("the sample policy no longer has the pay_as_group this test edits")
	}
	path := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(path, []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := drg(t, "", "group", filepath.Join("..", "..", "examples", "sample.csv"), "--out", "", "--policy", path)
	if code != 1 || !strings.Contains(errOut, "policy "+path+" against rule set sample") || !strings.Contains(errOut, "ZZ99") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestSeveralInputs: ids are unique across all the inputs of one run, and
// the rejects file names the input of each reject.
func TestSeveralInputs(t *testing.T) {
	dir := t.TempDir()
	sample, err := os.ReadFile(filepath.Join("..", "..", "examples", "sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(sample), "\n")
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	// b repeats a's two records and adds one of its own.
	if err := os.WriteFile(a, []byte(strings.Join(lines[:3], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte(lines[0]+lines[3]+lines[1]+lines[2]), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	code, _, errOut := drg(t, "", "group", a, b, "--out", out)
	if code != 0 || !strings.Contains(errOut, "records in   5") || !strings.Contains(errOut, "rejected     2") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	rej := readCSVFile(t, out+".rejects.csv")
	id := func(line string) string { return strings.SplitN(line, ",", 2)[0] }
	want := [][]string{{"file", "line", "id", "field", "reason"}, {b, "3", id(lines[1]), "id", "duplicate_id"}, {b, "4", id(lines[2]), "id", "duplicate_id"}}
	if len(rej) != len(want) {
		t.Fatalf("rejects: %v", rej)
	}
	for i := range want {
		if !slices.Equal(rej[i][:5], want[i]) {
			t.Errorf("rejects row %d: %v, want %v", i, rej[i][:5], want[i])
		}
	}

	rejPath := filepath.Join(dir, "v.csv")
	code, vOut, vErr := drg(t, "", "validate", a, b, "--rejects", rejPath)
	if code != 0 || !strings.Contains(vOut, "total: 5 records, 3 accepted, 2 rejected") {
		t.Errorf("validate: exit %d\n%s%s", code, vOut, vErr)
	}
	if v := readCSVFile(t, rejPath); len(v) != 3 || v[0][0] != "file" || v[1][0] != b || v[1][4] != "duplicate_id" {
		t.Errorf("validate rejects: %v", v)
	}
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func TestWorkersByteIdentical(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join("..", "..", "examples", "sample.csv")
	var outs []string
	for _, w := range []string{"1", "8"} {
		out := filepath.Join(dir, "out"+w+".csv.zst")
		if code, _, e := drg(t, "", "group", in, "--out", out, "--workers", w, "--batch-bytes", "2000", "--explain", "--quiet"); code != 0 {
			t.Fatal(e)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(b))
	}
	if outs[0] != outs[1] {
		t.Error("--workers 1 and --workers 8 outputs differ")
	}
}

func TestRulesRoundTripAndExplain(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	exp := filepath.Join(dir, "exp")
	if code, _, e := drg(t, "", "rules", "export", "sample", exp, "--store", store); code != 0 {
		t.Fatal(e)
	}
	if code, out, e := drg(t, "", "rules", "import", exp, "--store", store); code != 0 || !strings.Contains(out, "imported sample@1") {
		t.Fatalf("import: %s %s", out, e)
	}
	exp2 := filepath.Join(dir, "exp2")
	if code, _, e := drg(t, "", "rules", "export", "sample@1", exp2, "--store", store); code != 0 {
		t.Fatal(e)
	}
	files, _ := os.ReadDir(exp)
	for _, f := range files {
		a, _ := os.ReadFile(filepath.Join(exp, f.Name()))
		b, err := os.ReadFile(filepath.Join(exp2, f.Name()))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: export -> import -> export is not byte-identical", f.Name())
		}
	}
	if code, out, _ := drg(t, "", "rules", "list", "--store", store); code != 0 || !strings.Contains(out, "sample  1 ") {
		t.Errorf("rules list: %s", out)
	}
	// On a clean store recover changes nothing; without a store it fails.
	if code, out, e := drg(t, "", "rules", "recover", "--store", store); code != 0 || out != "recovered "+store+"\n" {
		t.Errorf("rules recover: exit %d, %q %q", code, out, e)
	}
	if code, out, _ := drg(t, "", "rules", "list", "--store", store); code != 0 || !strings.Contains(out, "sample  1 ") {
		t.Errorf("rules list after recover: %s", out)
	}
	if code, _, e := drg(t, "", "rules", "recover", "--store", filepath.Join(dir, "none")); code != 1 || !strings.Contains(e, "no store here") {
		t.Errorf("rules recover without a store: exit %d, %q", code, e)
	}
	code, out, e := drg(t, "", "explain", "--rules", "sample@1", "--store", store, "--pdx", "k80.100", "--proc", "51.2300", "--sex", "1", "--age", "50")
	if code != 0 || !strings.Contains(out, "adrg") || !strings.Contains(out, "DRG  ") {
		t.Errorf("explain: exit %d\n%s%s", code, out, e)
	}
	// weights.tsv is parsed at import: a row no group of the rule set can
	// use is a warning, a row that does not parse an error.
	wpath := filepath.Join(exp, "weights.tsv")
	wt, err := os.ReadFile(wpath)
	if err != nil {
		t.Fatal(err)
	}
	nl := bytes.Count(wt, []byte("\n"))
	os.WriteFile(wpath, append(bytes.Clone(wt), "drg\tZZ99\t1.5\t\ttypo\n"...), 0o644)
	code, out, e = drg(t, "", "rules", "import", exp, "--name", "extra", "--store", store)
	if want := fmt.Sprintf("weights.tsv line %d: warning: drg group ZZ99 is not a group of this rule set", nl+1); code != 0 || !strings.Contains(e, want) || !strings.Contains(out, "(1 warnings)") {
		t.Errorf("weights row for no group: exit %d, %q %q, want %q", code, out, e, want)
	}
	os.WriteFile(wpath, append(bytes.Clone(wt), "drg\tBR25\tone\t\tbad\n"...), 0o644)
	if code, _, e := drg(t, "", "rules", "import", exp, "--name", "badw", "--store", store); code != 1 || !strings.Contains(e, fmt.Sprintf("weights.tsv line %d", nl+1)) || !strings.Contains(e, "nothing imported") {
		t.Errorf("broken weights.tsv: exit %d, %q", code, e)
	}
	os.WriteFile(wpath, wt, 0o644)
	// A broken table is reported with file and line, and nothing is imported.
	os.WriteFile(filepath.Join(exp, "adrg.tsv"), []byte("adrg\tmdc\torder\tcondition\tname\nXX1\tQ\t1\ttrue\tx\n"), 0o644)
	if code, _, e := drg(t, "", "rules", "import", exp, "--name", "bad", "--store", store); code != 1 || !strings.Contains(e, "adrg.tsv:2") {
		t.Errorf("broken import: exit %d, %q", code, e)
	}
}

// TestDiffNational: drg diff on each national labelled sample, the tables
// read from their directory: 1.1 agrees on every record, 2.0 on all but the
// 8 of grouper/national/testdata/2.0/disagreements.tsv.
func TestDiffNational(t *testing.T) {
	for _, tc := range []struct{ version, all, disagree string }{
		{"1.1", "all     5000    100.00%", "0 disagreement(s)"},
		{"2.0", "all     5000     99.96%", "8 disagreement(s)"},
	} {
		data := filepath.Join("..", "..", "..", "shared", "data", "chs-drg-"+tc.version)
		if _, err := os.Stat(filepath.Join(data, "labelled-sample.tsv")); err != nil {
			t.Skip("national data absent")
		}
		dir := t.TempDir()
		code, out, e := drg(t, "", "diff", filepath.Join(data, "labelled-sample.tsv"), "--rules", data, "--column", "peer_drg", "--rejects", filepath.Join(dir, "r.csv"), "--quiet")
		if code != 0 || !strings.Contains(out, tc.all) || !strings.Contains(out, tc.disagree) {
			t.Errorf("diff %s: exit %d\n%s%s", tc.version, code, out, e)
		}
	}
}

func TestValidateCounts(t *testing.T) {
	dir := t.TempDir()
	code, out, e := drg(t, "", "validate", filepath.Join("..", "..", "examples", "sample.csv"), "--rejects", filepath.Join(dir, "r.csv"))
	if code != 0 || !strings.Contains(out, "346 records, 336 accepted, 10 rejected") {
		t.Errorf("validate: exit %d %s %s", code, out, e)
	}
}

// TestDefaultRulesWithStore pins a bug found in review: once a store existed,
// `drg group` without --rules failed instead of using the embedded sample.
func TestDefaultRulesWithStore(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DRG_STORE", filepath.Join(dir, "store"))
	exp := filepath.Join(dir, "exp")
	if code, _, e := drg(t, "", "rules", "export", "sample", exp); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := drg(t, "", "rules", "import", exp, "--name", "other"); code != 0 {
		t.Fatal(e)
	}
	out := filepath.Join(dir, "out.csv")
	if code, _, e := drg(t, "", "group", filepath.Join("..", "..", "examples", "sample.csv"), "--out", out); code != 0 || !strings.Contains(e, "rule set     sample") {
		t.Errorf("group without --rules after an import: exit %d\n%s", code, e)
	}
}

// TestCompareColumnWithoutValues: JSON lines cannot be checked for a
// --column before reading, so a misspelled key used to give 0% agreement;
// drg diff now fails, and so on a CSV column with no value in it. drg group
// --compare writes its output and warns.
func TestCompareColumnWithoutValues(t *testing.T) {
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "in.jsonl")
	rec := `{"id":"%s","sex":"1","age_years":"40","principal_dx":"K80.000","peer_drg":"HU15"}` + "\n"
	if err := os.WriteFile(jsonl, []byte(fmt.Sprintf(rec, "a")+fmt.Sprintf(rec, "b")), 0o644); err != nil {
		t.Fatal(err)
	}
	csvIn := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(csvIn, []byte("id,principal_dx,peer_drg\na,K80.000,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"diff", jsonl, "--column", "peer_drgg"}, 1, `none of the 2 records has a value in column "peer_drgg"`},
		{[]string{"group", jsonl, "--out", filepath.Join(dir, "out.csv"), "--compare", "peer_drgg"}, 0, `warning: --compare: none of the 2 records has a value in column "peer_drgg"`},
		{[]string{"diff", csvIn, "--column", "peer_drg"}, 1, `none of the 1 records has a value in column "peer_drg"`},
		{[]string{"diff", jsonl, "--column", "peer_drg"}, 0, "0 disagreement(s)"},
	} {
		code, out, errOut := drg(t, "", tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("drg %s: exit %d, want %d and %q\n%s%s", strings.Join(tc.args, " "), code, tc.code, tc.want, out, errOut)
		}
	}
	if rows := readCSVFile(t, filepath.Join(dir, "out.csv")); len(rows) != 3 {
		t.Errorf("drg group --compare: %d output rows, want a header and 2", len(rows))
	}
}

// TestNamesColumns: --names adds drg_name and dip_name after the grouping
// columns, from the rule set's names (the embedded SAMPLE's, checked by
// hand against its tables); 0000 gets none.
func TestNamesColumns(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("id,sex,age_years,principal_dx,procedures\n1,1,50,K80.100,51.2300\n2,1,50,Z99.999,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := drg(t, "", "group", in, "--names", "--scheme", "both", "--no-payment", "--quiet", "--rejects", filepath.Join(dir, "r.csv"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasSuffix(lines[0], ",drg_name,dip_name") {
		t.Errorf("header %q does not end with drg_name,dip_name", lines[0])
	}
	if want := ",HC25,"; !strings.Contains(lines[1], want) || !strings.HasSuffix(lines[1], ",腹腔镜胆囊切除术，不伴并发症或合并症,胆囊结石伴有其他胆囊炎 腹腔镜下胆囊切除术") {
		t.Errorf("row 1 %q: want HC25 with its DRG and DIP names", lines[1])
	}
	if !strings.Contains(lines[2], ",0000,") || !strings.HasSuffix(lines[2], ",,") {
		t.Errorf("row 2 %q: want 0000 with no names", lines[2])
	}
}

// TestRulesByDate: revisions imported with their periods show them in
// rules list; --rules NAME@date groups and prices each record under the
// revision in force on its discharge date, names it in rule_set_version,
// and rejects a record outside every period, or without a date, as not in
// force; NAME@YYYY-MM-DD picks the revision of that day for every record.
func TestRulesByDate(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	exp := filepath.Join(dir, "exp")
	if code, _, e := drg(t, "", "rules", "export", "sample", exp, "--store", store); code != 0 {
		t.Fatal(e)
	}
	rsFile := filepath.Join(exp, "ruleset.tsv")
	orig, err := os.ReadFile(rsFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct{ version, from, to string }{{"H1", "2024-01-01", "2024-06-30"}, {"H2", "2024-07-01", ""}} {
		os.WriteFile(rsFile, bytes.Replace(orig, []byte("\nversion\t"), []byte("\nversion\t"+v.version), 1), 0o644)
		args := []string{"rules", "import", exp, "--name", "s", "--store", store, "--valid-from", v.from}
		if v.to != "" {
			args = append(args, "--valid-to", v.to)
		}
		if code, out, e := drg(t, "", args...); code != 0 || !strings.Contains(out, "in force "+v.from+"..") {
			t.Fatalf("import %s: exit %d %s %s", v.version, code, out, e)
		}
	}
	if code, out, _ := drg(t, "", "rules", "list", "--store", store); code != 0 || !strings.Contains(out, "2024-01-01..2024-06-30") || !strings.Contains(out, "2024-07-01..  ") {
		t.Errorf("rules list lacks the periods:\n%s", out)
	}
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("id,sex,age_years,principal_dx,procedures,discharge_date,hospital_level\n"+
		"a,1,50,K80.100,51.2300,2024-03-01,3\nb,1,50,K80.100,51.2300,2024-09-01,3\nc,1,50,K80.100,51.2300,2023-12-31,3\nd,1,50,K80.100,51.2300,,3\ne,1,50,K80.100,51.2300,2031-01-01,3\n"), 0o644)
	rej := filepath.Join(dir, "rej.csv")
	code, out, e := drg(t, "", "group", in, "--rules", "s@date", "--store", store, "--rejects", rej, "--policy", "sample")
	if code != 0 || !strings.Contains(e, "rule set     s by discharge date: ") {
		t.Fatalf("group s@date: exit %d\n%s", code, e)
	}
	// The exported version is "1.0": the imports made it H11.0 and H21.0.
	rows := strings.Split(strings.TrimSpace(out), "\n")
	head := strings.Split(rows[0], ",")
	vcol, pcol := slices.Index(head, "rule_set_version"), slices.Index(head, "payment")
	if vcol < 0 || pcol < 0 || len(rows) != 3 {
		t.Fatalf("want rule_set_version and payment columns and 2 rows:\n%s", out)
	}
	for i, want := range []string{"a H11.0", "b H21.0"} {
		c := strings.Split(rows[i+1], ",")
		if got := c[0] + " " + c[vcol]; got != want || c[pcol] == "" {
			t.Errorf("row %d: %s, payment %q; want %s, paid", i+1, got, c[pcol], want)
		}
	}
	rejects, err := os.ReadFile(rej)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"4,c,discharge_date,not_in_force,\"record: no rule set or policy in force on the discharge date: discharged 2023-12-31, outside every revision of rule set s (2024-01-01..2024-06-30, 2024-07-01..)\"",
		"5,d,discharge_date,not_in_force,",
		// In force under H2, but the sample policy ends in 2026.
		"6,e,discharge_date,not_in_force,\"record: no rule set or policy in force on the discharge date: discharged 2031-01-01, outside the period 2024-01-01..2026-12-31 of policy SAMPLE",
	} {
		if !strings.Contains(string(rejects), want) {
			t.Errorf("rejects lack %q:\n%s", want, rejects)
		}
	}
	// The sample policy when not chosen (no --policy): the 2031 record is
	// grouped and left unpaid as not_in_force rather than refused.
	code, out, e = drg(t, "", "group", in, "--rules", "s@date", "--store", store, "--rejects", rej, "--quiet")
	if code != 0 || !regexp.MustCompile(`\ne,OK,.*,not_in_force,`).MatchString(out) {
		t.Errorf("group s@date without --policy: exit %d\n%s%s", code, out, e)
	}
	// A fixed day: every record under the revision in force then.
	code, out, e = drg(t, "", "group", in, "--rules", "s@2024-03-01", "--store", store, "--no-payment", "--quiet", "--rejects", rej)
	if code != 0 || strings.Count(out, ",HC25,") != 5 {
		t.Errorf("group s@2024-03-01: exit %d\n%s%s", code, out, e)
	}
	code, _, e = drg(t, "", "group", in, "--rules", "s@2023-01-01", "--store", store, "--rejects", rej)
	if code == 0 || !strings.Contains(e, "no revision of s is in force on 2023-01-01") {
		t.Errorf("group s@2023-01-01: exit %d, %q", code, e)
	}
}

// TestCompare: drg compare from the sample to a copy whose DRG HC25 is
// renamed HC26 (and so has no weight): of five records only a moves
// (HC25 -> HC26) and loses its payment (21 480.00 at level 3, RW 1.79 ×
// 10 000 × 1.2); the report, the pairs and the transition table say so.
func TestCompare(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	exp := filepath.Join(dir, "new")
	if code, _, e := drg(t, "", "rules", "export", "sample", exp, "--store", store); code != 0 {
		t.Fatal(e)
	}
	drgFile := filepath.Join(exp, "drg.tsv")
	b, err := os.ReadFile(drgFile)
	if err != nil || !bytes.Contains(b, []byte("\nHC25\t")) {
		t.Fatalf("drg.tsv without HC25: %v", err)
	}
	os.WriteFile(drgFile, bytes.Replace(b, []byte("\nHC25\t"), []byte("\nHC26\t"), 1), 0o644)
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("id,hospital_id,hospital_level,sex,age_years,principal_dx,procedures\n"+
		"a,H1,3,1,50,K80.100,51.2300\nb,H1,3,1,50,K80.100,\nc,H2,3,1,70,K80.100,\nd,H2,3,1,50,K80.100,01.2400\ne,H2,3,1,50,A00.900,\n"), 0o644)
	pairs, trans := filepath.Join(dir, "pairs.csv"), filepath.Join(dir, "trans.csv")
	code, out, e := drg(t, "", "compare", in, "--from", "sample", "--to", exp, "--store", store, "--out", pairs, "--transitions", trans)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	for _, want := range []string{
		"5 records compared, 0 rejected",
		"unchanged   MDC 100.00%   ADRG 100.00%   DRG 80.00%",
		"0 become QY, 0 stop being QY",
		"1 records change DRG, in 1 transitions",
		"HC25  HC26  1        100.00%",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// H1: a (21 480.00 -> unpaid) and b (HU15, same-level 7 650.00 both).
	if !regexp.MustCompile(`(?m)^\s*H1\s+2\s+1\.2700\s+0\.7500\s+29130\.00\s+7650\.00\s+-73\.74%`).MatchString(out) {
		t.Errorf("report lacks H1's line:\n%s", out)
	}
	p, _ := os.ReadFile(pairs)
	if rows := strings.Split(strings.TrimSpace(string(p)), "\n"); len(rows) != 6 || !strings.HasPrefix(rows[1], "a,2,H,HC2,HC25,OK,H,HC2,HC26,OK,1,21480.00,,") {
		t.Errorf("pairs:\n%s", p)
	}
	// Priced by a stored price list on each side: the same list, so only a
	// (HC25 -> HC26, which the list lacks) changes payment, as above.
	list := filepath.Join(dir, "list")
	os.MkdirAll(list, 0o755)
	wt, _ := os.ReadFile(filepath.Join(exp, "weights.tsv"))
	os.WriteFile(filepath.Join(list, "weights.tsv"), wt, 0o644)
	os.WriteFile(filepath.Join(list, "policy.json"), weights.SamplePolicyJSON(), 0o644)
	if code, _, e := drg(t, "", "prices", "import", list, "--rules", "sample", "--name", "p", "--store", store); code != 0 {
		t.Fatalf("prices import: %s", e)
	}
	migJSON := filepath.Join(dir, "migration.json")
	code, out, e = drg(t, "", "compare", in, "--from", "sample", "--to", exp, "--store", store, "--from-prices", "p", "--to-prices", "p", "--summary-json", migJSON)
	if code != 0 || !regexp.MustCompile(`(?m)^\s*H1\s+2\s+1\.2700\s+0\.7500\s+29130\.00\s+7650\.00\s+-73\.74%`).MatchString(out) {
		t.Errorf("compare with price lists: exit %d\n%s%s", code, out, e)
	}
	// The summary carries the migration table, as printed: H1's CMI 1.27
	// -> 0.75, 29 130.00 -> 7 650.00 yuan; HC25 -> HC26 one record.
	if f, err := os.Open(migJSON); err != nil {
		t.Error(err)
	} else {
		s, err := report.ReadJSON(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		m := s.Migration
		if m == nil || m.Records != 5 || m.SameDRG != 4 || len(m.Movers) != 1 || m.Movers[0] != (report.Transition{From: "HC25", To: "HC26", Cases: 1}) ||
			len(m.ByHospital) != 2 || m.ByHospital[0].Key != "H1" || math.Abs(m.ByHospital[0].FromCMI()-1.27) > 1e-9 || math.Abs(m.ByHospital[0].ToAmount-7650) > 1e-6 {
			t.Errorf("migration summary: %+v", m)
		}
		if s.Counts.Records != 5 || !strings.HasPrefix(m.From, "sample ") {
			t.Errorf("summary counts %+v, from %q", s.Counts, m.From)
		}
	}
	// Its outputs may not name its input (found in review).
	if code, _, e := drg(t, "", "compare", in, "--from", "sample", "--to", exp, "--store", store, "--out", in); code != 1 || !strings.Contains(e, in) {
		t.Errorf("compare --out INPUT: exit %d, %q", code, e)
	}
	tr, _ := os.ReadFile(trans)
	if !strings.Contains(string(tr), "from_drg,to_drg,records,changed\n") || !strings.Contains(string(tr), "HC25,HC26,1,1\n") || !strings.Contains(string(tr), "HU15,HU15,2,0\n") {
		t.Errorf("transitions:\n%s", tr)
	}
}

// TestCompareNational: drg compare from CHS-DRG 1.1 to 2.0 on the 1.1
// labelled sample's records, the tables read from their directories. The
// transition table accounts for every record, its unchanged rows for the
// unchanged DRG share, and the shares are pinned (a change in either
// converter shows here first).
func TestCompareNational(t *testing.T) {
	data := filepath.Join("..", "..", "..", "shared", "data")
	for _, v := range []string{"1.1", "2.0"} {
		if _, err := os.Stat(filepath.Join(data, "chs-drg-"+v, "adrg.tsv")); err != nil {
			t.Skip("national data absent")
		}
	}
	dir := t.TempDir()
	trans := filepath.Join(dir, "t.csv")
	code, out, e := drg(t, "", "compare", filepath.Join(data, "chs-drg-1.1", "labelled-sample.tsv"),
		"--from", filepath.Join(data, "chs-drg-1.1"), "--to", filepath.Join(data, "chs-drg-2.0"), "--transitions", trans, "--store", filepath.Join(dir, "s"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	if !strings.Contains(out, "5000 records compared, 0 rejected") || !strings.Contains(out, "unchanged   MDC 94.78%   ADRG 49.08%   DRG 31.48%") {
		t.Errorf("report:\n%s", out)
	}
	f, err := os.Open(trans)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	total, same := 0, 0
	for _, r := range rows[1:] {
		n, _ := strconv.Atoi(r[2])
		total += n
		if r[0] == r[1] {
			same += n
		}
	}
	if total != 5000 || same != 1574 {
		t.Errorf("transitions cover %d records, %d unchanged; want 5000 and 1574 (31.48%%)", total, same)
	}
}

// TestPricesImportAndGroup: a price list in Tongchuan's layout for two
// SAMPLE groups is imported (its published standards checked, a row
// without RW and a group the rule set lacks reported with their line),
// listed, and prices a run: BR25 at RW 0.7 × the residents' rate 6000 =
// 4200.00; the summary names it. A policy asked for a rule set without
// weights is an error, and without one the missing payment columns are
// said.
func TestPricesImportAndGroup(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	list := filepath.Join(dir, "list.csv")
	os.WriteFile(list, []byte("DRG编码,DRG名称,RW,支付标准（职工）,支付标准（居民）\n"+
		"AA19,心脏移植,,,\nBR25,脑缺血,0.7,4900,4200\nZZ99,无此组,1,7000,6000\n"), 0o644)
	code, out, e := drg(t, "", "prices", "import", list, "--rules", "sample", "--name", "tc", "--insured", "resident",
		"--region", "铜川 test", "--valid-from", "2024-01-01", "--store", store)
	if code != 0 || !strings.Contains(out, "imported price list tc@1 for sample, in force 2024-01-01..: 2 groups listed, 1 of them not groups of sample") {
		t.Fatalf("import: exit %d\n%s%s", code, out, e)
	}
	for _, want := range []string{list + ":2: AA19: not priced: no RW", list + ":4: ZZ99: not priced: drg group ZZ99 is not a group of sample", "2 published standards checked, 0 not reproduced"} {
		if !strings.Contains(e, want) {
			t.Errorf("import stderr lacks %q:\n%s", want, e)
		}
	}
	if code, out, _ := drg(t, "", "prices", "list", "--store", store); code != 0 || !strings.Contains(out, "tc    1         sample    2024-01-01..  tongchuan") {
		t.Errorf("prices list:\n%s", out)
	}
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("id,sex,age_years,principal_dx,hospital_level,discharge_date\na,1,70,I63.900,2,2024-05-01\n"), 0o644)
	code, out, e = drg(t, "", "group", in, "--prices", "tc", "--store", store, "--rejects", filepath.Join(dir, "r.csv"))
	if code != 0 || !strings.Contains(out, ",BR25,") || !strings.Contains(out, ",4200.00,") || !strings.Contains(e, "prices       price list tc (铜川 test, in force 2024-01-01..)") {
		t.Errorf("group --prices: exit %d\n%s%s", code, out, e)
	}
	national := filepath.Join("..", "..", "..", "shared", "data", "chs-drg-1.1")
	if _, err := os.Stat(national); err != nil {
		return
	}
	if code, _, e := drg(t, "", "group", in, "--rules", national, "--policy", "sample", "--store", store, "--rejects", filepath.Join(dir, "r.csv")); code != 1 || !strings.Contains(e, "has no weights table, so --policy sample cannot price it") {
		t.Errorf("--policy without weights: exit %d, %q", code, e)
	}
	if code, _, e := drg(t, "", "group", in, "--rules", national, "--store", store, "--rejects", filepath.Join(dir, "r.csv")); code != 0 || !strings.Contains(e, "no payment columns (price it with --prices NAME)") || !strings.Contains(e, "prices       none") {
		t.Errorf("no weights, no policy asked: exit %d, %q", code, e)
	}
	if code, _, e := drg(t, "", "group", in, "--rules", national, "--prices", "tc", "--store", store, "--rejects", filepath.Join(dir, "r.csv")); code != 1 || !strings.Contains(e, "price list for another rule set: it prices sample, not chs-drg-1.1") {
		t.Errorf("--prices of another rule set: exit %d, %q", code, e)
	}
}

// TestCalibrateTwoCommands: one year's records go from raw file to weights
// in two commands (drg group --costs, drg prices calibrate), and the
// weights import as a price list with a policy and price a run.
func TestCalibrateTwoCommands(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	in, grouped, wt := filepath.Join(dir, "in.csv"), filepath.Join(dir, "grouped.tsv"), filepath.Join(dir, "weights.tsv")
	if code, _, e := drg(t, "", "gen", "--records", "20000", "--seed", "5", "--rules", "sample", "--out", in); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := drg(t, "", "group", in, "--costs", "--no-payment", "--out", grouped, "--quiet"); code != 0 {
		t.Fatal(e)
	}
	calJSON := filepath.Join(dir, "cal.json")
	code, out, e := drg(t, "", "prices", "calibrate", grouped, "--out", wt, "--trim", "sd", "--low", "3", "--high", "3", "--report", filepath.Join(dir, "rep.csv"), "--summary-json", calJSON)
	// The CMI is 1 but for the thin groups priced at their ADRG's mean.
	if code != 0 || !regexp.MustCompile(`CMI\s+(0\.99\d\d|1\.00\d\d)\n`).MatchString(out) || !regexp.MustCompile(`RIV\s+0\.\d{4}`).MatchString(out) || !strings.Contains(out, " thin\n") && !strings.Contains(out, "thin ") {
		t.Fatalf("calibrate: exit %d\n%s%s", code, out, e)
	}
	table, _ := os.ReadFile(wt)
	if !strings.Contains(string(table), "scheme\tgroup\tweight\tstandard_cost\tname\ndrg\t") {
		t.Errorf("weights.tsv:\n%.300s", table)
	}
	// drg report puts the calibration beside the grouped file's figures.
	both := filepath.Join(dir, "both.json")
	if code, _, e := drg(t, "", "report", grouped, calJSON, "--summary-json", both); code != 0 {
		t.Fatalf("report: %s", e)
	}
	if f, err := os.Open(both); err == nil {
		s, err := report.ReadJSON(f)
		f.Close()
		if err != nil || s.Counts.Records != 20000 || s.Calibration == nil || len(s.Calibration.Groups) == 0 ||
			!regexp.MustCompile(`RIV\s+`+strconv.FormatFloat(s.Calibration.RIV, 'f', 4, 64)).MatchString(out) {
			t.Errorf("report of grouped + calibration: %v, %+v", err, s)
		}
	}
	policy := strings.Replace(string(weights.SamplePolicyJSON()), `"policy_version": 1,`, `"policy_version": 1, "rule_set": "sample",`, 1)
	pol := filepath.Join(dir, "policy.json")
	os.WriteFile(pol, []byte(policy), 0o644)
	if code, out, e := drg(t, "", "prices", "import", wt, "--policy", pol, "--rules", "sample", "--name", "cal", "--store", store); code != 0 || !strings.Contains(out, "imported price list cal@1 for sample") {
		t.Fatalf("import: exit %d %s %s", code, out, e)
	}
	code, out, e = drg(t, "", "group", in, "--prices", "cal", "--store", store, "--out", "-", "--rejects", filepath.Join(dir, "r.csv"))
	if code != 0 || !strings.Contains(e, "prices       price list cal") || !strings.Contains(out, ",payment,") {
		t.Errorf("group --prices cal: exit %d\n%.500s\n%s", code, out, e)
	}
	// A policy without rule_set is bound to the rule set at import, so a
	// run of another rule set cannot use the list (found in review).
	pol2 := filepath.Join(dir, "policy2.json")
	os.WriteFile(pol2, weights.SamplePolicyJSON(), 0o644)
	if code, _, e := drg(t, "", "prices", "import", wt, "--policy", pol2, "--rules", "sample", "--name", "cal2", "--store", store); code != 0 {
		t.Fatalf("import without rule_set: %s", e)
	}
	if code, _, e := drg(t, "", "group", in, "--rules", "fullscale", "--prices", "cal2", "--store", store, "--out", filepath.Join(dir, "o.csv"), "--rejects", filepath.Join(dir, "r.csv")); code != 1 || !strings.Contains(e, "price list for another rule set: it prices sample") {
		t.Errorf("--prices bound to sample, run of fullscale: exit %d, %q", code, e)
	}
	// A grouped file without costs is refused, saying how to write one.
	plain := filepath.Join(dir, "plain.csv")
	drg(t, "", "group", in, "--no-payment", "--out", plain, "--quiet")
	if code, _, e := drg(t, "", "prices", "calibrate", plain, "--out", wt); code != 1 || !strings.Contains(e, "drg group --costs") {
		t.Errorf("calibrate without costs: exit %d, %q", code, e)
	}
}
