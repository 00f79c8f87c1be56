package textenc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// ErrEncoding is wrapped by every *Error: a text in no one encoding that
// Decode reads as a whole.
var ErrEncoding = errors.New("textenc: text in no one encoding")

// Decode returns b, the whole of a small text file read at once (a
// rule table, say), as UTF-8, deciding its encoding as Sniff does for a
// stream (a record.Reader with Options.Encoding "auto"), over all of b
// rather than its start:
//
//   - b is UTF-8: text is b itself and enc "utf-8";
//   - b is well-formed GB18030 (GBK's superset) and has more lines that are
//     not UTF-8 than lines of UTF-8 Chinese: text is b decoded, a new
//     slice, and enc "gb18030";
//   - otherwise err is an *Error naming the line to blame and what it
//     seems to be in: UTF-16 (a byte-order mark), the first GBK line of a
//     well-formed GB18030 text outvoted by its UTF-8 lines, or else the
//     first line that is neither UTF-8 nor GBK.
//
// One encoding for the whole text, as for records: a GBK file is never
// read partly as UTF-8, and one GBK line in a UTF-8 file is reported, not
// taken for a GBK file.
func Decode(b []byte) (text []byte, enc string, err error) {
	if utf8.Valid(b) {
		return b, "utf-8", nil
	}
	if ok, cut := wellFormedGB18030(b); ok && !cut && LooksGB18030(b) {
		// Well-formed, so the decoder replaces nothing.
		if text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b); err == nil {
			return text, "gb18030", nil
		}
	}
	if len(b) >= 2 && (b[0] == 0xff && b[1] == 0xfe || b[0] == 0xfe && b[1] == 0xff) {
		return nil, "", &Error{Line: 1, Guess: "UTF-16"}
	}
	// The line to blame: the first in neither encoding, else (GBK lines
	// outvoted by UTF-8 ones) the first in GBK. A GBK character never
	// spans a line end, as no byte of one is '\n'.
	var gbk *Error
	for n := 1; len(b) > 0; n++ {
		line, rest, _ := bytes.Cut(b, []byte{'\n'})
		b = rest
		if utf8.Valid(line) {
			continue
		}
		if ok, cut := wellFormedGB18030(line); !ok || cut {
			return nil, "", &Error{Line: n}
		}
		if gbk == nil {
			gbk = &Error{Line: n, Guess: "GBK"}
		}
	}
	if gbk == nil { // not reached: b is not UTF-8, so some line is not
		gbk = &Error{Line: 1}
	}
	return nil, "", gbk
}

// Error is Decode's error: a text in no encoding it reads as a whole. It
// wraps ErrEncoding.
type Error struct {
	Line  int    // 1-based: the first line that is not UTF-8
	Guess string // what that line seems to be in: "GBK", "UTF-16", or "" when neither
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Detail()) }

// Detail is the message without the line, for callers that give the line
// their own way (file:line).
func (e *Error) Detail() string {
	switch e.Guess {
	case "GBK":
		return "GBK, not UTF-8, in a text with as many lines of Chinese in UTF-8 or more: save the whole file as UTF-8"
	case "UTF-16":
		return "UTF-16 text: save the file as UTF-8"
	}
	return "neither UTF-8 nor GBK: save the file as UTF-8"
}

// Unwrap returns ErrEncoding.
func (e *Error) Unwrap() error { return ErrEncoding }

// SniffBytes is how much of a stream Sniff looks at to choose between
// UTF-8 and GB18030.
const SniffBytes = 64 << 10

// Sniff reads the first SniffBytes of src (less at its end) and decides
// its encoding from them by LooksGB18030: gb reports GB18030, else the
// stream is taken for UTF-8. The whole stream is read in that one
// encoding: deciding line by line would accept GBK text that happens to
// be valid UTF-8 as garbage. r reads src from its start, the sniffed bytes
// included; wrap it with NewGB18030Reader when gb. err is src's read
// error, unwrapped.
func Sniff(src io.Reader) (r io.Reader, gb bool, err error) {
	head := make([]byte, SniffBytes)
	n, err := io.ReadFull(src, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, false, err
	}
	head = head[:n]
	return io.MultiReader(bytes.NewReader(head), src), LooksGB18030(head), nil
}

// NewGB18030Reader returns a reader of src, GB18030 text (which covers GBK
// and GB2312), as UTF-8.
func NewGB18030Reader(src io.Reader) io.Reader {
	return transform.NewReader(src, simplifiedchinese.GB18030.NewDecoder())
}

// LooksGB18030 reports whether b, the start of an input (it may end inside
// a character), reads as GB18030 rather than UTF-8: it is not UTF-8, it is
// well-formed GB18030, and more of its lines with non-ASCII text are not
// UTF-8 than are UTF-8 with a three- or four-byte character (all Chinese
// characters are). One stray GBK record in a UTF-8 file so leaves the file
// UTF-8 (that record is rejected) instead of garbling every other line; a
// GBK line whose bytes happen to be UTF-8 (女 is c5 ae, "Ů") makes two-byte
// characters only and does not count against GBK.
func LooksGB18030(b []byte) bool {
	if validUTF8Prefix(b) {
		return false
	}
	if ok, _ := wellFormedGB18030(b); !ok {
		return false
	}
	notUTF8, chineseUTF8 := 0, 0
	for len(b) > 0 {
		line, rest, ended := bytes.Cut(b, []byte{'\n'})
		b = rest
		if !ended {
			// The window's last line: a character cut at its end may be
			// either; judge the line by what comes before it.
			line = line[:len(line)-cutRune(line)]
		}
		// An ASCII line is valid UTF-8 without a wide character: it counts
		// for neither.
		if !utf8.Valid(line) {
			notUTF8++
		} else if bytes.ContainsFunc(line, func(r rune) bool { return r >= 0x800 }) {
			chineseUTF8++
		}
	}
	return notUTF8 > chineseUTF8
}

// wellFormedGB18030 reports whether b is made of ASCII, GBK's two-byte and
// GB18030's four-byte sequences; b may end inside one, and cut then says
// so (a window of a longer input may, a whole text may not).
func wellFormedGB18030(b []byte) (ok, cut bool) {
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			i++
			continue
		case c == 0x80 || c == 0xff:
			return false, false
		case i+1 >= len(b):
			return true, true // cut by the window
		}
		switch t := b[i+1]; {
		case t >= 0x40 && t <= 0xfe && t != 0x7f:
			i += 2
		case t >= 0x30 && t <= 0x39:
			if i+3 >= len(b) {
				return true, true
			}
			if b[i+2] < 0x81 || b[i+2] > 0xfe || b[i+3] < 0x30 || b[i+3] > 0x39 {
				return false, false
			}
			i += 4
		default:
			return false, false
		}
	}
	return true, false
}

// validUTF8Prefix reports whether b is UTF-8 but for a character cut at its
// end.
func validUTF8Prefix(b []byte) bool {
	return utf8.Valid(b[:len(b)-cutRune(b)])
}

// cutRune returns the length of an incomplete UTF-8 character at the end
// of b, or 0.
func cutRune(b []byte) int {
	for k := 1; k <= 3 && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if utf8.FullRune(b[len(b)-k:]) {
				return 0
			}
			return k
		}
	}
	return 0
}
