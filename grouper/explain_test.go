package grouper

import (
	"strings"
	"testing"

	"github.com/medpay/drg/grouper/record"
)

// TestExplainNamesUnknownCodes checks the trace's "code" steps: a code the
// rule set does not know is named once, with what it means for grouping, and
// a known code gets no step.
func TestExplainNamesUnknownCodes(t *testing.T) {
	rs, err := Sample()
	if err != nil {
		t.Fatal(err)
	}
	g, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		pdx   string
		sdx   []string
		procs []string
		want  []string // "+code: detail" or "-code: detail" substrings, in order
	}{
		{name: "all known", pdx: "K80.100", sdx: []string{"J18.900"}, procs: []string{"51.2300"}},
		{name: "secondary by its ancestor", pdx: "K80.100", sdx: []string{"K80.199"},
			want: []string{"+K80.199: secondary diagnosis not in the rule set: read as its ancestor K80.1"}},
		{name: "secondary unknown", pdx: "K80.100", sdx: []string{"J18.900", "Z99.999"},
			want: []string{"-Z99.999: secondary diagnosis not in the rule set (nor its category)"}},
		{name: "principal unknown", pdx: "Z99.999",
			want: []string{"-Z99.999: principal diagnosis not in the rule set (nor its category)"}},
		{name: "procedure without its extension", pdx: "K80.100", procs: []string{"51.23"},
			want: []string{"-51.23: procedure not in the rule set: no procedure list can match it (51.2300 is: was its extension lost"}},
		{name: "procedure unknown", pdx: "K80.100", procs: []string{"51.2300", "99.9999"},
			want: []string{"-99.9999: procedure not in the rule set: no procedure list can match it"}},
		{name: "unknown procedure, no extension in the rule set", pdx: "K80.100", procs: []string{"99.99"},
			want: []string{"-99.99: procedure not in the rule set: no procedure list can match it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := record.Record{ID: "t", PrincipalDx: tc.pdx, SecondaryDx: tc.sdx, Procedures: tc.procs,
				Sex: 1, AgeYears: 50, LOSDays: 5, Present: record.HasSex | record.HasAgeYears | record.HasLOS}
			res := g.Explain(&rec)
			var got []string
			for _, s := range res.Trace.Steps {
				if s.Stage != "code" {
					continue
				}
				mark := "-"
				if s.Passed {
					mark = "+"
				}
				got = append(got, mark+s.Code+": "+s.Detail)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("code steps %q, want %d like %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("step %d: %q, want it to start with %q", i, got[i], w)
				}
			}
			if strings.Contains(strings.Join(got, "\n"), "extension lost") != strings.Contains(tc.name, "without its extension") {
				t.Errorf("extension hint in %q", got)
			}
			if plain := g.Group(&rec); plain.DRG != res.DRG || plain.Reason != res.Reason {
				t.Errorf("Group %s %s, Explain %s %s", plain.DRG, plain.Reason, res.DRG, res.Reason)
			}
		})
	}
}
