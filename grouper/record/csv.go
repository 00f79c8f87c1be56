package record

import (
	"bytes"
	"fmt"
	"io"

	"github.com/medpay/drg/internal/rowscan"
)

// scanCSV reads the next non-blank CSV or TSV record into r.vals. It returns
// nil, an *Error for an unreadable record, io.EOF, or a fatal read error.
//
// A line without a quote character (the common case) becomes one string and
// the fields are sliced from it: one allocation, or none in a ChunkParser
// (a slice of the chunk's string, lineString). A line with a quote goes
// through scanQuoted, which follows RFC 4180. The line and field
// scanning is internal/rowscan's.
func (r *Reader) scanCSV() error {
	r.raw, r.rawB = "", nil
	for {
		line, n, err := r.nextLine()
		if err != nil {
			return err
		}
		if bytes.IndexByte(line, '"') >= 0 {
			return r.scanQuoted()
		}
		r.line++
		r.recLine = r.line
		if rowscan.IsBlank(line, r.delim) {
			r.in.Consume(n)
			continue
		}
		if badText(line) {
			r.raw = string(line)
			r.in.Consume(n)
			return r.rejectBadText(bytes.Split(line, []byte{r.delim}))
		}
		s := r.lineString(line)
		r.in.Consume(n)
		r.raw = s
		r.vals = rowscan.SplitLine(r.vals[:0], s, r.delim)
		return nil
	}
}

// nextLine returns the next line's bytes (valid until the buffer is refilled)
// and its length n for Consume, without consuming it. Over-long lines are
// skipped and reported; io.EOF ends the input.
func (r *Reader) nextLine() ([]byte, int, error) {
	n, err := r.in.LineEnd(MaxRecordBytes)
	if err == rowscan.ErrLongLine {
		return nil, 0, r.skipLongLine()
	}
	if err != nil {
		return nil, 0, err
	}
	if n == 0 && r.in.AtEOF() {
		return nil, 0, io.EOF
	}
	return r.in.Line(n), n, nil
}

// scanQuoted reads the record at the start of the input, which contains a
// quote character and may span lines. It first finds the record's extent
// (rowscan's QuotedRecord), then unquotes it.
//
// A record whose quoted field is still open at the end of input or after
// MaxRecordBytes is rejected as unterminated; only its first line is
// consumed, so that one stray quote costs one record, not the rest of the
// file.
func (r *Reader) scanQuoted() error {
	delim := r.delim
	i, inner, how, err := r.in.QuotedRecord(delim, MaxRecordBytes)
	switch {
	case err != nil:
		return err
	case how == rowscan.QuotedUnterminated:
		return r.rejectFirstLine("unterminated quoted field")
	case how == rowscan.QuotedOpen:
		return r.rejectFirstLine(fmt.Sprintf("quoted field still open after %d bytes", MaxRecordBytes))
	case how == rowscan.QuotedLongLine:
		return r.skipLongLine()
	case how == rowscan.QuotedLong:
		return r.rejectFirstLine(fmt.Sprintf("record longer than %d bytes", MaxRecordBytes))
	}
	rec := r.in.Line(i)
	r.rawB = rec
	r.line++
	r.recLine = r.line
	r.line += inner
	defer r.in.Consume(i)
	var bad int
	r.scratch, r.ends, bad = rowscan.SplitQuoted(rec, delim, r.scratch[:0], r.ends[:0])
	// The record as read, not the unquoted text: halves of a character in
	// two fields would join into a valid one once quotes and separator are
	// gone. The record is UTF-8 exactly when every field is, as only ASCII
	// lies between them; unquoting neither makes nor removes a NUL.
	if bad < 0 && badText(rec) {
		fields, start := make([][]byte, len(r.ends)), 0
		for k, end := range r.ends {
			fields[k], start = r.scratch[start:end], end
		}
		return r.rejectBadText(fields)
	}
	if bad >= 0 {
		field := ""
		if bad < len(r.header) {
			field = r.header[bad]
		}
		e := r.reject(field, fmt.Errorf("%w: text after the closing quote of field %d", ErrSyntax, bad+1))
		if i := r.colIdx[colID]; i >= 0 && i < len(r.ends) {
			start := 0
			if i > 0 {
				start = r.ends[i-1]
			}
			e.ID = trim(string(r.scratch[start:r.ends[i]]))
		}
		return e
	}
	s := string(r.scratch)
	vals, start := r.vals[:0], 0
	for _, end := range r.ends {
		vals = append(vals, s[start:end])
		start = end
	}
	r.vals = vals
	return nil
}

// rejectFirstLine rejects the first physical line of the input as
// unreadable and consumes it.
func (r *Reader) rejectFirstLine(why string) error {
	p := r.in.Pending()
	n := bytes.IndexByte(p, '\n')
	if n < 0 {
		n = len(p)
	}
	r.line++
	r.recLine = r.line
	r.rawB = r.in.Line(n)
	err := r.reject("", fmt.Errorf("%w: %s", ErrSyntax, why))
	r.in.Consume(n)
	return err
}
