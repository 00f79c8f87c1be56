package national

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/internal/textenc"
)

// FileAmendments is the table, stored with a converted rule set, that
// lists the profile's amendments with their reasons (code, kind, condition,
// why), so that `drg rules export` shows where a condition came from.
const FileAmendments = "national_amendments.tsv"

// Detect reports whether fsys holds the national table layout.
func Detect(fsys fs.FS) bool {
	for _, f := range []string{"adrg_codes.tsv", "mdc_dx.tsv", "mcc.tsv"} {
		if _, err := fs.Stat(fsys, f); err != nil {
			return false
		}
	}
	return true
}

// ErrUnknownVersion reports national tables that match no profile.
var ErrUnknownVersion = errors.New("national: tables of no known version")

// DetectProfile returns the profile of the national tables in fsys, told
// apart by the flag column of procedures.tsv (1.1 marks valid procedures,
// 2.0 invalid ones).
func DetectProfile(fsys fs.FS) (*Profile, error) {
	data, err := fs.ReadFile(fsys, "procedures.tsv")
	if err != nil {
		return nil, err
	}
	header, _, _ := strings.Cut(string(data), "\n")
	cols := strings.Split(strings.TrimRight(header, "\r"), "\t")
	for _, p := range Profiles {
		if slices.Contains(cols, p.ProcedureFlag) {
			return p, nil
		}
	}
	return nil, fmt.Errorf("procedures.tsv header %q has none of the flag columns in_ss_valid (1.1) or in_ss_invalid (2.0): %w", header, ErrUnknownVersion)
}

var (
	regionsRe   = regexp.MustCompile(`count\(distinct trauma_region of any_dx in (\w+)\)`)
	procGroupRe = regexp.MustCompile(`proc_group\((\d+)\)`)
	secondaryRe = regexp.MustCompile(`\bsecondary_dx\b`)
	hasProcRe   = regexp.MustCompile(`\bhas_proc\b`)
)

// Condition rewrites one national condition into the grouper's language:
// the trauma-region count, 1.1's proc_group(k), and 2.0's secondary_dx
// (any_sdx) and has_proc (a main procedure that counts: 包含全部手术或操作).
func Condition(src string) string {
	src = regionsRe.ReplaceAllString(src, "regions($1)")
	src = procGroupRe.ReplaceAllString(src, "any_proc in ss[$1]")
	src = secondaryRe.ReplaceAllString(src, "any_sdx")
	return hasProcRe.ReplaceAllString(src, "main_proc_count > 0")
}

// splitRules maps drg.tsv split_rule values to conditions.
var splitRules = map[string]string{"none": "true", "MCC": "has_mcc", "MCC_OR_CC": "has_mcc OR has_cc"}

type reader struct {
	fsys fs.FS
	errs []error
}

// table calls fn for each data row of file, with the 1-based line number and
// the columns named by want, which must be a prefix of the file's header,
// followed by the columns named by optional, wherever they are ("" for
// one the file does not have).
func (r *reader) table(file string, want, optional []string, fn func(line int, c []string)) {
	data, err := fs.ReadFile(r.fsys, file)
	if err != nil {
		r.errs = append(r.errs, err)
		return
	}
	if err := notUTF8(file, data); err != nil {
		r.errs = append(r.errs, err)
		return
	}
	lines := bytes.Split(data, []byte{'\n'})
	header := strings.Split(strings.TrimRight(string(lines[0]), "\r"), "\t")
	if len(header) < len(want) || strings.Join(header[:len(want)], "\t") != strings.Join(want, "\t") {
		r.errs = append(r.errs, fmt.Errorf("%s: header %q, want it to start with %q", file, header, want))
		return
	}
	at := make([]int, len(optional))
	for k, name := range optional {
		at[k] = slices.Index(header, name)
	}
	out := make([]string, len(want)+len(optional))
	for i, l := range lines[1:] {
		s := strings.TrimRight(string(l), "\r")
		if s == "" {
			continue
		}
		c := strings.Split(s, "\t")
		if len(c) < len(want) {
			r.errs = append(r.errs, fmt.Errorf("%s:%d: %d columns, want %d", file, i+2, len(c), len(want)))
			continue
		}
		copy(out, c[:len(want)])
		for k, j := range at {
			out[len(want)+k] = ""
			if j >= 0 && j < len(c) {
				out[len(want)+k] = c[j]
			}
		}
		fn(i+2, out)
	}
}

// notUTF8 refuses a national table that is not UTF-8, naming its encoding
// as textenc.Decode judges it. The national tables are published in
// UTF-8; a copy saved as GBK by a spreadsheet imported silently and stored
// every name as mojibake. Unlike the project's own tables, which are
// decoded with a warning, this converter has no warnings to give, so it
// asks for the file to be converted.
func notUTF8(file string, data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	_, enc, err := textenc.Decode(data)
	var te *textenc.Error
	switch {
	case errors.As(err, &te):
		return fmt.Errorf("%s:%d: %s", file, te.Line, te.Detail())
	case err != nil:
		return fmt.Errorf("%s: %w", file, err)
	}
	return fmt.Errorf("%s: in %s, not UTF-8: convert it (iconv -f GB18030 -t UTF-8) and import again", file, strings.ToUpper(enc))
}

// code returns s normalised as a code of sys (upper case, one dot in
// place; the national tables are already in this form, but an edited copy
// may not be, and the compiler matches codes exactly). A code that is not
// one is reported with its file and line.
func (r *reader) code(file string, line int, sys codes.System, s string) string {
	norm, err := codes.Normalize(sys, s)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s:%d: %w", file, line, err))
		return s
	}
	return norm
}

func (r *reader) atoi(file string, line int, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s:%d: %q is not a number", file, line, s))
	}
	return n
}

// Read converts the national tables in fsys into a rule set, under the
// profile DetectProfile finds. It does not compile it; grouper.Compile does
// that and reports rule problems.
func Read(fsys fs.FS) (*grouper.RuleSet, error) {
	p, err := DetectProfile(fsys)
	if err != nil {
		return nil, err
	}
	return ReadProfile(fsys, p)
}

// ReadProfile converts the national tables in fsys under profile p.
func ReadProfile(fsys fs.FS, p *Profile) (*grouper.RuleSet, error) {
	r := &reader{fsys: fsys}
	rs := &grouper.RuleSet{
		Name:        p.Name,
		Version:     p.Version,
		Description: p.Description,
		Behaviour:   p.Behaviour,
		Checks:      slices.Clone(p.Checks),
		Tables:      map[string][]byte{},
	}
	r.table("diagnoses.tsv", []string{"code", "name"}, []string{p.DiagnosisFlag}, func(line int, c []string) {
		code := r.code("diagnoses.tsv", line, codes.SystemDiagnosis, c[0])
		rs.Diagnoses = append(rs.Diagnoses, grouper.DictEntry{Code: code, Name: c[1]})
		if p.DiagnosisFlag != "" && c[2] == "1" {
			rs.Lists = append(rs.Lists, grouper.ListEntry{Owner: "*", List: p.DiagnosisList, System: codes.SystemDiagnosis, Code: code})
		}
	})
	r.table("procedures.tsv", []string{"code", "name"}, []string{p.ProcedureFlag}, func(line int, c []string) {
		code := r.code("procedures.tsv", line, codes.SystemProcedure, c[0])
		rs.Procedures = append(rs.Procedures, grouper.DictEntry{Code: code, Name: c[1]})
		if c[2] == "1" {
			rs.Lists = append(rs.Lists, grouper.ListEntry{Owner: "*", List: p.ProcedureList, System: codes.SystemProcedure, Code: code})
		}
	})
	r.table("mdc.tsv", []string{"mdc", "assign_order", "entry_condition"}, []string{"name"}, func(line int, c []string) {
		name := c[3]
		if name == "" {
			name = p.MDCNames[c[0]]
		}
		rs.MDCs = append(rs.MDCs, grouper.MDC{Code: c[0], Order: r.atoi("mdc.tsv", line, c[1]), Condition: Condition(c[2]), Name: name})
	})
	r.table("mdc_dx.tsv", []string{"mdc", "code", "trauma_region"}, nil, func(line int, c []string) {
		rs.Lists = append(rs.Lists, grouper.ListEntry{Owner: c[0], List: "mdc_dx", System: codes.SystemDiagnosis, Code: r.code("mdc_dx.tsv", line, codes.SystemDiagnosis, c[1]), Region: c[2]})
	})
	mdcOrder := map[string]int{}
	for _, m := range rs.MDCs {
		mdcOrder[m.Code] = m.Order
	}
	drgOrder := map[string]int{}
	r.table("adrg.tsv", []string{"mdc", "adrg", "order_in_mdc", "condition", "drgs_in_order"}, []string{"name"}, func(line int, c []string) {
		rs.ADRGs = append(rs.ADRGs, grouper.ADRG{Code: c[1], MDC: c[0], Order: r.atoi("adrg.tsv", line, c[2]), Condition: Condition(c[3]), Name: c[5]})
		for i, d := range strings.Fields(c[4]) {
			drgOrder[d] = i + 1
		}
	})
	r.table("adrg_codes.tsv", []string{"adrg", "list", "code", "proc_group"}, nil, func(line int, c []string) {
		sys := codes.SystemProcedure
		if strings.HasPrefix(c[1], "zd") || strings.HasPrefix(c[1], "ozd") {
			sys = codes.SystemDiagnosis
		}
		g := 0
		if c[3] != "" {
			g = r.atoi("adrg_codes.tsv", line, c[3])
		}
		rs.Lists = append(rs.Lists, grouper.ListEntry{Owner: c[0], List: c[1], System: sys, Code: r.code("adrg_codes.tsv", line, sys, c[2]), Group: g})
	})
	r.table("drg.tsv", []string{"drg", "name", "adrg", "order_in_adrg", "split_rule"}, nil, func(line int, c []string) {
		cond, ok := splitRules[c[4]]
		if !ok {
			r.errs = append(r.errs, fmt.Errorf("drg.tsv:%d: unknown split_rule %q", line, c[4]))
		}
		order := r.atoi("drg.tsv", line, c[3])
		if o, ok := drgOrder[c[0]]; ok && o != order {
			r.errs = append(r.errs, fmt.Errorf("drg.tsv:%d: DRG %s has order %d, adrg.tsv lists it at %d", line, c[0], order, o))
		}
		rs.DRGs = append(rs.DRGs, grouper.DRG{Code: c[0], ADRG: c[2], Order: order, Condition: cond, Name: c[1]})
	})
	for _, lv := range []struct {
		file  string
		level grouper.CCLevel
	}{{"mcc.tsv", grouper.CCLevelMCC}, {"cc.tsv", grouper.CCLevelCC}} {
		r.table(lv.file, []string{"code", "exclusion_table"}, nil, func(line int, c []string) {
			rs.CC = append(rs.CC, grouper.CCEntry{Code: r.code(lv.file, line, codes.SystemDiagnosis, c[0]), Level: lv.level, Table: c[1]})
		})
	}
	r.table("cc_exclusion.tsv", []string{"pdx_code", "exclusion_table"}, nil, func(line int, c []string) {
		rs.Exclusions = append(rs.Exclusions, grouper.Exclusion{Table: c[1], Principal: r.code("cc_exclusion.tsv", line, codes.SystemDiagnosis, c[0])})
	})
	if len(r.errs) > 0 {
		return nil, fmt.Errorf("%s tables: %w", p.Name, errors.Join(r.errs...))
	}
	adrgNames(rs)
	if err := amend(rs, p); err != nil {
		return nil, fmt.Errorf("%s profile: %w", p.Name, err)
	}
	if p.CombinedFirst {
		combinedFirst(rs)
	}
	sortRuleSet(rs, mdcOrder)
	return rs, nil
}
