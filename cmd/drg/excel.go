package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
)

// excelFlags are drg group's flags for outputs that bureau analysts open
// in a Chinese Excel, and for inputs exported under local column names.
// They only fill batch.Options.Text and record.Options.ColumnNames: the
// library does the work.
type excelFlags struct {
	bom         bool   // --excel, or its alias --bom
	outEncoding string // --out-encoding
	header      string // --header
	columns     string // --columns
}

// register adds the flags to fl.
func (x *excelFlags) register(fl interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}) {
	fl.BoolVar(&x.bom, "excel", false, "start the output and rejects files with a UTF-8 byte-order mark (EF BB BF), so that Excel opens them as UTF-8: without it a Chinese Excel reads the system code page (GBK) and shows × as 脳 and Chinese names as mojibake; csv and tsv output only (JSON lines are UTF-8 without a mark)")
	fl.BoolVar(&x.bom, "bom", false, "the same as --excel")
	fl.StringVar(&x.outEncoding, "out-encoding", "utf-8", "text encoding of the output and rejects files: utf-8, gbk or gb18030, for systems that read only GBK. gb18030 carries every character; with gbk a character GBK lacks (a rare ideograph such as 𬌗) stops the run naming the record, never replaced: use gb18030, or utf-8 with --excel, then. csv and tsv output only")
	fl.StringVar(&x.header, "header", "en", "column names of the output and rejects headers: en, or zh for Chinese names people read (结算清单号, 入组状态, 疾病诊断相关分组(DRG), 权重, 支付金额, ...); the values stay as they are; JSON lines keep English keys; drg settle and drg prices calibrate read en headers only")
	registerColumnsFlag(fl, &x.columns)
}

// registerColumnsFlag adds --columns, which group and validate share.
func registerColumnsFlag(fl interface {
	StringVar(*string, string, string, string)
}, path *string) {
	fl.StringVar(path, "columns", "", "column map for an export with its own column names: a CSV or TSV file of lines 'LOCAL NAME,STANDARD NAME' (no header; # comments; '-' as the standard name ignores a column), consulted before the standard names and the settlement list's (医保结算清单) Chinese names, such as 清单流水号, 主要诊断代码, 出院时间 (see grouper/record's package doc)")
}

// apply puts the flags into the run's options, for output format
// opts.Format, refusing values no output of that format can have with the
// flag to blame.
func (x *excelFlags) apply(opts *batch.Options, ropts *record.Options) error {
	switch strings.ToLower(strings.TrimSpace(x.header)) {
	case "", "en":
	case "zh":
		opts.Text.ChineseHeader = true
	default:
		return fmt.Errorf("--header %s: want en or zh", x.header)
	}
	opts.Text.BOM, opts.Text.Encoding = x.bom, x.outEncoding
	if err := (record.TextOptions{Encoding: x.outEncoding}).Check(record.FormatCSV); err != nil {
		return fmt.Errorf("--out-encoding %s: want utf-8, gbk or gb18030", x.outEncoding)
	}
	if err := opts.Text.Check(opts.Format); err != nil {
		switch {
		case x.bom && opts.Format == record.FormatJSONL:
			return errors.New("--excel: JSON lines are UTF-8 without a byte-order mark; the mark is for csv or tsv output, which Excel opens")
		case opts.Format == record.FormatJSONL:
			return fmt.Errorf("--out-encoding %s: JSON lines are UTF-8; the encoding is for csv or tsv output", x.outEncoding)
		case x.bom:
			return fmt.Errorf("--excel with --out-encoding %s: the byte-order mark marks UTF-8 text, and Excel reads %s without one: give one of them", x.outEncoding, x.outEncoding)
		}
		return err
	}
	m, err := readColumnMap(x.columns)
	if err != nil {
		return err
	}
	ropts.ColumnNames = m
	return nil
}

// readColumnMap reads the --columns file at path; nil for "". Errors name
// FILE:LINE.
func readColumnMap(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--columns: %w", err)
	}
	defer f.Close()
	m, err := record.ParseColumnMap(f)
	var ce *record.ColumnMapError
	switch {
	case errors.As(err, &ce):
		return nil, fmt.Errorf("--columns %s:%d: %v", path, ce.Line, ce.Err)
	case err != nil:
		return nil, fmt.Errorf("--columns %s: %w", path, err)
	}
	return m, nil
}
