package batch

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/textenc"
)

// everyColumnName returns every output column name this package can
// write: Columns under every scheme with payments and a trace, and every
// column it makes for Options.Columns.
func everyColumnName(t *testing.T) []string {
	t.Helper()
	_, calc := samplePricing(t)
	both := grouper.SchemeDRG | grouper.SchemeDIP
	var extra []Column
	extra = append(extra, NameColumns(nil, both)...)
	extra = append(extra, Versions{}.NameColumns(both)...)
	extra = append(extra, CostColumns(false)...)
	extra = append(extra, CostColumns(true)...)
	extra = append(extra, Versions{}.Column())
	extra = append(extra, NewComparison(nil, "peer_drg", 0).Columns()...)
	var names []string
	for _, scheme := range []grouper.Scheme{grouper.SchemeDRG, grouper.SchemeDIP, both} {
		for _, n := range Columns(Options{Scheme: scheme, Payment: calc, Explain: true, Columns: extra}) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return names
}

// literalColumnNames returns the string literals of the package's own
// source that name columns: the Name of every Column literal and the
// strings of Columns and PaymentColumns. It catches a column added by a
// new constructor that everyColumnName does not call yet.
func literalColumnNames(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	add := func(e ast.Expr) {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil && !slices.Contains(names, s) {
				names = append(names, s)
			}
		}
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok && id.Name == "Column" {
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok && kv.Key.(*ast.Ident).Name == "Name" {
							add(kv.Value)
						}
					}
				}
			case *ast.FuncDecl:
				if n.Name.Name == "Columns" && n.Recv == nil {
					ast.Inspect(n.Body, func(m ast.Node) bool {
						if e, ok := m.(ast.Expr); ok {
							add(e)
						}
						return true
					})
				}
			case *ast.ValueSpec:
				if n.Names[0].Name == "PaymentColumns" {
					ast.Inspect(n, func(m ast.Node) bool {
						if e, ok := m.(ast.Expr); ok {
							add(e)
						}
						return true
					})
				}
			}
			return true
		})
	}
	if len(names) < 20 {
		t.Fatalf("found only %d column names in the source: %q", len(names), names)
	}
	return names
}

// TestChineseNamesCoverEveryColumn: every column this package can write
// has a Chinese name, which GBK can carry, and no two share one (a header
// must tell its columns apart); the table names no column that does not
// exist.
func TestChineseNamesCoverEveryColumn(t *testing.T) {
	names := everyColumnName(t)
	for _, n := range literalColumnNames(t) {
		if !slices.Contains(names, n) {
			t.Errorf("column %q, named in the source, is missing from everyColumnName: call its constructor there", n)
		}
	}
	gbk, err := textenc.NewEncoder("gbk")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		zh, ok := ChineseColumnName(n)
		if !ok {
			t.Errorf("column %q has no Chinese name: add one to columnNamesZH", n)
			continue
		}
		if _, err := gbk.Append(nil, []byte(zh)); err != nil {
			t.Errorf("Chinese name %q of %s: %v", zh, n, err)
		}
		if strings.ContainsAny(zh, ",\t\"\n") {
			t.Errorf("Chinese name %q of %s needs quoting", zh, n)
		}
	}
	seen := map[string]string{}
	for n, zh := range columnNamesZH {
		if !slices.Contains(names, n) {
			t.Errorf("columnNamesZH names %q, which no output has", n)
		}
		if other, dup := seen[zh]; dup {
			t.Errorf("%s and %s are both %q", n, other, zh)
		}
		seen[zh] = n
	}
	if _, ok := ChineseColumnName("note"); ok {
		t.Error("a caller's own column has a Chinese name")
	}
}

// runText runs in through Run with opts and returns the output.
func runText(t *testing.T, g *grouper.Grouper, in []byte, opts Options) ([]byte, error) {
	t.Helper()
	rd, err := record.NewReader(bytes.NewReader(in), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	_, err = Run(context.Background(), g, rd, &out, nil, opts)
	return out.Bytes(), err
}

// excelOptions are the columns an analyst asks for: DRG and DIP, payments
// (whose adjustments hold ×), the groups' Chinese names.
func excelOptions(t *testing.T) (*grouper.Grouper, Options) {
	t.Helper()
	g, calc := samplePricing(t)
	both := grouper.SchemeDRG | grouper.SchemeDIP
	return g, Options{Scheme: both, Payment: calc, Columns: NameColumns(g, both), Workers: 2, BatchBytes: 4 << 10}
}

func sampleCSV(t *testing.T) []byte {
	t.Helper()
	in, err := os.ReadFile("../../examples/sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestTextBOM: with a byte-order mark the output is the UTF-8 output
// behind EF BB BF, which encoding/csv reads once the mark is stripped;
// appended output (NoHeader) gets none.
func TestTextBOM(t *testing.T) {
	g, opts := excelOptions(t)
	in := sampleCSV(t)
	plain, err := runText(t, g, in, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Text.BOM = true
	marked, err := runText(t, g, in, opts)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(marked, []byte{0xef, 0xbb, 0xbf})
	if !ok || !bytes.Equal(body, plain) {
		t.Fatalf("with BOM: starts %q; want EF BB BF and the UTF-8 output", marked[:min(len(marked), 8)])
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 300 || rows[0][0] != "id" {
		t.Fatalf("encoding/csv reads %d rows (err %v)", len(rows), err)
	}
	opts.NoHeader = true
	appended, err := runText(t, g, in, opts)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(appended, []byte("\ufeff")) {
		t.Error("output without a header starts with a byte-order mark")
	}
}

// TestTextGBK: a GBK or GB18030 output decodes to exactly the UTF-8
// output, × and the groups' Chinese names included.
func TestTextGBK(t *testing.T) {
	g, opts := excelOptions(t)
	in := sampleCSV(t)
	opts.Text.ChineseHeader = true
	want, err := runText(t, g, in, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(want, []byte("×")) || !bytes.Contains(want, []byte("胆")) {
		t.Fatal("the UTF-8 output has no × or no Chinese name to encode")
	}
	for _, enc := range []string{"gbk", "GB18030"} {
		opts.Text.Encoding = enc
		got, err := runText(t, g, in, opts)
		if err != nil {
			t.Fatalf("%s: %v", enc, err)
		}
		if bytes.Equal(got, want) {
			t.Fatalf("%s: the output is UTF-8", enc)
		}
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(got)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dec, want) {
			t.Errorf("%s output decodes to other text than the UTF-8 output", enc)
		}
	}
}

// TestTextChineseHeader pins the Chinese header of every column, in
// Columns' order; JSON keys stay English.
func TestTextChineseHeader(t *testing.T) {
	g, calc := samplePricing(t)
	both := grouper.SchemeDRG | grouper.SchemeDIP
	cols := append(NameColumns(g, both), CostColumns(true)...)
	cols = append(cols, Versions{}.Column())
	cols = append(cols, NewComparison(g, "peer_drg", 0).Columns()...)
	opts := Options{Scheme: both, Payment: calc, Explain: true, Columns: cols, Text: record.TextOptions{ChineseHeader: true}}
	out, err := runText(t, g, []byte("id,principal_dx\n"), opts)
	if err != nil {
		t.Fatal(err)
	}
	const want = "结算清单号,入组状态,原因,主要诊断大类(MDC),核心疾病诊断相关组(ADRG),疾病诊断相关分组(DRG),主要诊断,中医主病(转换来源),并发症或合并症(CC)级别,并发症或合并症(CC)诊断," +
		"DIP病种,DIP病种类型,DIP病种分值,DIP未入组原因," +
		"医疗机构编码,支付方式,权重,调整后权重,点数,结算点数,费用异常类型(高倍率/低倍率),支付金额,定额支付,未支付原因,调整明细," +
		"DRG名称,DIP病种名称,住院总费用,实际住院天数,医疗机构级别,分组方案版本,对照分组,是否一致,分组过程\n"
	if string(out) != want {
		t.Errorf("header:\n got %s\nwant %s", out, want)
	}
	opts.Format = record.FormatJSONL
	out, err = runText(t, g, []byte("id,principal_dx\na,K80.100\n"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte(`{"id":"a","status":`)) {
		t.Errorf("JSON line %s: want English keys", out)
	}
}

// TestTextUnencodable: a row GBK cannot carry fails the run naming the
// record, its line and the column: the first such record in input order,
// whatever the workers and batches; GB18030 carries it.
func TestTextUnencodable(t *testing.T) {
	g, opts := excelOptions(t)
	in := sampleCSV(t)
	lines := strings.SplitAfter(string(in), "\n")
	// Line 201 gets a character GBK lacks in its id, and line 101 one in
	// its hospital, which the payment columns show.
	_, rest, _ := strings.Cut(lines[200], ",")
	lines[200] = "S2024咬𬌗," + rest
	_, rest, _ = strings.Cut(lines[100], ",")
	lines[100] = "S202400100,H𬌗," + strings.SplitN(rest, ",", 2)[1]
	bad := []byte(strings.Join(lines, ""))
	opts.Text.Encoding = "gbk"
	for _, workers := range []int{1, 2} {
		opts.Workers = workers
		_, err := runText(t, g, bad, opts)
		if !errors.Is(err, record.ErrUnencodable) {
			t.Fatalf("workers %d: got %v, want ErrUnencodable", workers, err)
		}
		const want = `record line 101 (id "S202400100"), column hospital_id: '𬌗' (U+2C317) has no GBK code`
		if !strings.Contains(err.Error(), want) {
			t.Errorf("workers %d: got %v, want %s", workers, err, want)
		}
	}
	lines[100] = strings.Replace(lines[100], "H𬌗", "H1", 1)
	_, err := runText(t, g, []byte(strings.Join(lines, "")), opts)
	if err == nil || !strings.Contains(err.Error(), `record line 201 (id "S2024咬𬌗"), column id:`) {
		t.Errorf("got %v, want the error to name line 201's id", err)
	}
	opts.Text.Encoding = "gb18030"
	if _, err := runText(t, g, bad, opts); err != nil {
		t.Errorf("gb18030: %v", err)
	}
}

// TestTextRefused: options no output of the format can have fail Run,
// and a Job before it touches its outputs.
func TestTextRefused(t *testing.T) {
	g, opts := excelOptions(t)
	for _, tc := range []struct {
		f    record.Format
		text record.TextOptions
		want string
	}{
		{record.FormatJSONL, record.TextOptions{BOM: true}, "byte-order mark"},
		{record.FormatJSONL, record.TextOptions{Encoding: "gbk"}, "JSON lines are UTF-8"},
		{record.FormatCSV, record.TextOptions{Encoding: "big5"}, "unsupported output encoding"},
		{record.FormatTSV, record.TextOptions{BOM: true, Encoding: "gbk"}, "not gbk"},
	} {
		opts.Format, opts.Text = tc.f, tc.text
		out, err := runText(t, g, []byte("id,principal_dx\na,K80.100\n"), opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) || len(out) > 0 {
			t.Errorf("%v %+v: got %v and %d bytes, want %q and nothing written", tc.f, tc.text, err, len(out), tc.want)
		}
		dir := t.TempDir()
		in := writeFile(t, dir, "in.csv", []byte("id,principal_dx\na,K80.100\n"))
		prev := writeFile(t, dir, "out", []byte("previous"))
		_, err = Job{Inputs: []string{in}, Out: prev, Rejects: filepath.Join(dir, "rej.csv"), Options: opts}.Run(context.Background(), g)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Job %v %+v: got %v, want %q", tc.f, tc.text, err, tc.want)
		}
		checkFile(t, prev, []byte("previous"))
		checkFile(t, filepath.Join(dir, "rej.csv"), nil)
		checkNoTemps(t, dir)
	}
}

// TestJobText: a Job writes its rejects file by Options.Text too, once
// for several inputs.
func TestJobText(t *testing.T) {
	g, opts := excelOptions(t)
	dir := t.TempDir()
	const header = "id,principal_dx\n"
	a := writeFile(t, dir, "a.csv", []byte(header+"A1,K80.100\nA2,K8\n"))
	b := writeFile(t, dir, "b.csv", []byte(header+"B1,K80.100\n"))
	out, rej := filepath.Join(dir, "out.csv"), filepath.Join(dir, "rejects.csv")
	opts.Text = record.TextOptions{BOM: true, ChineseHeader: true}
	if _, err := (Job{Inputs: []string{a, b}, Out: out, Rejects: rej, Options: opts}).Run(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	rows, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(rows, []byte("\ufeff结算清单号,入组状态,")) || bytes.Count(rows, []byte("\ufeff")) != 1 || bytes.Count(rows, []byte("\n")) != 3 {
		t.Errorf("output %q: want one mark, one Chinese header, two rows", rows)
	}
	rejects, err := os.ReadFile(rej)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(rejects, []byte("\ufeff文件,行号,结算清单号,字段,原因,说明,原始记录\n"+a+",3,A2,principal_dx,invalid_code,")) {
		t.Errorf("rejects %q: want a mark, the Chinese header and the reject", rejects)
	}
}
