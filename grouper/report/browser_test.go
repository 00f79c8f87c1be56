package report

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser test opens a rendered report in headless Chromium, as an
// analyst opens the file: it checks that the page runs without an error,
// fetches nothing, draws every chart from the summary's numbers and sorts
// its tables. It needs Chromium (Debian's package chromium; .ci/run
// installs it) and skips without one.
//
// DRG_SCREENSHOT=path also writes a screenshot of the top of a realistic
// report there: the README's image is made by
//
//	DRG_SCREENSHOT=$PWD/docs/report.png go test ./grouper/report -run TestBrowser
//
// (with a Chinese font installed, e.g. Debian's fonts-wqy-microhei, or the
// labels are boxes).

// chromiumPath returns the browser to run, skipping the test without one.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium (/usr/bin/chromium, or chromium in PATH): the browser test needs one; apt-get install chromium")
	return ""
}

// browserEvents collects what the page did that the test must see: its
// requests, and its console errors and exceptions.
type browserEvents struct {
	mu       sync.Mutex
	requests []string
	errors   []string
}

// listen is a chromedp listener: it runs in the tab's read loop, so it
// only records.
func (e *browserEvents) listen(ev any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		e.requests = append(e.requests, ev.Request.URL)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		e.errors = append(e.errors, fmt.Sprintf("exception at %d:%d: %s", d.LineNumber+1, d.ColumnNumber+1, msg))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				if a.Description != "" {
					args = append(args, a.Description)
				} else {
					args = append(args, string(a.Value))
				}
			}
			e.errors = append(e.errors, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			e.errors = append(e.errors, fmt.Sprintf("log %s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

func (e *browserEvents) snapshot() (requests, errors []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.requests), slices.Clone(e.errors)
}

// chartData is what the page's charts hold, as the browser reads them.
type chartData struct {
	ID   string `json:"id"`
	Bars []struct {
		Key   string  `json:"key"`
		Value float64 `json:"value"`
		Width float64 `json:"width"` // drawn width, from the layout
	} `json:"bars"`
}

// readCharts returns every chart of the page with its bars.
const readCharts = `Array.from(document.querySelectorAll("svg")).map(function (svg) {
	return {
		id: svg.getAttribute("data-chart") || "",
		bars: Array.from(svg.querySelectorAll("rect")).map(function (r) {
			return { key: r.getAttribute("data-key") || "", value: parseFloat(r.getAttribute("data-value")), width: r.getBBox().width };
		})
	};
})`

// wantCharts is what each chart of s must show, by bar key: the
// summary's own numbers, not the page's.
func wantCharts(s *Summary) map[string]map[string]float64 {
	c := s.Counts
	want := map[string]map[string]float64{
		"status": {"ok": float64(c.OK), "qy": float64(c.QY), "zero": float64(c.Zeros()), "rejected": float64(c.Rejected)},
	}
	counts := func(id string, cs []Count) {
		if len(cs) > 0 {
			want[id] = map[string]float64{}
			for _, x := range cs {
				want[id][x.Key] = float64(x.Cases)
			}
		}
	}
	groups := func(id string, gs []Group, v func(Group) float64) {
		if len(gs) > 0 {
			want[id] = map[string]float64{}
			for _, g := range gs {
				want[id][g.Code] = v(g)
			}
		}
	}
	counts("ungrouped", s.Ungrouped)
	counts("qy", s.QY)
	counts("rejected", s.Rejected)
	groups("mdc", s.MDCs, func(g Group) float64 { return float64(g.Cases) })
	if p := s.Payment; p != nil {
		groups("levels", p.Levels, func(g Group) float64 { return g.Amount })
		groups("outliers", p.Outliers, func(g Group) float64 { return float64(g.Paid) })
		counts("unpaid", p.Unpaid)
		for _, a := range p.Adjustments {
			if a.Effect != 0 {
				if want["adjustments"] == nil {
					want["adjustments"] = map[string]float64{}
				}
				want["adjustments"][a.Source] = a.Effect
			}
		}
	}
	if d := s.DIP; d != nil {
		counts("kinds", d.Kinds)
		counts("dipreasons", d.Reasons)
		if d.Both {
			drg := float64(c.OK + c.QY)
			want["both"] = map[string]float64{"drg": drg, "dip": float64(d.Grouped), "both": drg - float64(d.DRGOnly),
				"drg_only": float64(d.DRGOnly), "dip_only": float64(d.DIPOnly)}
		}
	}
	if m := s.Migration; m != nil {
		want["same"] = map[string]float64{"same_mdc": float64(m.SameMDC), "same_adrg": float64(m.SameADRG), "same_drg": float64(m.SameDRG)}
	}
	return want
}

// newBrowser starts headless Chromium for one test. The flags keep it
// from reaching out on its own (background networking, component
// updates, sync, QUIC): the test machines have no network, and a request
// the browser makes for itself must not pass for one the page made.
func newBrowser(t *testing.T, ctx context.Context, events *browserEvents) context.Context {
	t.Helper()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium")),
		chromedp.WindowSize(1200, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(events.listen))
	t.Cleanup(cancelTab)
	return tabCtx
}

// fileURL writes page into dir and returns its file:// URL.
func fileURL(t *testing.T, dir, name string, page []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	return (&url.URL{Scheme: "file", Path: path}).String()
}

func TestBrowserReport(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	events := &browserEvents{}
	tab := newBrowser(t, ctx, events)
	dir := t.TempDir()

	s := testSummary() // FR29's name is a <script> element: it must stay text
	page := fileURL(t, dir, "report.html", render(t, s, HTMLOptions{}))
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1200, 900), chromedp.Navigate(page)); err != nil {
		t.Fatalf("open the report: %v", err)
	}
	t.Logf("Chromium up and the report loaded in %v", time.Since(start).Round(time.Millisecond))

	title, err := chromedp.Run(tab, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if title != "DRG/DIP 分组与支付报告" {
		t.Errorf("title %q, want the Chinese title", title)
	}
	h1, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	if h1 != "DRG/DIP 分组与支付报告" {
		t.Errorf("heading %q, want the Chinese title", h1)
	}
	scripts, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll("script").length`))
	if err != nil {
		t.Fatal(err)
	}
	if scripts != 1 {
		t.Errorf("%d script elements, want the page's own one", scripts)
	}

	// Every chart has bars, drawn, holding the summary's numbers.
	charts, err := chromedp.Run(tab, chromedp.Evaluate[[]chartData](readCharts))
	if err != nil {
		t.Fatalf("read the charts: %v", err)
	}
	want := wantCharts(s)
	var ids []string
	for _, ch := range charts {
		ids = append(ids, ch.ID)
		if len(ch.Bars) == 0 {
			t.Errorf("chart %q has no data element", ch.ID)
		}
		got := map[string]float64{}
		for _, b := range ch.Bars {
			got[b.Key] = b.Value
			if b.Value != 0 && b.Width <= 0 {
				t.Errorf("chart %q: bar %s = %v is not drawn (width %v)", ch.ID, b.Key, b.Value, b.Width)
			}
		}
		if w, ok := want[ch.ID]; !ok {
			t.Errorf("chart %q: the summary has no such data", ch.ID)
		} else if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("chart %q: bars %v, want the summary's %v", ch.ID, got, w)
		}
	}
	for id := range want {
		if !slices.Contains(ids, id) {
			t.Errorf("no chart %q", id)
		}
	}

	// Sorting: the top-DRG table arrives most cases first. Code sorts as
	// text; payment as a number, where text would put "900,000.00"
	// before "3,576,000.00".
	firstDRG := func() string {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector("#t-drgs tbody tr").cells[1].textContent`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	click := func(col int) {
		t.Helper()
		if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(fmt.Sprintf("#t-drgs thead th:nth-child(%d)", col)))); err != nil {
			t.Fatalf("click column %d: %v", col, err)
		}
	}
	if got := firstDRG(); got != "BR23" {
		t.Fatalf("first DRG %q before sorting, want BR23 (most cases)", got)
	}
	for _, step := range []struct {
		col  int
		want string
		why  string
	}{
		{4, "FQY", "cases: the rows arrive largest first, so the first click sorts smallest first"},
		{2, "BQY", "code A to Z"},
		{2, "GS19", "code Z to A"},
		{8, "BR23", "payment, largest first (3,576,000.00)"},
		{8, "FQY", "payment, smallest first (100,000.00)"},
		{7, "BR25", "CMI, largest first (216.4 / 177 = 1.2226)"},
		{4, "BR23", "cases again: a column sorted before is unsorted now, so largest first"},
	} {
		click(step.col)
		if got := firstDRG(); got != step.want {
			t.Errorf("after a click on column %d: first DRG %q, want %q (%s)", step.col, got, step.want, step.why)
		}
	}

	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, "report.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))

	// The listeners see what they are meant to see: a console error made
	// on purpose is caught, so an empty list below means something.
	if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`console.error("probe")`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, errs := events.snapshot()
		if slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, "probe") }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the console listener did not see console.error(\"probe\")")
		}
		time.Sleep(20 * time.Millisecond)
	}
	requests, errs := events.snapshot()
	for _, e := range errs {
		if !strings.Contains(e, "probe") {
			t.Errorf("the page logged an error: %s", e)
		}
	}
	if !slices.Contains(requests, page) {
		t.Errorf("requests %q: the report itself was not seen, so the network listener saw nothing", requests)
	}
	for _, r := range requests {
		if r != page && !strings.HasPrefix(r, "data:") {
			t.Errorf("the page made a request: %s", r)
		}
	}

	if out := os.Getenv("DRG_SCREENSHOT"); out != "" {
		writeReadmeScreenshot(t, tab, dir, out)
	}
	t.Logf("browser test took %v", time.Since(start).Round(time.Millisecond))
}

// readmeShotHeight is the height of the README's picture: the top of the
// page (title, overview, 0000 reasons, the start of the case mix). The
// whole page of a priced run is some 6,000 pixels and 800 KB of PNG; the
// README keeps under 300 KB.
const readmeShotHeight = 2200

// writeReadmeScreenshot renders readmeSummary, opens it and writes the
// top of it, 1200 pixels wide, to out.
func writeReadmeScreenshot(t *testing.T, tab context.Context, dir, out string) {
	t.Helper()
	page := fileURL(t, dir, "readme.html", render(t, readmeSummary(), HTMLOptions{}))
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1200, readmeShotHeight), chromedp.Navigate(page)); err != nil {
		t.Fatalf("open the README report: %v", err)
	}
	shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("README screenshot: %s (%d bytes)", out, len(shot))
}

// readmeSummary is a plausible month of a city's DRG run, for the README's
// picture: 412,508 records from 38 hospitals under CHS-DRG 2.0 with the
// city's prices, DIP beside it.
func readmeSummary() *Summary {
	unknown := int64(1_093)
	s := &Summary{
		RuleSet: "chs-drg-2.0@2025-01-01",
		Prices:  "city-2025（基准费率 11,500 元）",
		Inputs:  []string{"settlement-2025-03.csv.zst"},
		Counts: Counts{Records: 412_508, Grouped: 410_877, OK: 401_215, QY: 2_317, Ungroupable: 6_402, CheckFailed: 943,
			Rejected: 1_631, UnknownCodes: &unknown},
		Ungrouped: []Count{{"NO_MDC_ADRG_MATCH", 3_870}, {"UNKNOWN_PRINCIPAL_DX", 1_544}, {"NO_DRG_SPLIT", 988}, {"SEX_MISSING", 612}, {"NEWBORN_WEIGHT_MISSING", 331}},
		QY:        []Count{{"GQY", 702}, {"IQY", 611}, {"FQY", 534}, {"BQY", 470}},
		Rejected:  []Count{{"invalid_code", 1_017}, {"date_order", 388}, {"duplicate_id", 226}},
	}
	mdcs := []struct {
		code          string
		cases         int64
		cmi, perPoint float64
	}{
		{"E", 62_310, 0.92, 11_500}, {"F", 58_044, 1.18, 11_500}, {"G", 51_907, 0.97, 11_500}, {"I", 40_216, 1.46, 11_500},
		{"B", 37_985, 1.21, 11_500}, {"O", 30_114, 0.71, 11_500}, {"H", 26_530, 1.09, 11_500}, {"L", 22_871, 0.88, 11_500},
		{"N", 19_742, 0.84, 11_500}, {"K", 15_309, 0.79, 11_500}, {"D", 14_266, 0.68, 11_500}, {"R", 9_838, 1.62, 11_500},
		{"P", 6_499, 0.95, 11_500}, {"C", 5_412, 0.61, 11_500}, {"A", 2_318, 5.87, 11_500},
	}
	var paid, weight, amount float64
	for _, m := range mdcs {
		p := float64(m.cases) * 0.985
		g := Group{Code: m.code, Cases: m.cases, Paid: int64(p), Weight: p * m.cmi, Amount: p * m.cmi * m.perPoint}
		s.MDCs = append(s.MDCs, g)
		paid, weight, amount = paid+float64(g.Paid), weight+g.Weight, amount+g.Amount
	}
	for _, d := range []struct {
		code, name string
		cases      int64
		rw         float64
	}{
		{"ES31", "呼吸系统感染/炎症，伴一般并发症或合并症", 14_802, 0.87},
		{"FR29", "心力衰竭、休克，不伴并发症或合并症", 9_715, 0.94},
		{"GZ15", "消化系统其他疾病，不伴并发症或合并症", 8_861, 0.62},
		{"OD15", "剖宫产术，不伴并发症或合并症", 8_433, 0.93},
		{"BR25", "脑缺血性疾病，不伴并发症或合并症", 7_954, 0.98},
		{"IC29", "髋、肩、膝、肘和踝关节置换术", 6_120, 3.12},
		{"FM19", "经皮冠状动脉支架植入", 5_288, 2.71},
		{"HC39", "胆囊切除术，不伴并发症或合并症", 4_976, 1.34},
		{"LR11", "肾功能衰竭，伴严重并发症或合并症", 3_904, 1.77},
		{"RE15", "恶性增生性疾患的化学治疗，不伴并发症或合并症", 3_752, 0.83},
	} {
		p := float64(d.cases) * 0.985
		s.DRGs = append(s.DRGs, Group{Code: d.code, Name: d.name, Cases: d.cases, Paid: int64(p), Weight: p * d.rw, Amount: p * d.rw * 11_500})
	}
	pay := &Payment{Total: Group{Code: "total", Cases: 410_877, Paid: int64(paid), Weight: weight, Amount: amount}, HospitalLevels: map[string]string{}}
	for i, share := range []float64{0.19, 0.15, 0.12, 0.09, 0.08, 0.07, 0.06, 0.05, 0.05, 0.04, 0.04, 0.03, 0.03} {
		code := fmt.Sprintf("H%04d", 1101+i*7)
		level := "3"
		cmi := 1.22 - float64(i)*0.05
		if i >= 6 {
			level = "2"
		}
		g := Group{Code: code, Cases: int64(share * 410_877), Paid: int64(share * paid), Weight: share * paid * cmi}
		g.Amount = g.Weight * 11_500
		pay.Hospitals = append(pay.Hospitals, g)
		pay.HospitalLevels[code] = level
	}
	pay.Levels = []Group{
		{Code: "2", Cases: 118_000, Paid: 115_600, Weight: 103_000, Amount: 103_000 * 11_500 * 0.92},
		{Code: "3", Cases: 292_877, Paid: int64(paid) - 115_600, Weight: weight - 103_000, Amount: amount - 103_000*11_500*0.92},
	}
	pay.Outliers = []Group{
		{Code: "none", Cases: int64(paid) - 9_870, Paid: int64(paid) - 9_870, Weight: weight * 0.93, Amount: amount * 0.9},
		{Code: "high", Cases: 5_210, Paid: 5_210, Weight: weight * 0.05, Amount: amount * 0.085},
		{Code: "low", Cases: 4_660, Paid: 4_660, Weight: weight * 0.02, Amount: amount * 0.015},
	}
	pay.Unpaid = []Count{{"no_group", 7_345}, {"no_weight", 214}}
	pay.Adjustments = []Adjustment{
		{Name: "tcm_advantaged", Source: "tcm_advantaged[2]", Cases: 3_412, Effect: 2_874_315.20},
		{Name: "day_ward", Source: "tcm_day_ward[0]", Cases: 1_208, Effect: 402_118.75},
		{Name: "same_level", Source: "drg.same_level_groups", Cases: 6_930, Effect: -1_275_440.10},
		{Name: "high_outlier", Source: "drg.outliers.high.bands[1]", Cases: 5_210, Effect: 19_306_552.00},
		{Name: "low_outlier", Source: "drg.outliers.low", Cases: 4_660, Effect: -6_118_020.35},
		{Name: "same_efficacy", Source: "drg.same_efficacy[4]", Cases: 517, Effect: 611_027.00},
	}
	s.Payment = pay
	s.DIP = &DIP{Grouped: 398_420, Kinds: []Count{{"core", 341_906}, {"comprehensive", 56_514}}, Reasons: []Count{{"NO_DIP_GROUP", 12_457}},
		Groups: []Group{
			{Code: "J18.9:00.0000", Name: "肺炎（保守治疗）", Cases: 11_204, Weight: 11_204 * 612.5},
			{Code: "I50.9:00.0000", Name: "心力衰竭（保守治疗）", Cases: 7_630, Weight: 7_630 * 845.3},
			{Code: "O82.0:74.1x00", Name: "剖宫产（子宫下段剖宫产术）", Cases: 6_978, Weight: 6_978 * 1_021.7},
		},
		Both: true, DRGOnly: 9_904, DIPOnly: 4_792}
	s.Warnings = Check(s, DefaultThresholds)
	return s
}
