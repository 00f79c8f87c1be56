// Package weights turns a grouped record into a payment: it looks up the
// group's weight (DRG relative weight RW, or DIP score), applies a region's
// payment policy (rates, level and kind coefficients, outlier rules and the
// TCM and primary-care policy lists of the seed notices), and settles a year
// of payments against a fund budget.
//
// # Use
//
//	tab, err := weights.TableFromRuleSet(rs)          // rs.Tables["weights.tsv"]
//	pol, err := weights.ReadPolicy(f)                 // policy.json, validated
//	calc, err := weights.New(pol, tab)
//	var pay weights.Payment                           // reuse one per goroutine
//	res := g.Group(rec)
//	calc.Compute(rec, &res, grouper.SchemeDRG, &pay)  // no allocation
//	fmt.Println(pay.Amount, pay.AdjustmentsString())
//
//	st := weights.NewSettlement()
//	st.Add(rec.HospitalID, &pay)                      // for every record
//	rep := st.Close(budget)                           // year-end point value
//	rep, err = st.Settle(budget, func(i int, c *weights.SettledCase) error {
//		return writeCase(i, c)                        // or stream the cases
//	})
//	reps, err := st.SettlePools(map[grouper.Scheme]float64{ // a pool per scheme
//		grouper.SchemeDRG: drgBudget, grouper.SchemeDIP: dipBudget}, nil)
//
// A payment is under one scheme, grouper.SchemeDRG or grouper.SchemeDIP:
// the grouper's Scheme, so that a scheme has one name from the --scheme
// flag to the pay_scheme column. grouper.SchemeBoth, and any other value,
// is no payment scheme: Compute leaves such a case unpaid (no_scheme).
//
// A Calculator is immutable and safe for concurrent use; Compute does not
// allocate. Group codes and the disease codes of the policy lists are
// interned once when New compiles the policy: codes of up to 8 bytes are
// packed into integers in a small open-addressing table (longer ones go to a
// codes.Dict), so Compute never hashes into a string-keyed map. Table uses
// one codes.Dict per scheme.
//
// # The weight table (weights.tsv)
//
// Tab-separated, UTF-8, one header line (columns separated by tabs):
//
//	scheme  group  weight  standard_cost  name
//
// The columns:
//
//   - scheme: drg or dip.
//   - group: the group code exactly as the grouper writes it (BR25, or a DIP
//     group code). One row per (scheme, group).
//   - weight: DRG: the relative weight RW; blank (or 0) = the group is not
//     paid by weight (e.g. transplant groups paid by item): such records are
//     unpaid with flag no_weight. DIP: a score that overrides the catalogue
//     score; blank = use grouper.Result.DIP.Score.
//   - standard_cost: optional group average cost in yuan, the standard the
//     outlier thresholds are multiples of. Blank: weight × the rate used for
//     the case (see step 4 below).
//   - name: optional label.
//
// Blank lines and '#' comments are skipped. Errors are *ParseError with the
// line and column (and wrap ErrHeader, ErrValue or ErrDuplicate).
//
// # The policy file (JSON, policy_version 1)
//
// Unknown fields (field names are matched exactly, case included), wrong
// JSON types and trailing data are rejected; every error is a *PolicyError
// naming the JSON path (e.g. "drg.outliers.high.bands[1].over") and wrapping
// ErrPolicy; Validate reports all problems at once (errors.Join).
//
//	{
//	  "policy_version": 1,               required; must be 1
//	  "region": "...",                   required; free text
//	  "valid_from": "2025-01-01",        required; YYYY-MM-DD
//	  "valid_to": "2025-12-31",          optional; not before valid_from
//	  "sample": false,                   optional; true marks demo policies
//	  "note": "...",                     optional
//	  "default_level": 0,                optional 1-3: the level used when a record's
//	                                     hospital_level is unknown (flag default_level);
//	                                     0 = such records are unpaid (no_level)
//	  "drg": { scheme section },         at least one of drg and dip
//	  "dip": { scheme section },
//	  "kind_coefficients": {"tcm": 1.05},  hospital_kind -> coefficient (> 0); kinds not
//	                                     listed use 1. "tcm" is the TCM-hospital
//	                                     coefficient (seed 000 item 13, 001 (三)).
//	  "tcm_treated_share": 0.3,          optional 0-1: from this TCM cost share a case
//	                                     without a TCM principal diagnosis still counts
//	                                     as TCM-treated (tcm_only of same_efficacy and
//	                                     tcm_advantaged_groups)
//	  "tcm_advantaged":  [{"code", "system", "name", "min_tcm_share", "factor"}],
//	  "tcm_day_ward":    [{"code", "system", "name", "factor", "exempt_low_outlier"}],
//	  "tcm_fixed_price": [{"code", "system", "name", "price"}]
//	}
//
// A scheme section ("drg" or "dip"):
//
//	{
//	  "rate": 10000 | {"1": .., "2": .., "3": ..},   required, > 0. DRG: base rate
//	                      (基准费率) in yuan per RW; DIP: point value (点值) in yuan per
//	                      score point. One number, or one per hospital level (all three).
//	  "level_coefficients": 1 | {"1": 0.75, "2": 1.02, "3": 1.2},   required, > 0
//	  "same_level_groups": ["BR25", ...],   groups paid one standard at every level
//	                      (基层病种 seed 000 item 14; 同病同价 seed 004 (三))
//	  "same_level_coefficient": 1.02,       replaces the level coefficient for them
//	                                        (default 1.0)
//	  "same_level_rate": 10000,             replaces the level's rate for them; required
//	                                        when "rate" differs by level
//	  "outliers": {
//	    "high": {"bands": [{"up_to": 1, "k": 3}, {"over": 1, "up_to": 2, "k": 2.5},
//	                       {"over": 2, "k": 2}],
//	             "ratio": 0.9},
//	    "low":  {"k": 0.4, "method": "cost_ratio" | "item_cost"}
//	  },
//	  "same_efficacy": [{"code", "system", "name", "tcm_only", "pay_as_group"}],
//	  "tcm_advantaged_groups": [{"group", "name", "tcm_only", "min_tcm_share", "factor"}]
//	}
//
// High-cost bands give the multiple k for weights in (over, up_to]; the first
// band starts at 0 (over omitted or 0) and includes 0, each further band must
// start exactly where the previous one ends (overlaps and gaps are errors),
// and only the last may omit up_to. k > 1 and above the low-cost k; the band
// is chosen by the weight of the group the case is paid as (after step 1,
// before the TCM and day-ward factors). ratio ≥ 0 is required. Low-cost k is
// in (0, 1).
//
// List entries (tcm_advantaged, tcm_day_ward, tcm_fixed_price,
// same_efficacy) name a disease by "code" in "system": "icd10" (default;
// Western ICD-10 医保版) or "tcm" (GB/T 15657 TCM disease). Codes are
// normalised like record codes; a code may appear once per list. An icd10
// entry matches Result.PrincipalDx (the Western principal, after TCM
// mapping) when the entry is a prefix of it: "K80" and "K80.1" match
// "K80.100x001". A tcm entry matches Record.TCMPrincipalDx and its dotted
// descendants ("A04.02" matches "A04.02.01"). When several entries of one
// list match, a tcm entry wins over an icd10 one and a longer one over a
// shorter one; an entry whose condition the case does not meet
// (min_tcm_share, tcm_only) gives way to the next, so a TCM-coded case that
// misses its TCM entry's share still gets the Western entry of its disease.
// factor and price must be > 0, shares within [0, 1].
//
//   - tcm_advantaged (中医优势病种, seed 000 item 14, 001 (五)): weight × factor,
//     when min_tcm_share is absent or TCMCost ≥ min_tcm_share × TotalCost.
//   - tcm_day_ward (seed 000 item 14, 001 (五)): for day_ward records only,
//     weight × factor; exempt_low_outlier waives the low-cost rule.
//   - tcm_fixed_price (按病种收付费, seed 001 (五)): Amount = price.
//   - same_efficacy (同病同效同价, seed 001 (四)): the case is weighted as
//     pay_as_group, which must have a weight in the table (New checks). With
//     tcm_only only TCM-treated cases qualify: a TCM principal diagnosis
//     (Record.TCMPrincipalDx), or TCMCost ≥ tcm_treated_share × TotalCost;
//     without tcm_only every case of the disease does.
//
// tcm_advantaged_groups (中医优势病组, as Suzhou's 2023 table flags 36 DRG
// groups) is the TCM-advantaged uplift keyed by group instead of disease: a
// case paid as "group" (PaidAs, after step 1; a group may appear once per
// section) gets weight × factor when it qualifies: with tcm_only, only when
// TCM-treated (as for same_efficacy); with min_tcm_share, only when TCMCost ≥
// min_tcm_share × TotalCost; with neither, every case of the group. It
// applies only when no tcm_advantaged disease entry did, so a case gets at
// most one TCM-advantaged uplift. A DRG group the table lacks, or lists
// without a weight, is reported by Warnings (as for same_level_groups).
// factor must be > 0, min_tcm_share within [0, 1].
//
// # Adjustment order
//
// Compute applies the policy in one fixed order; Payment.Adjustments lists
// what was applied, in that order, each with its policy source:
//
//  0. No group (0000, QY without a weight, no DIP group), no weight, no
//     section for the scheme, or an unknown hospital level without
//     default_level: Amount 0, Reason and a flag (no_group, no_weight,
//     no_scheme, no_level); nothing else applies. Under a calculator made
//     UnpaidOutsidePeriod, a case discharged outside valid_from..valid_to
//     is unpaid the same way (not_in_force); otherwise a run refuses it.
//  1. same_efficacy: the group weight w1 and standard cost become those of
//     pay_as_group (PaidAs).
//  2. tcm_advantaged: w = w1 × factor; when no disease entry applied,
//     tcm_advantaged_groups of PaidAs: w = w1 × factor.
//  3. tcm_day_ward: w = w × factor (day_ward records). w is AdjustedWeight;
//     Points = w × 100 (DRG) or w (DIP).
//  4. Outlier class. Standard S = standard_cost of the paid group, or w1 ×
//     rate when blank; the TCM and day-ward factors of steps 2 and 3 change
//     the payment, not S, so an uplift never moves a case into the low
//     class or out of the high one. High when cost ≥ k × S,
//     else low when cost ≤ k_low × S — "at" the threshold counts, and both
//     sides are compared in whole cents. A matching day-ward entry with
//     exempt_low_outlier turns a low case back to none
//     (low_outlier_exempt). Records with TotalCost ≤ 0 are never outliers.
//  5. GroupAmount = w × rate × level coefficient × kind coefficient, where a
//     same-level group (checked on PaidAs) uses same_level_coefficient and
//     same_level_rate instead. Then the outlier formula: high: GroupAmount +
//     max(0, cost − k × S) × ratio; low cost_ratio: GroupAmount × cost / S
//     (so a low case keeps its factors); low item_cost: cost.
//  6. tcm_fixed_price: Amount = price, replacing everything above (Outlier
//     keeps the class for audit).
//
// Amount is rounded to the cent, half away from zero, where "half" allows
// for binary rounding error: 1.8605 × 10000 × 1.02 × 1.05 = 19 925.955 pays
// 19 925.96. TCM shares are also compared in whole cents: TCMCost ≥ share ×
// TotalCost; a record with TotalCost ≤ 0 never reaches a share (not even
// 0). With every list empty and every coefficient 1, Amount = round(weight ×
// rate). A result that overflows (only absurd weights or rates, such as
// 1e308, get there) is unpaid with the flag out_of_range rather than
// infinite.
//
// # Settlement
//
// Close(budget): fixed-price cases settle at their price, outside the pool.
// The pool (budget − fixed prices) is shared by SettlementPoints: point value
// = pool / Σ SettlementPoints, settled = SettlementPoints × point value. A
// case's SettlementPoints are its unrounded step-5 amount in points at its own
// rate (DRG: amount × 100 / rate, i.e. RW × 100 × coefficients; DIP: amount /
// point value, i.e. score × coefficients), so the level (or same-level) and
// kind coefficients and the outlier formula are re-applied at settlement and
// the provisional rate is replaced by the year-end point value (so a
// same_level_rate that differs from the level's rate is not carried into
// settlement: every point has one value); fixed prices are not scaled. Cents are distributed by largest remainder (ties: earlier
// case), so the settled amounts add up to the budget to the cent.
// Per hospital: cases, points, settled amount, and CMI = mean BaseWeight of
// its DRG cases.
//
// One pool holds one scheme: DRG points (RW × 100) and DIP scores are not one
// unit, so Close and Settle refuse cases of both (rep.Err wraps
// ErrMixedSchemes, naming how many of each) rather than pay one scheme by the
// other's scale. SettlePools gives each scheme its own budget: each pool is
// shared as above, with its own point value and report, and adds up to its
// own budget to the cent. A case's numbers must lie within MaxCasePoints
// (weights, points) and MaxCaseAmount (yuan, ten times the record bound on a
// cost), far beyond any real stay: a finite but absurd value (1e300 points)
// would otherwise take the whole pool.
//
// A Settlement keeps 48 bytes per case (hospital and group codes are
// interned), so a province's year of cases fits in memory. Close returns
// every settled case in a slice; Settle streams them to a callback instead,
// which is what `drg settle --cases` does: about 50 bytes per case held in
// all, against about 120 with Close (BenchmarkSettlement, bytes/case).
//
// ReadPriced reads the cases of a priced file (the CSV or TSV output of
// `drg group` with payment columns) for a Settlement, refusing a value that
// output never holds with a *PricedError naming name:line and the column:
//
//	err := weights.ReadPriced(f, "jan.csv", weights.PricedOptions{IDs: ids}, func(c *weights.PricedCase) error {
//		st.Add(c.HospitalID, &c.Payment)
//		return nil
//	})
//
// # The sample policy (sample_policy.json, SAMPLE)
//
// SamplePolicy returns an embedded, self-authored demo policy. Its rows:
// DRG base rate 10000 yuan at every level; level coefficients 0.75/1.02/1.2
// and five 基础病组 (BR25 ET15 FR25 GS15 HU15) at a same-level coefficient of
// 1.02, the shape of Suzhou's 2023 table; high-cost k 3 / 2.5 / 2 for RW ≤ 1
// / 1-2 / > 2 paying 90% of the excess; low-cost k 0.4 paid by cost ratio;
// same_efficacy: 桡骨远端骨折 S52.5 treated by TCM paid as IF19. DIP point
// value 10 yuan, coefficients 0.9/1.0/1.1, high k 2 paying the whole excess,
// low k 0.5 paid by item cost. TCM hospitals × 1.05; TCM-treated from a 30%
// TCM cost share. TCM-advantaged: 腰痛病 and 膝痹病 × 1.1 from a 30% share,
// I63 脑梗死 × 1.05 from 20%, 胸痹心痛病 × 1.05. Day ward: 项痹病 × 0.9 and
// exempt from the low-cost rule, M54.5 下背痛 × 0.9. Fixed prices: K60.3 肛瘘
// 6800 yuan, K64 痔 5200 yuan. testdata/weights.tsv is a matching sample
// table.
//
// Layer: pricing, above the grouping core (it reads grouper.Result and
// grouper.Scheme) and the rule I/O layer, below the pipeline. It never
// groups a record and never imports grouper/batch.
package weights
