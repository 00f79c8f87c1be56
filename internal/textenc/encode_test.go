package textenc

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestParseEncoding(t *testing.T) {
	for in, want := range map[string]string{"": UTF8, "UTF-8": UTF8, "utf8": UTF8, " gbk ": GBK, "CP936": GBK, "GB18030": GB18030} {
		got, err := ParseEncoding(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"gb2312", "latin1", "utf-16"} {
		_, err := ParseEncoding(in)
		assert.Error(t, err, in)
	}
	e, err := NewEncoder("utf-8")
	assert.NoError(t, err)
	assert.Nil(t, e, "UTF-8 needs no encoder")
}

// TestEncoderAppend: the expected bytes are GBK's published codes (× is
// A1C1, 中 D6D0, € A2E3 in GB18030's two-byte area) and GB18030's
// four-byte ones (𬌗 9931D239, 䓬 8233A630).
func TestEncoderAppend(t *testing.T) {
	tests := []struct {
		enc, in string
		want    string // hex-free: the expected bytes
		off     int    // of the *EncodeError; -1 when none
		r       rune
	}{
		{GBK, "", "", -1, 0},
		{GBK, "K80.100,OK", "K80.100,OK", -1, 0},
		{GBK, "kind_coefficient×1.00", "kind_coefficient\xa1\xc11.00", -1, 0},
		{GBK, "中医", "\xd6\xd0\xd2\xbd", -1, 0},
		{GBK, "€", "\xa2\xe3", -1, 0},
		{GBK, "咬𬌗畸形", "\xd2\xa7", 3, '𬌗'},
		{GBK, "a,苯二氮䓬", "a,\xb1\xbd\xb6\xfe\xb5\xaa", 11, '䓬'},
		{GBK, "\ufffd", "", 0, '\ufffd'},
		{GB18030, "咬𬌗", "\xd2\xa7\x99\x31\xd2\x39", -1, 0},
		{GB18030, "苯二氮䓬", "\xb1\xbd\xb6\xfe\xb5\xaa\x82\x33\xa6\x30", -1, 0},
		// Bytes that are not UTF-8 (a GBK line rejected from a UTF-8
		// file) are kept as they are.
		{GBK, "x,\xd5\xc5,中", "x,\xd5\xc5,\xd6\xd0", -1, 0},
		{GB18030, "\xff", "\xff", -1, 0},
	}
	for _, tc := range tests {
		e, err := NewEncoder(tc.enc)
		require.NoError(t, err)
		got, err := e.Append([]byte("p:"), []byte(tc.in))
		if tc.off < 0 {
			require.NoError(t, err, "%s %q", tc.enc, tc.in)
		} else {
			var ee *EncodeError
			require.True(t, errors.As(err, &ee), "%s %q: got %v, want an *EncodeError", tc.enc, tc.in, err)
			assert.ErrorIs(t, err, ErrUnencodable)
			assert.Equal(t, tc.off, ee.Offset, "%q", tc.in)
			assert.Equal(t, tc.r, ee.Rune, "%q", tc.in)
			assert.Contains(t, err.Error(), "gb18030")
		}
		assert.Equal(t, "p:"+tc.want, string(got), "%s %q", tc.enc, tc.in)
	}
}

// FuzzEncoder holds the encoder to the GB18030 decoder: UTF-8 text
// encoded as GB18030 always, or as GBK when it does not fail, decodes to
// the text again (as x/text reads its own GB18030 back: some private-use
// characters come back as others); a GBK failure names a character at a
// character boundary of the text, whose GB18030 code is four bytes, and
// everything before it encodes.
func FuzzEncoder(f *testing.F) {
	f.Add("kind_coefficient×1.00(政策)")
	f.Add("咬𬌗 😀 €")
	f.Add("a\xffb中")
	f.Fuzz(func(t *testing.T, s string) {
		gb, _ := NewEncoder(GB18030)
		k, _ := NewEncoder(GBK)
		want := s
		if utf8.ValidString(s) {
			w, err := simplifiedchinese.GB18030.NewDecoder().Bytes(mustEncode(t, s))
			require.NoError(t, err)
			want = string(w)
		}
		out, err := gb.Append(nil, []byte(s))
		if err != nil {
			t.Fatalf("gb18030 %q: %v", s, err)
		}
		if !utf8.ValidString(s) {
			return // kept bytes do not decode back
		}
		if back := decode(t, out); back != want {
			t.Fatalf("gb18030 %q reads back as %q", s, back)
		}
		out, err = k.Append(nil, []byte(s))
		var ee *EncodeError
		switch {
		case err == nil:
			if back := decode(t, out); back != want {
				t.Fatalf("gbk %q reads back as %q", s, back)
			}
		case errors.As(err, &ee):
			if ee.Offset < 0 || ee.Offset >= len(s) || !utf8.RuneStart(s[ee.Offset]) {
				t.Fatalf("gbk %q: error at %d, not at a character", s, ee.Offset)
			}
			r, _ := utf8.DecodeRuneInString(s[ee.Offset:])
			if r != ee.Rune || len(mustEncode(t, string(r))) != 4 {
				t.Fatalf("gbk %q: error names %q, the text has %q there", s, ee.Rune, r)
			}
			if _, err := k.Append(nil, []byte(s[:ee.Offset])); err != nil {
				t.Fatalf("gbk %q: the text before the error fails too: %v", s, err)
			}
			if !bytes.Equal(out, mustGB(t, k, s[:ee.Offset])) {
				t.Fatalf("gbk %q: on error dst holds %x", s, out)
			}
		default:
			t.Fatalf("gbk %q: %v", s, err)
		}
	})
}

func mustEncode(t *testing.T, s string) []byte {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func mustGB(t *testing.T, e *Encoder, s string) []byte {
	b, err := e.Append(nil, []byte(s))
	require.NoError(t, err)
	return b
}

func decode(t *testing.T, b []byte) string {
	d, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	require.NoError(t, err)
	return string(d)
}
