package record

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnsupportedInput pins a bug: compressed input in a format the reader
// does not decompress was read as text, and every line rejected as "not
// UTF-8 (a GBK file? set the encoding to gbk)". It fails at open, wrapping
// ErrUnsupportedInput, naming the compression and what to do, in every
// reading path; text that merely starts like a magic number is read.
func TestUnsupportedInput(t *testing.T) {
	tests := []struct {
		name, head, want string
	}{
		{"bzip2", "BZh91AY&SY\x00\x01", "bzip2-compressed input is not read; decompress it (bunzip2)"},
		{"bzip2 empty", "BZh9\x17\x72\x45\x38\x50\x90\x00\x00\x00\x00", "bzip2-compressed"},
		{"xz", "\xfd7zXZ\x00\x00\x04", "xz-compressed input is not read; decompress it (unxz)"},
		{"lz4", "\x04\x22\x4d\x18\x64\x40", "lz4-compressed"},
		{"zip", "PK\x03\x04\x14\x00", "a zip archive is not read; extract the file (unzip)"},
		{"7z", "7z\xbc\xaf\x27\x1c\x00\x04", "a 7-Zip archive"},
		{"utf-16le", "\xff\xfei\x00d\x00", "UTF-16 text is not read; save it as UTF-8"},
		{"utf-16be", "\xfe\xff\x00i\x00d", "UTF-16 text"},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.head + strings.Repeat("\x00\x01", 20)
			_, err := NewReader(strings.NewReader(in), Options{})
			require.ErrorIs(t, err, ErrUnsupportedInput)
			assert.ErrorContains(t, err, tc.want)

			path := filepath.Join(dir, "in.csv."+tc.name)
			require.NoError(t, os.WriteFile(path, []byte(in), 0o644))
			_, err = Open(path, Options{})
			require.ErrorIs(t, err, ErrUnsupportedInput)
			assert.ErrorContains(t, err, path+": ")
			assert.ErrorContains(t, err, tc.want)
			_, err = OpenFile(path)
			assert.ErrorIs(t, err, ErrUnsupportedInput)
		})
	}
	// Text that starts like one: read as text.
	for _, in := range []string{"BZh,id,principal_dx\n1,2,K80.0\n", "BZh9,id,principal_dx\n1,2,K80.0\n", "PK,id,principal_dx\n1,2,K80.0\n"} {
		recs, rejects, _ := readString(t, in, Options{})
		assert.Len(t, recs, 1, "%q", in)
		assert.Empty(t, rejects, "%q", in)
	}
}

// TestOpenFileZstdAndPlain: OpenFile reads a .zst file, zstd content under
// any name, and plain text, as it did before it also recognised gzip.
func TestOpenFileZstdAndPlain(t *testing.T) {
	plain := []byte("a,b\n1,2\n")
	dir := t.TempDir()
	for name, data := range map[string][]byte{"p.csv": plain, "z.csv.zst": zstdBytes(t, plain), "z.csv": zstdBytes(t, plain), "short": plain[:3], "empty": nil} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, data, 0o644))
		f, err := OpenFile(path)
		require.NoError(t, err, name)
		got, err := io.ReadAll(f)
		require.NoError(t, err, name)
		require.NoError(t, f.Close(), name)
		want := plain
		if len(data) < len(plain) {
			want = data
		}
		assert.True(t, bytes.Equal(want, got), "%s: got %q", name, got)
	}
	_, err := OpenFile(filepath.Join(dir, "missing"))
	assert.True(t, errors.Is(err, os.ErrNotExist), "%v", err)
}
