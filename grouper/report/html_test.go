package report

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "regenerate the golden files under testdata/")

// hostileName is a DRG name that would run a script if the page pasted it
// in unescaped.
const hostileName = "<script>alert(1)</script>心力衰竭"

// testSummary is a run built by hand, every number chosen so that the
// figures the page derives from it were worked out beside it (see the
// expectations in TestWriteHTMLFigures): 1,000 records, 20 rejected, 980
// grouped (900 OK, 30 QY, 50 0000), three MDCs, two hospitals, a TCM
// uplift, DRG beside DIP, a migration and a calibration.
func testSummary() *Summary {
	unknown := int64(12)
	return &Summary{
		RuleSet: "CHS-DRG 2.0（医保版）",
		Prices:  "北京 2025 DRG 价格",
		Inputs:  []string{"jan.csv", "feb.csv"},
		Counts:  Counts{Records: 1000, Grouped: 980, OK: 900, QY: 30, Ungroupable: 40, CheckFailed: 10, Rejected: 20, UnknownCodes: &unknown},
		Ungrouped: []Count{
			{"NO_MDC_ADRG_MATCH", 30}, {"SEX_MISSING", 10}, {"UNKNOWN_PRINCIPAL_DX", 10},
		},
		QY:       []Count{{"BQY", 20}, {"FQY", 10}},
		Rejected: []Count{{"invalid_code", 15}, {"duplicate_id", 5}},
		// 930 OK and QY records; 920 paid, weight 960, 9,024,000.75 yuan.
		MDCs: []Group{
			{Code: "B", Cases: 500, Paid: 495, Weight: 594, Amount: 5_940_000},
			{Code: "F", Cases: 300, Paid: 295, Weight: 295, Amount: 2_950_000.25},
			{Code: "G", Cases: 130, Paid: 130, Weight: 71, Amount: 134_000.50},
		},
		DRGs: []Group{
			{Code: "BR23", Name: "脑缺血性疾病，伴一般并发症或合并症", Cases: 300, Paid: 298, Weight: 357.6, Amount: 3_576_000},
			{Code: "FR29", Name: hostileName, Cases: 200, Paid: 195, Weight: 195, Amount: 1_950_000.25},
			{Code: "BR25", Name: "脑缺血性疾病，不伴并发症或合并症", Cases: 180, Paid: 177, Weight: 216.4, Amount: 2_164_000},
			{Code: "GS19", Name: "胃肠出血", Cases: 130, Paid: 130, Weight: 71, Amount: 134_000.50},
			{Code: "FM19", Name: "经皮心血管操作", Cases: 90, Paid: 90, Weight: 90, Amount: 900_000},
			{Code: "BQY", Name: "歧义组（神经系统疾病及功能障碍）", Cases: 20, Paid: 20, Weight: 20, Amount: 200_000},
			{Code: "FQY", Name: "歧义组（循环系统疾病及功能障碍）", Cases: 10, Paid: 10, Weight: 10, Amount: 100_000},
		},
		Payment: &Payment{
			Total: Group{Code: "total", Cases: 980, Paid: 920, Weight: 960, Amount: 9_024_000.75},
			Hospitals: []Group{
				{Code: "H001", Cases: 600, Paid: 560, Weight: 672, Amount: 6_720_000.50},
				{Code: "H002", Cases: 380, Paid: 360, Weight: 288, Amount: 2_304_000.25},
			},
			Levels: []Group{
				{Code: "2", Cases: 380, Paid: 360, Weight: 288, Amount: 2_304_000.25},
				{Code: "3", Cases: 600, Paid: 560, Weight: 672, Amount: 6_720_000.50},
			},
			Outliers: []Group{
				{Code: "none", Cases: 880, Paid: 880, Weight: 880, Amount: 8_000_000},
				{Code: "high", Cases: 30, Paid: 30, Weight: 60, Amount: 900_000.75},
				{Code: "low", Cases: 10, Paid: 10, Weight: 20, Amount: 124_000},
			},
			Unpaid: []Count{{"no_group", 50}, {"no_weight", 10}},
			Adjustments: []Adjustment{
				{Name: "tcm_advantaged", Source: "tcm_advantaged[3]", Cases: 40, Effect: 12_345.67},
				{Name: "high_outlier", Source: "drg.outliers.high.bands[0]", Cases: 30, Effect: 150_000},
				{Name: "low_outlier", Source: "drg.outliers.low", Cases: 10, Effect: -56_000},
				{Name: "default_level", Source: "default_level", Cases: 5},
			},
			HospitalLevels: map[string]string{"H001": "3", "H002": "2"},
		},
		DIP: &DIP{
			Grouped: 900,
			Kinds:   []Count{{"core", 700}, {"comprehensive", 200}},
			Reasons: []Count{{"NO_DIP_GROUP", 80}},
			Groups: []Group{
				{Code: "I63.9:00.0000", Name: "脑梗死（保守治疗）", Cases: 120, Weight: 120 * 850.5},
				{Code: "K80.1:51.2300", Name: "胆囊结石伴胆囊炎（腹腔镜胆囊切除）", Cases: 80, Weight: 80 * 1200.25},
			},
			Both: true, DRGOnly: 45, DIPOnly: 15,
		},
		Migration: &Migration{
			From: "CHS-DRG 1.1", To: "CHS-DRG 2.0", Records: 980,
			SameMDC: 950, SameADRG: 800, SameDRG: 700,
			BecameQY: 5, LeftQY: 12, BecameUngroupable: 8, LeftUngroupable: 20,
			Movers: []Transition{{"BR23", "BR21", 60}, {"FR39", "FR29", 40}},
			ByHospital: []Change{
				{Key: "H001", Records: 600, FromCases: 560, ToCases: 565, FromWeight: 672, ToWeight: 700, FromAmount: 6_720_000.50, ToAmount: 7_000_000},
				{Key: "H002", Records: 380, FromCases: 360, ToCases: 360, FromWeight: 288, ToWeight: 299, FromAmount: 2_304_000.25, ToAmount: 2_200_000},
			},
			ByMDC: []Change{{Key: "B", Records: 500, FromCases: 495, ToCases: 500, FromWeight: 594, ToWeight: 640, FromAmount: 5_940_000, ToAmount: 6_400_000}},
			Total: &Change{Key: "total", Records: 980, FromCases: 920, ToCases: 925, FromWeight: 960, ToWeight: 999, FromAmount: 9_024_000.75, ToAmount: 9_200_000},
		},
		Calibration: &Calibration{
			Cases: 5000, Kept: 4800, Unusable: 50, Base: 12_345.67, RIV: 0.7234, CMI: 1,
			Groups: []CalibrationGroup{
				{Code: "BR23", Cases: 1200, Kept: 1150, Mean: 15_000, CV: 0.45, Weight: 1.215},
				{Code: "GS19", Cases: 30, Kept: 28, Mean: 8_000, CV: 1.25, Weight: 0.648},
				{Code: "FR29", Cases: 4, Kept: 4, Mean: 11_000, CV: 0.2, Weight: 0.891, Fallback: "thin"},
			},
		},
		Warnings: []Warning{{Code: WarnUngrouped, Cases: 50, Share: 50.0 / 980, Threshold: 0.05, Top: "NO_MDC_ADRG_MATCH"}},
	}
}

func render(t *testing.T, s *Summary, opts HTMLOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, s, opts); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return buf.Bytes()
}

// page is a parsed report with the look-ups the tests need.
type parsedPage struct{ root *html.Node }

func parsePage(t *testing.T, b []byte) parsedPage {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse the page: %v", err)
	}
	return parsedPage{root}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// all returns the elements under n that match.
func all(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && match(d) {
			out = append(out, d)
		}
	}
	return out
}

func tag(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == name }
}

// headTitle matches the page's title, not the charts' tooltips.
func headTitle(n *html.Node) bool {
	return n.Data == "title" && n.Parent != nil && n.Parent.Data == "head"
}

func withAttr(name, key, val string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		v, ok := attr(n, key)
		return n.Data == name && ok && v == val
	}
}

// text is the text under n, its text nodes trimmed and joined by a space.
func text(n *html.Node) string {
	var parts []string
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			if s := strings.TrimSpace(d.Data); s != "" {
				parts = append(parts, s)
			}
		}
	}
	return strings.Join(parts, " ")
}

func (p parsedPage) one(t *testing.T, match func(*html.Node) bool, what string) *html.Node {
	t.Helper()
	ns := all(p.root, match)
	if len(ns) != 1 {
		t.Fatalf("%s: %d elements, want 1", what, len(ns))
	}
	return ns[0]
}

// rows returns the body rows of the table t-id as cell texts.
func (p parsedPage) rows(t *testing.T, id string) [][]string {
	t.Helper()
	tb := p.one(t, withAttr("table", "id", "t-"+id), "table "+id)
	var out [][]string
	for _, tr := range all(tb, tag("tr")) {
		if tr.Parent.Data != "tbody" {
			continue
		}
		var r []string
		for _, td := range all(tr, tag("td")) {
			r = append(r, text(td))
		}
		out = append(out, r)
	}
	return out
}

// stat returns the value and the sub-line of the card data-stat=key.
func (p parsedPage) stat(t *testing.T, key string) [2]string {
	t.Helper()
	n := p.one(t, withAttr("div", "data-stat", key), "stat "+key)
	var got [2]string
	for _, d := range all(n, tag("div")) {
		cls, _ := attr(d, "class")
		switch cls {
		case "value":
			got[0] = text(d)
		case "sub":
			got[1] = text(d)
		}
	}
	return got
}

// bars returns the chart data-chart=id's bars as "key=value".
func (p parsedPage) bars(t *testing.T, id string) []string {
	t.Helper()
	svg := p.one(t, withAttr("svg", "data-chart", id), "chart "+id)
	var out []string
	for _, r := range all(svg, tag("rect")) {
		k, _ := attr(r, "data-key")
		v, _ := attr(r, "data-value")
		out = append(out, k+"="+v)
	}
	return out
}

func TestWriteHTMLFigures(t *testing.T) {
	s := testSummary()
	p := parsePage(t, render(t, s, HTMLOptions{}))

	if got := text(p.one(t, headTitle, "title")); got != "DRG/DIP 分组与支付报告" {
		t.Errorf("title %q, want the Chinese default", got)
	}
	if got := text(p.one(t, tag("dl"), "meta")); got != "分组方案 CHS-DRG 2.0（医保版） 价格与支付政策 北京 2025 DRG 价格 输入文件 jan.csv, feb.csv" {
		t.Errorf("meta %q", got)
	}
	// The warning comes first, before the overview, in the page's language.
	warn := p.one(t, withAttr("section", "id", "warnings"), "warnings")
	if got, want := text(all(warn, tag("li"))[0]), s.Warnings[0].Message(Chinese); got != want {
		t.Errorf("warning %q, want %q", got, want)
	}
	if !strings.Contains(text(warn), "5.1%") {
		t.Errorf("warning %q lacks the 5.1%% share", text(warn))
	}
	var ids []string
	for _, sec := range all(p.root, tag("section")) {
		id, _ := attr(sec, "id")
		ids = append(ids, id)
	}
	if want := []string{"warnings", "overview", "ungrouped", "qy", "rejected", "casemix", "payment", "dip", "migration", "calibration"}; !slices.Equal(ids, want) {
		t.Errorf("sections %q, want %q", ids, want)
	}

	stats := map[string][2]string{
		"records":  {"1,000", ""},
		"grouped":  {"980", "占输入 98.0%"},
		"ok":       {"900", "占已分组 91.8%"},
		"qy":       {"30", "占已分组 3.1%"},
		"zero":     {"50", "占已分组 5.1%"},
		"rejected": {"20", "占输入 2.0%"},
		"unknown":  {"12", "占已分组 1.2%"},
		// Payment: 9,024,000.75 / 920 = 9,808.6964...; weight 960 / 920.
		"total":  {"9,024,000.75", ""},
		"paid":   {"920", "占计价病例 93.9%"},
		"cmi":    {"1.0435", ""},
		"mean":   {"9,808.70", ""},
		"unpaid": {"60", "占计价病例 6.1%"},
		// DIP: 900 of 980, the other 80 without a group.
		"dip_grouped": {"900", "占已分组 91.8%"},
		"dip_none":    {"80", "占已分组 8.2%"},
		// Migration: shares of 980 compared records; CMI 960/920 → 999/925.
		"same_mdc":    {"96.9%", "950 条记录"},
		"same_adrg":   {"81.6%", "800 条记录"},
		"same_drg":    {"71.4%", "700 条记录"},
		"became_qy":   {"5", "占比较记录 0.5%"},
		"left_qy":     {"12", "占比较记录 1.2%"},
		"became_0000": {"8", "占比较记录 0.8%"},
		"left_0000":   {"20", "占比较记录 2.0%"},
		"cmi_change":  {"1.0435 → 1.0800", "+0.0365"},
		"pay_change":  {"9,024,000.75 → 9,200,000.00", "+175,999.25"},
		// Calibration.
		"cal_cases": {"5,000", ""},
		"kept":      {"4,800", "占病例 96.0%"},
		"unusable":  {"50", "占病例 1.0%"},
		"base":      {"12,345.67", ""},
		"riv":       {"72.3%", ""},
		"cal_cmi":   {"1.0000", ""},
		"hetero":    {"1", "占分组 33.3%"},
	}
	for key, want := range stats {
		if got := p.stat(t, key); got != want {
			t.Errorf("stat %s = %q, want %q", key, got, want)
		}
	}

	tables := map[string][][]string{
		"ungrouped": {
			{"NO_MDC_ADRG_MATCH", "未匹配到 MDC 与 ADRG", "30", "60.0%"},
			{"SEX_MISSING", "性别缺失", "10", "20.0%"},
			{"UNKNOWN_PRINCIPAL_DX", "主要诊断编码不可识别", "10", "20.0%"},
		},
		"qy":       {{"BQY", "20", "66.7%"}, {"FQY", "10", "33.3%"}},
		"rejected": {{"invalid_code", "编码格式无效", "15", "75.0%"}, {"duplicate_id", "病案号重复", "5", "25.0%"}},
		// Shares of the 930 OK and QY records; CMI = weight / paid.
		"mdc": {
			{"B", "500", "53.8%", "495", "1.2000", "5,940,000.00"},
			{"F", "300", "32.3%", "295", "1.0000", "2,950,000.25"},
			{"G", "130", "14.0%", "130", "0.5462", "134,000.50"},
		},
		"hospitals": {
			{"H001", "三级", "600", "560", "1.2000", "6,720,000.50", "74.5%"},
			{"H002", "二级", "380", "360", "0.8000", "2,304,000.25", "25.5%"},
		},
		"levels": {
			{"二级", "380", "360", "0.8000", "2,304,000.25", "25.5%"},
			{"三级", "600", "560", "1.2000", "6,720,000.50", "74.5%"},
		},
		// Shares of the 920 paid cases and of the 9,024,000.75 yuan.
		"outliers": {
			{"正常病例", "880", "95.7%", "1.0000", "8,000,000.00", "88.7%"},
			{"高倍率病例", "30", "3.3%", "2.0000", "900,000.75", "10.0%"},
			{"低倍率病例", "10", "1.1%", "2.0000", "124,000.00", "1.4%"},
		},
		"unpaid": {{"no_group", "未入组，无法支付", "50", "5.1%"}, {"no_weight", "分组无权重", "10", "1.0%"}},
		"adjustments": {
			{"中医优势病种 tcm_advantaged", "tcm_advantaged[3]", "40", "+12,345.67"},
			{"高倍率 high_outlier", "drg.outliers.high.bands[0]", "30", "+150,000.00"},
			{"低倍率 low_outlier", "drg.outliers.low", "10", "-56,000.00"},
			{"使用默认医院等级 default_level", "default_level", "5", "0.00"},
		},
		// Shares of the 980 grouped records: 930 by DRG, 900 by DIP,
		// 930 − 45 = 885 by both, 885 + 15 = 900.
		"both": {
			{"DRG 入组（正常与 QY）", "930", "94.9%"},
			{"DIP 入组", "900", "91.8%"},
			{"两者均入组", "885", "90.3%"},
			{"仅 DRG 入组", "45", "4.6%"},
			{"仅 DIP 入组", "15", "1.5%"},
		},
		"kinds":      {{"core", "核心病种", "700", "77.8%"}, {"comprehensive", "综合病种", "200", "22.2%"}},
		"dipreasons": {{"NO_DIP_GROUP", "未匹配到 DIP 病种", "80", "100.0%"}},
		"dipgroups": {
			{"1", "I63.9:00.0000", "脑梗死（保守治疗）", "120", "13.3%", "102,060.00", "850.50"},
			{"2", "K80.1:51.2300", "胆囊结石伴胆囊炎（腹腔镜胆囊切除）", "80", "8.9%", "96,020.00", "1,200.25"},
		},
		"movers": {{"BR23", "BR21", "60", "6.1%"}, {"FR39", "FR29", "40", "4.1%"}},
		// 700/565 = 1.2389; 279,999.50 / 6,720,000.50 = 4.2%; 299/360 =
		// 0.8306; −104,000.25 / 2,304,000.25 = −4.5%; 460,000 / 5,940,000 = 7.7%.
		"byhospital": {
			{"H001", "600", "1.2000", "1.2389", "+0.0389", "6,720,000.50", "7,000,000.00", "+279,999.50", "+4.2%"},
			{"H002", "380", "0.8000", "0.8306", "+0.0306", "2,304,000.25", "2,200,000.00", "-104,000.25", "-4.5%"},
		},
		"bymdc": {{"B", "500", "1.2000", "1.2800", "+0.0800", "5,940,000.00", "6,400,000.00", "+460,000.00", "+7.7%"}},
		// The heterogeneous group first.
		"calgroups": {
			{"GS19", "30", "28", "8,000.00", "1.250", "0.6480", "本组均值", "CV ≥ 1，组内差异大"},
			{"BR23", "1,200", "1,150", "15,000.00", "0.450", "1.2150", "本组均值", "—"},
			{"FR29", "4", "4", "11,000.00", "0.200", "0.8910", "本组均值（病例数不足）", "—"},
		},
	}
	for id, want := range tables {
		if got := p.rows(t, id); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("table %s:\n got %q\nwant %q", id, got, want)
		}
	}
	drgs := p.rows(t, "drgs")
	if len(drgs) != 7 {
		t.Fatalf("top DRGs: %d rows, want all 7", len(drgs))
	}
	for i, want := range [][]string{
		{"1", "BR23", "脑缺血性疾病，伴一般并发症或合并症", "300", "32.3%", "298", "1.2000", "3,576,000.00"},
		{"2", "FR29", hostileName, "200", "21.5%", "195", "1.0000", "1,950,000.25"},
	} {
		if !slices.Equal(drgs[i], want) {
			t.Errorf("DRG row %d: got %q, want %q", i+1, drgs[i], want)
		}
	}
	flagged := all(p.one(t, withAttr("table", "id", "t-calgroups"), "calgroups"), withAttr("tr", "class", "flag"))
	if len(flagged) != 1 || text(flagged[0])[:4] != "GS19" {
		t.Errorf("flagged calibration rows: %d, want GS19 alone", len(flagged))
	}

	charts := map[string][]string{
		"status":      {"ok=900", "qy=30", "zero=50", "rejected=20"},
		"ungrouped":   {"NO_MDC_ADRG_MATCH=30", "SEX_MISSING=10", "UNKNOWN_PRINCIPAL_DX=10"},
		"qy":          {"BQY=20", "FQY=10"},
		"rejected":    {"invalid_code=15", "duplicate_id=5"},
		"mdc":         {"B=500", "F=300", "G=130"},
		"levels":      {"2=2304000.25", "3=6720000.5"},
		"outliers":    {"none=880", "high=30", "low=10"},
		"unpaid":      {"no_group=50", "no_weight=10"},
		"adjustments": {"tcm_advantaged[3]=12345.67", "drg.outliers.high.bands[0]=150000", "drg.outliers.low=-56000"},
		"both":        {"drg=930", "dip=900", "both=885", "drg_only=45", "dip_only=15"},
		"kinds":       {"core=700", "comprehensive=200"},
		"dipreasons":  {"NO_DIP_GROUP=80"},
		"same":        {"same_mdc=950", "same_adrg=800", "same_drg=700"},
	}
	svgs := all(p.root, tag("svg"))
	if len(svgs) != len(charts) {
		t.Errorf("%d charts, want %d", len(svgs), len(charts))
	}
	for id, want := range charts {
		if got := p.bars(t, id); !slices.Equal(got, want) {
			t.Errorf("chart %s: got %q, want %q", id, got, want)
		}
	}
	// Every bar has a tooltip with its formatted value.
	for _, g := range all(p.root, func(n *html.Node) bool { c, _ := attr(n, "class"); return n.Data == "g" && strings.HasPrefix(c, "bar") }) {
		if len(all(g, tag("title"))) != 1 || len(all(g, tag("rect"))) != 1 {
			t.Errorf("bar %q lacks its title or rect", text(g))
		}
	}
	levelTip := text(all(p.one(t, withAttr("svg", "data-chart", "levels"), "levels chart"), tag("title"))[1])
	if levelTip != "三级: 6,720,000.50" {
		t.Errorf("level tooltip %q", levelTip)
	}
}

// TestWriteHTMLEscapes: a name that is markup stays text, in a table cell,
// a chart and an attribute.
func TestWriteHTMLEscapes(t *testing.T) {
	s := testSummary()
	s.Payment.Hospitals[0].Code = `H"><img src=x onerror=alert(1)>`
	s.MDCs[0].Name = hostileName
	s.RuleSet = "</title><script>alert(2)</script>"
	out := render(t, s, HTMLOptions{Title: `<b onmouseover="x">`})
	p := parsePage(t, out)
	if n := len(all(p.root, tag("script"))); n != 1 {
		t.Errorf("%d script elements, want the page's own one", n)
	}
	for _, el := range []string{"img", "b"} {
		if n := len(all(p.root, tag(el))); n != 0 {
			t.Errorf("%d %s elements: a name was pasted in as markup", n, el)
		}
	}
	if got := p.rows(t, "hospitals")[0][0]; got != `H"><img src=x onerror=alert(1)>` {
		t.Errorf("hospital cell %q", got)
	}
	if got := text(p.one(t, headTitle, "title")); got != `<b onmouseover="x">` {
		t.Errorf("title %q", got)
	}
	if !bytes.Contains(out, []byte("&lt;script&gt;alert(1)&lt;/script&gt;心力衰竭")) {
		t.Error("the hostile DRG name is not escaped in the page source")
	}
	mdcTip := text(all(p.one(t, withAttr("svg", "data-chart", "mdc"), "mdc chart"), tag("title"))[0])
	if mdcTip != "B "+hostileName+": 500" {
		t.Errorf("MDC tooltip %q", mdcTip)
	}
}

// englishSummary is testSummary with only ASCII data, so that any Chinese
// on its English page can only be a label left untranslated.
func englishSummary() *Summary {
	s := testSummary()
	s.RuleSet, s.Prices = "CHS-DRG 2.0", "Beijing 2025"
	s.Warnings = nil // Warning.Message quotes the code editions' Chinese names in English too
	for i := range s.DRGs {
		s.DRGs[i].Name = "group " + s.DRGs[i].Code
	}
	for i := range s.DIP.Groups {
		s.DIP.Groups[i].Name = "packet " + s.DIP.Groups[i].Code
	}
	return s
}

// visibleText is every text node outside style and script, and every
// attribute a reader meets (tooltips, labels).
func visibleText(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		switch {
		case d.Type == html.TextNode && d.Parent != nil && d.Parent.Data != "style" && d.Parent.Data != "script":
			b.WriteString(d.Data)
			b.WriteByte('\n')
		case d.Type == html.ElementNode:
			for _, a := range d.Attr {
				if a.Key == "aria-label" || a.Key == "title" || a.Key == "alt" {
					b.WriteString(a.Val)
					b.WriteByte('\n')
				}
			}
		}
	}
	return b.String()
}

func TestWriteHTMLLanguages(t *testing.T) {
	// Chinese text, and the full-width punctuation that comes with it.
	chinese := regexp.MustCompile(`[\p{Han}\x{3000}-\x{303F}\x{FF00}-\x{FFEF}]+`)

	en := parsePage(t, render(t, englishSummary(), HTMLOptions{Lang: English}))
	if got := text(en.one(t, headTitle, "title")); got != "DRG/DIP grouping and payment report" {
		t.Errorf("English title %q", got)
	}
	if lang, _ := attr(en.one(t, tag("html"), "html"), "lang"); lang != "en" {
		t.Errorf("English page lang=%q", lang)
	}
	if m := chinese.FindAllString(visibleText(en.root), -1); len(m) > 0 {
		t.Errorf("the English page shows Chinese: %q", m)
	}
	if got := en.rows(t, "hospitals")[0][1]; got != "level 3" {
		t.Errorf("English level %q", got)
	}
	if got := en.stat(t, "ok"); got != [2]string{"900", "91.8% of grouped"} {
		t.Errorf("English OK stat %q", got)
	}

	// The Chinese page shows no English label: every label whose English
	// differs from its Chinese is absent from what a reader sees.
	zh := visibleText(parsePage(t, render(t, englishSummary(), HTMLOptions{})).root)
	check := func(what string, l label) {
		// A code shown as it is ("core") is data, not a label; an
		// abbreviation the Chinese uses too ("CV") is no leak.
		if !strings.Contains(l.zh, l.en) && !strings.Contains(l.en, "%") && !strings.HasSuffix(what, "."+l.en) && strings.Contains(zh, l.en) {
			t.Errorf("the Chinese page shows the English %s %q", what, l.en)
		}
	}
	for k, l := range labels {
		check(k, l)
	}
	for kind, m := range knownLabels {
		for k, l := range m {
			check(kind+"."+k, l)
		}
	}
	if lang, _ := attr(parsePage(t, render(t, englishSummary(), HTMLOptions{})).one(t, tag("html"), "html"), "lang"); lang != "zh-CN" {
		t.Errorf("Chinese page lang=%q", lang)
	}
}

// TestLabelsComplete: every label has both languages, with the same
// format verbs, so neither page can be half translated.
func TestLabelsComplete(t *testing.T) {
	verbs := regexp.MustCompile(`%[a-z]`)
	check := func(key string, l label) {
		if strings.TrimSpace(l.zh) == "" || strings.TrimSpace(l.en) == "" {
			t.Errorf("label %s: zh %q, en %q: one language is missing", key, l.zh, l.en)
		}
		if z, e := verbs.FindAllString(l.zh, -1), verbs.FindAllString(l.en, -1); !slices.Equal(z, e) {
			t.Errorf("label %s: verbs %q in Chinese, %q in English", key, z, e)
		}
	}
	for k, l := range labels {
		check(k, l)
	}
	for kind, m := range knownLabels {
		for k, l := range m {
			check(kind+"."+k, l)
		}
	}
	// The policy names the bureau asked to see in Chinese.
	for name, want := range map[string]string{
		"tcm_advantaged": "中医优势病种", "day_ward": "中医日间病房", "same_level": "同级同价/基层病种",
		"same_efficacy": "中西医同病同效", "high_outlier": "高倍率", "low_outlier": "低倍率",
	} {
		if got := knownLabels["adjustment"][name].zh; got != want {
			t.Errorf("adjustment %s: %q, want %q", name, got, want)
		}
	}
}

// TestWriteHTMLUsesOnlyKnownLabels: rendering every section in both
// languages asks for no label the table lacks (WriteHTML fails if it does).
func TestWriteHTMLUsesOnlyKnownLabels(t *testing.T) {
	for _, lang := range []Lang{Chinese, English} {
		b := &builder{s: testSummary(), opts: HTMLOptions{Lang: lang, TopGroups: 1, MaxRows: 1}}
		b.page()
		if len(b.missing) > 0 {
			t.Errorf("%s: labels missing: %q", lang, b.missing)
		}
	}
	b := &builder{s: testSummary(), opts: HTMLOptions{Lang: Chinese}}
	if got := b.t("no.such.label"); got != "no.such.label" || !slices.Equal(b.missing, []string{"no.such.label"}) {
		t.Errorf("t of a missing key: %q, missing %q", got, b.missing)
	}
}

func TestWriteHTMLSections(t *testing.T) {
	sectionIDs := func(s *Summary) []string {
		p := parsePage(t, render(t, s, HTMLOptions{}))
		var ids []string
		for _, sec := range all(p.root, tag("section")) {
			id, _ := attr(sec, "id")
			ids = append(ids, id)
		}
		return ids
	}
	// An empty summary is an overview of zeros, without a chart.
	if got := sectionIDs(&Summary{}); !slices.Equal(got, []string{"overview"}) {
		t.Errorf("empty summary: sections %q", got)
	}
	p := parsePage(t, render(t, &Summary{}, HTMLOptions{}))
	if n := len(all(p.root, tag("svg"))); n != 0 {
		t.Errorf("empty summary: %d charts", n)
	}
	if got := p.stat(t, "grouped"); got != [2]string{"0", "占输入 —"} {
		t.Errorf("empty summary: grouped %q", got)
	}

	// A DIP-only run: no OK/QY/0000 cards, no DRG comparison.
	dipOnly := &Summary{Counts: Counts{Records: 10, Grouped: 10}, DIP: &DIP{Grouped: 8, Kinds: []Count{{"core", 8}}, Reasons: []Count{{"NO_DIP_GROUP", 2}}}}
	if got := sectionIDs(dipOnly); !slices.Equal(got, []string{"overview", "dip"}) {
		t.Errorf("DIP only: sections %q", got)
	}
	p = parsePage(t, render(t, dipOnly, HTMLOptions{}))
	if n := len(all(p.root, withAttr("div", "data-stat", "ok"))); n != 0 {
		t.Error("DIP only: an OK card")
	}
	if n := len(all(p.root, withAttr("table", "id", "t-both"))); n != 0 {
		t.Error("DIP only: a DRG-beside-DIP table")
	}
	if got := p.bars(t, "status"); !slices.Equal(got, []string{"grouped=10", "rejected=0"}) {
		t.Errorf("DIP only: status chart %q", got)
	}

	// An unpriced run has no payment section and no payment columns.
	s := testSummary()
	s.Payment = nil
	p = parsePage(t, render(t, s, HTMLOptions{}))
	if len(all(p.root, withAttr("section", "id", "payment"))) != 0 {
		t.Error("unpriced: a payment section")
	}
	if got := p.rows(t, "mdc")[0]; !slices.Equal(got, []string{"B", "500", "53.8%"}) {
		t.Errorf("unpriced MDC row %q", got)
	}
}

func TestWriteHTMLOptions(t *testing.T) {
	var buf bytes.Buffer
	for _, opts := range []HTMLOptions{{Lang: "fr"}, {MaxRows: -1}, {TopGroups: -5}} {
		err := WriteHTML(&buf, testSummary(), opts)
		if !errors.Is(err, ErrHTMLOptions) {
			t.Errorf("%+v: error %v, want ErrHTMLOptions", opts, err)
		}
	}
	if err := WriteHTML(&buf, nil, HTMLOptions{}); err == nil {
		t.Error("nil summary: no error")
	}
	if buf.Len() != 0 {
		t.Errorf("failed writes wrote %d bytes", buf.Len())
	}
	if err := WriteHTML(failWriter{}, testSummary(), HTMLOptions{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("failing writer: error %v", err)
	}
	// TopGroups caps the DRG table and says so.
	p := parsePage(t, render(t, testSummary(), HTMLOptions{TopGroups: 3, MaxRows: 1}))
	if n := len(p.rows(t, "drgs")); n != 3 {
		t.Errorf("TopGroups 3: %d DRG rows", n)
	}
	if !strings.Contains(text(p.root), "共 7 个 DRG，列出病例数最多的 3 个。") {
		t.Error("TopGroups 3: no note of the 7 DRGs")
	}
	if got := p.rows(t, "hospitals"); len(got) != 1 || got[0][0] != "H001" {
		t.Errorf("MaxRows 1: hospital rows %q", got)
	}
	if !strings.Contains(text(p.root), "共 2 行，列出前 1 行（按病例数从多到少）；其余 1 行未列出。") {
		t.Error("MaxRows 1: no note of the hospital left out")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// bigSummary is a province's year: 1,000 DRGs, 5,000 hospitals, each with
// a Chinese name or key, and every long list at its largest.
func bigSummary() *Summary {
	s := testSummary()
	s.DRGs, s.Payment.Hospitals, s.Migration.ByHospital, s.Migration.Movers, s.Calibration.Groups, s.DIP.Groups = nil, nil, nil, nil, nil, nil
	for i := range 1000 {
		code := fmt.Sprintf("%c%c%02d", 'A'+i%26, 'A'+i/26%26, i%100)
		g := Group{Code: code, Name: strings.Repeat("脑缺血性疾病伴并发症", 3), Cases: int64(10000 - i), Paid: int64(9000 - i), Weight: 1234.5678, Amount: 98_765_432.1}
		s.DRGs = append(s.DRGs, g)
		s.DIP.Groups = append(s.DIP.Groups, g)
		s.Migration.Movers = append(s.Migration.Movers, Transition{code, code + "X", int64(1000 - i)})
		s.Calibration.Groups = append(s.Calibration.Groups, CalibrationGroup{Code: code, Cases: int64(5000 - i), Kept: 100, Mean: 12345.67, CV: float64(i%3) * 0.6, Weight: 1.2345})
	}
	for i := range 5000 {
		h := fmt.Sprintf("H%05d", i)
		s.Payment.Hospitals = append(s.Payment.Hospitals, Group{Code: h, Cases: int64(50000 - i), Paid: int64(49000 - i), Weight: 54321.5, Amount: 123_456_789.12})
		s.Payment.HospitalLevels[h] = "3"
		s.Migration.ByHospital = append(s.Migration.ByHospital, Change{Key: h, Records: int64(50000 - i), FromCases: 10, ToCases: 10, FromWeight: 12, ToWeight: 13, FromAmount: 1e6, ToAmount: 1.1e6})
	}
	return s
}

func TestWriteHTMLSize(t *testing.T) {
	out := render(t, bigSummary(), HTMLOptions{})
	t.Logf("1,000 DRGs and 5,000 hospitals: %d bytes", len(out))
	if len(out) >= 3<<20 {
		t.Errorf("page of %d bytes, want under 3 MB", len(out))
	}
	p := parsePage(t, out)
	for id, want := range map[string]int{"drgs": 30, "dipgroups": 30, "hospitals": 200, "byhospital": 200, "movers": 200, "calgroups": 200} {
		if n := len(p.rows(t, id)); n != want {
			t.Errorf("table %s: %d rows, want %d", id, n, want)
		}
	}
	page := text(p.root)
	for _, note := range []string{
		"共 5,000 行，列出前 200 行（按病例数从多到少）；其余 4,800 行未列出。",
		"共 1,000 个 DRG，列出病例数最多的 30 个。",
		"共 1,000 个 DIP 病种，列出病例数最多的 30 个。",
		"共 1,000 行，列出前 200 行（CV ≥ 1 的分组在前，其余按病例数）；其余 800 行未列出。",
	} {
		if !strings.Contains(page, note) {
			t.Errorf("no note %q", note)
		}
	}
	// 333 of the 1,000 groups have CV 1.2: the capped table keeps 200 of
	// them, every shown row flagged.
	if n := len(all(p.one(t, withAttr("table", "id", "t-calgroups"), "calgroups"), withAttr("tr", "class", "flag"))); n != 200 {
		t.Errorf("%d flagged calibration rows, want 200", n)
	}
}

func TestFormat(t *testing.T) {
	f := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	f(fmtInt(0), "0")
	f(fmtInt(999), "999")
	f(fmtInt(1000), "1,000")
	f(fmtInt(1234567), "1,234,567")
	f(fmtInt(-1234567), "-1,234,567")
	f(fmtInt(10_000_000), "10,000,000")
	f(fmtYuan(1234567.891), "1,234,567.89")
	f(fmtYuan(0.005), "0.01")
	f(fmtYuan(-0.001), "0.00")
	f(fmtYuan(-1234.5), "-1,234.50")
	f(fmtYuan(math.NaN()), "—")
	f(fmtYuan(math.Inf(1)), "—")
	f(fmtSignedYuan(12345.67), "+12,345.67")
	f(fmtSignedYuan(-12345.67), "-12,345.67")
	f(fmtSignedYuan(0.001), "0.00")
	f(fmtWeight(1.04347826), "1.0435")
	f(fmtPct(1, 3), "33.3%")
	f(fmtPct(2, 3), "66.7%")
	f(fmtPct(0, 5), "0.0%")
	f(fmtPct(1, 0), "—")
	f(fmtRatio(0.7234), "72.3%")
	f(rawNum(6720000.5), "6720000.5")
	f(rawNum(math.NaN()), "")
	f(rawInt(-3), "-3")
	f(cutLabel("NO_MDC_ADRG_MATCH", 46), "NO_MDC_ADRG_MATCH")
	f(cutLabel("abcdefgh", 5), "abcd…")
	f(cutLabel("中医优势病种", 12), "中医优势病种")
	f(cutLabel("中医优势病种", 11), "中医优势病…")
	f(cutLabel("中医a优势", 6), "中医a…")
}

// smallSummary is the golden page's run: a few records, a warning and
// one of each table, small enough to read whole in review.
func smallSummary() *Summary {
	return &Summary{
		RuleSet:   "sample-1.0",
		Prices:    "sample prices",
		Counts:    Counts{Records: 12, Grouped: 10, OK: 8, QY: 1, Ungroupable: 1, Rejected: 2},
		Ungrouped: []Count{{"NO_MDC_ADRG_MATCH", 1}},
		QY:        []Count{{"BQY", 1}},
		Rejected:  []Count{{"syntax", 2}},
		MDCs:      []Group{{Code: "B", Cases: 6, Paid: 6, Weight: 7.2, Amount: 72_000}, {Code: "F", Cases: 3, Paid: 3, Weight: 3, Amount: 30_000.5}},
		DRGs: []Group{
			{Code: "BR23", Name: "脑缺血性疾病，伴一般并发症或合并症", Cases: 5, Paid: 5, Weight: 6, Amount: 60_000},
			{Code: "FR29", Name: "心力衰竭", Cases: 3, Paid: 3, Weight: 3, Amount: 30_000.5},
			{Code: "BQY", Cases: 1, Paid: 1, Weight: 1.2, Amount: 12_000},
		},
		Payment: &Payment{
			Total:          Group{Code: "total", Cases: 10, Paid: 9, Weight: 10.2, Amount: 102_000.5},
			Hospitals:      []Group{{Code: "H001", Cases: 10, Paid: 9, Weight: 10.2, Amount: 102_000.5}},
			Levels:         []Group{{Code: "3", Cases: 10, Paid: 9, Weight: 10.2, Amount: 102_000.5}},
			Outliers:       []Group{{Code: "none", Cases: 9, Paid: 9, Weight: 10.2, Amount: 102_000.5}},
			Unpaid:         []Count{{"no_group", 1}},
			Adjustments:    []Adjustment{{Name: "tcm_advantaged", Source: "tcm_advantaged[0]", Cases: 2, Effect: 2_000}},
			HospitalLevels: map[string]string{"H001": "3"},
		},
		Warnings: []Warning{{Code: WarnUngrouped, Cases: 1, Share: 0.1, Threshold: 0.05, Top: "NO_MDC_ADRG_MATCH"}},
	}
}

// TestWriteHTMLGolden pins the whole page of a small run, markup included,
// so that a change to the layout is seen in review; -update rewrites it.
func TestWriteHTMLGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		lang Lang
	}{{"small.zh.html", Chinese}, {"small.en.html", English}} {
		got := render(t, smallSummary(), HTMLOptions{Lang: tc.lang})
		path := filepath.Join("testdata", tc.file)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test -run TestWriteHTMLGolden -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
			for i := range max(len(gl), len(wl)) {
				g, w := "", ""
				if i < len(gl) {
					g = gl[i]
				}
				if i < len(wl) {
					w = wl[i]
				}
				if g != w {
					t.Errorf("%s differs from line %d:\n got %s\nwant %s\n(-update rewrites it)", path, i+1, g, w)
					break
				}
			}
		}
	}
}

// TestCalibrationAlonePage: the page of a calibration alone has no run
// overview of zeros, only the calibration.
func TestCalibrationAlonePage(t *testing.T) {
	s := &Summary{Calibration: &Calibration{Cases: 10, Kept: 9, Base: 1000, RIV: 0.5, CMI: 1,
		Groups: []CalibrationGroup{{Code: "AB11", Cases: 10, Kept: 9, Mean: 1000, CV: 0.3, Weight: 1}}}}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, s, HTMLOptions{Lang: English}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Contains(page, `id="overview"`) {
		t.Error("a calibration alone shows a run overview")
	}
	if !strings.Contains(page, "AB11") {
		t.Error("the calibration's group is missing")
	}
}
