package record

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeText: a whole text is read in the one encoding Options.Encoding
// "auto" would choose, or refused at its first line that is not UTF-8,
// with what that line seems to be in.
func TestDecodeText(t *testing.T) {
	gbk := func(s string) string {
		b, err := encodeGB18030([]byte(s))
		require.NoError(t, err)
		return string(b)
	}
	tests := []struct {
		name, in string
		want     string // the text, UTF-8, when decoded
		enc      string
		line     int // of the *TextError, when not
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
			text, enc, err := DecodeText([]byte(tc.in))
			if tc.line == 0 {
				require.NoError(t, err)
				assert.Equal(t, tc.want, string(text))
				assert.Equal(t, tc.enc, enc)
				return
			}
			var te *TextError
			require.True(t, errors.As(err, &te), "got %v, want a *TextError", err)
			assert.ErrorIs(t, err, ErrSyntax)
			assert.Equal(t, tc.line, te.Line)
			assert.Equal(t, tc.guess, te.Guess)
			assert.Contains(t, err.Error(), "save")
			assert.Nil(t, text)
		})
	}
}
