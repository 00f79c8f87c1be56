package compressio

import (
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// NewGzipReader returns a reader that decompresses the gzip stream r: one
// member or several one after another (as `cat a.gz b.gz` makes), read as
// the concatenation of their contents. Close releases the decompressor; it
// does not close r. A bad header is reported by NewGzipReader, a corrupt
// body or trailer (checksum, length) by Read.
func NewGzipReader(r io.Reader) (io.ReadCloser, error) {
	zr, err := gzip.NewReader(r) // multistream: on by default
	if err != nil {
		return nil, fmt.Errorf("compressio: %w", err)
	}
	return zr, nil
}

// NewGzipWriter returns a writer that compresses what is written to it into
// w as one gzip member at the default level. Close flushes and writes the
// trailer; it does not close w. The data is not complete in w until Close
// returns nil.
//
// klauspost's gzip rather than compress/gzip: the same format, and measured
// on record text at the default level it compressed about 4 times faster
// (90 against 22 MB/s on one goroutine; compress/gzip would be the slowest
// stage of a batch writing .gz) and decompressed about 1.4 times faster.
func NewGzipWriter(w io.Writer) io.WriteCloser {
	return gzip.NewWriter(w)
}
