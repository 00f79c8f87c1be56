package record

import (
	"bytes"
	"fmt"
	"io"
	"math/bits"
)

// scanCSV reads the next non-blank CSV or TSV record into r.vals. It returns
// nil, an *Error for an unreadable record, io.EOF, or a fatal read error.
//
// A line without a quote character (the common case) becomes one string and
// the fields are sliced from it: one allocation. A line with a quote goes
// through scanQuoted, which follows RFC 4180.
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
		if isBlankLine(line, r.delim) {
			r.consume(n)
			continue
		}
		if badText(line) {
			r.raw = string(line)
			r.consume(n)
			return r.rejectBadText(bytes.Split(line, []byte{r.delim}))
		}
		s := string(line)
		r.consume(n)
		r.raw = s
		r.vals = splitLine(r.vals[:0], s, r.delim)
		return nil
	}
}

// nextLine returns the next line's bytes (valid until the buffer is refilled)
// and its length n for consume, without consuming it. Over-long lines are
// skipped and reported; io.EOF ends the input.
func (r *Reader) nextLine() ([]byte, int, error) {
	n, err := r.lineEnd()
	if err == errLongLine {
		return nil, 0, r.skipLongLine()
	}
	if err != nil {
		return nil, 0, err
	}
	if n == 0 && r.atEOF() {
		return nil, 0, io.EOF
	}
	return r.lineBytes(n), n, nil
}

// splitLine appends the fields of the unquoted line s to vals. Fields are
// short (8 bytes on average), so rather than call IndexByte per field it
// tests 8 bytes at a time for the separator.
func splitLine(vals []string, s string, delim byte) []string {
	const (
		ones = 0x0101010101010101
		low7 = 0x7f7f7f7f7f7f7f7f
	)
	pattern := uint64(delim) * ones
	start, i := 0, 0
	for ; i+8 <= len(s); i += 8 {
		v := (uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56) ^ pattern
		// High bit set exactly in the bytes of v that are zero (no false
		// positives, unlike the shorter (v-ones)&^v trick).
		m := ^((v&low7 + low7) | v | low7)
		for m != 0 {
			j := i + bits.TrailingZeros64(m)>>3
			vals = append(vals, s[start:j])
			start = j + 1
			m &= m - 1
		}
	}
	for ; i < len(s); i++ {
		if s[i] == delim {
			vals = append(vals, s[start:i])
			start = i + 1
		}
	}
	return append(vals, s[start:])
}

// isBlankLine reports whether line holds only separators and white space.
func isBlankLine(line []byte, delim byte) bool {
	for _, c := range line {
		if c != delim && c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// Scanner states for a quoted record.
const (
	stFieldStart = iota // at the start of a field
	stUnquoted          // inside an unquoted field (quotes there are literal)
	stQuoted            // inside a quoted field
	stQuote             // just after a quote inside a quoted field
)

// scanQuoted reads the record at pos, which contains a quote character and
// may span lines. It first finds the record's extent, then unquotes it.
//
// A record whose quoted field is still open at the end of input or after
// MaxRecordBytes is rejected as unterminated; only its first line is
// consumed, so that one stray quote costs one record, not the rest of the
// file.
func (r *Reader) scanQuoted() error {
	st, i, inner := stFieldStart, 0, 0 // inner: newlines inside quotes
	delim := r.delim
scan:
	for {
		b := r.buf[r.pos:r.end]
		for ; i < len(b); i++ {
			c := b[i]
			switch st {
			case stFieldStart, stUnquoted:
				switch {
				case c == '\n':
					break scan
				case c == delim:
					st = stFieldStart
				case c == '"' && st == stFieldStart:
					st = stQuoted
				default:
					st = stUnquoted
				}
			case stQuoted:
				if j := bytes.IndexByte(b[i:], '"'); j >= 0 {
					inner += bytes.Count(b[i:i+j], []byte{'\n'})
					i += j
					st = stQuote
				} else {
					inner += bytes.Count(b[i:], []byte{'\n'})
					i = len(b) - 1
				}
			case stQuote:
				switch c {
				case '"':
					st = stQuoted // an escaped quote
				case '\n':
					break scan
				case delim:
					st = stFieldStart
				default:
					st = stUnquoted // junk after the closing quote: reported below
				}
			}
		}
		if r.eof {
			if st == stQuoted {
				return r.rejectFirstLine("unterminated quoted field")
			}
			break
		}
		if i > MaxRecordBytes {
			if st == stQuoted {
				return r.rejectFirstLine(fmt.Sprintf("quoted field still open after %d bytes", MaxRecordBytes))
			}
			return r.skipLongLine()
		}
		if err := r.fill(); err != nil {
			return err
		}
	}

	if i > MaxRecordBytes {
		return r.rejectFirstLine(fmt.Sprintf("record longer than %d bytes", MaxRecordBytes))
	}
	rec := r.lineBytes(i)
	r.rawB = rec
	r.line++
	r.recLine = r.line
	r.line += inner
	defer r.consume(i)
	var bad int
	r.scratch, r.ends, bad = splitQuoted(rec, delim, r.scratch[:0], r.ends[:0])
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

// rejectFirstLine rejects the first physical line at pos as unreadable and
// consumes it.
func (r *Reader) rejectFirstLine(why string) error {
	n := bytes.IndexByte(r.buf[r.pos:r.end], '\n')
	if n < 0 {
		n = r.end - r.pos
	}
	r.line++
	r.recLine = r.line
	r.rawB = r.lineBytes(n)
	err := r.reject("", fmt.Errorf("%w: %s", ErrSyntax, why))
	r.consume(n)
	return err
}

// splitQuoted splits one complete record (without its final line ending)
// into fields, unquoting them into out: a quoted field may hold separators,
// doubled quotes and line breaks (CRLF inside becomes LF); a quote inside an
// unquoted field is literal. It returns the fields' end offsets in out, and
// the index of a field with text after its closing quote, or -1.
func splitQuoted(rec []byte, delim byte, out []byte, ends []int) ([]byte, []int, int) {
	i := 0
	for {
		if i < len(rec) && rec[i] == '"' {
			i++
			for i < len(rec) {
				c := rec[i]
				if c == '"' {
					if i+1 < len(rec) && rec[i+1] == '"' {
						out = append(out, '"')
						i += 2
						continue
					}
					break
				}
				if c == '\r' && i+1 < len(rec) && rec[i+1] == '\n' {
					i++
					continue
				}
				out = append(out, c)
				i++
			}
			if i >= len(rec) {
				return out, ends, len(ends) // unterminated; scanQuoted rules it out
			}
			i++ // the closing quote
			if i < len(rec) && rec[i] != delim {
				return out, ends, len(ends)
			}
		} else {
			j := bytes.IndexByte(rec[i:], delim)
			if j < 0 {
				j = len(rec) - i
			}
			out = append(out, rec[i:i+j]...)
			i += j
		}
		ends = append(ends, len(out))
		if i >= len(rec) {
			return out, ends, -1
		}
		i++ // the separator
	}
}
