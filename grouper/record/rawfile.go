package record

import (
	"bufio"
	"io"
	"os"

	"github.com/medpay/drg/internal/compressio"
)

// CreateFile creates path for writing any text output (not only records):
// "-" is standard output, a .zst suffix compresses with zstd and a .gz
// suffix with gzip (which the readers also read), so that no file is named
// for a compression it does not have. Close flushes, finishes the
// compressed stream and closes the file.
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
	switch {
	case isZstdPath(path):
		zw, err := compressio.NewZstdWriter(f)
		if err != nil {
			out.Close()
			return nil, err
		}
		out.z, w = zw, zw
	case isGzipPath(path):
		gw := compressio.NewGzipWriter(f)
		out.z, w = gw, gw
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

// OpenFile opens path for reading any text input: "-" is standard input, a
// .zst suffix is decompressed, and so is zstd or gzip content whatever the
// name; other compressions, archives and UTF-16 text fail as NewReader
// says, wrapping ErrUnsupportedInput. Close releases the decoder and the
// file.
func OpenFile(path string) (io.ReadCloser, error) {
	var f *os.File
	if path == "-" {
		f = os.Stdin
	} else {
		var err error
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
	}
	r := &fileReader{f: f, own: path != "-"}
	if isZstdPath(path) {
		zr, err := compressio.NewZstdReader(f)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.src, r.dc = zr, zr
		return r, nil
	}
	head, src, err := peek(f)
	if err != nil {
		r.Close()
		return nil, err
	}
	if r.src, r.dc, err = decompress(src, head); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

type fileReader struct {
	src io.Reader
	dc  io.Closer // the decompressor, or nil
	f   *os.File
	own bool // f is to be closed (not standard input)
}

func (r *fileReader) Read(p []byte) (int, error) { return r.src.Read(p) }

func (r *fileReader) Close() error {
	var err error
	if r.dc != nil {
		err = r.dc.Close()
	}
	if r.own {
		if ferr := r.f.Close(); err == nil {
			err = ferr
		}
	}
	return err
}
