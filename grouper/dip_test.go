package grouper

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/race"
)

func dipFixture(t *testing.T) *Grouper {
	t.Helper()
	fsys := tinyTables()
	add := func(name, data string) { fsys[name] = &fstest.MapFile{Data: []byte(data)} }
	add(FileProcedures, "code\tname\tclass\n51.2300\t腹腔镜胆囊切除术\tsurgery\n51.2200\t胆囊切除术\tsurgery\n51.1000\tERCP\tdiagnostic\n51.8700\t内镜下胆管支架置入\ttherapeutic\n99.0400\t输血\t\n")
	add(FileDIPCore, "dip\tdx\tprocedures\tscore\tname\n"+
		"K80.1-C\tK80.1\t\t350\t胆囊结石伴胆囊炎 保守治疗\n"+
		"K80.1-L\tK80.1\t51.2300\t820\t胆囊结石伴胆囊炎 腹腔镜胆囊切除\n"+
		"K80.1-LE\tK80.1\t51.1000|51.2300\t990\t胆囊结石伴胆囊炎 腹腔镜胆囊切除+ERCP\n"+
		"K80.2-C\tK80.2\t\t300\t胆囊结石不伴胆囊炎 保守治疗\n")
	add(FileDIPComprehend, "dip\tcategory\tclass\tscore\tname\n"+
		"K80-Z1\tK80\tconservative\t310\t胆石症 保守\n"+
		"K80-Z2\tK80\tdiagnostic\t420\t胆石症 诊断性操作\n"+
		"K80-Z3\tK80\ttherapeutic\t560\t胆石症 治疗性操作\n"+
		"K80-Z4\tK80\tsurgical\t900\t胆石症 手术\n")
	rs, problems, err := ReadTables(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if !p.Warning {
			t.Fatal(p)
		}
	}
	g, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGroupDIP(t *testing.T) {
	g := dipFixture(t)
	for _, tc := range []struct {
		name  string
		pdx   string
		sdx   []string
		procs []string
		group string
		kind  DIPKind
		score float64
		sev   CCLevel
	}{
		// Core: subcategory K80.1 and no listed procedure = conservative core group.
		{"core conservative", "K80.100", nil, nil, "K80.1-C", DIPCore, 350, CCNone},
		// 99.04 is not listed for K80.1, so it does not change the combination.
		{"unlisted procedure ignored", "K80.100", nil, []string{"99.0400"}, "K80.1-C", DIPCore, 350, CCNone},
		{"core one procedure", "K80.100x003", nil, []string{"51.2300"}, "K80.1-L", DIPCore, 820, CCNone},
		// The combination is sorted and de-duplicated whatever the record's order.
		{"core combination any order", "K80.100", nil, []string{"51.2300", "51.1000", "51.2300"}, "K80.1-LE", DIPCore, 990, CCNone},
		// 51.87 is not listed for K80.1, so the listed set {51.10} has no core group:
		// comprehensive by the most intensive class present, therapeutic (51.87) > diagnostic (51.10).
		{"no core combination -> comprehensive", "K80.100", nil, []string{"51.1000", "51.8700"}, "K80-Z3", DIPComprehensive, 560, CCNone},
		// K80.0 has no core groups at all: comprehensive, surgical class from 51.22.
		{"comprehensive surgical", "K80.000", nil, []string{"51.2200"}, "K80-Z4", DIPComprehensive, 900, CCNone},
		{"comprehensive conservative", "K80.500", nil, nil, "K80-Z1", DIPComprehensive, 310, CCNone},
		// Severity comes from the counted CC level: J18.900 is an MCC not excluded for K80.
		{"severity MCC", "K80.100", []string{"J18.900"}, nil, "K80.1-C", DIPCore, 350, CCLevelMCC},
		// K81.000 is an MCC in table "bil", and K80 principals are in "bil": excluded.
		{"severity excluded", "K80.100", []string{"K81.000"}, nil, "K80.1-C", DIPCore, 350, CCNone},
		// No DIP group for a category the catalogue does not have.
		{"no group", "J18.900", nil, nil, "", DIPNone, 0, CCNone},
	} {
		rec := record.Record{ID: tc.name, Sex: 1, AgeYears: 50, PrincipalDx: tc.pdx, SecondaryDx: tc.sdx, Procedures: tc.procs}
		res := g.GroupScheme(&rec, SchemeDIP, nil)
		d := res.DIP
		if d.Group != tc.group || d.Kind != tc.kind || d.Score != tc.score || d.Severity != tc.sev {
			t.Errorf("%s: got %s %s %g %s, want %s %s %g %s", tc.name, d.Group, d.Kind, d.Score, d.Severity, tc.group, tc.kind, tc.score, tc.sev)
		}
		if tc.group == "" && d.Reason != ReasonNoDIPGroup {
			t.Errorf("%s: reason %q, want %s", tc.name, d.Reason, ReasonNoDIPGroup)
		}
		if res.DRG != "" || res.Status != 0 {
			t.Errorf("%s: DIP-only grouping set DRG fields: %s %s", tc.name, res.DRG, res.Status)
		}
		both := g.GroupScheme(&rec, SchemeBoth, new(Trace))
		if both.DIP != d {
			t.Errorf("%s: DIP under both = %+v, under dip = %+v", tc.name, both.DIP, d)
		}
		if drgOnly := g.Group(&rec); both.DRG != drgOnly.DRG || both.Status != drgOnly.Status {
			t.Errorf("%s: DRG under both = %s, alone = %s", tc.name, both.DRG, drgOnly.DRG)
		}
	}
}

func TestDIPDoesNotAllocate(t *testing.T) {
	if race.Enabled {
		t.Skip(race.SkipAllocs)
	}
	if invariants {
		t.Skip("allocation counts are not meaningful under -tags invariants: GroupScheme also runs the traced full walk")
	}
	g := dipFixture(t)
	rec := record.Record{ID: "x", Sex: 1, AgeYears: 50, PrincipalDx: "K80.100", SecondaryDx: []string{"J18.900"}, Procedures: []string{"51.2300", "51.1000"}}
	if n := testing.AllocsPerRun(1000, func() { g.GroupScheme(&rec, SchemeBoth, nil) }); n != 0 {
		t.Errorf("GroupScheme(both) allocates %.1f times", n)
	}
}

func TestDIPCatalogueProblems(t *testing.T) {
	fsys := tinyTables()
	fsys[FileDIPCore] = &fstest.MapFile{Data: []byte("dip\tdx\tprocedures\tscore\tname\nA\tK80.1\t51.2300|51.1000\t1\tx\nB\tK80.1\t51.1000\t-3\ty\n")}
	fsys[FileDIPComprehend] = &fstest.MapFile{Data: []byte("dip\tcategory\tclass\tscore\tname\nC\tK80\tmedical\t1\tz\nD\tK81\tsurgical\tNaN\tw\nE\tK82\tsurgical\t1_000\tv\n")}
	_, problems, err := ReadTables(fsys)
	if err == nil {
		t.Fatal("import succeeded")
	}
	want := []string{
		"dip_core.tsv:2:3: error: procedures must be sorted and distinct",
		"dip_core.tsv:3:4: error: \"-3\" is not a non-negative number",
		"dip_comprehensive.tsv:2:3: error: class \"medical\"",
		"dip_comprehensive.tsv:3:4: error: \"NaN\" is not a non-negative number",
		"dip_comprehensive.tsv:4:4: error: \"1_000\" is not a non-negative number",
	}
	for _, w := range want {
		found := false
		for _, p := range problems {
			if containsStr(p.Error(), w) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem %q in %v", w, problems)
		}
	}
}

// TestDIPCategoryCore pins the fix for core groups keyed on a 3-character
// category: a principal such as I10.x00, whose category has no subdivision,
// reaches them (found when the generator keyed categories this way).
func TestDIPCategoryCore(t *testing.T) {
	fsys := tinyTables()
	fsys[FileDIPCore] = &fstest.MapFile{Data: []byte("dip\tdx\tprocedures\tscore\tname\nI10-C\tI10\t\t400\t高血压 保守\nK80.1-C\tK80.1\t\t350\t胆囊结石伴胆囊炎\n")}
	rs, _, err := ReadTables(fsys)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	for pdx, want := range map[string]string{"I10.x00": "I10-C", "I10.x00x002": "I10-C", "I10": "I10-C", "K80.100": "K80.1-C"} {
		rec := record.Record{ID: "1", Sex: 1, AgeYears: 60, PrincipalDx: pdx}
		if got := g.GroupScheme(&rec, SchemeDIP, nil).DIP.Group; got != want {
			t.Errorf("%s: DIP group %q, want %q", pdx, got, want)
		}
	}
}

// TestDIPWrongLevelWarn: catalogue rows keyed at a level the grouper never
// looks at are imported with a warning naming the row.
func TestDIPWrongLevelWarn(t *testing.T) {
	fsys := tinyTables()
	fsys[FileDiagnoses] = &fstest.MapFile{Data: []byte("code\tname\nK80.100\tx\nK80.200\tx\nJ18.900\ty\n")}
	fsys[FileProcedures] = &fstest.MapFile{Data: []byte("code\tname\tclass\n51.2300\ta\tsurgery\n")}
	fsys[FileDIPCore] = &fstest.MapFile{Data: []byte("dip\tdx\tprocedures\tscore\tname\n" +
		"A\tK80.1\t51.2300\t1\tsubcategory\n" +
		"B\tK80.100\t\t1\tshadowed by K80.1\n" +
		"C\tK80.200\t\t1\tfull code, nothing above it\n" +
		"D\tJ18\t\t1\tcategory\n" +
		"E\tJ18.900\t\t1\tshadowed by J18\n")}
	fsys[FileDIPComprehend] = &fstest.MapFile{Data: []byte("dip\tcategory\tclass\tscore\tname\n" +
		"K80-C\tK80\tconservative\t1\tok\nK80.1-C\tK80.1\tconservative\t1\tnever\n")}
	rs, problems, err := ReadTables(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		if p.Warning && (p.File == FileDIPCore || p.File == FileDIPComprehend) {
			got = append(got, fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column))
		}
	}
	want := []string{"dip_comprehensive.tsv:3:2", "dip_core.tsv:3:2", "dip_core.tsv:6:2"}
	if !slices.Equal(got, want) {
		t.Errorf("warnings at %q, want %q\n%v", got, want, problems)
	}
	// The warnings are true: the shadowed rows never match, the full code
	// with nothing above it does.
	g, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	for pdx, want := range map[string]string{"K80.100": "K80-C", "K80.200": "C", "J18.900": "D"} {
		rec := record.Record{ID: "r", Sex: 1, AgeYears: 40, PrincipalDx: pdx}
		if res := g.GroupScheme(&rec, SchemeDIP, nil); res.DIP.Group != want {
			t.Errorf("%s: DIP group %q, want %q", pdx, res.DIP.Group, want)
		}
	}
}

func TestDIPUnknownCodesWarn(t *testing.T) {
	fsys := tinyTables()
	fsys[FileDiagnoses] = &fstest.MapFile{Data: []byte("code\tname\nK80.100\tx\nJ18.900\ty\nK81.000\tz\n")}
	fsys[FileProcedures] = &fstest.MapFile{Data: []byte("code\tname\tclass\n51.2300\ta\tsurgery\n51.2200\tb\tsurgery\n")}
	fsys[FileDIPCore] = &fstest.MapFile{Data: []byte("dip\tdx\tprocedures\tscore\tname\nA\tK80.1\t51.2300\t1\tx\nB\tQ99.9\t51.9900\t1\ty\n")}
	_, problems, err := ReadTables(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{"dip_core.tsv:3:2: warning: diagnosis Q99.9", "dip_core.tsv:3:3: warning: procedure 51.9900"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings:\n%s\nwant %q", all, want)
		}
	}
	if strings.Contains(all, "dip_core.tsv:2:") {
		t.Errorf("known codes warned about:\n%s", all)
	}
}
