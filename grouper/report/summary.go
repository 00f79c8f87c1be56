package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Summary is everything a report shows about one run, or several: counts
// and aggregates only, never rows, so that the summary of ten million
// records is a few hundred kilobytes. Sections a run did not produce are
// nil or empty (no payment columns: Payment nil; DRG only: DIP nil). Its
// JSON form is what `drg group --summary-json` writes and `drg report`
// reads back.
type Summary struct {
	// RuleSet and Prices name what grouped and priced the run, as the
	// command's summary says them.
	RuleSet string   `json:"rule_set,omitempty"`
	Prices  string   `json:"prices,omitempty"`
	Inputs  []string `json:"inputs,omitempty"`

	Counts Counts `json:"counts"`
	// Ungrouped counts the 0000 records (UNGROUPABLE and CHECK_FAILED)
	// by their reason; QY the ambiguous-group records by group (GQY, ...);
	// Rejected the rejected records by reject reason. Most first.
	Ungrouped []Count `json:"ungrouped,omitempty"`
	QY        []Count `json:"qy,omitempty"`
	Rejected  []Count `json:"rejected,omitempty"`

	// MDCs and DRGs are the case mix: grouped records (OK and QY) per MDC
	// letter and per DRG, most cases first.
	MDCs []Group `json:"mdcs,omitempty"`
	DRGs []Group `json:"drgs,omitempty"`

	// Payment holds the priced run's totals, per hospital and level,
	// outlier classes, unpaid reasons and policy adjustments; nil when
	// the run was not priced.
	Payment *Payment `json:"payment,omitempty"`
	// DIP is the DIP grouping, when it ran.
	DIP *DIP `json:"dip,omitempty"`
	// Migration is a `drg compare` run's version-migration table.
	Migration *Migration `json:"migration,omitempty"`
	// Calibration is a `drg prices calibrate` run's weights.
	Calibration *Calibration `json:"calibration,omitempty"`

	// Warnings are the run's signs of being probably wrong (Check).
	Warnings []Warning `json:"warnings,omitempty"`
}

// Counts are the record counts: Records = Grouped + Rejected, Grouped = OK
// + QY + Ungroupable + CheckFailed.
type Counts struct {
	Records     int64 `json:"records"`
	Grouped     int64 `json:"grouped"`
	OK          int64 `json:"ok"`
	QY          int64 `json:"qy"`
	Ungroupable int64 `json:"ungroupable"`
	CheckFailed int64 `json:"check_failed"`
	Rejected    int64 `json:"rejected"`
	// UnknownCodes counts grouped records with a code the rule set does
	// not know; nil when the source could not tell (a grouped file does
	// not carry it, only the run that grouped it).
	UnknownCodes *int64 `json:"unknown_codes,omitempty"`
}

// Zeros are the 0000 records: not grouped, whatever the reason.
func (c Counts) Zeros() int64 { return c.Ungroupable + c.CheckFailed }

// Count is a number of records with one key (a reason, a group, a class).
type Count struct {
	Key   string `json:"key"`
	Cases int64  `json:"cases"`
}

// Group aggregates the records of one MDC or DRG (or DIP group). Paid,
// Weight and Amount are set on priced runs: Weight sums the base weights
// (RW, or DIP scores) of the paid cases, so Weight/Paid is their case-mix
// index.
type Group struct {
	Code   string  `json:"code"`
	Name   string  `json:"name,omitempty"`
	Cases  int64   `json:"cases"`
	Paid   int64   `json:"paid,omitempty"`
	Weight float64 `json:"weight,omitempty"`
	Amount float64 `json:"amount,omitempty"` // yuan
}

// CMI is the case-mix index of the group's paid cases: their mean weight,
// 0 without paid cases.
func (g Group) CMI() float64 { return ratio(g.Weight, g.Paid) }

// Payment is a priced run's money: totals, then the same per hospital, per
// hospital level, per outlier class, the unpaid records by reason, and the
// policy adjustments.
type Payment struct {
	Total     Group   `json:"total"` // Code "total"
	Hospitals []Group `json:"hospitals,omitempty"`
	// Levels are keyed by the records' hospital level "1", "2", "3" (""
	// unknown); nil, with HospitalLevels, when the source does not carry
	// levels (a grouped file written without --costs).
	Levels []Group `json:"levels,omitempty"`
	// Outliers are keyed by class: none, high, low.
	Outliers    []Group      `json:"outliers,omitempty"`
	Unpaid      []Count      `json:"unpaid,omitempty"`
	Adjustments []Adjustment `json:"adjustments,omitempty"`
	// HospitalLevels maps each hospital (Hospitals' codes) to its level as
	// its records gave it, "" when they disagree or did not say.
	HospitalLevels map[string]string `json:"hospital_levels,omitempty"`
}

// Adjustment aggregates one policy rule's applications: the TCM uplifts,
// day-ward factors, outlier payments and the like (weights.Adjustment).
// Amount is what the cases it applied to were paid. Effect is the part of
// that the rule made, in yuan (negative: removed), against the case's
// group amount G (weight × rate × coefficients, before the outlier rules):
// an added amount (a high-cost payment) itself; a factor f inside G (a TCM
// uplift, a day-ward or hospital-kind coefficient) G × (1 − 1/f); the
// low-cost factor f on G, G × f − G. A rule that sets the amount (a fixed
// price, a low-cost case paid its cost) replaces G, so on such a case no
// effect but additions is told apart (0), and same_level, which replaces
// the level coefficient the record does not carry, has none either; nor do
// rules that only note a fact.
type Adjustment struct {
	Name   string  `json:"name"`   // e.g. tcm_advantaged
	Source string  `json:"source"` // the policy rule, e.g. tcm_advantaged[3]
	Cases  int64   `json:"cases"`
	Amount float64 `json:"amount"` // yuan
	Effect float64 `json:"effect"` // yuan
}

// DIP is the DIP side of a run: records with a DIP group by kind (core,
// comprehensive, ...) and the groups, most cases first. With both schemes,
// DRGOnly and DIPOnly count the records that only one of them grouped.
type DIP struct {
	Grouped int64   `json:"grouped"`
	Kinds   []Count `json:"kinds,omitempty"`
	Reasons []Count `json:"reasons,omitempty"` // records without a DIP group, by reason
	Groups  []Group `json:"groups,omitempty"`  // Weight sums the scores
	Both    bool    `json:"both,omitempty"`    // DRG ran too
	DRGOnly int64   `json:"drg_only,omitempty"`
	DIPOnly int64   `json:"dip_only,omitempty"`
}

// Migration is a version migration (`drg compare`): how records move from
// one rule set to another.
type Migration struct {
	From              string `json:"from"`
	To                string `json:"to"`
	Records           int64  `json:"records"`
	SameMDC           int64  `json:"same_mdc"`
	SameADRG          int64  `json:"same_adrg"`
	SameDRG           int64  `json:"same_drg"`
	BecameQY          int64  `json:"became_qy"`
	LeftQY            int64  `json:"left_qy"`
	BecameUngroupable int64  `json:"became_ungroupable"`
	LeftUngroupable   int64  `json:"left_ungroupable"`
	// Movers are the most frequent DRG changes.
	Movers []Transition `json:"movers,omitempty"`
	// ByHospital and ByMDC are set when both sides were priced.
	ByHospital []Change `json:"by_hospital,omitempty"`
	ByMDC      []Change `json:"by_mdc,omitempty"`
	Total      *Change  `json:"total,omitempty"`
}

// Transition is the number of records grouped From under the old rule set
// and To under the new.
type Transition struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Cases int64  `json:"cases"`
}

// Change is one hospital's or MDC's weights and payments on each side of
// a migration.
type Change struct {
	Key        string  `json:"key"`
	Records    int64   `json:"records"`
	FromCases  int64   `json:"from_cases"`
	ToCases    int64   `json:"to_cases"`
	FromWeight float64 `json:"from_weight"`
	ToWeight   float64 `json:"to_weight"`
	FromAmount float64 `json:"from_amount"`
	ToAmount   float64 `json:"to_amount"`
}

// FromCMI and ToCMI are each side's case-mix index.
func (c Change) FromCMI() float64 { return ratio(c.FromWeight, c.FromCases) }

// ToCMI is the new side's case-mix index.
func (c Change) ToCMI() float64 { return ratio(c.ToWeight, c.ToCases) }

// Calibration is a weight calibration (`drg prices calibrate`): per group
// its cases, spread and derived weight, and for the scheme the reduction in
// variance and the CMI.
type Calibration struct {
	Cases    int64              `json:"cases"`
	Kept     int64              `json:"kept"`
	Unusable int64              `json:"unusable"`
	Base     float64            `json:"base"`
	RIV      float64            `json:"riv"`
	CMI      float64            `json:"cmi"`
	Groups   []CalibrationGroup `json:"groups"`
}

// CalibrationGroup is one group's calibration.
type CalibrationGroup struct {
	Code     string  `json:"code"`
	Cases    int64   `json:"cases"`
	Kept     int64   `json:"kept"`
	Mean     float64 `json:"mean"`
	CV       float64 `json:"cv"`
	Weight   float64 `json:"weight"`
	Fallback string  `json:"fallback,omitempty"`
}

// Heterogeneous reports whether the group fails the usual homogeneity test
// (CV at or above 1).
func (g CalibrationGroup) Heterogeneous() bool { return g.CV >= 1 }

func ratio(sum float64, n int64) float64 {
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// WriteJSON writes s as indented JSON.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("report: write summary: %w", err)
	}
	return nil
}

// ReadJSON reads a summary WriteJSON wrote, refusing unknown fields (a
// file that is not a summary).
func ReadJSON(r io.Reader) (*Summary, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Summary
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("report: read summary: %w", err)
	}
	return &s, nil
}

// sortCounts orders counts most first, then by key.
func sortCounts(cs []Count) {
	slices.SortFunc(cs, func(a, b Count) int {
		if a.Cases != b.Cases {
			return cmpDesc(a.Cases, b.Cases)
		}
		return strings.Compare(a.Key, b.Key)
	})
}

// sortGroups orders groups most cases first, then by code.
func sortGroups(gs []Group) {
	slices.SortFunc(gs, func(a, b Group) int {
		if a.Cases != b.Cases {
			return cmpDesc(a.Cases, b.Cases)
		}
		return strings.Compare(a.Code, b.Code)
	})
}

func cmpDesc(a, b int64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

func sortAdjustments(as []Adjustment) {
	slices.SortFunc(as, func(a, b Adjustment) int {
		if a.Cases != b.Cases {
			return cmpDesc(a.Cases, b.Cases)
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Source, b.Source)
	})
}

// SortedCounts returns the counts of m most first, then by key; nil for an
// empty m. For callers tallying one kind of count themselves (the reasons
// of a run that builds no whole summary).
func SortedCounts(m map[string]int64) []Count {
	return counter(m).sorted()
}
