package textenc

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// encodeGB18030 encodes UTF-8 text as GB18030 (a superset of GBK).
func encodeGB18030(utf8 []byte) ([]byte, error) {
	return simplifiedchinese.GB18030.NewEncoder().Bytes(utf8)
}

// TestDecode: a whole text is read in the one encoding Sniff (Options.Encoding
// "auto") would choose, or refused at its first line that is not UTF-8,
// with what that line seems to be in.
func TestDecode(t *testing.T) {
	gbk := func(s string) string {
		b, err := encodeGB18030([]byte(s))
		require.NoError(t, err)
		return string(b)
	}
	tests := []struct {
		name, in string
		want     string // the text, UTF-8, when decoded
		enc      string
		line     int // of the *Error, when not
		guess    string
	}{
		{"empty", "", "", "utf-8", 0, ""},
		{"utf-8", "code\tname\nK80.100\t胆囊结石\n", "code\tname\nK80.100\t胆囊结石\n", "utf-8", 0, ""},
		{"gbk", gbk("code\tname\nK80.100\t胆囊结石\n"), "code\tname\nK80.100\t胆囊结石\n", "gb18030", 0, ""},
		{"gbk without a final line end", gbk("a\t女\nb\t男"), "a\t女\nb\t男", "gb18030", 0, ""},
		{"gb18030 four-byte", gbk("x\t€😀\n"), "x\t€😀\n", "gb18030", 0, ""},
		{"one gbk line among utf-8 ones", "a\t医院\nb\t内科\n" + gbk("c\t张\n") + "d\n", "", "", 3, "GBK"},
		{"a gbk character cut at the end", gbk("a\t中\n") + "\xd6", "", "", 2, ""},
		{"neither", "a\tb\nc\t\xff\n", "", "", 2, ""},
		{"utf-16", "\xff\xfec\x00o\x00", "", "", 1, "UTF-16"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, enc, err := Decode([]byte(tc.in))
			if tc.line == 0 {
				require.NoError(t, err)
				assert.Equal(t, tc.want, string(text))
				assert.Equal(t, tc.enc, enc)
				return
			}
			var te *Error
			require.True(t, errors.As(err, &te), "got %v, want a *Error", err)
			assert.ErrorIs(t, err, ErrEncoding)
			assert.Equal(t, tc.line, te.Line)
			assert.Equal(t, tc.guess, te.Guess)
			assert.Contains(t, err.Error(), "save")
			assert.Nil(t, text)
		})
	}
}

func TestLooksGB18030(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"abc", false},
		{"中文", false},                             // UTF-8
		{"\xd6\xd0\xce\xc4", true},                // 中文 in GBK
		{"a\xd6", false},                          // either: UTF-8 wins
		{"\xd6\xd0\xd6", true},                    // GBK cut after a lead byte
		{"医院\n医院\n\xd5\xc5\n", false},             // UTF-8 and one GBK line
		{"医院\n\xd5\xc5\n\xd5\xc5\n", true},        // GBK and one UTF-8 line
		{"\xc5\xae\n\xc4\xd0\n", true},            // 女 (valid as UTF-8 "Ů") and 男
		{"\xd5\xc5\n\xe5\x8c\xbb\xe9\x99", false}, // one of each, the UTF-8 one cut: a tie
		{"\x81\x30\x81\x30", true},                // a four-byte sequence
		{"\x81\x30\x81", true},                    // cut inside one
		{"\x81\x30\x20\x30", false},
		{"\xd6\x7f", false}, // 0x7f is no trail byte
		{"\x80", false},
		{"\xff\xa1", false},
		{"\xd6\x0a", false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, LooksGB18030([]byte(tc.in)), "%q", tc.in)
	}
}

// FuzzLooksGB18030 holds the detector to the GB18030 encoder:
//   - one line of any text, encoded and cut anywhere, is either UTF-8
//     (ASCII, or GBK bytes that happen to be UTF-8) or looks GB18030;
//   - no UTF-8 text looks GB18030;
//   - UTF-8 text with two lines of Chinese stays UTF-8 when one GBK line
//     follows.
func FuzzLooksGB18030(f *testing.F) {
	f.Add("中医院 男 女", uint16(3))
	f.Add("€ \U0001F600 abc", uint16(5))
	f.Add("张", uint16(2))
	f.Fuzz(func(t *testing.T, s string, cut uint16) {
		if !utf8.ValidString(s) {
			return
		}
		if LooksGB18030([]byte(s)) {
			t.Fatalf("UTF-8 %q looks GB18030", s)
		}
		line := strings.ReplaceAll(s, "\n", " ")
		b, err := encodeGB18030([]byte(line))
		if err != nil {
			return
		}
		if mixed := append([]byte("医院\n"+line+"中\n"), b...); LooksGB18030(mixed) {
			t.Fatalf("UTF-8 with one GBK line %x looks GB18030", mixed)
		}
		b = b[:int(cut)%(len(b)+1)]
		gb, u := LooksGB18030(b), validUTF8Prefix(b)
		if gb == u {
			t.Fatalf("%x: LooksGB18030 %v, UTF-8 %v", b, gb, u)
		}
	})
}

// FuzzDecode holds Decode to its contract: UTF-8 text back as it
// is; otherwise UTF-8 text decoded from GB18030, or a *Error at a line
// of the input; and a text encoded as GB18030, when read as such, decoded
// as the GB18030 decoder does.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("code\tname\nK80.100\t\xb5\xa8\xc4\xd2\xbd\xe1\xca\xaf\n"))
	f.Add([]byte("a\t\xe5\x8c\xbb\xe9\x99\xa2\nb\t\xd5\xc5\n"))
	f.Add([]byte("\xff\xfea\x00"))
	f.Add([]byte("x\t\x81\x30\x81\x30\n\xd6"))
	f.Fuzz(func(t *testing.T, in []byte) {
		text, enc, err := Decode(in)
		if err != nil {
			var te *Error
			if !errors.As(err, &te) || te.Line < 1 || te.Line > bytes.Count(in, []byte{'\n'})+1 || !errors.Is(err, ErrEncoding) {
				t.Fatalf("%q: error %v, want a *Error at a line of the input", in, err)
			}
			return
		}
		switch {
		case !utf8.Valid(text):
			t.Fatalf("%q: decoded as %s to text that is not UTF-8: %q", in, enc, text)
		case utf8.Valid(in) && (enc != "utf-8" || !bytes.Equal(text, in)):
			t.Fatalf("%q: UTF-8 input read as %s: %q", in, enc, text)
		}
		if !utf8.Valid(in) {
			return
		}
		b, err := encodeGB18030(in)
		if err != nil {
			return
		}
		// As x/text decodes it: its GB18030 does not map every private-use
		// character back to itself (U+E110 reads back as U+F124).
		want, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil {
			t.Fatalf("%x: the decoder failed on the encoder's output: %v", b, err)
		}
		if text, enc, err := Decode(b); err == nil && enc == "gb18030" && !bytes.Equal(text, want) {
			t.Fatalf("%q encoded as GB18030 reads back as %q, want %q", in, text, want)
		}
	})
}
