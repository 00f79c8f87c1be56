package compressio

import (
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// MaxWindow is the largest back-reference window a stream may ask the decoder
// to keep in memory. It covers every level of the zstd command line tool,
// including --long=27; a stream that declares a larger window is refused.
const MaxWindow = 1 << 28

// MaxBlobSize is the largest result DecodeZstd returns; larger blobs are refused
// rather than allocated.
const MaxBlobSize = 1 << 28

// NewZstdReader returns a reader that decompresses the zstd stream r (one or more
// concatenated frames). Close releases the decoder; it does not close r.
// Corrupt input is reported by Read, or already by NewZstdReader when r is an
// in-memory reader that the decoder reads at once.
func NewZstdReader(r io.Reader) (io.ReadCloser, error) {
	// One decoding goroutine: measured on record files, the concurrent
	// decoder spent about 20% more CPU for the same bytes.
	d, err := zstd.NewReader(r, zstd.WithDecoderMaxMemory(MaxWindow), zstd.WithDecoderConcurrency(1))
	if err != nil {
		if d != nil {
			d.Close()
		}
		return nil, fmt.Errorf("compressio: %w", err)
	}
	return d.IOReadCloser(), nil
}

// NewZstdWriter returns a writer that compresses what is written to it into w at
// the fastest level. Close flushes the last block and ends the frame; it does
// not close w. The data is not complete in w until Close returns nil.
//
// Streams use the fastest level: in a grouping batch the encoder is the
// largest single cost, and the default level saved only a few percent of
// output size on record files for about twice the CPU. The stream is encoded
// on one goroutine with a 1 MiB window: on a grouping output the encoder's
// concurrent mode cost about 25% more CPU for the same bytes, and the
// pipeline already keeps every core busy.
func NewZstdWriter(w io.Writer) (io.WriteCloser, error) {
	e, err := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20))
	if err != nil {
		return nil, fmt.Errorf("compressio: %w", err)
	}
	return e, nil
}

// The shared codecs are created on first use and never closed: they live as
// long as the process, as one pool of buffers for every caller.
var (
	sharedEncoder = sync.OnceValue(func() *zstd.Encoder {
		e, err := zstd.NewWriter(nil)
		if err != nil {
			panic("compressio: default encoder options rejected: " + err.Error())
		}
		return e
	})
	sharedDecoder = sync.OnceValue(func() *zstd.Decoder {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(MaxBlobSize))
		if err != nil {
			panic("compressio: default decoder options rejected: " + err.Error())
		}
		return d
	})
)

// EncodeZstd appends the zstd compression of src (one complete frame) to dst and
// returns the extended slice. It is safe for concurrent use.
func EncodeZstd(dst, src []byte) []byte {
	return sharedEncoder().EncodeAll(src, dst)
}

// DecodeZstd returns the decompression of src, which holds one or more complete
// frames, in a newly allocated slice. It is safe for concurrent use. Results
// larger than MaxBlobSize are refused.
func DecodeZstd(src []byte) ([]byte, error) {
	out, err := sharedDecoder().DecodeAll(src, nil)
	if err != nil {
		return nil, fmt.Errorf("compressio: %w", err)
	}
	return out, nil
}
