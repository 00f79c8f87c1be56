// Package chs11 converts the national CHS-DRG 1.1 scheme, as published in the
// table layout of OpenDRG's extraction (mdc.tsv, mdc_dx.tsv, adrg.tsv,
// adrg_codes.tsv, drg.tsv, cc.tsv, mcc.tsv, cc_exclusion.tsv, diagnoses.tsv,
// procedures.tsv), into a grouper.RuleSet in the project's own model.
//
// The conversion is mechanical: the national condition vocabulary is already
// the grouper's condition language except for three spellings, which are
// rewritten:
//
//	count(distinct trauma_region of any_dx in mdc_dx) >= 2  ->  regions(mdc_dx) >= 2
//	proc_group(k)                                           ->  any_proc in ss[k]
//	split_rule none / MCC / MCC_OR_CC                       ->  true / has_mcc / has_mcc OR has_cc
//
// SS_VALID (procedures.tsv in_ss_valid = 1) becomes the global procedure list
// SS_VALID; the Java's pre-checks become the checks SEX_MISSING and
// NEWBORN_WEIGHT_MISSING; MDC fall-through is on and QY off, as in the
// widely used implementation the tables were extracted from. One check is
// added between them: AGE_MISSING (age_known = 0), for a record with no
// age at all, which the Java reads as 0 years and reports as
// NEWBORN_WEIGHT_MISSING (both fail the record; only the reason differs).
//
//	rs, err := chs11.Read(os.DirFS("../shared/data/chs-drg-1.1"))
//	g, err := grouper.Compile(rs)
//
// Layer: rule I/O, above the grouping core, whose rule model it produces;
// beside grouper/store, which it does not import.
package chs11
