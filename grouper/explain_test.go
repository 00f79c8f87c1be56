package grouper

import (
	"strings"
	"testing"

	"github.com/medpay/drg/grouper/record"
)

// compiledSample returns the embedded sample rule set, compiled.
func compiledSample(t *testing.T) *Grouper {
	t.Helper()
	rs, err := Sample()
	if err != nil {
		t.Fatal(err)
	}
	g, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestExplainNamesUnknownCodes checks Result.UnknownCodes and the trace's
// "code" steps: a code the rule set does not know is named once, with what it
// means for grouping, and a known code gets no step.
func TestExplainNamesUnknownCodes(t *testing.T) {
	g := compiledSample(t)
	for _, tc := range []struct {
		name    string
		pdx     string
		sdx     []string
		procs   []string
		unknown uint8    // Result.UnknownCodes: codes known not even by an ancestor
		want    []string // "+code: detail" or "-code: detail" prefixes, in order
	}{
		{name: "all known", pdx: "K80.100", sdx: []string{"J18.900"}, procs: []string{"51.2300"}},
		{name: "secondary by its ancestor", pdx: "K80.100", sdx: []string{"K80.199"},
			want: []string{"+K80.199: secondary diagnosis not in the rule set: read as its ancestor K80.1"}},
		{name: "secondary unknown", pdx: "K80.100", sdx: []string{"J18.900", "Z99.999"}, unknown: 1,
			want: []string{"-Z99.999: secondary diagnosis not in the rule set (nor its category)"}},
		{name: "principal unknown", pdx: "Z99.999", unknown: 1,
			want: []string{"-Z99.999: principal diagnosis not in the rule set (nor its category)"}},
		{name: "procedure without its extension", pdx: "K80.100", procs: []string{"51.23"}, unknown: 1,
			want: []string{"-51.23: procedure not in the rule set: no procedure list can match it (51.2300 is: was its extension lost"}},
		{name: "procedure unknown", pdx: "K80.100", procs: []string{"51.2300", "99.9999"}, unknown: 1,
			want: []string{"-99.9999: procedure not in the rule set: no procedure list can match it"}},
		{name: "unknown procedure, no extension in the rule set", pdx: "K80.100", procs: []string{"99.99"}, unknown: 1,
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
			plain := g.Group(&rec)
			if plain.DRG != res.DRG || plain.Reason != res.Reason || plain.UnknownCodes != res.UnknownCodes {
				t.Errorf("Group %s %s %d, Explain %s %s %d", plain.DRG, plain.Reason, plain.UnknownCodes, res.DRG, res.Reason, res.UnknownCodes)
			}
			if plain.UnknownCodes != tc.unknown {
				t.Errorf("UnknownCodes %d, want %d", plain.UnknownCodes, tc.unknown)
			}
		})
	}

	t.Run("counts every unknown code, up to 255", func(t *testing.T) {
		for _, n := range []int{2, 255, 300} {
			sdx := make([]string, n-1)
			for i := range sdx {
				sdx[i] = "Z99.999"
			}
			rec := record.Record{ID: "t", PrincipalDx: "Z98.999", SecondaryDx: sdx, Procedures: []string{"51.2300"}}
			if got, want := g.Group(&rec).UnknownCodes, uint8(min(n, 255)); got != want {
				t.Errorf("%d unknown codes: UnknownCodes %d, want %d", n, got, want)
			}
		}
	})
}

// TestExplainBothPrincipals: with a Western and a TCM principal, the Western
// one is grouped and the trace says what the TCM one would have mapped to.
func TestExplainBothPrincipals(t *testing.T) {
	g := compiledSample(t)
	for _, tc := range []struct {
		tcm, syndrome, want string
	}{
		{"A07.01.01", "B04.02.03", "-tcm A07.01.01: Western principal I63.900 given: the mapping to I61.900 (line 4) is not applied"},
		{"Z99.99", "", "-tcm Z99.99: Western principal I63.900 given: the TCM principal is not mapped"},
	} {
		rec := record.Record{ID: "t", Sex: 1, AgeYears: 60, PrincipalDx: "I63.900", TCMPrincipalDx: tc.tcm, TCMSyndrome: tc.syndrome,
			Present: record.HasSex | record.HasAgeYears}
		res := g.Explain(&rec)
		if res.PrincipalDx != "I63.900" || res.TCMSource != "" {
			t.Errorf("%s: grouped %s from %q, want I63.900 and no TCM source", tc.tcm, res.PrincipalDx, res.TCMSource)
		}
		first := res.Trace.Steps[0]
		if got := "-" + first.Stage + " " + first.Code + ": " + first.Detail; got != tc.want || first.Passed {
			t.Errorf("first step %q, want %q", got, tc.want)
		}
	}
}

// TestTraceReuse: GroupScheme fills a caller's Trace, resetting it first, so
// one Trace serves record after record and gives each the trace Explain
// gives it alone; a nil Trace traces nothing.
func TestTraceReuse(t *testing.T) {
	g := compiledSample(t)
	recs := []record.Record{
		{ID: "long", Sex: 1, AgeYears: 60, PrincipalDx: "K80.100", SecondaryDx: []string{"J18.900", "Z99.999"}, Procedures: []string{"51.2300"}},
		{ID: "short", Sex: 1, AgeYears: 60, PrincipalDx: "I63.900"},
		{ID: "tcm", Sex: 1, AgeYears: 60, TCMPrincipalDx: "A07.01.01", TCMSyndrome: "B04.02.03"},
	}
	var tr Trace
	for _, scheme := range []Scheme{SchemeDRG, SchemeBoth} {
		for i := range recs {
			rec := &recs[i]
			res := g.GroupScheme(rec, scheme, &tr)
			if res.Trace != &tr {
				t.Fatalf("%s: Result.Trace is %p, want the caller's %p", rec.ID, res.Trace, &tr)
			}
			fresh := g.GroupScheme(rec, scheme, new(Trace))
			if got, want := tr.String(), fresh.Trace.String(); got != want {
				t.Errorf("%s %s: reused trace\n%s\nwant, as with a new Trace,\n%s", rec.ID, scheme, got, want)
			}
			plain := g.GroupScheme(rec, scheme, nil)
			if plain.Trace != nil || plain.DRG != res.DRG || plain.DIP != res.DIP {
				t.Errorf("%s %s: without a trace got %s %+v trace %v, want %s %+v and no trace", rec.ID, scheme, plain.DRG, plain.DIP, plain.Trace, res.DRG, res.DIP)
			}
		}
	}
	c := cap(tr.Steps)
	tr.Reset()
	if len(tr.Steps) != 0 || cap(tr.Steps) != c {
		t.Errorf("Reset: len %d cap %d, want 0 and the capacity %d kept", len(tr.Steps), cap(tr.Steps), c)
	}
	var none *Trace
	none.Reset() // nil means not tracing: a no-op, not a panic
}

// TestParseScheme: the scheme names, in any case and with white space
// around them (a pay_scheme column written by a spreadsheet), and nothing else.
func TestParseScheme(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Scheme
		ok   bool
	}{
		{"drg", SchemeDRG, true},
		{"dip", SchemeDIP, true},
		{"both", SchemeBoth, true},
		{"DRG", SchemeDRG, true},
		{"Dip", SchemeDIP, true},
		{" BOTH\t", SchemeBoth, true},
		{"", 0, false},
		{"dipx", 0, false},
		{"drg,dip", 0, false},
		{"none", 0, false},
	} {
		got, err := ParseScheme(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseScheme(%q) = %v, %v; want %v, ok %t", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok && got.String() != strings.ToLower(strings.TrimSpace(tc.in)) {
			t.Errorf("%v.String() = %q, want the name %q parses from", got, got.String(), tc.in)
		}
	}
	if s := Scheme(0).String(); s != "unknown" {
		t.Errorf("Scheme(0).String() = %q, want unknown", s)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseScheme(" Dip ") }); n != 0 {
		t.Errorf("ParseScheme allocates %.1f times", n)
	}
}
