package record

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/medpay/drg/codes"
)

// value returns the trimmed value of column i of vals, or "" when the input
// has no such column.
func value(vals []string, i int) string {
	if i < 0 {
		return ""
	}
	return trim(vals[i])
}

// trim is strings.TrimSpace with a fast exit for the usual untrimmed value.
func trim(s string) string {
	if s == "" {
		return s
	}
	if a, z := s[0], s[len(s)-1]; a > ' ' && a < 0x80 && z > ' ' && z < 0x80 {
		return s
	}
	return strings.TrimSpace(s)
}

// build fills rec from the current record's values and validates it. It
// returns nil or an *Error.
func (r *Reader) build(rec *Record, vals []string) error {
	rec.Line = r.recLine
	rec.ID = value(vals, r.colIdx[colID])
	if rec.ID == "" {
		return r.reject(colID.String(), ErrMissingID)
	}
	if c, err := r.parseFields(rec, vals); err != nil {
		return r.rejectRec(rec, c, err)
	}
	if c, err := check(rec); err != nil {
		return r.rejectRec(rec, c, err)
	}
	for _, i := range r.keepIdx {
		rec.Extra = append(rec.Extra, strings.TrimSpace(vals[i]))
	}
	if r.ids != nil {
		seen, err := r.ids.add(rec.ID)
		if err != nil {
			return err // the set's files failed: fatal, not a reject
		}
		if seen {
			return r.rejectRec(rec, colID.String(), ErrDuplicateID)
		}
	}
	return nil
}

func (r *Reader) rejectRec(rec *Record, field string, err error) *Error {
	e := r.reject(field, err)
	e.ID = rec.ID
	return e
}

// parseFields parses every standard column but id into rec. On failure it
// returns the field name (with a 1-based item index for list columns, as in
// "secondary_dx[2]") and the cause.
func (r *Reader) parseFields(rec *Record, vals []string) (string, error) {
	ci := &r.colIdx
	var err error

	rec.HospitalID = value(vals, ci[colHospitalID])
	if s := value(vals, ci[colHospitalLevel]); s != "" {
		if rec.HospitalLevel, err = parseHospitalLevel(s); err != nil {
			return colHospitalLevel.String(), err
		}
		rec.Present |= HasHospitalLevel
	}
	rec.HospitalKind = normalizeKind(value(vals, ci[colHospitalKind]))
	if s := value(vals, ci[colSex]); s != "" {
		if rec.Sex, err = parseSex(s); err != nil {
			return colSex.String(), err
		}
		rec.Present |= HasSex
	}
	if s := value(vals, ci[colAgeYears]); s != "" {
		v, err := parseWhole(s, 0, 150)
		if err != nil {
			return colAgeYears.String(), err
		}
		rec.AgeYears = int16(v)
		rec.Present |= HasAgeYears
	}
	if s := value(vals, ci[colAgeDays]); s != "" {
		v, err := parseWhole(s, 0, 365)
		if err != nil {
			return colAgeDays.String(), err
		}
		rec.AgeDays = int16(v)
		rec.Present |= HasAgeDays
	}
	if s := value(vals, ci[colBirthWeight]); s != "" {
		v, err := parseWhole(s, 0, 10000)
		if err != nil {
			return colBirthWeight.String(), err
		}
		rec.BirthWeightG = int32(v)
		rec.Present |= HasBirthWeight
	}
	if s := value(vals, ci[colAdmitDate]); s != "" {
		if rec.AdmitDate, err = parseDate(s); err != nil {
			return colAdmitDate.String(), err
		}
	}
	if s := value(vals, ci[colDischargeDate]); s != "" {
		if rec.DischargeDate, err = parseDate(s); err != nil {
			return colDischargeDate.String(), err
		}
	}
	if s := value(vals, ci[colLOS]); s != "" {
		v, err := parseWhole(s, 0, 3650)
		if err != nil {
			return colLOS.String(), err
		}
		rec.LOSDays = int32(v)
		rec.Present |= HasLOS
	}
	if s := value(vals, ci[colDischargeMethod]); s != "" {
		if rec.DischargeMethod, err = parseDischargeMethod(s); err != nil {
			return colDischargeMethod.String(), err
		}
		rec.Present |= HasDischargeMethod
	}
	if s := value(vals, ci[colPrincipalDx]); s != "" {
		if rec.PrincipalDx, err = normalize(codes.SystemDiagnosis, s); err != nil {
			return colPrincipalDx.String(), err
		}
	}
	if i := ci[colSecondaryDx]; i >= 0 {
		if rec.SecondaryDx, err = appendCodes(rec.SecondaryDx, vals[i], codes.SystemDiagnosis, colSecondaryDx); err != nil {
			return r.partField(colSecondaryDx, i, err)
		}
		for _, p := range r.listParts[colSecondaryDx] {
			if rec.SecondaryDx, err = appendCodes(rec.SecondaryDx, value(vals, p), codes.SystemDiagnosis, colSecondaryDx); err != nil {
				return r.partField(colSecondaryDx, p, err)
			}
		}
	}
	if s := value(vals, ci[colTCMPrincipalDx]); s != "" {
		if rec.TCMPrincipalDx, err = normalize(codes.SystemTCMDisease, s); err != nil {
			return colTCMPrincipalDx.String(), err
		}
	}
	if s := value(vals, ci[colTCMSyndrome]); s != "" {
		if rec.TCMSyndrome, err = normalize(codes.SystemTCMSyndrome, s); err != nil {
			return colTCMSyndrome.String(), err
		}
	}
	if i := ci[colProcedures]; i >= 0 {
		if rec.Procedures, err = appendCodes(rec.Procedures, vals[i], codes.SystemProcedure, colProcedures); err != nil {
			return r.partField(colProcedures, i, err)
		}
		for _, p := range r.listParts[colProcedures] {
			if rec.Procedures, err = appendCodes(rec.Procedures, value(vals, p), codes.SystemProcedure, colProcedures); err != nil {
				return r.partField(colProcedures, p, err)
			}
		}
	}
	if s := value(vals, ci[colVentHours]); s != "" {
		if rec.VentHours, err = parseAmount(s, maxVentHours); err != nil {
			return colVentHours.String(), err
		}
		rec.Present |= HasVentHours
	}
	if s := value(vals, ci[colTotalCost]); s != "" {
		if rec.TotalCost, err = parseAmount(s, maxCost); err != nil {
			return colTotalCost.String(), err
		}
		rec.Present |= HasTotalCost
	}
	if s := value(vals, ci[colTCMCost]); s != "" {
		if rec.TCMCost, err = parseAmount(s, maxCost); err != nil {
			return colTCMCost.String(), err
		}
		rec.Present |= HasTCMCost
	}
	if s := value(vals, ci[colDayWard]); s != "" {
		if rec.DayWard, err = parseBool(s); err != nil {
			return colDayWard.String(), err
		}
	}
	return "", nil
}

// check applies the rules that involve several fields, and derives the
// length of stay.
func check(rec *Record) (string, error) {
	if rec.PrincipalDx == "" && rec.TCMPrincipalDx == "" {
		return colPrincipalDx.String(), ErrMissingDx
	}
	if !rec.AdmitDate.IsZero() && !rec.DischargeDate.IsZero() {
		if rec.DischargeDate < rec.AdmitDate {
			return colDischargeDate.String(), fmt.Errorf("%w: discharged %v, admitted %v", ErrDateOrder, rec.DischargeDate, rec.AdmitDate)
		}
		if rec.Present&HasLOS == 0 {
			// 结算清单填写规范: the admission and discharge days count as
			// one day together, so a same-day stay is one day.
			los := int32(rec.DischargeDate - rec.AdmitDate)
			if los > 3650 {
				return colDischargeDate.String(), fmt.Errorf("%w: stay of %d days from %v to %v", ErrOutOfRange, los, rec.AdmitDate, rec.DischargeDate)
			}
			rec.LOSDays = max(los, 1)
			rec.Present |= HasLOS
		}
	}
	if rec.Present&HasTCMCost != 0 && rec.Present&HasTotalCost != 0 && rec.TCMCost > rec.TotalCost {
		return colTCMCost.String(), fmt.Errorf("%w: tcm_cost %v exceeds total_cost %v", ErrOutOfRange, rec.TCMCost, rec.TotalCost)
	}
	return "", nil
}

// itemError is a failed item of a list column.
type itemError struct {
	col  column
	item int // 1-based, counting non-empty items
	err  error
}

func (e *itemError) Error() string { return e.err.Error() }

// partField names the field of a list item's error: the list column and
// item (secondary_dx[2]), or, for a list spread over several columns, the
// column the item was in, by its header name (其他诊断代码3).
func (r *Reader) partField(c column, index int, err error) (string, error) {
	if r.listParts[c] != nil && index < len(r.header) {
		if ie, ok := err.(*itemError); ok {
			return r.header[index], ie.err
		}
	}
	return listField(c, err)
}

func listField(c column, err error) (string, error) {
	if ie, ok := err.(*itemError); ok {
		return fmt.Sprintf("%s[%d]", ie.col, ie.item), ie.err
	}
	return c.String(), err
}

// appendCodes appends the normalised items of the list s to dst. Empty items
// are dropped.
func appendCodes(dst []string, s string, sys codes.System, c column) ([]string, error) {
	n := 0
	for s != "" {
		// Items are short: a loop beats a call to IndexByte.
		i := 0
		for i < len(s) && s[i] != ListSeparator {
			i++
		}
		item := s[:i]
		if i < len(s) {
			s = s[i+1:]
		} else {
			s = ""
		}
		item = trim(item)
		if item == "" {
			continue
		}
		n++
		code, err := normalize(sys, item)
		if err != nil {
			return dst, &itemError{col: c, item: n, err: err}
		}
		dst = append(dst, code)
	}
	return dst, nil
}

// normalize is codes.Normalize with the error wrapped in ErrInvalidCode.
func normalize(sys codes.System, s string) (string, error) {
	code, err := codes.Normalize(sys, s)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidCode, err)
	}
	return code, nil
}

// parseWhole parses a whole number in lo..hi: optional sign, digits, and an
// optional fraction of zeros ("3", "3.0", "+3").
func parseWhole(s string, lo, hi int64) (int64, error) {
	v, ok, big := scanWhole(s)
	switch {
	case big:
		return 0, fmt.Errorf("%w: %s not in %d..%d", ErrOutOfRange, s, lo, hi)
	case !ok:
		return 0, fmt.Errorf("%w: %q is not a whole number", ErrInvalidValue, s)
	case v < lo || v > hi:
		return 0, fmt.Errorf("%w: %d not in %d..%d", ErrOutOfRange, v, lo, hi)
	}
	return v, nil
}

// scanWhole parses s as parseWhole describes; big reports a well-formed
// number too large for int64.
func scanWhole(s string) (v int64, ok, big bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	digits := 0
	for ; digits < len(s) && s[digits] >= '0' && s[digits] <= '9'; digits++ {
		if v > (math.MaxInt64-9)/10 {
			big = true
			continue
		}
		v = v*10 + int64(s[digits]-'0')
	}
	if digits == 0 {
		return 0, false, false
	}
	if rest := s[digits:]; rest != "" {
		if rest[0] != '.' {
			return 0, false, false
		}
		for i := 1; i < len(rest); i++ {
			if rest[i] != '0' {
				return 0, false, false
			}
		}
	}
	if neg {
		v = -v
	}
	return v, true, big
}

// Bounds of the amounts, far beyond any real stay, so that what is accepted
// stays finite through payment and settlement: a cost of 1e308 once paid
// +Inf and made a whole settlement NaN.
const (
	maxCost      = 1e9       // yuan
	maxVentHours = 3650 * 24 // the longest stay, los_days 3650
)

// ParseNumber parses a number as the engine's input files write it: an
// optional sign, decimal digits with an optional point, and an optional
// exponent (1.321087E4, as spreadsheets write large numbers). It refuses
// what strconv.ParseFloat would also read but no export writes (1_000,
// 0x1p4, Inf, NaN), with an error wrapping ErrInvalidValue, and numbers
// beyond float64, with ErrOutOfRange; what it returns is always finite.
func ParseNumber(s string) (float64, error) {
	if v, ok := parseDecimal(s); ok {
		return v, nil
	}
	if s == "" || strings.IndexFunc(s, notDecimalRune) >= 0 {
		return 0, fmt.Errorf("%w: %q is not a number", ErrInvalidValue, s)
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%w: %s is too large", ErrOutOfRange, s)
	case err != nil:
		return 0, fmt.Errorf("%w: %q is not a number", ErrInvalidValue, s)
	}
	return v, nil
}

// parseAmount parses a decimal in [0, max] (cost in yuan, hours).
func parseAmount(s string, max float64) (float64, error) {
	v, err := ParseNumber(s)
	switch {
	case err != nil:
		return 0, err
	case v < 0:
		return 0, fmt.Errorf("%w: %s is negative", ErrOutOfRange, s)
	case v > max:
		return 0, fmt.Errorf("%w: %s is above %g", ErrOutOfRange, s, max)
	}
	return v, nil
}

// notDecimalRune reports a rune outside the decimal syntax with exponent.
func notDecimalRune(r rune) bool {
	return (r < '0' || r > '9') && r != '.' && r != 'e' && r != 'E' && r != '+' && r != '-'
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseDecimal is the fast path of parseAmount for the usual "12345.67": at
// most 15 digits, an optional point, nothing else. The digits then form an
// integer below 2⁵³ and the scale a power of ten that float64 holds exactly,
// so one division gives the correctly rounded result, as ParseFloat would.
func parseDecimal(s string) (float64, bool) {
	if len(s) == 0 || len(s) > 16 {
		return 0, false
	}
	var mant uint64
	digits, scale, point := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
			if point {
				scale++
			}
		case c == '.' && !point:
			point = true
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 15 {
		return 0, false
	}
	return float64(mant) / pow10[scale], true
}

// parseSex reads 1/2/9 (GB/T 2261.1; 0 = unknown), 男/女, M/F or male/female.
func parseSex(s string) (int8, error) {
	switch s {
	case "1", "男", "M", "m":
		return 1, nil
	case "2", "女", "F", "f":
		return 2, nil
	case "9", "未说明", "未说明的性别":
		return 9, nil
	case "0", "未知", "未知的性别":
		return 0, nil
	}
	switch {
	case strings.EqualFold(s, "male"):
		return 1, nil
	case strings.EqualFold(s, "female"):
		return 2, nil
	}
	v, ok, big := scanWhole(s)
	switch {
	case !ok:
		return 0, fmt.Errorf("%w: sex %q (want 1, 2, 9, 男 or 女)", ErrInvalidValue, s)
	case big || (v != 0 && v != 1 && v != 2 && v != 9):
		return 0, fmt.Errorf("%w: sex %s (want 0, 1, 2 or 9)", ErrOutOfRange, s)
	}
	return int8(v), nil
}

// parseHospitalLevel reads 0-3, or 一级/二级/三级 with an optional grade
// (三级甲等, 三甲).
func parseHospitalLevel(s string) (int8, error) {
	if len(s) == 1 && s[0] >= '0' && s[0] <= '3' {
		return int8(s[0] - '0'), nil
	}
	for i, p := range []string{"一", "二", "三"} {
		if rest, ok := strings.CutPrefix(s, p); ok && rest != "" &&
			(strings.HasPrefix(rest, "级") || strings.HasPrefix(rest, "甲") || strings.HasPrefix(rest, "乙") || strings.HasPrefix(rest, "丙")) {
			return int8(i + 1), nil
		}
	}
	if s == "未定级" {
		return 0, nil
	}
	v, ok, big := scanWhole(s)
	switch {
	case !ok:
		return 0, fmt.Errorf("%w: hospital level %q (want 1, 2, 3 or 一级/二级/三级)", ErrInvalidValue, s)
	case big || v < 0 || v > 3:
		return 0, fmt.Errorf("%w: hospital level %s (want 0..3)", ErrOutOfRange, s)
	}
	return int8(v), nil
}

// parseDischargeMethod reads 离院方式 1-5 or 9 (0 accepted as unknown).
func parseDischargeMethod(s string) (int8, error) {
	if len(s) == 1 && (s[0] >= '0' && s[0] <= '5' || s[0] == '9') {
		return int8(s[0] - '0'), nil
	}
	v, ok, big := scanWhole(s)
	switch {
	case !ok:
		return 0, fmt.Errorf("%w: discharge method %q is not a number", ErrInvalidValue, s)
	case big || v < 0 || (v > 5 && v != 9):
		return 0, fmt.Errorf("%w: discharge method %s (want 1..5 or 9)", ErrOutOfRange, s)
	}
	return int8(v), nil
}

// parseBool reads 1/0, true/false, 是/否, Y/N, yes/no (case-insensitive).
func parseBool(s string) (bool, error) {
	switch s {
	case "1", "是", "Y", "y", "T", "t":
		return true, nil
	case "0", "否", "N", "n", "F", "f":
		return false, nil
	}
	switch {
	case strings.EqualFold(s, "true"), strings.EqualFold(s, "yes"):
		return true, nil
	case strings.EqualFold(s, "false"), strings.EqualFold(s, "no"):
		return false, nil
	}
	if v, ok, _ := scanWhole(s); ok && (v == 0 || v == 1) {
		return v == 1, nil
	}
	return false, fmt.Errorf("%w: %q is not a yes/no value (want 1/0, true/false, 是/否, Y/N)", ErrInvalidValue, s)
}

// normalizeKind lower-cases a hospital kind and maps the usual Chinese
// names: 中医, 中西医结合 and 民族医 (hospital) to "tcm", 综合 and 西医 to
// "general". Other values are kept.
// NormalizeHospitalKind returns the hospital kind a record with hospital_kind
// s carries in Record.HospitalKind: "tcm" for 中医 and the like, "general"
// for 综合, otherwise s in lower case, trimmed. Policies key their kind
// coefficients by these values.
func NormalizeHospitalKind(s string) string { return normalizeKind(trim(s)) }

func normalizeKind(s string) string {
	switch s {
	case "", "tcm", "general":
		return s
	case "中医", "中医院", "中医医院", "中西医结合", "中西医结合医院", "民族医", "民族医院", "民族医医院":
		return "tcm"
	case "综合", "综合医院", "西医", "西医医院":
		return "general"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// parseDate reads 2024-03-05, 2024/3/5, 2024.3.5 or 20240305, optionally
// followed by a time of day ("2024-03-05 10:30:00", "2024-03-05T10:30",
// "20240305103000"), which is ignored.
func parseDate(s string) (Date, error) {
	// The usual form, 2024-03-05, read in one pass (the general path below
	// cost a record about 0.05 CPU-µs for its two dates).
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y0, y1, y2, y3 := s[0]-'0', s[1]-'0', s[2]-'0', s[3]-'0'
		m0, m1, d0, d1 := s[5]-'0', s[6]-'0', s[8]-'0', s[9]-'0'
		if y0 < 10 && y1 < 10 && y2 < 10 && y3 < 10 && m0 < 10 && m1 < 10 && d0 < 10 && d1 < 10 {
			y := int(y0)*1000 + int(y1)*100 + int(y2)*10 + int(y3)
			m, d := int(m0)*10+int(m1), int(d0)*10+int(d1)
			if y >= 1900 && y <= 2199 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) {
				return Date(daysFromCivil(y, m, d)) + dateBias, nil
			}
		}
	}
	return parseDateAny(s)
}

// parseDateAny is parseDate for every accepted form, with the errors.
func parseDateAny(s string) (Date, error) {
	y, m, d, rest, ok := splitDate(s)
	if !ok || !validTime(rest) {
		return 0, fmt.Errorf("%w: %q is not a date (want 2024-03-05, 2024/3/5 or 20240305)", ErrInvalidValue, s)
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, fmt.Errorf("%w: %q is not a calendar date", ErrInvalidValue, s)
	}
	if y < 1900 || y > 2199 {
		return 0, fmt.Errorf("%w: year %d", ErrOutOfRange, y)
	}
	return Date(daysFromCivil(y, m, d)) + dateBias, nil
}

// splitDate splits the date part of s; rest is what follows it.
func splitDate(s string) (y, m, d int, rest string, ok bool) {
	num := func(s string, max int) (int, string) {
		v, i := 0, 0
		for ; i < len(s) && i < max && s[i] >= '0' && s[i] <= '9'; i++ {
			v = v*10 + int(s[i]-'0')
		}
		if i == 0 {
			return -1, s
		}
		return v, s[i:]
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	switch {
	case digits == 8 || digits == 12 || digits == 14: // 20240305, with hhmm[ss]
		y, _ = num(s[0:4], 4)
		m, _ = num(s[4:6], 2)
		d, _ = num(s[6:8], 2)
		return y, m, d, s[digits:], true
	case digits == 4 && len(s) > 4 && (s[4] == '-' || s[4] == '/' || s[4] == '.'):
		sep := s[4]
		y, _ = num(s, 4)
		m, s = num(s[5:], 2)
		if m < 0 || s == "" || s[0] != sep {
			return 0, 0, 0, "", false
		}
		d, s = num(s[1:], 2)
		if d < 0 {
			return 0, 0, 0, "", false
		}
		return y, m, d, s, true
	}
	return 0, 0, 0, "", false
}

// validTime accepts what may follow a date: nothing, or a space or 'T' and a
// time of day made of digits, ':', '.', a zone ('Z', '+08:00').
func validTime(rest string) bool {
	if rest == "" {
		return true
	}
	if len(rest) < 2 || (rest[0] != ' ' && rest[0] != 'T') {
		return false
	}
	for i := 1; i < len(rest); i++ {
		switch c := rest[i]; {
		case c >= '0' && c <= '9', c == ':', c == '.', c == '+', c == '-', c == 'Z', c == ' ':
		default:
			return false
		}
	}
	return true
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days from 1970-01-01 to y-m-d (y >= 0), without
// going through time.Time.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	doy := (153*((m+9)%12)+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
