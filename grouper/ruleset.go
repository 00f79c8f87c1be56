package grouper

import (
	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper/record"
)

// RuleSet is a grouping scheme as plain data: what a bureau edits as tables,
// what the store persists, and what Compile turns into a Grouper. Nothing in a
// RuleSet is evaluated directly; conditions are text in the condition language
// (see ParseExpr), resolved and checked by Compile.
type RuleSet struct {
	Name        string
	Version     string
	Description string
	Sample      bool // true for self-authored sample sets, never official schemes

	Behaviour Behaviour // how the grouping logic treats this rule set where schemes differ

	// Valid is the period the rule set is in force, by discharge date (set
	// at import, ruleset.tsv valid_from and valid_to); zero: always. A run
	// that picks the revision per record (batch.Options.Versions) never
	// groups a record under a revision not in force on its discharge date.
	Valid record.Period

	Checks     []Check // pre-grouping data checks, in order
	MDCs       []MDC   // in assignment order
	ADRGs      []ADRG  // grouped by MDC, in the order they are tried
	DRGs       []DRG   // grouped by ADRG, in the order they are tried
	Lists      []ListEntry
	CC         []CCEntry
	Exclusions []Exclusion

	// Diagnoses and Procedures are the rule set's code dictionaries. Codes used
	// by rules but absent here are added, with a warning at import.
	Diagnoses  []DictEntry
	Procedures []DictEntry

	// TCM converts TCM principal diagnoses to Western codes; with none, a
	// record with only a TCM principal is TCM_UNMAPPED. (The sample rule set
	// carries codes.DefaultTCMMap's rows; the national tables have no TCM
	// map: add a tcm_map.tsv to use one.)
	TCM []codes.TCMMapping

	// DIP is the DIP catalogue; empty when the rule set has none.
	DIP DIPCatalogue

	// Tables holds further tables stored with the rule set but interpreted by
	// other packages (for example weights.tsv for package weights), by file name.
	Tables map[string][]byte
}

// Behaviour is how a rule set groups where real schemes differ: whether
// the ambiguous group xQY exists, which list decides it, and whether a
// record falls through to the next MDC. It is rule-set data, not a
// caller's options: it is read from ruleset.tsv (qy, qy_list,
// fall_through), stored, versioned and exported with the rule set's tables,
// and two rule sets whose Behaviour differs group the same record
// differently, so a caller cannot choose it per run.
type Behaviour struct {
	// QY enables the ambiguous group xQY: a record whose MDC has no procedure
	// ADRG for it but which has a procedure in QYList goes to xQY.
	QY     bool
	QYList string // name of a global procedure list, e.g. "or_procedures"
	// QYCondition, when set, replaces "any_proc in QYList" as the test for
	// xQY, in the condition language with the global lists in scope
	// (CHS-DRG 2.0: "proc_count > 0", a procedure that counts).
	QYCondition string
	// QYExempt lists the MDCs (letters, e.g. "A") that have no ambiguous
	// group: MDC A is entered by its procedures alone, so a QY there would
	// catch every record with a procedure.
	QYExempt string
	// FallThrough continues with the next MDC when no ADRG of an entered MDC
	// matches (CHS-DRG 1.1 as widely implemented); otherwise the record is 0000.
	FallThrough bool
	// IgnoredProcedures names a global procedure list whose codes do not
	// count in DRG grouping (CHS-DRG 2.0's SS_INVALID): conditions, QY and
	// proc_count see only the other procedures. DIP grouping and the
	// unknown-code count see them all.
	IgnoredProcedures string
	// MainProcedure says which procedure main_proc is: MainFirst (""), the
	// record's first procedure, and none when that one does not count; or
	// MainFirstCounted, the first procedure that counts.
	MainProcedure string
}

// The values of Behaviour.MainProcedure.
const (
	MainFirst        = "first"
	MainFirstCounted = "first_counted"
)

// Check is a pre-grouping data check: when Condition holds, the record is
// not grouped and gets status CheckFailed with Reason.
type Check struct {
	Order     int
	Condition string
	Reason    string // e.g. "SEX_MISSING"
	Line      int    // source line in checks.tsv, for messages
}

// MDC is a major diagnostic category and its entry condition.
type MDC struct {
	Code      string // one letter, "A".."Z"
	Order     int    // assignment order, 1 = tried first
	Condition string // entry condition, e.g. "pdx in mdc_dx AND sex = 1"
	Name      string
	Line      int
}

// ADRG is an adjacent DRG: a condition tried in order within its MDC.
type ADRG struct {
	Code      string // 3 characters; the second letter gives the kind (A-J surgical, K-Q non-OR procedure, R-Z medical)
	MDC       string
	Order     int
	Condition string
	Name      string
	Line      int
}

// Kind returns the ADRG kind from its code's second letter.
func (a ADRG) Kind() ADRGKind { return adrgKind(a.Code) }

// ADRGKind classifies ADRGs by their code's second letter.
type ADRGKind uint8

// The ADRG kinds.
const (
	KindSurgical ADRGKind = iota + 1 // A-J: 外科手术
	KindNonOR                        // K-Q: 非手术室操作
	KindMedical                      // R-Z: 内科
)

func adrgKind(code string) ADRGKind {
	if len(code) < 2 {
		return KindMedical
	}
	switch c := code[1]; {
	case c >= 'A' && c <= 'J':
		return KindSurgical
	case c >= 'K' && c <= 'Q':
		return KindNonOR
	}
	return KindMedical
}

// DRG is a split of an ADRG: the first DRG whose condition holds wins.
type DRG struct {
	Code      string // ADRG + one digit
	ADRG      string
	Order     int
	Condition string // e.g. "has_mcc", "has_mcc OR has_cc", "age_years >= 65", "true"
	Name      string
	Line      int
}

// ListEntry puts one code in a named code list. Lists belong to an owner: an
// ADRG (its `zd`, `ss`, ... lists), an MDC (its `mdc_dx` list), or "*" for
// lists every rule may name (e.g. "or_procedures").
type ListEntry struct {
	Owner  string       // ADRG code, MDC letter, or "*"
	List   string       // list name, e.g. "zd"
	System codes.System // SystemDiagnosis or SystemProcedure
	Code   string
	Group  int    // optional sub-list number, named as LIST[k] in conditions
	Region string // optional region label, counted by regions(LIST) (MDC Z trauma sites)
	Line   int
}

// CCLevel is a secondary diagnosis' complication level.
type CCLevel uint8

// The complication levels, in increasing severity.
const (
	CCNone CCLevel = iota
	CCLevelCC
	CCLevelMCC
)

func (l CCLevel) String() string {
	switch l {
	case CCLevelCC:
		return "CC"
	case CCLevelMCC:
		return "MCC"
	}
	return "none"
}

// CCEntry lists a diagnosis as CC or MCC, with the exclusion table it belongs to.
type CCEntry struct {
	Code  string
	Level CCLevel
	Table string // exclusion table; the entry does not count for principals in this table
	Line  int
}

// Exclusion puts a principal diagnosis in an exclusion table: secondaries whose
// CCEntry names the same table do not count as CC/MCC for it.
type Exclusion struct {
	Table     string
	Principal string
	Line      int
}

// DictEntry is a dictionary code with its name and, for procedures, its class.
type DictEntry struct {
	Code  string
	Name  string
	Class string // procedures: surgery, therapeutic, diagnostic, interventional; "" when unknown
	Line  int
}
