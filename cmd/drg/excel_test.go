package main

import (
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medpay/drg/internal/textenc"
)

// groupFile runs drg group on in with args, writing dir/NAME, and returns
// the output and rejects files' bytes.
func groupFile(t *testing.T, dir, name, in string, args ...string) (out, rejects []byte) {
	t.Helper()
	p := filepath.Join(dir, name)
	code, _, errOut := drg(t, "", append([]string{"group", in, "--out", p, "--quiet"}, args...)...)
	if code != 0 {
		t.Fatalf("drg group %s %s: exit %d: %s", in, strings.Join(args, " "), code, errOut)
	}
	out, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	rejects, err = os.ReadFile(p + ".rejects.csv")
	if err != nil {
		t.Fatal(err)
	}
	return out, rejects
}

var (
	sampleFile     = filepath.Join("..", "..", "examples", "sample.csv")
	settlementZH   = filepath.Join("..", "..", "grouper", "record", "testdata", "settlement-list-zh.csv")
	settlementEN   = filepath.Join("..", "..", "grouper", "record", "testdata", "settlement-list-en.csv")
	utf8BOM        = []byte{0xef, 0xbb, 0xbf}
	analystColumns = []string{"--names", "--scheme", "both"}
)

// TestExcelBOM: --excel (and its alias --bom) writes the UTF-8 output and
// rejects behind a byte-order mark, which encoding/csv reads once
// stripped.
func TestExcelBOM(t *testing.T) {
	dir := t.TempDir()
	plain, plainRej := groupFile(t, dir, "plain.csv", sampleFile, analystColumns...)
	for _, flag := range []string{"--excel", "--bom"} {
		out, rej := groupFile(t, dir, "excel.csv", sampleFile, append(analystColumns, flag)...)
		for _, f := range []struct {
			name        string
			got, plain  []byte
			rows, first int
		}{{"output", out, plain, 337, 0}, {"rejects", rej, plainRej, 11, 0}} {
			if !bytes.Equal(f.got[:3], utf8BOM) {
				t.Fatalf("%s %s starts % x, want EF BB BF", flag, f.name, f.got[:3])
			}
			body := f.got[3:]
			if !bytes.Equal(body, f.plain) {
				t.Errorf("%s %s: not the UTF-8 file behind the mark", flag, f.name)
			}
			rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil || len(rows) != f.rows {
				t.Errorf("%s %s: encoding/csv reads %d rows (%v), want %d", flag, f.name, len(rows), err, f.rows)
			}
		}
	}
	if !bytes.Contains(plain, []byte("×")) {
		t.Error("the output has no × (the adjustments column), the character Excel garbles")
	}
}

// TestExcelGBK: --out-encoding gbk (and gb18030) writes the output and
// rejects that the GB18030 decoder reads back to exactly the UTF-8 files,
// × and the groups' Chinese names included.
func TestExcelGBK(t *testing.T) {
	dir := t.TempDir()
	plain, plainRej := groupFile(t, dir, "plain.csv", sampleFile, append(analystColumns, "--header", "zh")...)
	if !bytes.Contains(plain, []byte("×")) || !bytes.Contains(plain, []byte("胆囊")) {
		t.Fatal("the UTF-8 output lacks × or the Chinese names it is meant to test")
	}
	for _, enc := range []string{"gbk", "gb18030"} {
		out, rej := groupFile(t, dir, enc+".csv", sampleFile, append(analystColumns, "--header", "zh", "--out-encoding", enc)...)
		for _, f := range []struct {
			name       string
			got, plain []byte
		}{{"output", out, plain}, {"rejects", rej, plainRej}} {
			dec, err := io.ReadAll(textenc.NewGB18030Reader(bytes.NewReader(f.got)))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(f.got, f.plain) || !bytes.Equal(dec, f.plain) {
				t.Errorf("%s %s: decodes to other text than the UTF-8 file (or is UTF-8)", enc, f.name)
			}
		}
	}
	// A character GBK lacks stops the run, naming the record; nothing
	// is written.
	in := filepath.Join(dir, "rare.csv")
	if err := os.WriteFile(in, []byte("id,principal_dx,sex,age_years\nA1,K80.100,1,40\n咬𬌗1,K80.100,1,40\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "rare.out.csv")
	code, _, errOut := drg(t, "", "group", in, "--out", out, "--out-encoding", "gbk")
	if code != 1 || !strings.Contains(errOut, `record line 3 (id "咬𬌗1"), column id: '𬌗' (U+2C317) has no GBK code (gb18030 encodes every character)`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s (%v)", out, err)
	}
}

// TestExcelChineseHeader pins the Chinese header rows of drg group's
// usual output and of its rejects file; JSON lines keep English keys.
func TestExcelChineseHeader(t *testing.T) {
	dir := t.TempDir()
	out, rej := groupFile(t, dir, "zh.csv", sampleFile, "--names", "--header", "zh")
	header, _, _ := strings.Cut(string(out), "\n")
	const want = "结算清单号,入组状态,原因,主要诊断大类(MDC),核心疾病诊断相关组(ADRG),疾病诊断相关分组(DRG),主要诊断,中医主病(转换来源),并发症或合并症(CC)级别,并发症或合并症(CC)诊断," +
		"医疗机构编码,支付方式,权重,调整后权重,点数,结算点数,费用异常类型(高倍率/低倍率),支付金额,定额支付,未支付原因,调整明细,DRG名称"
	if header != want {
		t.Errorf("header:\n got %s\nwant %s", header, want)
	}
	if h, _, _ := strings.Cut(string(rej), "\n"); h != "行号,结算清单号,字段,原因,说明,原始记录" {
		t.Errorf("rejects header %s", h)
	}
	en, _ := groupFile(t, dir, "en.csv", sampleFile, "--names")
	_, rows, _ := bytes.Cut(out, []byte("\n"))
	if _, enRows, _ := bytes.Cut(en, []byte("\n")); !bytes.Equal(rows, enRows) {
		t.Error("--header zh changed the rows")
	}
	js, _ := groupFile(t, dir, "zh.jsonl", sampleFile, "--header", "zh")
	if !bytes.HasPrefix(js, []byte(`{"id":"S202400001","status":`)) {
		t.Errorf("JSON lines with --header zh: %.60s, want English keys", js)
	}
}

// TestSettlementListExport: a settlement-list export under its Chinese
// column names groups to the same rows as the same records under the
// standard names.
func TestSettlementListExport(t *testing.T) {
	dir := t.TempDir()
	en, enRej := groupFile(t, dir, "en.csv", settlementEN, analystColumns...)
	zh, zhRej := groupFile(t, dir, "zh.csv", settlementZH, analystColumns...)
	if n := bytes.Count(en, []byte("\n")); n != 9 {
		t.Fatalf("%d lines from the English file, want a header and 8 rows:\n%s", n, en)
	}
	if !bytes.Equal(zh, en) {
		t.Errorf("the Chinese-headed export groups otherwise:\n%s\nwant\n%s", zh, en)
	}
	if !bytes.Equal(zhRej, enRej) {
		t.Errorf("rejects differ:\n%s\nwant\n%s", zhRej, enRej)
	}
	// A newborn, a TCM principal diagnosis mapped, a day ward: all grouped.
	if n := bytes.Count(zh, []byte(",OK,")); n != 8 {
		t.Errorf("%d records OK, want 8", n)
	}
	for _, want := range []string{"S202400004,OK,,P,PR1,PR11,", "S202400013,OK,,E,ET1,ET15,J44.100,A01.03.07,", "S202400023,OK,,L,LK1,LK19,"} {
		if !bytes.Contains(zh, []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, zh)
		}
	}
}

// TestColumnsFlag: a local export read through a --columns map groups as
// the standard file does, in drg group and drg validate; bad map lines
// are refused naming FILE:LINE.
func TestColumnsFlag(t *testing.T) {
	dir := t.TempDir()
	std, err := os.ReadFile(settlementEN)
	if err != nil {
		t.Fatal(err)
	}
	header, rows, _ := strings.Cut(string(std), "\n")
	names := strings.Split(header, ",")
	for i, n := range names {
		switch n {
		case "id":
			names[i] = "结算编号"
		case "principal_dx":
			names[i] = "出院主诊断"
		case "secondary_dx":
			names[i] = "出院其他诊断"
		}
	}
	local := strings.Join(names, ",")
	// An extra 入院时间 column, which would clash with admit_date as an
	// alias, is sent nowhere by the map.
	in := filepath.Join(dir, "local.csv")
	var b strings.Builder
	b.WriteString(local + ",入院时间\n")
	for r := range strings.Lines(rows) {
		b.WriteString(strings.TrimSuffix(r, "\n") + ",08:00\n")
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o666); err != nil {
		t.Fatal(err)
	}
	mapFile := filepath.Join(dir, "map.csv")
	if err := os.WriteFile(mapFile, []byte("# our HIS export\n结算编号,id\n出院主诊断,principal_dx\n出院其他诊断\tsecondary_dx\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	// The first entry decides the separator: a tab on a later line is
	// part of a name, so this map is refused at line 4.
	code, _, errOut := drg(t, "", "group", in, "--out", filepath.Join(dir, "x.csv"), "--columns", mapFile)
	if code != 1 || !strings.Contains(errOut, "--columns "+mapFile+":4: 1 fields, want 2") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if err := os.WriteFile(mapFile, []byte("# our HIS export\n结算编号,id\n出院主诊断,principal_dx\n出院其他诊断,secondary_dx\n入院时间,-\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	want, _ := groupFile(t, dir, "std.csv", settlementEN)
	got, _ := groupFile(t, dir, "local.out.csv", in, "--columns", mapFile)
	if !bytes.Equal(got, want) {
		t.Errorf("the mapped export groups otherwise:\n%s\nwant\n%s", got, want)
	}
	code, out, errOut := drg(t, "", "validate", in, "--columns", mapFile)
	if code != 0 || !strings.Contains(out, "8 records, 8 accepted, 0 rejected") {
		t.Errorf("validate --columns: exit %d, %q %q", code, out, errOut)
	}
	// Without the map the export is refused: 入院时间 is an alias of
	// admit_date, which the file also has.
	code, _, errOut = drg(t, "", "validate", in)
	if code != 1 || !strings.Contains(errOut, `columns "admit_date" and "入院时间" both name admit_date`) {
		t.Errorf("validate without --columns: exit %d, %q", code, errOut)
	}

	for _, tc := range []struct{ text, want string }{
		{"结算编号,id\n出院主诊断,diagnosis\n", ":2: \"diagnosis\" is not a standard column"},
		{"a,id\n\nb\n", ":3: 1 fields, want 2"},
		{"a,id,x\n", ":1: 3 fields, want 2"},
		{"a,id\nA,sex\n", `:2: "A" is mapped on line 1 already`},
	} {
		if err := os.WriteFile(mapFile, []byte(tc.text), 0o666); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"group", "validate"} {
			code, _, errOut := drg(t, "", cmd, in, "--columns", mapFile)
			if code != 1 || !strings.Contains(errOut, "--columns "+mapFile+tc.want) {
				t.Errorf("%s with map %q: exit %d, stderr %q; want %s", cmd, tc.text, code, errOut, tc.want)
			}
		}
	}
	code, _, errOut = drg(t, "", "group", in, "--columns", filepath.Join(dir, "none.csv"))
	if code != 1 || !strings.Contains(errOut, "--columns: open") {
		t.Errorf("a missing map: exit %d, %q", code, errOut)
	}
}

// TestExcelFlagsRefused: values no output can have are refused naming the
// flag, before any output is written.
func TestExcelFlagsRefused(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", out, "--excel"}, "--excel: JSON lines are UTF-8 without a byte-order mark"},
		{[]string{"--out", out, "--out-encoding", "gbk"}, "--out-encoding gbk: JSON lines are UTF-8"},
		{[]string{"--out", filepath.Join(dir, "a.csv"), "--bom", "--out-encoding", "gb18030"}, "--excel with --out-encoding gb18030"},
		{[]string{"--out", filepath.Join(dir, "a.csv"), "--out-encoding", "latin1"}, "--out-encoding latin1: want utf-8, gbk or gb18030"},
		{[]string{"--out", filepath.Join(dir, "a.csv"), "--header", "fr"}, "--header fr: want en or zh"},
	} {
		code, _, errOut := drg(t, "", append([]string{"group", sampleFile}, tc.args...)...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		t.Errorf("refused runs left %d files", len(ents))
	}
}

// TestExcelHelp: --help explains every new flag.
func TestExcelHelp(t *testing.T) {
	_, out, _ := drg(t, "", "group", "--help")
	for _, want := range []string{"-excel", "Excel opens them as UTF-8", "-bom", "the same as --excel", "-out-encoding", "gb18030 carries every character", "-header", "结算清单号", "-columns", "LOCAL NAME,STANDARD NAME"} {
		if !strings.Contains(out, want) {
			t.Errorf("drg group --help lacks %q", want)
		}
	}
	_, out, _ = drg(t, "", "validate", "--help")
	if !strings.Contains(out, "-columns") {
		t.Error("drg validate --help lacks --columns")
	}
}
