package service

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/weights"
)

// The group route writes its answers with these appenders rather than by
// reflection, which was a third of a batch request's time: the bytes are
// those encoding/json writes for Result (held to it by TestAppendMatchesJSON
// and FuzzAppendString), one buffer per request, no allocation per record.

// errNotFinite is the appenders' error for a NaN or infinite number, which
// JSON cannot hold (encoding/json refuses them too).
var errNotFinite = errors.New("service: a NaN or infinite number in an answer")

// answer is one record's grouping and payment, as the group route keeps it
// until it is written.
type answer struct {
	id     string
	res    grouper.Result
	pay    weights.Payment
	priced bool
	names  map[string]string
}

// result is the answer as the exported Result, which encoding/json writes
// to the same bytes as appendAnswer.
func (a *answer) result(rules string) Result {
	r := Result{ID: a.id, Rules: rules, Result: a.res, Names: a.names}
	if a.priced {
		v := a.pay.View()
		r.Payment = &v
	}
	return r
}

// appendAnswer appends a as Result's JSON, without a line end.
func appendAnswer(dst []byte, a *answer, rules string) ([]byte, error) {
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, a.id)
	dst = append(dst, `,"rules":`...)
	dst = appendString(dst, rules)
	dst = append(dst, `,"result":`...)
	dst, err := appendResult(dst, &a.res)
	if err != nil {
		return dst, err
	}
	if a.priced {
		dst = append(dst, `,"payment":`...)
		if dst, err = appendPayment(dst, &a.pay); err != nil {
			return dst, err
		}
	}
	if len(a.names) > 0 {
		dst = append(dst, `,"names":{`...)
		keys := make([]string, 0, len(a.names))
		for k := range a.names {
			keys = append(keys, k)
		}
		slices.Sort(keys) // encoding/json sorts map keys
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendString(dst, a.names[k])
		}
		dst = append(dst, '}')
	}
	return append(dst, '}'), nil
}

// appendResult appends a grouper.Result without a trace.
func appendResult(dst []byte, r *grouper.Result) ([]byte, error) {
	status := ""
	if r.Status != 0 {
		status = r.Status.String()
	}
	dst = append(dst, `{"status":`...)
	dst = appendString(dst, status)
	dst = append(dst, `,"unknown_codes":`...)
	dst = strconv.AppendUint(dst, uint64(r.UnknownCodes), 10)
	if r.Reason != "" {
		dst = append(dst, `,"reason":`...)
		dst = appendString(dst, r.Reason)
	}
	dst = appendField(dst, "mdc", r.MDC)
	dst = appendField(dst, "adrg", r.ADRG)
	dst = appendField(dst, "drg", r.DRG)
	dst = appendField(dst, "principal_dx", r.PrincipalDx)
	if r.TCMSource != "" {
		dst = appendField(dst, "tcm_source", r.TCMSource)
	}
	if r.TCMLine != 0 {
		dst = append(dst, `,"tcm_line":`...)
		dst = strconv.AppendInt(dst, int64(r.TCMLine), 10)
	}
	dst = appendField(dst, "cc_level", r.CCLevel.String())
	if r.CCCode != "" {
		dst = appendField(dst, "cc_code", r.CCCode)
	}
	d := &r.DIP
	dst = append(dst, `,"dip":{"group":`...)
	dst = appendString(dst, d.Group)
	dst = appendField(dst, "kind", d.Kind.String())
	dst = append(dst, `,"score":`...)
	dst, err := appendFloat(dst, d.Score)
	if err != nil {
		return dst, err
	}
	class := ""
	if d.Class != 0 {
		class = d.Class.String()
	}
	dst = appendField(dst, "class", class)
	dst = appendField(dst, "severity", d.Severity.String())
	if d.Reason != "" {
		dst = appendField(dst, "reason", d.Reason)
	}
	return append(dst, "}}"...), nil
}

// appendPayment appends a payment as its weights.PaymentView.
func appendPayment(dst []byte, p *weights.Payment) ([]byte, error) {
	dst = append(dst, `{"scheme":`...)
	dst = appendString(dst, p.Scheme.String())
	dst = appendField(dst, "group", p.Group)
	dst = appendField(dst, "paid_as", p.PaidAs)
	dst = append(dst, `,"level":`...)
	dst = strconv.AppendInt(dst, int64(p.Level), 10)
	var err error
	for _, f := range [...]struct {
		name string
		v    float64
	}{{"base_weight", p.BaseWeight}, {"adjusted_weight", p.AdjustedWeight}, {"points", p.Points},
		{"settlement_points", p.SettlementPoints}, {"rate", p.Rate}, {"level_coefficient", p.LevelCoefficient},
		{"kind_coefficient", p.KindCoefficient}, {"standard_cost", p.StandardCost}} {
		dst = append(dst, ',', '"')
		dst = append(dst, f.name...)
		dst = append(dst, '"', ':')
		if dst, err = appendFloat(dst, f.v); err != nil {
			return dst, err
		}
	}
	dst = appendField(dst, "outlier", p.Outlier.String())
	dst = append(dst, `,"group_amount":`...)
	if dst, err = appendFloat(dst, p.GroupAmount); err != nil {
		return dst, err
	}
	dst = append(dst, `,"amount":`...)
	if dst, err = appendFloat(dst, p.Amount); err != nil {
		return dst, err
	}
	dst = append(dst, `,"fixed_price":`...)
	dst = strconv.AppendBool(dst, p.FixedPrice)
	if p.Reason != "" {
		dst = appendField(dst, "unpaid", p.Reason)
	}
	dst = append(dst, `,"adjustments":[`...)
	for i, a := range p.Applied() {
		if i > 0 {
			dst = append(dst, ',')
		}
		op, _ := a.Op.MarshalText()
		dst = append(dst, `{"name":`...)
		dst = appendString(dst, a.Name)
		dst = append(dst, `,"op":`...)
		dst = appendString(dst, string(op))
		if a.Factor != 0 {
			dst = append(dst, `,"factor":`...)
			if dst, err = appendFloat(dst, a.Factor); err != nil {
				return dst, err
			}
		}
		if a.Amount != 0 {
			dst = append(dst, `,"amount":`...)
			if dst, err = appendFloat(dst, a.Amount); err != nil {
				return dst, err
			}
		}
		if a.Group != "" {
			dst = appendField(dst, "group", a.Group)
		}
		dst = appendField(dst, "source", a.Source)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...), nil
}

// appendField appends ,"name":"value".
func appendField(dst []byte, name, value string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return appendString(dst, value)
}

// appendFloat appends f as encoding/json does: the shortest decimal that
// reads back as f, in exponent form below 1e-6 and from 1e21.
func appendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, errNotFinite
	}
	// Yuan, weights and points mostly have at most two decimals: written
	// from the integer number of hundredths, the text is the shortest one,
	// as strconv would find it, when f is the double nearest to that
	// decimal (c/100 == f) and small enough that no other decimal of two
	// places is as near.
	if c := math.Round(f * 100); c/100 == f && math.Abs(c) < 1e15 && !(c == 0 && math.Signbit(f)) {
		n := int64(c)
		if n < 0 {
			dst = append(dst, '-')
			n = -n
		}
		dst = strconv.AppendInt(dst, n/100, 10)
		switch frac := n % 100; {
		case frac == 0:
		case frac%10 == 0:
			dst = append(dst, '.', byte('0'+frac/10))
		default:
			dst = append(dst, '.', byte('0'+frac/10), byte('0'+frac%10))
		}
		return dst, nil
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json writes it.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// appendString appends s as a JSON string the way encoding/json's encoder
// does by default: <, > and & escaped for HTML, control characters as
// \n-style or \u00XX escapes, invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 escaped.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
