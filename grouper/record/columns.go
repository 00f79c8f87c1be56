package record

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/medpay/drg/internal/textenc"
)

// columnAliases are the names settlement-list (医疗保障基金结算清单)
// exports and hospital systems give the standard columns, as headerKey
// normalises them (full-width brackets made ASCII, spaces dropped). The
// package doc lists them; TestAliasesDocumented keeps the two the same.
//
// Only names that say a code are taken for code columns: a bare 主要诊断
// holds the diagnosis' name in many exports, and taking it for the code
// would reject every record as an invalid code rather than say which
// column is missing. 病案号 is no id either: a patient keeps one medical
// record number across stays, so it is not unique per settlement.
var columnAliases = [numColumns][]string{
	colID:              {"清单流水号", "结算清单流水号", "结算清单号", "结算id", "结算流水号"},
	colHospitalID:      {"定点医疗机构代码", "定点医疗机构编码", "定点医药机构编码", "医疗机构代码", "医疗机构编码"},
	colHospitalLevel:   {"医疗机构级别", "定点医疗机构级别", "医院级别"},
	colHospitalKind:    {"医疗机构类别", "医院类别", "医院类型"},
	colSex:             {"性别", "性别代码"},
	colAgeYears:        {"年龄", "年龄(岁)"},
	colAgeDays:         {"年龄(天)", "(年龄不足1周岁)年龄(天)", "年龄不足1周岁的年龄(天)", "不足1周岁年龄(天)"},
	colBirthWeight:     {"新生儿出生体重(克)", "新生儿出生体重(g)", "出生体重(克)", "出生体重"},
	colAdmitDate:       {"入院日期", "入院时间"},
	colDischargeDate:   {"出院日期", "出院时间"},
	colLOS:             {"实际住院天数", "住院天数"},
	colDischargeMethod: {"离院方式", "离院方式代码"},
	colPrincipalDx:     {"主要诊断代码", "主要诊断编码", "主诊断代码", "主诊断编码", "西医主要诊断代码"},
	colSecondaryDx:     {"其他诊断代码", "其他诊断编码", "次要诊断代码", "次要诊断编码"},
	colTCMPrincipalDx:  {"中医主病代码", "中医主病编码", "主病代码", "主病编码"},
	colTCMSyndrome:     {"中医主证代码", "中医主证编码", "主证代码", "主证编码"},
	colProcedures:      {"手术及操作代码", "手术及操作编码", "手术操作代码", "手术操作编码"},
	colVentHours:       {"呼吸机使用时间", "呼吸机使用时间(小时)", "有创呼吸机使用时间", "有创呼吸机使用时间(小时)"},
	colTotalCost:       {"住院总费用", "医疗费总额", "住院医疗总费用", "总费用"},
	colTCMCost:         {"中医类费用", "中医治疗费", "中医类总费用"},
	colDayWard:         {"日间病房", "是否日间病房", "日间病房标志"},
}

// builtinColumns maps every standard name and alias, as headerKey
// normalises them, to its column; built once, shared by every Reader.
var builtinColumns = func() map[string]column {
	m := make(map[string]column)
	for c := range numColumns {
		m[c.String()] = c
		for _, a := range columnAliases[c] {
			if k := headerKey(a); k != a {
				panic(fmt.Sprintf("record: alias %q of %s is not written as headerKey normalises it (%q)", a, c, k))
			} else if prev, dup := m[k]; dup {
				panic(fmt.Sprintf("record: alias %q names both %s and %s", a, prev, c))
			}
			m[a] = c
		}
	}
	return m
}()

// colIgnored marks a local column name a column map sends nowhere ("-"):
// not a standard column, even where a built-in alias would make it one.
const colIgnored = numColumns

// headerKey returns the form in which header names and JSON keys are
// matched against the standard names and their aliases: lower case,
// full-width ASCII (（）, ＩＤ) made ASCII, and every space, the
// ideographic one included, and byte-order mark dropped, so that 年龄（天）,
// "年龄 (天)" and 年龄(天) name one column. A name already in that form
// is returned as it is, without allocating.
func headerKey(s string) string {
	clean := true
	for _, r := range s {
		if r >= utf8.RuneSelf && (r >= 0xff01 && r <= 0xff5e || r == '\ufeff' || unicode.IsSpace(r) || unicode.IsUpper(r)) ||
			r < utf8.RuneSelf && (r <= ' ' || r >= 'A' && r <= 'Z') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\ufeff' || unicode.IsSpace(r):
			continue
		case r >= 0xff01 && r <= 0xff5e: // full-width ASCII
			r -= 0xfee0
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// columnOf returns the standard column that the header name or JSON key
// name gives, by the Reader's column map (Options.ColumnNames) first, then
// by the standard names and their aliases; colIgnored when the map sends
// it nowhere.
func (r *Reader) columnOf(name string) (column, bool) {
	k := headerKey(name)
	if c, ok := r.local[k]; ok {
		return c, true
	}
	c, ok := builtinColumns[k]
	return c, ok
}

// ErrColumnMap is wrapped by the errors of a column map: a
// *ColumnMapError from ParseColumnMap, or an Options.ColumnNames entry
// that NewReader refuses.
var ErrColumnMap = errors.New("record: column map")

// compileColumnMap checks m (Options.ColumnNames) and returns it keyed by
// headerKey, each local name's standard column; nil for an empty m.
func compileColumnMap(m map[string]string) (map[string]column, error) {
	if len(m) == 0 {
		return nil, nil
	}
	locals := make([]string, 0, len(m))
	for l := range m {
		locals = append(locals, l)
	}
	slices.Sort(locals) // one error whatever the map's order
	out := make(map[string]column, len(m))
	from := make(map[string]string, len(m))
	for _, local := range locals {
		c, err := standardColumn(m[local])
		if err != nil {
			return nil, fmt.Errorf("%w: Options.ColumnNames[%q]: %v", ErrColumnMap, local, err)
		}
		k := headerKey(local)
		if k == "" {
			return nil, fmt.Errorf("%w: Options.ColumnNames maps an empty name to %q", ErrColumnMap, m[local])
		}
		if prev, dup := out[k]; dup && prev != c {
			return nil, fmt.Errorf("%w: Options.ColumnNames maps %q and %q, the same name once normalised, to different columns", ErrColumnMap, from[k], local)
		}
		out[k], from[k] = c, local
	}
	return out, nil
}

// standardColumn returns the standard column named name (trimmed,
// case-insensitive), or colIgnored for "-".
func standardColumn(name string) (column, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "-" {
		return colIgnored, nil
	}
	for c, s := range columnNames {
		if s == n {
			return column(c), nil
		}
	}
	return 0, fmt.Errorf("%q is not a standard column (want one of %s, or - to ignore the column)", name, strings.Join(columnNames[:], ", "))
}

// ColumnMapError is a line of a column map that ParseColumnMap refuses.
type ColumnMapError struct {
	Line int   // 1-based
	Err  error // the cause
}

func (e *ColumnMapError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns ErrColumnMap.
func (e *ColumnMapError) Unwrap() error { return ErrColumnMap }

// maxColumnMapBytes bounds a column map: a few hundred names fill a few
// kilobytes, so anything near this is not one.
const maxColumnMapBytes = 1 << 20

// ParseColumnMap reads a column map, for Options.ColumnNames: a small
// CSV or TSV file (TSV when its first entry has more tabs than commas) with two
// columns and no header row, a local export's column name and the
// standard column it holds, or "-" for a column to ignore (one whose name
// is an alias of a standard column it does not hold):
//
//	# our hospital system's export
//	结算编号,id
//	出院主诊断,principal_dx
//	入院时间,-
//
// Lines starting with '#' and blank lines are skipped; fields may be
// quoted as in CSV. The text may be UTF-8 (with or without a byte-order
// mark) or GBK, as Excel saves it. A line with other than two fields, an
// empty name, a name that is no standard column, or a local name given
// twice (as headerKey matches names: case, spaces and full-width brackets
// aside) is a *ColumnMapError naming the line.
func ParseColumnMap(r io.Reader) (map[string]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxColumnMapBytes+1))
	if err != nil {
		return nil, fmt.Errorf("record: read column map: %w", err)
	}
	if len(data) > maxColumnMapBytes {
		return nil, fmt.Errorf("%w: longer than %d bytes: not a column map", ErrColumnMap, maxColumnMapBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	text, _, err := textenc.Decode(data)
	if err != nil {
		var te *textenc.Error
		if errors.As(err, &te) {
			return nil, &ColumnMapError{Line: te.Line, Err: errors.New(te.Detail())}
		}
		return nil, fmt.Errorf("%w: %v", ErrColumnMap, err)
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	for _, line := range bytes.Split(text, []byte{'\n'}) {
		if l := bytes.TrimSpace(line); len(l) > 0 && l[0] != '#' {
			// As a Reader tells TSV from CSV.
			if bytes.Count(l, []byte{'\t'}) > bytes.Count(l, []byte{','}) {
				cr.Comma = '\t'
			}
			break
		}
	}
	m := map[string]string{}
	seen := map[string]int{} // headerKey -> line
	for {
		fields, err := cr.Read()
		if err == io.EOF {
			return m, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ColumnMapError{Line: pe.Line, Err: pe.Err}
			}
			return nil, fmt.Errorf("%w: %v", ErrColumnMap, err)
		}
		line, _ := cr.FieldPos(0)
		if len(fields) == 1 && (strings.TrimSpace(fields[0]) == "" || strings.HasPrefix(fields[0], "#")) {
			continue // a line of spaces, or a comment after them
		}
		if len(fields) != 2 {
			return nil, &ColumnMapError{Line: line, Err: fmt.Errorf("%d fields, want 2: a local column name and the standard column it holds", len(fields))}
		}
		local, std := strings.TrimSpace(fields[0]), strings.TrimSpace(fields[1])
		if headerKey(local) == "" || std == "" {
			return nil, &ColumnMapError{Line: line, Err: errors.New("an empty name: want a local column name and the standard column it holds")}
		}
		if _, err := standardColumn(std); err != nil {
			return nil, &ColumnMapError{Line: line, Err: err}
		}
		k := headerKey(local)
		if prev, dup := seen[k]; dup {
			return nil, &ColumnMapError{Line: line, Err: fmt.Errorf("%q is mapped on line %d already", local, prev)}
		}
		seen[k] = line
		m[local] = std
	}
}

// listPart is one column of a list spread over several.
type listPart struct {
	col   column
	index int // in the header
	main  bool
	num   int // the number after the name; -1 for none
}

// listPartOf reports whether the header name at index i is one column of
// a list spread over several: a list column's name with a number after it
// (其他诊断代码1, 手术及操作编码 2, secondary_dx_3), a 主要 (main) one
// before the others, or the list's plain name beside such columns (c, ok:
// what the name alone gives). Exports of the settlement list often give
// each diagnosis and procedure its own column; the record takes them in
// that order, 主要 first, then by number.
func (r *Reader) listPartOf(name string, i int, c column, ok bool) (listPart, bool) {
	k := headerKey(name)
	if ok && (c == colSecondaryDx || c == colProcedures) {
		return listPart{col: c, index: i, num: -1}, true
	}
	if ok {
		return listPart{}, false
	}
	if rest, found := strings.CutPrefix(k, "主要"); found {
		if pc, pok := r.columnOf(rest); pok && pc == colProcedures {
			return listPart{col: colProcedures, index: i, main: true, num: -1}, true
		}
	}
	// 其他手术及操作代码 beside 主要手术及操作代码: the others, after it.
	if rest, found := strings.CutPrefix(k, "其他"); found {
		if pc, pok := r.columnOf(rest); pok && (pc == colSecondaryDx || pc == colProcedures) {
			return listPart{col: pc, index: i, num: 0}, true
		}
	}
	base := strings.TrimRight(k, "0123456789")
	if base == k {
		return listPart{}, false
	}
	n := 0
	for _, d := range k[len(base):] {
		if n > 1e6 {
			return listPart{}, false
		}
		n = n*10 + int(d-'0')
	}
	base = strings.TrimRight(base, "_-.#")
	// The name as written, or without its 其他: never with one added, so
	// that 诊断代码1 (in some exports the principal again) is no secondary.
	cands := []string{base}
	if rest, found := strings.CutPrefix(base, "其他"); found {
		cands = append(cands, rest)
	}
	for _, b := range cands {
		if pc, pok := r.columnOf(b); pok && (pc == colSecondaryDx || pc == colProcedures) {
			return listPart{col: pc, index: i, num: n}, true
		}
	}
	return listPart{}, false
}

// placeListParts puts the parts of each spread list in order: its main
// column first, its plain-named one next, its 其他 one, then by number.
// The first is the list's column; parseFields reads the rest after it. A
// list given by one column stays as it was.
func (r *Reader) placeListParts(parts []listPart) error {
	for _, c := range []column{colSecondaryDx, colProcedures} {
		var ps []listPart
		for _, p := range parts {
			if p.col == c {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			continue
		}
		// Two parts at the same place (two plain-named or two main
		// columns, 其他诊断代码1 and 其他诊断编码1) are one column given
		// twice, not parts of a list.
		for i, a := range ps {
			for _, b := range ps[i+1:] {
				if a.num == b.num && a.main == b.main {
					return fmt.Errorf("record: header: columns %q and %q both name %s: %w", strings.TrimSpace(r.vals[a.index]), strings.TrimSpace(r.vals[b.index]), c, ErrSyntax)
				}
			}
		}
		slices.SortStableFunc(ps, func(a, b listPart) int {
			switch {
			case a.main != b.main:
				if a.main {
					return -1
				}
				return 1
			case a.num != b.num:
				return a.num - b.num
			}
			return a.index - b.index
		})
		r.colIdx[c] = ps[0].index
		if len(ps) > 1 {
			if r.listParts == nil {
				r.listParts = map[column][]int{}
			}
			for _, p := range ps[1:] {
				r.listParts[c] = append(r.listParts[c], p.index)
			}
		}
	}
	return nil
}
