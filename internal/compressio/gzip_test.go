package compressio

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"strings"
	"testing"
)

func TestGzipRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 100, 1 << 20} {
		data := sample(n)
		var dst closeRecorder
		zw := NewGzipWriter(&dst)
		for rest := data; len(rest) > 0; {
			k := min(len(rest), 4093)
			if _, err := zw.Write(rest[:k]); err != nil {
				t.Fatal(err)
			}
			rest = rest[k:]
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if dst.closed != 0 {
			t.Errorf("n=%d: writer Close closed w %d times, want 0", n, dst.closed)
		}
		// The standard library reads what the writer wrote.
		sr, err := stdgzip.NewReader(bytes.NewReader(dst.Bytes()))
		if err != nil {
			t.Fatalf("n=%d: compress/gzip: %v", n, err)
		}
		if got, err := io.ReadAll(sr); err != nil || !bytes.Equal(got, data) {
			t.Errorf("n=%d: compress/gzip read %d bytes, %v; want %d identical bytes", n, len(got), err, len(data))
		}

		zr, err := NewGzipReader(bytes.NewReader(dst.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		checkReadBack(t, zr, n, data)
	}
}

// TestGzipReaderConcatenatedMembers pins that a stream of several members
// (as `cat a.gz b.gz` makes), written by compress/gzip, decodes to the
// concatenation.
func TestGzipReaderConcatenatedMembers(t *testing.T) {
	member := func(s string) []byte {
		var b bytes.Buffer
		w := stdgzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	stream := append(member("first member\n"), member("second member\n")...)
	zr, err := NewGzipReader(io.MultiReader(bytes.NewReader(stream)))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if want := "first member\nsecond member\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestGzipReaderCorrupt(t *testing.T) {
	if _, err := NewGzipReader(strings.NewReader("id,principal_dx\n")); err == nil {
		t.Error("not gzip: got nil error, want one")
	} else if !strings.HasPrefix(err.Error(), "compressio: ") {
		t.Errorf("not gzip: got %q, want a compressio: prefix", err)
	}
	var b bytes.Buffer
	w := NewGzipWriter(&b)
	w.Write(sample(1 << 16))
	w.Close()
	bad := b.Bytes()
	bad[len(bad)-5] ^= 0xff // the CRC in the trailer
	zr, err := NewGzipReader(bytes.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if _, err := io.ReadAll(zr); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("bad checksum: got %v, want a checksum error", err)
	}
}
