package citylist

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

// ErrLayout reports a file whose header is none of the known layouts.
var ErrLayout = errors.New("citylist: not a known price-list layout")

// ErrOptions reports options a layout needs and did not get.
var ErrOptions = errors.New("citylist: options")

// Insured classes, for layouts that publish one standard per class.
const (
	Employee = "employee" // 职工 (城镇职工基本医疗保险)
	Resident = "resident" // 居民 (城乡居民基本医疗保险)
)

// Options say what a published table leaves out: what the price list is
// called, the rule set and period it prices, the insurance fund it is for,
// and the policy numbers the table does not publish.
type Options struct {
	Region  string        // required: whose price list, e.g. "吉林市 2022"
	RuleSet string        // required: the rule set whose groups it prices, e.g. chs-drg-1.1
	Valid   record.Period // required From: the period in force, by discharge date
	// Insured picks the fund (Employee or Resident) of a layout that
	// publishes both (Tongchuan); the other layouts ignore it.
	Insured string
	// TCMFactor is the uplift of Suzhou's 中医优势病组 (the table flags the
	// groups, not the factor); 0 means 1, a list with no uplift.
	TCMFactor float64
	// HighRatio is the share of the cost above Jilin's high threshold that
	// is paid on top of the standard (the table publishes the thresholds,
	// not the share); 0 pays the standard alone.
	HighRatio float64
}

// Problem is a row that is not priced, or a note on the conversion.
type Problem struct {
	Line   int    // 1-based line in the file; 0 for the whole file
	Group  string // the row's group code
	Reason string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Reason
	}
	return fmt.Sprintf("line %d: %s: %s", p.Line, p.Group, p.Reason)
}

// Standard is one published payment standard (and, for Jilin, outlier
// thresholds) that the converted price list must reproduce: the payment of
// a normal-cost case of Group at Level, in yuan, as published.
type Standard struct {
	Line      int
	Group     string
	Level     int     // hospital level 1-3
	Amount    float64 // the published payment standard
	Low, High float64 // published low and high outlier thresholds; 0 when not published
}

// Converted is a published table as a price list: its weight table (as
// weights.tsv text) and policy, the rows it could not price, and the
// published standards to check it against.
type Converted struct {
	Layout    string // tongchuan, jilin, lanzhou or suzhou
	Table     []byte // weights.tsv
	Policy    *weights.Policy
	Problems  []Problem
	Standards []Standard
	// SourceLines[i] is the line of the file that row i of Table (line
	// i+2, after the header) comes from.
	SourceLines []int
}

// layout is one published column layout: its header and its converter.
type layout struct {
	name    string
	header  []string
	convert func(c *converter) error
}

var layouts = []layout{
	{"tongchuan", []string{"DRG编码", "DRG名称", "RW", "支付标准（职工）", "支付标准（居民）"}, (*converter).tongchuan},
	{"jilin", []string{"DRG编码", "DRG名称", "权重", "费率（三级）", "支付标准（三级）", "低倍临界值（三级）", "高倍临界值（三级）"}, (*converter).jilin},
	{"lanzhou", lanzhouHeader, (*converter).lanzhou},
	{"suzhou", suzhouHeader, (*converter).suzhou},
}

var (
	lanzhouHeader = []string{"DRG编码", "DRG名称", "RW", "病组类型", "基础费率（职工）", "等级系数（省三甲）", "等级系数（三甲）", "等级系数（三级）", "等级系数（二级）"}
	suzhouHeader  = []string{"DRG编码", "DRG名称", "RW", "基础病组", "中医优势病组", "一级医院系数", "二级医院系数", "三级医院系数", "一级医院支付标准", "二级医院支付标准", "三级医院支付标准"}
)

// Layouts returns the names of the layouts Convert reads.
func Layouts() []string {
	out := make([]string, len(layouts))
	for i, l := range layouts {
		out[i] = l.name
	}
	return out
}

// converter holds one conversion's state.
type converter struct {
	opts  Options
	rows  [][]string // data rows
	lines []int      // their 1-based lines
	out   *Converted
	table bytes.Buffer
	pol   *weights.Policy
	seen  map[string]int // group -> line
}

// Convert reads a published city DRG price list (CSV, UTF-8, with the
// city's Chinese header) and converts it under opts. The layout is
// recognised by its header. A row that cannot be priced (a blank RW, a
// value that is not a number) is listed in Problems with its line and
// left out of the table, never priced as 0.
func Convert(r io.Reader, opts Options) (*Converted, error) {
	if opts.Region == "" || opts.RuleSet == "" || opts.Valid.From == 0 {
		return nil, fmt.Errorf("%w: a price list needs a region, the rule set it prices and the first day it is in force", ErrOptions)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	all, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("citylist: %w", err)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: empty file", ErrLayout)
	}
	header := all[0]
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	i := slices.IndexFunc(layouts, func(l layout) bool { return slices.Equal(l.header, header) })
	if i < 0 {
		return nil, fmt.Errorf("%w: header %q; known layouts: %s", ErrLayout, header, strings.Join(Layouts(), ", "))
	}
	l := layouts[i]
	c := &converter{opts: opts, out: &Converted{Layout: l.name}}
	c.seen = map[string]int{}
	for k, row := range all[1:] {
		line := k + 2
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		if len(row) != len(header) {
			c.problem(line, "", fmt.Sprintf("%d columns, the header has %d", len(row), len(header)))
			continue
		}
		code := strings.TrimSpace(row[0])
		switch first, dup := c.seen[code]; {
		case code == "" || strings.ContainsFunc(code, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\uFFFD' }):
			c.problem(line, code, "not a group code")
			continue
		case dup:
			c.problem(line, code, fmt.Sprintf("listed twice (first on line %d)", first))
			continue
		}
		c.seen[code] = line
		row[0] = code
		c.rows = append(c.rows, row)
		c.lines = append(c.lines, line)
	}
	c.pol = &weights.Policy{PolicyVersion: weights.PolicyVersion, Region: opts.Region, ValidFrom: opts.Valid.From.String(), ValidTo: opts.Valid.To.String(), RuleSet: opts.RuleSet,
		Note: fmt.Sprintf("converted from a published %s-layout DRG price list, for rule set %s", l.name, opts.RuleSet)}
	c.table.WriteString("scheme\tgroup\tweight\tstandard_cost\tname\n")
	if err := l.convert(c); err != nil {
		return nil, err
	}
	c.out.Table, c.out.Policy = c.table.Bytes(), c.pol
	if err := c.pol.Validate(); err != nil {
		return nil, fmt.Errorf("citylist: the converted policy: %w", err)
	}
	return c.out, nil
}

func (c *converter) problem(line int, group, reason string) {
	c.out.Problems = append(c.out.Problems, Problem{Line: line, Group: group, Reason: reason})
}

// number reads a published number, "" when blank (ok false, no problem).
func (c *converter) number(line int, group, column, s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		c.problem(line, group, fmt.Sprintf("%s %q is not a number", column, s))
		return 0, false
	}
	return v, true
}

// weight reads a row's weight from column: blank, 0 or not a number, the
// row is listed as not priced (note adds to the reason) and ok is false.
func (c *converter) weight(line int, group, column, s, note string) (float64, bool) {
	w, ok := c.number(line, group, column, s)
	switch {
	case !ok && strings.TrimSpace(s) == "":
		c.problem(line, group, "no "+column+note+": the group is not paid by weight")
	case ok && w == 0:
		c.problem(line, group, column+" 0"+note+": the group is not paid by weight")
	}
	return w, ok && w > 0
}

// weightRow adds the group of the row at line with weight w to the table.
func (c *converter) weightRow(line int, group, name string, w float64) {
	c.out.SourceLines = append(c.out.SourceLines, line)
	fmt.Fprintf(&c.table, "drg\t%s\t%s\t\t%s\n", group, strconv.FormatFloat(w, 'f', -1, 64), strings.NewReplacer("\t", " ", "\r", " ", "\n", " ").Replace(name))
}

// constant returns the one value every non-zero ratio of the rows gives,
// rounded to places decimals, or an error naming the first row that
// disagrees: a rate the table publishes only through its standards.
func constant(what string, vals []float64, lines []int, places int) (float64, error) {
	var v float64
	pow := math.Pow10(places)
	for i, x := range vals {
		x = math.Round(x*pow) / pow
		if v == 0 {
			v = x
			continue
		}
		if x != v {
			return 0, fmt.Errorf("citylist: line %d: %s %v, earlier rows %v: the table has no single %s", lines[i], what, x, v, what)
		}
	}
	if v == 0 {
		return 0, fmt.Errorf("citylist: no row gives the %s", what)
	}
	return v, nil
}
