package grouper

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/textenc"
)

// The table files of a rule set directory. All are TSV, UTF-8, one header row,
// no quoting; see README.md "Rule-set tables" for every column.
const (
	FileRuleSet       = "ruleset.tsv"
	FileChecks        = "checks.tsv"
	FileMDC           = "mdc.tsv"
	FileADRG          = "adrg.tsv"
	FileDRG           = "drg.tsv"
	FileLists         = "lists.tsv"
	FileCC            = "cc.tsv"
	FileExclusions    = "cc_exclusion.tsv"
	FileDiagnoses     = "diagnoses.tsv"
	FileProcedures    = "procedures.tsv"
	FileTCM           = "tcm_map.tsv"
	FileDIPCore       = "dip_core.tsv"
	FileDIPComprehend = "dip_comprehensive.tsv"
)

var tableHeaders = map[string][]string{
	FileRuleSet:       {"key", "value"},
	FileChecks:        {"order", "condition", "reason"},
	FileMDC:           {"mdc", "order", "condition", "name"},
	FileADRG:          {"adrg", "mdc", "order", "condition", "name"},
	FileDRG:           {"drg", "adrg", "order", "condition", "name"},
	FileLists:         {"owner", "list", "system", "code", "group", "region"},
	FileCC:            {"code", "level", "exclusion_table"},
	FileExclusions:    {"exclusion_table", "pdx_code"},
	FileDiagnoses:     {"code", "name"},
	FileProcedures:    {"code", "name", "class"},
	FileTCM:           {"tcm_disease", "tcm_syndrome", "western_dx", "note"},
	FileDIPCore:       {"dip", "dx", "procedures", "score", "name"},
	FileDIPComprehend: {"dip", "category", "class", "score", "name"},
}

// ErrStaleTable is returned by WriteTables for a directory holding a table
// file that the rule set being written does not have, or has with other
// contents (another rule set's, or edited by hand).
var ErrStaleTable = errors.New("grouper: directory holds tables the export would mix in or overwrite")

// ErrImport is wrapped by *ImportError.
var ErrImport = errors.New("grouper: rule-set tables have errors")

// Causes of a Problem (Problem.Err) that a caller may branch on: a tool
// that edits tables points at the text for the first, at the missing
// definition for the second.
var (
	// ErrTableSyntax: a table's text is not in the table format: a header,
	// a column count, a value that does not parse as its column's kind
	// (number, true/false, MDC letter, level, system), an encoding, or a
	// non-canonical spelling (a warning).
	ErrTableSyntax = errors.New("grouper: table syntax")
	// ErrUnknownReference: a row names something the rule set does not
	// define: an ADRG's MDC, a DRG's ADRG, a list's owner, a list named in
	// a condition or as qy_list; as a warning, a code missing from the
	// dictionaries.
	ErrUnknownReference = errors.New("grouper: unknown reference")
)

// Problem is one finding about a rule set's tables. It is an error so that
// errors.Is and errors.As reach its cause (Unwrap).
type Problem struct {
	File    string
	Line    int // 1-based; 0 when the problem is not tied to a line
	Column  int // 1-based table column; 0 when not tied to a column
	Warning bool
	Msg     string // the finding in words; Error adds the file, line and column
	// Err is the cause, never nil: ErrTableSyntax or ErrUnknownReference as
	// documented there; an error wrapping ErrSyntax for a condition; the
	// package codes error (wrapping its sentinel) for a code that does not
	// normalise; the file system's error for a table that cannot be read
	// (fs.ErrNotExist for a missing required table); ErrRuleSet for the
	// rest (duplicates, orders, limits, rows that never match). Msg already
	// says what Err says: Error does not repeat it.
	Err error
}

// Error renders the problem as "file:line:column: error: Msg" (or
// "warning:"), leaving out a line or column of 0.
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	if p.Warning {
		b.WriteString(": warning: ")
	} else {
		b.WriteString(": error: ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Unwrap returns the cause, Err.
func (p *Problem) Unwrap() error { return p.Err }

// ImportError lists every error found in a rule set's tables.
type ImportError struct {
	Problems []*Problem
}

func (e *ImportError) Error() string {
	const show = 20
	var b strings.Builder
	fmt.Fprintf(&b, "%d problem(s) in rule-set tables:", len(e.Problems))
	for i, p := range e.Problems {
		if i == show {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.Problems)-show)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is(err, ErrImport) and errors.Is(err, ErrRuleSet)
// hold, and reaches every problem (errors.Is(err, ErrUnknownReference),
// errors.As(err, &problem) for the first).
func (e *ImportError) Unwrap() []error {
	errs := make([]error, 0, 2+len(e.Problems))
	errs = append(errs, ErrImport, ErrRuleSet)
	for _, p := range e.Problems {
		errs = append(errs, p)
	}
	return errs
}

type tableReader struct {
	problems []*Problem
	errs     int
}

// add records a problem; cause becomes Problem.Err (see there for which
// cause each kind of problem gets).
func (t *tableReader) add(file string, line, col int, warning bool, cause error, format string, args ...any) {
	t.problems = append(t.problems, &Problem{File: file, Line: line, Column: col, Warning: warning, Msg: fmt.Sprintf(format, args...), Err: cause})
	if !warning {
		t.errs++
	}
}

// text returns a table's bytes as UTF-8, by textenc.Decode, the
// detection record files get: a GBK (GB18030) table is decoded with a
// warning, and one not in either throughout is an error at the line to
// blame, naming what that line seems to be in. Read as they were, GBK
// tables imported without a word and stored every name as mojibake.
func (t *tableReader) text(file string, data []byte) ([]byte, bool) {
	text, enc, err := textenc.Decode(data)
	var te *textenc.Error
	switch {
	case errors.As(err, &te):
		t.add(file, te.Line, 0, false, fmt.Errorf("%w: %w", ErrTableSyntax, te), "%s", te.Detail())
		return nil, false
	case err != nil:
		t.add(file, 0, 0, false, err, "%v", err)
		return nil, false
	case enc != "utf-8":
		t.add(file, 0, 0, true, ErrTableSyntax, "read as GBK (GB18030): the file is not UTF-8; save it as UTF-8 to silence this")
	}
	return text, true
}

// rows reads one table; fn gets the 1-based line and the columns. A missing
// optional table yields no rows.
func (t *tableReader) rows(fsys fs.FS, file string, required bool, fn func(line int, cols []string)) {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		if required || !errors.Is(err, fs.ErrNotExist) {
			t.add(file, 0, 0, false, err, "%v", err)
		}
		return
	}
	data, ok := t.text(file, data)
	if !ok {
		return
	}
	want := tableHeaders[file]
	// One string for the whole file: columns are substrings of it, so a row
	// costs one small slice, not one string per column.
	text := string(data)
	cols := make([]string, len(want))
	line := 0
	for len(text) > 0 {
		line++
		var l string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			l, text = text, ""
		}
		// Every \r before the \n ends the line: \r\r\n is a CRLF file whose
		// line ends were converted once more, and a \r kept in the last
		// column was written back as a line end (found by FuzzReadTables).
		l = strings.TrimRight(l, "\r")
		if line == 1 {
			l = strings.TrimPrefix(l, "\ufeff")
			if got := strings.Split(l, "\t"); !slices.Equal(got, want) {
				t.add(file, 1, 0, false, ErrTableSyntax, "header is %q, want %q", got, want)
				return
			}
			continue
		}
		if len(l) == 0 {
			continue
		}
		n := strings.Count(l, "\t") + 1
		if n != len(want) {
			t.add(file, line, 0, false, ErrTableSyntax, "%d columns, want %d (%s)", n, len(want), strings.Join(want, ", "))
			continue
		}
		for i := range cols {
			j := strings.IndexByte(l, '\t')
			if j < 0 {
				j = len(l)
			}
			cols[i] = l[:j]
			if j < len(l) {
				l = l[j+1:]
			}
		}
		fn(line, cols)
	}
}

func (t *tableReader) code(file string, line, col int, sys codes.System, raw string) (string, bool) {
	c, err := codes.Normalize(sys, raw)
	if err != nil {
		t.add(file, line, col, false, err, "%v", err)
		return "", false
	}
	if c != raw {
		t.add(file, line, col, true, ErrTableSyntax, "%s code %q is not canonical; read as %q", sys, raw, c)
	}
	return c, true
}

// name reads a name that other rows refer to (a list, region or exclusion
// table). Spaces around it are dropped with a warning: kept, they made a
// name no condition or CC row could match, and the rows were silently
// ignored.
func (t *tableReader) name(file string, line, col int, raw string) string {
	s := strings.TrimSpace(raw)
	if s != raw {
		t.add(file, line, col, true, ErrTableSyntax, "name %q has spaces around it; read as %q", raw, s)
	}
	return s
}

func (t *tableReader) int(file string, line, col int, raw string, blankOK bool) int {
	if raw == "" && blankOK {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		t.add(file, line, col, false, ErrTableSyntax, "%q is not a whole number", raw)
	}
	return n
}

func parseSystem(s string) (codes.System, bool) {
	switch s {
	case "dx":
		return codes.SystemDiagnosis, true
	case "proc":
		return codes.SystemProcedure, true
	}
	return 0, false
}

func systemName(s codes.System) string {
	if s == codes.SystemProcedure {
		return "proc"
	}
	return "dx"
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "on", "yes", "1":
		return true, true
	case "false", "off", "no", "0", "":
		return false, true
	}
	return false, false
}

// ReadTables reads a rule set from a directory of tables (see the File*
// constants), checks referential integrity and compiles it once to find every
// problem. Warnings (non-canonical or undefined codes, for example) are
// returned with a nil error; any error-level problem makes err an
// *ImportError listing all of them with file, line and column.
func ReadTables(fsys fs.FS) (*RuleSet, []*Problem, error) {
	g, problems, err := LoadTables(fsys)
	if err != nil {
		return nil, problems, err
	}
	return g.RuleSet(), problems, nil
}

// LoadTables is ReadTables returning the compiled Grouper (whose RuleSet
// method gives the rule set), so that loading does not compile twice.
func LoadTables(fsys fs.FS) (*Grouper, []*Problem, error) {
	t := &tableReader{}
	rs := &RuleSet{Tables: map[string][]byte{}}

	t.rows(fsys, FileRuleSet, true, func(line int, c []string) {
		switch c[0] {
		case "name":
			rs.Name = c[1]
		case "version":
			rs.Version = c[1]
		case "description":
			rs.Description = c[1]
		case "qy_list":
			rs.Behaviour.QYList = c[1]
		case "valid_from", "valid_to":
			d, err := record.ParseDate(c[1])
			if err != nil && c[1] != "" {
				t.add(FileRuleSet, line, 2, false, ErrTableSyntax, "%s: %q is not a date (YYYY-MM-DD)", c[0], c[1])
			}
			if c[0] == "valid_from" {
				rs.Valid.From = d
			} else {
				rs.Valid.To = d
			}
		case "qy_condition":
			rs.Behaviour.QYCondition = c[1]
		case "qy_exempt":
			rs.Behaviour.QYExempt = c[1]
		case "ignored_procedures":
			rs.Behaviour.IgnoredProcedures = c[1]
		case "main_procedure":
			if c[1] != "" && c[1] != MainFirst && c[1] != MainFirstCounted {
				t.add(FileRuleSet, line, 2, false, ErrTableSyntax, "main_procedure: %q is not %s or %s", c[1], MainFirst, MainFirstCounted)
			}
			rs.Behaviour.MainProcedure = c[1]
		case "sample", "qy", "fall_through":
			v, ok := parseBool(c[1])
			if !ok {
				t.add(FileRuleSet, line, 2, false, ErrTableSyntax, "%s: %q is not true or false", c[0], c[1])
			}
			switch c[0] {
			case "sample":
				rs.Sample = v
			case "qy":
				rs.Behaviour.QY = v
			default:
				rs.Behaviour.FallThrough = v
			}
		default:
			t.add(FileRuleSet, line, 1, false, ErrTableSyntax, "unknown key %q", c[0])
		}
	})
	if rs.Name == "" {
		t.add(FileRuleSet, 0, 0, false, ErrRuleSet, "no name")
	}
	if v := rs.Valid; v.From != 0 && v.To != 0 && v.To < v.From {
		t.add(FileRuleSet, 0, 0, false, ErrRuleSet, "valid_to %s is before valid_from %s", v.To, v.From)
	}
	t.rows(fsys, FileChecks, false, func(line int, c []string) {
		rs.Checks = append(rs.Checks, Check{Order: t.int(FileChecks, line, 1, c[0], false), Condition: c[1], Reason: c[2], Line: line})
	})
	t.rows(fsys, FileMDC, true, func(line int, c []string) {
		if len(c[0]) != 1 || c[0][0] < 'A' || c[0][0] > 'Z' {
			t.add(FileMDC, line, 1, false, ErrTableSyntax, "MDC code %q is not one capital letter", c[0])
		}
		rs.MDCs = append(rs.MDCs, MDC{Code: c[0], Order: t.int(FileMDC, line, 2, c[1], false), Condition: c[2], Name: c[3], Line: line})
	})
	t.rows(fsys, FileADRG, true, func(line int, c []string) {
		if len(c[0]) != 3 || !strings.HasPrefix(c[0], c[1]) {
			t.add(FileADRG, line, 1, false, ErrTableSyntax, "ADRG code %q must have 3 characters and start with its MDC %q", c[0], c[1])
		}
		rs.ADRGs = append(rs.ADRGs, ADRG{Code: c[0], MDC: c[1], Order: t.int(FileADRG, line, 3, c[2], false), Condition: c[3], Name: c[4], Line: line})
	})
	t.rows(fsys, FileDRG, true, func(line int, c []string) {
		if len(c[0]) != 4 || !strings.HasPrefix(c[0], c[1]) {
			t.add(FileDRG, line, 1, false, ErrTableSyntax, "DRG code %q must be its ADRG %q plus one character", c[0], c[1])
		}
		rs.DRGs = append(rs.DRGs, DRG{Code: c[0], ADRG: c[1], Order: t.int(FileDRG, line, 3, c[2], false), Condition: c[3], Name: c[4], Line: line})
	})
	t.rows(fsys, FileDiagnoses, false, func(line int, c []string) {
		if code, ok := t.code(FileDiagnoses, line, 1, codes.SystemDiagnosis, c[0]); ok {
			rs.Diagnoses = append(rs.Diagnoses, DictEntry{Code: code, Name: c[1], Line: line})
		}
	})
	t.rows(fsys, FileProcedures, false, func(line int, c []string) {
		if code, ok := t.code(FileProcedures, line, 1, codes.SystemProcedure, c[0]); ok {
			rs.Procedures = append(rs.Procedures, DictEntry{Code: code, Name: c[1], Class: c[2], Line: line})
		}
	})
	if data, err := fs.ReadFile(fsys, FileLists); err == nil {
		rs.Lists = make([]ListEntry, 0, bytes.Count(data, []byte{'\n'}))
	}
	t.rows(fsys, FileLists, true, func(line int, c []string) {
		sys, ok := parseSystem(c[2])
		if !ok {
			t.add(FileLists, line, 3, false, ErrTableSyntax, "system %q is neither dx nor proc", c[2])
			return
		}
		code, ok := t.code(FileLists, line, 4, sys, c[3])
		if !ok {
			return
		}
		rs.Lists = append(rs.Lists, ListEntry{Owner: t.name(FileLists, line, 1, c[0]), List: t.name(FileLists, line, 2, c[1]), System: sys, Code: code,
			Group: t.int(FileLists, line, 5, c[4], true), Region: t.name(FileLists, line, 6, c[5]), Line: line})
	})
	t.rows(fsys, FileCC, false, func(line int, c []string) {
		code, ok := t.code(FileCC, line, 1, codes.SystemDiagnosis, c[0])
		if !ok {
			return
		}
		e := CCEntry{Code: code, Table: t.name(FileCC, line, 3, c[2]), Line: line}
		switch c[1] {
		case "MCC":
			e.Level = CCLevelMCC
		case "CC":
			e.Level = CCLevelCC
		default:
			t.add(FileCC, line, 2, false, ErrTableSyntax, "level %q is neither MCC nor CC", c[1])
			return
		}
		rs.CC = append(rs.CC, e)
	})
	t.rows(fsys, FileExclusions, false, func(line int, c []string) {
		if code, ok := t.code(FileExclusions, line, 2, codes.SystemDiagnosis, c[1]); ok {
			rs.Exclusions = append(rs.Exclusions, Exclusion{Table: t.name(FileExclusions, line, 1, c[0]), Principal: code, Line: line})
		}
	})
	if _, err := fs.Stat(fsys, FileTCM); err == nil {
		rs.TCM = []codes.TCMMapping{}
	}
	t.rows(fsys, FileTCM, false, func(line int, c []string) {
		m := codes.TCMMapping{Note: c[3], Line: line}
		var ok1, ok2, ok3 bool
		m.Disease, ok1 = t.code(FileTCM, line, 1, codes.SystemTCMDisease, c[0])
		m.Syndrome, ok2 = c[1], true
		if c[1] != "" {
			m.Syndrome, ok2 = t.code(FileTCM, line, 2, codes.SystemTCMSyndrome, c[1])
		}
		m.Western, ok3 = t.code(FileTCM, line, 3, codes.SystemDiagnosis, c[2])
		if ok1 && ok2 && ok3 {
			rs.TCM = append(rs.TCM, m)
		}
	})
	t.dipTables(fsys, rs)
	t.extraTables(fsys, rs)
	t.checkCodes(rs)

	var g *Grouper
	if t.errs == 0 {
		var err error
		if g, err = Compile(rs); err != nil {
			var ie *ImportError
			if errors.As(err, &ie) {
				t.problems = append(t.problems, ie.Problems...)
				t.errs += len(ie.Problems)
			} else {
				t.add(FileRuleSet, 0, 0, false, err, "%v", err)
			}
		}
	}
	if t.errs > 0 {
		var errs []*Problem
		for _, p := range t.problems {
			if !p.Warning {
				errs = append(errs, p)
			}
		}
		return nil, t.problems, &ImportError{Problems: errs}
	}
	return g, t.problems, nil
}

func (t *tableReader) dipTables(fsys fs.FS, rs *RuleSet) {
	t.rows(fsys, FileDIPCore, false, func(line int, c []string) {
		g := DIPCoreGroup{Code: c[0], Name: c[4], Line: line}
		var ok bool
		if g.Dx, ok = t.code(FileDIPCore, line, 2, codes.SystemDiagnosis, c[1]); !ok {
			return
		}
		for _, p := range strings.Split(c[2], "|") {
			if p == "" {
				continue
			}
			code, ok := t.code(FileDIPCore, line, 3, codes.SystemProcedure, p)
			if !ok {
				return
			}
			g.Procedures = append(g.Procedures, code)
		}
		if !slices.IsSorted(g.Procedures) || len(slices.Compact(slices.Clone(g.Procedures))) != len(g.Procedures) {
			t.add(FileDIPCore, line, 3, false, ErrTableSyntax, "procedures must be sorted and distinct")
		}
		g.Score = t.float(FileDIPCore, line, 4, c[3])
		rs.DIP.Core = append(rs.DIP.Core, g)
	})
	t.rows(fsys, FileDIPComprehend, false, func(line int, c []string) {
		g := DIPComprehensiveGroup{Code: c[0], Class: c[2], Name: c[4], Line: line}
		var ok bool
		if g.Category, ok = t.code(FileDIPComprehend, line, 2, codes.SystemDiagnosis, c[1]); !ok {
			return
		}
		if _, ok := ParseProcedureClass(c[2]); !ok {
			t.add(FileDIPComprehend, line, 3, false, ErrTableSyntax, "class %q is not conservative, diagnostic, therapeutic or surgical", c[2])
		}
		if len(g.Category) != 3 {
			t.add(FileDIPComprehend, line, 2, true, ErrRuleSet, "category %s is not a 3-character category: a comprehensive group matches by the principal's category, so this row never matches", g.Category)
		}
		g.Score = t.float(FileDIPComprehend, line, 4, c[3])
		rs.DIP.Comprehensive = append(rs.DIP.Comprehensive, g)
	})
	t.shadowedCore(rs)
}

// shadowedCore warns about core groups keyed by a full code (K80.100)
// whose subcategory (K80.1) or category (K80) has core groups too: a
// principal takes the core groups of its subcategory, else its category,
// and only then of its full code, so such a row never matches.
func (t *tableReader) shadowedCore(rs *RuleSet) {
	keys := map[string]bool{}
	for _, g := range rs.DIP.Core {
		keys[g.Dx] = true
	}
	for _, g := range rs.DIP.Core {
		if len(g.Dx) <= 5 {
			continue
		}
		for _, k := range []string{g.Dx[:5], g.Dx[:3]} {
			if len(k) == 5 && k[3] != '.' {
				continue
			}
			if keys[k] {
				t.add(FileDIPCore, g.Line, 2, true, ErrRuleSet, "core group %s on the full code %s never matches: principals %s take the core groups of %s (key core groups by subcategory or category)", g.Code, g.Dx, g.Dx, k)
				break
			}
		}
	}
}

func (t *tableReader) float(file string, line, col int, raw string) float64 {
	v, err := record.ParseNumber(raw)
	if err != nil || v < 0 {
		t.add(file, line, col, false, ErrTableSyntax, "%q is not a non-negative number", raw)
		return 0
	}
	return v
}

// extraTables keeps every other *.tsv or *.csv file for other packages.
func (t *tableReader) extraTables(fsys fs.FS, rs *RuleSet) {
	ents, err := fs.ReadDir(fsys, ".")
	if err != nil {
		t.add(".", 0, 0, false, err, "%v", err)
		return
	}
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || tableHeaders[name] != nil || !(strings.HasSuffix(name, ".tsv") || strings.HasSuffix(name, ".csv")) {
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.add(name, 0, 0, false, err, "%v", err)
			continue
		}
		// Other packages parse these (weights.tsv): as UTF-8, like the rest.
		if data, ok := t.text(name, data); ok {
			rs.Tables[name] = data
		}
	}
}

// checkCodes warns about codes that rules use but the dictionaries lack.
func (t *tableReader) checkCodes(rs *RuleSet) {
	if len(rs.Diagnoses) > 0 {
		known := map[string]bool{}
		for _, d := range rs.Diagnoses {
			known[d.Code] = true
			if s := codes.Diagnosis(d.Code).Subcategory(); s != "" {
				known[string(s)] = true
			}
			known[string(codes.Diagnosis(d.Code).Category())] = true
		}
		for _, l := range rs.Lists {
			if l.System == codes.SystemDiagnosis && !known[l.Code] {
				t.add(FileLists, l.Line, 4, true, ErrUnknownReference, "diagnosis %s is not in %s", l.Code, FileDiagnoses)
			}
		}
		for _, e := range rs.CC {
			if !known[e.Code] {
				t.add(FileCC, e.Line, 1, true, ErrUnknownReference, "diagnosis %s is not in %s", e.Code, FileDiagnoses)
			}
		}
		for _, e := range rs.Exclusions {
			if !known[e.Principal] {
				t.add(FileExclusions, e.Line, 2, true, ErrUnknownReference, "diagnosis %s is not in %s", e.Principal, FileDiagnoses)
			}
		}
		for _, d := range rs.DIP.Core {
			if !known[d.Dx] {
				t.add(FileDIPCore, d.Line, 2, true, ErrUnknownReference, "diagnosis %s is not in %s, nor a subcategory or category of a code there", d.Dx, FileDiagnoses)
			}
		}
		for _, d := range rs.DIP.Comprehensive {
			if !known[d.Category] {
				t.add(FileDIPComprehend, d.Line, 2, true, ErrUnknownReference, "category %s is not a category of any code in %s", d.Category, FileDiagnoses)
			}
		}
	}
	if len(rs.Procedures) > 0 {
		known := map[string]bool{}
		for _, p := range rs.Procedures {
			known[p.Code] = true
		}
		for _, l := range rs.Lists {
			if l.System == codes.SystemProcedure && !known[l.Code] {
				t.add(FileLists, l.Line, 4, true, ErrUnknownReference, "procedure %s is not in %s", l.Code, FileProcedures)
			}
		}
		for _, d := range rs.DIP.Core {
			for _, p := range d.Procedures {
				if !known[p] {
					t.add(FileDIPCore, d.Line, 3, true, ErrUnknownReference, "procedure %s is not in %s", p, FileProcedures)
				}
			}
		}
	}
	seen := map[string]int{}
	for _, e := range rs.CC {
		if prev, dup := seen[e.Code]; dup {
			t.add(FileCC, e.Line, 1, false, ErrRuleSet, "diagnosis %s listed twice (first on line %d)", e.Code, prev)
		}
		seen[e.Code] = e.Line
	}
}

// EncodeTables renders rs as table files, the inverse of ReadTables: reading
// what it writes gives the same rule set, and writing that again gives the
// same bytes.
func (rs *RuleSet) EncodeTables() map[string][]byte {
	out := map[string][]byte{}
	w := func(file string, rows [][]string) {
		var b bytes.Buffer
		b.WriteString(strings.Join(tableHeaders[file], "\t"))
		b.WriteByte('\n')
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t"))
			b.WriteByte('\n')
		}
		out[file] = b.Bytes()
	}
	itoa := strconv.Itoa
	ftoa := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	opt := [][]string{{"name", rs.Name}, {"version", rs.Version}, {"description", rs.Description},
		{"sample", strconv.FormatBool(rs.Sample)}, {"qy", strconv.FormatBool(rs.Behaviour.QY)},
		{"qy_list", rs.Behaviour.QYList}, {"fall_through", strconv.FormatBool(rs.Behaviour.FallThrough)}}
	// Written only when set, so that the tables of rule sets that do not
	// use them read as before.
	for _, kv := range [][]string{{"qy_condition", rs.Behaviour.QYCondition}, {"qy_exempt", rs.Behaviour.QYExempt},
		{"ignored_procedures", rs.Behaviour.IgnoredProcedures}, {"main_procedure", rs.Behaviour.MainProcedure},
		{"valid_from", rs.Valid.From.String()}, {"valid_to", rs.Valid.To.String()}} {
		if kv[1] != "" {
			opt = append(opt, kv)
		}
	}
	w(FileRuleSet, opt)
	var rows [][]string
	for _, c := range rs.Checks {
		rows = append(rows, []string{itoa(c.Order), c.Condition, c.Reason})
	}
	w(FileChecks, rows)
	rows = nil
	for _, m := range rs.MDCs {
		rows = append(rows, []string{m.Code, itoa(m.Order), m.Condition, m.Name})
	}
	w(FileMDC, rows)
	rows = nil
	for _, a := range rs.ADRGs {
		rows = append(rows, []string{a.Code, a.MDC, itoa(a.Order), a.Condition, a.Name})
	}
	w(FileADRG, rows)
	rows = nil
	for _, d := range rs.DRGs {
		rows = append(rows, []string{d.Code, d.ADRG, itoa(d.Order), d.Condition, d.Name})
	}
	w(FileDRG, rows)
	rows = nil
	for _, l := range rs.Lists {
		g := ""
		if l.Group != 0 {
			g = itoa(l.Group)
		}
		rows = append(rows, []string{l.Owner, l.List, systemName(l.System), l.Code, g, l.Region})
	}
	w(FileLists, rows)
	rows = nil
	for _, e := range rs.CC {
		rows = append(rows, []string{e.Code, e.Level.String(), e.Table})
	}
	w(FileCC, rows)
	rows = nil
	for _, e := range rs.Exclusions {
		rows = append(rows, []string{e.Table, e.Principal})
	}
	w(FileExclusions, rows)
	if len(rs.Diagnoses) > 0 {
		rows = nil
		for _, d := range rs.Diagnoses {
			rows = append(rows, []string{d.Code, d.Name})
		}
		w(FileDiagnoses, rows)
	}
	if len(rs.Procedures) > 0 {
		rows = nil
		for _, d := range rs.Procedures {
			rows = append(rows, []string{d.Code, d.Name, d.Class})
		}
		w(FileProcedures, rows)
	}
	if rs.TCM != nil {
		rows = nil
		for _, m := range rs.TCM {
			rows = append(rows, []string{m.Disease, m.Syndrome, m.Western, m.Note})
		}
		w(FileTCM, rows)
	}
	if len(rs.DIP.Core) > 0 {
		rows = nil
		for _, g := range rs.DIP.Core {
			rows = append(rows, []string{g.Code, g.Dx, strings.Join(g.Procedures, "|"), ftoa(g.Score), g.Name})
		}
		w(FileDIPCore, rows)
	}
	if len(rs.DIP.Comprehensive) > 0 {
		rows = nil
		for _, g := range rs.DIP.Comprehensive {
			rows = append(rows, []string{g.Code, g.Category, g.Class, ftoa(g.Score), g.Name})
		}
		w(FileDIPComprehend, rows)
	}
	for name, data := range rs.Tables {
		out[name] = data
	}
	return out
}

// WriteTables writes rs's tables into dir, creating it if needed. It
// writes into a directory without table files (*.tsv, *.csv), or over
// tables that are already exactly rs's, as a repeated export leaves them.
// Any other table file it refuses, with ErrStaleTable, before writing
// anything: one rs does not have, since reading the directory back would
// take it as part of rs, and one rs has with other contents, which is
// another rule set's or was edited by hand, since overwriting it would
// lose it.
func (rs *RuleSet) WriteTables(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := rs.EncodeTables()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var differ []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !(strings.HasSuffix(n, ".tsv") || strings.HasSuffix(n, ".csv")) {
			continue
		}
		want, ours := files[n]
		if !ours {
			// ReadTables reads every table file of a directory: one left
			// from another rule set would be read back as part of this one
			// (its TCM map, its weights).
			return fmt.Errorf("write rule set %s: %s already holds %s, which this rule set does not have and reading the directory back would mix in: %w", rs.Name, dir, n, ErrStaleTable)
		}
		// A table of the same name with other contents is another rule
		// set's, or a hand edit (a local tcm_map.tsv): checking names
		// alone let an export overwrite a whole directory of them.
		have, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return fmt.Errorf("write rule set %s: %w", rs.Name, err)
		}
		if !bytes.Equal(have, want) {
			differ = append(differ, n)
		}
	}
	if len(differ) > 0 {
		sort.Strings(differ)
		if other, ok := ruleSetName(filepath.Join(dir, FileRuleSet)); ok && other != rs.Name {
			return fmt.Errorf("write rule set %s: %s holds rule set %q's tables; writing would overwrite %s: write into an empty directory, or remove them first: %w",
				rs.Name, dir, other, strings.Join(differ, ", "), ErrStaleTable)
		}
		verb, them := "differs", "it"
		if len(differ) > 1 {
			verb, them = "differ", "them"
		}
		return fmt.Errorf("write rule set %s: in %s, %s %s from %s's (edited by hand, or another revision's); writing would overwrite %s: write into an empty directory, or remove %s first: %w",
			rs.Name, dir, strings.Join(differ, ", "), verb, rs.Name, them, them, ErrStaleTable)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), files[n], 0o644); err != nil {
			return fmt.Errorf("write rule set %s: %w", rs.Name, err)
		}
	}
	return nil
}

// ruleSetName returns the name in the ruleset.tsv at path, to say whose
// tables a directory holds.
func ruleSetName(path string) (string, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "name\t"); ok {
			return v, true
		}
	}
	return "", false
}
