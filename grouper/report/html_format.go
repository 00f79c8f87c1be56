package report

import (
	"math"
	"strconv"
	"strings"
)

// The page's number formats: thousands separators everywhere (an analyst
// reads 1,234,567 at a glance and 1234567 not), yuan to the cent, shares
// to a tenth of a percent, weights and CMI to four decimals as price lists
// publish them. A value that is not a number (NaN, ±Inf: a summary edited
// by hand) shows as a dash rather than as Go's spelling of it.

const noValue = "—"

// fmtInt formats n with thousands separators: 1234567 → "1,234,567".
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	s = group3(s)
	if neg {
		return "-" + s
	}
	return s
}

// fmtFloat formats v with prec decimals and thousands separators.
func fmtFloat(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return noValue
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', prec, 64)
	whole, frac, _ := strings.Cut(s, ".")
	s = group3(whole)
	if frac != "" {
		s += "." + frac
	}
	// A negative value that rounds to zero is shown as zero, not "-0.00".
	if v < 0 && strings.Trim(s, "0.,") != "" {
		return "-" + s
	}
	return s
}

// fmtYuan formats an amount of yuan to the cent: "1,234,567.89".
func fmtYuan(v float64) string { return fmtFloat(v, 2) }

// fmtSignedYuan formats a change in yuan with its sign: "+1,234.50".
func fmtSignedYuan(v float64) string { return signed(v, fmtYuan(v)) }

// fmtWeight formats a weight, CMI or score to four decimals.
func fmtWeight(v float64) string { return fmtFloat(v, 4) }

// fmtPct formats the share n/d as a percentage with one decimal, a dash
// when d is 0 (no records to take a share of).
func fmtPct(n, d int64) string {
	if d == 0 {
		return noValue
	}
	return fmtRatio(float64(n) / float64(d))
}

// fmtRatio formats a fraction as a percentage with one decimal: 0.1234 →
// "12.3%".
func fmtRatio(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return noValue
	}
	return fmtFloat(f*100, 1) + "%"
}

// signed puts a "+" before a positive formatted value, so that a change
// reads as one.
func signed(v float64, s string) string {
	if v > 0 && s != noValue && strings.Trim(s, "0.,") != "" {
		return "+" + s
	}
	return s
}

// group3 puts a comma between every three digits of an unsigned integer.
func group3(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	b.Grow(len(digits) + len(digits)/3)
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(digits[:first])
	for i := first; i < len(digits); i += 3 {
		b.WriteByte(',')
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// rawNum is a number as a sortable table cell's data-sort and a chart
// bar's data-value hold it: the shortest exact decimal, "" for a value
// that is not a number (the script sorts those last).
func rawNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// rawInt is rawNum for counts.
func rawInt(n int64) string { return strconv.FormatInt(n, 10) }
