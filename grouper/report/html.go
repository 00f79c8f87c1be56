package report

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"
	"unicode"
)

// ErrHTMLOptions is wrapped by WriteHTML's error for options it cannot
// render with: an unknown language or a negative row limit.
var ErrHTMLOptions = errors.New("report: bad HTML options")

// The table limits WriteHTML uses when HTMLOptions leaves them 0.
const (
	// DefaultTopGroups is how many DRGs and DIP groups the case-mix tables
	// list: the groups beyond the first thirty hold a few percent of the
	// cases and would only bury the ones that matter.
	DefaultTopGroups = 30
	// DefaultMaxRows caps every other long table (hospitals, reasons,
	// movers, calibration groups): a province's run has a few thousand
	// hospitals, and a page listing them all would be megabytes that no
	// analyst scrolls through. The page says how many rows it left out.
	DefaultMaxRows = 200
)

// HTMLOptions configure WriteHTML. The zero value renders a Chinese page
// with the default title and table limits.
type HTMLOptions struct {
	// Lang is the page's language, Chinese when empty: the report is read
	// at the bureau, in Chinese; English is for the engineers.
	Lang Lang
	// Title heads the page and names the browser tab; "" gives the
	// language's default ("DRG/DIP 分组与支付报告").
	Title string
	// TopGroups is how many DRGs and DIP groups are listed (0:
	// DefaultTopGroups).
	TopGroups int
	// MaxRows caps the other long tables (0: DefaultMaxRows).
	MaxRows int
}

// withDefaults returns o with its zero fields set, or an error wrapping
// ErrHTMLOptions.
func (o HTMLOptions) withDefaults() (HTMLOptions, error) {
	switch o.Lang {
	case "":
		o.Lang = Chinese
	case Chinese, English:
	default:
		return o, fmt.Errorf("%w: language %q: use %q or %q", ErrHTMLOptions, o.Lang, Chinese, English)
	}
	if o.TopGroups < 0 || o.MaxRows < 0 {
		return o, fmt.Errorf("%w: TopGroups %d, MaxRows %d: a limit is 0 (the default) or more", ErrHTMLOptions, o.TopGroups, o.MaxRows)
	}
	if o.TopGroups == 0 {
		o.TopGroups = DefaultTopGroups
	}
	if o.MaxRows == 0 {
		o.MaxRows = DefaultMaxRows
	}
	return o, nil
}

//go:embed html.tmpl
var htmlTemplate string

// pageTemplate is parsed once; a template that does not parse is a bug
// of this package, which the tests catch, so Must is right here.
var pageTemplate = template.Must(template.New("report").Parse(htmlTemplate))

// WriteHTML renders s as one self-contained HTML page: inline CSS, inline
// SVG charts and a small inline script that sorts the tables, no font, no
// script and no image fetched from anywhere, so that it opens offline and
// can be mailed as one file. Each section is present only when s has its
// data. Every text from s is escaped (html/template). The page is rendered
// in memory and written at once: on an error nothing is written. Its size
// is bounded by the table limits, not by the run: a few hundred kilobytes
// for a province.
func WriteHTML(w io.Writer, s *Summary, opts HTMLOptions) error {
	if s == nil {
		return errors.New("report: write html: no summary")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return err // says "report: bad HTML options" and which
	}
	b := &builder{s: s, opts: opts}
	p := b.page()
	if len(b.missing) > 0 {
		// A label key the table lacks is this package's bug; an error
		// rather than a half-translated page.
		return fmt.Errorf("report: write html: no label for %q", b.missing)
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return fmt.Errorf("report: write html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: write html: %w", err)
	}
	return nil
}

// The page model: what the template lays out. All text is plain strings,
// which the template escapes; numbers arrive formatted, with their raw
// value beside them for sorting and for the charts' data attributes.

type page struct {
	Lang     string // the html element's lang
	Title    string
	Meta     []metaItem
	Warnings []string
	WarnHead string
	Contents string
	Nav      []navItem
	Sections []section
	Footer   string
}

type metaItem struct{ Label, Value string }

type navItem struct{ ID, Title string }

type section struct {
	ID, Title string
	Notes     []string
	Stats     []stat
	Blocks    []block
}

// stat is one figure in a section's row of cards. Key names it for tests
// and scripts (data-stat).
type stat struct{ Key, Label, Value, Sub string }

// block is a sub-heading with a note, a chart and a table, any of them
// optional.
type block struct {
	Heading string
	Notes   []string
	Chart   *chart
	Table   *table
}

type table struct {
	ID   string
	Cols []column
	Rows []row
	More string // rows left out
}

// column is a header cell. Num columns sort on their cells' raw values;
// Sorted is the aria-sort the rows arrive in ("descending" on the column
// the builder sorted by), so that the first click reverses it.
type column struct {
	Label  string
	Num    bool
	Sorted string
}

type row struct {
	Class string
	Cells []cell
}

// cell is a table cell: Text shown, Sort the raw number (numeric columns
// only), Sub a smaller second line (a code under its description).
type cell struct {
	Text, Sort, Sub string
	Num             bool
}

// chart is a horizontal bar chart as inline SVG. Every bar carries its raw
// value (data-value) and key (data-key), and a tooltip (title), so that
// the chart can be checked against the summary and read without a mouse.
type chart struct {
	ID, Title      string
	Width, Height  int
	LabelX, BarX   int
	Bars           []bar
	ZeroX          float64 // the axis: BarX, or further right when some values are negative
	HasNeg, HasPos bool
}

type bar struct {
	Key, Label, Value, Shown, Tip string
	Neg                           bool
	X, Y, W                       float64
	TextY, ValueX                 float64
}

// builder turns a Summary into a page in one language.
type builder struct {
	s       *Summary
	opts    HTMLOptions
	missing []string
}

// t returns the page label key in the page's language, noting a key the
// table lacks.
func (b *builder) t(key string) string {
	l, ok := labels[key]
	if !ok || l.zh == "" || l.en == "" {
		if !slices.Contains(b.missing, key) {
			b.missing = append(b.missing, key)
		}
		return key
	}
	return l.in(b.opts.Lang)
}

// tf formats the label key with args (already formatted strings).
func (b *builder) tf(key string, args ...any) string { return fmt.Sprintf(b.t(key), args...) }

// known returns the description of a code of kind ("ungrouped", "level",
// ...), "" when the report does not know it.
func (b *builder) known(kind, key string) string {
	if l, ok := knownLabels[kind][key]; ok {
		return l.in(b.opts.Lang)
	}
	return ""
}

// knownOr returns the description of key, or key itself.
func (b *builder) knownOr(kind, key string) string {
	if d := b.known(kind, key); d != "" {
		return d
	}
	return key
}

func (b *builder) page() *page {
	s := b.s
	p := &page{Lang: "zh-CN", Title: b.opts.Title}
	if b.opts.Lang == English {
		p.Lang = "en"
	}
	if p.Title == "" {
		p.Title = b.t("title")
	}
	if s.RuleSet != "" {
		p.Meta = append(p.Meta, metaItem{b.t("ruleset"), s.RuleSet})
	}
	if s.Prices != "" {
		p.Meta = append(p.Meta, metaItem{b.t("prices"), s.Prices})
	}
	if len(s.Inputs) > 0 {
		// A run over a directory of daily files would otherwise list
		// hundreds of names at the top of the page.
		const maxInputs = 10
		in := strings.Join(s.Inputs[:min(len(s.Inputs), maxInputs)], ", ")
		if n := len(s.Inputs) - maxInputs; n > 0 {
			in += " " + b.tf("inputs.more", fmtInt(int64(n)))
		}
		p.Meta = append(p.Meta, metaItem{b.t("inputs"), in})
	}
	for _, w := range s.Warnings {
		p.Warnings = append(p.Warnings, w.Message(b.opts.Lang))
	}
	p.WarnHead = b.t("warnings")
	p.Contents = b.t("contents")
	p.Footer = b.t("footer")
	for _, sec := range []*section{b.overview(), b.ungrouped(), b.qy(), b.rejected(), b.caseMix(), b.payment(), b.dip(), b.migration(), b.calibration()} {
		if sec != nil {
			p.Sections = append(p.Sections, *sec)
			p.Nav = append(p.Nav, navItem{sec.ID, sec.Title})
		}
	}
	return p
}

// drgRan reports whether the DRG scheme ran: a DIP-only run has no OK,
// QY or 0000 counts, and its page should not show them as zeros.
func (b *builder) drgRan() bool {
	c := b.s.Counts
	return b.s.DIP == nil || b.s.DIP.Both || c.OK+c.QY+c.Zeros() > 0 || len(b.s.MDCs) > 0
}

func (b *builder) overview() *section {
	c := b.s.Counts
	if c.Records == 0 && (b.s.Calibration != nil || b.s.Migration != nil) {
		return nil // a calibration's or a comparison's page alone: no run to count, not a run of zero records
	}
	sec := &section{ID: "overview", Title: b.t("sec.overview")}
	sec.Stats = append(sec.Stats,
		stat{"records", b.t("st.records"), fmtInt(c.Records), ""},
		stat{"grouped", b.t("st.grouped"), fmtInt(c.Grouped), b.tf("share.records", fmtPct(c.Grouped, c.Records))})
	if b.drgRan() {
		sec.Stats = append(sec.Stats,
			stat{"ok", b.t("st.ok"), fmtInt(c.OK), b.tf("share.grouped", fmtPct(c.OK, c.Grouped))},
			stat{"qy", b.t("st.qy"), fmtInt(c.QY), b.tf("share.grouped", fmtPct(c.QY, c.Grouped))},
			stat{"zero", b.t("st.zero"), fmtInt(c.Zeros()), b.tf("share.grouped", fmtPct(c.Zeros(), c.Grouped))})
	}
	sec.Stats = append(sec.Stats, stat{"rejected", b.t("st.rejected"), fmtInt(c.Rejected), b.tf("share.records", fmtPct(c.Rejected, c.Records))})
	if c.UnknownCodes != nil {
		sec.Stats = append(sec.Stats, stat{"unknown", b.t("st.unknown"), fmtInt(*c.UnknownCodes), b.tf("share.grouped", fmtPct(*c.UnknownCodes, c.Grouped))})
	}
	sec.Notes = []string{b.t("overview.note")}
	if c.Records > 0 {
		var items []chartItem
		if b.drgRan() {
			items = append(items,
				chartItem{"ok", b.t("status.ok"), float64(c.OK), fmtInt(c.OK)},
				chartItem{"qy", b.t("status.qy"), float64(c.QY), fmtInt(c.QY)},
				chartItem{"zero", b.t("status.zero"), float64(c.Zeros()), fmtInt(c.Zeros())})
		} else {
			items = append(items, chartItem{"grouped", b.t("st.grouped"), float64(c.Grouped), fmtInt(c.Grouped)})
		}
		items = append(items, chartItem{"rejected", b.t("status.rej"), float64(c.Rejected), fmtInt(c.Rejected)})
		sec.Blocks = append(sec.Blocks, block{Chart: b.chart("status", b.t("chart.status"), items)})
	}
	return sec
}

// countsBlock is the table and chart of records counted by a key (a
// reason, a group), with the key's description when the report knows it
// (kind: the knownLabels section; "" for none).
func (b *builder) countsBlock(id, title, keyCol, kind string, cs []Count, total int64) block {
	shown, more := b.capRows(len(cs), b.opts.MaxRows, "order.cases")
	cols := []column{{Label: b.t(keyCol)}}
	if kind != "" {
		cols = append(cols, column{Label: b.t("col.desc")})
	}
	cols = append(cols, column{Label: b.t("col.cases"), Num: true, Sorted: "descending"}, column{Label: b.t("col.share"), Num: true})
	tb := &table{ID: id, Cols: cols, More: more}
	var items []chartItem
	for i, c := range cs[:shown] {
		r := row{Cells: []cell{txt(c.Key)}}
		desc := ""
		if kind != "" {
			desc = b.known(kind, c.Key)
			r.Cells = append(r.Cells, txt(orDash(desc)))
		}
		r.Cells = append(r.Cells, intCell(c.Cases), pctCell(c.Cases, total))
		tb.Rows = append(tb.Rows, r)
		if i < maxBars {
			lbl := c.Key
			if desc != "" {
				lbl = desc
			}
			items = append(items, chartItem{c.Key, lbl, float64(c.Cases), fmtInt(c.Cases)})
		}
	}
	return block{Chart: b.chart(id, title, items), Table: tb}
}

func (b *builder) ungrouped() *section {
	s := b.s
	if len(s.Ungrouped) == 0 {
		return nil
	}
	c := s.Counts
	sec := &section{ID: "ungrouped", Title: b.t("sec.ungrouped"),
		Notes: []string{b.tf("ungrouped.note", fmtInt(c.Ungroupable), fmtInt(c.CheckFailed))}}
	sec.Blocks = []block{b.countsBlock("ungrouped", b.t("chart.reasons"), "col.reason", "ungrouped", s.Ungrouped, sumCounts(s.Ungrouped))}
	return sec
}

func (b *builder) qy() *section {
	if len(b.s.QY) == 0 {
		return nil
	}
	sec := &section{ID: "qy", Title: b.t("sec.qy")}
	sec.Blocks = []block{b.countsBlock("qy", b.t("chart.qy"), "col.qygroup", "", b.s.QY, sumCounts(b.s.QY))}
	return sec
}

func (b *builder) rejected() *section {
	if len(b.s.Rejected) == 0 {
		return nil
	}
	sec := &section{ID: "rejected", Title: b.t("sec.rejected")}
	sec.Blocks = []block{b.countsBlock("rejected", b.t("chart.reasons"), "col.reason", "rejected", b.s.Rejected, sumCounts(b.s.Rejected))}
	return sec
}

// hasNames reports whether any group carries a name, so that a run
// without names gets no empty name column.
func hasNames(gs []Group) bool {
	return slices.ContainsFunc(gs, func(g Group) bool { return g.Name != "" })
}

func (b *builder) caseMix() *section {
	s := b.s
	if len(s.MDCs) == 0 && len(s.DRGs) == 0 {
		return nil
	}
	priced := s.Payment != nil
	// The share of the DRG-grouped records (OK and QY): 0000 records have
	// no MDC or DRG to be a share of.
	total := s.Counts.OK + s.Counts.QY
	if total == 0 {
		total = sumGroups(s.DRGs)
	}
	sec := &section{ID: "casemix", Title: b.t("sec.casemix"), Notes: []string{b.t("casemix.note")}}
	groupTable := func(id string, gs []Group, rank bool) *table {
		named := hasNames(gs)
		var cols []column
		if rank {
			cols = append(cols, column{Label: b.t("col.rank"), Num: true})
		}
		cols = append(cols, column{Label: b.t("col.code")})
		if named {
			cols = append(cols, column{Label: b.t("col.name")})
		}
		cols = append(cols, column{Label: b.t("col.cases"), Num: true, Sorted: "descending"}, column{Label: b.t("col.share"), Num: true})
		if priced {
			cols = append(cols, column{Label: b.t("col.paid"), Num: true}, column{Label: b.t("col.cmi"), Num: true}, column{Label: b.t("col.payment"), Num: true})
		}
		tb := &table{ID: id, Cols: cols}
		for i, g := range gs {
			r := row{}
			if rank {
				r.Cells = append(r.Cells, intCell(int64(i+1)))
			}
			r.Cells = append(r.Cells, txt(g.Code))
			if named {
				r.Cells = append(r.Cells, txt(orDash(g.Name)))
			}
			r.Cells = append(r.Cells, intCell(g.Cases), pctCell(g.Cases, total))
			if priced {
				r.Cells = append(r.Cells, intCell(g.Paid), weightCell(g.CMI()), yuanCell(g.Amount))
			}
			tb.Rows = append(tb.Rows, r)
		}
		return tb
	}
	if len(s.MDCs) > 0 {
		var items []chartItem
		for _, m := range s.MDCs {
			lbl := "MDC " + m.Code
			if m.Name != "" {
				lbl = m.Code + " " + m.Name
			}
			items = append(items, chartItem{m.Code, lbl, float64(m.Cases), fmtInt(m.Cases)})
		}
		sec.Blocks = append(sec.Blocks, block{Heading: b.t("h.mdc"), Chart: b.chart("mdc", b.t("chart.mdc"), items), Table: groupTable("mdc", s.MDCs, false)})
	}
	if len(s.DRGs) > 0 {
		n := min(len(s.DRGs), b.opts.TopGroups)
		blk := block{Heading: b.t("h.drgs"), Table: groupTable("drgs", s.DRGs[:n], true)}
		if n < len(s.DRGs) {
			blk.Notes = []string{b.tf("drgs.note", fmtInt(int64(len(s.DRGs))), fmtInt(int64(n)))}
		}
		sec.Blocks = append(sec.Blocks, blk)
	}
	return sec
}

func (b *builder) payment() *section {
	p := b.s.Payment
	if p == nil {
		return nil
	}
	t := p.Total
	sec := &section{ID: "payment", Title: b.t("sec.payment")}
	sec.Stats = []stat{
		{"total", b.t("st.total"), fmtYuan(t.Amount), ""},
		{"paid", b.t("st.paid"), fmtInt(t.Paid), b.tf("share.priced", fmtPct(t.Paid, t.Cases))},
		{"cmi", b.t("st.cmi"), fmtWeight(t.CMI()), ""},
		{"mean", b.t("st.mean"), fmtYuan(ratio(t.Amount, t.Paid)), ""},
		{"unpaid", b.t("st.unpaid"), fmtInt(t.Cases - t.Paid), b.tf("share.priced", fmtPct(t.Cases-t.Paid, t.Cases))},
	}
	// moneyCols are the columns of a group of paid cases.
	moneyCols := []column{{Label: b.t("col.cases"), Num: true, Sorted: "descending"}, {Label: b.t("col.paid"), Num: true},
		{Label: b.t("col.cmi"), Num: true}, {Label: b.t("col.payment"), Num: true}, {Label: b.t("col.payshare"), Num: true}}
	moneyCells := func(g Group) []cell {
		return []cell{intCell(g.Cases), intCell(g.Paid), weightCell(g.CMI()), yuanCell(g.Amount), pctFloatCell(g.Amount, t.Amount)}
	}
	if len(p.Hospitals) > 0 {
		shown, more := b.capRows(len(p.Hospitals), b.opts.MaxRows, "order.cases")
		tb := &table{ID: "hospitals", Cols: append([]column{{Label: b.t("col.hospital")}, {Label: b.t("col.level")}}, moneyCols...), More: more}
		for _, h := range p.Hospitals[:shown] {
			tb.Rows = append(tb.Rows, row{Cells: append([]cell{txt(h.Code), txt(b.knownOr("level", p.HospitalLevels[h.Code]))}, moneyCells(h)...)})
		}
		sec.Blocks = append(sec.Blocks, block{Heading: b.t("h.hospitals"), Notes: []string{b.t("hospitals.level")}, Table: tb})
	}
	if len(p.Levels) > 0 {
		tb := &table{ID: "levels", Cols: append([]column{{Label: b.t("col.level")}}, moneyCols...)}
		var items []chartItem
		for _, l := range p.Levels {
			name := b.knownOr("level", l.Code)
			tb.Rows = append(tb.Rows, row{Cells: append([]cell{txt(name)}, moneyCells(l)...)})
			items = append(items, chartItem{l.Code, name, l.Amount, fmtYuan(l.Amount)})
		}
		sec.Blocks = append(sec.Blocks, block{Heading: b.t("h.levels"), Chart: b.chart("levels", b.t("chart.levels"), items), Table: tb})
	}
	if len(p.Outliers) > 0 {
		tb := &table{ID: "outliers", Cols: []column{{Label: b.t("col.class")}, {Label: b.t("col.cases"), Num: true}, {Label: b.t("col.share"), Num: true},
			{Label: b.t("col.cmi"), Num: true}, {Label: b.t("col.payment"), Num: true}, {Label: b.t("col.payshare"), Num: true}}}
		var items []chartItem
		for _, o := range p.Outliers {
			name := b.knownOr("outlier", o.Code)
			tb.Rows = append(tb.Rows, row{Cells: []cell{txt(name), intCell(o.Paid), pctCell(o.Paid, t.Paid), weightCell(o.CMI()), yuanCell(o.Amount), pctFloatCell(o.Amount, t.Amount)}})
			items = append(items, chartItem{o.Code, name, float64(o.Paid), fmtInt(o.Paid)})
		}
		sec.Blocks = append(sec.Blocks, block{Heading: b.t("h.outliers"), Notes: []string{b.t("outliers.note")}, Chart: b.chart("outliers", b.t("chart.outliers"), items), Table: tb})
	}
	if len(p.Unpaid) > 0 {
		blk := b.countsBlock("unpaid", b.t("chart.reasons"), "col.reason", "unpaid", p.Unpaid, t.Cases)
		blk.Heading = b.t("h.unpaid")
		sec.Blocks = append(sec.Blocks, blk)
	}
	if len(p.Adjustments) > 0 {
		shown, more := b.capRows(len(p.Adjustments), b.opts.MaxRows, "order.adj")
		tb := &table{ID: "adjustments", More: more, Cols: []column{{Label: b.t("col.adj")}, {Label: b.t("col.rule")},
			{Label: b.t("col.cases"), Num: true, Sorted: "descending"}, {Label: b.t("col.effect"), Num: true}}}
		var items []chartItem
		for _, a := range p.Adjustments[:shown] {
			name := b.known("adjustment", a.Name)
			c := txt(a.Name)
			if name != "" {
				c = cell{Text: name, Sub: a.Name}
			}
			tb.Rows = append(tb.Rows, row{Cells: []cell{c, txt(a.Source), intCell(a.Cases), signedYuanCell(a.Effect)}})
			// Only rules that moved money have a bar: a bar of zero for
			// every waived rule would crowd out the uplifts.
			if a.Effect != 0 && len(items) < maxBars {
				// The rule's own name in the language, then which of its
				// entries: "中医优势病种 [3]" for tcm_advantaged[3].
				lbl := a.Source
				if name != "" {
					switch rest, ok := strings.CutPrefix(a.Source, a.Name); {
					case ok && rest == "":
						lbl = name
					case ok:
						lbl = name + " " + rest
					default:
						lbl = name + " " + a.Source
					}
				}
				items = append(items, chartItem{a.Source, lbl, a.Effect, fmtSignedYuan(a.Effect)})
			}
		}
		sec.Blocks = append(sec.Blocks, block{Heading: b.t("h.adjustments"), Notes: []string{b.t("adjust.note")}, Chart: b.chart("adjustments", b.t("chart.adj"), items), Table: tb})
	}
	return sec
}

func (b *builder) dip() *section {
	d := b.s.DIP
	if d == nil {
		return nil
	}
	c := b.s.Counts
	none := sumCounts(d.Reasons)
	sec := &section{ID: "dip", Title: b.t("sec.dip")}
	sec.Stats = []stat{
		{"dip_grouped", b.t("st.dipgrouped"), fmtInt(d.Grouped), b.tf("share.grouped", fmtPct(d.Grouped, c.Grouped))},
		{"dip_none", b.t("st.dipnone"), fmtInt(none), b.tf("share.grouped", fmtPct(none, c.Grouped))},
	}
	if d.Both {
		drg := c.OK + c.QY
		both := drg - d.DRGOnly
		tb := &table{ID: "both", Cols: []column{{Label: b.t("col.item")}, {Label: b.t("col.records"), Num: true}, {Label: b.t("col.share"), Num: true}}}
		items := []chartItem{
			{"drg", b.t("both.drg"), float64(drg), fmtInt(drg)},
			{"dip", b.t("both.dip"), float64(d.Grouped), fmtInt(d.Grouped)},
			{"both", b.t("both.both"), float64(both), fmtInt(both)},
			{"drg_only", b.t("both.drgonly"), float64(d.DRGOnly), fmtInt(d.DRGOnly)},
			{"dip_only", b.t("both.diponly"), float64(d.DIPOnly), fmtInt(d.DIPOnly)},
		}
		for _, it := range items {
			n := int64(it.value)
			tb.Rows = append(tb.Rows, row{Cells: []cell{txt(it.label), intCell(n), pctCell(n, c.Grouped)}})
		}
		sec.Blocks = append(sec.Blocks, block{Heading: b.t("h.both"), Chart: b.chart("both", b.t("chart.both"), items), Table: tb})
	}
	if len(d.Kinds) > 0 {
		blk := b.countsBlock("kinds", b.t("chart.kinds"), "col.kind", "dipkind", d.Kinds, d.Grouped)
		blk.Heading = b.t("h.kinds")
		sec.Blocks = append(sec.Blocks, blk)
	}
	if len(d.Reasons) > 0 {
		blk := b.countsBlock("dipreasons", b.t("chart.reasons"), "col.reason", "dipreason", d.Reasons, none)
		blk.Heading = b.t("h.dipreasons")
		sec.Blocks = append(sec.Blocks, blk)
	}
	if len(d.Groups) > 0 {
		n := min(len(d.Groups), b.opts.TopGroups)
		named := hasNames(d.Groups)
		cols := []column{{Label: b.t("col.rank"), Num: true}, {Label: b.t("col.code")}}
		if named {
			cols = append(cols, column{Label: b.t("col.name")})
		}
		cols = append(cols, column{Label: b.t("col.cases"), Num: true, Sorted: "descending"}, column{Label: b.t("col.share"), Num: true},
			column{Label: b.t("col.score"), Num: true}, column{Label: b.t("col.meanscore"), Num: true})
		tb := &table{ID: "dipgroups", Cols: cols}
		for i, g := range d.Groups[:n] {
			r := row{Cells: []cell{intCell(int64(i + 1)), txt(g.Code)}}
			if named {
				r.Cells = append(r.Cells, txt(orDash(g.Name)))
			}
			// A DIP group's Weight sums the scores of all its cases (the
			// Aggregator adds every grouped case's score, paid or not), so
			// its mean score is per case, not per paid case as CMI is.
			r.Cells = append(r.Cells, intCell(g.Cases), pctCell(g.Cases, d.Grouped), numCell(g.Weight, fmtFloat(g.Weight, 2)), numCell(ratio(g.Weight, g.Cases), fmtFloat(ratio(g.Weight, g.Cases), 2)))
			tb.Rows = append(tb.Rows, r)
		}
		blk := block{Heading: b.t("h.dipgroups"), Table: tb}
		if n < len(d.Groups) {
			blk.Notes = []string{b.tf("dipgroups.note", fmtInt(int64(len(d.Groups))), fmtInt(int64(n)))}
		}
		sec.Blocks = append(sec.Blocks, blk)
	}
	return sec
}

func (b *builder) migration() *section {
	m := b.s.Migration
	if m == nil {
		return nil
	}
	sec := &section{ID: "migration", Title: b.t("sec.migration"),
		Notes: []string{b.tf("migration.from", m.From, m.To, fmtInt(m.Records))}}
	share := func(n int64) string { return b.tf("share.migrated", fmtPct(n, m.Records)) }
	sec.Stats = []stat{
		{"same_mdc", b.t("st.samemdc"), fmtPct(m.SameMDC, m.Records), b.tf("n.records", fmtInt(m.SameMDC))},
		{"same_adrg", b.t("st.sameadrg"), fmtPct(m.SameADRG, m.Records), b.tf("n.records", fmtInt(m.SameADRG))},
		{"same_drg", b.t("st.samedrg"), fmtPct(m.SameDRG, m.Records), b.tf("n.records", fmtInt(m.SameDRG))},
		{"became_qy", b.t("st.becameqy"), fmtInt(m.BecameQY), share(m.BecameQY)},
		{"left_qy", b.t("st.leftqy"), fmtInt(m.LeftQY), share(m.LeftQY)},
		{"became_0000", b.t("st.became0000"), fmtInt(m.BecameUngroupable), share(m.BecameUngroupable)},
		{"left_0000", b.t("st.left0000"), fmtInt(m.LeftUngroupable), share(m.LeftUngroupable)},
	}
	if t := m.Total; t != nil {
		sec.Stats = append(sec.Stats,
			stat{"cmi_change", b.t("st.cmichange"), b.tf("change.arrow", fmtWeight(t.FromCMI()), fmtWeight(t.ToCMI())), signed(t.ToCMI()-t.FromCMI(), fmtWeight(t.ToCMI()-t.FromCMI()))},
			stat{"pay_change", b.t("st.paychange"), b.tf("change.arrow", fmtYuan(t.FromAmount), fmtYuan(t.ToAmount)), fmtSignedYuan(t.ToAmount - t.FromAmount)})
	}
	items := []chartItem{
		{"same_mdc", b.t("st.samemdc"), float64(m.SameMDC), fmtInt(m.SameMDC)},
		{"same_adrg", b.t("st.sameadrg"), float64(m.SameADRG), fmtInt(m.SameADRG)},
		{"same_drg", b.t("st.samedrg"), float64(m.SameDRG), fmtInt(m.SameDRG)},
	}
	sec.Blocks = append(sec.Blocks, block{Chart: b.chart("same", b.t("chart.same"), items)})
	if len(m.Movers) > 0 {
		shown, more := b.capRows(len(m.Movers), b.opts.MaxRows, "order.movers")
		tb := &table{ID: "movers", More: more, Cols: []column{{Label: b.t("col.from")}, {Label: b.t("col.to")},
			{Label: b.t("col.records"), Num: true, Sorted: "descending"}, {Label: b.t("col.share"), Num: true}}}
		for _, t := range m.Movers[:shown] {
			tb.Rows = append(tb.Rows, row{Cells: []cell{txt(t.From), txt(t.To), intCell(t.Cases), pctCell(t.Cases, m.Records)}})
		}
		sec.Blocks = append(sec.Blocks, block{Heading: b.t("h.movers"), Table: tb})
	}
	changes := func(id, heading, keyCol string, cs []Change) {
		if len(cs) == 0 {
			return
		}
		shown, more := b.capRows(len(cs), b.opts.MaxRows, "order.movers")
		tb := &table{ID: id, More: more, Cols: []column{{Label: b.t(keyCol)}, {Label: b.t("col.records"), Num: true, Sorted: "descending"},
			{Label: b.t("col.fromcmi"), Num: true}, {Label: b.t("col.tocmi"), Num: true}, {Label: b.t("col.dcmi"), Num: true},
			{Label: b.t("col.frompay"), Num: true}, {Label: b.t("col.topay"), Num: true}, {Label: b.t("col.dpay"), Num: true}, {Label: b.t("col.dpaypct"), Num: true}}}
		for _, c := range cs[:shown] {
			dcmi := c.ToCMI() - c.FromCMI()
			dpay := c.ToAmount - c.FromAmount
			pct := cell{Text: noValue, Num: true}
			if c.FromAmount != 0 {
				f := dpay / c.FromAmount
				pct = cell{Text: signed(f, fmtRatio(f)), Sort: rawNum(f), Num: true}
			}
			tb.Rows = append(tb.Rows, row{Cells: []cell{txt(c.Key), intCell(c.Records), weightCell(c.FromCMI()), weightCell(c.ToCMI()),
				numCell(dcmi, signed(dcmi, fmtWeight(dcmi))), yuanCell(c.FromAmount), yuanCell(c.ToAmount), signedYuanCell(dpay), pct}})
		}
		sec.Blocks = append(sec.Blocks, block{Heading: b.t(heading), Table: tb})
	}
	changes("byhospital", "h.byhospital", "col.hospital", m.ByHospital)
	changes("bymdc", "h.bymdc", "col.code", m.ByMDC)
	return sec
}

func (b *builder) calibration() *section {
	c := b.s.Calibration
	if c == nil {
		return nil
	}
	hetero := 0
	for _, g := range c.Groups {
		if g.Heterogeneous() {
			hetero++
		}
	}
	sec := &section{ID: "calibration", Title: b.t("sec.calibration"), Notes: []string{b.t("calibration.note")}}
	sec.Stats = []stat{
		{"cal_cases", b.t("st.calcases"), fmtInt(c.Cases), ""},
		{"kept", b.t("st.kept"), fmtInt(c.Kept), b.tf("share.cases", fmtPct(c.Kept, c.Cases))},
		{"unusable", b.t("st.unusable"), fmtInt(c.Unusable), b.tf("share.cases", fmtPct(c.Unusable, c.Cases))},
		{"base", b.t("st.base"), fmtYuan(c.Base), ""},
		{"riv", b.t("st.riv"), fmtRatio(c.RIV), ""},
		{"cal_cmi", b.t("st.calcmi"), fmtWeight(c.CMI), ""},
		{"hetero", b.t("st.hetero"), fmtInt(int64(hetero)), b.tf("share.groups", fmtPct(int64(hetero), int64(len(c.Groups))))},
	}
	if len(c.Groups) == 0 {
		return sec
	}
	// The groups that fail the homogeneity test are what an analyst looks
	// for, so a capped table keeps them all before the rest.
	gs := slices.Clone(c.Groups)
	slices.SortStableFunc(gs, func(x, y CalibrationGroup) int {
		if hx, hy := x.Heterogeneous(), y.Heterogeneous(); hx != hy {
			if hx {
				return -1
			}
			return 1
		}
		return cmpDesc(x.Cases, y.Cases)
	})
	shown, more := b.capRows(len(gs), b.opts.MaxRows, "order.flagged")
	tb := &table{ID: "calgroups", More: more, Cols: []column{{Label: b.t("col.code")}, {Label: b.t("col.cases"), Num: true}, {Label: b.t("col.kept"), Num: true},
		{Label: b.t("col.mean"), Num: true}, {Label: b.t("col.cv"), Num: true}, {Label: b.t("col.weight"), Num: true}, {Label: b.t("col.fallback")}, {Label: b.t("col.flag")}}}
	for _, g := range gs[:shown] {
		r := row{Cells: []cell{txt(g.Code), intCell(g.Cases), intCell(g.Kept), yuanCell(g.Mean), numCell(g.CV, fmtFloat(g.CV, 3)), weightCell(g.Weight),
			txt(b.knownOr("fallback", g.Fallback)), txt(b.t("flag.ok"))}}
		if g.Heterogeneous() {
			r.Class = "flag"
			r.Cells[len(r.Cells)-1] = txt(b.t("flag.cv"))
		}
		tb.Rows = append(tb.Rows, r)
	}
	sec.Blocks = []block{{Heading: b.t("h.calgroups"), Table: tb}}
	return sec
}

// capRows returns how many of n rows a table shows under limit, and the
// note saying what was left out ("" when nothing was). order is the label
// of the order the rows are in, which says which rows were kept.
func (b *builder) capRows(n, limit int, order string) (int, string) {
	if n <= limit {
		return n, ""
	}
	return limit, b.tf("more.rows", fmtInt(int64(n)), fmtInt(int64(limit)), b.t(order), fmtInt(int64(n-limit)))
}

// Cells.

func txt(s string) cell { return cell{Text: s} }

func orDash(s string) string {
	if s == "" {
		return noValue
	}
	return s
}

func intCell(n int64) cell { return cell{Text: fmtInt(n), Sort: rawInt(n), Num: true} }

func numCell(v float64, shown string) cell { return cell{Text: shown, Sort: rawNum(v), Num: true} }

func yuanCell(v float64) cell { return numCell(v, fmtYuan(v)) }

func signedYuanCell(v float64) cell { return numCell(v, fmtSignedYuan(v)) }

func weightCell(v float64) cell { return numCell(v, fmtWeight(v)) }

func pctCell(n, d int64) cell {
	if d == 0 {
		return cell{Text: noValue, Num: true}
	}
	return numCell(float64(n)/float64(d), fmtPct(n, d))
}

func pctFloatCell(a, total float64) cell {
	if total == 0 {
		return cell{Text: noValue, Num: true}
	}
	return numCell(a/total, fmtRatio(a/total))
}

func sumCounts(cs []Count) int64 {
	var n int64
	for _, c := range cs {
		n += c.Cases
	}
	return n
}

func sumGroups(gs []Group) int64 {
	var n int64
	for _, g := range gs {
		n += g.Cases
	}
	return n
}

// Charts.

// maxBars caps a chart at the 26 MDCs: past that the bars are too thin to
// read, and the table beside the chart lists the rest.
const maxBars = 26

// chartItem is one bar before layout.
type chartItem struct {
	key, label string
	value      float64
	shown      string
}

// The chart geometry, in SVG user units (the SVG scales to its box).
const (
	chartWidth = 760
	labelWidth = 300
	valueWidth = 130
	rowHeight  = 24
	barHeight  = 16
	chartPad   = 6
	// labelCells is how much label fits left of the bars, in cells of
	// half a Chinese character (an ASCII character is about one): a
	// longer label is cut, the whole one staying in the tooltip.
	labelCells = 46
)

// chart lays out items as horizontal bars, the longest for the largest
// absolute value; negative values grow left of a zero axis. It returns
// nil for no items: a section without data has no chart.
func (b *builder) chart(id, title string, items []chartItem) *chart {
	if len(items) == 0 {
		return nil
	}
	ch := &chart{ID: id, Title: title, Width: chartWidth, Height: len(items)*rowHeight + 2*chartPad, LabelX: labelWidth - 8, BarX: labelWidth}
	var maxPos, maxNeg float64
	for _, it := range items {
		v := it.value
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		if v > maxPos {
			maxPos = v
		}
		if -v > maxNeg {
			maxNeg = -v
		}
	}
	span := float64(chartWidth - labelWidth - valueWidth)
	scale := 0.0
	if maxPos+maxNeg > 0 {
		scale = span / (maxPos + maxNeg)
	}
	ch.ZeroX = float64(labelWidth) + maxNeg*scale
	ch.HasNeg, ch.HasPos = maxNeg > 0, maxPos > 0
	for i, it := range items {
		v := it.value
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = 0
		}
		w := math.Abs(v) * scale
		if v != 0 && w < 1 {
			w = 1 // a non-zero value stays visible
		}
		y := float64(chartPad + i*rowHeight + (rowHeight-barHeight)/2)
		x := ch.ZeroX
		if v < 0 {
			x -= w
		}
		lbl := cutLabel(it.label, labelCells)
		// The value is written right of the bar; a negative bar's right of
		// the zero axis, where its row has nothing else.
		valueX := ch.ZeroX + 6
		if v > 0 {
			valueX += w
		}
		ch.Bars = append(ch.Bars, bar{Key: it.key, Label: lbl, Value: rawNum(it.value), Shown: it.shown, Tip: it.label + ": " + it.shown,
			Neg: v < 0, X: round1(x), Y: y, W: round1(w), TextY: y + barHeight - 3, ValueX: round1(valueX)})
	}
	return ch
}

// cutLabel cuts s to at most cells display cells, ending a cut label
// with "…".
func cutLabel(s string, cells int) string {
	total := 0
	for _, r := range s {
		total += cellWidth(r)
	}
	if total <= cells {
		return s
	}
	w := 0
	for i, r := range s {
		if w+cellWidth(r) > cells-1 { // one cell for the ellipsis
			return s[:i] + "…"
		}
		w += cellWidth(r)
	}
	return s
}

// cellWidth is how wide r is drawn: two cells for Chinese, Japanese and
// Korean characters and full-width punctuation, one for the rest.
func cellWidth(r rune) int {
	if unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana) || r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFF60 {
		return 2
	}
	return 1
}

// round1 keeps SVG coordinates to one decimal: finer is invisible and
// only makes the page larger.
func round1(v float64) float64 { return math.Round(v*10) / 10 }
