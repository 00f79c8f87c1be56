package grouper

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper/record"
)

// fuzzTables are the files FuzzReadTables changes: every table of the
// format and one extra table, which ReadTables keeps for other packages.
var fuzzTables = []string{FileRuleSet, FileChecks, FileMDC, FileADRG, FileDRG, FileLists, FileCC,
	FileExclusions, FileDiagnoses, FileProcedures, FileTCM, FileDIPCore, FileDIPComprehend, "weights.tsv"}

// The selector of a FuzzReadTables input: its low six bits choose the
// table (fuzzTables, modulo their number), these two bits the rule set the
// other tables come from and what the data does to the chosen table.
const (
	// fuzzSample: the base is the sample rule set, else tinyTables. An
	// input on tinyTables runs in half a millisecond, one on the sample
	// (200 KB of tables, read and compiled twice) in some twenty.
	fuzzSample = 0x80
	// fuzzReplace: the data replaces the table, or removes it when empty.
	// Else the data is appended to the table (to its header when the base
	// has none), which keeps inputs that change the sample small: the
	// fuzzer minimises new inputs by executing them over and over.
	fuzzReplace = 0x40
)

// fuzzInput is the rule set a FuzzReadTables input stands for, and the
// name of the table the input changed.
func fuzzInput(sel byte, data []byte) (fstest.MapFS, string) {
	fsys := tinyTables()
	if sel&fuzzSample != 0 {
		fsys = fstest.MapFS{}
		ents, _ := fs.ReadDir(SampleFS(), ".")
		for _, e := range ents {
			b, _ := fs.ReadFile(SampleFS(), e.Name())
			fsys[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	name := fuzzTables[int(sel&^(fuzzSample|fuzzReplace))%len(fuzzTables)]
	switch {
	case sel&fuzzReplace == 0:
		var b []byte
		if f := fsys[name]; f != nil {
			b = slices.Clip(f.Data)
		} else if h := tableHeaders[name]; h != nil {
			b = []byte(strings.Join(h, "\t") + "\n")
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
		fsys[name] = &fstest.MapFile{Data: append(b, data...)}
	case len(data) == 0:
		delete(fsys, name)
	default:
		fsys[name] = &fstest.MapFile{Data: data}
	}
	return fsys, name
}

// FuzzReadTables fuzzes the tables bureaus edit by hand. An input is a
// selector byte and the bytes of one table: the selector chooses the table,
// the rule set the other tables come from (the sample or tinyTables), and
// whether the bytes replace the table or are appended to it (see
// fuzzSample and fuzzReplace), so that coverage reaches every table while the rest of the
// rule set stays consistent. The contract:
//
//   - ReadTables never panics. It returns a RuleSet with only warnings, or
//     no RuleSet and an *ImportError (wrapping ErrImport and ErrRuleSet)
//     listing exactly the error-level problems it returned.
//   - A RuleSet it returns compiles (Compile neither panics nor fails), and
//     the Grouper groups records without panicking, the pruned candidate
//     walk giving what the full walk gives (as -tags invariants checks on
//     every call).
//   - EncodeTables then ReadTables gives the same rule set with no errors
//     and no warnings the first read did not have: equal in every field
//     but the source line numbers, and in those too when no table has a
//     blank line (ReadTables skips blank lines, EncodeTables writes none);
//     and encoding that again gives the same bytes.
func FuzzReadTables(f *testing.F) {
	for i, name := range fuzzTables {
		// The sample as it is, once per table for appends to grow from;
		// its small tables whole, for replacements to shrink from.
		f.Add(byte(i|fuzzSample), []byte{})
		if b, err := fs.ReadFile(SampleFS(), name); err == nil && len(b) <= 2048 {
			f.Add(byte(i|fuzzSample|fuzzReplace), b)
		}
		if m := tinyTables()[name]; m != nil {
			f.Add(byte(i|fuzzReplace), m.Data)
		}
	}
	for _, s := range fuzzSeeds {
		i := slices.Index(fuzzTables, s.file)
		if i < 0 {
			f.Fatalf("seed for %s, which FuzzReadTables does not fuzz", s.file)
		}
		data := []byte(s.data)
		if s.gbk {
			var err error
			if data, err = simplifiedchinese.GB18030.NewEncoder().Bytes(data); err != nil {
				f.Fatal(err)
			}
		}
		f.Add(byte(i)|s.mode, data)
	}
	recs := fuzzRecords(f)
	f.Fuzz(func(t *testing.T, sel byte, data []byte) {
		fsys, file := fuzzInput(sel, data)
		rs, problems, err := ReadTables(fsys)
		checkProblems(t, rs, problems, err)
		if rs == nil {
			return
		}
		g, err := Compile(rs)
		if err != nil {
			t.Fatalf("ReadTables returned a rule set (%s changed) that does not compile: %v", file, err)
		}
		for i := range recs {
			rec := &recs[i]
			pruned := g.GroupScheme(rec, SchemeBoth, nil)
			full := g.GroupScheme(rec, SchemeBoth, new(Trace))
			if a, b := walkKeyOf(pruned), walkKeyOf(full); a != b {
				t.Fatalf("record %s: pruned walk %s, full walk %s\n%s", rec.ID, a, b, full.Trace)
			}
		}

		enc := rs.EncodeTables()
		back := fstest.MapFS{}
		for n, b := range enc {
			back[n] = &fstest.MapFile{Data: b}
		}
		rs2, problems2, err := ReadTables(back)
		if err != nil {
			t.Fatalf("ReadTables(EncodeTables()) with %s changed: %v", file, err)
		}
		had := map[string]bool{}
		for _, p := range problems {
			had[p.File+"\x00"+p.Msg] = true
		}
		for _, p := range problems2 {
			if !had[p.File+"\x00"+p.Msg] {
				t.Errorf("the re-read of the encoded tables has a new problem: %v", p)
			}
		}
		if !reflect.DeepEqual(rs, rs2) {
			a, b := withoutLines(rs), withoutLines(rs2)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s changed: EncodeTables then ReadTables changes the rule set:\n%s", file, ruleSetDiff(a, b))
			}
			if !hasBlankLine(fsys) {
				t.Fatalf("%s changed: EncodeTables then ReadTables changes line numbers, and no table has a blank line:\n%s", file, ruleSetDiff(rs, rs2))
			}
		}
		enc2 := rs2.EncodeTables()
		for n, b := range enc {
			if !bytes.Equal(enc2[n], b) {
				t.Errorf("%s: encoded again differs:\nfirst  %q\nsecond %q", n, b, enc2[n])
			}
		}
		if len(enc2) != len(enc) {
			t.Errorf("encoded again: %d tables, first %d", len(enc2), len(enc))
		}
	})
}

// checkProblems checks what ReadTables returned against its contract.
func checkProblems(t *testing.T, rs *RuleSet, problems []*Problem, err error) {
	t.Helper()
	var errs []*Problem
	for _, p := range problems {
		if p == nil {
			t.Fatal("a nil problem")
		}
		if p.File == "" || p.Msg == "" || p.Err == nil || p.Line < 0 || p.Column < 0 || p.Column > 0 && p.Line == 0 {
			t.Errorf("problem %#v: no file, message or cause, or a column without a line", p)
		}
		if !p.Warning {
			errs = append(errs, p)
		}
	}
	if err == nil {
		if rs == nil {
			t.Fatal("ReadTables returned neither a rule set nor an error")
		}
		if len(errs) > 0 {
			t.Fatalf("ReadTables returned a rule set despite errors: %v", errs)
		}
		return
	}
	if rs != nil {
		t.Fatalf("ReadTables returned a rule set and the error %v", err)
	}
	var ie *ImportError
	if !errors.As(err, &ie) || !errors.Is(err, ErrImport) || !errors.Is(err, ErrRuleSet) {
		t.Fatalf("error %v (%T) is not an *ImportError wrapping ErrImport and ErrRuleSet", err, err)
	}
	if len(errs) == 0 || !slices.Equal(ie.Problems, errs) {
		t.Fatalf("ImportError lists %v, want the error-level problems %v", ie.Problems, errs)
	}
}

// withoutLines returns a copy of rs with every Line field zero.
func withoutLines(rs *RuleSet) *RuleSet {
	v := reflect.New(reflect.TypeFor[RuleSet]())
	v.Elem().Set(reflect.ValueOf(rs).Elem())
	zeroLines(v.Elem())
	return v.Interface().(*RuleSet)
}

func zeroLines(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).Name == "Line" && v.Field(i).CanSet() {
				v.Field(i).SetInt(0)
				continue
			}
			zeroLines(v.Field(i))
		}
	case reflect.Slice:
		if v.IsNil() || v.Type().Elem().Kind() != reflect.Struct {
			return
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		v.Set(c)
		for i := range c.Len() {
			zeroLines(c.Index(i))
		}
	}
}

// ruleSetDiff names the first differing rows of a and b, field by field.
func ruleSetDiff(a, b *RuleSet) string {
	var out []string
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := range va.NumField() {
		x, y := va.Field(i), vb.Field(i)
		if reflect.DeepEqual(x.Interface(), y.Interface()) {
			continue
		}
		name := va.Type().Field(i).Name
		if x.Kind() == reflect.Slice && y.Kind() == reflect.Slice {
			for j := range max(x.Len(), y.Len()) {
				var ex, ey any
				if j < x.Len() {
					ex = x.Index(j).Interface()
				}
				if j < y.Len() {
					ey = y.Index(j).Interface()
				}
				if !reflect.DeepEqual(ex, ey) {
					out = append(out, fmt.Sprintf("%s[%d]: %#v\n  now %#v", name, j, ex, ey))
					break
				}
			}
			continue
		}
		out = append(out, fmt.Sprintf("%s: %#v\n  now %#v", name, x.Interface(), y.Interface()))
	}
	return strings.Join(out, "\n")
}

// hasBlankLine reports whether a table has a line ReadTables skips as
// blank (empty, or only \r).
func hasBlankLine(fsys fstest.MapFS) bool {
	for _, f := range fsys {
		for l := range strings.Lines(string(f.Data)) {
			if strings.TrimRight(l, "\r\n") == "" {
				return true
			}
		}
	}
	return false
}

// fuzzRecords are the records FuzzReadTables groups under every rule set
// it reads: drawn, with a fixed seed, from the sample's codes (which most
// inputs keep) and tinyTables' (the rest).
func fuzzRecords(tb testing.TB) []record.Record {
	rs, err := Sample()
	if err != nil {
		tb.Fatal(err)
	}
	dx := []string{"K80.100", "K81.000", "J18.900", "I10.x00", "P07.100"}
	proc := []string{"51.2200", "51.2300"}
	for _, l := range rs.Lists {
		if l.System == codes.SystemProcedure {
			proc = append(proc, l.Code)
		} else if len(l.Code) >= 5 {
			dx = append(dx, l.Code)
		}
	}
	for _, c := range rs.CC {
		dx = append(dx, c.Code)
	}
	r := rand.New(rand.NewPCG(11, 3))
	recs := make([]record.Record, 32)
	for i := range recs {
		rec := &recs[i]
		rec.ID = fmt.Sprintf("F%02d", i)
		rec.Sex = int8(r.IntN(3))
		rec.AgeYears = int16(r.IntN(90))
		if i%8 == 0 {
			rec.AgeYears, rec.AgeDays, rec.BirthWeightG = 0, int16(r.IntN(28)), int32(500+r.IntN(3000))
		}
		rec.VentHours = float64(r.IntN(200))
		rec.Present = record.HasSex | record.HasAgeYears | record.HasAgeDays | record.HasBirthWeight | record.HasVentHours
		rec.PrincipalDx = dx[r.IntN(len(dx))]
		if i%11 == 5 && len(rs.TCM) > 0 {
			m := rs.TCM[r.IntN(len(rs.TCM))]
			rec.PrincipalDx, rec.TCMPrincipalDx, rec.TCMSyndrome = "", m.Disease, m.Syndrome
		}
		for k := r.IntN(6); k > 0; k-- {
			rec.SecondaryDx = append(rec.SecondaryDx, dx[r.IntN(len(dx))])
		}
		for k := r.IntN(4); k > 0; k-- {
			rec.Procedures = append(rec.Procedures, proc[r.IntN(len(proc))])
		}
	}
	return recs
}

// fuzzSeeds are hand-made variants of the sample and tiny tables: the
// spellings people and spreadsheets produce, and the edits that once
// broke an import.
var fuzzSeeds = []struct {
	file string
	mode byte // fuzzSample, fuzzReplace: which base, and replace or append
	gbk  bool // encode data in GB18030
	data string
}{
	// Line endings, BOM, blank lines, a table cut short.
	{file: FileRuleSet, mode: fuzzReplace, data: "\ufeffkey\tvalue\r\nname\ttiny\r\n\r\nqy\tyes\r\nqy_list\tor\r\nfall_through\toff\r\n"},
	// \r\r\n once read as a name ending in \r, written back as "pre\r\n"
	// and read again as "pre".
	{file: FileMDC, mode: fuzzReplace, data: "mdc\torder\tcondition\tname\nA\t1\tvent_hours >= 96\tpre\r\r\n\nH\t2\tpdx in mdc_dx\thepato"},
	{file: FileDRG, mode: fuzzReplace, data: "drg\tadrg\torder\tcondition\tname\nAH19\tAH1\t1\ttrue\tvent\nHC21\tHC2\t1\thas_mcc\twith MCC\nHC25\tHC2\t2\ttrue\twithout\nHS29\tHS2\t1\ttr"},
	// Codes not in canonical form, names with spaces, groups and regions.
	{file: FileLists, mode: fuzzReplace, data: "owner\tlist\tsystem\tcode\tgroup\tregion\n*\tor\tproc\t51.22\t\t\nH\t mdc_dx\tdx\tk80\t\t\nHC2\tss\tproc\t５１．２３００\t1\t\nHS2\tzd\tdx\tK801\t+2\t 胸部\nHS2\tzd\tdx\tK81.000\t\t腹部\n"},
	{file: FileADRG, mode: fuzzReplace, data: "adrg\tmdc\torder\tcondition\tname\nAH1\tA\t1\ttrue\tvent\nHC2\tH\t1\tmain_proc in ss OR (any_proc in ss AND NOT has_cc)\tlap chole\nHS2\tH\t2\tpdx in zd AND regions(zd) >= 1 AND age_years < 200\tbiliary\n"},
	{file: FileMDC, mode: fuzzReplace, data: "mdc\torder\tcondition\tname\nH\t1\tpdx in mdc_dx OR any_dx in mdc_dx\thepatobiliary\nA\t2\tNOT (vent_hours < 96)\tpre\n"},
	{file: FileChecks, mode: fuzzReplace, data: "order\tcondition\treason\n2\tsex = 0\tSEX_MISSING\n1\tage_known = 0 AND dx_count > 1\tAGE_MISSING\n"},
	{file: FileCC, mode: fuzzReplace, data: "code\tlevel\texclusion_table\nJ18.900\tMCC\tresp\nK81\tCC\t bil\nK81.000\tMCC\tbil\n"},
	{file: FileExclusions, mode: fuzzReplace, data: "exclusion_table\tpdx_code\nbil\tK80\nresp\tK80.100\nbil\tK81.000\n"},
	// Tables tinyTables lacks, appended to their header.
	{file: FileTCM, data: "A07.01.01\t\tK80.100\t\nbnw010\tbzz010\tk80.1\tnote\n"},
	{file: FileDIPCore, data: "K80.1-S\tK80.1\t51.2200||51.2300\t1234.5\tchole\nK80-C\tK80\t\t-0\tcons\nK80.100-X\tK80.100\t\t1e3\tshadowed\n"},
	{file: FileDIPComprehend, data: "K80-Z\tK80\tsurgical\t12\tz\nK80-Y\tK80.1\tconservative\t0.5\ty\n"},
	{file: FileDiagnoses, mode: fuzzReplace, gbk: true, data: "code\tname\nJ18.900\t肺炎\nK80.100\t胆囊结石\nK81.000\t急性胆囊炎\n"},
	{file: FileProcedures, data: "51.2200\t胆囊切除术\tsurgery\n51.2300\t腹腔镜下胆囊切除术\tinterventional\n"},
	{file: "weights.tsv", mode: fuzzReplace, data: "scheme\tgroup\tweight\tstandard_cost\tname\ndrg\tHC21\t1.5\t\tx\n"},
	// Edits that must be errors.
	{file: FileADRG, data: "HS3\tH\t2\tpdx in zd\tsame order\nQS1\tQ\t1\ttrue\tno MDC Q\n"},
	{file: FileLists, mode: fuzzReplace, data: "owner\tlist\tsystem\tcode\tgroup\tregion\n*\tor\tdx\t51.2200\t\t\nH\tmdc_dx\tproc\tK80\t\t\n"},
	{file: FileDIPCore, data: "A\tK80.1\t51.2300|51.2200\tNaN\ta\nB\tK80.1\t51.2200|51.2200\tInf\tb\n"},
	{file: FileRuleSet, mode: fuzzReplace, data: "key\tvalue\nname\t\nqy\tmaybe\ncolour\tred\n"},
	{file: FileDiagnoses, mode: fuzzReplace, data: "code\tname\nJ18.900\t\xff\xfe\n"},
	// Rows added to the sample: a DRG split tried first, list entries
	// with a group and a region, a CC entry and an exclusion, core and
	// comprehensive DIP groups, a TCM row, a weight.
	{file: FileDRG, mode: fuzzSample, data: "HC20\tHC2\t0\tlos_days > 30 OR regions(mdc_dx) >= 1\tlong stay\n"},
	{file: FileLists, mode: fuzzSample, data: "HC1\tss1\tproc\t51.2300\t2\t\nZ\tmdc_dx\tdx\tS06.000\t\t头\n"},
	{file: FileCC, mode: fuzzSample, data: "K80.000\tCC\tbiliary\n"},
	{file: FileExclusions, mode: fuzzSample, data: "biliary\tK80\n"},
	{file: FileDIPCore, mode: fuzzSample, data: "X1\tK80.1\t51.2200|51.2300\t99\tx\n"},
	{file: FileDIPComprehend, mode: fuzzSample, data: "X2\tA41\tdiagnostic\t9\tx\n"},
	{file: FileTCM, mode: fuzzSample, data: "A07.01.01\tB02.03.06\tI63.900\tagain\n"},
	{file: "weights.tsv", mode: fuzzSample, data: "dip\tX1\t99\t\tx\n"},
	// The sample without optional tables.
	{file: FileTCM, mode: fuzzSample | fuzzReplace},
	{file: FileDiagnoses, mode: fuzzSample | fuzzReplace},
	{file: FileExclusions, mode: fuzzSample | fuzzReplace, data: "exclusion_table\tpdx_code\n"},
}
