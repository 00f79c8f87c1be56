package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/medpay/drg/grouper/report"
)

// otherEdition writes n records whose principal diagnoses the sample rule
// set does not know (C83.300 is in no edition it has), and one it knows:
// what a file coded for another rule set looks like to the grouper.
func otherEdition(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,hospital_id,hospital_level,sex,age_years,admit_date,discharge_date,principal_dx,total_cost\n")
	for i := range n {
		fmt.Fprintf(&b, "X%04d,H1,3,1,50,2024-03-01,2024-03-08,C83.300,12000\n", i)
	}
	b.WriteString("X9999,H1,3,2,59,2024-07-03,2024-07-13,C53.000,92777.52\n")
	path := filepath.Join(dir, "other.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

// TestProbablyWrongRun: a run whose records match the rule set badly warns
// with the likely cause, still writes its outputs and exits 0; --strict
// makes it exit 3; raised thresholds silence it.
func TestProbablyWrongRun(t *testing.T) {
	dir := t.TempDir()
	in := otherEdition(t, dir, 19)
	out := filepath.Join(dir, "out.csv")
	code, _, errOut := drg(t, "", "group", in, "--out", out)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "drg group: warning: 95% of the grouped records are 0000 (19, threshold 5%), most for UNKNOWN_PRINCIPAL_DX: the records were probably coded for another rule set or another code edition")
	assert.Contains(t, errOut, "drg group: warning: 95% of the grouped records have a code the rule set does not know (19, threshold 5%)")
	assert.FileExists(t, out)
	// --quiet tallies only the 0000 reasons, and names the same one.
	code, _, errOut = drg(t, "", "group", in, "--out", out, "--quiet")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "(19, threshold 5%), most for UNKNOWN_PRINCIPAL_DX")

	sum := filepath.Join(dir, "sum.json")
	code, _, errOut = drg(t, "", "group", in, "--out", out, "--strict", "--quiet", "--summary-json", sum, "--lang", "zh")
	assert.Equal(t, exitSuspect, code, errOut)
	assert.Contains(t, errOut, "drg group: 警告：95% 的入组记录为 0000（19 条，阈值 5%），最多的原因是 UNKNOWN_PRINCIPAL_DX")
	assert.FileExists(t, out, "--strict still writes the outputs")
	f, err := os.Open(sum)
	require.NoError(t, err)
	defer f.Close()
	s, err := report.ReadJSON(f)
	require.NoError(t, err)
	require.Len(t, s.Warnings, 2)
	assert.Equal(t, report.WarnUngrouped, s.Warnings[0].Code)
	assert.Equal(t, int64(19), *s.Counts.UnknownCodes)

	code, _, errOut = drg(t, "", "group", in, "--out", out, "--strict", "--max-0000", "96", "--max-unknown", "0")
	assert.Equal(t, 0, code, errOut)
	assert.NotContains(t, errOut, "warning")

	code, _, errOut = drg(t, "", "group", in, "--out", out, "--max-0000", "120")
	assert.Equal(t, 2-1, code, "a percentage over 100 is refused: %s", errOut)
	assert.Contains(t, errOut, "percentages from 0 to 100")
}

// TestSummaryFigures: the printed summary carries the payment totals, CMI,
// outlier shares, DIP counts, 0000 and reject reasons and what priced the
// run, in English and in Chinese; the JSON summary and drg report over the
// written files agree with it.
func TestSummaryFigures(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	sum := filepath.Join(dir, "run.json")
	code, _, errOut := drg(t, "", "group", filepath.Join("..", "..", "examples", "sample.csv"), "--out", out, "--scheme", "both", "--summary-json", sum)
	require.Equal(t, 0, code, errOut)
	// Hand-checked against the 336 grouped sample rows: 327 paid cases,
	// 12 940 346.81 yuan, 47 high and 3 low outliers.
	for _, want := range []string{
		"prices       policy sample (SAMPLE",
		"0000 reasons NO_ADRG_IN_MDC 2, NEWBORN_WEIGHT_MISSING 1, NO_MDC_ADRG_MATCH 1, SEX_MISSING 1, UNKNOWN_PRINCIPAL_DX 1",
		"rejected     10 -> " + out + ".rejects.csv (date_order 2, duplicate_id 2, invalid_code 2, missing_id 2, out_of_range 2)",
		"DIP          331 with a DIP group (core 252, comprehensive 79)",
		"payment      12,940,346.81 yuan for 327 paid cases, CMI 2.3842",
		"outliers     high 47 (14.4%), low 3 (0.9%) of the paid cases",
		"unpaid       9 (no_group 6, no_weight 3)",
	} {
		assert.Contains(t, errOut, want)
	}
	_, _, zh := drg(t, "", "group", filepath.Join("..", "..", "examples", "sample.csv"), "--out", filepath.Join(dir, "zh.csv"), "--lang", "zh")
	assert.Contains(t, zh, "支付         12,940,346.81 元，支付病例 327 例，CMI 2.3842")
	assert.Contains(t, zh, "费用异常     高倍率 47（14.4%），低倍率 3（0.9%）（占支付病例）")

	f, err := os.Open(sum)
	require.NoError(t, err)
	run, err := report.ReadJSON(f)
	f.Close()
	require.NoError(t, err)
	assert.InDelta(t, 12940346.81, run.Payment.Total.Amount, 0.005)

	// drg report over the grouped file (and its rejects, found beside it)
	// comes to the same figures, but for what only the run knew.
	again := filepath.Join(dir, "again.json")
	code, _, errOut = drg(t, "", "report", out, "--summary-json", again)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "payment      12,940,346.81 yuan for 327 paid cases, CMI 2.3842")
	f, err = os.Open(again)
	require.NoError(t, err)
	fromFile, err := report.ReadJSON(f)
	f.Close()
	require.NoError(t, err)
	assert.Equal(t, run.Counts.Records, fromFile.Counts.Records)
	assert.Equal(t, run.Rejected, fromFile.Rejected)
	assert.Equal(t, run.Ungrouped, fromFile.Ungrouped)
	assert.Equal(t, run.DIP.Kinds, fromFile.DIP.Kinds)
	assert.Len(t, fromFile.Payment.Hospitals, len(run.Payment.Hospitals))
	assert.Nil(t, fromFile.Counts.UnknownCodes)

	// The HTML report, from the run and from the files: Chinese unless
	// --lang en, the figures as the summary printed them.
	page := filepath.Join(dir, "r.html")
	code, _, errOut = drg(t, "", "report", out, "--html", page)
	require.Equal(t, 0, code, errOut)
	html, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(html), "分组与支付报告")
	assert.Contains(t, string(html), "12,940,346.81")
	code, _, errOut = drg(t, "", "group", filepath.Join("..", "..", "examples", "sample.csv"), "--out", filepath.Join(dir, "en.csv"), "--report", page, "--lang", "en", "--quiet")
	require.Equal(t, 0, code, errOut)
	html, err = os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(html), "grouping and payment report")
	assert.Contains(t, string(html), "12,940,346.81")

	// drg report with the run's JSON and the grouped file of the same
	// records: refused, they would count the records twice.
	code, _, errOut = drg(t, "", "report", out, sum, "--summary-json", filepath.Join(dir, "x.json"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "two summaries of grouped records")
}

// TestProgressLines: in a log (--progress plain, or bare --progress when
// standard error is not a terminal) progress is whole lines, no carriage
// return; on a terminal it is one line rewritten in place.
func TestProgressLines(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	in := filepath.Join("..", "..", "examples", "sample.csv")
	for _, args := range [][]string{{"--progress", "plain"}, {"--progress=plain"}, {"--progress"}} {
		a := append([]string{"group", in, "--out", out, "--quiet", "--progress-every", "1ns"}, args...)
		code, _, errOut := drg(t, "", a...)
		require.Equal(t, 0, code, errOut)
		assert.NotContains(t, errOut, "\r", args)
		assert.Regexp(t, `(?m)^drg group: \.\./\.\./examples/sample\.csv: 100\.0% 346 records, 10 rejected, [0-9,]+ records/s, ETA 0s$`, errOut, args)
	}
	code, _, errOut := drg(t, "", "group", in, "--out", out, "--quiet", "--progress", "none")
	require.Equal(t, 0, code)
	assert.Empty(t, errOut)
	code, _, errOut = drg(t, "", "group", in, "--out", out, "--quiet", "--progress", "tty")
	require.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(errOut, "\r../../examples/sample.csv: 100.0% 346 records"), "%q", errOut)
	assert.True(t, strings.HasSuffix(errOut, "\n"))
}

func TestProgressLine(t *testing.T) {
	p := &progress{total: 1000}
	// A quarter read in 10 s: 30 s left.
	assert.Equal(t, "in.csv: 25.0% 1,234,567 records, 12 rejected, 123,456 records/s, ETA 30s",
		p.line("in.csv", 1234567, 12, 250, 10*time.Second+time.Millisecond*0))
	p.lang = report.Chinese
	assert.Equal(t, "in.csv: 25.0% 1,234,567 条记录，拒收 12，123,456 条/秒，预计剩余 30s",
		p.line("in.csv", 1234567, 12, 250, 10*time.Second))
	stream := &progress{}
	assert.Equal(t, "-: 10 records, 0 rejected, 5 records/s", stream.line("-", 10, 0, 99, 2*time.Second),
		"standard input: no size, so no share and no time left")
	assert.Equal(t, []string{"--progress=plain", "a.csv", "--progress", "--out", "x"},
		joinProgressArg([]string{"--progress", "plain", "a.csv", "--progress", "--out", "x"}))
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 12345678901: "12,345,678,901"} {
		assert.Equal(t, want, num(n))
	}
	assert.Equal(t, "12,940,346.81", yuan(12940346.805001))
	assert.Equal(t, "-0.50", yuan(-0.5))
	assert.Equal(t, "-1,000.00", yuan(-1000))
}

// TestReportReadsExcelOutput: drg report reads what the Excel flags write
// (a byte-order mark and Chinese column names; GBK) to the same figures
// as the plain file.
func TestReportReadsExcelOutput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join("..", "..", "examples", "sample.csv")
	summaries := map[string]*report.Summary{}
	for name, flags := range map[string][]string{
		"plain": nil,
		"excel": {"--excel", "--header", "zh"},
		"gbk":   {"--out-encoding", "gbk", "--header", "zh"},
	} {
		out := filepath.Join(dir, name+".csv")
		args := append([]string{"group", in, "--out", out, "--quiet", "--scheme", "both", "--names"}, flags...)
		code, _, errOut := drg(t, "", args...)
		require.Equal(t, 0, code, errOut)
		js := filepath.Join(dir, name+".json")
		code, _, errOut = drg(t, "", "report", out, "--summary-json", js)
		require.Equal(t, 0, code, errOut)
		f, err := os.Open(js)
		require.NoError(t, err)
		s, err := report.ReadJSON(f)
		f.Close()
		require.NoError(t, err)
		s.Inputs = nil
		summaries[name] = s
	}
	assert.Equal(t, summaries["plain"], summaries["excel"])
	assert.Equal(t, summaries["plain"], summaries["gbk"])
	assert.Equal(t, "女性生殖器官恶性肿瘤手术，伴严重并发症或合并症", nameOf(summaries["gbk"].DRGs, "NA11"), "names decoded from GBK")
	assert.Equal(t, int64(10), summaries["excel"].Counts.Rejected, "the Chinese rejects file is read")
}

func nameOf(gs []report.Group, code string) string {
	for _, g := range gs {
		if g.Code == code {
			return g.Name
		}
	}
	return ""
}

// TestReviewFixes holds what a review of the report work found: the
// report and summary may not overwrite the input or another output;
// settle reads an --excel file; drg diff prints its comparison before
// --strict fails it; drg compare warns and fails under --strict without a
// report; a stale rejects file is not counted; a run over many inputs with
// progress holds one open.
func TestReviewFixes(t *testing.T) {
	dir := t.TempDir()
	sample := filepath.Join("..", "..", "examples", "sample.csv")
	in := filepath.Join(dir, "in.csv")
	b, err := os.ReadFile(sample)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(in, b, 0o644))
	out := filepath.Join(dir, "out.csv")

	code, _, errOut := drg(t, "", "group", in, "--out", out, "--report", out)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "two outputs are the same file")
	code, _, errOut = drg(t, "", "group", in, "--out", out, "--summary-json", in)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "is the input")
	got, _ := os.ReadFile(in)
	assert.Equal(t, b, got, "the input is intact")

	excel := filepath.Join(dir, "excel.csv")
	code, _, errOut = drg(t, "", "group", in, "--out", excel, "--excel", "--quiet")
	require.Equal(t, 0, code, errOut)
	code, _, errOut = drg(t, "", "settle", excel, "--budget", "10000000")
	assert.Equal(t, 0, code, "settle reads a file with a byte-order mark: %s", errOut)

	// diff: the comparison on standard output, then exit 3.
	code, stdout, errOut := drg(t, "", "diff", filepath.Join(dir, "in.csv"), "--column", "principal_dx", "--strict", "--max-0000", "0.1")
	assert.Equal(t, exitSuspect, code, errOut)
	assert.NotEmpty(t, stdout, "the comparison is printed before --strict fails the run")
	assert.Contains(t, errOut, "drg diff: warning:")

	// compare: --strict without a report.
	other := otherEdition(t, dir, 19)
	code, _, errOut = drg(t, "", "compare", other, "--from", "sample", "--to", "sample", "--strict")
	assert.Equal(t, exitSuspect, code, errOut)
	assert.Contains(t, errOut, "drg compare: warning: 95% of the grouped records are 0000")

	// A rejects file older than its grouped file is another run's.
	code, _, errOut = drg(t, "", "group", in, "--out", out, "--quiet")
	require.Equal(t, 0, code, errOut)
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(out+".rejects.csv", old, old))
	code, _, errOut = drg(t, "", "report", out, "--summary-json", filepath.Join(dir, "s.json"))
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "is older than")
	assert.Contains(t, errOut, "rejected     0")
	code, _, errOut = drg(t, "", "report", out, out+".rejects.csv", "--summary-json", filepath.Join(dir, "s.json"))
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "rejected     10", "named among the files, it is read")

	// Many inputs with progress: one file open at a time.
	var inputs []string
	for i := range 60 {
		p := filepath.Join(dir, fmt.Sprintf("part%02d.csv", i))
		require.NoError(t, os.WriteFile(p, []byte(fmt.Sprintf("id,principal_dx\nP%02d,K80.100\n", i)), 0o644))
		inputs = append(inputs, p)
	}
	// With descriptors for 30 more files than are open now, 60 inputs
	// held open to the end would run out (they did before the fix).
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	low := lim
	low.Cur = uint64(openFiles(t) + 30)
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low))
	args := append([]string{"group"}, inputs...)
	code, _, errOut = drg(t, "", append(args, "--out", filepath.Join(dir, "parts.csv"), "--quiet", "--progress", "plain")...)
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim))
	require.Equal(t, 0, code, errOut)
}

// openFiles counts this process's open descriptors (Linux), or skips.
func openFiles(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// TestCompareColumns: drg compare reads a local export through --columns,
// as drg group does.
func TestCompareColumns(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "local.csv")
	require.NoError(t, os.WriteFile(in, []byte("结算编号,出院主诊断,性别,年龄\na,K80.100,1,50\n"), 0o644))
	cols := filepath.Join(dir, "cols.csv")
	require.NoError(t, os.WriteFile(cols, []byte("结算编号,id\n出院主诊断,principal_dx\n"), 0o644))
	code, _, errOut := drg(t, "", "compare", in, "--from", "sample", "--to", "sample")
	assert.Equal(t, 1, code, "without the map the export has no id")
	assert.Contains(t, errOut, "header lacks")
	code, out, errOut := drg(t, "", "compare", in, "--from", "sample", "--to", "sample", "--columns", cols)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "1 records compared, 0 rejected")
}

// TestStatsJSON checks drg group --stats-json on the bundled sample: the
// counts are the run's (346 records: 336 grouped, 10 rejected, as the
// summary says), and the costs are there: CPU seconds, the grouping's CPU
// (on Linux, where the thread clock is read), allocations.
func TestStatsJSON(t *testing.T) {
	dir := t.TempDir()
	stats := filepath.Join(dir, "stats.json")
	code, _, errOut := drg(t, "", "group", filepath.Join("..", "..", "examples", "sample.csv"), "--out", filepath.Join(dir, "out.csv"),
		"--quiet", "--stats-json", stats)
	require.Equal(t, 0, code, errOut)
	b, err := os.ReadFile(stats)
	require.NoError(t, err)
	var st runStats
	require.NoError(t, json.Unmarshal(b, &st))
	assert.Equal(t, int64(346), st.Records)
	assert.Equal(t, int64(336), st.Grouped)
	assert.Equal(t, int64(10), st.Rejected)
	assert.Equal(t, st.Grouped, st.OK+st.QY+st.Ungroupable+st.CheckFailed)
	assert.Positive(t, st.InputBytes)
	assert.Positive(t, st.CPUSeconds)
	assert.Positive(t, st.Allocs, "the rejects' errors alone allocate")
	assert.InDelta(t, float64(st.Allocs)/346, st.AllocsPerRecord, 1e-9)
	if runtime.GOOS == "linux" {
		assert.Positive(t, st.GroupCPUSeconds)
		assert.Less(t, st.GroupCPUSeconds, st.CPUSeconds)
	}
	// The stats file may not be an input or another output.
	code, _, errOut = drg(t, "", "group", filepath.Join("..", "..", "examples", "sample.csv"), "--out", stats, "--stats-json", stats)
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut, stats)
}
