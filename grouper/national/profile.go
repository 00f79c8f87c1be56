package national

import (
	"github.com/medpay/drg/grouper"
)

// Profile is what one version of the national scheme adds to its tables:
// the grouping behaviour the tables do not state, the pre-grouping checks,
// the column that marks procedures (valid or invalid ones), and the
// amendments of MDC and ADRG conditions that the published lists leave to
// names and notes. Everything in a profile ends up as rule data of the
// converted rule set (conditions, ruleset options, lists, and the table
// FileAmendments stored with it), visible in `drg rules export` and in
// Explain; the grouper itself has no version-specific code.
type Profile struct {
	Name        string // rule-set name given at import, e.g. "chs-drg-2.0"
	Version     string // "1.1", "2.0"
	Description string
	Behaviour   grouper.Behaviour
	Checks      []grouper.Check

	// ProcedureFlag is the 0/1 column of procedures.tsv that puts a code in
	// the global list ProcedureList: in_ss_valid -> SS_VALID (1.1, the
	// procedures that count), in_ss_invalid -> SS_INVALID (2.0, the ones
	// that do not). DiagnosisFlag and DiagnosisList do the same for
	// diagnoses.tsv ("" when the version has none).
	ProcedureFlag, ProcedureList string
	DiagnosisFlag, DiagnosisList string

	// Amendments rewrite MDC and ADRG conditions, each with its reason.
	Amendments []Amendment

	// CombinedFirst tries, within an MDC, the ADRGs whose condition needs
	// two code tests together before the others (keeping the tables' order
	// otherwise): the 2.0 tables' order is alphabetical, not a priority,
	// and a combined rule is the more specific one.
	CombinedFirst bool

	// MDCNames names the MDCs when mdc.tsv has no name column (1.1).
	MDCNames map[string]string
}

// Amendment changes the condition of one MDC or ADRG. The amended
// condition is And ANDed to the table's, or Replace instead of it.
type Amendment struct {
	Code    string // MDC letter or ADRG code
	And     string // ANDed to the condition
	Replace string // replaces the condition
	Why     string // the source of the rule, in words
}

// The national MDC names, for 1.1 tables, which carry none.
var mdcNames = map[string]string{
	"A": "先期分组疾病及相关操作", "B": "神经系统疾病及功能障碍", "C": "眼疾病及功能障碍",
	"D": "头颈、耳、鼻、口、咽疾病及功能障碍", "E": "呼吸系统疾病及功能障碍", "F": "循环系统疾病及功能障碍",
	"G": "消化系统疾病及功能障碍", "H": "肝、胆、胰疾病及功能障碍", "I": "肌肉、骨骼疾病及功能障碍",
	"J": "皮肤、皮下组织及乳腺疾病及功能障碍", "K": "内分泌、营养、代谢疾病及功能障碍", "L": "肾脏及泌尿系统疾病及功能障碍",
	"M": "男性生殖系统疾病及功能障碍", "N": "女性生殖系统疾病及功能障碍", "O": "妊娠、分娩及产褥期",
	"P": "新生儿及其他围产期新生儿疾病", "Q": "血液、造血器官及免疫疾病和功能障碍", "R": "骨髓增生疾病和功能障碍，低分化肿瘤",
	"S": "感染及寄生虫病（全身性或不明确部位的）", "T": "精神疾病及功能障碍", "U": "酒精/药物使用及其引起的器质性精神功能障碍",
	"V": "创伤、中毒及药物毒性反应", "W": "烧伤", "X": "影响健康因素及其他就医情况",
	"Y": "HIV 感染疾病及相关操作", "Z": "多发严重创伤",
}

// checks are the pre-grouping checks of both versions: the 1.1 Java's
// pre-checks, plus AGE_MISSING for a record with no age at all (which the
// Java reads as 0 years and reports as NEWBORN_WEIGHT_MISSING).
var checks = []grouper.Check{
	{Order: 1, Condition: "sex = 0", Reason: "SEX_MISSING"},
	{Order: 2, Condition: "age_known = 0", Reason: "AGE_MISSING"},
	{Order: 3, Condition: "age_years = 0 AND age_days <= 28 AND weight = 0", Reason: "NEWBORN_WEIGHT_MISSING"},
}

// CHSDRG11 is CHS-DRG 1.1 as OpenDRG's Java implements it: MDC
// fall-through on, QY off (its QY checks are disabled), SS_VALID the list
// of procedures that count where a rule says so. Its tables already carry
// every condition; it has no amendments.
var CHSDRG11 = Profile{
	Name:          "chs-drg-1.1",
	Version:       "1.1",
	Description:   "CHS-DRG 1.1 national scheme, converted from the OpenDRG table extraction",
	Behaviour:     grouper.Behaviour{FallThrough: true},
	Checks:        checks,
	ProcedureFlag: "in_ss_valid", ProcedureList: "SS_VALID",
	MDCNames: mdcNames,
}

// sexConflict is a genital principal diagnosis of the other sex: a woman
// with an MDC M diagnosis, a man with an MDC N one (a code in both lists
// fits either sex). The 2.0 tables test no
// sex for M and N (the 1.1 tests are carried over); such a record is
// ambiguous, not ungroupable, and lands in MQY.
const sexConflict = "(sex = 2 AND pdx in M.mdc_dx AND NOT pdx in N.mdc_dx) OR (sex = 1 AND pdx in N.mdc_dx AND NOT pdx in M.mdc_dx)"

// pNeonatal is the age test of the MDC P ADRGs whose names say 新生儿
// (出生年龄<29天); the tables leave it to the names.
const pNeonatal = "age_days < 29"

// CHSDRG20 is CHS-DRG 2.0 (2024). Its tables hold the lists, not the
// procedure around them; the profile states the rest, as the tables'
// README and the ADRG names give it:
//   - procedures in SS_INVALID never count; main_proc is the first
//     procedure, and there is none when that one does not count;
//   - QY is on in every MDC but A (entered by procedures alone): a
//     record with a main procedure that no surgical or non-OR ADRG of its
//     MDC takes is xQY;
//   - ZD_INVALID (not allowed as principal) is carried as a list and
//     does not stop grouping: of its codes only twelve P00.8 ones are in
//     an MDC list, P's, which names them on purpose;
//   - a genital principal of the other sex enters MDC M and is MQY;
//   - MDC O only for women; MDC P's newborn ADRGs only under 29 days,
//     PV1 from 29 days; PS1-PS4 by birth weight; WJ1 takes any main
//     procedure that counts;
//   - within an MDC, ADRGs that need two code tests together (a
//     diagnosis and a procedure, or two procedure lists) first.
var CHSDRG20 = Profile{
	Name:        "chs-drg-2.0",
	Version:     "2.0",
	Description: "CHS-DRG 2.0 national scheme (2024), converted from the OpenDRG_Rules table extraction",
	Behaviour: grouper.Behaviour{FallThrough: true, QY: true, QYCondition: "main_proc_count > 0 OR " + sexConflict, QYExempt: "A",
		IgnoredProcedures: "SS_INVALID", MainProcedure: grouper.MainFirst},
	Checks:        checks,
	ProcedureFlag: "in_ss_invalid", ProcedureList: "SS_INVALID",
	DiagnosisFlag: "in_zd_invalid", DiagnosisList: "ZD_INVALID",
	CombinedFirst: true,
	Amendments: []Amendment{
		{Code: "M", Replace: "pdx in mdc_dx OR (pdx in N.mdc_dx AND sex = 1)", Why: "a genital diagnosis of the other sex enters MDC M, and is QY there (qy_condition)"},
		{Code: "O", And: "sex = 2", Why: "妊娠、分娩及产褥期: women only"},
		{Code: "P", Replace: "age_years = 0 AND (pdx in mdc_dx OR " + pNeonatal + ")", Why: "新生儿: every stay under 29 days, and infants with an MDC P diagnosis"},
		{Code: "PB1", And: pNeonatal, Why: "name: 新生儿（出生年龄＜29天）"},
		{Code: "PC1", And: pNeonatal, Why: "name: 新生儿（出生年龄＜29天）"},
		{Code: "PD1", And: pNeonatal, Why: "name: 新生儿（出生年龄＜29天）"},
		{Code: "PJ1", And: pNeonatal, Why: "name: 新生儿（出生年龄＜29天）"},
		{Code: "PK1", And: pNeonatal, Why: "MDC P: only PV1 takes infants from 29 days"},
		{Code: "PR1", And: pNeonatal, Why: "MDC P: only PV1 takes infants from 29 days"},
		{Code: "PS1", And: "weight > 0 AND weight < 1500 AND " + pNeonatal, Why: "name: 出生体重＜1500g"},
		{Code: "PS2", And: "weight >= 1500 AND weight < 2000 AND " + pNeonatal, Why: "name: 出生体重1500-1999g"},
		{Code: "PS3", And: "weight >= 2000 AND weight < 2500 AND " + pNeonatal, Why: "name: 出生体重2000-2499g"},
		{Code: "PS4", And: "weight >= 2500 AND " + pNeonatal, Why: "name: 出生体重＞2499g"},
		{Code: "PU1", And: pNeonatal, Why: "MDC P: only PV1 takes infants from 29 days"},
		{Code: "PV1", And: "age_days >= 29", Why: "name: 29天≤出生年龄＜1周岁"},
		{Code: "WJ1", Replace: "main_proc_count > 0", Why: "source: 包含 WB1、WB2、WB3 的所有主要手术或操作, read as any main procedure that counts"},
	},
}

// Profiles are the known versions, newest first.
var Profiles = []*Profile{&CHSDRG20, &CHSDRG11}
