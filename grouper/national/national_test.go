package national_test

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/national"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/race"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// dataRoot holds the national schemes beside the project; tests skip
// without them.
var dataRoot = filepath.Join("..", "..", "..", "shared", "data")

// dataDir is the directory of a version's tables, "1.1" or "2.0".
func dataDir(version string) string { return filepath.Join(dataRoot, "chs-drg-"+version) }

// load converts and compiles a version's tables, skipping without them.
func load(tb testing.TB, version string) (*grouper.RuleSet, *grouper.Grouper) {
	tb.Helper()
	dir := dataDir(version)
	if _, err := os.Stat(filepath.Join(dir, "adrg.tsv")); err != nil {
		tb.Skipf("national CHS-DRG %s tables not found at %s: %v", version, dir, err)
	}
	rs, err := national.Read(os.DirFS(dir))
	if err != nil {
		tb.Fatal(err)
	}
	if rs.Version != version {
		tb.Fatalf("tables in %s read as version %s", dir, rs.Version)
	}
	g, err := grouper.Compile(rs)
	if err != nil {
		tb.Fatal(err)
	}
	return rs, g
}

type labelled struct {
	rec                    record.Record
	mdc, adrg, drg, status string
}

func labelledSample(tb testing.TB, version string) []labelled {
	tb.Helper()
	rd, err := record.Open(filepath.Join(dataDir(version), "labelled-sample.tsv"), record.Options{KeepColumns: []string{"peer_mdc", "peer_adrg", "peer_drg", "peer_status"}})
	if err != nil {
		tb.Fatal(err)
	}
	defer rd.Close()
	var out []labelled
	for {
		var rec record.Record
		err := rd.Read(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("labelled sample: %v", err)
		}
		out = append(out, labelled{rec: rec, mdc: rec.Extra[0], adrg: rec.Extra[1], drg: rec.Extra[2], status: rec.Extra[3]})
	}
	return out
}

func knownDisagreements(t *testing.T, version string) map[string]string {
	f, err := os.Open(filepath.Join("testdata", version, "disagreements.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	known := map[string]string{}
	sc := bufio.NewScanner(f)
	header := true
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if header {
			header = false
			continue
		}
		cols := strings.Split(line, "\t")
		known[cols[0]] = cols[1] + " vs " + cols[2]
	}
	return known
}

// peerStatus maps the labelling groupers' statuses to ours: the 1.1 Java's
// reasons, the 2.0 grouper's three statuses.
var peerStatus = map[string]grouper.Status{
	"OK": grouper.StatusOK, "QY": grouper.StatusQY, "UNGROUPABLE": grouper.StatusUngroupable,
	"UNGROUPABLE:NO_MDC_ADRG_MATCH":       grouper.StatusUngroupable,
	"CHECK_FAILED:NEWBORN_WEIGHT_MISSING": grouper.StatusCheckFailed, "CHECK_FAILED:SEX_MISSING": grouper.StatusCheckFailed,
}

// TestNationalAgreement groups each version's labelled sample under its
// converted tables and holds the agreement with the independent grouper to
// the thresholds, and every disagreement to the documented list
// (testdata/VERSION/disagreements.tsv).
func TestNationalAgreement(t *testing.T) {
	for _, version := range []string{"1.1", "2.0"} {
		t.Run(version, func(t *testing.T) { testAgreement(t, version) })
	}
}

func testAgreement(t *testing.T, version string) {
	_, g := load(t, version)
	recs := labelledSample(t, version)
	if len(recs) != 5000 {
		t.Fatalf("read %d labelled records, want 5000", len(recs))
	}
	known := knownDisagreements(t, version)
	var mdcOK, adrgOK, drgOK int
	for i := range recs {
		l := &recs[i]
		res := g.Group(&l.rec)
		wantStatus, ok := peerStatus[l.status]
		if !ok {
			t.Fatalf("record %s: peer status %q", l.rec.ID, l.status)
		}
		adrg := res.ADRG
		if res.Status == grouper.StatusQY {
			adrg = "" // the 2.0 sample leaves the ADRG of QY blank
		}
		if res.MDC == l.mdc {
			mdcOK++
		}
		if adrg == l.adrg {
			adrgOK++
		}
		if res.DRG == l.drg {
			drgOK++
		}
		disagree := res.DRG != l.drg || res.Status != wantStatus
		if why, listed := known[l.rec.ID]; disagree != listed {
			ex := g.Explain(&l.rec)
			t.Errorf("record %s: ours %s (%s %s), theirs %s (%s); listed as known disagreement: %t %s\n%s",
				l.rec.ID, res.DRG, res.Status, res.Reason, l.drg, l.status, listed, why, ex.Trace)
		}
	}
	n := float64(len(recs))
	t.Logf("CHS-DRG %s agreement: MDC %.2f%%, ADRG %.2f%%, DRG %.2f%%", version, 100*float64(mdcOK)/n, 100*float64(adrgOK)/n, 100*float64(drgOK)/n)
	if float64(drgOK)/n < 0.995 {
		t.Errorf("DRG agreement %d/%d below 99.5%%", drgOK, len(recs))
	}
	if float64(mdcOK)/n < 0.998 || float64(adrgOK)/n < 0.998 {
		t.Errorf("MDC %d or ADRG %d agreement below 99.8%% of %d", mdcOK, adrgOK, len(recs))
	}
}

// TestExplainMatchesGroup checks the indexed path (candidate pruning) against
// the exhaustive path Explain takes, on every labelled record.
func TestExplainMatchesGroup(t *testing.T) {
	for _, version := range []string{"1.1", "2.0"} {
		_, g := load(t, version)
		for _, l := range labelledSample(t, version) {
			a, b := g.Group(&l.rec), g.Explain(&l.rec)
			b.Trace = nil
			if a != b {
				t.Fatalf("%s record %s: Group %+v, Explain %+v", version, l.rec.ID, a, b)
			}
		}
	}
}

func TestGroupDoesNotAllocate(t *testing.T) {
	if race.Enabled {
		t.Skip(race.SkipAllocs)
	}
	if invariants {
		t.Skip("allocation counts are not meaningful under -tags invariants: Group also runs the traced full walk")
	}
	for _, version := range []string{"1.1", "2.0"} {
		_, g := load(t, version)
		recs := labelledSample(t, version)
		i := 0
		allocs := testing.AllocsPerRun(2000, func() {
			g.Group(&recs[i%len(recs)].rec)
			i++
		})
		if allocs != 0 {
			t.Errorf("CHS-DRG %s: Group allocates %.2f times per record, want 0", version, allocs)
		}
	}
}

func TestNationalChecks(t *testing.T) {
	_, g := load(t, "1.1")
	for _, tc := range []struct {
		name string
		rec  record.Record
		want string
	}{
		{"blank sex", record.Record{ID: "a", AgeYears: 40, PrincipalDx: "K80.100"}, "SEX_MISSING"},
		{"newborn without weight", record.Record{ID: "b", Sex: 1, AgeDays: 3, PrincipalDx: "P07.100"}, "NEWBORN_WEIGHT_MISSING"},
		{"born on the day, without weight", record.Record{ID: "c", Sex: 1, PrincipalDx: "P07.100", Present: record.HasAgeYears | record.HasAgeDays}, "NEWBORN_WEIGHT_MISSING"},
		// The Java reads the blank age as 0 and reports NEWBORN_WEIGHT_MISSING.
		{"adult without age", record.Record{ID: "d", Sex: 1, PrincipalDx: "K80.100"}, "AGE_MISSING"},
		// As read from a file: the weight does not stand in for the age.
		{"weight but no age", record.Record{ID: "e", Sex: 1, BirthWeightG: 3000, PrincipalDx: "K80.100", Present: record.HasSex | record.HasBirthWeight}, "AGE_MISSING"},
	} {
		res := g.Group(&tc.rec)
		if res.Status != grouper.StatusCheckFailed || res.Reason != tc.want || res.DRG != grouper.Ungroupable {
			t.Errorf("%s: got %s %s %s, want CHECK_FAILED %s 0000", tc.name, res.Status, res.Reason, res.DRG, tc.want)
		}
	}
}

// TestCodesNormalised: codes in edited national tables are normalised as
// record codes are (a lower-case i63.900 in mdc_dx.tsv once made every
// I63.900 record 0000), and a code that is not one is reported with its
// file and line.
func TestCodesNormalised(t *testing.T) {
	load(t, "1.1") // skips without the tables
	dataDir := dataDir("1.1")
	fsys := fstest.MapFS{}
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dataDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fsys[e.Name()] = &fstest.MapFile{Data: data}
	}
	orig := string(fsys["mdc_dx.tsv"].Data)
	if !strings.Contains(orig, "\nB\tI63.900\t") {
		t.Fatal("mdc_dx.tsv no longer lists I63.900 under MDC B")
	}
	fsys["mdc_dx.tsv"].Data = []byte(strings.Replace(orig, "\nB\tI63.900\t", "\nB\ti63.900\t", 1))
	rs, err := national.Read(fsys)
	if err != nil {
		t.Fatal(err)
	}
	g, err := grouper.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	rec := &record.Record{ID: "N1", Sex: 1, AgeYears: 70, Present: record.HasAgeYears, PrincipalDx: "I63.900", DischargeMethod: 1}
	if res := g.Group(rec); res.MDC != "B" || res.DRG == "0000" {
		t.Errorf("I63.900 with i63.900 in mdc_dx.tsv: MDC %q DRG %q, want MDC B", res.MDC, res.DRG)
	}

	lines := strings.SplitAfter(orig, "\n")
	lines[2] = "B\tI63.9Q0\t\n"
	fsys["mdc_dx.tsv"].Data = []byte(strings.Join(lines, ""))
	if _, err := national.Read(fsys); err == nil || !strings.Contains(err.Error(), "mdc_dx.tsv:3: ") || !strings.Contains(err.Error(), "I63.9Q0") {
		t.Errorf("a bad code: got %v, want an error at mdc_dx.tsv:3 naming it", err)
	}
}

func TestDetect(t *testing.T) {
	for _, version := range []string{"1.1", "2.0"} {
		dir := dataDir(version)
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			t.Skipf("national tables absent: %v", err)
		}
		if !national.Detect(os.DirFS(dir)) {
			t.Errorf("Detect does not recognise the %s layout", version)
		}
		p, err := national.DetectProfile(os.DirFS(dir))
		if err != nil || p.Version != version {
			t.Errorf("DetectProfile(%s) = %v, %v; want the %s profile", dir, p, err, version)
		}
	}
	if national.Detect(grouper.SampleFS()) {
		t.Error("Detect mistakes the sample rule set for the national layout")
	}
}

func TestCondition(t *testing.T) {
	for in, want := range map[string]string{
		"pdx in mdc_dx AND count(distinct trauma_region of any_dx in mdc_dx) >= 2": "pdx in mdc_dx AND regions(mdc_dx) >= 2",
		"pdx in zd AND (proc_group(1) OR (proc_group(2) AND proc_group(3)))":       "pdx in zd AND (any_proc in ss[1] OR (any_proc in ss[2] AND any_proc in ss[3]))",
		"main_proc in ss AND age_days <= 28":                                       "main_proc in ss AND age_days <= 28",
	} {
		if got := national.Condition(in); got != want {
			t.Errorf("Condition(%q) = %q, want %q", in, got, want)
		}
		if _, err := grouper.ParseExpr(national.Condition(in)); err != nil {
			t.Errorf("converted %q does not parse: %v", in, err)
		}
	}
}

// TestGBKTableRefused: a national table saved as GBK used to import without
// a word, storing every name as mojibake. It is refused naming the file,
// its encoding and the fix; a GBK line in a UTF-8 table, naming the line.
func TestGBKTableRefused(t *testing.T) {
	gbk := func(s string) []byte {
		b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"whole file", gbk("code\tname\nK80.100\t胆囊结石伴急性胆囊炎\nJ18.900\t肺炎\n"),
			"diagnoses.tsv: in GB18030, not UTF-8: convert it (iconv -f GB18030 -t UTF-8)"},
		{"one line", append([]byte("code\tname\nK80.100\t胆囊结石伴急性胆囊炎\nJ18.000\t支气管肺炎\n"), gbk("J18.900\t肺炎\n")...),
			"diagnoses.tsv:4: GBK, not UTF-8"},
	} {
		fsys := fstest.MapFS{"diagnoses.tsv": &fstest.MapFile{Data: tc.data}}
		_, err := national.ReadProfile(fsys, &national.CHSDRG11)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Read: %v; want an error with %q", tc.name, err, tc.want)
		}
	}
}

// TestNames: both versions name their MDCs, ADRGs and DRGs. 2.0's tables
// carry every name; 1.1's carry DRG names only, so its MDCs are named by
// the profile and its ADRGs after their first DRG without the complication
// ending (ES21 肺真菌病，伴严重并发症或合并症 -> ES2 肺真菌病).
func TestNames(t *testing.T) {
	for _, tc := range []struct{ version, code, want string }{
		{"1.1", "G", "消化系统疾病及功能障碍"},
		{"1.1", "ES2", "肺真菌病"},
		{"1.1", "HC1", "胆总管手术"},
		{"1.1", "ES23", "肺真菌病，伴并发症或合并症"},
		{"2.0", "M", "男性生殖系统疾病及功能障碍"},
		{"2.0", "ES2", "呼吸系统结核"},
		{"2.0", "PS1", "极度发育不全（出生体重＜1500g）"},
		{"2.0", "AA19", "心肺移植"},
		{"2.0", "MQY", "歧义组（男性生殖系统疾病及功能障碍）"},
		{"1.1", "MQY", ""}, // 1.1 has no QY
	} {
		_, g := load(t, tc.version)
		if got := g.Name(tc.code); got != tc.want {
			t.Errorf("%s: Name(%s) = %q, want %q", tc.version, tc.code, got, tc.want)
		}
	}
	for _, version := range []string{"1.1", "2.0"} {
		rs, _ := load(t, version)
		for _, a := range rs.ADRGs {
			if a.Name == "" {
				t.Errorf("%s: ADRG %s has no name", version, a.Code)
			}
		}
		for _, m := range rs.MDCs {
			if m.Name == "" {
				t.Errorf("%s: MDC %s has no name", version, m.Code)
			}
		}
	}
}
