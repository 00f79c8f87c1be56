package grouper

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrSyntax reports a condition that is not in the condition language.
var ErrSyntax = errors.New("grouper: condition syntax")

// Op is the kind of an Expr node.
type Op uint8

// Expression operators.
const (
	OpTrue   Op = iota + 1 // true
	OpFalse                // false
	OpAnd                  // Args[0] AND Args[1] AND ...
	OpOr                   // Args[0] OR Args[1] OR ...
	OpNot                  // NOT Args[0]
	OpIn                   // Subject in List (optionally List[Group])
	OpCmp                  // Field Cmp Value
	OpHasMCC               // a counted secondary diagnosis is an MCC
	OpHasCC                // a counted secondary diagnosis is a CC
)

// Subject names the codes of a record an `in` test looks at.
type Subject uint8

// Subjects of `in` tests.
const (
	SubjectPdx      Subject = iota + 1 // pdx: the principal diagnosis
	SubjectMainProc                    // main_proc: the first procedure
	SubjectAnyProc                     // any_proc: any procedure
	SubjectAnyDx                       // any_dx: principal or any secondary diagnosis
	SubjectAnySdx                      // any_sdx: any secondary diagnosis
)

var subjectNames = [...]string{SubjectPdx: "pdx", SubjectMainProc: "main_proc", SubjectAnyProc: "any_proc", SubjectAnyDx: "any_dx", SubjectAnySdx: "any_sdx"}

func (s Subject) String() string {
	if int(s) < len(subjectNames) && subjectNames[s] != "" {
		return subjectNames[s]
	}
	return fmt.Sprintf("subject(%d)", s)
}

// IsProcedure reports whether the subject looks at procedures.
func (s Subject) IsProcedure() bool { return s == SubjectMainProc || s == SubjectAnyProc }

// Field names a numeric quantity of a record that conditions compare.
type Field uint8

// Numeric fields. Blank inputs read as 0.
const (
	FieldAgeYears        Field = iota + 1 // age_years
	FieldAgeDays                          // age_days
	FieldWeight                           // weight (birth_weight_g)
	FieldVentHours                        // vent_hours
	FieldLOS                              // los_days
	FieldSex                              // sex: 0 blank, 1, 2, 9
	FieldDischargeMethod                  // discharge_method
	FieldDxCount                          // dx_count: principal plus secondaries
	FieldProcCount                        // proc_count
	FieldDayWard                          // day_ward: 0 or 1
	FieldHospitalLevel                    // hospital_level
	FieldCCLevel                          // cc_level: 0 none, 1 CC, 2 MCC
	FieldAgeKnown                         // age_known: 1 when the record gives an age (record.Record.AgeGiven), else 0
	FieldMainProcCount                    // main_proc_count: 1 when there is a main procedure (see Behaviour.MainProcedure), else 0
	FieldRegions                          // regions(LIST): distinct regions among diagnoses in LIST
)

var fieldNames = [...]string{
	FieldAgeYears: "age_years", FieldAgeDays: "age_days", FieldWeight: "weight", FieldVentHours: "vent_hours",
	FieldLOS: "los_days", FieldSex: "sex", FieldDischargeMethod: "discharge_method", FieldDxCount: "dx_count",
	FieldProcCount: "proc_count", FieldDayWard: "day_ward", FieldHospitalLevel: "hospital_level",
	FieldCCLevel: "cc_level", FieldAgeKnown: "age_known", FieldMainProcCount: "main_proc_count", FieldRegions: "regions",
}

func (f Field) String() string {
	if int(f) < len(fieldNames) && fieldNames[f] != "" {
		return fieldNames[f]
	}
	return fmt.Sprintf("field(%d)", f)
}

// Cmp is a comparison operator.
type Cmp uint8

// Comparison operators.
const (
	CmpLT Cmp = iota + 1
	CmpLE
	CmpEQ
	CmpNE
	CmpGE
	CmpGT
)

var cmpNames = [...]string{CmpLT: "<", CmpLE: "<=", CmpEQ: "=", CmpNE: "!=", CmpGE: ">=", CmpGT: ">"}

func (c Cmp) String() string { return cmpNames[c] }

// Holds reports whether x c v.
func (c Cmp) Holds(x, v float64) bool {
	switch c {
	case CmpLT:
		return x < v
	case CmpLE:
		return x <= v
	case CmpEQ:
		return x == v
	case CmpNE:
		return x != v
	case CmpGE:
		return x >= v
	case CmpGT:
		return x > v
	}
	return false
}

// Expr is a parsed condition. The condition language is:
//
//	expr    = term { "OR" term }
//	term    = factor { "AND" factor }
//	factor  = "NOT" factor | "(" expr ")" | atom
//	atom    = "true" | "false" | "has_mcc" | "has_cc"
//	        | subject "in" list [ "[" int "]" ]       subject: pdx main_proc any_proc any_dx any_sdx
//	        | field cmp number                         cmp: < <= = == != >= >
//	        | "regions(" list ")" cmp number
//
// List names resolve to the owner's lists first (the ADRG's, then its MDC's),
// then to global lists; OWNER.LIST names the list of another owner (an MDC
// letter or ADRG code), e.g. N.mdc_dx. LIST[k] is the part of LIST whose rows carry group k.
// Keywords are case-insensitive; list names are not.
type Expr struct {
	Op      Op
	Subject Subject // OpIn
	List    string  // OpIn; OpCmp with FieldRegions
	Group   int     // OpIn: LIST[Group]; 0 = the whole list
	Field   Field   // OpCmp
	Cmp     Cmp     // OpCmp
	Value   float64 // OpCmp
	Args    []*Expr // OpAnd, OpOr, OpNot
}

// String formats e in the condition language, fully parenthesised where needed.
func (e *Expr) String() string {
	var b strings.Builder
	e.format(&b, 0)
	return b.String()
}

func (e *Expr) format(b *strings.Builder, parentPrec int) {
	switch e.Op {
	case OpTrue:
		b.WriteString("true")
	case OpFalse:
		b.WriteString("false")
	case OpHasMCC:
		b.WriteString("has_mcc")
	case OpHasCC:
		b.WriteString("has_cc")
	case OpIn:
		b.WriteString(e.Subject.String())
		b.WriteString(" in ")
		b.WriteString(e.List)
		if e.Group != 0 {
			fmt.Fprintf(b, "[%d]", e.Group)
		}
	case OpCmp:
		if e.Field == FieldRegions {
			fmt.Fprintf(b, "regions(%s)", e.List)
		} else {
			b.WriteString(e.Field.String())
		}
		fmt.Fprintf(b, " %s %s", e.Cmp, strconv.FormatFloat(e.Value, 'f', -1, 64))
	case OpNot:
		b.WriteString("NOT ")
		e.Args[0].format(b, 3)
	case OpAnd, OpOr:
		prec, word := 2, " AND "
		if e.Op == OpOr {
			prec, word = 1, " OR "
		}
		if prec < parentPrec {
			b.WriteByte('(')
		}
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(word)
			}
			a.format(b, prec)
		}
		if prec < parentPrec {
			b.WriteByte(')')
		}
	}
}

// ParseExpr parses a condition. Errors wrap ErrSyntax and give the byte column.
func ParseExpr(src string) (*Expr, error) {
	p := &parser{src: src}
	p.next()
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.errf("unexpected %q", p.tok.text)
	}
	return e, nil
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokIdent
	tokNumber
	tokCmp
	tokLParen
	tokRParen
	tokLBrack
	tokRBrack
	tokBad
)

type token struct {
	kind tokKind
	text string
	pos  int
}

type parser struct {
	src string
	pos int
	tok token
}

func (p *parser) errf(format string, args ...any) error {
	return fmt.Errorf("%w: column %d: %s", ErrSyntax, p.tok.pos+1, fmt.Sprintf(format, args...))
}

func (p *parser) next() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	start := p.pos
	if p.pos >= len(p.src) {
		p.tok = token{kind: tokEOF, pos: start}
		return
	}
	c := p.src[p.pos]
	switch {
	case c == '(':
		p.pos++
		p.tok = token{tokLParen, "(", start}
	case c == ')':
		p.pos++
		p.tok = token{tokRParen, ")", start}
	case c == '[':
		p.pos++
		p.tok = token{tokLBrack, "[", start}
	case c == ']':
		p.pos++
		p.tok = token{tokRBrack, "]", start}
	case c == '<' || c == '>' || c == '=' || c == '!':
		p.pos++
		if p.pos < len(p.src) && p.src[p.pos] == '=' {
			p.pos++
		}
		p.tok = token{tokCmp, p.src[start:p.pos], start}
	case c >= '0' && c <= '9' || c == '-' || c == '.':
		p.pos++
		for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.') {
			p.pos++
		}
		p.tok = token{tokNumber, p.src[start:p.pos], start}
	case isIdentByte(c):
		// A dot inside a name qualifies a list by its owner: N.mdc_dx.
		for p.pos < len(p.src) && (isIdentByte(p.src[p.pos]) || p.src[p.pos] == '.') {
			p.pos++
		}
		p.tok = token{tokIdent, p.src[start:p.pos], start}
	default:
		p.pos++
		p.tok = token{tokBad, p.src[start:p.pos], start}
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *parser) keyword(w string) bool {
	return p.tok.kind == tokIdent && strings.EqualFold(p.tok.text, w)
}

func (p *parser) expr() (*Expr, error) {
	return p.chain(OpOr, "OR", p.term)
}

func (p *parser) term() (*Expr, error) {
	return p.chain(OpAnd, "AND", p.factor)
}

func (p *parser) chain(op Op, word string, sub func() (*Expr, error)) (*Expr, error) {
	first, err := sub()
	if err != nil {
		return nil, err
	}
	args := []*Expr{first}
	for p.keyword(word) {
		p.next()
		e, err := sub()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return first, nil
	}
	return &Expr{Op: op, Args: args}, nil
}

func (p *parser) factor() (*Expr, error) {
	switch {
	case p.keyword("NOT"):
		p.next()
		e, err := p.factor()
		if err != nil {
			return nil, err
		}
		return &Expr{Op: OpNot, Args: []*Expr{e}}, nil
	case p.tok.kind == tokLParen:
		p.next()
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			return nil, p.errf("missing ')'")
		}
		p.next()
		return e, nil
	case p.tok.kind == tokIdent:
		return p.atom()
	case p.tok.kind == tokEOF:
		return nil, p.errf("unexpected end of condition")
	}
	return nil, p.errf("unexpected %q", p.tok.text)
}

func (p *parser) atom() (*Expr, error) {
	word := strings.ToLower(p.tok.text)
	switch word {
	case "true", "false", "has_mcc", "has_cc":
		p.next()
		return &Expr{Op: map[string]Op{"true": OpTrue, "false": OpFalse, "has_mcc": OpHasMCC, "has_cc": OpHasCC}[word]}, nil
	case "pdx", "main_proc", "any_proc", "any_dx", "any_sdx":
		e := &Expr{Op: OpIn}
		for s, n := range subjectNames {
			if n == word {
				e.Subject = Subject(s)
			}
		}
		p.next()
		if !p.keyword("in") {
			return nil, p.errf("want 'in' after %s", word)
		}
		p.next()
		if p.tok.kind != tokIdent {
			return nil, p.errf("want a list name after 'in'")
		}
		e.List = p.tok.text
		p.next()
		if p.tok.kind == tokLBrack {
			p.next()
			n, err := strconv.Atoi(p.tok.text)
			if p.tok.kind != tokNumber || err != nil || n <= 0 {
				return nil, p.errf("want a positive group number in [...]")
			}
			e.Group = n
			p.next()
			if p.tok.kind != tokRBrack {
				return nil, p.errf("missing ']'")
			}
			p.next()
		}
		return e, nil
	case "regions":
		e := &Expr{Op: OpCmp, Field: FieldRegions}
		p.next()
		if p.tok.kind != tokLParen {
			return nil, p.errf("want '(' after regions")
		}
		p.next()
		if p.tok.kind != tokIdent {
			return nil, p.errf("want a list name in regions(...)")
		}
		e.List = p.tok.text
		p.next()
		if p.tok.kind != tokRParen {
			return nil, p.errf("missing ')'")
		}
		p.next()
		return p.comparison(e)
	}
	if word == "birth_weight_g" {
		word = "weight"
	}
	for f, n := range fieldNames {
		if n == word && Field(f) != FieldRegions {
			p.next()
			return p.comparison(&Expr{Op: OpCmp, Field: Field(f)})
		}
	}
	return nil, p.errf("unknown name %q", p.tok.text)
}

func (p *parser) comparison(e *Expr) (*Expr, error) {
	if p.tok.kind != tokCmp {
		return nil, p.errf("want a comparison after %s", e.Field)
	}
	switch p.tok.text {
	case "<":
		e.Cmp = CmpLT
	case "<=":
		e.Cmp = CmpLE
	case "=", "==":
		e.Cmp = CmpEQ
	case "!=":
		e.Cmp = CmpNE
	case ">=":
		e.Cmp = CmpGE
	case ">":
		e.Cmp = CmpGT
	default:
		return nil, p.errf("unknown comparison %q", p.tok.text)
	}
	p.next()
	v, err := strconv.ParseFloat(p.tok.text, 64)
	if p.tok.kind != tokNumber || err != nil {
		return nil, p.errf("want a number after %s", e.Cmp)
	}
	e.Value = v
	p.next()
	return e, nil
}

// Walk calls fn for e and every sub-expression, parents first.
func (e *Expr) Walk(fn func(*Expr)) {
	fn(e)
	for _, a := range e.Args {
		a.Walk(fn)
	}
}
