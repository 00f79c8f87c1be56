package weights

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper"
)

// paymentData is where the shared regional payment tables live, relative to
// the package directory.
const paymentData = "../../shared/data/payment"

// readCSV reads a shared payment table, or skips the test when it is absent.
func readCSV(t *testing.T, name string) (header []string, rows [][]string) {
	t.Helper()
	path := filepath.Join(paymentData, name)
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("%s not present", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(all) < 2 {
		t.Fatalf("%s: no rows", path)
	}
	return all[0], all[1:]
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

// TestSuzhou2023 rebuilds Suzhou's 2023 DRG payment standards: a policy with
// its level coefficients (0.75/1.02/1.2) and its 基础病组 as same-level groups
// (at their common coefficient, 1.02 in the table), a table of its RWs, and
// the base rate found from the data. Every row's Compute amount must equal
// the published standard of each level.
//
// Tolerance: half a cent. Compute rounds to the cent while the table
// publishes 10 significant digits (e.g. 11104.91868), so the rounded amount
// can differ from the published figure by up to 0.005 yuan; beyond that the
// difference would be a real disagreement.
func TestSuzhou2023(t *testing.T) {
	header, rows := readCSV(t, "suzhou-2023.csv")
	want := []string{"DRG编码", "DRG名称", "RW", "基础病组", "中医优势病组", "一级医院系数", "二级医院系数", "三级医院系数", "一级医院支付标准", "二级医院支付标准", "三级医院支付标准"}
	if !slices.Equal(header, want) {
		t.Fatalf("header %v, want %v", header, want)
	}
	// Level coefficients, the same-level coefficient and the base rate, all
	// read from the data and checked to be consistent across rows.
	var coef [3]float64
	sameCoef := 0.0
	var basic []string
	var tsv strings.Builder
	tsv.WriteString("scheme\tgroup\tweight\tstandard_cost\tname\n")
	var implied []float64
	tcmAdvantaged := 0
	var advGroups []TCMAdvantagedGroup
	for _, r := range rows {
		rw := num(t, r[2])
		var c [3]float64
		for l := range 3 {
			c[l] = num(t, r[5+l])
			implied = append(implied, num(t, r[8+l])/(rw*c[l]))
		}
		if r[3] == "是" {
			basic = append(basic, r[0])
			if c[0] != c[1] || c[1] != c[2] || (sameCoef != 0 && c[0] != sameCoef) {
				t.Fatalf("%s: 基础病组 with coefficients %v", r[0], c)
			}
			sameCoef = c[0]
		} else {
			if coef != [3]float64{} && c != coef {
				t.Fatalf("%s: coefficients %v differ from %v", r[0], c, coef)
			}
			coef = c
		}
		if r[4] == "是" {
			tcmAdvantaged++
			advGroups = append(advGroups, TCMAdvantagedGroup{Group: r[0], Name: r[1], TCMOnly: true, Factor: suzhouTCMFactor})
		}
		fmt.Fprintf(&tsv, "drg\t%s\t%s\t\t%s\n", r[0], r[2], r[1])
	}
	slices.Sort(implied)
	rate := math.Round(implied[len(implied)/2]*100) / 100 // the median, to the cent
	spread := (implied[len(implied)-1] - implied[0]) / rate
	t.Logf("%d rows, %d 基础病组 at coefficient %v, %d 中医优势病组; level coefficients %v; base rate %.2f (implied rates agree within %.1e relative)",
		len(rows), len(basic), sameCoef, tcmAdvantaged, coef, rate, spread)
	if spread > 1e-8 {
		t.Errorf("the implied base rates spread by %.1e: not one base rate", spread)
	}
	if len(basic) != 21 || tcmAdvantaged != 36 {
		t.Errorf("got %d 基础病组 and %d 中医优势病组, the README says 21 and 36", len(basic), tcmAdvantaged)
	}

	p := &Policy{PolicyVersion: 1, Region: "Suzhou 2023 (test)", ValidFrom: "2023-01-01",
		DRG: &SchemePolicy{Rate: Uniform(rate), LevelCoefficients: PerLevel(coef[0], coef[1], coef[2]),
			SameLevelGroups: basic, SameLevelCoefficient: f64(sameCoef)}}
	calc := mustCalc(t, p, mustTable(t, tsv.String()))
	if w := calc.Warnings(); len(w) > 0 {
		t.Errorf("warnings: %v", w)
	}
	var pay Payment
	worst, checked := 0.0, 0
	for _, r := range rows {
		for l := int8(1); l <= 3; l++ {
			std := num(t, r[7+int(l)])
			calc.Compute(mkRec(level(l), cost(std)), drgRes(r[0], "Z00.000"), grouper.SchemeDRG, &pay)
			diff := math.Abs(pay.Amount - std)
			worst = max(worst, diff)
			checked++
			if diff > 0.005+1e-9 {
				t.Errorf("%s level %d: computed %.2f (%s), published %v", r[0], l, pay.Amount, pay.AdjustmentsString(), std)
			}
			if isBasic := slices.Contains(basic, r[0]); isBasic != pay.Has(AdjSameLevel) {
				t.Errorf("%s: same_level applied %v, 基础病组 %v", r[0], pay.Has(AdjSameLevel), isBasic)
			}
		}
	}
	t.Logf("%d standards checked; largest difference %.5f yuan (tolerance 0.005: rounding to the cent)", checked, worst)

	// The 中医优势病组 flags as tcm_advantaged_groups. The table publishes no
	// uplift, so suzhouTCMFactor is ours: a TCM-treated case of a flagged
	// group must be paid the published standard × the factor, every other
	// case the published standard.
	p.DRG.TCMAdvantagedGroups = advGroups
	calc = mustCalc(t, p, mustTable(t, tsv.String()))
	uplifted := 0
	for _, r := range rows {
		std := num(t, r[9]) // level 2
		calc.Compute(mkRec(level(2), cost(std), tcmDx("A04.01.02")), drgRes(r[0], "Z00.000"), grouper.SchemeDRG, &pay)
		want := std
		if r[4] == "是" {
			want *= suzhouTCMFactor
			uplifted++
			if !pay.Has(AdjTCMAdvantaged) {
				t.Errorf("%s: a TCM-treated case of a 中医优势病组 got no uplift (%s)", r[0], pay.AdjustmentsString())
			}
		}
		if diff := math.Abs(pay.Amount - want); diff > 0.005*suzhouTCMFactor+1e-9 {
			t.Errorf("%s TCM-treated: computed %.2f (%s), want %.2f", r[0], pay.Amount, pay.AdjustmentsString(), want)
		}
		calc.Compute(mkRec(level(2), cost(std)), drgRes(r[0], "Z00.000"), grouper.SchemeDRG, &pay)
		if pay.Has(AdjTCMAdvantaged) || math.Abs(pay.Amount-std) > 0.005+1e-9 {
			t.Errorf("%s Western-treated: computed %.2f (%s), want the standard %.2f", r[0], pay.Amount, pay.AdjustmentsString(), std)
		}
	}
	if uplifted != 36 {
		t.Errorf("%d groups uplifted, want the 36 flagged", uplifted)
	}
}

// suzhouTCMFactor is the uplift TestSuzhou2023 gives the 中医优势病组.
const suzhouTCMFactor = 1.1

// TestJilin2022Outliers checks the outlier thresholds against Jilin's
// published level-3 table: low = 0.35 × standard, high = 2 × standard, where
// standard = weight × rate. A cost equal to the published threshold (to the
// cent) is an outlier; one cent inside it is not.
func TestJilin2022Outliers(t *testing.T) {
	header, rows := readCSV(t, "jilin-2022.csv")
	if len(header) != 7 || header[2] != "权重" || !strings.Contains(header[6], "高倍") {
		t.Fatalf("unexpected header %v", header)
	}
	rate := num(t, rows[0][3])
	var tsv strings.Builder
	tsv.WriteString("scheme\tgroup\tweight\n")
	for _, r := range rows {
		if num(t, r[3]) != rate {
			t.Fatalf("%s: rate %s differs from %v", r[0], r[3], rate)
		}
		fmt.Fprintf(&tsv, "drg\t%s\t%s\n", r[0], r[2])
	}
	p := mustPolicy(t, `{"policy_version": 1, "region": "Jilin 2022 level 3 (test)", "valid_from": "2022-01-01",
		"drg": {"rate": `+fmt.Sprint(rate)+`, "level_coefficients": 1,
		"outliers": {"high": {"bands": [{"k": 2}], "ratio": 1}, "low": {"k": 0.35}}}}`)
	calc := mustCalc(t, p, mustTable(t, tsv.String()))
	var pay Payment
	classify := func(group string, c float64) Outlier {
		calc.Compute(mkRec(level(3), cost(c)), drgRes(group, "Z00.000"), grouper.SchemeDRG, &pay)
		return pay.Outlier
	}
	for _, r := range rows {
		g, std := r[0], num(t, r[4])
		low, high := math.Round(num(t, r[5])*100)/100, math.Round(num(t, r[6])*100)/100
		calc.Compute(mkRec(level(3), cost(std)), drgRes(g, "Z00.000"), grouper.SchemeDRG, &pay)
		if math.Abs(pay.Amount-std) > 0.005+1e-9 {
			t.Errorf("%s: standard %.2f, published %v", g, pay.Amount, std)
		}
		for _, c := range []struct {
			cost float64
			want Outlier
		}{{high, OutlierHigh}, {high - 0.01, OutlierNone}, {low, OutlierLow}, {low + 0.01, OutlierNone}} {
			if got := classify(g, c.cost); got != c.want {
				t.Errorf("%s: cost %.2f (thresholds %.2f / %.2f): got %v, want %v", g, c.cost, low, high, got, c.want)
			}
		}
	}
}
