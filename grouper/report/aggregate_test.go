package report_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/grouper/report"
	"github.com/medpay/drg/weights"
)

// readTestdata tallies testdata/grouped.csv and its rejects, a grouped file
// written by hand whose every figure is worked out below.
func readTestdata(t *testing.T) *report.Summary {
	t.Helper()
	a := report.NewAggregator(report.Options{})
	f, err := os.Open("testdata/grouped.csv")
	require.NoError(t, err)
	defer f.Close()
	n, err := a.ReadGrouped(f, "grouped.csv", record.FormatAuto)
	require.NoError(t, err)
	assert.EqualValues(t, 6, n)
	rf, err := os.Open("testdata/grouped.rejects.csv")
	require.NoError(t, err)
	defer rf.Close()
	n, err = a.ReadRejects(rf, "grouped.rejects.csv")
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
	return a.Summary(report.DefaultThresholds)
}

func TestReadGroupedFigures(t *testing.T) {
	s := readTestdata(t)
	assert.Equal(t, report.Counts{Records: 8, Grouped: 6, OK: 3, QY: 1, Ungroupable: 1, CheckFailed: 1, Rejected: 2}, s.Counts,
		"a grouped file cannot say whether a code was unknown: UnknownCodes stays nil")
	assert.Equal(t, []report.Count{{"AGE_CHECK", 1}, {"NO_ADRG_IN_MDC", 1}}, s.Ungrouped)
	assert.Equal(t, []report.Count{{"GQY", 1}}, s.QY)
	assert.Equal(t, []report.Count{{"bad_code", 1}, {"duplicate_id", 1}}, s.Rejected)

	// MDC I: r2 (4.7, 56 907.32) and r5 (1.1, 4 000); G: the QY record,
	// unpaid; N: r1. 0000 records count in no MDC.
	near(t, []report.Group{
		{Code: "I", Cases: 2, Paid: 2, Weight: 5.8, Amount: 60907.32},
		{Code: "G", Cases: 1},
		{Code: "N", Cases: 1, Paid: 1, Weight: 6.08, Amount: 72960},
	}, s.MDCs)
	near(t, []report.Group{
		{Code: "GQY", Cases: 1},
		{Code: "ID13", Name: "股骨骨折手术，伴一般并发症或合并症", Cases: 1, Paid: 1, Weight: 4.7, Amount: 56907.32},
		{Code: "IR29", Name: "骨关节炎", Cases: 1, Paid: 1, Weight: 1.1, Amount: 4000},
		{Code: "NA11", Name: "女性生殖器官恶性肿瘤手术，伴严重并发症或合并症", Cases: 1, Paid: 1, Weight: 6.08, Amount: 72960},
	}, s.DRGs)

	p := s.Payment
	require.NotNil(t, p)
	near(t, []report.Group{{Code: "total", Cases: 6, Paid: 3, Weight: 11.88, Amount: 133867.32}}, []report.Group{p.Total})
	assert.InDelta(t, 3.96, p.Total.CMI(), 1e-9)
	near(t, []report.Group{
		{Code: "H2", Cases: 4, Paid: 1, Weight: 1.1, Amount: 4000},
		{Code: "H1", Cases: 2, Paid: 2, Weight: 10.78, Amount: 129867.32},
	}, p.Hospitals)
	assert.Equal(t, map[string]string{"H1": "3", "H2": "1"}, p.HospitalLevels)
	near(t, []report.Group{
		{Code: "1", Cases: 4, Paid: 1, Weight: 1.1, Amount: 4000},
		{Code: "3", Cases: 2, Paid: 2, Weight: 10.78, Amount: 129867.32},
	}, p.Levels)
	near(t, []report.Group{
		{Code: "none", Cases: 1, Paid: 1, Weight: 6.08, Amount: 72960},
		{Code: "high", Cases: 1, Paid: 1, Weight: 4.7, Amount: 56907.32},
		{Code: "low", Cases: 1, Paid: 1, Weight: 1.1, Amount: 4000},
	}, p.Outliers)
	assert.Equal(t, []report.Count{{"no_group", 2}, {"no_weight", 1}}, p.Unpaid)
	// Effects: the high-outlier addition itself; r5's group amount is
	// 4 000 / 0.40 = 10 000, of which the TCM uplift ×1.10 made
	// 10 000 × (1 − 1/1.1) = 909.09, and the low-cost factor 0.40 took
	// 6 000 off it; a factor 1.00 made nothing.
	want := []report.Adjustment{
		{Name: "kind_coefficient", Source: "kind_coefficients.general", Cases: 2, Amount: 129867.32, Effect: 0},
		{Name: "high_outlier", Source: "drg.outliers.high.bands[2]", Cases: 1, Amount: 56907.32, Effect: 507.32},
		{Name: "low_outlier", Source: "drg.outliers.low", Cases: 1, Amount: 4000, Effect: -6000},
		{Name: "tcm_advantaged", Source: "tcm_advantaged[0]", Cases: 1, Amount: 4000, Effect: 909.0909091},
	}
	require.Len(t, p.Adjustments, len(want))
	for i, w := range want {
		g := p.Adjustments[i]
		assert.Equal(t, [3]any{w.Name, w.Source, w.Cases}, [3]any{g.Name, g.Source, g.Cases})
		assert.InDelta(t, w.Amount, g.Amount, 1e-6, w.Name)
		assert.InDelta(t, w.Effect, g.Effect, 1e-6, w.Name)
	}

	d := s.DIP
	require.NotNil(t, d)
	assert.Equal(t, int64(4), d.Grouped)
	assert.Equal(t, []report.Count{{"core", 3}, {"comprehensive", 1}}, d.Kinds)
	assert.Equal(t, []report.Count{{"NO_CORE_GROUP", 2}}, d.Reasons)
	assert.True(t, d.Both)
	assert.Equal(t, int64(2), d.DRGOnly, "r4 (QY) and r5 have a DRG and no DIP group")
	assert.Equal(t, int64(2), d.DIPOnly, "r3 and r6 are 0000 with a DIP group")
	near(t, []report.Group{
		{Code: "C53.0:68.6100x001", Cases: 1, Weight: 5500}, {Code: "N43:Z1", Cases: 1, Weight: 350},
		{Code: "P07.0", Cases: 1, Weight: 7200}, {Code: "S72.1:79.1500x006", Cases: 1, Weight: 3900},
	}, d.Groups)

	// 2 of 6 grouped records are 0000: above 5%.
	require.Len(t, s.Warnings, 1)
	w := s.Warnings[0]
	assert.Equal(t, report.WarnUngrouped, w.Code)
	assert.Equal(t, int64(2), w.Cases)
	assert.InDelta(t, 1.0/3, w.Share, 1e-12)
	assert.Equal(t, "AGE_CHECK", w.Top)
	assert.Contains(t, w.Message(report.English), "33.3% of the grouped records are 0000 (2, threshold 5%), most for AGE_CHECK")
	assert.Contains(t, w.Message(report.Chinese), "33.3% 的入组记录为 0000（2 条，阈值 5%）")
}

// near compares groups, their floating sums to a millionth of a yuan.
func near(t *testing.T, want, got []report.Group) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		assert.Equal(t, [4]any{w.Code, w.Name, w.Cases, w.Paid}, [4]any{g.Code, g.Name, g.Cases, g.Paid}, "group %d", i)
		assert.InDelta(t, w.Weight, g.Weight, 1e-6, "%s weight", w.Code)
		assert.InDelta(t, w.Amount, g.Amount, 1e-6, "%s amount", w.Code)
	}
}

func TestThresholds(t *testing.T) {
	unknown := int64(6)
	s := &report.Summary{Counts: report.Counts{Grouped: 100, OK: 95, Ungroupable: 5, UnknownCodes: &unknown}}
	// 5% is not above 5%; 6% is.
	ws := report.Check(s, report.DefaultThresholds)
	require.Len(t, ws, 1)
	assert.Equal(t, report.WarnUnknownCodes, ws[0].Code)
	assert.Contains(t, ws[0].Message(report.English), "6% of the grouped records have a code the rule set does not know")
	ws = report.Check(s, report.Thresholds{Ungrouped: 0.049, UnknownCodes: 0})
	require.Len(t, ws, 1, "a threshold of 0 turns its check off")
	assert.Equal(t, report.WarnUngrouped, ws[0].Code)
	assert.Empty(t, report.Check(&report.Summary{}, report.DefaultThresholds), "nothing grouped: nothing to warn of")
}

// TestRunEqualsFile: a report made inside the run (Add, Reject) and one made
// from the files the run wrote agree on every figure, but for what only
// the run knows (unknown codes) and the names the file does not carry.
func TestRunEqualsFile(t *testing.T) {
	rs, err := grouper.Sample()
	require.NoError(t, err)
	g, err := grouper.Compile(rs)
	require.NoError(t, err)
	table, err := weights.TableFromRuleSet(rs)
	require.NoError(t, err)
	policy, err := weights.SamplePolicy()
	require.NoError(t, err)
	calc, err := weights.New(policy, table)
	require.NoError(t, err)
	in, err := os.ReadFile("../../examples/sample.csv")
	require.NoError(t, err)
	scheme := grouper.SchemeDRG | grouper.SchemeDIP
	run := report.NewAggregator(report.Options{Scheme: scheme})
	rd, err := record.NewReader(bytes.NewReader(in), record.Options{})
	require.NoError(t, err)
	var out, rej bytes.Buffer
	rw := record.NewRejectWriter(&rej)
	// CostColumns: the file carries the hospital level only with them.
	st, err := batch.Run(context.Background(), g, rd, &out, rw, batch.Options{Scheme: scheme, Payment: calc.UnpaidOutsidePeriod(),
		Columns:  batch.CostColumns(true),
		OnResult: run.Add, OnReject: func(e *record.Error) { run.Reject(e.Reason()) }})
	require.NoError(t, err)
	require.NoError(t, rw.Flush())
	fromRun := run.Summary(report.DefaultThresholds)

	file := report.NewAggregator(report.Options{})
	_, err = file.ReadGrouped(bytes.NewReader(out.Bytes()), "out", record.FormatCSV)
	require.NoError(t, err)
	_, err = file.ReadRejects(bytes.NewReader(rej.Bytes()), "rejects")
	require.NoError(t, err)
	fromFile := file.Summary(report.DefaultThresholds)

	require.NotNil(t, fromRun.Counts.UnknownCodes)
	assert.Equal(t, st.UnknownCodes, *fromRun.Counts.UnknownCodes)
	assert.Equal(t, st.Records, fromRun.Counts.Records)
	assert.Equal(t, st.Rejected, fromRun.Counts.Rejected)
	assert.Positive(t, fromRun.Counts.Rejected)
	fromRun.Counts.UnknownCodes = nil
	fromRun.Warnings = report.Check(fromRun, report.DefaultThresholds)
	// The file's amounts went through text with cents; the run's are the
	// same cents.
	roundSums(fromRun)
	roundSums(fromFile)
	assert.Equal(t, fromRun, fromFile)
	assert.NotNil(t, fromRun.Payment)
	assert.NotEmpty(t, fromRun.Payment.Adjustments)
	var tcm bool
	for _, a := range fromRun.Payment.Adjustments {
		tcm = tcm || strings.HasPrefix(a.Name, "tcm_")
	}
	assert.True(t, tcm, "the sample has TCM uplifts")
}

func roundSums(s *report.Summary) {
	r := func(gs []report.Group) {
		for i := range gs {
			gs[i].Weight = math.Round(gs[i].Weight*1e4) / 1e4
			gs[i].Amount = math.Round(gs[i].Amount*100) / 100
		}
	}
	r(s.MDCs)
	r(s.DRGs)
	if s.DIP != nil {
		r(s.DIP.Groups)
	}
	if p := s.Payment; p != nil {
		r(p.Hospitals)
		r(p.Levels)
		r(p.Outliers)
		t := []report.Group{p.Total}
		r(t)
		p.Total = t[0]
		for i := range p.Adjustments {
			p.Adjustments[i].Amount = math.Round(p.Adjustments[i].Amount*100) / 100
			p.Adjustments[i].Effect = math.Round(p.Adjustments[i].Effect*100) / 100
		}
	}
}

func TestParseAdjustments(t *testing.T) {
	got, err := report.ParseAdjustments(nil, "tcm_advantaged×1.10(tcm_advantaged[3]);high_outlier+507.32(drg.outliers.high.bands[2]);fixed_price=3000.00(tcm_fixed_price[0]);same_efficacy→IR29(same_efficacy[1]);no_group(NO_ADRG_IN_MDC)")
	require.NoError(t, err)
	assert.Equal(t, []weights.Adjustment{
		{Name: "tcm_advantaged", Op: weights.OpFactor, Factor: 1.1, Source: "tcm_advantaged[3]"},
		{Name: "high_outlier", Op: weights.OpAdd, Amount: 507.32, Source: "drg.outliers.high.bands[2]"},
		{Name: "fixed_price", Op: weights.OpSet, Amount: 3000, Source: "tcm_fixed_price[0]"},
		{Name: "same_efficacy", Op: weights.OpGroup, Group: "IR29", Source: "same_efficacy[1]"},
		{Name: "no_group", Op: weights.OpFlag, Source: "NO_ADRG_IN_MDC"},
	}, got)
	for _, bad := range []string{"tcm×abc(x)", "nosource", "x+1("} {
		_, err := report.ParseAdjustments(nil, bad)
		assert.Error(t, err, bad)
	}
}

func TestReadGroupedRefuses(t *testing.T) {
	for name, text := range map[string]string{
		"empty":       "",
		"not grouped": "id,principal_dx\nr1,K80.000\n",
		"bad status":  "id,status,drg\nr1,MAYBE,0000\n",
		"bad amount":  "id,status,drg,payment\nr1,OK,AB11,12x\n",
		"bad header":  "id,status,\"drg\"x,payment\nr1,OK,AB11,12\n",
	} {
		a := report.NewAggregator(report.Options{})
		_, err := a.ReadGrouped(strings.NewReader(text), name, record.FormatAuto)
		assert.Error(t, err, name)
	}
	// A DIP-only file after a DRG file: reported apart.
	a := report.NewAggregator(report.Options{})
	_, err := a.ReadGrouped(strings.NewReader("id,status,drg\nr1,OK,AB11\n"), "drg.csv", record.FormatAuto)
	require.NoError(t, err)
	_, err = a.ReadGrouped(strings.NewReader("id,dip_group\nr1,K80\n"), "dip.csv", record.FormatAuto)
	assert.ErrorContains(t, err, "report them apart")
}

func TestJSONRoundTrip(t *testing.T) {
	s := readTestdata(t)
	var buf bytes.Buffer
	require.NoError(t, s.WriteJSON(&buf))
	back, err := report.ReadJSON(&buf)
	require.NoError(t, err)
	assert.Equal(t, s, back)
	_, err = report.ReadJSON(strings.NewReader(`{"records": 3}`))
	assert.Error(t, err, "not a summary")
}

// TestEffects works each kind of adjustment's effect by hand, on one case
// each (found in review: a factor's effect was once taken on the whole
// amount, outlier addition included).
func TestEffects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		amount float64
		adjs   string
		want   []float64
	}{
		// 116 166.60 paid = (G × 1.05 uplift) + 53 040.60 high-cost:
		// G = 63 126.00, the uplift made 63 126 × (1 − 1/1.05) = 3 006.00.
		{"uplift beside a high-cost addition", 116166.60, "tcm_advantaged×1.05(tcm_advantaged[2]);high_outlier+53040.60(drg.outliers.high.bands[2])", []float64{3006, 53040.60}},
		// A fixed price replaces G: the uplift is not told apart.
		{"fixed price", 3000, "tcm_advantaged×1.10(tcm_advantaged[0]);fixed_price=3000.00(tcm_fixed_price[0])", []float64{0, 0}},
		// same_level replaces the level coefficient: no effect is claimed;
		// the kind coefficient 1.10 inside G = 11 000 / 1.1 made 1 000.
		{"same level and kind", 11000, "same_level×1.02(drg.same_level_groups[0]);kind_coefficient×1.10(kind_coefficients.tcm)", []float64{0, 1000}},
		// Low-cost factor 0.5 on G = 8 000: 4 000 paid, 4 000 removed;
		// the day-ward factor 0.90 inside G made 8 000 × (1 − 1/0.9).
		{"day ward and low cost", 4000, "day_ward×0.90(tcm_day_ward[0]);low_outlier×0.50(drg.outliers.low)", []float64{8000 * (1 - 1/0.9), -4000}},
	} {
		adjs, err := report.ParseAdjustments(nil, tc.adjs)
		require.NoError(t, err, tc.name)
		a := report.NewAggregator(report.Options{})
		a.AddCase(&report.Case{Status: grouper.StatusOK, MDC: "I", DRG: "IR29", Priced: true, Weight: 1, Amount: tc.amount, Adjustments: adjs})
		got := a.Summary(report.Thresholds{}).Payment.Adjustments
		require.Len(t, got, len(adjs), tc.name)
		for i, adj := range adjs {
			for _, g := range got {
				if g.Name == adj.Name {
					assert.InDelta(t, tc.want[i], g.Effect, 0.005, "%s: %s", tc.name, adj.Name)
				}
			}
		}
	}
}

// TestNoLevelColumn: a grouped file without hospital_level says nothing of
// levels, so the summary has none, rather than one "unknown" level
// holding every case (found in review).
func TestNoLevelColumn(t *testing.T) {
	a := report.NewAggregator(report.Options{})
	_, err := a.ReadGrouped(strings.NewReader("id,status,mdc,drg,hospital_id,weight,payment,unpaid,adjustments\nr1,OK,I,IR29,H1,1.1,4000.00,,\n"), "x.csv", record.FormatCSV)
	require.NoError(t, err)
	p := a.Summary(report.DefaultThresholds).Payment
	require.NotNil(t, p)
	assert.Nil(t, p.Levels)
	assert.Nil(t, p.HospitalLevels)
	assert.Len(t, p.Hospitals, 1)
}

// TestReadGroupedWorkers: the blocks' tallies, added in file order, give
// the same summary whatever the number of workers, over several blocks
// with quoted rows spanning lines; and an error names its true line.
func TestReadGroupedWorkers(t *testing.T) {
	b, err := os.ReadFile("testdata/grouped.csv")
	require.NoError(t, err)
	header, rows, _ := bytes.Cut(b, []byte{'\n'})
	var in bytes.Buffer
	in.Write(header)
	in.WriteByte('\n')
	quoted := []byte("q1,OK,,I,IR2,IR29,M17.900,,none,,,,,NO_CORE_GROUP,H9,drg,1.1000,1.1000,110.0000,40.000000,none,1100.00,0,,,\"骨关节炎,\n跨行\",3000.00,4,2\n")
	n := 0
	for in.Len() < 3*report.BlockBytes {
		in.Write(rows)
		if n%3 == 0 { // quoted rows everywhere: blocks are still cut whole
			in.Write(quoted)
		}
		n++
	}
	var sums []*report.Summary
	for _, w := range []int{1, 2, 5} {
		a := report.NewAggregator(report.Options{})
		got, err := a.ReadGroupedWorkers(bytes.NewReader(in.Bytes()), "big.csv", record.FormatCSV, w)
		require.NoError(t, err)
		s := a.Summary(report.DefaultThresholds)
		assert.Equal(t, s.Counts.Grouped, got)
		sums = append(sums, s)
	}
	// Reads of any size (a decoder's, a pipe's) cut the same blocks: the
	// sums are exactly those of whole reads (found when a GBK file's
	// summary differed from the UTF-8 one's in the last bits).
	a := report.NewAggregator(report.Options{})
	_, err = a.ReadGroupedWorkers(&chunkyReader{b: in.Bytes()}, "big.csv", record.FormatCSV, 2)
	require.NoError(t, err)
	sums = append(sums, a.Summary(report.DefaultThresholds))
	assert.Equal(t, sums[0], sums[1])
	assert.Equal(t, sums[0], sums[2])
	assert.Equal(t, sums[0], sums[3])
	assert.Equal(t, int64(6*n)+int64((n+2)/3), sums[0].Counts.Grouped)

	// A bad row deep in the file: its line, counted across blocks and the
	// quoted rows' inner line ends.
	bad := append(bytes.Clone(in.Bytes()), []byte("z9,MAYBE,,,,,,,,,,,,,H1,drg,1,1,1,1,none,1.00,0,,,,1,1,1\n")...)
	wantLine := bytes.Count(in.Bytes(), []byte{'\n'}) + 1
	a = report.NewAggregator(report.Options{})
	_, err = a.ReadGroupedWorkers(bytes.NewReader(bad), "big.csv", record.FormatCSV, 3)
	assert.ErrorContains(t, err, fmt.Sprintf("big.csv line %d: column status", wantLine))
}

// chunkyReader returns its bytes in reads of uneven sizes, from 1 byte to
// 70 KB.
type chunkyReader struct {
	b []byte
	n int
}

func (r *chunkyReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	r.n++
	size := min(len(p), len(r.b), 1+(r.n*7919)%70000)
	copy(p, r.b[:size])
	r.b = r.b[size:]
	return size, nil
}
