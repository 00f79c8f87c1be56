package batch

import (
	"math"
	"strconv"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/textenc"
	"github.com/medpay/drg/weights"
)

// formatter renders result rows; it is immutable and shared by the workers.
type formatter struct {
	opts  Options
	names []string // Columns(opts): the JSON keys, and the columns errors name
	head  []string // the header row: names, or their Chinese names
	enc   string   // the output encoding when not UTF-8 (textenc.GBK, textenc.GB18030), else ""
	delim byte
	json  bool
}

func newFormatter(opts Options) *formatter {
	f := &formatter{opts: opts, delim: ','}
	switch opts.Format {
	case record.FormatTSV:
		f.delim = '\t'
	case record.FormatJSONL:
		f.json = true
	}
	f.names = Columns(opts)
	f.head = headerNames(opts, f.names)
	// Run refuses an unknown encoding (Options.Text.Check) before
	// anything is formatted.
	if enc, err := textenc.ParseEncoding(opts.Text.Encoding); err == nil && enc != textenc.UTF8 {
		f.enc = enc
	}
	return f
}

// PaymentColumns are the columns added with Options.Payment: the hospital,
// the scheme paid under, the group's weight (RW or score), the weight after
// policy adjustments, points, settlement points (what year-end settlement
// shares the budget by), the outlier class, the amount in yuan, whether it is
// a fixed price, why an unpaid record is unpaid, and every adjustment applied
// with its factor and policy source.
var PaymentColumns = []string{"hospital_id", "pay_scheme", "weight", "adjusted_weight", "points", "settlement_points",
	"outlier", "payment", "fixed_price", "unpaid", "adjustments"}

// Columns returns the output column names for opts, in order.
func Columns(opts Options) []string {
	names := []string{"id"}
	if opts.Scheme == 0 || opts.Scheme&grouper.SchemeDRG != 0 {
		names = append(names, "status", "reason", "mdc", "adrg", "drg")
	}
	names = append(names, "principal_dx", "tcm_source", "cc_level", "cc_code")
	if opts.Scheme&grouper.SchemeDIP != 0 {
		names = append(names, "dip_group", "dip_kind", "dip_score", "dip_reason")
	}
	if opts.Payment != nil {
		names = append(names, PaymentColumns...)
	}
	for _, c := range opts.Columns {
		names = append(names, c.Name)
	}
	if opts.Explain {
		names = append(names, "trace")
	}
	return names
}

func (f *formatter) header(dst []byte) []byte {
	if f.json {
		return dst
	}
	for i, n := range f.head {
		if i > 0 {
			dst = append(dst, f.delim)
		}
		dst = record.AppendCSVField(dst, n, f.delim)
	}
	return append(dst, '\n')
}

// row appends one output row for rec and res.
func (f *formatter) row(dst []byte, rec *record.Record, res *grouper.Result, pay *weights.Payment) []byte {
	if !f.json {
		return f.delimitedRow(dst, rec, res, pay)
	}
	i := 0
	field := func(s string) {
		dst = f.sep(dst, i)
		dst = f.value(dst, s)
		i++
	}
	if f.json {
		dst = append(dst, '{')
	}
	field(rec.ID)
	drg := f.opts.Scheme == 0 || f.opts.Scheme&grouper.SchemeDRG != 0
	if drg {
		field(res.Status.String())
		field(res.Reason)
		field(res.MDC)
		field(res.ADRG)
		field(res.DRG)
	}
	field(res.PrincipalDx)
	field(res.TCMSource)
	field(res.CCLevel.String())
	field(res.CCCode)
	if f.opts.Scheme&grouper.SchemeDIP != 0 {
		field(res.DIP.Group)
		if res.DIP.Group == "" {
			field("")
			field("")
		} else {
			field(res.DIP.Kind.String())
			dst = f.sep(dst, i)
			dst = strconv.AppendFloat(dst, res.DIP.Score, 'f', -1, 64)
			i++
		}
		field(res.DIP.Reason)
	}
	if pay != nil {
		field(rec.HospitalID)
		field(pay.Scheme.String())
		num := func(v float64, prec int) {
			dst = f.sep(dst, i)
			if f.json {
				dst = append(dst, '"')
			}
			dst = appendFixed(dst, v, prec)
			if f.json {
				dst = append(dst, '"')
			}
			i++
		}
		num(pay.BaseWeight, 4)
		num(pay.AdjustedWeight, 4)
		num(pay.Points, 4)
		num(pay.SettlementPoints, 6)
		field(pay.Outlier.String())
		num(pay.Amount, 2)
		if pay.FixedPrice {
			field("1")
		} else {
			field("0")
		}
		field(pay.Reason)
		dst = f.sep(dst, i)
		start := len(dst)
		if f.json {
			dst = append(dst, '"')
			start++
		}
		dst = pay.AppendAdjustments(dst)
		dst = f.escapeTail(dst, start)
		if f.json {
			dst = append(dst, '"')
		}
		i++
	}
	for _, c := range f.opts.Columns {
		dst = f.sep(dst, i)
		start := len(dst)
		if f.json {
			dst = append(dst, '"')
			start++
		}
		dst = c.Append(dst, rec, res)
		dst = f.escapeTail(dst, start)
		if f.json {
			dst = append(dst, '"')
		}
		i++
	}
	if f.opts.Explain && res.Trace != nil {
		field(res.Trace.Compact())
	}
	if f.json {
		dst = append(dst, '}')
	}
	return append(dst, '\n')
}

// delimitedRow is row for CSV and TSV, the formats of nightly runs: the same
// fields in the same order, written without row's per-field JSON branches
// and closures (formatting was a tenth of a run's CPU). Names of enumerated
// values (status, CC level, scheme, outlier) never need quoting; everything
// else, rule-set codes included, goes through the quote test.
func (f *formatter) delimitedRow(dst []byte, rec *record.Record, res *grouper.Result, pay *weights.Payment) []byte {
	d := f.delim
	dst = record.AppendCSVField(dst, rec.ID, d)
	if f.opts.Scheme == 0 || f.opts.Scheme&grouper.SchemeDRG != 0 {
		dst = append(dst, d)
		dst = append(dst, res.Status.String()...)
		dst = append(dst, d)
		dst = record.AppendCSVField(dst, res.Reason, d)
		dst = append(dst, d)
		dst = record.AppendCSVField(dst, res.MDC, d)
		dst = append(dst, d)
		dst = record.AppendCSVField(dst, res.ADRG, d)
		dst = append(dst, d)
		dst = record.AppendCSVField(dst, res.DRG, d)
	}
	dst = append(dst, d)
	dst = record.AppendCSVField(dst, res.PrincipalDx, d)
	dst = append(dst, d)
	dst = record.AppendCSVField(dst, res.TCMSource, d)
	dst = append(dst, d)
	dst = append(dst, res.CCLevel.String()...)
	dst = append(dst, d)
	dst = record.AppendCSVField(dst, res.CCCode, d)
	if f.opts.Scheme&grouper.SchemeDIP != 0 {
		dst = append(dst, d)
		dst = record.AppendCSVField(dst, res.DIP.Group, d)
		dst = append(dst, d)
		if res.DIP.Group != "" {
			dst = append(dst, res.DIP.Kind.String()...)
		}
		dst = append(dst, d)
		if res.DIP.Group != "" {
			dst = strconv.AppendFloat(dst, res.DIP.Score, 'f', -1, 64)
		}
		dst = append(dst, d)
		dst = record.AppendCSVField(dst, res.DIP.Reason, d)
	}
	if pay != nil {
		dst = append(dst, d)
		dst = record.AppendCSVField(dst, rec.HospitalID, d)
		dst = append(dst, d)
		dst = append(dst, pay.Scheme.String()...)
		dst = append(dst, d)
		dst = appendFixed(dst, pay.BaseWeight, 4)
		dst = append(dst, d)
		dst = appendFixed(dst, pay.AdjustedWeight, 4)
		dst = append(dst, d)
		dst = appendFixed(dst, pay.Points, 4)
		dst = append(dst, d)
		dst = appendFixed(dst, pay.SettlementPoints, 6)
		dst = append(dst, d)
		dst = append(dst, pay.Outlier.String()...)
		dst = append(dst, d)
		dst = appendFixed(dst, pay.Amount, 2)
		if pay.FixedPrice {
			dst = append(dst, d, '1', d)
		} else {
			dst = append(dst, d, '0', d)
		}
		dst = record.AppendCSVField(dst, pay.Reason, d)
		dst = append(dst, d)
		start := len(dst)
		dst = pay.AppendAdjustments(dst)
		dst = f.escapeTail(dst, start)
	}
	for _, c := range f.opts.Columns {
		dst = append(dst, d)
		start := len(dst)
		dst = c.Append(dst, rec, res)
		dst = f.escapeTail(dst, start)
	}
	if f.opts.Explain {
		dst = append(dst, d)
		if res.Trace != nil {
			dst = record.AppendCSVField(dst, res.Trace.Compact(), d)
		}
	}
	return append(dst, '\n')
}

func (f *formatter) sep(dst []byte, i int) []byte {
	if f.json {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendQuote(dst, f.names[i])
		return append(dst, ':')
	}
	if i > 0 {
		dst = append(dst, f.delim)
	}
	return dst
}

func (f *formatter) value(dst []byte, s string) []byte {
	if f.json {
		return record.AppendJSONString(dst, s)
	}
	return record.AppendCSVField(dst, s, f.delim)
}

// appendFixed appends v with prec decimals. Money and weights are far below
// 2^53 at these precisions, so integer formatting of the scaled value is exact
// and much cheaper than strconv's general float path; anything else falls
// back to strconv.
func appendFixed(dst []byte, v float64, prec int) []byte {
	pow := [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6}[prec]
	x := v * float64(pow)
	if !(math.Abs(x) < 1<<53) { // NaN fails too
		return strconv.AppendFloat(dst, v, 'f', prec, 64)
	}
	n := int64(math.Round(x))
	neg := n < 0
	if neg {
		n = -n
	}
	// Digits from the right, two at a time, the point after prec of them:
	// five numbers a row made this the formatter's largest cost.
	var buf [24]byte
	i := len(buf)
	for k := prec; k > 0; {
		if k >= 2 {
			q := n / 100
			r := 2 * (n - 100*q)
			i -= 2
			buf[i], buf[i+1] = digitPairs[r], digitPairs[r+1]
			n, k = q, k-2
			continue
		}
		i--
		buf[i] = byte('0' + n%10)
		n, k = n/10, k-1
	}
	if prec > 0 {
		i--
		buf[i] = '.'
	}
	for n >= 100 {
		q := n / 100
		r := 2 * (n - 100*q)
		i -= 2
		buf[i], buf[i+1] = digitPairs[r], digitPairs[r+1]
		n = q
	}
	if n >= 10 {
		i -= 2
		buf[i], buf[i+1] = digitPairs[2*n], digitPairs[2*n+1]
	} else {
		i--
		buf[i] = byte('0' + n)
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return append(dst, buf[i:]...)
}

// digitPairs holds "00" to "99".
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// escapeTail quotes dst[start:] in place when the value needs it. It
// allocates only when the value needs escaping, which is rare.
func (f *formatter) escapeTail(dst []byte, start int) []byte {
	tail := dst[start:]
	if f.json {
		clean := true
		for _, c := range tail {
			if c == '"' || c == '\\' || c < 0x20 {
				clean = false
				break
			}
		}
		if clean {
			return dst
		}
		q := record.AppendJSONString(nil, string(tail))
		return append(dst[:start], q[1:len(q)-1]...)
	}
	if !record.NeedsCSVQuote(tail, f.delim) {
		return dst
	}
	return record.AppendCSVField(dst[:start], string(tail), f.delim)
}
