// Package national converts the national CHS-DRG schemes, as published in
// the table layout of OpenDRG's extractions (mdc.tsv, mdc_dx.tsv, adrg.tsv,
// adrg_codes.tsv, drg.tsv, cc.tsv, mcc.tsv, cc_exclusion.tsv,
// diagnoses.tsv, procedures.tsv), into a grouper.RuleSet in the project's
// own model. One converter reads every version; what differs between
// versions is a Profile (CHSDRG11, CHSDRG20), told apart by the flag column
// of procedures.tsv.
//
// The conversion is mechanical: the national condition vocabulary is
// already the grouper's condition language except for a few spellings,
// which are rewritten:
//
//	count(distinct trauma_region of any_dx in mdc_dx) >= 2  ->  regions(mdc_dx) >= 2
//	proc_group(k)                                           ->  any_proc in ss[k]
//	secondary_dx                                            ->  any_sdx
//	has_proc                                                ->  main_proc_count > 0
//	split_rule none / MCC / MCC_OR_CC                       ->  true / has_mcc / has_mcc OR has_cc
//
// What the tables leave open becomes rule data, never version-specific Go
// in the grouper: the profile's Behaviour (QY and its condition, the MDCs
// without an ambiguous group, procedures that do not count, which one is
// main) goes to ruleset.tsv; its Amendments AND to or replace MDC and ADRG
// conditions, and are stored with the rule set as FileAmendments with the
// reason for each; CombinedFirst renumbers the ADRGs' order. So `drg rules
// export` and Explain show every one of them.
//
// CHS-DRG 1.1 is converted as OpenDRG's Java implements it: fall-through
// on, QY off, SS_VALID (procedures.tsv in_ss_valid = 1) the global list of
// procedures that count where a rule names it, the Java's pre-checks as
// SEX_MISSING and NEWBORN_WEIGHT_MISSING, plus AGE_MISSING for a record with
// no age at all. CHS-DRG 2.0 adds QY, SS_INVALID (procedures that never
// count), and the amendments listed in CHSDRG20. testdata/VERSION/
// disagreements.tsv lists, with causes, every record of the labelled
// samples on which the converted scheme and the independent groupers
// differ.
//
//	rs, err := national.Read(os.DirFS("../shared/data/chs-drg-2.0"))
//	g, err := grouper.Compile(rs)
//
// Layer: rule I/O, above the grouping core, whose rule model it produces;
// beside grouper/store, which it does not import.
package national
