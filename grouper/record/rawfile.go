package record

import (
	"bufio"
	"io"
	"os"

	"github.com/medpay/drg/grouper/internal/zstdio"
)

// CreateFile creates path for writing any text output (not only records):
// "-" is standard output, and a .zst suffix compresses with zstd. Close
// flushes, finishes the zstd frame and closes the file.
func CreateFile(path string) (io.WriteCloser, error) {
	var f *os.File
	if path == "-" {
		f = os.Stdout
	} else {
		var err error
		if f, err = os.Create(path); err != nil {
			return nil, err
		}
	}
	out := &fileWriter{f: f, own: path != "-"}
	var w io.Writer = f
	if isZstdPath(path) {
		zw, err := zstdio.NewWriter(f)
		if err != nil {
			out.Close()
			return nil, err
		}
		out.z, w = zw, zw
	}
	out.buf = bufio.NewWriterSize(w, 256<<10)
	return out, nil
}

type fileWriter struct {
	f   *os.File
	own bool
	z   io.WriteCloser
	buf *bufio.Writer
}

func (w *fileWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }

func (w *fileWriter) Close() error {
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	if w.buf != nil {
		keep(w.buf.Flush())
	}
	if w.z != nil {
		keep(w.z.Close())
	}
	if w.own {
		keep(w.f.Close())
	}
	return first
}

// OpenFile opens path for reading any text input: "-" is standard input and
// a .zst suffix is decompressed. Close releases the decoder and the file.
func OpenFile(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if !isZstdPath(path) {
		return f, nil
	}
	zr, err := zstdio.NewReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &fileReader{ReadCloser: zr, f: f}, nil
}

type fileReader struct {
	io.ReadCloser
	f *os.File
}

func (r *fileReader) Close() error {
	err := r.ReadCloser.Close()
	if ferr := r.f.Close(); err == nil {
		err = ferr
	}
	return err
}
