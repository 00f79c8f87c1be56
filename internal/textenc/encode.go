package textenc

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// ErrUnencodable is wrapped by every *EncodeError: a character the output
// encoding has no code for.
var ErrUnencodable = errors.New("textenc: character not in the encoding")

// Encoding names, as ParseEncoding returns them.
const (
	UTF8    = "utf-8"
	GBK     = "gbk"
	GB18030 = "gb18030"
)

// ParseEncoding returns the output encoding named s, case-insensitively:
// UTF8 for "", "utf-8" or "utf8"; GBK for "gbk" or "cp936"; GB18030 for
// "gb18030". GB2312 is refused rather than taken for GBK: it lacks
// characters GBK has, so a file promised as GB2312 could not be written
// honestly.
func ParseEncoding(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "utf-8", "utf8":
		return UTF8, nil
	case "gbk", "cp936":
		return GBK, nil
	case "gb18030":
		return GB18030, nil
	}
	return "", fmt.Errorf("textenc: unsupported output encoding %q (want utf-8, gbk or gb18030)", s)
}

// Encoder encodes UTF-8 text as GBK or GB18030, for output files that
// legacy systems and Chinese Excel read in the system code page. It is not
// safe for concurrent use: give each goroutine its own.
//
// GBK here is GB18030's one- and two-byte codes, the GBK repertoire
// (GB18030 only adds four-byte codes for the rest of Unicode), so a GBK
// file reads back exactly through the GB18030 decoder this package and
// record readers use. A character only a four-byte code can carry (rare
// ideographs such as 𬌗 or 䓬, emoji) is an *EncodeError in GBK, never
// replaced: a replaced character would silently change an id or a name.
// GB18030 encodes every character.
//
// Bytes that are not UTF-8 are copied as they are: they are not text the
// caller made but the original bytes of an input line rejected for not
// being UTF-8, which a rejects file keeps verbatim in any encoding.
type Encoder struct {
	gbk bool
	t   transform.Transformer
}

// NewEncoder returns an Encoder for GBK or GB18030 (as ParseEncoding
// names them); nil for UTF8, which needs none.
func NewEncoder(name string) (*Encoder, error) {
	enc, err := ParseEncoding(name)
	if err != nil {
		return nil, err
	}
	if enc == UTF8 {
		return nil, nil
	}
	return &Encoder{gbk: enc == GBK, t: simplifiedchinese.GB18030.NewEncoder()}, nil
}

// Name returns the encoding's name, GBK or GB18030.
func (e *Encoder) Name() string {
	if e.gbk {
		return GBK
	}
	return GB18030
}

// EncodeError is a character an Encoder cannot encode.
type EncodeError struct {
	Offset   int    // of the character in the UTF-8 text given to Append
	Rune     rune   // the character
	Encoding string // GBK
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("%q (U+%04X) has no %s code (gb18030 encodes every character)", e.Rune, e.Rune, strings.ToUpper(e.Encoding))
}

// Unwrap returns ErrUnencodable.
func (e *EncodeError) Unwrap() error { return ErrUnencodable }

// Append appends src, UTF-8 text, encoded to dst and returns the extended
// slice. ASCII is copied as it is, so a line of codes and numbers costs a
// scan. On an *EncodeError, dst holds the text before the character.
func (e *Encoder) Append(dst, src []byte) ([]byte, error) {
	for off := 0; off < len(src); {
		i := off
		for i < len(src) && src[i] < utf8.RuneSelf {
			i++
		}
		dst = append(dst, src[off:i]...)
		off = i
		// A run of valid multi-byte characters, encoded in one call.
		for i < len(src) && src[i] >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		if i == off {
			if off < len(src) { // a byte that is not UTF-8: kept
				dst = append(dst, src[off])
				off++
			}
			continue
		}
		start := len(dst)
		var err error
		if dst, err = e.transform(dst, src[off:i]); err != nil {
			return dst[:start], err
		}
		if e.gbk && hasFourByte(dst[start:]) {
			err := e.fourByte(src[off:i], off)
			dst, _ = e.transform(dst[:start], src[off:err.Offset])
			return dst, err
		}
		off = i
	}
	return dst, nil
}

// transform appends run, valid UTF-8, encoded as GB18030, which has a code
// for every character.
func (e *Encoder) transform(dst, run []byte) ([]byte, error) {
	if cap(dst)-len(dst) < 2*len(run) {
		dst = append(dst, make([]byte, 2*len(run))...)[:len(dst)] // GB18030 takes at most 4 bytes for UTF-8's 2 to 4
	}
	e.t.Reset()
	for {
		nDst, nSrc, err := e.t.Transform(dst[len(dst):cap(dst)], run, true)
		dst = dst[:len(dst)+nDst]
		run = run[nSrc:]
		switch {
		case err == nil:
			return dst, nil
		case errors.Is(err, transform.ErrShortDst):
			dst = append(dst, make([]byte, 4*len(run)+4)...)[:len(dst)]
		default:
			return dst, fmt.Errorf("textenc: gb18030: %w", err) // not reached for valid UTF-8
		}
	}
}

// hasFourByte reports whether b, GB18030 text, holds a four-byte code: a
// lead byte followed by a digit, which no two-byte code has.
func hasFourByte(b []byte) bool {
	for i := 0; i < len(b); {
		switch {
		case b[i] < 0x80:
			i++
		case i+1 < len(b) && b[i+1] >= 0x30 && b[i+1] <= 0x39:
			return true
		default:
			i += 2
		}
	}
	return false
}

// fourByte returns the *EncodeError for the first character of run (at
// base in the caller's text) whose GB18030 code is four bytes long: the
// slow path, taken once, for the message.
func (e *Encoder) fourByte(run []byte, base int) *EncodeError {
	var buf []byte
	for i := 0; i < len(run); {
		r, n := utf8.DecodeRune(run[i:])
		buf, _ = e.transform(buf[:0], run[i:i+n])
		if len(buf) == 4 {
			return &EncodeError{Offset: base + i, Rune: r, Encoding: GBK}
		}
		i += n
	}
	return &EncodeError{Offset: base, Rune: utf8.RuneError, Encoding: GBK} // not reached
}
