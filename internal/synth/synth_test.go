package synth_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/national"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/synth"
)

const nationalDir = "../../../shared/data/chs-drg-1.1"

// ruleSetHash hashes everything a rule set would write as tables.
func ruleSetHash(rs *grouper.RuleSet) [32]byte {
	files := rs.EncodeTables()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s %d\n", n, len(files[n]))
		h.Write(files[n])
	}
	return [32]byte(h.Sum(nil))
}

func TestFullScaleRuleSetDeterministic(t *testing.T) {
	a, b, c := synth.FullScaleRuleSet(1), synth.FullScaleRuleSet(1), synth.FullScaleRuleSet(2)
	assert.Equal(t, ruleSetHash(a), ruleSetHash(b), "same seed, different rule sets")
	assert.NotEqual(t, ruleSetHash(a), ruleSetHash(c), "different seeds, same rule set")
}

func TestFullScaleRuleSetShape(t *testing.T) {
	rs := synth.FullScaleRuleSet(1)
	start := time.Now()
	g, err := grouper.Compile(rs)
	require.NoError(t, err)
	t.Logf("compiled in %v", time.Since(start))

	inRange := func(what string, got, lo, hi int) {
		t.Helper()
		assert.True(t, got >= lo && got <= hi, "%s: got %d, want %d..%d", what, got, lo, hi)
	}
	count := func(fn func(grouper.ListEntry) bool) int {
		n := 0
		for _, e := range rs.Lists {
			if fn(e) {
				n++
			}
		}
		return n
	}
	inRange("MDCs", len(rs.MDCs), 26, 26)
	inRange("ADRGs", len(rs.ADRGs), 380, 420)
	inRange("DRGs", len(rs.DRGs), 590, 670)
	inRange("diagnoses", len(rs.Diagnoses), 27_000, 33_000)
	inRange("procedures", len(rs.Procedures), 10_500, 13_500)
	inRange("SS_VALID", count(func(e grouper.ListEntry) bool { return e.Owner == "*" && e.List == "SS_VALID" }), 8_500, 11_000)
	inRange("mdc_dx", count(func(e grouper.ListEntry) bool { return e.List == "mdc_dx" }), 25_000, 33_000)
	var cc, mcc int
	tables := map[string]bool{}
	for _, e := range rs.CC {
		if e.Level == grouper.CCLevelMCC {
			mcc++
		} else {
			cc++
		}
		tables[e.Table] = true
	}
	t.Logf("%d MDCs, %d ADRGs, %d DRGs, %d diagnoses, %d procedures (%d in SS_VALID), %d list entries, %d CC, %d MCC, %d exclusion tables, %d exclusion rows, %d DIP core and %d comprehensive groups, %d TCM rows",
		len(rs.MDCs), len(rs.ADRGs), len(rs.DRGs), len(rs.Diagnoses), len(rs.Procedures),
		count(func(e grouper.ListEntry) bool { return e.Owner == "*" }), len(rs.Lists), cc, mcc, len(tables),
		len(rs.Exclusions), len(rs.DIP.Core), len(rs.DIP.Comprehensive), len(rs.TCM))
	inRange("CC", cc, 14_000, 18_000)
	inRange("MCC", mcc, 4_000, 5_500)
	inRange("exclusion tables", len(tables), 200, 240)
	inRange("exclusion rows", len(rs.Exclusions), 25_000, 31_000)
	inRange("DIP core groups", len(rs.DIP.Core), 9_000, 11_000)
	inRange("TCM rows", len(rs.TCM), 200, 800)

	// The MDC order and the national entry conditions.
	var order []string
	for _, m := range rs.MDCs {
		order = append(order, m.Code)
	}
	assert.Equal(t, "A P Y Z M N B C D E F G H I J K L O Q R S T U V W X", strings.Join(order, " "))
	assert.Equal(t, "main_proc in SS_VALID", rs.MDCs[0].Condition)
	assert.Equal(t, "pdx in mdc_dx AND regions(mdc_dx) >= 2", rs.MDCs[3].Condition)
	assert.True(t, rs.Behaviour.FallThrough)
	assert.False(t, rs.Behaviour.QY)

	// The ADRG condition mix follows the national one.
	kinds := map[string]int{}
	for _, a := range rs.ADRGs {
		kinds[a.Condition]++
	}
	share := func(cond string) float64 { return float64(kinds[cond]) / float64(len(rs.ADRGs)) }
	assert.InDelta(t, 0.47, share("pdx in zd"), 0.04)
	assert.InDelta(t, 0.39, share("main_proc in ss"), 0.04)
	assert.InDelta(t, 0.07, share("pdx in zd AND main_proc in ss"), 0.025)
	for _, d := range rs.DRGs {
		want := map[byte]string{'1': "has_mcc", '3': "has_mcc OR has_cc", '5': "true", '9': "true"}[d.Code[3]]
		assert.Equal(t, want, d.Condition, "DRG %s", d.Code)
	}

	// Every comprehensive class for every category; classes on procedures.
	cats := map[string]int{}
	for _, c := range rs.DIP.Comprehensive {
		cats[c.Category]++
	}
	for _, d := range rs.Diagnoses {
		assert.Equal(t, 4, cats[d.Code[:3]], "comprehensive groups of %s", d.Code[:3])
	}
	for _, p := range rs.Procedures {
		assert.Contains(t, []string{"surgery", "therapeutic", "diagnostic", "interventional"}, p.Class)
	}
	for _, c := range rs.DIP.Core {
		assert.True(t, slices.IsSorted(c.Procedures) && len(slices.Compact(slices.Clone(c.Procedures))) == len(c.Procedures) && len(c.Procedures) <= 2, "core group %s", c.Code)
		assert.True(t, len(c.Dx) == 3 || len(c.Dx) == 5, "core group %s dx %s", c.Code, c.Dx)
	}
	lines := strings.Split(strings.TrimSpace(string(rs.Tables["weights.tsv"])), "\n")
	assert.Equal(t, "scheme\tgroup\tweight\tstandard_cost\tname", lines[0])
	assert.Len(t, lines, 1+len(rs.DRGs)+len(rs.DIP.Core)+len(rs.DIP.Comprehensive))
	assert.NotNil(t, g)
}

// TestFullScaleCanonical checks that every code is canonical and that the
// rule set survives the table round trip without errors or warnings.
func TestFullScaleCanonical(t *testing.T) {
	rs := synth.FullScaleRuleSet(3)
	canonical := func(sys codes.System, c string) {
		t.Helper()
		got, err := codes.Normalize(sys, c)
		if err != nil || got != c {
			t.Errorf("%s code %q: Normalize gives %q, %v", sys, c, got, err)
		}
	}
	for _, d := range rs.Diagnoses {
		canonical(codes.SystemDiagnosis, d.Code)
	}
	for _, p := range rs.Procedures {
		canonical(codes.SystemProcedure, p.Code)
	}
	for _, e := range rs.Lists {
		canonical(e.System, e.Code)
	}
	for _, e := range rs.CC {
		canonical(codes.SystemDiagnosis, e.Code)
	}
	for _, c := range rs.DIP.Core {
		canonical(codes.SystemDiagnosis, c.Dx)
	}
	for _, m := range rs.TCM {
		canonical(codes.SystemTCMDisease, m.Disease)
		canonical(codes.SystemDiagnosis, m.Western)
	}

	fsys := fstest.MapFS{}
	for name, data := range rs.EncodeTables() {
		fsys[name] = &fstest.MapFile{Data: data}
	}
	back, problems, err := grouper.ReadTables(fsys)
	require.NoError(t, err)
	for _, p := range problems {
		t.Errorf("table round trip: %v", p)
	}
	assert.Equal(t, ruleSetHash(rs), ruleSetHash(back))
}

// TestFullScaleGroups checks that generated records mostly reach real DRGs
// and that the generated population looks like discharges.
func TestFullScaleGroups(t *testing.T) {
	rs := synth.FullScaleRuleSet(1)
	g, err := grouper.Compile(rs)
	require.NoError(t, err)
	const n = 20_000
	var ungroupable, tcm, dayWard, secondaries, procs int
	adrgs := map[string]int{}
	err = synth.Records(rs, 5, n, func(r *record.Record) error {
		res := g.Group(r)
		if res.DRG == grouper.Ungroupable {
			ungroupable++
		}
		adrgs[res.ADRG]++
		if r.TCMPrincipalDx != "" {
			tcm++
			if r.PrincipalDx != "" {
				return errors.New("TCM record with a Western principal")
			}
		}
		if r.DayWard {
			dayWard++
		}
		secondaries += len(r.SecondaryDx)
		procs += len(r.Procedures)
		if r.DischargeDate < r.AdmitDate || len(r.SecondaryDx) > 15 || len(r.Procedures) > 6 {
			return fmt.Errorf("record %s: implausible: %+v", r.ID, r)
		}
		return nil
	})
	require.NoError(t, err)
	t.Logf("0000 %.2f%%, TCM %.2f%%, day ward %.2f%%, %.2f secondaries and %.2f procedures per record, %d ADRGs reached",
		100*float64(ungroupable)/n, 100*float64(tcm)/n, 100*float64(dayWard)/n, float64(secondaries)/n, float64(procs)/n, len(adrgs))
	assert.Less(t, float64(ungroupable)/n, 0.05)
	assert.InDelta(t, 0.05, float64(tcm)/n, 0.02)
	assert.InDelta(t, 0.03, float64(dayWard)/n, 0.015)
	assert.Greater(t, len(adrgs), 350)
}

// recordsHash writes the records as CSV and hashes the bytes.
func recordsHash(t *testing.T, rs *grouper.RuleSet, seed uint64, n int, dirty bool) [32]byte {
	t.Helper()
	h := sha256.New()
	w := record.NewWriter(h, record.FormatCSV)
	var err error
	if dirty {
		err = synth.DirtyRecords(rs, seed, n, synth.DirtyOptions{Dirty: 0.1, Invalid: 0.1}, func(r *record.Record, _ synth.Defect) error { return w.Write(r) })
	} else {
		err = synth.Records(rs, seed, n, w.Write)
	}
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	return [32]byte(h.Sum(nil))
}

func TestRecordsDeterministic(t *testing.T) {
	sample, err := grouper.Sample()
	require.NoError(t, err)
	for _, rs := range []*grouper.RuleSet{synth.FullScaleRuleSet(1), sample} {
		for _, dirty := range []bool{false, true} {
			a := recordsHash(t, rs, 11, 3000, dirty)
			assert.Equal(t, a, recordsHash(t, rs, 11, 3000, dirty), "%s dirty=%t: same seed, different records", rs.Name, dirty)
			assert.NotEqual(t, a, recordsHash(t, rs, 12, 3000, dirty), "%s dirty=%t: different seeds, same records", rs.Name, dirty)
		}
	}
}

// TestDirtyRecordsReader writes dirty records as CSV and reads them back:
// the reader must reject exactly the invalid ones and turn every other one
// back into the clean record.
func TestDirtyRecordsReader(t *testing.T) {
	rs := synth.FullScaleRuleSet(1)
	const n = 5000
	for _, name := range []string{"dirty.csv", "dirty.tsv.zst"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			counts, err := synth.WriteRecords(path, rs, 21, n, &synth.DirtyOptions{Dirty: 0.05, Invalid: 0.05})
			require.NoError(t, err)
			var wantRejected int
			for d, c := range counts {
				if d.Rejected() {
					wantRejected += c
				}
			}
			clean, err := synth.RecordSlice(rs, 21, n)
			require.NoError(t, err)
			var defects []synth.Defect
			require.NoError(t, synth.DirtyRecords(rs, 21, n, synth.DirtyOptions{Dirty: 0.05, Invalid: 0.05}, func(_ *record.Record, d synth.Defect) error {
				defects = append(defects, d)
				return nil
			}))

			rd, err := record.Open(path, record.Options{})
			require.NoError(t, err)
			defer rd.Close()
			var rec record.Record
			for i := 0; ; i++ {
				err := rd.Read(&rec)
				if err == io.EOF {
					require.Equal(t, n, i)
					break
				}
				var bad *record.Error
				if errors.As(err, &bad) {
					assert.True(t, defects[i].Rejected(), "record %d (%s) rejected: %v", i, defects[i], err)
					continue
				}
				require.NoError(t, err)
				require.False(t, defects[i].Rejected(), "record %d (%s) accepted", i, defects[i])
				want := clean[i]
				assert.Equal(t, show(&want), show(&rec), "record %d (%s)", i, defects[i])
			}
			st := rd.Stats()
			t.Logf("%v; %d rejected", counts, st.Rejected)
			assert.Equal(t, int64(wantRejected), st.Rejected)
			assert.Greater(t, counts[synth.Clean], n*8/10)
		})
	}
}

func show(r *record.Record) string {
	return fmt.Sprintf("%s %s %d %s %d %d/%d/%d %s..%s %d %d %s %q %s/%s %q %g %g %g %t",
		r.ID, r.HospitalID, r.HospitalLevel, r.HospitalKind, r.Sex, r.AgeYears, r.AgeDays, r.BirthWeightG,
		r.AdmitDate, r.DischargeDate, r.LOSDays, r.DischargeMethod, r.PrincipalDx, r.SecondaryDx,
		r.TCMPrincipalDx, r.TCMSyndrome, r.Procedures, r.VentHours, r.TotalCost, r.TCMCost, r.DayWard)
}

// TestGeneratorNational checks the generator against the national scheme.
func TestGeneratorNational(t *testing.T) {
	if _, err := os.Stat(nationalDir); err != nil {
		t.Skipf("national tables not present: %v", err)
	}
	rs, err := national.Read(os.DirFS(nationalDir))
	require.NoError(t, err)
	g, err := grouper.Compile(rs)
	require.NoError(t, err)
	const n = 20_000
	ungroupable := 0
	require.NoError(t, synth.Records(rs, 3, n, func(r *record.Record) error {
		if g.Group(r).DRG == grouper.Ungroupable {
			ungroupable++
		}
		return nil
	}))
	t.Logf("national: %.2f%% 0000", 100*float64(ungroupable)/n)
	assert.Less(t, float64(ungroupable)/n, 0.05)
}

func TestDefect(t *testing.T) {
	assert.Equal(t, "clean", synth.Clean.String())
	assert.False(t, synth.DirtyFullWidth.Rejected())
	assert.True(t, synth.InvalidDateOrder.Rejected())
	var b bytes.Buffer
	fmt.Fprint(&b, synth.InvalidAge)
	assert.Equal(t, "age_out_of_range", b.String())
}
