package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/medpay/drg/internal/compressio"
	"github.com/medpay/drg/internal/rowscan"
	"github.com/medpay/drg/internal/textenc"
)

// MaxRecordBytes bounds one record's text (all its lines, for a quoted
// multi-line CSV record). A longer line is rejected with ErrSyntax; a quoted
// field still open after this many bytes is rejected as unterminated.
const MaxRecordBytes = 1 << 20

// maxRawBytes bounds Error.Raw for an over-long line.
const maxRawBytes = 64 << 10

const initialBufferSize = 64 << 10

// Stats counts what a Reader has read so far.
type Stats struct {
	Records  int64 // records read: always Accepted + Rejected; blank lines are not records
	Accepted int64 // records returned without error
	Rejected int64 // records returned as *Error
	Bytes    int64 // bytes of text consumed, after decompression and decoding to UTF-8
}

// Reader reads and validates records from CSV, TSV or JSONL input.
//
// Read returns one record at a time, so memory stays flat whatever the input
// size; the only state that grows is Read's duplicate-id set (see
// Options.NoDuplicateCheck; a pipeline reading with ReadChunk checks ids with
// an IDSet, which can spill to disk). Values are trimmed of surrounding white space;
// header names are also lower-cased, so `ID` and ` id ` name the id column.
// A line holding nothing but separators and white space is skipped, not
// counted as a record.
//
// Accepted records have canonical codes (codes.Normalize) and satisfy the
// checks listed on Read. Duplicate ids are found with a set of 64-bit hashes
// of the accepted ids rather than the ids themselves: two different ids
// share a hash with probability about n²/2⁶⁵ over n records (3·10⁻⁸ for a
// million, 2·10⁻³ for 300 million), and the later record would then be
// wrongly rejected as a duplicate. Only accepted ids enter the set, so a
// corrected record appended after its rejected original is accepted.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	opts    Options
	gb      bool // the input is decoded from GB18030
	format  Format
	delim   byte
	closers []io.Closer // closed by Close, in order

	in  rowscan.Buffer // buffered input; its Offset is Stats.Bytes
	err error          // sticky: io.EOF or a fatal error

	line    int // physical lines consumed
	recLine int // first line of the current record
	stats   Stats

	header []string          // normalised column names
	local  map[string]column // Options.ColumnNames by headerKey; nil without
	colIdx [numColumns]int   // standard column -> index in vals, or -1
	// listParts are the further columns of a list column spread over
	// several (其他诊断代码1, 其他诊断代码2, ...), in order, read after
	// the one colIdx names: nil for a file with one column per list.
	listParts map[column][]int
	keepIdx   []int    // KeepColumns -> index in vals
	vals      []string // the current record's values, sliced from one string
	raw       string   // the current record's text, when already a string
	rawB      []byte   // else its bytes in the input buffer, valid until the next Fill
	// text is the whole chunk as one string, for a ChunkParser: a line's
	// string is sliced from it rather than copied, one allocation a chunk
	// instead of one a record. "" for a Reader, whose buffer is refilled.
	text    string
	scratch []byte // unquoted text of a quoted record
	ends    []int  // field ends in scratch
	ids     *IDSet // accepted ids: Options.IDs or the Reader's own (unbounded); nil with NoDuplicateCheck
	json    *jsonState
	pending *Error // ReadChunk: a reject cut after the last chunk's text
}

// NewReader returns a Reader of r. For CSV and TSV it reads the header row at
// once and fails, wrapping ErrMissingColumns, when there is no id column or
// neither a principal_dx nor a tcm_principal_dx column, or when a column
// named in opts.KeepColumns is missing. Input that starts with the zstd or
// gzip magic number is decompressed; input compressed otherwise (bzip2, xz,
// lz4), an archive (zip, 7-Zip) or UTF-16 text fails at once, wrapping
// ErrUnsupportedInput. Close releases the decompressor; it does not close
// r.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	return newReader(r, opts, nil)
}

// Open returns a Reader of the named file, or of standard input for "-". A
// `.zst` suffix means zstd compression, and zstd or gzip input is also
// recognised by its content, as NewReader does; unless opts.Format says
// otherwise the format comes from the extension before a `.zst` or `.gz`
// (.csv, .tsv, .jsonl or .ndjson), else from the content. Close closes the
// file.
func Open(path string, opts Options) (*Reader, error) {
	var (
		src     io.Reader
		closers []io.Closer
	)
	if path == "-" {
		src = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("record: %w", err)
		}
		src, closers = f, []io.Closer{f}
		if opts.Format == FormatAuto {
			opts.Format = FormatOf(path)
		}
		if isZstdPath(path) {
			zr, err := compressio.NewZstdReader(f)
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("record: %s: %w", path, err)
			}
			src, closers = zr, []io.Closer{zr, f}
		}
	}
	rd, err := newReader(src, opts, closers)
	if err != nil {
		if path != "-" {
			err = fmt.Errorf("%s: %w", path, err)
		}
		return nil, err
	}
	return rd, nil
}

func newReader(src io.Reader, opts Options, closers []io.Closer) (rd *Reader, err error) {
	defer func() {
		if err != nil {
			for _, c := range closers {
				c.Close()
			}
		}
	}()
	switch opts.Format {
	case FormatAuto, FormatCSV, FormatTSV, FormatJSONL:
	default:
		return nil, fmt.Errorf("record: unknown %v", opts.Format)
	}
	gb, auto := false, false
	switch strings.ToLower(strings.TrimSpace(opts.Encoding)) {
	case "", "utf-8", "utf8":
	case "gbk", "gb2312", "gb18030", "cp936":
		gb = true
	case "auto":
		auto = true
	default:
		return nil, fmt.Errorf("record: unsupported encoding %q (want auto, utf-8, gbk or gb18030)", opts.Encoding)
	}

	hint := -1 // bytes left in an in-memory src
	if l, ok := src.(interface{ Len() int }); ok {
		hint = l.Len()
	}

	// Compression is told by the content, not the name: zstd and gzip are
	// read, and other compressions refused by name rather than read as
	// text that is not UTF-8.
	head, src, err := peek(src)
	if err != nil {
		return nil, fmt.Errorf("record: read: %w", err)
	}
	src, dc, err := decompress(src, head)
	if err != nil {
		return nil, err
	}
	if dc != nil {
		closers = append([]io.Closer{dc}, closers...)
	}
	if auto {
		// The whole input is read in one encoding: deciding line by line
		// would accept GBK text that happens to be valid UTF-8 as garbage.
		src, gb, err = textenc.Sniff(src)
		if err != nil {
			return nil, fmt.Errorf("record: read: %w", err)
		}
	}
	if gb {
		src = textenc.NewGB18030Reader(src)
	}

	size := initialBufferSize
	if hint >= 0 && !gb && len(closers) == 0 {
		// A small in-memory input (one request) needs no 64 KiB buffer.
		size = min(size, max(hint+1, 512))
	}
	local, err := compileColumnMap(opts.ColumnNames)
	if err != nil {
		return nil, err
	}
	rd = &Reader{
		opts:    opts,
		gb:      gb,
		format:  opts.Format,
		closers: closers,
		local:   local,
	}
	rd.in.Reset(src, size)
	switch {
	case opts.NoDuplicateCheck:
		rd.opts.IDs = nil
	case opts.IDs != nil:
		rd.ids = opts.IDs
	default:
		rd.ids = NewIDSet(IDSetOptions{}) // no bound: never spills, nothing to close
	}
	if err := rd.start(); err != nil {
		return nil, err
	}
	return rd, nil
}

// start skips a byte-order mark, detects the format and reads the header.
func (r *Reader) start() error {
	for len(r.in.Pending()) < 3 && !r.in.EOF() {
		if err := r.in.Fill(); err != nil {
			return fmt.Errorf("record: read: %w", err)
		}
	}
	if bytes.HasPrefix(r.in.Pending(), []byte("\ufeff")) {
		r.in.Advance(3)
	}
	if r.format == FormatAuto {
		f, err := r.sniff()
		if err != nil {
			return err
		}
		r.format = f
	}
	switch r.format {
	case FormatJSONL:
		r.initJSON()
		return nil
	case FormatTSV:
		r.delim = '\t'
	default:
		r.delim = ','
	}
	return r.readHeader()
}

// sniff detects the format from the first non-blank line.
func (r *Reader) sniff() (Format, error) {
	for {
		n, err := r.in.LineEnd(MaxRecordBytes)
		if err != nil && err != rowscan.ErrLongLine {
			return 0, fmt.Errorf("record: read: %w", err)
		}
		line := bytes.TrimSpace(r.in.Pending()[:n])
		if len(line) == 0 {
			if n >= len(r.in.Pending()) && r.in.EOF() {
				return FormatCSV, nil // empty input; readHeader reports it
			}
			r.in.Consume(n)
			r.line++
			continue
		}
		switch {
		case line[0] == '{':
			return FormatJSONL, nil
		case bytes.Count(line, []byte{'\t'}) > bytes.Count(line, []byte{','}):
			return FormatTSV, nil
		}
		return FormatCSV, nil
	}
}

// readHeader reads the CSV or TSV header row and maps its columns.
func (r *Reader) readHeader() error {
	err := r.scanCSV()
	if err == io.EOF {
		return fmt.Errorf("record: empty input, no header row: %w", ErrMissingColumns)
	}
	if err != nil {
		var bad *Error
		if errors.As(err, &bad) {
			return fmt.Errorf("record: header (line %d): %w", bad.Line, bad.Err)
		}
		return fmt.Errorf("record: read: %w", err)
	}
	r.header = make([]string, len(r.vals))
	for i, v := range r.vals {
		r.header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(v, "\ufeff")))
	}
	for c := range r.colIdx {
		r.colIdx[c] = -1
	}
	var parts []listPart
	for i, name := range r.header {
		c, ok := r.columnOf(name)
		if part, isPart := r.listPartOf(name, i, c, ok); isPart {
			parts = append(parts, part)
			continue
		}
		if !ok || c == colIgnored {
			continue
		}
		if prev := r.colIdx[c]; prev >= 0 {
			if r.header[prev] == name {
				return fmt.Errorf("record: header: column %q appears twice: %w", name, ErrSyntax)
			}
			return fmt.Errorf("record: header: columns %q and %q both name %s: %w", strings.TrimSpace(r.vals[prev]), strings.TrimSpace(r.vals[i]), c, ErrSyntax)
		}
		r.colIdx[c] = i
	}
	if err := r.placeListParts(parts); err != nil {
		return err
	}
	var missing []string
	if r.colIdx[colID] < 0 {
		missing = append(missing, "id")
	}
	if r.colIdx[colPrincipalDx] < 0 && r.colIdx[colTCMPrincipalDx] < 0 {
		missing = append(missing, "principal_dx or tcm_principal_dx")
	}
	hint := ""
	if len(missing) > 0 {
		// A local export's own names are the usual cause.
		hint = " (name the columns as the standard names or the settlement list's do, or map the file's own names with a column map)"
	}
	for _, k := range r.opts.KeepColumns {
		name := strings.ToLower(strings.TrimSpace(k))
		i := indexOf(r.header, name)
		if i < 0 {
			missing = append(missing, name)
			continue
		}
		r.keepIdx = append(r.keepIdx, i)
	}
	if len(missing) > 0 {
		return fmt.Errorf("record: header lacks %s%s: %w", strings.Join(missing, ", "), hint, ErrMissingColumns)
	}
	return nil
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

// Columns returns the input's column names, trimmed and lower-cased: the
// header row for CSV and TSV, the standard columns followed by
// Options.KeepColumns for JSONL. The slice is the caller's.
func (r *Reader) Columns() []string { return append([]string(nil), r.header...) }

// DuplicateCheck reports whether Read rejects repeated ids, that is, whether
// Options.NoDuplicateCheck was false. Callers of ReadChunk use it to decide
// whether to keep an IDSet.
func (r *Reader) DuplicateCheck() bool { return r.ids != nil }

// IDs returns Options.IDs: the shared duplicate-id set, or nil when the
// Reader keeps its own (or checks none).
func (r *Reader) IDs() *IDSet { return r.opts.IDs }

// Encoding returns the encoding the input is read in: "gb18030" (which
// covers GBK and GB2312) or "utf-8". With Options.Encoding "auto" it is
// the detected one.
func (r *Reader) Encoding() string {
	if r.gb {
		return "gb18030"
	}
	return "utf-8"
}

// Format returns the input format, as given or detected.
func (r *Reader) Format() Format { return r.format }

// Stats returns the counts so far.
func (r *Reader) Stats() Stats {
	s := r.stats
	s.Bytes = r.in.Offset()
	return s
}

// Close releases the decompressor, if any, and closes the file opened by
// Open. It does not close a reader passed to NewReader or standard input.
func (r *Reader) Close() error {
	var errs []error
	for _, c := range r.closers {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	r.closers = nil
	if r.err == nil {
		r.err = errors.New("record: read after Close")
	}
	return errors.Join(errs...)
}

// Read reads the next record into rec, reusing rec's slices (rec is
// emptied as Reset would). It returns:
//
//   - nil: rec is valid until the next call with the same rec;
//   - an *Error: the record was rejected (rec then holds only Line and ID);
//     the caller may go on reading;
//   - io.EOF at the end of the input;
//   - any other error: reading failed (I/O, corrupt compression), and every
//     later call returns the same error.
//
// A record is rejected, with the cause wrapping one of the sentinels, when
// its line cannot be read (ErrSyntax: bad quoting, wrong field count, invalid
// UTF-8, a NUL character, a JSON object giving a column twice), it has no
// id (ErrMissingID), it has neither principal_dx nor
// tcm_principal_dx (ErrMissingDx), a code fails codes.Normalize
// (ErrInvalidCode, wrapping the *codes.CodeError), a number, date or enum
// cannot be parsed (ErrInvalidValue) or is impossible (ErrOutOfRange), it was
// discharged before admission (ErrDateOrder), or an earlier accepted record
// had the same id (ErrDuplicateID).
//
// The strings in rec share memory with one copy of the record's text, so
// keeping any of them keeps that text (a few hundred bytes) alive; through a
// ChunkParser, the copy of the whole chunk.
func (r *Reader) Read(rec *Record) error {
	// The lists' old elements are overwritten by the new record's; only
	// those past its lengths are cleared (clearTails), not every one first
	// (Reset's full clears cost a 2 M-record run 0.1 CPU-s).
	nSdx, nProcs, nExtra := len(rec.SecondaryDx), len(rec.Procedures), len(rec.Extra)
	rec.reuse()
	if r.err != nil {
		rec.clearTails(nSdx, nProcs, nExtra)
		return r.err
	}
	var err error
	if r.format == FormatJSONL {
		err = r.scanJSONL()
	} else {
		err = r.scanCSV()
		if err == nil && len(r.vals) != len(r.header) {
			err = r.reject("", fmt.Errorf("%w: %d fields, want %d as in the header", ErrSyntax, len(r.vals), len(r.header)))
			if i := r.colIdx[colID]; i < len(r.vals) {
				err.(*Error).ID = strings.TrimSpace(r.vals[i])
			}
		}
	}
	if err == nil {
		err = r.build(rec, r.vals)
	}
	rec.clearTails(nSdx, nProcs, nExtra)
	switch e := err.(type) {
	case nil:
		r.stats.Records++
		r.stats.Accepted++
		return nil
	case *Error:
		r.stats.Records++
		r.stats.Rejected++
		rec.Reset()
		rec.Line, rec.ID = e.Line, e.ID
		return e
	}
	rec.Reset()
	if err == io.EOF {
		r.err = io.EOF
	} else {
		r.err = fmt.Errorf("record: read: %w", err)
	}
	return r.err
}

// lineString returns line, the line at the start of r.in's pending text,
// as a string: a slice of r.text in a chunk, else a copy.
func (r *Reader) lineString(line []byte) string {
	if r.text != "" {
		pos := r.in.Pos()
		return r.text[pos : pos+len(line)]
	}
	return string(line)
}

// reject returns the *Error for the current record.
func (r *Reader) reject(field string, err error) *Error {
	raw := r.raw
	if raw == "" {
		raw = string(r.rawB)
	}
	return &Error{Line: r.recLine, Field: field, Err: err, Raw: raw}
}

// skipLongLine rejects the over-long line at the start of the input and skips to the next line.
func (r *Reader) skipLongLine() error {
	r.line++
	r.recLine = r.line
	p := r.in.Pending()
	r.raw = string(p[:min(len(p), maxRawBytes)])
	if err := r.in.SkipLine(); err != nil {
		return err
	}
	return r.reject("", fmt.Errorf("%w: line longer than %d bytes", ErrSyntax, MaxRecordBytes))
}

// errBadUTF8 is the cause for a line that is not UTF-8.
var errBadUTF8 = fmt.Errorf("%w: invalid UTF-8 (a GBK file? set the encoding to gbk)", ErrSyntax)

// errNUL is the cause for a value holding a NUL character: no export
// writes one in a field, and passed on it truncates the value in C-based
// tools downstream (databases, spreadsheets) or hides the rest of it.
var errNUL = fmt.Errorf("%w: NUL character (a binary or UTF-16 file?)", ErrSyntax)

// badText reports whether b, one line or record of CSV or TSV text, holds
// bytes no field may hold: text that is not UTF-8, or a NUL.
func badText(b []byte) bool { return !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 }

// rejectBadText rejects the current record, whose fields are not all
// readable text (badText). It names the first field that is not, with the
// cause, and the record's id when the id field itself is readable.
func (r *Reader) rejectBadText(fields [][]byte) *Error {
	field, cause := "", errBadUTF8
	for i, f := range fields {
		if badText(f) {
			if i < len(r.header) {
				field = r.header[i]
			}
			if bytes.IndexByte(f, 0) >= 0 {
				cause = errNUL
			}
			break
		}
	}
	e := r.reject(field, cause)
	// Before the header is read colIdx does not map anything yet.
	if i := r.colIdx[colID]; r.header != nil && i >= 0 && i < len(fields) && !badText(fields[i]) {
		e.ID = trim(string(fields[i]))
	}
	return e
}

// EncodingSniffBytes is how much of the input Options.Encoding "auto"
// looks at to choose between UTF-8 and GB18030.
const EncodingSniffBytes = textenc.SniffBytes
