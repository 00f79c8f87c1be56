package record

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// DecodeText returns b, the whole of a small text file read at once (a
// rule table, say), as UTF-8, deciding its encoding as a Reader with
// Options.Encoding "auto" does, over all of b rather than its start:
//
//   - b is UTF-8: text is b itself and enc "utf-8";
//   - b is well-formed GB18030 (GBK's superset) and has more lines that are
//     not UTF-8 than lines of UTF-8 Chinese: text is b decoded, a new
//     slice, and enc "gb18030";
//   - otherwise err is a *TextError naming the line to blame and what it
//     seems to be in: UTF-16 (a byte-order mark), the first GBK line of a
//     well-formed GB18030 text outvoted by its UTF-8 lines, or else the
//     first line that is neither UTF-8 nor GBK.
//
// One encoding for the whole text, as for records: a GBK file is never
// read partly as UTF-8, and one GBK line in a UTF-8 file is reported, not
// taken for a GBK file.
func DecodeText(b []byte) (text []byte, enc string, err error) {
	if utf8.Valid(b) {
		return b, "utf-8", nil
	}
	if ok, cut := wellFormedGB18030(b); ok && !cut && looksGB18030(b) {
		// Well-formed, so the decoder replaces nothing.
		if text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b); err == nil {
			return text, "gb18030", nil
		}
	}
	if len(b) >= 2 && (b[0] == 0xff && b[1] == 0xfe || b[0] == 0xfe && b[1] == 0xff) {
		return nil, "", &TextError{Line: 1, Guess: "UTF-16"}
	}
	// The line to blame: the first in neither encoding, else (GBK lines
	// outvoted by UTF-8 ones) the first in GBK. A GBK character never
	// spans a line end, as no byte of one is '\n'.
	var gbk *TextError
	for n := 1; len(b) > 0; n++ {
		line, rest, _ := bytes.Cut(b, []byte{'\n'})
		b = rest
		if utf8.Valid(line) {
			continue
		}
		if ok, cut := wellFormedGB18030(line); !ok || cut {
			return nil, "", &TextError{Line: n}
		}
		if gbk == nil {
			gbk = &TextError{Line: n, Guess: "GBK"}
		}
	}
	if gbk == nil { // not reached: b is not UTF-8, so some line is not
		gbk = &TextError{Line: 1}
	}
	return nil, "", gbk
}

// TextError is DecodeText's error: a text in no encoding it reads as a
// whole. It wraps ErrSyntax.
type TextError struct {
	Line  int    // 1-based: the first line that is not UTF-8
	Guess string // what that line seems to be in: "GBK", "UTF-16", or "" when neither
}

func (e *TextError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Detail()) }

// Detail is the message without the line, for callers that give the line
// their own way (file:line).
func (e *TextError) Detail() string {
	switch e.Guess {
	case "GBK":
		return "GBK, not UTF-8, in a text with as many lines of Chinese in UTF-8 or more: save the whole file as UTF-8"
	case "UTF-16":
		return "UTF-16 text: save the file as UTF-8"
	}
	return "neither UTF-8 nor GBK: save the file as UTF-8"
}

// Unwrap returns ErrSyntax.
func (e *TextError) Unwrap() error { return ErrSyntax }
