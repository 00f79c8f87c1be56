package grouper_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// dipGoldenHeader is the header of testdata/golden_dip.tsv. Each row is a
// record of the sample rule set with its DIP result worked out by hand from
// sample/dip_core.tsv, sample/dip_comprehensive.tsv, procedures.tsv (classes),
// cc.tsv, cc_exclusion.tsv and tcm_map.tsv; "why" says how.
var dipGoldenHeader = []string{"id", "principal_dx", "secondary_dx", "procedures", "tcm_principal_dx", "tcm_syndrome",
	"dip_group", "dip_kind", "dip_score", "severity", "dip_reason", "why"}

type dipGoldenCase struct {
	line     int
	rec      record.Record
	group    string
	kind     string
	score    float64
	severity string
	reason   string
	why      string
}

// dipGoldenSex gives the record a sex its principal's MDC accepts (female for
// obstetric and female genital principals, male otherwise), so that the DRG
// side of SchemeBoth groups the record normally.
func dipGoldenSex(pdx string) int8 {
	if len(pdx) < 3 {
		return 1
	}
	cat := pdx[:3]
	switch {
	case cat[0] == 'O',
		cat >= "N70" && cat <= "N98",
		cat >= "C51" && cat <= "C58",
		cat >= "D25" && cat <= "D28":
		return 2
	}
	return 1
}

func readDIPGolden(t *testing.T, path string) []dipGoldenCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if got := strings.Split(lines[0], "\t"); strings.Join(got, ",") != strings.Join(dipGoldenHeader, ",") {
		t.Fatalf("%s: header %q, want %q", path, got, dipGoldenHeader)
	}
	list := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, "|")
	}
	var out []dipGoldenCase
	seen := map[string]int{}
	for i, l := range lines[1:] {
		line := i + 2
		c := strings.Split(l, "\t")
		if len(c) != len(dipGoldenHeader) {
			t.Fatalf("%s:%d: %d columns, want %d", path, line, len(c), len(dipGoldenHeader))
		}
		if prev, dup := seen[c[0]]; dup {
			t.Fatalf("%s:%d: id %s already on line %d", path, line, c[0], prev)
		}
		seen[c[0]] = line
		g := dipGoldenCase{line: line, group: c[6], kind: c[7], severity: c[9], reason: c[10], why: c[11]}
		if c[8] != "" {
			if g.score, err = strconv.ParseFloat(c[8], 64); err != nil {
				t.Fatalf("%s:%d: dip_score: %v", path, line, err)
			}
		}
		if g.why == "" {
			t.Errorf("%s:%d: %s has no why", path, line, c[0])
		}
		g.rec = record.Record{
			Line: line, ID: c[0], Sex: dipGoldenSex(c[1]), AgeYears: 50, DischargeMethod: 1,
			PrincipalDx: c[1], SecondaryDx: list(c[2]), Procedures: list(c[3]),
			TCMPrincipalDx: c[4], TCMSyndrome: c[5],
		}
		out = append(out, g)
	}
	return out
}

// TestSampleDIPGolden groups the hand-checked records of
// testdata/golden_dip.tsv under DIP with the embedded sample rule set and
// compares group, kind, score, severity and reason. It also checks that
// grouping under both schemes gives the same DIP result and the same DRG
// result as DRG-only grouping, that the traced path agrees, and that every
// expected group is in the catalogue with the expected score.
func TestSampleDIPGolden(t *testing.T) {
	rs, err := grouper.Sample()
	if err != nil {
		t.Fatal(err)
	}
	g, err := grouper.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	if !g.HasDIP() {
		t.Fatal("the sample rule set has no DIP catalogue")
	}
	type catEntry struct {
		score float64
		kind  string
		class string
	}
	cat := map[string]catEntry{}
	for _, c := range rs.DIP.Core {
		cat[c.Code] = catEntry{c.Score, "core", ""}
	}
	for _, c := range rs.DIP.Comprehensive {
		cat[c.Code] = catEntry{c.Score, "comprehensive", c.Class}
	}

	cases := readDIPGolden(t, filepath.Join("testdata", "golden_dip.tsv"))
	if len(cases) < 40 {
		t.Errorf("%d DIP golden records, want at least 40", len(cases))
	}
	reached := map[string]bool{}
	for _, c := range cases {
		rec := c.rec
		res := g.GroupScheme(&rec, grouper.SchemeDIP, nil)
		d := res.DIP
		got := []string{d.Group, d.Kind.String(), strconv.FormatFloat(d.Score, 'f', -1, 64), d.Severity.String(), d.Reason}
		want := []string{c.group, c.kind, strconv.FormatFloat(c.score, 'f', -1, 64), c.severity, c.reason}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			tr := g.GroupScheme(&rec, grouper.SchemeDIP, new(grouper.Trace)).Trace
			t.Errorf("line %d %s: got group|kind|score|severity|reason %q, want %q\n  why: %s\n  trace:\n%s", c.line, rec.ID, got, want, c.why, tr)
		}
		if e, ok := cat[c.group]; c.group != "" && (!ok || e.score != c.score || e.kind != c.kind) {
			t.Errorf("line %d %s: expected group %s %s %g is not in the catalogue (catalogue: %+v, found %t)", c.line, rec.ID, c.kind, c.group, c.score, e, ok)
		} else if c.kind == "comprehensive" {
			if d.Class.String() != e.class {
				t.Errorf("line %d %s: class %s, the group's class is %s", c.line, rec.ID, d.Class, e.class)
			}
			reached[e.class] = true
		}
		reached[c.kind] = true
		reached["severity:"+c.severity] = true
		if rec.PrincipalDx == "" && rec.TCMPrincipalDx != "" && c.group != "" {
			reached["tcm"] = true
		}
		if res.DRG != "" || res.Status != 0 || res.Reason != "" {
			t.Errorf("line %d %s: DIP-only grouping set DRG fields: drg=%q status=%s reason=%q", c.line, rec.ID, res.DRG, res.Status, res.Reason)
		}

		both := g.GroupScheme(&rec, grouper.SchemeBoth, nil)
		if both.DIP != d {
			t.Errorf("line %d %s: DIP under both = %+v, under dip = %+v", c.line, rec.ID, both.DIP, d)
		}
		drgOnly := g.Group(&rec)
		if both.DRG != drgOnly.DRG || both.Status != drgOnly.Status || both.Reason != drgOnly.Reason ||
			both.MDC != drgOnly.MDC || both.ADRG != drgOnly.ADRG || both.CCLevel != drgOnly.CCLevel || both.PrincipalDx != drgOnly.PrincipalDx {
			t.Errorf("line %d %s: DRG under both = %s %s %s %s, alone = %s %s %s %s", c.line, rec.ID,
				both.Status, both.Reason, both.DRG, both.CCLevel, drgOnly.Status, drgOnly.Reason, drgOnly.DRG, drgOnly.CCLevel)
		}
		if ex := g.GroupScheme(&rec, grouper.SchemeBoth, new(grouper.Trace)); ex.DIP != d || ex.DRG != drgOnly.DRG {
			t.Errorf("line %d %s: traced grouping differs: DIP %+v DRG %s, want %+v %s", c.line, rec.ID, ex.DIP, ex.DRG, d, drgOnly.DRG)
		}
		// The DIP severity is the DRG complication level.
		if d.Group != "" && d.Severity != drgOnly.CCLevel {
			t.Errorf("line %d %s: DIP severity %s, DRG cc_level %s", c.line, rec.ID, d.Severity, drgOnly.CCLevel)
		}
	}
	for _, k := range []string{"core", "comprehensive", "none", "conservative", "diagnostic", "therapeutic", "surgical",
		"severity:none", "severity:CC", "severity:MCC", "tcm"} {
		if !reached[k] {
			t.Errorf("no DIP golden record covers %s", k)
		}
	}
}

// TestSampleDIPCatalogue checks the shape of the sample DIP catalogue: every
// category of a principal-diagnosis list (mdc_dx, zd) has a conservative
// comprehensive group, core groups use procedures of procedures.tsv, and
// group codes are unique.
func TestSampleDIPCatalogue(t *testing.T) {
	rs, err := grouper.Sample()
	if err != nil {
		t.Fatal(err)
	}
	procs := map[string]bool{}
	for _, p := range rs.Procedures {
		procs[p.Code] = true
	}
	codes := map[string]bool{}
	subs := map[string]bool{}
	for _, c := range rs.DIP.Core {
		if codes[c.Code] {
			t.Errorf("dip_core.tsv:%d: group %s defined twice", c.Line, c.Code)
		}
		codes[c.Code] = true
		subs[c.Dx] = true
		for _, p := range c.Procedures {
			if !procs[p] {
				t.Errorf("dip_core.tsv:%d: procedure %s is not in procedures.tsv", c.Line, p)
			}
		}
	}
	conservative := map[string]bool{}
	for _, c := range rs.DIP.Comprehensive {
		if codes[c.Code] {
			t.Errorf("dip_comprehensive.tsv:%d: group %s defined twice", c.Line, c.Code)
		}
		codes[c.Code] = true
		if c.Class == "conservative" {
			conservative[c.Category] = true
		}
	}
	for _, l := range rs.Lists {
		if (l.List == "mdc_dx" || l.List == "zd") && !conservative[l.Code[:3]] {
			t.Errorf("lists.tsv:%d: principal category %s has no conservative comprehensive group", l.Line, l.Code[:3])
		}
	}
	if n := len(subs); n < 60 || n > 120 {
		t.Errorf("%d core subcategories, want 60-120", n)
	}
	t.Logf("%d core groups on %d subcategories, %d comprehensive groups", len(rs.DIP.Core), len(subs), len(rs.DIP.Comprehensive))
}
