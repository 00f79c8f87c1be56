package rowscan

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSplitLine(t *testing.T) {
	for _, s := range []string{
		"", ",", "a", "a,b", ",,,,,,,,,,,,,,,,,", "abcdefgh,", "abcdefg,h", "1234567,12345678,,,123456789012345678901234567890",
		"\x2c\xac\x2c\x00\x2d,\x80,\xff\xff\xff\xff\xff\xff\xff\xff,", strings.Repeat("ab,", 40),
	} {
		for _, d := range []byte{',', '\t'} {
			in := strings.ReplaceAll(s, ",", string(d))
			got := SplitLine(nil, in, d)
			want := strings.Split(in, string(d))
			if !assert.Equal(t, want, got, "splitLine(%q)", in) {
				return
			}
		}
	}
}

func TestSplitQuoted(t *testing.T) {
	f := func(rec string, want []string, bad int) {
		t.Helper()
		out, ends, gotBad := SplitQuoted([]byte(rec), ',', nil, nil)
		var got []string
		start := 0
		for _, end := range ends {
			got = append(got, string(out[start:end]))
			start = end
		}
		assert.Equal(t, bad, gotBad, "SplitQuoted(%q): bad field", rec)
		assert.Equal(t, want, got, "SplitQuoted(%q)", rec)
	}
	f(`a,"b,c",d`, []string{"a", "b,c", "d"}, -1)
	f(`"x""y",`, []string{`x"y`, ""}, -1)
	f("\"l1\r\nl2\",z", []string{"l1\nl2", "z"}, -1)
	f(`a"b,c`, []string{`a"b`, "c"}, -1)
	f(`a,"b"c`, []string{"a"}, 1)
}

// FuzzSplitLine holds the word-at-a-time splitter to strings.Split.
func FuzzSplitLine(f *testing.F) {
	f.Add("a,b,,c", true)
	f.Add("1234567,12345678,\x80\xff,", false)
	f.Fuzz(func(t *testing.T, s string, comma bool) {
		d := byte('\t')
		if comma {
			d = ','
		}
		if got, want := SplitLine(nil, s, d), strings.Split(s, string(d)); !slices.Equal(got, want) {
			t.Fatalf("SplitLine(%q) = %q, want %q", s, got, want)
		}
	})
}

// FuzzSplitQuoted holds SplitQuoted to RFC 4180 by a round trip: fields
// quoted as a CSV writer quotes them split back to themselves, and any
// input either splits or names a field that lies within the record.
func FuzzSplitQuoted(f *testing.F) {
	f.Add(`a,"b,c",d`)
	f.Add("\"l1\r\nl2\",\"x\"\"y\"")
	f.Add(`a,"b"c`)
	f.Fuzz(func(t *testing.T, s string) {
		out, ends, bad := SplitQuoted([]byte(s), ',', nil, nil)
		if bad >= 0 {
			if bad > strings.Count(s, ",") {
				t.Fatalf("SplitQuoted(%q): bad field %d of at most %d", s, bad, strings.Count(s, ",")+1)
			}
		} else if len(ends) == 0 || ends[len(ends)-1] != len(out) {
			t.Fatalf("SplitQuoted(%q): ends %v do not cover %d bytes", s, ends, len(out))
		}
		// The round trip: s as fields, each quoted and "" doubled. A bare
		// '\r' in a field does not survive ("\r\n" inside quotes reads as
		// '\n'), so those are left out.
		fields := strings.Split(s, "|")
		var rec strings.Builder
		for i, fl := range fields {
			if i > 0 {
				rec.WriteByte(',')
			}
			rec.WriteString(`"` + strings.ReplaceAll(strings.ReplaceAll(fl, "\r", ""), `"`, `""`) + `"`)
		}
		out, ends, bad = SplitQuoted([]byte(rec.String()), ',', nil, nil)
		if bad >= 0 || len(ends) != len(fields) {
			t.Fatalf("SplitQuoted(%q): %d fields, bad %d; want %d fields", rec.String(), len(ends), bad, len(fields))
		}
		start := 0
		for i, end := range ends {
			if got, want := string(out[start:end]), strings.ReplaceAll(fields[i], "\r", ""); got != want {
				t.Fatalf("SplitQuoted(%q): field %d = %q, want %q", rec.String(), i, got, want)
			}
			start = end
		}
	})
}
