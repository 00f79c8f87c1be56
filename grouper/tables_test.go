package grouper

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper/record"
)

// tinyTables is a small, valid rule set in canonical table form.
func tinyTables() fstest.MapFS {
	files := map[string]string{
		FileRuleSet:    "key\tvalue\nname\ttiny\nversion\t1\ndescription\ttest fixture\nsample\ttrue\nqy\ttrue\nqy_list\tor\nfall_through\tfalse\n",
		FileChecks:     "order\tcondition\treason\n1\tsex = 0\tSEX_MISSING\n",
		FileMDC:        "mdc\torder\tcondition\tname\nA\t1\tvent_hours >= 96\tpre\nH\t2\tpdx in mdc_dx\thepatobiliary\n",
		FileADRG:       "adrg\tmdc\torder\tcondition\tname\nAH1\tA\t1\ttrue\tvent\nHC2\tH\t1\tmain_proc in ss\tlap chole\nHS2\tH\t2\tpdx in zd\tbiliary\n",
		FileDRG:        "drg\tadrg\torder\tcondition\tname\nAH19\tAH1\t1\ttrue\tvent\nHC21\tHC2\t1\thas_mcc\twith MCC\nHC25\tHC2\t2\ttrue\twithout\nHS29\tHS2\t1\ttrue\tbiliary\n",
		FileLists:      "owner\tlist\tsystem\tcode\tgroup\tregion\n*\tor\tproc\t51.2200\t\t\nH\tmdc_dx\tdx\tK80\t\t\nHC2\tss\tproc\t51.2300\t\t\nHS2\tzd\tdx\tK80.1\t\t\n",
		FileCC:         "code\tlevel\texclusion_table\nJ18.900\tMCC\tresp\nK81.000\tMCC\tbil\n",
		FileExclusions: "exclusion_table\tpdx_code\nbil\tK80\n",
	}
	m := fstest.MapFS{}
	for n, s := range files {
		m[n] = &fstest.MapFile{Data: []byte(s)}
	}
	return m
}

func TestReadTablesRoundTrip(t *testing.T) {
	fsys := tinyTables()
	rs, problems, err := ReadTables(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Fatalf("problems on a clean fixture: %v", problems)
	}
	enc := rs.EncodeTables()
	for name, f := range fsys {
		if got := string(enc[name]); got != string(f.Data) {
			t.Errorf("%s: export differs from the import\n got %q\nwant %q", name, got, f.Data)
		}
	}
	if extra := slices.Collect(maps.Keys(enc)); len(extra) != len(fsys) {
		t.Errorf("export wrote %d tables %v, want %d", len(extra), extra, len(fsys))
	}
}

func TestReadTablesProblems(t *testing.T) {
	for _, tc := range []struct {
		name  string
		file  string
		data  string
		want  string // substring of one reported problem, incl. file:line[:col]
		warns bool   // the problem is a warning: import succeeds
	}{
		{"bad header", FileMDC, "mdc\tordr\tcondition\tname\n", "mdc.tsv:1: error: header", false},
		{"missing MDC", FileADRG, "adrg\tmdc\torder\tcondition\tname\nAH1\tA\t1\ttrue\tvent\nHC2\tH\t1\tmain_proc in ss\tx\nHS2\tH\t2\tpdx in zd\tx\nQS1\tQ\t1\ttrue\tx\n", "adrg.tsv:5: error: ADRG QS1 names MDC \"Q\"", false},
		{"duplicate order", FileADRG, "adrg\tmdc\torder\tcondition\tname\nAH1\tA\t1\ttrue\tvent\nHC2\tH\t1\tmain_proc in ss\tx\nHS2\tH\t1\tpdx in zd\tx\n", "adrg.tsv:4: error: ADRG HS2 has order 1", false},
		{"condition syntax", FileADRG, "adrg\tmdc\torder\tcondition\tname\nAH1\tA\t1\ttrue\tvent\nHC2\tH\t1\tmain_proc ss\tx\nHS2\tH\t2\tpdx in zd\tx\n", "adrg.tsv:3: error: ADRG HC2: grouper: condition syntax: column 11", false},
		{"unknown list", FileADRG, "adrg\tmdc\torder\tcondition\tname\nAH1\tA\t1\ttrue\tvent\nHC2\tH\t1\tmain_proc in nosuch\tx\nHS2\tH\t2\tpdx in zd\tx\n", "adrg.tsv:3: error: ADRG HC2: no list \"nosuch\"", false},
		{"list system mismatch", FileADRG, "adrg\tmdc\torder\tcondition\tname\nAH1\tA\t1\ttrue\tvent\nHC2\tH\t1\tpdx in ss\tx\nHS2\tH\t2\tpdx in zd\tx\n", "holds procedure codes, the condition needs diagnosis codes", false},
		{"invalid code", FileLists, "owner\tlist\tsystem\tcode\tgroup\tregion\n*\tor\tproc\t51.2200\t\t\nH\tmdc_dx\tdx\tK8\t\t\nHC2\tss\tproc\t51.2300\t\t\nHS2\tzd\tdx\tK80.1\t\t\n", "lists.tsv:3:4: error: invalid diagnosis code", false},
		{"non-canonical code", FileLists, "owner\tlist\tsystem\tcode\tgroup\tregion\n*\tor\tproc\t51.2200\t\t\nH\tmdc_dx\tdx\tk80\t\t\nHC2\tss\tproc\t51.2300\t\t\nHS2\tzd\tdx\tK80.1\t\t\n", "lists.tsv:3:4: warning: diagnosis code \"k80\" is not canonical", true},
		{"unknown owner", FileLists, "owner\tlist\tsystem\tcode\tgroup\tregion\n*\tor\tproc\t51.2200\t\t\nH\tmdc_dx\tdx\tK80\t\t\nHC2\tss\tproc\t51.2300\t\t\nHS2\tzd\tdx\tK80.1\t\t\nZZ9\tzd\tdx\tK80.1\t\t\n", "lists.tsv:6: error: list zd owned by \"ZZ9\"", false},
		{"bad level", FileCC, "code\tlevel\texclusion_table\nJ18.900\tMAJOR\tresp\n", "cc.tsv:2:2: error: level \"MAJOR\"", false},
		{"duplicate cc", FileCC, "code\tlevel\texclusion_table\nJ18.900\tMCC\tresp\nJ18.900\tCC\tresp\n", "cc.tsv:3:1: error: diagnosis J18.900 listed twice", false},
		{"DRG of missing ADRG", FileDRG, "drg\tadrg\torder\tcondition\tname\nAH19\tAH1\t1\ttrue\tv\nHC21\tHC2\t1\thas_mcc\tw\nHC25\tHC2\t2\ttrue\tw\nHS29\tHS2\t1\ttrue\tb\nHX29\tHX2\t1\ttrue\tb\n", "drg.tsv:6: error: DRG HX29 names ADRG \"HX2\"", false},
		{"ADRG without DRG", FileDRG, "drg\tadrg\torder\tcondition\tname\nAH19\tAH1\t1\ttrue\tv\nHC21\tHC2\t1\thas_mcc\tw\nHC25\tHC2\t2\ttrue\tw\n", "adrg.tsv:4: error: ADRG HS2 has no DRG", false},
		{"wrong column count", FileCC, "code\tlevel\texclusion_table\nJ18.900\tMCC\n", "cc.tsv:2: error: 2 columns, want 3", false},
		{"unknown option", FileRuleSet, "key\tvalue\nname\ttiny\ncolour\tred\n", "ruleset.tsv:3:1: error: unknown key \"colour\"", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := tinyTables()
			fsys[tc.file] = &fstest.MapFile{Data: []byte(tc.data)}
			rs, problems, err := ReadTables(fsys)
			if tc.warns {
				if err != nil {
					t.Fatalf("import failed on a warning: %v", err)
				}
				if rs == nil {
					t.Fatal("no rule set returned")
				}
			} else {
				if err == nil {
					t.Fatalf("import succeeded, want a problem %q", tc.want)
				}
				if !errors.Is(err, ErrImport) {
					t.Errorf("error %v does not wrap ErrImport", err)
				}
			}
			var all []string
			for _, p := range problems {
				all = append(all, p.Error())
			}
			joined := strings.Join(all, "\n")
			if !strings.Contains(joined, tc.want) {
				t.Errorf("problems:\n%s\nwant one containing %q", joined, tc.want)
			}
		})
	}
}

func TestSampleRoundTrip(t *testing.T) {
	rs, problems, err := ReadTables(SampleFS())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("sample table problem: %v", p)
	}
	enc := rs.EncodeTables()
	for name, data := range enc {
		orig, err := SampleFS().(interface{ ReadFile(string) ([]byte, error) }).ReadFile(name)
		if err != nil {
			t.Errorf("export wrote %s, which the sample does not have", name)
			continue
		}
		if string(orig) != string(data) {
			t.Errorf("%s: export is not byte-identical to the embedded table", name)
		}
	}
	if !rs.Sample {
		t.Error("the embedded sample must be marked sample=true")
	}
}

// TestMDCOrderColumn pins that MDCs are tried by their order column, not by
// their row order (a bug found by the differential tests).
func TestMDCOrderColumn(t *testing.T) {
	fsys := tinyTables()
	// H listed first but ordered second; a record entering both must go to A.
	fsys[FileMDC] = &fstest.MapFile{Data: []byte("mdc\torder\tcondition\tname\nH\t2\tpdx in mdc_dx\thepatobiliary\nA\t1\tvent_hours >= 96\tpre\n")}
	rs, _, err := ReadTables(fsys)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	rec := record.Record{ID: "1", Sex: 1, AgeYears: 60, PrincipalDx: "K80.100", VentHours: 120}
	if res := g.Group(&rec); res.DRG != "AH19" {
		t.Errorf("got %s, want AH19: MDC A (order 1) is tried before H (order 2)", res.DRG)
	}
	fsys[FileMDC] = &fstest.MapFile{Data: []byte("mdc\torder\tcondition\tname\nA\t1\tvent_hours >= 96\tpre\nH\t1\tpdx in mdc_dx\thepatobiliary\n")}
	if _, _, err := ReadTables(fsys); err == nil || !strings.Contains(err.Error(), "mdc.tsv:3: error: MDC H has order 1, like MDC A") {
		t.Errorf("duplicate MDC order: got %v", err)
	}
}

// TestNamesWithSpaces: a list, region or exclusion table name with spaces
// around it is read without them, with a warning at its file:line:column;
// kept, the spaces made rows that no condition or CC entry could match.
func TestNamesWithSpaces(t *testing.T) {
	fsys := tinyTables()
	fsys[FileLists] = &fstest.MapFile{Data: []byte("owner\tlist\tsystem\tcode\tgroup\tregion\n*\tor\tproc\t51.2200\t\t\nH\tmdc_dx\tdx\tK80\t\t\nHC2\tss\tproc\t51.2300\t\t\nHS2\tzd \tdx\tK80.1\t\t 胸部\n")}
	fsys[FileCC] = &fstest.MapFile{Data: []byte("code\tlevel\texclusion_table\nJ18.900\tMCC\tresp\nK81.000\tMCC\tbil \n")}
	fsys[FileExclusions] = &fstest.MapFile{Data: []byte("exclusion_table\tpdx_code\n bil\tK80\n")}
	rs, problems, err := ReadTables(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	want := []string{
		`lists.tsv:5:2: warning: name "zd " has spaces around it; read as "zd"`,
		`lists.tsv:5:6: warning: name " 胸部" has spaces around it; read as "胸部"`,
		`cc.tsv:3:3: warning: name "bil " has spaces around it; read as "bil"`,
		`cc_exclusion.tsv:2:1: warning: name " bil" has spaces around it; read as "bil"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	g, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	// HS2's list zd and the exclusion of K81.000 under K80 hold as in the
	// clean fixture.
	rec := record.Record{ID: "t", Sex: 1, PrincipalDx: "K80.100", SecondaryDx: []string{"K81.000"}}
	if res := g.Group(&rec); res.DRG != "HS29" || res.CCLevel != CCNone {
		t.Errorf("got %s with complication level %v, want HS29 without a counted complication", res.DRG, res.CCLevel)
	}
}

// TestWriteTablesRefusesStaleTables: writing a rule set over the tables of
// another refuses when one of them would be read back as part of it; its
// own tables it overwrites.
func TestWriteTablesRefusesStaleTables(t *testing.T) {
	rs, _, err := ReadTables(tinyTables())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := rs.WriteTables(dir); err != nil {
		t.Fatal(err)
	}
	if err := rs.WriteTables(dir); err != nil {
		t.Errorf("writing the same rule set again: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rs.WriteTables(dir); err != nil {
		t.Errorf("a file that is not a table: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileTCM), []byte("tcm_disease\ttcm_syndrome\twestern_dx\tnote\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = rs.WriteTables(dir)
	if !errors.Is(err, ErrStaleTable) || !strings.Contains(err.Error(), FileTCM) {
		t.Errorf("over another rule set's %s: %v, want ErrStaleTable naming it", FileTCM, err)
	}
}

// TestWriteTablesRefusesOtherRuleSet pins a bug: exporting a rule set into
// a directory holding another rule set's tables, with a hand-edited
// tcm_map.tsv, overwrote them all, because only tables the new rule set
// lacks were refused. A table both have, with other contents, is refused
// too, naming the directory, the other rule set and the files, and nothing
// is written.
func TestWriteTablesRefusesOtherRuleSet(t *testing.T) {
	sample, err := Sample()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := sample.WriteTables(dir); err != nil {
		t.Fatal(err)
	}
	tcm := filepath.Join(dir, FileTCM)
	edited, err := os.ReadFile(tcm)
	if err != nil {
		t.Fatal(err)
	}
	edited = append(edited, "A04.03.03\t\tK80.100\tlocal addition\n"...)
	if err := os.WriteFile(tcm, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	// Another rule set with every table the sample has.
	other, err := Sample()
	if err != nil {
		t.Fatal(err)
	}
	other.Name = "other"
	before := readDir(t, dir)
	err = other.WriteTables(dir)
	if !errors.Is(err, ErrStaleTable) {
		t.Fatalf("export of another rule set over the sample's tables: got %v, want ErrStaleTable", err)
	}
	for _, want := range []string{dir, `rule set "sample"'s tables`, FileRuleSet, FileTCM} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if after := readDir(t, dir); !maps.EqualFunc(before, after, slices.Equal) {
		t.Error("the refused export changed the directory")
	}

	// The sample itself over its export with a hand edit: refused too,
	// naming only the edited table.
	err = sample.WriteTables(dir)
	if !errors.Is(err, ErrStaleTable) || !strings.Contains(err.Error(), "in "+dir+", "+FileTCM+" differs from sample's") {
		t.Errorf("re-export over a hand-edited %s: got %v, want ErrStaleTable naming it", FileTCM, err)
	}
	if got, _ := os.ReadFile(tcm); string(got) != string(edited) {
		t.Errorf("the hand edit of %s was overwritten", FileTCM)
	}
}

// readDir returns the files of dir and their contents.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// TestReadTablesGBK pins a bug: GBK-encoded tables imported without a
// warning and stored their names as mojibake. A table in GBK (GB18030) is
// decoded, with a warning naming the file; one in no encoding that reads
// as a whole is an error at its first bad line.
func TestReadTablesGBK(t *testing.T) {
	gbk := func(s string) []byte {
		b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	fsys := tinyTables()
	fsys[FileDiagnoses] = &fstest.MapFile{Data: gbk("code\tname\nJ18.900\t肺炎\nK80.100\t胆囊结石\nK81.000\t急性胆囊炎\n")}
	fsys["notes.tsv"] = &fstest.MapFile{Data: gbk("key\tvalue\n地区\t苏州\n")}
	rs, problems, err := ReadTables(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	want := []string{
		FileDiagnoses + ": warning: read as GBK (GB18030): the file is not UTF-8; save it as UTF-8 to silence this",
		"notes.tsv: warning: read as GBK (GB18030): the file is not UTF-8; save it as UTF-8 to silence this",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := rs.Diagnoses[1].Name; n != "胆囊结石" {
		t.Errorf("name of %s: got %q, want 胆囊结石", rs.Diagnoses[1].Code, n)
	}
	if s := string(rs.Tables["notes.tsv"]); s != "key\tvalue\n地区\t苏州\n" {
		t.Errorf("notes.tsv kept as %q, want it decoded", s)
	}

	// One GBK line in a UTF-8 table, and a line in neither encoding: errors
	// at their lines.
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{append([]byte("code\tname\nJ18.900\t肺炎\nK80.100\t胆囊结石\n"), gbk("K81.000\t急性胆囊炎\n")...), FileDiagnoses + ":4: error: GBK, not UTF-8"},
		{[]byte("code\tname\nJ18.900\t\xff\n"), FileDiagnoses + ":2: error: neither UTF-8 nor GBK"},
	} {
		fsys[FileDiagnoses] = &fstest.MapFile{Data: tc.data}
		_, problems, err := ReadTables(fsys)
		if !errors.Is(err, ErrImport) {
			t.Errorf("%q: got %v, want ErrImport", tc.data, err)
		}
		var all []string
		for _, p := range problems {
			all = append(all, p.Error())
		}
		if joined := strings.Join(all, "\n"); !strings.Contains(joined, tc.want) {
			t.Errorf("%q: problems:\n%s\nwant one containing %q", tc.data, joined, tc.want)
		}
	}
}

// TestProblemCause: errors.Is reaches the cause of a problem, from the
// Problem and from the ImportError listing it, while Error keeps the words
// TestReadTablesProblems pins. Before Problem had Err, a caller could only
// match message text.
func TestProblemCause(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		data string // "" removes the file
		want string // Error of the problem
		is   error
	}{
		{"column count", FileCC, "code\tlevel\texclusion_table\nJ18.900\tMCC\n", "cc.tsv:2: error: 2 columns, want 3 (code, level, exclusion_table)", ErrTableSyntax},
		{"bad header", FileMDC, "mdc\tordr\tcondition\tname\n", `mdc.tsv:1: error: header is ["mdc" "ordr" "condition" "name"], want ["mdc" "order" "condition" "name"]`, ErrTableSyntax},
		{"undefined MDC", FileADRG, "adrg\tmdc\torder\tcondition\tname\nAH1\tA\t1\ttrue\tvent\nHC2\tH\t1\tmain_proc in ss\tx\nHS2\tH\t2\tpdx in zd\tx\nQS1\tQ\t1\ttrue\tx\n", `adrg.tsv:5: error: ADRG QS1 names MDC "Q", which is not defined`, ErrUnknownReference},
		{"unknown list", FileADRG, "adrg\tmdc\torder\tcondition\tname\nAH1\tA\t1\ttrue\tvent\nHC2\tH\t1\tmain_proc in nosuch\tx\nHS2\tH\t2\tpdx in zd\tx\n", `adrg.tsv:3: error: ADRG HC2: no list "nosuch"`, ErrUnknownReference},
		{"condition syntax", FileADRG, "adrg\tmdc\torder\tcondition\tname\nAH1\tA\t1\ttrue\tvent\nHC2\tH\t1\tmain_proc ss\tx\nHS2\tH\t2\tpdx in zd\tx\n", "", ErrSyntax},
		{"invalid code", FileLists, "owner\tlist\tsystem\tcode\tgroup\tregion\n*\tor\tproc\t51.2200\t\t\nH\tmdc_dx\tdx\tK8\t\t\nHC2\tss\tproc\t51.2300\t\t\nHS2\tzd\tdx\tK80.1\t\t\n", "", codes.ErrFormat},
		{"duplicate", FileCC, "code\tlevel\texclusion_table\nJ18.900\tMCC\tresp\nJ18.900\tCC\tresp\n", "cc.tsv:3:1: error: diagnosis J18.900 listed twice (first on line 2)", ErrRuleSet},
		{"missing table", FileMDC, "", "", fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := tinyTables()
			fsys[tc.file] = &fstest.MapFile{Data: []byte(tc.data)}
			if tc.data == "" {
				delete(fsys, tc.file)
			}
			_, _, err := ReadTables(fsys)
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, want an *ImportError", err)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(ImportError, %v) = false", tc.is)
			}
			var found []string
			for _, p := range ie.Problems {
				if p.Err == nil {
					t.Errorf("%v has no cause", p)
				}
				if errors.Is(p, tc.is) {
					found = append(found, p.Error())
				}
			}
			if len(found) == 0 {
				t.Fatalf("no problem wraps %v among %v", tc.is, ie.Problems)
			}
			if tc.want != "" && found[0] != tc.want {
				t.Errorf("got %q, want %q", found[0], tc.want)
			}
		})
	}
	// A warning has a cause too; its words are unchanged.
	fsys := tinyTables()
	fsys[FileLists] = &fstest.MapFile{Data: []byte("owner\tlist\tsystem\tcode\tgroup\tregion\n*\tor\tproc\t51.2200\t\t\nH\tmdc_dx\tdx\tk80\t\t\nHC2\tss\tproc\t51.2300\t\t\nHS2\tzd\tdx\tK80.1\t\t\n")}
	_, problems, err := ReadTables(fsys)
	if err != nil || len(problems) != 1 || !errors.Is(problems[0], ErrTableSyntax) || !problems[0].Warning {
		t.Fatalf("non-canonical code: err %v, problems %v; want one ErrTableSyntax warning", err, problems)
	}
	if got, want := problems[0].Error(), `lists.tsv:3:4: warning: diagnosis code "k80" is not canonical; read as "K80"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
