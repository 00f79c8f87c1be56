package weights

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper"
)

func TestParseTable(t *testing.T) {
	tab := mustTable(t, "\ufeff# comment\r\nscheme\tgroup\tweight\tstandard_cost\tname\r\n\r\ndrg\tBR25\t1.247342\t\t脑缺血\r\nDIP\tK80.1\t\t8500\r\ndrg\tAA19\t\r\n")
	if tab.Len() != 3 {
		t.Fatalf("Len: got %d, want 3", tab.Len())
	}
	r, ok := tab.Lookup(grouper.SchemeDRG, "BR25")
	if !ok || r.Weight != 1.247342 || !r.HasWeight || r.StandardCost != 0 || r.Name != "脑缺血" || r.Line != 4 {
		t.Errorf("BR25: got %+v", r)
	}
	r, ok = tab.Lookup(grouper.SchemeDIP, "K80.1")
	if !ok || r.HasWeight || r.StandardCost != 8500 || r.Scheme != grouper.SchemeDIP {
		t.Errorf("K80.1: got %+v", r)
	}
	if r, ok := tab.Lookup(grouper.SchemeDRG, "AA19"); !ok || r.HasWeight {
		t.Errorf("AA19 (missing trailing columns): got %+v", r)
	}
	if _, ok := tab.Lookup(grouper.SchemeDIP, "BR25"); ok {
		t.Error("schemes must not share groups")
	}
	if _, ok := tab.Lookup(grouper.Scheme(7), "BR25"); ok || tab.Rows(grouper.Scheme(7)) != nil {
		t.Error("invalid scheme")
	}
	if n := len(tab.Rows(grouper.SchemeDRG)); n != 2 {
		t.Errorf("Rows(DRG): %d", n)
	}
	// Columns in another order, without the optional ones.
	tab = mustTable(t, "weight\tgroup\tscheme\n2.5\tIF19\tdrg\n")
	if r, ok := tab.Lookup(grouper.SchemeDRG, "IF19"); !ok || r.Weight != 2.5 {
		t.Errorf("reordered: %+v", r)
	}
}

func TestParseTableErrors(t *testing.T) {
	const h = "scheme\tgroup\tweight\tstandard_cost\tname\n"
	cases := []struct {
		name      string
		in        string
		line, col int
		is        error
	}{
		{"empty", "", 0, 0, ErrHeader},
		{"only comments", "# x\n\n", 2, 0, ErrHeader},
		{"unknown column", "scheme\tgroup\tweight\trw\n", 1, 4, ErrHeader},
		{"duplicate column", "scheme\tgroup\tweight\tgroup\n", 1, 4, ErrHeader},
		{"missing column", "scheme\tgroup\n", 1, 0, ErrHeader},
		{"bad scheme", h + "drg\tA\t1\t\t\nxyz\tB\t1\t\t\n", 3, 1, ErrValue},
		// grouper.ParseScheme reads "both"; a weight is under one scheme.
		{"scheme both", h + "both\tBR25\t1\t\t\n", 2, 1, ErrValue},
		{"blank group", h + "drg\t\t1\t\t\n", 2, 2, ErrValue},
		{"space in group", h + "drg\tB R25\t1\t\t\n", 2, 2, ErrValue},
		{"bad weight", h + "drg\tBR25\t1,2\t\t\n", 2, 3, ErrValue},
		{"negative weight", h + "drg\tBR25\t-1\t\t\n", 2, 3, ErrValue},
		{"NaN weight", h + "drg\tBR25\tNaN\t\t\n", 2, 3, ErrValue},
		{"infinite cost", h + "drg\tBR25\t1\tInf\t\n", 2, 4, ErrValue},
		{"Go digit separator", h + "drg\tBR25\t1_0\t\t\n", 2, 3, ErrValue},
		{"hex float cost", h + "drg\tBR25\t1\t0x1p14\t\n", 2, 4, ErrValue},
		{"too many fields", h + "drg\tBR25\t1\t\tx\textra\n", 2, 6, ErrValue},
		{"duplicate group", h + "drg\tBR25\t1\t\t\ndip\tBR25\t1\t\t\ndrg\tBR25\t2\t\t\n", 4, 2, ErrDuplicate},
		{"line too long", h + "drg\tBR25\t1\t\t" + strings.Repeat("x", maxTableLine) + "\n", 2, 0, ErrValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTable(strings.NewReader(c.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if pe.Line != c.line || pe.Column != c.col {
				t.Errorf("got line %d column %d, want line %d column %d (%v)", pe.Line, pe.Column, c.line, c.col, err)
			}
			if !errors.Is(err, c.is) {
				t.Errorf("%v does not wrap %v", err, c.is)
			}
			if !strings.Contains(err.Error(), TableFile) {
				t.Errorf("message %q does not name the file", err)
			}
		})
	}
}

func TestTableFromRuleSet(t *testing.T) {
	rs := &grouper.RuleSet{Name: "sample", Version: "0.1", Tables: map[string][]byte{}}
	if _, err := TableFromRuleSet(rs); !errors.Is(err, ErrNoTable) {
		t.Errorf("absent: got %v, want ErrNoTable", err)
	}
	if _, err := TableFromRuleSet(nil); !errors.Is(err, ErrNoTable) {
		t.Errorf("nil: got %v", err)
	}
	rs.Tables[TableFile] = []byte("scheme\tgroup\tweight\ndrg\tHC25\tx\n")
	_, err := TableFromRuleSet(rs)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(err.Error(), "sample 0.1") {
		t.Errorf("bad table: got %v", err)
	}
	rs.Tables[TableFile] = []byte(testTable)
	tab, err := TableFromRuleSet(rs)
	if err != nil || tab.Len() != 9 {
		t.Errorf("got %v, %v", tab, err)
	}
}

func TestUnreachable(t *testing.T) {
	rs := &grouper.RuleSet{
		MDCs: []grouper.MDC{{Code: "B"}},
		DRGs: []grouper.DRG{{Code: "BR21"}, {Code: "BR25"}},
		DIP: grouper.DIPCatalogue{
			Core:          []grouper.DIPCoreGroup{{Code: "K80.1-51.23"}},
			Comprehensive: []grouper.DIPComprehensiveGroup{{Code: "K80-C"}},
		},
	}
	tab := mustTable(t, "scheme\tgroup\tweight\n"+
		"drg\tBR21\t1\ndrg\tBR23\t1\ndrg\tBQY\t1\ndrg\t0000\t0\ndrg\tbr25\t1\n"+
		"dip\tK80.1-51.23\t1\ndip\tK80-C\t1\ndip\tBR21\t1\ndip\t0000\t0\n")
	var got []string
	for _, r := range tab.Unreachable(rs) {
		got = append(got, fmt.Sprintf("%d %s %s", r.Line, r.Scheme, r.Group))
	}
	// Group codes compare exactly, as the grouper writes them.
	want := []string{"3 drg BR23", "4 drg BQY", "6 drg br25", "9 dip BR21"}
	if !slices.Equal(got, want) {
		t.Errorf("QY off: got %q, want %q", got, want)
	}
	rs.Behaviour.QY = true
	got = got[:0]
	for _, r := range tab.Unreachable(rs) {
		got = append(got, fmt.Sprintf("%d %s %s", r.Line, r.Scheme, r.Group))
	}
	want = []string{"3 drg BR23", "6 drg br25", "9 dip BR21"}
	if !slices.Equal(got, want) {
		t.Errorf("QY on: got %q, want %q", got, want)
	}
}

func TestScheme(t *testing.T) {
	for _, s := range []string{"drg", "DRG", " dip "} {
		if _, err := grouper.ParseScheme(s); err != nil {
			t.Errorf("ParseScheme(%q) failed", s)
		}
	}
	if _, err := grouper.ParseScheme("dipx"); err == nil {
		t.Error("ParseScheme(dipx) succeeded")
	}
	if grouper.SchemeDRG.String() != "drg" || grouper.SchemeDIP.String() != "dip" || grouper.Scheme(0).String() != "unknown" {
		t.Error("Scheme.String")
	}
	if OutlierHigh.String() != "high" || OutlierLow.String() != "low" || OutlierNone.String() != "none" {
		t.Error("Outlier.String")
	}
}
