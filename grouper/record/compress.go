package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/medpay/drg/internal/compressio"
)

// ErrUnsupportedInput is wrapped by the error NewReader, Open and OpenFile
// return for input they recognise but do not read: compressed with bzip2,
// xz, lz4 or 7-Zip, a zip archive, or UTF-16 text. The message names what
// the input is and how to make it readable.
var ErrUnsupportedInput = errors.New("record: unsupported input")

// magicBytes is how much of the start of an input names its compression.
const magicBytes = 10

// unsupported lists the magic numbers of inputs that are recognised only
// to be refused, with what to do about each. Without this a compressed
// file read as text was rejected line by line as "not UTF-8 (a GBK file?)",
// which sent users looking for an encoding problem.
var unsupported = []struct {
	magic []byte
	what  string
	fix   string
}{
	{[]byte{0xfd, '7', 'z', 'X', 'Z', 0x00}, "xz-compressed input", "decompress it (unxz) or recompress it with zstd (.zst) or gzip (.gz)"},
	{[]byte{0x04, 0x22, 0x4d, 0x18}, "lz4-compressed input", "decompress it (lz4 -d) or recompress it with zstd (.zst) or gzip (.gz)"},
	{[]byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}, "a 7-Zip archive", "extract the file (7z x) and read that, compressed with zstd (.zst) or gzip (.gz) if need be"},
	{[]byte("PK\x03\x04"), "a zip archive", "extract the file (unzip) and read that, compressed with zstd (.zst) or gzip (.gz) if need be"},
	{[]byte("PK\x05\x06"), "an empty zip archive", "extract the file (unzip) and read that"},
	{[]byte{0xff, 0xfe}, "UTF-16 text", "save it as UTF-8 (or GBK)"},
	{[]byte{0xfe, 0xff}, "UTF-16 text", "save it as UTF-8 (or GBK)"},
}

// isZstd reports whether head starts a zstd stream: a frame (28 b5 2f fd)
// or a skippable frame (5? 2a 4d 18).
func isZstd(head []byte) bool {
	return bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}) ||
		len(head) >= 4 && head[0]&0xf0 == 0x50 && head[1] == 0x2a && head[2] == 0x4d && head[3] == 0x18
}

// isBzip2 reports whether head starts a bzip2 stream: "BZh", the block
// size 1-9, then the magic of a block or of the end of the stream. The
// whole of it, as "BZh" alone could begin a header row.
func isBzip2(head []byte) bool {
	if len(head) < 10 || string(head[:3]) != "BZh" || head[3] < '1' || head[3] > '9' {
		return false
	}
	m := string(head[4:10])
	return m == "\x31\x41\x59\x26\x53\x59" || m == "\x17\x72\x45\x38\x50\x90"
}

// IsCompressed reports whether head, the first bytes of an input, starts a
// zstd or gzip stream, which the Reader decompresses.
func IsCompressed(head []byte) bool { return isZstd(head) || isGzip(head) }

// isGzip reports whether head starts a gzip stream.
func isGzip(head []byte) bool { return bytes.HasPrefix(head, []byte{0x1f, 0x8b}) }

// peek reads the first magicBytes of src (fewer when src is shorter) and
// returns them with a reader of the whole of src, those bytes included.
func peek(src io.Reader) (head []byte, all io.Reader, err error) {
	head = make([]byte, magicBytes)
	n, err := io.ReadFull(src, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, nil, err
	}
	head = head[:n]
	if n == 0 {
		return head, src, nil
	}
	return head, io.MultiReader(bytes.NewReader(head), src), nil
}

// decompress returns src decompressed when head, its first bytes, is the
// magic number of zstd or gzip, and src itself when head starts no
// compressed stream, archive or UTF-16 text; the closer, when not nil,
// releases the decompressor (it does not close src). Other compressions,
// archives and UTF-16 give an error wrapping ErrUnsupportedInput that says
// what the input is and what to do. Both streams may hold several frames
// or members one after another, as concatenated files do.
func decompress(src io.Reader, head []byte) (io.Reader, io.Closer, error) {
	switch {
	case isZstd(head):
		zr, err := compressio.NewZstdReader(src)
		if err != nil {
			return nil, nil, fmt.Errorf("record: %w", err)
		}
		return zr, zr, nil
	case isGzip(head):
		zr, err := compressio.NewGzipReader(src)
		if err != nil {
			return nil, nil, fmt.Errorf("record: %w", err)
		}
		return zr, zr, nil
	}
	if isBzip2(head) {
		return nil, nil, fmt.Errorf("%w: bzip2-compressed input is not read; decompress it (bunzip2) or recompress it with zstd (.zst) or gzip (.gz)", ErrUnsupportedInput)
	}
	for _, u := range unsupported {
		if bytes.HasPrefix(head, u.magic) {
			return nil, nil, fmt.Errorf("%w: %s is not read; %s", ErrUnsupportedInput, u.what, u.fix)
		}
	}
	return src, nil, nil
}
