package rowscan

import (
	"bytes"
	"math/bits"
)

// SplitLine appends the fields of the unquoted line s to vals and returns
// the extended slice; the fields are substrings of s. Fields are short (8
// bytes on average), so rather than call IndexByte per field it tests 8
// bytes at a time for the separator.
func SplitLine(vals []string, s string, delim byte) []string {
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

// IsBlank reports whether line holds only separators and white space.
func IsBlank(line []byte, delim byte) bool {
	for _, c := range line {
		if c != delim && c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// Quoted is how QuotedRecord found the record at the start of Pending.
type Quoted int

const (
	QuotedOK           Quoted = iota // a whole record, at most max bytes
	QuotedUnterminated               // a quoted field still open at the end of input
	QuotedOpen                       // a quoted field still open after max bytes
	QuotedLongLine                   // a line longer than max bytes, outside quotes
	QuotedLong                       // a whole record longer than max bytes
)

// Scanner states for a quoted record.
const (
	stFieldStart = iota // at the start of a field
	stUnquoted          // inside an unquoted field (quotes there are literal)
	stQuoted            // inside a quoted field
	stQuote             // just after a quote inside a quoted field
)

// QuotedRecord finds the extent of the CSV record at the start of Pending,
// which may hold quoted fields spanning lines (RFC 4180; a quote inside an
// unquoted field is literal), filling as needed. It consumes nothing. With
// QuotedOK and QuotedLong, n is the record's length up to its final '\n'
// (or the end of input) and inner the number of line ends inside its quoted
// fields; the caller handles the other outcomes, for which n and inner mean
// nothing. err is a read error from Fill.
func (b *Buffer) QuotedRecord(delim byte, max int) (n, inner int, how Quoted, err error) {
	st, i := stFieldStart, 0
scan:
	for {
		p := b.buf[b.pos:b.end]
		for ; i < len(p); i++ {
			c := p[i]
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
				if j := bytes.IndexByte(p[i:], '"'); j >= 0 {
					inner += bytes.Count(p[i:i+j], []byte{'\n'})
					i += j
					st = stQuote
				} else {
					inner += bytes.Count(p[i:], []byte{'\n'})
					i = len(p) - 1
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
					st = stUnquoted // junk after the closing quote: SplitQuoted reports it
				}
			}
		}
		if b.eof {
			if st == stQuoted {
				return 0, 0, QuotedUnterminated, nil
			}
			break
		}
		if i > max {
			if st == stQuoted {
				return 0, 0, QuotedOpen, nil
			}
			return 0, 0, QuotedLongLine, nil
		}
		if err := b.Fill(); err != nil {
			return 0, 0, QuotedOK, err
		}
	}
	if i > max {
		return i, inner, QuotedLong, nil
	}
	return i, inner, QuotedOK, nil
}

// SplitQuoted splits one complete record (without its final line ending)
// into fields, unquoting them into out: a quoted field may hold separators,
// doubled quotes and line breaks (CRLF inside becomes LF); a quote inside an
// unquoted field is literal. It returns out and ends extended, ends holding
// the fields' end offsets in out, and the index of a field with text after
// its closing quote, or -1.
func SplitQuoted(rec []byte, delim byte, out []byte, ends []int) ([]byte, []int, int) {
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
				return out, ends, len(ends) // unterminated; QuotedRecord rules it out
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
