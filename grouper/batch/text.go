package batch

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/textenc"
)

// columnNamesZH are the Chinese header names (Options.Text.ChineseHeader)
// of every column Run can write: Columns' own, PaymentColumns, and the
// columns this package makes for Options.Columns (NameColumns,
// CostColumns, Versions.Column, Comparison.Columns). The terms are the
// ones bureau analysts read in settlement lists and payment notices;
// where a term alone would be ambiguous (a reason, a weight) the scheme
// is named. TestChineseNamesCoverEveryColumn fails for a column without
// one.
var columnNamesZH = map[string]string{
	"id":           "结算清单号",
	"status":       "入组状态",
	"reason":       "原因",
	"mdc":          "主要诊断大类(MDC)",
	"adrg":         "核心疾病诊断相关组(ADRG)",
	"drg":          "疾病诊断相关分组(DRG)",
	"principal_dx": "主要诊断",
	"tcm_source":   "中医主病(转换来源)",
	"cc_level":     "并发症或合并症(CC)级别",
	"cc_code":      "并发症或合并症(CC)诊断",

	"dip_group":  "DIP病种",
	"dip_kind":   "DIP病种类型",
	"dip_score":  "DIP病种分值",
	"dip_reason": "DIP未入组原因",

	"hospital_id":       "医疗机构编码",
	"pay_scheme":        "支付方式",
	"weight":            "权重",
	"adjusted_weight":   "调整后权重",
	"points":            "点数",
	"settlement_points": "结算点数",
	"outlier":           "费用异常类型(高倍率/低倍率)",
	"payment":           "支付金额",
	"fixed_price":       "定额支付",
	"unpaid":            "未支付原因",
	"adjustments":       "调整明细",

	"rule_set_version": "分组方案版本",
	"drg_name":         "DRG名称",
	"dip_name":         "DIP病种名称",
	"total_cost":       "住院总费用",
	"los_days":         "实际住院天数",
	"hospital_level":   "医疗机构级别",
	"expected":         "对照分组",
	"agree":            "是否一致",
	"trace":            "分组过程",
}

// ChineseColumnName returns the Chinese name that Options.Text.ChineseHeader
// writes in the header for the output column name; false for a column of
// the caller's own (an Options.Columns entry this package did not make),
// which keeps its name.
func ChineseColumnName(name string) (string, bool) {
	zh, ok := columnNamesZH[name]
	return zh, ok
}

// headerNames returns the header row's names for Columns(opts)' names:
// Chinese ones with Options.Text.ChineseHeader, except in JSON lines,
// whose keys are for programs.
func headerNames(opts Options, names []string) []string {
	if !opts.Text.ChineseHeader || opts.Format == record.FormatJSONL {
		return names
	}
	zh := make([]string, len(names))
	for i, n := range names {
		zh[i] = n
		if c, ok := columnNamesZH[n]; ok {
			zh[i] = c
		}
	}
	return zh
}

// start returns what Run writes before the first row: the byte-order mark
// (Options.Text.BOM) and the header row, encoded as the rows are.
func (f *formatter) start() ([]byte, error) {
	var dst []byte
	if f.opts.Text.BOM {
		dst = append(dst, "\ufeff"...)
	}
	dst = f.header(dst)
	if f.enc == "" || isASCII(dst) {
		return dst, nil
	}
	enc, err := textenc.NewEncoder(f.enc)
	if err != nil {
		return nil, err
	}
	out, err := enc.Append(nil, dst)
	if err != nil {
		var ee *textenc.EncodeError
		col := ""
		if errors.As(err, &ee) {
			col = " " + f.head[f.fieldAt(dst, ee.Offset)]
		}
		return nil, fmt.Errorf("%w: header, column%s: %v", record.ErrUnencodable, col, err)
	}
	return out, nil
}

// encodeRow encodes the row of rec that b.out holds from start, when the
// output is not UTF-8 (Options.Text.Encoding). A character the encoding
// lacks is an error naming the record, its line and the column.
func (b *batchBuf) encodeRow(f *formatter, start int, rec *record.Record) error {
	row := b.out[start:]
	if isASCII(row) {
		return nil
	}
	if b.enc == nil || b.enc.Name() != f.enc {
		enc, err := textenc.NewEncoder(f.enc)
		if err != nil {
			return err
		}
		b.enc = enc
	}
	var err error
	b.encoded, err = b.enc.Append(b.encoded[:0], row)
	if err != nil {
		var ee *textenc.EncodeError
		col := ""
		if errors.As(err, &ee) {
			col = " " + f.names[f.fieldAt(row, ee.Offset)]
		}
		return fmt.Errorf("%w: record line %d (id %q), column%s: %v", record.ErrUnencodable, rec.Line, rec.ID, col, err)
	}
	b.out = append(b.out[:start], b.encoded...)
	return nil
}

// fieldAt returns the index of the field of row, a CSV or TSV row the
// formatter wrote, that holds byte off: the separators before it that are
// outside quotes. Only for an error's message.
func (f *formatter) fieldAt(row []byte, off int) int {
	field, quoted := 0, false
	for _, c := range row[:off] {
		switch {
		case c == '"':
			quoted = !quoted // a doubled quote toggles twice
		case c == f.delim && !quoted:
			field++
		}
	}
	return min(field, len(f.names)-1)
}

// isASCII reports whether b is all ASCII, which every encoding writes as
// it is.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
