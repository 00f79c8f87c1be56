package record

import (
	"errors"
	"fmt"
	"time"
)

// Record is one discharge (医保结算清单) with the fields the engine needs.
// Field names and meanings follow the domain notes; codes are canonical
// (codes.Normalize) once a Reader has accepted the record.
//
// Numeric fields that were blank in the input are 0; Present says which
// optional fields were actually given, for rules that must tell "0" from
// "missing" (a newborn without birth weight, a blank sex).
type Record struct {
	Line int    // 1-based line (CSV: of the record's first line) in the source; 0 if not read from a file
	ID   string // settlement/record id, unique within a batch

	HospitalID    string
	HospitalLevel int8   // 1, 2 or 3 (一级/二级/三级); 0 when unknown
	HospitalKind  string // "tcm" (中医/中西医结合/民族医), "general", or ""

	Sex          int8  // 1 male, 2 female, 9 unknown, 0 blank
	AgeYears     int16 // whole years
	AgeDays      int16 // age in days, for infants under one year
	BirthWeightG int32 // newborn weight in grams

	AdmitDate       Date
	DischargeDate   Date
	LOSDays         int32 // derived from the dates when blank and both dates are given
	DischargeMethod int8  // 离院方式 1..5, 9 other; 0 blank

	PrincipalDx    string   // ICD-10 医保版; may be "" when a TCM principal diagnosis maps to one
	SecondaryDx    []string // other diagnoses, in order
	TCMPrincipalDx string   // TCM disease code (中医主病)
	TCMSyndrome    string   // TCM syndrome code (主证)
	Procedures     []string // ICD-9-CM-3; the first is the main procedure

	VentHours float64 // invasive ventilation hours
	TotalCost float64 // yuan
	TCMCost   float64 // yuan spent on TCM treatment
	DayWard   bool    // treated in a (TCM) day ward / 日间病房

	// Extra holds the values of input columns the reader was asked to keep
	// (Options.KeepColumns), in that order.
	Extra []string

	Present Fields // which optional fields the input gave
}

// Fields is a bit set naming optional record fields.
type Fields uint32

// The optional fields tracked in Record.Present.
const (
	HasSex Fields = 1 << iota
	HasAgeYears
	HasAgeDays
	HasBirthWeight
	HasLOS
	HasVentHours
	HasTotalCost
	HasTCMCost
	HasHospitalLevel
	HasDischargeMethod
)

// AgeGiven reports whether r gives an age: Present has HasAgeYears or
// HasAgeDays. A record built in code with no Present bit set at all is
// taken to give one when its age or birth weight is not 0. A blank age
// reads as 0 years, which would make an adult look like a newborn.
func (r *Record) AgeGiven() bool {
	if r.Present != 0 {
		return r.Present&(HasAgeYears|HasAgeDays) != 0
	}
	return r.AgeYears != 0 || r.AgeDays != 0 || r.BirthWeightG != 0
}

// Reset clears r for reuse, keeping the capacity of its slices.
//
// The slices' old elements are cleared, not only cut off: a reader's
// records share their chunk's text, and a string left in a slice's spare
// capacity would keep a whole chunk from the collector.
func (r *Record) Reset() {
	clear(r.SecondaryDx)
	clear(r.Procedures)
	clear(r.Extra)
	sdx, procs, extra := r.SecondaryDx[:0], r.Procedures[:0], r.Extra[:0]
	*r = Record{SecondaryDx: sdx, Procedures: procs, Extra: extra}
}

// reuse is Reset for a record about to be refilled: its lists' elements are
// left for the new ones to overwrite, and clearTails clears those past the
// new lengths.
func (r *Record) reuse() {
	sdx, procs, extra := r.SecondaryDx[:0], r.Procedures[:0], r.Extra[:0]
	*r = Record{SecondaryDx: sdx, Procedures: procs, Extra: extra}
}

// clearTails clears the elements of r's lists between their lengths and the
// lengths they had before reuse (Reset explains why).
func (r *Record) clearTails(sdx, procs, extra int) {
	clearTail(r.SecondaryDx, sdx)
	clearTail(r.Procedures, procs)
	clearTail(r.Extra, extra)
}

// clearTail clears s's elements from its length to last. The tails are a
// few elements: a plain loop (not the range form, which the compiler turns
// into a call to clear memory) costs less than that call's setup.
func clearTail(s []string, last int) {
	if last <= len(s) {
		return
	}
	t := s[:last]
	for i := len(s); i < last; i++ {
		t[i] = ""
	}
}

// Clone returns a deep copy of r whose slices do not alias r's.
func (r *Record) Clone() Record {
	c := *r
	c.SecondaryDx = append([]string(nil), r.SecondaryDx...)
	c.Procedures = append([]string(nil), r.Procedures...)
	c.Extra = append([]string(nil), r.Extra...)
	return c
}

// Date is a calendar day, counted in days from 1899-12-31: 1900-01-01, the
// first day records may carry, is 1, and 0 means "not given". Subtracting
// two Dates gives the days between them.
type Date int32

// DateOf returns the Date of year, month and day, which must be 1900-01-01
// or later (earlier days are not Dates: they would read as "not given" or
// negative).
func DateOf(year int, month time.Month, day int) Date {
	return Date(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix()/86400) + dateBias
}

// dateBias is the Date of 1970-01-01: it keeps every accepted day, from
// 1900-01-01 on, above the zero "not given" value. (A bias of 1 once made
// 1969-12-31 read as not given.)
const dateBias = 25568

// ParseDate reads a date as record files write it (2024-03-05, 2024/3/5,
// 20240305, a time of day after it ignored). The error wraps
// ErrInvalidValue or ErrOutOfRange.
func ParseDate(s string) (Date, error) { return parseDate(s) }

// Period is a validity period: the days From to To, both included; a zero
// end is open. The zero Period holds every day.
type Period struct {
	From, To Date
}

// Contains reports whether d is in the period. A zero d (no date) is in
// the zero Period only.
func (p Period) Contains(d Date) bool {
	if d == 0 {
		return p == Period{}
	}
	return (p.From == 0 || d >= p.From) && (p.To == 0 || d <= p.To)
}

// String formats the period as "2025-01-01..2025-12-31", an open end
// blank ("2025-01-01..", "..2024-12-31"); the zero Period is "always".
func (p Period) String() string {
	if p == (Period{}) {
		return "always"
	}
	return p.From.String() + ".." + p.To.String()
}

// IsZero reports whether the date was not given.
func (d Date) IsZero() bool { return d == 0 }

// Time returns the date at midnight UTC.
func (d Date) Time() time.Time { return time.Unix(int64(d-dateBias)*86400, 0).UTC() }

// String formats the date as 2006-01-02, or "" when not given.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	return d.Time().Format("2006-01-02")
}

// Sentinel causes of a rejected record, for errors.Is.
var (
	ErrSyntax       = errors.New("record: unreadable line")
	ErrMissingID    = errors.New("record: missing id")
	ErrDuplicateID  = errors.New("record: duplicate id")
	ErrMissingDx    = errors.New("record: missing principal diagnosis")
	ErrInvalidCode  = errors.New("record: invalid code")
	ErrInvalidValue = errors.New("record: invalid value")
	ErrOutOfRange   = errors.New("record: value out of range")
	ErrDateOrder    = errors.New("record: discharge before admission")
	// ErrNotInForce: no rule-set revision or payment policy in force on
	// the record's discharge date (or no date to pick one by).
	ErrNotInForce     = errors.New("record: no rule set or policy in force on the discharge date")
	ErrUnknownColumn  = errors.New("record: unknown column")
	ErrMissingColumns = errors.New("record: required column missing")
)

// Error is a rejected record: where it was, which field, and why.
type Error struct {
	Line  int    // 1-based line in the input
	ID    string // record id, when it could be read
	Field string // column name, or "" for the whole line
	Err   error  // the cause; wraps one of the sentinels above
	Raw   string // the original line, without its line ending
}

// Error formats the reject as "line N: record ID: field F: cause".
func (e *Error) Error() string {
	id := e.ID
	if id == "" {
		id = "?"
	}
	if e.Field == "" {
		return fmt.Sprintf("line %d: record %s: %v", e.Line, id, e.Err)
	}
	return fmt.Sprintf("line %d: record %s: field %s: %v", e.Line, id, e.Field, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Reason returns a short machine-readable reason code for the rejects file,
// such as "invalid_code" or "duplicate_id".
func (e *Error) Reason() string {
	for _, s := range []struct {
		err  error
		name string
	}{
		{ErrSyntax, "syntax"}, {ErrMissingID, "missing_id"}, {ErrDuplicateID, "duplicate_id"},
		{ErrMissingDx, "missing_principal_dx"}, {ErrInvalidCode, "invalid_code"},
		{ErrInvalidValue, "invalid_value"}, {ErrOutOfRange, "out_of_range"}, {ErrDateOrder, "date_order"},
		{ErrNotInForce, "not_in_force"}, {ErrUnknownColumn, "unknown_field"},
	} {
		if errors.Is(e.Err, s.err) {
			return s.name
		}
	}
	return "invalid"
}
