package grouper

import (
	"errors"
	"testing"
)

func TestParseExpr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"true", "true"},
		{"pdx in zd", "pdx in zd"},
		{"main_proc in ss AND age_days <= 28", "main_proc in ss AND age_days <= 28"},
		{"any_proc in ss and any_proc in ss1", "any_proc in ss AND any_proc in ss1"},
		{"NOT any_proc in SS_VALID", "NOT any_proc in SS_VALID"},
		{"pdx in zd AND (any_proc in ss[1] OR (any_proc in ss[2] AND any_proc in ss[3]))", "pdx in zd AND (any_proc in ss[1] OR any_proc in ss[2] AND any_proc in ss[3])"},
		{"has_mcc OR has_cc", "has_mcc OR has_cc"},
		{"weight > 0 AND weight < 1500", "weight > 0 AND weight < 1500"},
		{"birth_weight_g >= 2500", "weight >= 2500"},
		{"regions(mdc_dx) >= 2", "regions(mdc_dx) >= 2"},
		{"sex == 1", "sex = 1"},
		{"vent_hours >= 96.5", "vent_hours >= 96.5"},
		{"(pdx in a OR pdx in b) AND NOT (sex = 2)", "(pdx in a OR pdx in b) AND NOT sex = 2"},
	} {
		e, err := ParseExpr(tc.in)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", tc.in, err)
			continue
		}
		if got := e.String(); got != tc.want {
			t.Errorf("ParseExpr(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		// Formatting is a fixed point.
		again, err := ParseExpr(e.String())
		if err != nil || again.String() != e.String() {
			t.Errorf("re-parse of %q: %v, %q", e.String(), err, again)
		}
	}
}

func TestParseExprErrors(t *testing.T) {
	for _, tc := range []struct {
		in  string
		col string
	}{
		{"", "column 1"},
		{"pdx zd", "column 5"},
		{"pdx in", "column 7"},
		{"age_years >> 3", "column 12"}, // the second > is where a number should be
		{"age_years >= x", "column 14"},
		{"(pdx in zd", "column 11"},
		{"pdx in zd AND", "column 14"},
		{"foo = 1", "column 1"},
		{"pdx in ss[0]", "column 11"},
		{"regions(x = 1", "column 11"},
		{"true true", "column 6"},
		{"pdx in zd $", "column 11"},
	} {
		_, err := ParseExpr(tc.in)
		if err == nil {
			t.Errorf("ParseExpr(%q) succeeded, want an error", tc.in)
			continue
		}
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseExpr(%q) error %v does not wrap ErrSyntax", tc.in, err)
		}
		if !containsStr(err.Error(), tc.col) {
			t.Errorf("ParseExpr(%q) error %q, want it to name %s", tc.in, err, tc.col)
		}
	}
}

func containsStr(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{"pdx in zd AND main_proc in ss", "NOT (a", "regions(mdc_dx) >= 2", "any_proc in ss[3] OR has_cc", "weight<1500"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpr(s)
		if err != nil {
			return
		}
		again, err := ParseExpr(e.String())
		if err != nil {
			t.Fatalf("formatted %q does not parse: %v", e.String(), err)
		}
		if again.String() != e.String() {
			t.Fatalf("format not a fixed point: %q -> %q", e.String(), again.String())
		}
	})
}
