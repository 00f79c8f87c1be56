package record

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/medpay/drg/internal/compressio"
	"github.com/medpay/drg/internal/textenc"
)

// Writer writes records as CSV, TSV or JSONL that a Reader reads back to
// the same records.
//
// CSV and TSV start with a header of the standard columns (StandardColumns)
// followed by ExtraColumns; a blank cell is a value the record does not have
// (its Present bit unset and the value zero). JSONL objects carry the same
// keys, omit blank values, write lists as arrays and numbers as numbers.
//
// Output is buffered: call Flush, or Close for a Writer from Create. A
// Writer is not safe for concurrent use.
type Writer struct {
	// ExtraColumns names the columns written after the standard ones, filled
	// from Record.Extra in order (missing values blank, surplus ones dropped).
	// Set it before the first Write.
	ExtraColumns []string

	format  Format
	delim   byte
	w       *bufio.Writer
	closers []io.Closer
	buf     []byte
	started bool
	err     error
}

// NewWriter returns a Writer of format f to w; FormatAuto means CSV.
func NewWriter(w io.Writer, f Format) *Writer {
	if f == FormatAuto {
		f = FormatCSV
	}
	delim := byte(',')
	if f == FormatTSV {
		delim = '\t'
	}
	return &Writer{format: f, delim: delim, w: bufio.NewWriterSize(w, 64<<10)}
}

// Create returns a Writer to the named file, or to standard output for "-".
// A `.zst` suffix compresses the output with zstd; FormatAuto takes the
// format from the extension before it, defaulting to CSV. Close must be
// called to complete the file.
func Create(path string, f Format) (*Writer, error) {
	if f == FormatAuto {
		f = FormatOf(path)
	}
	var (
		dst     io.Writer = os.Stdout
		closers []io.Closer
	)
	if path != "-" {
		file, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("record: %w", err)
		}
		dst, closers = file, []io.Closer{file}
		if isZstdPath(path) {
			zw, err := compressio.NewZstdWriter(file)
			if err != nil {
				file.Close()
				return nil, fmt.Errorf("record: %s: %w", path, err)
			}
			dst, closers = zw, []io.Closer{zw, file}
		}
	}
	wr := NewWriter(dst, f)
	wr.closers = closers
	return wr, nil
}

// Write writes one record. Errors of the underlying writer are returned by
// this or a later Write, Flush or Close.
func (w *Writer) Write(rec *Record) error {
	if w.err != nil {
		return w.err
	}
	if err := w.start(); err != nil {
		return err
	}
	var err error
	if w.format == FormatJSONL {
		w.buf, err = w.appendJSON(w.buf[:0], rec)
	} else {
		w.buf, err = w.appendCSV(w.buf[:0], rec)
	}
	if err != nil {
		return fmt.Errorf("record: write %q: %w", rec.ID, err)
	}
	if _, err := w.w.Write(w.buf); err != nil {
		w.err = fmt.Errorf("record: write: %w", err)
	}
	return w.err
}

// Flush writes buffered output (and the header, if nothing was written yet)
// to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.start(); err != nil {
		return err
	}
	if err := w.w.Flush(); err != nil {
		w.err = fmt.Errorf("record: write: %w", err)
	}
	return w.err
}

// Close flushes, then ends the zstd stream and closes the file of a Writer
// from Create. It does not close standard output or a writer passed to
// NewWriter.
func (w *Writer) Close() error {
	errs := []error{w.Flush()}
	for _, c := range w.closers {
		errs = append(errs, c.Close())
	}
	w.closers = nil
	if w.err == nil {
		w.err = errors.New("record: write after Close")
	}
	return errors.Join(errs...)
}

// start writes the CSV or TSV header once.
func (w *Writer) start() error {
	if w.started {
		return nil
	}
	w.started = true
	if w.format == FormatJSONL {
		return nil
	}
	b := w.buf[:0]
	for c := range numColumns {
		if c > 0 {
			b = append(b, w.delim)
		}
		b = append(b, c.String()...)
	}
	for _, name := range w.ExtraColumns {
		b = append(b, w.delim)
		b = AppendCSVField(b, name, w.delim)
	}
	b = append(b, '\n')
	w.buf = b
	if _, err := w.w.Write(b); err != nil {
		w.err = fmt.Errorf("record: write: %w", err)
	}
	return w.err
}

// errNonFinite rejects NaN and infinite amounts, which no reader accepts.
var errNonFinite = errors.New("not a finite number")

func (w *Writer) appendCSV(b []byte, rec *Record) ([]byte, error) {
	d := w.delim
	b = AppendCSVField(b, rec.ID, d)
	b = append(b, d)
	b = AppendCSVField(b, rec.HospitalID, d)
	b = append(b, d)
	b = appendInt(b, int64(rec.HospitalLevel), rec.Present&HasHospitalLevel != 0)
	b = append(b, d)
	b = AppendCSVField(b, rec.HospitalKind, d)
	b = append(b, d)
	b = appendInt(b, int64(rec.Sex), rec.Present&HasSex != 0)
	b = append(b, d)
	b = appendInt(b, int64(rec.AgeYears), rec.Present&HasAgeYears != 0)
	b = append(b, d)
	b = appendInt(b, int64(rec.AgeDays), rec.Present&HasAgeDays != 0)
	b = append(b, d)
	b = appendInt(b, int64(rec.BirthWeightG), rec.Present&HasBirthWeight != 0)
	b = append(b, d)
	b = appendDate(b, rec.AdmitDate)
	b = append(b, d)
	b = appendDate(b, rec.DischargeDate)
	b = append(b, d)
	b = appendInt(b, int64(rec.LOSDays), rec.Present&HasLOS != 0)
	b = append(b, d)
	b = appendInt(b, int64(rec.DischargeMethod), rec.Present&HasDischargeMethod != 0)
	b = append(b, d)
	b = AppendCSVField(b, rec.PrincipalDx, d)
	b = append(b, d)
	b = appendList(b, rec.SecondaryDx, d)
	b = append(b, d)
	b = AppendCSVField(b, rec.TCMPrincipalDx, d)
	b = append(b, d)
	b = AppendCSVField(b, rec.TCMSyndrome, d)
	b = append(b, d)
	b = appendList(b, rec.Procedures, d)
	var err error
	for _, a := range [...]struct {
		v    float64
		have bool
	}{
		{rec.VentHours, rec.Present&HasVentHours != 0},
		{rec.TotalCost, rec.Present&HasTotalCost != 0},
		{rec.TCMCost, rec.Present&HasTCMCost != 0},
	} {
		b = append(b, d)
		if b, err = appendAmount(b, a.v, a.have); err != nil {
			return b, err
		}
	}
	b = append(b, d)
	if rec.DayWard {
		b = append(b, '1')
	} else {
		b = append(b, '0')
	}
	for i := range w.ExtraColumns {
		b = append(b, d)
		if i < len(rec.Extra) {
			b = AppendCSVField(b, rec.Extra[i], d)
		}
	}
	return append(b, '\n'), nil
}

// AppendCSVField appends s as one CSV (or, with delim '\t', TSV) field,
// quoted when it holds the separator, a quote or a line break. Other
// packages that write record-like text use it so that quoting is the same
// everywhere.
func AppendCSVField(b []byte, s string, delim byte) []byte {
	if !NeedsCSVQuote(s, delim) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// NeedsCSVQuote reports whether a CSV or TSV field s must be quoted: it holds
// the separator, a quote or a line break. Output fields are short, so one
// pass with a cheap pre-test beats four IndexByte calls.
func NeedsCSVQuote[T string | []byte](s T, delim byte) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= '"' || c == delim {
			if c == '"' || c == '\n' || c == '\r' || c == delim {
				return true
			}
		}
	}
	return false
}

func appendList(b []byte, items []string, delim byte) []byte {
	quote := false
	for _, it := range items {
		quote = quote || NeedsCSVQuote(it, delim)
	}
	if quote {
		return AppendCSVField(b, strings.Join(items, string(ListSeparator)), delim)
	}
	for i, it := range items {
		if i > 0 {
			b = append(b, ListSeparator)
		}
		b = append(b, it...)
	}
	return b
}

// appendInt appends v, or nothing for a blank value.
func appendInt(b []byte, v int64, have bool) []byte {
	if !have && v == 0 {
		return b
	}
	return strconv.AppendInt(b, v, 10)
}

func appendDate(b []byte, d Date) []byte {
	if d.IsZero() {
		return b
	}
	return d.Time().AppendFormat(b, "2006-01-02")
}

// appendAmount appends v in the shortest form that reads back exactly.
func appendAmount(b []byte, v float64, have bool) ([]byte, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return b, errNonFinite
	}
	if !have && v == 0 {
		return b, nil
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64), nil
}

func (w *Writer) appendJSON(b []byte, rec *Record) ([]byte, error) {
	b = append(b, '{')
	key := func(c column) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, c.String())
		b = append(b, ':')
	}
	str := func(c column, s string) {
		if s != "" {
			key(c)
			b = AppendJSONString(b, s)
		}
	}
	num := func(c column, v int64, have bool) {
		if have || v != 0 {
			key(c)
			b = strconv.AppendInt(b, v, 10)
		}
	}
	list := func(c column, items []string) {
		if len(items) == 0 {
			return
		}
		key(c)
		b = append(b, '[')
		for i, it := range items {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, it)
		}
		b = append(b, ']')
	}
	str(colID, rec.ID)
	str(colHospitalID, rec.HospitalID)
	num(colHospitalLevel, int64(rec.HospitalLevel), rec.Present&HasHospitalLevel != 0)
	str(colHospitalKind, rec.HospitalKind)
	num(colSex, int64(rec.Sex), rec.Present&HasSex != 0)
	num(colAgeYears, int64(rec.AgeYears), rec.Present&HasAgeYears != 0)
	num(colAgeDays, int64(rec.AgeDays), rec.Present&HasAgeDays != 0)
	num(colBirthWeight, int64(rec.BirthWeightG), rec.Present&HasBirthWeight != 0)
	str(colAdmitDate, rec.AdmitDate.String())
	str(colDischargeDate, rec.DischargeDate.String())
	num(colLOS, int64(rec.LOSDays), rec.Present&HasLOS != 0)
	num(colDischargeMethod, int64(rec.DischargeMethod), rec.Present&HasDischargeMethod != 0)
	str(colPrincipalDx, rec.PrincipalDx)
	list(colSecondaryDx, rec.SecondaryDx)
	str(colTCMPrincipalDx, rec.TCMPrincipalDx)
	str(colTCMSyndrome, rec.TCMSyndrome)
	list(colProcedures, rec.Procedures)
	for _, a := range [...]struct {
		c    column
		v    float64
		have bool
	}{
		{colVentHours, rec.VentHours, rec.Present&HasVentHours != 0},
		{colTotalCost, rec.TotalCost, rec.Present&HasTotalCost != 0},
		{colTCMCost, rec.TCMCost, rec.Present&HasTCMCost != 0},
	} {
		if math.IsNaN(a.v) || math.IsInf(a.v, 0) {
			return b, errNonFinite
		}
		if a.have || a.v != 0 {
			key(a.c)
			b = strconv.AppendFloat(b, a.v, 'f', -1, 64)
		}
	}
	if rec.DayWard {
		key(colDayWard)
		b = append(b, "true"...)
	}
	for i, name := range w.ExtraColumns {
		if i < len(rec.Extra) && rec.Extra[i] != "" {
			b = append(b, ',')
			b = AppendJSONString(b, name)
			b = append(b, ':')
			b = AppendJSONString(b, rec.Extra[i])
		}
	}
	return append(b, '}', '\n'), nil
}

// AppendJSONString appends s as a JSON string, non-ASCII text kept as is.
// Invalid UTF-8 becomes U+FFFD.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// RejectWriter writes rejected records as CSV with the header
// `line,id,field,reason,message,original`: where the record was, its id,
// the failing field, Error.Reason, the cause in words, and the original
// text. After SetFile, a first column `file` names the input of each
// reject. NewRejectWriterText writes the file for people (a byte-order
// mark, GBK, a Chinese header: RejectHeader). A RejectWriter is not safe
// for concurrent use.
type RejectWriter struct {
	w        *csv.Writer
	text     TextOptions
	out      io.Writer // the destination, with a BOM or an encoding
	enc      *textenc.Encoder
	plain    bytes.Buffer  // with enc: the current row, as UTF-8
	encoded  []byte        // with enc: the current row, encoded
	buf      *bufio.Writer // with enc: out, buffered
	started  bool
	withFile bool
	file     string
	row      []string
}

// SetFile names the input the next rejects come from, for writers that
// collect the rejects of several inputs: the first call, before any Write,
// adds the file column. Naming a file once rejects were written without
// the column is an error.
func (rw *RejectWriter) SetFile(name string) error {
	if rw.started && !rw.withFile {
		return errors.New("record: rejects: SetFile after rejects were written without a file column")
	}
	rw.withFile, rw.file = true, name
	return nil
}

// NewRejectWriter returns a RejectWriter to w, for programs: UTF-8 and
// English column names.
func NewRejectWriter(w io.Writer) *RejectWriter { return &RejectWriter{w: csv.NewWriter(w), out: w} }

// NewRejectWriterText returns a RejectWriter to w that writes as t says
// (TextOptions: a byte-order mark, GBK or GB18030, a Chinese header). It
// fails when t.Check refuses t for CSV. With GBK, a reject whose text has
// a character GBK lacks fails its Write, wrapping ErrUnencodable and
// naming the reject's line and id.
func NewRejectWriterText(w io.Writer, t TextOptions) (*RejectWriter, error) {
	if err := t.Check(FormatCSV); err != nil {
		return nil, err
	}
	enc, err := textenc.NewEncoder(t.Encoding)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	rw := &RejectWriter{text: t, out: w, enc: enc}
	if enc == nil {
		rw.w = csv.NewWriter(w)
		return rw, nil
	}
	// Each row is written as UTF-8, then encoded on its own, so that a
	// character the encoding lacks is blamed on its reject.
	rw.buf = bufio.NewWriter(w)
	rw.w = csv.NewWriter(&rw.plain)
	return rw, nil
}

// rejectHeader is the RejectWriter's header row.
var rejectHeader = []string{"line", "id", "field", "reason", "message", "original"}

// rejectHeaderZH is rejectHeader in Chinese, for TextOptions.ChineseHeader;
// fileHeaderZH names the file column.
var (
	rejectHeaderZH = []string{"行号", "结算清单号", "字段", "原因", "说明", "原始记录"}
	fileHeaderZH   = "文件"
)

// RejectHeader returns the header row a RejectWriter writes: with the
// file column when withFile (SetFile), in Chinese when chinese
// (TextOptions.ChineseHeader). The slice is the caller's.
func RejectHeader(withFile, chinese bool) []string {
	h, file := rejectHeader, "file"
	if chinese {
		h, file = rejectHeaderZH, fileHeaderZH
	}
	if withFile {
		return append([]string{file}, h...)
	}
	return append([]string(nil), h...)
}

// Write writes one rejected record.
func (rw *RejectWriter) Write(e *Error) error {
	if err := rw.start(); err != nil {
		return err
	}
	msg := ""
	if e.Err != nil {
		msg = e.Err.Error()
	}
	rw.row = rw.row[:0]
	if rw.withFile {
		rw.row = append(rw.row, rw.file)
	}
	rw.row = append(rw.row, strconv.Itoa(e.Line), e.ID, e.Field, e.Reason(), msg, e.Raw)
	if err := rw.writeRow(rw.row); err != nil {
		if errors.Is(err, ErrUnencodable) {
			return fmt.Errorf("record: write rejects: the reject of line %d (id %q): %w", e.Line, e.ID, err)
		}
		return fmt.Errorf("record: write rejects: %w", err)
	}
	return nil
}

// writeRow writes one CSV row, encoded when the writer encodes.
func (rw *RejectWriter) writeRow(row []string) error {
	if err := rw.w.Write(row); err != nil {
		return err
	}
	if rw.enc == nil {
		return nil
	}
	rw.w.Flush()
	if err := rw.w.Error(); err != nil {
		return err
	}
	var err error
	rw.encoded, err = rw.enc.Append(rw.encoded[:0], rw.plain.Bytes())
	rw.plain.Reset()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnencodable, err)
	}
	_, err = rw.buf.Write(rw.encoded)
	return err
}

// Flush writes buffered rejects (and the header, if nothing was written) to
// the underlying writer.
func (rw *RejectWriter) Flush() error {
	if err := rw.start(); err != nil {
		return err
	}
	rw.w.Flush()
	err := rw.w.Error()
	if err == nil && rw.buf != nil {
		err = rw.buf.Flush()
	}
	if err != nil {
		return fmt.Errorf("record: write rejects: %w", err)
	}
	return nil
}

// start writes the byte-order mark and the header once.
func (rw *RejectWriter) start() error {
	if rw.started {
		return nil
	}
	rw.started = true
	if rw.text.BOM {
		// Before the CSV writer's first byte, which its buffer holds.
		if _, err := io.WriteString(rw.out, bom); err != nil {
			return fmt.Errorf("record: write rejects: %w", err)
		}
	}
	if err := rw.writeRow(RejectHeader(rw.withFile, rw.text.ChineseHeader)); err != nil {
		return fmt.Errorf("record: write rejects: header: %w", err)
	}
	return nil
}
