package compressio

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// sample returns n bytes of compressible, record-like text, seeded.
func sample(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString("S11-")
		b.WriteString(strings.Repeat("0", rng.IntN(6)))
		b.WriteString(",K80.000x004,51.2300|88.9504,")
		b.WriteByte(byte('0' + rng.IntN(10)))
		b.WriteByte('\n')
	}
	return b.Bytes()[:n]
}

// closeRecorder counts Close calls, to check that writers leave w open.
type closeRecorder struct {
	bytes.Buffer
	closed int
}

func (c *closeRecorder) Close() error { c.closed++; return nil }

func TestStreamRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 100, 1 << 20, 3<<20 + 7} {
		data := sample(n)
		var dst closeRecorder
		zw, err := NewZstdWriter(&dst)
		if err != nil {
			t.Fatal(err)
		}
		// Write in uneven pieces, as a CSV writer would.
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
		if n > 1000 && dst.Len() >= n {
			t.Errorf("n=%d: compressed to %d bytes, want fewer than the input", n, dst.Len())
		}

		zr, err := NewZstdReader(bytes.NewReader(dst.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		checkReadBack(t, zr, n, data)
	}
}

// TestReaderConcatenatedFrames pins that a stream of several frames (as
// `cat a.zst b.zst` makes) decodes to the concatenation.
func TestReaderConcatenatedFrames(t *testing.T) {
	a, b := []byte("first frame\n"), []byte("second frame\n")
	stream := EncodeZstd(EncodeZstd(nil, a), b)
	zr, err := NewZstdReader(io.MultiReader(bytes.NewReader(stream))) // not an in-memory reader
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if want := string(a) + string(b); string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReaderCorrupt(t *testing.T) {
	for name, in := range map[string][]byte{
		"not zstd":  []byte("id,principal_dx\n1,K80.0\n"),
		"truncated": EncodeZstd(nil, sample(1<<16))[:100],
		// A frame header declaring a 2 GiB window (exponent 21), beyond MaxWindow.
		"huge window": {0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0x00, 0x00},
	} {
		t.Run(name, func(t *testing.T) {
			zr, err := NewZstdReader(io.MultiReader(bytes.NewReader(in)))
			if err != nil {
				return // refused at once: fine
			}
			defer zr.Close()
			if _, err := io.ReadAll(zr); err == nil {
				t.Errorf("got nil error, want a decode error")
			}
		})
	}
}

// TestReaderWindowLimit checks that the window limit, not some other defect of
// the hand-made frame, is what refuses the "huge window" case above.
func TestReaderWindowLimit(t *testing.T) {
	frame := func(exp byte) []byte {
		return []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, exp << 3, 0x01, 0x00, 0x00}
	}
	read := func(in []byte) error {
		zr, err := NewZstdReader(io.MultiReader(bytes.NewReader(in)))
		if err != nil {
			return err
		}
		defer zr.Close()
		_, err = io.ReadAll(zr)
		return err
	}
	if err := read(frame(10)); err != nil { // 1 MiB window, empty content
		t.Errorf("1 MiB window: got %v, want nil", err)
	}
	if err := read(frame(21)); err == nil { // 2 GiB window
		t.Errorf("2 GiB window: got nil, want an error")
	}
}

func TestEncodeDecodeZstd(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 1 << 18} {
		data := sample(n)
		prefix := []byte("keep")
		packed := EncodeZstd(append([]byte(nil), prefix...), data)
		if !bytes.HasPrefix(packed, prefix) {
			t.Fatalf("n=%d: EncodeZstd did not append to dst", n)
		}
		got, err := DecodeZstd(packed[len(prefix):])
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("n=%d: got %d bytes, want %d identical bytes", n, len(got), len(data))
		}
	}
}

func TestDecodeCorrupt(t *testing.T) {
	for name, in := range map[string][]byte{
		"garbage":   []byte("hello, world"),
		"truncated": EncodeZstd(nil, sample(1<<16))[:50],
	} {
		if _, err := DecodeZstd(in); err == nil {
			t.Errorf("%s: got nil error, want one", name)
		} else if !strings.HasPrefix(err.Error(), "compressio: ") {
			t.Errorf("%s: got %q, want a compressio: prefix", name, err)
		}
	}
}

func TestEncodeDecodeConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			data := sample(1000 + g*517)
			for range 20 {
				got, err := DecodeZstd(EncodeZstd(nil, data))
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got, data) {
					errs <- errors.New("round trip mismatch")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// checkReadBack reads r to its end, closes it and checks it gave data.
func checkReadBack(t *testing.T, r io.ReadCloser, n int, data []byte) {
	t.Helper()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("n=%d: read: %v", n, err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("n=%d: Close: got %v, want nil", n, err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("n=%d: round trip got %d bytes, want %d identical bytes", n, len(got), len(data))
	}
}
