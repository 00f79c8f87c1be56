package grouper

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/medpay/drg/grouper/record"
)

// TestBehaviourProcedures holds the options CHS-DRG 2.0 needs to their
// meaning, on the tiny rule set with an ignored list "inv" (88.7600) and
// QY by condition: which procedure is main, what counts for any_proc,
// proc_count and main_proc_count, when QY fires and where it is exempt,
// and a list named through its owner (H.mdc_dx). Each row is reasoned by
// hand from tinyTables.
func TestBehaviourProcedures(t *testing.T) {
	const inv, ss, or = "88.7600", "51.2300", "51.2200"
	for _, tc := range []struct {
		name    string
		options string // ruleset.tsv rows replacing qy_list
		procs   []string
		want    string
	}{
		// The first procedure does not count: no main procedure, so HC2
		// (main_proc in ss) fails and QY (a main procedure) does not fire.
		{"first ignored", "main_procedure\tfirst\n", []string{inv, ss}, "HS29"},
		// The first that counts is main.
		{"first counted", "main_procedure\tfirst_counted\n", []string{inv, ss}, "HC25"},
		{"counted, not in ss: QY", "", []string{or}, "HQY"},
		{"counted, not in ss, H exempt", "qy_exempt\tAH\n", []string{or}, "HS29"},
		{"only ignored", "", []string{inv}, "HS29"},
		// QY's condition names MDC H's list from the global scope.
		{"qualified list", "", []string{or, inv}, "HQY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := tinyTables()
			opts := strings.Replace(string(fsys[FileRuleSet].Data), "qy_list\tor\n",
				"qy_condition\tmain_proc_count > 0 AND proc_count >= 1 AND pdx in H.mdc_dx\nignored_procedures\tinv\n"+tc.options, 1)
			fsys[FileRuleSet] = &fstest.MapFile{Data: []byte(opts)}
			fsys[FileLists] = &fstest.MapFile{Data: append(fsys[FileLists].Data, "*\tinv\tproc\t"+inv+"\t\t\n"...)}
			g, problems, err := LoadTables(fsys)
			if err != nil {
				t.Fatalf("%v %v", err, problems)
			}
			rec := &record.Record{ID: "b", Sex: 1, AgeYears: 50, Present: record.HasSex | record.HasAgeYears, PrincipalDx: "K80.100", Procedures: tc.procs}
			res := g.Group(rec)
			if res.DRG != tc.want {
				t.Errorf("procedures %v: DRG %s (%s %s), want %s\n%s", tc.procs, res.DRG, res.Status, res.Reason, tc.want, g.Explain(rec).Trace)
			}
			if ex := g.Explain(rec); ex.DRG != res.DRG {
				t.Errorf("Explain gives %s, Group %s", ex.DRG, res.DRG)
			}
			// The options survive export and import.
			back := fstest.MapFS{}
			for name, data := range g.RuleSet().EncodeTables() {
				back[name] = &fstest.MapFile{Data: data}
			}
			g2, _, err := LoadTables(back)
			if err != nil {
				t.Fatal(err)
			}
			if b1, b2 := g.RuleSet().Behaviour, g2.RuleSet().Behaviour; b1 != b2 {
				t.Errorf("behaviour after export and import: %+v, want %+v", b2, b1)
			}
		})
	}
}

func TestBehaviourProblems(t *testing.T) {
	for _, tc := range []struct{ options, want string }{
		{"main_procedure\tlast\n", `main_procedure: "last" is not first or first_counted`},
		{"ignored_procedures\tnosuch\n", `option ignored_procedures: no list "nosuch"`},
		{"qy_condition\tmain_proc in\n", "option qy_condition"},
		{"qy_condition\tpdx in Q.mdc_dx\n", `"Q" is neither an MDC nor an ADRG`},
	} {
		fsys := tinyTables()
		opts := strings.Replace(string(fsys[FileRuleSet].Data), "qy_list\tor\n", tc.options, 1)
		fsys[FileRuleSet] = &fstest.MapFile{Data: []byte(opts)}
		_, _, err := LoadTables(fsys)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error with %q", tc.options, err, tc.want)
		}
	}
}

// TestNames: the tiny rule set's names by code, the ambiguous group named
// after its MDC, nothing for 0000 or an unknown code; Explain's steps
// carry them.
func TestNames(t *testing.T) {
	g, _, err := LoadTables(tinyTables())
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]string{
		"H": "hepatobiliary", "A": "pre", "HC2": "lap chole", "HC21": "with MCC", "HS29": "biliary",
		"HQY": "歧义组（hepatobiliary）", "0000": "", "HC9": "", "": "",
	} {
		if got := g.Name(code); got != want {
			t.Errorf("Name(%q) = %q, want %q", code, got, want)
		}
		if got := g.RuleSet().NameOf(code); got != want && code != "HQY" {
			t.Errorf("NameOf(%q) = %q, want %q", code, got, want)
		}
	}
	rec := &record.Record{ID: "n", Sex: 1, AgeYears: 50, Present: record.HasSex | record.HasAgeYears, PrincipalDx: "K80.100", Procedures: []string{"51.2300"}}
	res := g.Explain(rec)
	named := map[string]string{}
	for _, s := range res.Trace.Steps {
		if s.Name != "" {
			named[s.Stage+" "+s.Code] = s.Name
		}
	}
	want := map[string]string{"mdc A": "pre", "mdc H": "hepatobiliary", "adrg HC2": "lap chole", "drg HC21": "with MCC", "drg HC25": "without"}
	for k, v := range want {
		if named[k] != v {
			t.Errorf("Explain step %s named %q, want %q (steps named: %v)", k, named[k], v, named)
		}
	}
	if !strings.Contains(res.Trace.String(), "HC25     [without] ") {
		t.Errorf("Trace.String does not print the DRG's name beside its code:\n%s", res.Trace)
	}
}
