package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unsafe"
)

// Chunk is a run of whole records cut from a Reader's input by ReadChunk, to
// be parsed on another goroutine by a ChunkParser. Cutting is cheap (it looks
// for line ends and quotes); parsing and validating, the expensive part, can
// then run on every core while the records keep their input order.
//
// The Data of a chunk cut by ReadChunk is fresh memory that no Reader
// writes again, and the records a ChunkParser parses from it share it (no
// copy): do not modify it once cut.
type Chunk struct {
	Data      []byte   // the records' text: whole lines, header excluded
	FirstLine int      // 1-based input line of Data's first line
	Rejects   []*Error // records rejected while cutting; all precede FirstLine

	cut bool // Data was made by ReadChunk, for Reset to share rather than copy
}

// ReadChunk replaces c's contents with the next records of the input: whole
// lines (for CSV, whole quoted records) adding up to about target bytes, and
// at least one record when any is left. It returns io.EOF, with c empty, at
// the end of the input, and any other error when reading fails; every later
// call then returns the same error.
//
// Parsing a chunk with a ChunkParser gives exactly the records and rejects
// that Read would have returned for the same text, with the same line
// numbers, except that ReadChunk never checks ids for duplicates: a caller
// that wants the check keeps an IDSet and adds the accepted ids in input
// order. Records that cannot be cut (a line longer than MaxRecordBytes, an
// unterminated quoted field) are rejected here and returned in c.Rejects.
// Stats counts bytes and these rejects only; mixing ReadChunk and Read on one
// Reader is not supported.
func (r *Reader) ReadChunk(c *Chunk, target int) error {
	target = max(target, 1)
	// Never the old Data: the records parsed from it share its memory.
	c.Data, c.Rejects, c.FirstLine, c.cut = nil, c.Rejects[:0], 0, true
	if r.pending != nil {
		c.Rejects = append(c.Rejects, r.pending)
		r.pending = nil
	}
	if r.err != nil {
		if len(c.Rejects) > 0 {
			return nil
		}
		return r.err
	}
	// The chunk is bounded by the input it consumes, not by its text: a run
	// of records rejected while cutting must not make one huge chunk.
	start := r.in.Offset()
	for r.in.Offset()-start < int64(target) {
		block, one, err := r.in.NextBlock(target-int(r.in.Offset()-start), MaxRecordBytes, r.format != FormatJSONL)
		if err != nil {
			return r.fail(c, err)
		}
		if one {
			// An over-long line or a quoted record: the sequential
			// scanner delimits it.
			if !r.cutOne(c) {
				break
			}
			continue
		}
		if len(block) == 0 {
			break // end of input
		}
		if len(c.Data) == 0 {
			c.FirstLine = r.line + 1
			c.Data = make([]byte, 0, max(target, len(block)))
		}
		c.Data = append(c.Data, block...)
		r.line += bytes.Count(block, []byte{'\n'})
		if block[len(block)-1] != '\n' {
			r.line++
		}
		r.in.Advance(len(block))
	}
	if len(c.Data) > 0 || len(c.Rejects) > 0 {
		return nil // a read error, if any, comes with the next call, as with Read
	}
	if r.err != nil {
		return r.err
	}
	r.err = io.EOF
	return io.EOF
}

// cutOne runs the sequential scanner over the one record at the start of
// the input, which the fast cut (NextBlock) could not delimit, and adds it
// to c: its text when it is readable, else its reject. A reject after some
// text ends the chunk, since the text's line numbers must stay contiguous:
// it is kept for the next chunk, and cutOne returns false. A read error
// also returns false.
func (r *Reader) cutOne(c *Chunk) bool {
	before, firstLine := r.in.Offset(), r.line+1
	var err error
	if r.format == FormatJSONL {
		err = r.scanJSONL()
	} else {
		err = r.scanCSV()
	}
	var bad *Error
	switch {
	case err == nil:
		// The record's text is still buffered, just behind.
		n := int(r.in.Offset() - before)
		if len(c.Data) == 0 {
			c.FirstLine = firstLine
		}
		c.Data = append(c.Data, r.in.Behind(n)...)
		return true
	case errors.As(err, &bad):
		r.stats.Records++
		r.stats.Rejected++
		if len(c.Data) == 0 {
			c.Rejects = append(c.Rejects, bad)
			return true
		}
		r.pending = bad
		return false
	case err == io.EOF:
		r.err = io.EOF
		return false
	default:
		r.fail(c, err)
		return false
	}
}

// fail makes err sticky for ReadChunk. It returns err, or nil when c
// already holds records: those are delivered first, as Read would, and the
// next call returns err.
func (r *Reader) fail(c *Chunk, err error) error {
	if err != io.EOF {
		err = fmt.Errorf("record: read: %w", err)
	}
	r.err = err
	if len(c.Data) > 0 || len(c.Rejects) > 0 {
		return nil
	}
	return err
}

// ChunkParser parses Chunks cut by one Reader. Each goroutine needs its own;
// a ChunkParser is not safe for concurrent use, but any number of them can
// parse chunks of the same Reader at once.
type ChunkParser struct {
	r Reader
}

// NewChunkParser returns a parser for r's chunks. Call it after NewReader or
// Open (which read the header) and before reading chunks.
func (r *Reader) NewChunkParser() *ChunkParser {
	// No ids: the pipeline checks them in input order, not the parsers.
	p := &ChunkParser{r: Reader{
		opts:   r.opts,
		format: r.format,
		delim:  r.delim,
		header: r.header,
		local:  r.local,
		colIdx: r.colIdx,
		err:    io.EOF,

		listParts: r.listParts,
	}}
	p.r.in.ResetBytes(nil)
	if r.format == FormatJSONL {
		p.r.initJSON()
	} else {
		p.r.keepIdx = r.keepIdx
	}
	return p
}

// Reset starts parsing c. The parsed records' strings are slices of one
// text (one allocation a chunk, not one a record), so a record kept after
// its chunk keeps that whole text alive. For a chunk cut by ReadChunk the
// text is c.Data itself, which nothing writes again; for any other chunk
// it is a copy made here, and c may be reused once Reset returns.
func (p *ChunkParser) Reset(c *Chunk) {
	r := &p.r
	r.in.ResetBytes(c.Data)
	if c.cut {
		r.text = unsafe.String(unsafe.SliceData(c.Data), len(c.Data))
	} else {
		r.text = string(c.Data)
	}
	r.line, r.err, r.stats = c.FirstLine-1, nil, Stats{}
}

// Read parses the next record of the chunk into rec, exactly as Reader.Read
// would except for the duplicate check and for what a kept string keeps
// alive: the chunk's whole text, not the record's (strings.Clone what is
// kept past the chunk). It returns nil, an *Error for a
// rejected record, or io.EOF at the end of the chunk.
func (p *ChunkParser) Read(rec *Record) error { return p.r.Read(rec) }

// Raw returns the text of the record Read returned last, without its line
// ending; for a quoted record spanning lines it is a copy.
func (p *ChunkParser) Raw() string {
	if p.r.raw != "" {
		return p.r.raw
	}
	return string(p.r.rawB)
}
