package weights

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// schemeSlots sizes the arrays weights keeps per scheme (a dictionary and
// rows per scheme in Table, a compiled section per scheme in Calculator, a
// count per scheme in Settlement), indexed by the grouper.Scheme value
// itself: SchemeDRG is 1 and SchemeDIP 2, so index 0 is unused and one
// array lookup replaces a switch on the scheme.
const schemeSlots = int(grouper.SchemeDIP) + 1

// payable reports whether a payment can be under s: grouper.SchemeDRG or
// grouper.SchemeDIP. grouper.SchemeBoth groups a record under both schemes,
// but a case is paid, and settled, under one; every other value is no
// scheme. Code indexing a per-scheme array checks this first.
func payable(s grouper.Scheme) bool { return s == grouper.SchemeDRG || s == grouper.SchemeDIP }

// TableFile is the name under which a rule set stores its weight table
// (grouper.RuleSet.Tables).
const TableFile = "weights.tsv"

// Sentinel errors, for errors.Is.
var (
	ErrNoTable      = errors.New("weights: rule set has no " + TableFile)
	ErrHeader       = errors.New("weights: bad header")
	ErrValue        = errors.New("weights: invalid value")
	ErrDuplicate    = errors.New("weights: duplicate entry")
	ErrPolicy       = errors.New("weights: invalid policy")
	ErrVersion      = errors.New("weights: unsupported policy_version")
	ErrUnknownGroup = errors.New("weights: group not in the weight table")
	ErrBudget       = errors.New("weights: budget cannot be distributed")
)

// ParseError is a problem in a weight table: where it is and why.
type ParseError struct {
	Line   int    // 1-based line in the table
	Column int    // 1-based column (tab-separated field); 0 for the whole line
	Field  string // the column's header name, when known
	Err    error  // the cause; wraps ErrHeader, ErrValue or ErrDuplicate
}

func (e *ParseError) Error() string {
	switch {
	case e.Column == 0:
		return fmt.Sprintf("%s line %d: %v", TableFile, e.Line, e.Err)
	case e.Field == "":
		return fmt.Sprintf("%s line %d, column %d: %v", TableFile, e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("%s line %d, column %d (%s): %v", TableFile, e.Line, e.Column, e.Field, e.Err)
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// Row is one group of a weight table.
type Row struct {
	Scheme grouper.Scheme // grouper.SchemeDRG or SchemeDIP
	Group  string         // DRG code or DIP group code, compared exactly as the grouper writes it
	// Weight is the relative weight RW (DRG) or the score (DIP) when HasWeight.
	// A DRG row with a blank weight lists a group that is not paid by weight;
	// a DIP row with a blank weight keeps the catalogue score of the Result.
	Weight    float64
	HasWeight bool
	// StandardCost is the group's average cost in yuan (the outlier standard);
	// 0 when blank, in which case it is derived as weight × rate.
	StandardCost float64
	Name         string
	Line         int // 1-based source line
}

// Table is the weight table of one rule-set version. A built Table is
// read-only and safe for concurrent use; lookups do not allocate.
type Table struct {
	dicts [schemeSlots]*codes.Dict // group code -> dense ID, one per scheme
	rows  [schemeSlots][]Row       // rows[s][id-1]
}

// Columns of weights.tsv.
const (
	colScheme       = "scheme"
	colGroup        = "group"
	colWeight       = "weight"
	colStandardCost = "standard_cost"
	colName         = "name"
)

// maxTableLine bounds one line of weights.tsv.
const maxTableLine = 1 << 16

// ParseTable reads a weight table: tab-separated, UTF-8, with the header
//
//	scheme	group	weight	standard_cost	name
//
// scheme, group and weight are required columns; standard_cost and name may
// be left out of the header, and the columns may come in any order. Blank
// lines and lines starting with '#' are skipped; a UTF-8 byte-order mark and
// CR line endings are accepted. A (scheme, group) pair may appear once.
// Errors are *ParseError values naming the line and column.
func ParseTable(r io.Reader) (*Table, error) {
	t := &Table{}
	for s := range t.dicts {
		t.dicts[s] = codes.NewDict(codes.SystemProcedure) // any system: used for short strings only
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxTableLine)
	cols := map[string]int{} // header name -> 0-based column
	var names []string
	line := 0
	for sc.Scan() {
		line++
		text := sc.Bytes()
		if line == 1 {
			text = bytes.TrimPrefix(text, []byte("\ufeff"))
		}
		text = bytes.TrimSuffix(text, []byte("\r"))
		if len(bytes.TrimSpace(text)) == 0 || text[0] == '#' {
			continue
		}
		fields := strings.Split(string(text), "\t")
		if names == nil {
			if err := readHeader(line, fields, cols); err != nil {
				return nil, err
			}
			names = make([]string, len(fields))
			for i, f := range fields {
				names[i] = strings.ToLower(strings.TrimSpace(f))
			}
			continue
		}
		if len(fields) > len(names) {
			return nil, &ParseError{Line: line, Column: len(names) + 1, Err: fmt.Errorf("%w: %d columns, the header has %d", ErrValue, len(fields), len(names))}
		}
		if err := t.addRow(line, fields, cols); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{Line: line + 1, Err: fmt.Errorf("%w: %v", ErrValue, err)}
	}
	if names == nil {
		return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: no header line", ErrHeader)}
	}
	return t, nil
}

func readHeader(line int, fields []string, cols map[string]int) error {
	for i, f := range fields {
		name := strings.ToLower(strings.TrimSpace(f))
		switch name {
		case colScheme, colGroup, colWeight, colStandardCost, colName:
		default:
			return &ParseError{Line: line, Column: i + 1, Err: fmt.Errorf("%w: unknown column %q (want %s, %s, %s, %s, %s)", ErrHeader, f, colScheme, colGroup, colWeight, colStandardCost, colName)}
		}
		if _, dup := cols[name]; dup {
			return &ParseError{Line: line, Column: i + 1, Field: name, Err: fmt.Errorf("%w: column %q given twice", ErrHeader, name)}
		}
		cols[name] = i
	}
	for _, req := range []string{colScheme, colGroup, colWeight} {
		if _, ok := cols[req]; !ok {
			return &ParseError{Line: line, Err: fmt.Errorf("%w: required column %q missing", ErrHeader, req)}
		}
	}
	return nil
}

func (t *Table) addRow(line int, fields []string, cols map[string]int) error {
	get := func(name string) (string, int, bool) {
		i, ok := cols[name]
		if !ok {
			return "", 0, false
		}
		if i >= len(fields) {
			return "", i + 1, true // a missing trailing field is blank
		}
		return strings.TrimSpace(fields[i]), i + 1, true
	}
	bad := func(col int, name string, format string, args ...any) error {
		return &ParseError{Line: line, Column: col, Field: name, Err: fmt.Errorf("%w: "+format, append([]any{ErrValue}, args...)...)}
	}
	raw, col, _ := get(colScheme)
	s, err := grouper.ParseScheme(raw)
	if err != nil || !payable(s) {
		return bad(col, colScheme, "%q is not drg or dip", raw)
	}
	row := Row{Scheme: s, Line: line}
	row.Group, col, _ = get(colGroup)
	if err := checkGroupCode(row.Group); err != "" {
		return bad(col, colGroup, "%s", err)
	}
	raw, col, _ = get(colWeight)
	if raw != "" {
		w, err := parseAmount(raw)
		if err != "" {
			return bad(col, colWeight, "%s", err)
		}
		row.Weight, row.HasWeight = w, true
	}
	if raw, col, ok := get(colStandardCost); ok && raw != "" {
		v, err := parseAmount(raw)
		if err != "" {
			return bad(col, colStandardCost, "%s", err)
		}
		row.StandardCost = v
	}
	row.Name, _, _ = get(colName)
	d := t.dicts[s]
	if id, dup := d.Lookup(row.Group); dup {
		_, col, _ = get(colGroup)
		return &ParseError{Line: line, Column: col, Field: colGroup, Err: fmt.Errorf("%w: %s group %s already on line %d", ErrDuplicate, s, row.Group, t.rows[s][id-1].Line)}
	}
	d.Intern(row.Group)
	t.rows[s] = append(t.rows[s], row)
	return nil
}

// checkGroupCode returns why code cannot be a group code, or "".
func checkGroupCode(code string) string {
	if code == "" {
		return "blank group code"
	}
	if len(code) > 64 {
		return fmt.Sprintf("group code %.20q... longer than 64 bytes", code)
	}
	for i := 0; i < len(code); i++ {
		if c := code[i]; c <= ' ' || c == 0x7f {
			return fmt.Sprintf("group code %q contains a space or control character", code)
		}
	}
	return ""
}

// parseAmount parses a finite, non-negative number; it returns why not, or "".
func parseAmount(raw string) (float64, string) {
	v, err := record.ParseNumber(raw)
	if err != nil {
		return 0, fmt.Sprintf("%q is not a number", raw)
	}
	if v < 0 {
		return 0, fmt.Sprintf("%s is negative", raw)
	}
	return v, ""
}

// TableFromRuleSet parses the rule set's weights.tsv (rs.Tables[TableFile]).
// The error wraps ErrNoTable when the rule set has none.
func TableFromRuleSet(rs *grouper.RuleSet) (*Table, error) {
	if rs == nil {
		return nil, fmt.Errorf("%w: nil rule set", ErrNoTable)
	}
	data, ok := rs.Tables[TableFile]
	if !ok {
		return nil, fmt.Errorf("rule set %s %s: %w", rs.Name, rs.Version, ErrNoTable)
	}
	t, err := ParseTable(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("rule set %s %s: %w", rs.Name, rs.Version, err)
	}
	return t, nil
}

// Lookup returns the row of group in scheme s. The row belongs to the table
// and must not be modified. Lookup does not allocate.
func (t *Table) Lookup(s grouper.Scheme, group string) (*Row, bool) {
	if !payable(s) {
		return nil, false
	}
	id, ok := t.dicts[s].Lookup(group)
	if !ok {
		return nil, false
	}
	return &t.rows[s][id-1], true
}

// Rows returns the rows of scheme s in table order. The slice belongs to the
// table and must not be modified.
func (t *Table) Rows(s grouper.Scheme) []Row {
	if !payable(s) {
		return nil
	}
	return t.rows[s]
}

// Unreachable returns the rows of t whose group rs can never produce: a
// payment run never reads them. Such rows usually mean a table made for
// another rule set or version, or a typo in a group code. For DRG the
// reachable groups are rs's DRGs, each MDC's ambiguous group (xQY) when
// rs.Behaviour.QY is on, and 0000; for DIP, its core and comprehensive groups and 0000.
func (t *Table) Unreachable(rs *grouper.RuleSet) []Row {
	groups := [schemeSlots]map[string]bool{grouper.SchemeDRG: {grouper.Ungroupable: true}, grouper.SchemeDIP: {grouper.Ungroupable: true}}
	for _, d := range rs.DRGs {
		groups[grouper.SchemeDRG][d.Code] = true
	}
	if rs.Behaviour.QY {
		for _, m := range rs.MDCs {
			groups[grouper.SchemeDRG][grouper.AmbiguousGroup(m.Code)] = true
		}
	}
	for _, g := range rs.DIP.Core {
		groups[grouper.SchemeDIP][g.Code] = true
	}
	for _, g := range rs.DIP.Comprehensive {
		groups[grouper.SchemeDIP][g.Code] = true
	}
	var out []Row
	for _, s := range []grouper.Scheme{grouper.SchemeDRG, grouper.SchemeDIP} {
		for _, r := range t.rows[s] {
			if !groups[s][r.Group] {
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// Len returns the number of rows of both schemes.
func (t *Table) Len() int { return len(t.rows[grouper.SchemeDRG]) + len(t.rows[grouper.SchemeDIP]) }
