package weights

import (
	"math"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// TestCompute works every policy alone and in combination through
// testPolicy and testTable. Unless a case says otherwise: level 2 (level
// coefficient 1.0), kind "general" (not listed: 1), total cost 10000, DRG base
// rate 10000, DIP point value 10. The comment of each case shows the
// arithmetic of the expected amount.
func TestCompute(t *testing.T) {
	type tc struct {
		name    string
		policy  func(*Policy) // changes to testPolicy, or nil
		rec     *record.Record
		res     *grouper.Result
		scheme  grouper.Scheme
		amount  float64
		weight  float64 // AdjustedWeight
		outlier Outlier
		adj     string // AdjustmentsString
		reason  string // Payment.Reason
	}
	cases := []tc{
		// --- rates and level coefficients ---------------------------------
		{name: "plain level 2", // 1.0 × 10000 × 1.0 = 10000
			rec: mkRec(), res: drgRes("HC25", "K81.000"), amount: 10000, weight: 1},
		{name: "plain level 1", // 1.0 × 10000 × 0.8 = 8000
			rec: mkRec(level(1)), res: drgRes("HC25", "K81.000"), amount: 8000, weight: 1},
		{name: "plain level 3", // 1.0 × 10000 × 1.2 = 12000
			rec: mkRec(level(3)), res: drgRes("HC25", "K81.000"), amount: 12000, weight: 1},
		{name: "unknown level, no default", // level 0, default_level 0 -> unpaid
			rec: mkRec(level(0)), res: drgRes("HC25", "K81.000"), amount: 0,
			adj: "no_level(hospital_level)", reason: AdjNoLevel},
		{name: "unknown level, default 3", // default_level 3: 1.0 × 10000 × 1.2 = 12000
			policy: func(p *Policy) { p.DefaultLevel = 3 },
			rec:    mkRec(level(0)), res: drgRes("HC25", "K81.000"), amount: 12000, weight: 1,
			adj: "default_level(default_level=3)"},
		{name: "per-level rates", // rate {8000, 9000, 10000}: level 1: 1.0 × 8000 × 0.8 = 6400
			policy: func(p *Policy) { p.DRG.Rate = PerLevel(8000, 9000, 10000); p.DRG.SameLevelRate = f64(9000) },
			rec:    mkRec(level(1)), res: drgRes("HC25", "K81.000"), amount: 6400, weight: 1},
		{name: "weight with many decimals", // 1.5 × 10000 × 0.8 = 12000 (IU25)
			rec: mkRec(level(1), cost(15000)), res: drgRes("IU25", "M48.000"), amount: 12000, weight: 1.5},

		// --- hospital kind (TCM hospital) coefficient ---------------------
		{name: "tcm hospital level 2", // 1.0 × 10000 × 1.0 × 1.05 = 10500
			rec: mkRec(kind("tcm")), res: drgRes("HC25", "K81.000"), amount: 10500, weight: 1,
			adj: "kind_coefficient×1.05(kind_coefficients.tcm)"},
		{name: "tcm hospital level 3", // 1.0 × 10000 × 1.2 × 1.05 = 12600
			rec: mkRec(kind("tcm"), level(3)), res: drgRes("HC25", "K81.000"), amount: 12600, weight: 1,
			adj: "kind_coefficient×1.05(kind_coefficients.tcm)"},
		{name: "unlisted kind", // kind "" -> 1: 1.0 × 10000 = 10000
			rec: mkRec(kind("")), res: drgRes("HC25", "K81.000"), amount: 10000, weight: 1},

		// --- same-level groups --------------------------------------------
		{name: "same-level level 1", // BR25: 0.8 × 10000 × 1.0 (common, not 0.8) = 8000
			rec: mkRec(level(1)), res: drgRes("BR25", "I63.900"), amount: 8000, weight: 0.8,
			adj: "same_level×1.00(drg.same_level_groups[0])"},
		{name: "same-level level 2", // 0.8 × 10000 × 1.0 = 8000
			rec: mkRec(level(2)), res: drgRes("BR25", "I63.900"), amount: 8000, weight: 0.8,
			adj: "same_level×1.00(drg.same_level_groups[0])"},
		{name: "same-level level 3", // 0.8 × 10000 × 1.0 (not 1.2) = 8000
			rec: mkRec(level(3)), res: drgRes("BR25", "I63.900"), amount: 8000, weight: 0.8,
			adj: "same_level×1.00(drg.same_level_groups[0])"},
		{name: "same-level common coefficient 1.02", // 0.8 × 10000 × 1.02 = 8160 at level 1
			policy: func(p *Policy) { p.DRG.SameLevelCoefficient = f64(1.02) },
			rec:    mkRec(level(1)), res: drgRes("BR25", "I63.900"), amount: 8160, weight: 0.8,
			adj: "same_level×1.02(drg.same_level_groups[0])"},
		{name: "same-level with per-level rates", // same_level_rate 9000: 0.8 × 9000 × 1.0 = 7200 (level 1 rate 8000 not used)
			policy: func(p *Policy) { p.DRG.Rate = PerLevel(8000, 9000, 10000); p.DRG.SameLevelRate = f64(9000) },
			rec:    mkRec(level(1)), res: drgRes("BR25", "I63.900"), amount: 7200, weight: 0.8,
			adj: "same_level×1.00(drg.same_level_groups[0])"},
		{name: "same-level at a tcm hospital", // 0.8 × 10000 × 1.0 × 1.05 = 8400 (kind still applies)
			rec: mkRec(level(3), kind("tcm")), res: drgRes("BR25", "I63.900"), amount: 8400, weight: 0.8,
			adj: "same_level×1.00(drg.same_level_groups[0]);kind_coefficient×1.05(kind_coefficients.tcm)"},

		// --- TCM-advantaged uplift and the TCM cost share ------------------
		{name: "tcm share just below", // 2999.99 < 0.3 × 10000 = 3000.00: no uplift, 10000
			rec: mkRec(tcmCost(2999.99)), res: drgRes("HC25", "M54.500"), amount: 10000, weight: 1},
		{name: "tcm share exactly at", // 3000.00 ≥ 3000.00: 1.0 × 1.1 × 10000 = 11000
			rec: mkRec(tcmCost(3000)), res: drgRes("HC25", "M54.500"), amount: 11000, weight: 1.1,
			adj: "tcm_advantaged×1.10(tcm_advantaged[0])"},
		{name: "tcm share above", // 3000.01 > 3000.00: 11000
			rec: mkRec(tcmCost(3000.01)), res: drgRes("HC25", "M54.500"), amount: 11000, weight: 1.1,
			adj: "tcm_advantaged×1.10(tcm_advantaged[0])"},
		{name: "tcm share at 0.3 of an odd total", // 0.3 × 12345.67 = 3703.701 -> 3703.70 in cents; 3703.70 is at it: 11000
			rec: mkRec(cost(12345.67), tcmCost(3703.70)), res: drgRes("HC25", "M54.500"), amount: 11000, weight: 1.1,
			adj: "tcm_advantaged×1.10(tcm_advantaged[0])"},
		{name: "tcm code wins over western", // TCM A03.06.01 under entry A03.06 (×1.2) beats M54.5 (×1.1): 12000
			rec: mkRec(tcmDx("A03.06.01"), tcmCost(5000)), res: drgRes("HC25", "M54.500"), amount: 12000, weight: 1.2,
			adj: "tcm_advantaged×1.20(tcm_advantaged[1])"},
		{name: "subcategory entry beats category", // K80.100x001: K80.1 (×1.08) over K80 (×1.05): 10800
			rec: mkRec(), res: drgRes("HC25", "K80.100x001"), amount: 10800, weight: 1.08,
			adj: "tcm_advantaged×1.08(tcm_advantaged[3])"},
		{name: "tcm entry's share missed: the western entry applies", // A03.06 needs 0.6, the case has 0.5: M54.5 (0.3) ×1.1: 11000
			policy: func(p *Policy) { p.TCMAdvantaged[1].MinTCMShare = f64(0.6) },
			rec:    mkRec(tcmDx("A03.06.01"), tcmCost(5000)), res: drgRes("HC25", "M54.500"), amount: 11000, weight: 1.1,
			adj: "tcm_advantaged×1.10(tcm_advantaged[0])"},
		{name: "subcategory entry's share missed: the category entry applies", // K80.1 needs 0.5, the case has none: K80 ×1.05: 10500
			policy: func(p *Policy) { p.TCMAdvantaged[3].MinTCMShare = f64(0.5) },
			rec:    mkRec(), res: drgRes("HC25", "K80.100x001"), amount: 10500, weight: 1.05,
			adj: "tcm_advantaged×1.05(tcm_advantaged[2])"},
		{name: "no entry's share met", // M54.5 needs 0.3, the case has 0.2; A03.06 needs 0.6: none, 10000
			policy: func(p *Policy) { p.TCMAdvantaged[1].MinTCMShare = f64(0.6) },
			rec:    mkRec(tcmDx("A03.06.01"), tcmCost(2000)), res: drgRes("HC25", "M54.500"), amount: 10000, weight: 1},
		{name: "category entry matches below", // K80.200 under K80 (×1.05): 10500
			rec: mkRec(), res: drgRes("HC25", "K80.200"), amount: 10500, weight: 1.05,
			adj: "tcm_advantaged×1.05(tcm_advantaged[2])"},
		{name: "tcm-advantaged at tcm hospital level 3", // 1.05 × 10000 × 1.2 × 1.05 = 13230
			rec: mkRec(level(3), kind("tcm")), res: drgRes("HC25", "K80.200"), amount: 13230, weight: 1.05,
			adj: "tcm_advantaged×1.05(tcm_advantaged[2]);kind_coefficient×1.05(kind_coefficients.tcm)"},

		// --- day ward ------------------------------------------------------
		{name: "day ward alone", // M47.800 day ward ×0.8: 0.8 × 10000 = 8000 (cost 10000 > 0.4 × 8000)
			rec: mkRec(dayWard()), res: drgRes("HC25", "M47.800"), amount: 8000, weight: 0.8,
			adj: "day_ward×0.80(tcm_day_ward[1])"},
		{name: "day-ward disease, not a day-ward record", // no factor: 10000
			rec: mkRec(), res: drgRes("HC25", "M47.800"), amount: 10000, weight: 1},
		{name: "day ward + tcm-advantaged", // 1.0 × 1.1 × 0.9 = 0.99: 9900
			rec: mkRec(dayWard(), tcmCost(5000)), res: drgRes("HC25", "M54.500"), amount: 9900, weight: 0.99,
			adj: "tcm_advantaged×1.10(tcm_advantaged[0]);day_ward×0.90(tcm_day_ward[0])"},
		{name: "day ward exempt from low outlier", // w 0.9, S 10000, cost 1000 ≤ 4000 but exempt: 0.9 × 10000 = 9000
			rec: mkRec(dayWard(), cost(1000)), res: drgRes("HC25", "M54.500"), amount: 9000, weight: 0.9,
			adj: "day_ward×0.90(tcm_day_ward[0]);low_outlier_exempt(tcm_day_ward[0])"},
		{name: "day ward not exempt", // w 0.8, S 10000 (the group's, not scaled by the factor), 1000 ≤ 4000: low, 8000 × 1000/10000 = 800
			rec: mkRec(dayWard(), cost(1000)), res: drgRes("HC25", "M47.800"), amount: 800, weight: 0.8,
			outlier: OutlierLow, adj: "day_ward×0.80(tcm_day_ward[1]);low_outlier×0.10(drg.outliers.low)"},
		{name: "day ward exemption does not stop high", // w 0.9, S 10000, k 3 (band of 1.0): 30000 ≥ 30000: 9000 + 0 = 9000, high
			rec: mkRec(dayWard(), cost(30000)), res: drgRes("HC25", "M54.500"), amount: 9000, weight: 0.9,
			outlier: OutlierHigh, adj: "day_ward×0.90(tcm_day_ward[0]);high_outlier+0.00(drg.outliers.high.bands[0])"},
		{name: "day ward factor does not move the high threshold", // w 0.9, S 10000: 27000 < 30000: none, 9000
			rec: mkRec(dayWard(), cost(27000)), res: drgRes("HC25", "M54.500"), amount: 9000, weight: 0.9,
			adj: "day_ward×0.90(tcm_day_ward[0])"},

		// --- outliers ------------------------------------------------------
		{name: "high exactly at threshold", // S 10000, k 3: 30000 ≥ 30000: 10000 + 0 × 0.9 = 10000
			rec: mkRec(cost(30000)), res: drgRes("HC25", "K81.000"), amount: 10000, weight: 1,
			outlier: OutlierHigh, adj: "high_outlier+0.00(drg.outliers.high.bands[0])"},
		{name: "high just below threshold", // 29999.99 < 30000: none, 10000
			rec: mkRec(cost(29999.99)), res: drgRes("HC25", "K81.000"), amount: 10000, weight: 1},
		{name: "high above threshold", // 10000 + (40000 − 30000) × 0.9 = 19000
			rec: mkRec(cost(40000)), res: drgRes("HC25", "K81.000"), amount: 19000, weight: 1,
			outlier: OutlierHigh, adj: "high_outlier+9000.00(drg.outliers.high.bands[0])"},
		{name: "high band 1-2", // IU25 1.5: S 15000, k 2.5 -> 37500; 15000 + (40000 − 37500) × 0.9 = 17250
			rec: mkRec(cost(40000)), res: drgRes("IU25", "M48.000"), amount: 17250, weight: 1.5,
			outlier: OutlierHigh, adj: "high_outlier+2250.00(drg.outliers.high.bands[1])"},
		{name: "band upper bound is inclusive", // HC23 2.0 is in (1, 2]: k 2.5, S 25000 (table) -> 62500 ≥ 62500: 20000 + 0
			rec: mkRec(cost(62500)), res: drgRes("HC23", "K81.000"), amount: 20000, weight: 2,
			outlier: OutlierHigh, adj: "high_outlier+0.00(drg.outliers.high.bands[1])"},
		{name: "high band > 2", // IF19 2.5: S 25000, k 2 -> 50000; 25000 + 10000 × 0.9 = 34000
			rec: mkRec(cost(60000)), res: drgRes("IF19", "S42.300"), amount: 34000, weight: 2.5,
			outlier: OutlierHigh, adj: "high_outlier+9000.00(drg.outliers.high.bands[2])"},
		{name: "high with coefficients", // level 3: 12000 + (40000 − 30000) × 0.9 = 21000 (extra not scaled)
			rec: mkRec(level(3), cost(40000)), res: drgRes("HC25", "K81.000"), amount: 21000, weight: 1,
			outlier: OutlierHigh, adj: "high_outlier+9000.00(drg.outliers.high.bands[0])"},
		{name: "the uplift does not move the high threshold", // w 1.1, S 10000, k 3: 33000 ≥ 30000: 11000 + 3000 × 0.9 = 13700, 1000 more than without the uplift
			rec: mkRec(cost(33000), tcmCost(10000)), res: drgRes("HC25", "M54.500"), amount: 13700, weight: 1.1,
			outlier: OutlierHigh, adj: "tcm_advantaged×1.10(tcm_advantaged[0]);high_outlier+2700.00(drg.outliers.high.bands[0])"},
		{name: "the uplift does not move the low threshold", // w 1.1, S 10000: 4200 > 4000: none, 11000 (the threshold × 1.1 made it low: 4200, less than without the uplift)
			rec: mkRec(cost(4200), tcmCost(2100)), res: drgRes("HC25", "M54.500"), amount: 11000, weight: 1.1,
			adj: "tcm_advantaged×1.10(tcm_advantaged[0])"},
		{name: "an uplifted low case keeps its uplift", // w 1.1, S 10000: 2000 ≤ 4000: low, 11000 × 2000/10000 = 2200
			rec: mkRec(cost(2000), tcmCost(1000)), res: drgRes("HC25", "M54.500"), amount: 2200, weight: 1.1,
			outlier: OutlierLow, adj: "tcm_advantaged×1.10(tcm_advantaged[0]);low_outlier×0.20(drg.outliers.low)"},
		{name: "low exactly at threshold", // 4000 ≤ 0.4 × 10000: 10000 × 4000/10000 = 4000
			rec: mkRec(cost(4000)), res: drgRes("HC25", "K81.000"), amount: 4000, weight: 1,
			outlier: OutlierLow, adj: "low_outlier×0.40(drg.outliers.low)"},
		{name: "low just above threshold", // 4000.01 > 4000: none, 10000
			rec: mkRec(cost(4000.01)), res: drgRes("HC25", "K81.000"), amount: 10000, weight: 1},
		{name: "low with coefficients", // level 3 tcm: 1 × 10000 × 1.2 × 1.05 = 12600; × 2000/10000 = 2520
			rec: mkRec(level(3), kind("tcm"), cost(2000)), res: drgRes("HC25", "K81.000"), amount: 2520, weight: 1,
			outlier: OutlierLow, adj: "kind_coefficient×1.05(kind_coefficients.tcm);low_outlier×0.20(drg.outliers.low)"},
		{name: "low by item cost", // method item_cost: pay the cost, 2000
			policy: func(p *Policy) { p.DRG.Outliers.Low.Method = LowItemCost },
			rec:    mkRec(cost(2000)), res: drgRes("HC25", "K81.000"), amount: 2000, weight: 1,
			outlier: OutlierLow, adj: "low_outlier=2000.00(drg.outliers.low)"},
		{name: "no cost, no outlier", // TotalCost 0: never classified, 10000
			rec: mkRec(cost(0)), res: drgRes("HC25", "K81.000"), amount: 10000, weight: 1},

		// --- fixed price ---------------------------------------------------
		{name: "fixed price", // K60.300: price 6800 replaces 10000
			rec: mkRec(), res: drgRes("HC25", "K60.300"), amount: 6800, weight: 1,
			adj: "fixed_price=6800.00(tcm_fixed_price[0])"},
		{name: "fixed price over a high outlier", // would be 10000 + 18000; price 6800, class kept
			rec: mkRec(cost(50000)), res: drgRes("HC25", "K60.300"), amount: 6800, weight: 1, outlier: OutlierHigh,
			adj: "high_outlier+18000.00(drg.outliers.high.bands[0]);fixed_price=6800.00(tcm_fixed_price[0])"},
		{name: "fixed price ignores coefficients", // level 3 tcm: still 6800
			rec: mkRec(level(3), kind("tcm")), res: drgRes("HC25", "K60.300"), amount: 6800, weight: 1,
			adj: "kind_coefficient×1.05(kind_coefficients.tcm);fixed_price=6800.00(tcm_fixed_price[0])"},

		// --- same efficacy, same price -------------------------------------
		{name: "same efficacy, TCM principal", // IS15 paid as IF19: 2.5 × 10000 = 25000 (cost 12000 > 0.4 × 25000)
			rec: mkRec(cost(12000), tcmDx("A11.01.02")), res: drgRes("IS15", "S52.500"), amount: 25000, weight: 2.5,
			adj: "same_efficacy→IF19(drg.same_efficacy[0])"},
		{name: "same efficacy, TCM share at threshold", // 3600 ≥ 0.3 × 12000: TCM-treated, 25000
			rec: mkRec(cost(12000), tcmCost(3600)), res: drgRes("IS15", "S52.500"), amount: 25000, weight: 2.5,
			adj: "same_efficacy→IF19(drg.same_efficacy[0])"},
		{name: "same efficacy, Western-treated", // tcm_only and share 0.1: stays IS15, 0.5 × 10000 = 5000
			rec: mkRec(cost(12000), tcmCost(1200)), res: drgRes("IS15", "S52.500"), amount: 5000, weight: 0.5},
		{name: "same efficacy, tcm_only missed: a less specific entry applies", // S52.5 is tcm_only; S52 is not: HC23, 2.0 × 10000 = 20000
			policy: func(p *Policy) {
				p.DRG.SameEfficacy = append(p.DRG.SameEfficacy, SameEfficacy{Code: "S52", PayAsGroup: "HC23"})
			},
			rec: mkRec(cost(12000), tcmCost(1200)), res: drgRes("IS15", "S52.500"), amount: 20000, weight: 2,
			adj: "same_efficacy→HC23(drg.same_efficacy[2])"},
		{name: "same efficacy, not tcm_only", // S82.200 paid as HC23 for any treatment: 2.0 × 10000 = 20000
			rec: mkRec(cost(20000)), res: drgRes("IS15", "S82.200"), amount: 20000, weight: 2,
			adj: "same_efficacy→HC23(drg.same_efficacy[1])"},
		{name: "same efficacy + tcm-advantaged", // IF19 2.5 × 1.1 (TCM A11.02.03 under A11.02) = 2.75: 27500
			rec: mkRec(cost(12000), tcmDx("A11.02.03")), res: drgRes("IS15", "S52.500"), amount: 27500, weight: 2.75,
			adj: "same_efficacy→IF19(drg.same_efficacy[0]);tcm_advantaged×1.10(tcm_advantaged[4])"},
		{name: "same efficacy + day ward + tcm hospital level 1", // 2.5 × 1.1 = 2.75; × 10000 × 0.8 × 1.05 = 23100
			policy: func(p *Policy) {
				p.TCMDayWard = append(p.TCMDayWard, TCMDayWard{Code: "S52", Factor: 1})
			},
			rec: mkRec(level(1), kind("tcm"), cost(12000), tcmDx("A11.02.03"), dayWard()), res: drgRes("IS15", "S52.500"), amount: 23100, weight: 2.75,
			adj: "same_efficacy→IF19(drg.same_efficacy[0]);tcm_advantaged×1.10(tcm_advantaged[4]);day_ward×1.00(tcm_day_ward[2]);kind_coefficient×1.05(kind_coefficients.tcm)"},

		// --- TCM-advantaged groups (中医优势病组) -----------------------------
		{name: "advantaged group, TCM-treated by share", // 4500 ≥ 0.3 × 15000: IU25 1.5 × 1.2 = 1.8: 18000
			policy: advGroups(TCMAdvantagedGroup{Group: "IU25", TCMOnly: true, Factor: 1.2}),
			rec:    mkRec(cost(15000), tcmCost(4500)), res: drgRes("IU25", "M48.000"), amount: 18000, weight: 1.8,
			adj: "tcm_advantaged×1.20(drg.tcm_advantaged_groups[0])"},
		{name: "advantaged group, Western-treated", // 4499.99 < 4500: not TCM-treated, 1.5 × 10000 = 15000
			policy: advGroups(TCMAdvantagedGroup{Group: "IU25", TCMOnly: true, Factor: 1.2}),
			rec:    mkRec(cost(15000), tcmCost(4499.99)), res: drgRes("IU25", "M48.000"), amount: 15000, weight: 1.5},
		{name: "advantaged group, TCM principal", // TCM principal A04.01.02 (in no list), no TCM cost: TCM-treated, 18000
			policy: advGroups(TCMAdvantagedGroup{Group: "IU25", TCMOnly: true, Factor: 1.2}),
			rec:    mkRec(cost(15000), tcmDx("A04.01.02")), res: drgRes("IU25", "M48.000"), amount: 18000, weight: 1.8,
			adj: "tcm_advantaged×1.20(drg.tcm_advantaged_groups[0])"},
		{name: "advantaged group, min share exactly at", // 7500 ≥ 0.5 × 15000: 1.5 × 1.2 = 1.8: 18000
			policy: advGroups(TCMAdvantagedGroup{Group: "IU25", MinTCMShare: f64(0.5), Factor: 1.2}),
			rec:    mkRec(cost(15000), tcmCost(7500)), res: drgRes("IU25", "M48.000"), amount: 18000, weight: 1.8,
			adj: "tcm_advantaged×1.20(drg.tcm_advantaged_groups[0])"},
		{name: "advantaged group, min share just below", // 7499.99 < 7500: 15000
			policy: advGroups(TCMAdvantagedGroup{Group: "IU25", MinTCMShare: f64(0.5), Factor: 1.2}),
			rec:    mkRec(cost(15000), tcmCost(7499.99)), res: drgRes("IU25", "M48.000"), amount: 15000, weight: 1.5},
		{name: "advantaged group without conditions", // every HC25 case: 1.0 × 1.1 × 10000 = 11000 (cost 10000 > 0.4 × 11000)
			policy: advGroups(TCMAdvantagedGroup{Group: "HC25", Factor: 1.1}),
			rec:    mkRec(), res: drgRes("HC25", "K81.000"), amount: 11000, weight: 1.1,
			adj: "tcm_advantaged×1.10(drg.tcm_advantaged_groups[0])"},
		{name: "advantaged disease wins over group", // M54.5 share 0.3: disease ×1.1 only, not also ×1.2: 1.65 × 10000 = 16500
			policy: advGroups(TCMAdvantagedGroup{Group: "IU25", Factor: 1.2}),
			rec:    mkRec(cost(15000), tcmCost(4500)), res: drgRes("IU25", "M54.500"), amount: 16500, weight: 1.65,
			adj: "tcm_advantaged×1.10(tcm_advantaged[0])"},
		{name: "advantaged group when the disease entry's share fails", // M54.5 share 0.2 < 0.3: group ×1.2: 18000
			policy: advGroups(TCMAdvantagedGroup{Group: "IU25", Factor: 1.2}),
			rec:    mkRec(cost(15000), tcmCost(3000)), res: drgRes("IU25", "M54.500"), amount: 18000, weight: 1.8,
			adj: "tcm_advantaged×1.20(drg.tcm_advantaged_groups[0])"},
		{name: "advantaged group is the paid-as group", // IS15 paid as IF19 (listed, not IS15's ×1.5): 2.5 × 1.1 = 2.75: 27500
			policy: advGroups(TCMAdvantagedGroup{Group: "IS15", Factor: 1.5}, TCMAdvantagedGroup{Group: "IF19", TCMOnly: true, Factor: 1.1}),
			rec:    mkRec(cost(12000), tcmDx("A11.01.02")), res: drgRes("IS15", "S52.500"), amount: 27500, weight: 2.75,
			adj: "same_efficacy→IF19(drg.same_efficacy[0]);tcm_advantaged×1.10(drg.tcm_advantaged_groups[1])"},
		{name: "dip advantaged group", // 1200 × 1.05 = 1260; × 10 = 12600
			policy: func(p *Policy) {
				p.DIP.TCMAdvantagedGroups = []TCMAdvantagedGroup{{Group: "K80.1:51.2300", Factor: 1.05}}
			},
			rec: mkRec(cost(12000)), res: dipRes("K80.1:51.2300", 1200, "K81.000"), scheme: grouper.SchemeDIP, amount: 12600, weight: 1260,
			adj: "tcm_advantaged×1.05(dip.tcm_advantaged_groups[0])"},
		{name: "drg advantaged group does not apply under dip", // the record's DRG is HC25 but DIP pays K80.1:51.2300: 12000
			policy: advGroups(TCMAdvantagedGroup{Group: "HC25", Factor: 1.1}),
			rec:    mkRec(cost(12000)), res: dipRes("K80.1:51.2300", 1200, "K81.000"), scheme: grouper.SchemeDIP, amount: 12000, weight: 1200},

		// --- records without a weight --------------------------------------
		{name: "ungroupable 0000", // no group: 0
			rec: mkRec(), res: &grouper.Result{Status: grouper.StatusUngroupable, DRG: grouper.Ungroupable, Reason: grouper.ReasonNoMatch, PrincipalDx: "K60.300"},
			amount: 0, adj: "no_group(NO_MDC_ADRG_MATCH)", reason: AdjNoGroup},
		{name: "blank weight", // AA19 has a blank weight: 0
			rec: mkRec(), res: drgRes("AA19", "I42.000"), amount: 0, adj: "no_weight(weights.tsv)", reason: AdjNoWeight},
		{name: "group not in table", // ZZ99: 0
			rec: mkRec(), res: drgRes("ZZ99", "K81.000"), amount: 0, adj: "no_weight(weights.tsv)", reason: AdjNoWeight},
		{name: "QY without weight", // HQY not in the table: 0
			rec: mkRec(), res: &grouper.Result{Status: grouper.StatusQY, DRG: "HQY", PrincipalDx: "K81.000"},
			amount: 0, adj: "no_weight(weights.tsv)", reason: AdjNoWeight},
		{name: "QY with weight", // HQY weighted 1.0 in an extended table: 10000
			rec: mkRec(), res: &grouper.Result{Status: grouper.StatusQY, DRG: "HQY", PrincipalDx: "K81.000"},
			amount: 10000, weight: 1},

		// --- DIP -----------------------------------------------------------
		{name: "dip score override", // table score 1200 (not catalogue 999) × 10 = 12000
			rec: mkRec(cost(12000)), res: dipRes("K80.1:51.2300", 999, "K81.000"), scheme: grouper.SchemeDIP, amount: 12000, weight: 1200},
		{name: "dip catalogue score", // K80.1 blank in table: catalogue 850 × 10 = 8500
			rec: mkRec(cost(8500)), res: dipRes("K80.1", 850, "K81.000"), scheme: grouper.SchemeDIP, amount: 8500, weight: 850},
		{name: "dip group absent from table", // K81.0 not listed: catalogue 640 × 10 = 6400
			rec: mkRec(cost(6400)), res: dipRes("K81.0", 640, "K81.000"), scheme: grouper.SchemeDIP, amount: 6400, weight: 640},
		{name: "dip tcm-advantaged", // K80.100: 1200 × 1.08 = 1296; × 10 = 12960
			rec: mkRec(cost(12000)), res: dipRes("K80.1:51.2300", 1200, "K80.100"), scheme: grouper.SchemeDIP, amount: 12960, weight: 1296,
			adj: "tcm_advantaged×1.08(tcm_advantaged[3])"},
		{name: "dip tcm hospital", // 1200 × 10 × 1 × 1.05 = 12600
			rec: mkRec(kind("tcm"), cost(12000)), res: dipRes("K80.1:51.2300", 1200, "K81.000"), scheme: grouper.SchemeDIP, amount: 12600, weight: 1200,
			adj: "kind_coefficient×1.05(kind_coefficients.tcm)"},
		{name: "dip no group", // 0
			rec: mkRec(), res: dipRes("", 0, "K81.000"), scheme: grouper.SchemeDIP, amount: 0, adj: "no_group(dip)", reason: AdjNoGroup},
		{name: "dip not configured", // policy without dip: 0
			policy: func(p *Policy) { p.DIP = nil },
			rec:    mkRec(), res: dipRes("K80.1", 850, "K81.000"), scheme: grouper.SchemeDIP, amount: 0, adj: "no_scheme(dip)", reason: AdjNoScheme},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustPolicy(t, testPolicy)
			if c.policy != nil {
				c.policy(p)
			}
			tsv := testTable
			if c.name == "QY with weight" {
				tsv += "drg\tHQY\t1.0\t\t歧义组\n"
			}
			calc := mustCalc(t, p, mustTable(t, tsv))
			scheme := c.scheme
			if scheme == 0 {
				scheme = grouper.SchemeDRG
			}
			var pay Payment
			calc.Compute(c.rec, c.res, scheme, &pay)
			if pay.Amount != c.amount {
				t.Errorf("Amount: got %.2f, want %.2f (adjustments %s)", pay.Amount, c.amount, pay.AdjustmentsString())
			}
			if math.Abs(pay.AdjustedWeight-c.weight) > 1e-12 {
				t.Errorf("AdjustedWeight: got %v, want %v", pay.AdjustedWeight, c.weight)
			}
			if pay.Outlier != c.outlier {
				t.Errorf("Outlier: got %v, want %v", pay.Outlier, c.outlier)
			}
			if got := pay.AdjustmentsString(); got != c.adj {
				t.Errorf("adjustments:\n got %s\nwant %s", got, c.adj)
			}
			if pay.Reason != c.reason {
				t.Errorf("Reason: got %q, want %q", pay.Reason, c.reason)
			}
		})
	}
	if len(cases) < 40 {
		t.Errorf("only %d cases", len(cases))
	}
}

// advGroups sets the DRG section's tcm_advantaged_groups.
func advGroups(gs ...TCMAdvantagedGroup) func(*Policy) {
	return func(p *Policy) { p.DRG.TCMAdvantagedGroups = gs }
}

// TestComputeFields checks the bookkeeping fields of one full payment.
func TestComputeFields(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	var pay Payment
	// TCM hospital, level 3, M54.5 with share 0.5, day ward, cost 40000.
	// w = 1.0 × 1.1 × 0.9 = 0.99; S = 10000 (the group's); high k 3 (band
	// of w1 = 1.0): 30000 ≤ 40000. GroupAmount = 0.99 × 10000 × 1.2 × 1.05 =
	// 12474; extra (40000 − 30000) × 0.9 = 9000; Amount 21474.
	// SettlementPoints = 21474 × 100 / 10000 = 214.74.
	rec := mkRec(level(3), kind("tcm"), cost(40000), tcmCost(20000), dayWard())
	calc.Compute(rec, drgRes("HC25", "M54.500"), grouper.SchemeDRG, &pay)
	checks := []struct {
		name      string
		got, want float64
	}{
		{"BaseWeight", pay.BaseWeight, 1},
		{"AdjustedWeight", pay.AdjustedWeight, 0.99},
		{"Points", pay.Points, 99},
		{"Rate", pay.Rate, 10000},
		{"LevelCoefficient", pay.LevelCoefficient, 1.2},
		{"KindCoefficient", pay.KindCoefficient, 1.05},
		{"StandardCost", pay.StandardCost, 10000},
		{"GroupAmount", pay.GroupAmount, 12474},
		{"Amount", pay.Amount, 21474},
		{"SettlementPoints", pay.SettlementPoints, 214.74},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if pay.Outlier != OutlierHigh || pay.Group != "HC25" || pay.PaidAs != "HC25" || pay.Level != 3 || pay.Scheme != grouper.SchemeDRG {
		t.Errorf("got outlier %v group %s paid as %s level %d scheme %v", pay.Outlier, pay.Group, pay.PaidAs, pay.Level, pay.Scheme)
	}
	want := "tcm_advantaged×1.10(tcm_advantaged[0]);day_ward×0.90(tcm_day_ward[0]);kind_coefficient×1.05(kind_coefficients.tcm);high_outlier+9000.00(drg.outliers.high.bands[0])"
	if got := pay.AdjustmentsString(); got != want {
		t.Errorf("adjustments:\n got %s\nwant %s", got, want)
	}
	if !pay.Has(AdjDayWard) || pay.Has(AdjFixedPrice) {
		t.Errorf("Has: day_ward %v fixed_price %v", pay.Has(AdjDayWard), pay.Has(AdjFixedPrice))
	}

	// Same efficacy: Group stays the grouped one, PaidAs is the target, and
	// BaseWeight is the grouped group's weight.
	calc.Compute(mkRec(cost(12000), tcmDx("A11.01.02")), drgRes("IS15", "S52.500"), grouper.SchemeDRG, &pay)
	if pay.Group != "IS15" || pay.PaidAs != "IF19" || pay.BaseWeight != 0.5 || pay.AdjustedWeight != 2.5 {
		t.Errorf("same efficacy: group %s paid as %s base %v adjusted %v", pay.Group, pay.PaidAs, pay.BaseWeight, pay.AdjustedWeight)
	}
	if a := pay.Applied()[0]; a.Op != OpGroup || a.Group != "IF19" || a.Factor != 5 {
		t.Errorf("same efficacy adjustment: %+v", a)
	}

	// A fixed-price case carries no settlement points.
	calc.Compute(mkRec(), drgRes("HC25", "K60.300"), grouper.SchemeDRG, &pay)
	if !pay.FixedPrice || pay.SettlementPoints != 0 || pay.Points != 100 {
		t.Errorf("fixed price: FixedPrice %v SettlementPoints %v Points %v", pay.FixedPrice, pay.SettlementPoints, pay.Points)
	}

	// An invalid scheme is unpaid, not a panic.
	calc.Compute(mkRec(), drgRes("HC25", "K81.000"), grouper.Scheme(9), &pay)
	if pay.Reason != AdjNoScheme || pay.Amount != 0 {
		t.Errorf("scheme 9: reason %q amount %v", pay.Reason, pay.Amount)
	}
}

// TestSamplePolicy loads the embedded SAMPLE policy with the sample table.
func TestSamplePolicy(t *testing.T) {
	p, err := SamplePolicy()
	if err != nil {
		t.Fatal(err)
	}
	if !p.Sample || !strings.Contains(p.Region, "SAMPLE") {
		t.Errorf("the sample policy must be labelled SAMPLE: sample=%v region=%q", p.Sample, p.Region)
	}
	tab := readTableFile(t, "testdata/weights.tsv")
	calc := mustCalc(t, p, tab)
	if w := calc.Warnings(); len(w) != 0 {
		t.Errorf("warnings: %v", w)
	}
	// It is also the default of the embedded sample rule set, so every
	// group it names must be there with a weight.
	rs, err := grouper.Sample()
	if err != nil {
		t.Fatal(err)
	}
	sampleTab, err := TableFromRuleSet(rs)
	if err != nil {
		t.Fatal(err)
	}
	if w := mustCalc(t, p, sampleTab).Warnings(); len(w) != 0 {
		t.Errorf("warnings with the sample rule set's table: %v", w)
	}
	var pay Payment
	// BR25 is a 基础病组: 1.2 × 10000 × 1.02 at every level = 12240.
	for l := int8(1); l <= 3; l++ {
		calc.Compute(mkRec(level(l), cost(12000)), drgRes("BR25", "I63.900"), grouper.SchemeDRG, &pay)
		if pay.Amount != 12240 {
			t.Errorf("BR25 level %d: got %.2f, want 12240 (%s)", l, pay.Amount, pay.AdjustmentsString())
		}
	}
	// HC25 is not: 1.4 × 10000 × 0.75 / 1.02 / 1.2 = 10500 / 14280 / 16800.
	for l, want := range map[int8]float64{1: 10500, 2: 14280, 3: 16800} {
		calc.Compute(mkRec(level(l), cost(13500)), drgRes("HC25", "K80.100"), grouper.SchemeDRG, &pay)
		if pay.Amount != want {
			t.Errorf("HC25 level %d: got %.2f, want %.2f", l, pay.Amount, want)
		}
	}
	// 项痹病 day ward at a TCM hospital, level 2, cost 1000: IU25 0.8 × 0.9 =
	// 0.72 × 10000 × 1.02 × 1.05 = 7711.20; low cost waived.
	calc.Compute(mkRec(kind("tcm"), cost(1000), tcmDx("A03.06.03"), dayWard()), drgRes("IU25", "M47.801"), grouper.SchemeDRG, &pay)
	if pay.Amount != 7711.2 || pay.Outlier != OutlierNone || !pay.Has(AdjLowExempt) {
		t.Errorf("day ward: got %.2f %v %s", pay.Amount, pay.Outlier, pay.AdjustmentsString())
	}
}

// TestComputeOutOfRange: a weight so large that the amount overflows leaves
// the case unpaid with out_of_range, never an infinite or NaN amount.
func TestComputeOutOfRange(t *testing.T) {
	tab := mustTable(t, strings.Replace(testTable, "drg\tHC25\t1.0\t", "drg\tHC25\t1e308\t", 1))
	calc := mustCalc(t, mustPolicy(t, testPolicy), tab)
	var pay Payment
	calc.Compute(mkRec(level(3), cost(1000)), drgRes("HC25", "K81.000"), grouper.SchemeDRG, &pay)
	if pay.Reason != AdjOutOfRange || pay.Amount != 0 || pay.Points != 0 || pay.SettlementPoints != 0 || pay.Group != "HC25" || pay.Level != 3 {
		t.Errorf("got reason %q amount %v points %v settlement points %v group %q level %d", pay.Reason, pay.Amount, pay.Points, pay.SettlementPoints, pay.Group, pay.Level)
	}
	if got := string(pay.AppendAdjustments(nil)); got != "out_of_range(weights.tsv)" {
		t.Errorf("adjustments %q", got)
	}
	calc.Compute(mkRec(level(3), cost(1000)), drgRes("IU25", "M54.500"), grouper.SchemeDRG, &pay)
	if pay.Reason != "" || !(pay.Amount > 0) {
		t.Errorf("the next record is paid normally: %+v", pay)
	}
}
