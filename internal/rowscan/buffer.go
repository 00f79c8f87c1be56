package rowscan

import (
	"bytes"
	"errors"
	"io"
)

// ErrLongLine is LineEnd's error for a line longer than its bound.
var ErrLongLine = errors.New("rowscan: line too long")

// Buffer buffers a stream of text lines for a scanner that looks at a line
// before deciding how much of it to consume. The unconsumed text is
// Pending(); Fill reads more, moving it to the front, so offsets relative to
// the start of Pending stay valid across a Fill while slices of it do not.
//
// Reset or ResetBytes gives a Buffer its input. A Buffer is not safe for concurrent use.
type Buffer struct {
	src      io.Reader
	buf      []byte // unconsumed text is buf[pos:end]
	pos, end int
	eof      bool  // src is exhausted
	empty    int   // consecutive empty reads from src
	off      int64 // bytes consumed
}

// Reset makes b read src through a buffer of size bytes to start with; it
// doubles whenever one line or record does not fit.
func (b *Buffer) Reset(src io.Reader, size int) {
	*b = Buffer{src: src, buf: make([]byte, size)}
}

// ResetBytes makes b read text, which it does not copy, as the whole input,
// and sets the consumed-byte count to 0.
func (b *Buffer) ResetBytes(text []byte) {
	*b = Buffer{buf: text, end: len(text), eof: true}
}

// Pending returns the buffered text not yet consumed, valid until the next
// Fill.
func (b *Buffer) Pending() []byte { return b.buf[b.pos:b.end] }

// Pos returns the index in the text given to ResetBytes of Pending's first
// byte (for a Buffer reading a source, its index in the buffer).
func (b *Buffer) Pos() int { return b.pos }

// EOF reports whether the source is exhausted: Pending is all that is left.
func (b *Buffer) EOF() bool { return b.eof }

// AtEOF reports whether all input has been consumed.
func (b *Buffer) AtEOF() bool { return b.eof && b.pos == b.end }

// Offset returns the number of bytes consumed so far.
func (b *Buffer) Offset() int64 { return b.off }

// Advance consumes the first n bytes of Pending.
func (b *Buffer) Advance(n int) {
	b.pos += n
	b.off += int64(n)
}

// Fill reads more input, first moving the unconsumed text to the front
// (offsets relative to Pending's start stay valid) and growing the buffer
// when it is full. At the end of input it does nothing. It returns the
// source's error, other than io.EOF, or io.ErrNoProgress after 100 empty
// reads in a row.
func (b *Buffer) Fill() error {
	if b.eof {
		return nil
	}
	if b.pos > 0 {
		b.end = copy(b.buf, b.buf[b.pos:b.end])
		b.pos = 0
	}
	if b.end == len(b.buf) {
		nb := make([]byte, 2*len(b.buf))
		copy(nb, b.buf[:b.end])
		b.buf = nb
	}
	n, err := b.src.Read(b.buf[b.end:])
	b.end += n
	switch {
	case err == io.EOF:
		b.eof = true
	case err != nil:
		return err
	case n == 0:
		if b.empty++; b.empty > 100 {
			return io.ErrNoProgress
		}
	default:
		b.empty = 0
	}
	return nil
}

// LineEnd returns the length of the line at the start of Pending, without
// its '\n', filling as needed. At the end of input the line is what is left
// (0 bytes when nothing is). A line longer than max bytes gives ErrLongLine.
func (b *Buffer) LineEnd(max int) (int, error) {
	from := 0
	for {
		if i := bytes.IndexByte(b.buf[b.pos+from:b.end], '\n'); i >= 0 {
			if n := from + i; n > max {
				return n, ErrLongLine
			}
			return from + i, nil
		}
		from = b.end - b.pos
		if from > max {
			return from, ErrLongLine
		}
		if b.eof {
			return from, nil
		}
		if err := b.Fill(); err != nil {
			return 0, err
		}
	}
}

// Consume consumes the line of length n at the start of Pending and its
// '\n', if any.
func (b *Buffer) Consume(n int) {
	if b.pos+n < b.end {
		n++ // the '\n'
	}
	b.Advance(n)
}

// Behind returns the last n bytes consumed, when no Fill came since: the
// text of a record just scanned. It is valid until the next Fill.
func (b *Buffer) Behind(n int) []byte { return b.buf[b.pos-n : b.pos] }

// Line returns the first n bytes of Pending without a final '\r'.
func (b *Buffer) Line(n int) []byte {
	l := b.buf[b.pos : b.pos+n]
	if len(l) > 0 && l[len(l)-1] == '\r' {
		l = l[:len(l)-1]
	}
	return l
}

// SkipLine consumes the line at the start of Pending, however long, and its
// '\n', filling as needed. It returns a read error from Fill.
func (b *Buffer) SkipLine() error {
	for {
		if i := bytes.IndexByte(b.buf[b.pos:b.end], '\n'); i >= 0 {
			b.Consume(i)
			return nil
		}
		b.Advance(b.end - b.pos)
		if b.eof {
			return nil
		}
		if err := b.Fill(); err != nil {
			return err
		}
	}
}
