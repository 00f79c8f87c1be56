package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/rowscan"
	"github.com/medpay/drg/weights"
)

// ErrNotGrouped is ReadGrouped's error for a file that is not what
// `drg group --out` writes (no id, status or dip_group column).
var ErrNotGrouped = errors.New("not a grouped file")

// maxRow bounds one row of a grouped file (a trace column can be long).
const maxRow = 4 << 20

// The columns of a grouped file that a report reads.
const (
	gcStatus = iota
	gcReason
	gcMDC
	gcDRG
	gcDRGName
	gcDIPGroup
	gcDIPKind
	gcDIPScore
	gcDIPReason
	gcDIPName
	gcHospitalID
	gcHospitalLevel
	gcWeight
	gcPayment
	gcOutlier
	gcUnpaid
	gcAdjustments
	numGrouped
)

// chineseColumns maps the Chinese names `drg group --header zh` writes
// back to the standard ones, for the columns a report reads and id.
var chineseColumns = func() map[string]string {
	m := map[string]string{}
	for _, n := range append(groupedNames[:], "id") {
		if zh, ok := batch.ChineseColumnName(n); ok {
			m[zh] = n
		}
	}
	return m
}()

// rejectReasonZH is the reason column of a rejects file written with
// Chinese names.
var rejectReasonZH = record.RejectHeader(false, true)[slices.Index(record.RejectHeader(false, false), "reason")]

var groupedNames = [numGrouped]string{"status", "reason", "mdc", "drg", "drg_name", "dip_group", "dip_kind", "dip_score",
	"dip_reason", "dip_name", "hospital_id", "hospital_level", "weight", "payment", "outlier", "unpaid", "adjustments"}

// ReadGrouped tallies the rows of a grouped file: what `drg group --out`
// writes, as CSV, TSV or JSON lines (format; FormatAuto tells them by the
// first line), uncompressed (the caller decompresses). Which columns the
// file has says what ran: status for DRG, dip_group for DIP, payment for
// prices; hospital_level comes with --costs. Every file an Aggregator
// reads must have been grouped under the same schemes. name labels errors.
// It returns the number of rows read. It parses with one worker; see
// ReadGroupedWorkers.
func (a *Aggregator) ReadGrouped(r io.Reader, name string, format record.Format) (int64, error) {
	return a.ReadGroupedWorkers(r, name, format, 1)
}

// groupedBlock is the text of whole CSV or TSV rows cut for a worker, with
// the line its first row starts on.
type groupedBlock struct {
	seq  int
	text []byte
	line int
	part *Aggregator // the worker's tally of the block
	rows int64
	err  error
}

// blockBytes is how much text of a grouped file one worker parses at a
// time: big enough that merging its tally (a few thousand groups and
// hospitals) costs little beside parsing its rows (about 30 000).
const blockBytes = 8 << 20

// ReadGroupedWorkers is ReadGrouped with the rows of a CSV or TSV file
// parsed by workers goroutines (JSON lines are read on one): the text is
// cut into blocks of whole rows, each block tallied apart and the tallies
// added in file order, so the summary is the same whatever workers is.
func (a *Aggregator) ReadGroupedWorkers(r io.Reader, name string, format record.Format, workers int) (int64, error) {
	var buf rowscan.Buffer
	buf.Reset(r, 256<<10)
	first, err := firstLine(&buf)
	if err != nil {
		return 0, fmt.Errorf("report: %s: %w", name, err)
	}
	if format == record.FormatAuto {
		switch {
		case len(first) > 0 && first[0] == '{':
			format = record.FormatJSONL
		case bytes.Count(first, []byte{'\t'}) > bytes.Count(first, []byte{','}):
			format = record.FormatTSV
		default:
			format = record.FormatCSV
		}
	}
	if format == record.FormatJSONL {
		return a.readJSONL(&buf, name)
	}
	delim := byte(',')
	if format == record.FormatTSV {
		delim = '\t'
	}
	// The header, read here: the blocks' tallies need its columns.
	var idx [numGrouped]int
	n, inner, how, err := buf.QuotedRecord(delim, maxRow)
	if err != nil {
		return 0, fmt.Errorf("report: %s: %w", name, err)
	}
	if how != rowscan.QuotedOK {
		return 0, fmt.Errorf("report: %s: unreadable header", name)
	}
	out, ends, bad := rowscan.SplitQuoted(bytes.TrimSuffix(buf.Pending()[:n], []byte{'\r'}), delim, nil, nil)
	buf.Consume(n)
	if bad >= 0 {
		return 0, fmt.Errorf("report: %s: header: text after a closing quote in column %d", name, bad+1)
	}
	var cols []string
	start := 0
	for _, end := range ends {
		cols = append(cols, string(out[start:end]))
		start = end
	}
	if err := a.header(&idx, cols, name); err != nil {
		return 0, err
	}
	line := 2 + inner

	workers = max(workers, 1)
	// A fixed set of blocks goes round (cutter -> worker -> merger ->
	// cutter): memory is bounded by it whatever the file, and an error
	// stops the cutter and the workers rather than read on to the end.
	pool := 2*workers + 2
	free := make(chan *groupedBlock, pool)
	for range pool {
		free <- &groupedBlock{}
	}
	todo := make(chan *groupedBlock, pool)
	done := make(chan *groupedBlock, pool)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range todo {
				select {
				case <-stop: // an earlier block failed: nothing more is merged
				default:
					if b.part == nil {
						b.part = a.blockTally()
					}
					b.rows, b.err = b.part.readRows(b.text, idx, delim, name, b.line)
				}
				done <- b
			}
		})
	}
	var cutErr error
	go func() {
		defer close(todo)
		cutErr = a.cut(&buf, delim, line, free, todo, stop)
	}()
	go func() { wg.Wait(); close(done) }()
	// Tallies added in file order: the same sums whatever the workers.
	var rows int64
	pending := map[int]*groupedBlock{}
	next := 0
	var firstErr error
	for b := range done {
		pending[b.seq] = b
		for p, ok := pending[next]; ok; p, ok = pending[next] {
			delete(pending, next)
			next++
			if firstErr == nil && p.err != nil {
				firstErr = p.err
				close(stop)
			}
			if firstErr == nil {
				a.merge(p.part)
				rows += p.rows
			}
			if p.part != nil {
				p.part.reset()
			}
			free <- p // never blocks: free holds the whole pool
		}
	}
	if firstErr == nil && cutErr != nil {
		firstErr = fmt.Errorf("report: %s: %w", name, cutErr)
	}
	return rows, firstErr
}

// cut cuts the text after the header into blocks of whole rows, each about
// blockBytes, taking blocks from free and sending them to todo in order
// until the input ends or stop is closed. The bounds depend on the text
// alone, never on how much a read returned (a GBK decoder, a pipe): the
// sums are added block by block, and other bounds would round them
// otherwise. line is the line the first row starts on.
func (a *Aggregator) cut(buf *rowscan.Buffer, delim byte, line int, free <-chan *groupedBlock, todo chan<- *groupedBlock, stop <-chan struct{}) error {
	for seq := 0; ; seq++ {
		for len(buf.Pending()) <= blockBytes && !buf.EOF() {
			if err := buf.Fill(); err != nil {
				return err
			}
		}
		p := buf.Pending()
		if len(p) == 0 {
			return nil
		}
		n := len(p)
		if !buf.EOF() || n > blockBytes {
			n = recordsEnd(p[:blockBytes], delim)
		}
		if n == 0 {
			// One row longer than a block (a huge quoted trace): alone.
			m, _, how, err := buf.QuotedRecord(delim, maxRow)
			if err != nil {
				return err
			}
			if how != rowscan.QuotedOK {
				return fmt.Errorf("line %d: unreadable row (an unclosed quote or a row over %d bytes)", line, maxRow)
			}
			p = buf.Pending()
			if n = m; n < len(p) && p[n] == '\n' {
				n++
			}
		}
		var b *groupedBlock
		select {
		case b = <-free:
		case <-stop:
			return nil
		}
		b.seq, b.text, b.line, b.rows, b.err = seq, append(b.text[:0], p[:n]...), line, 0, nil
		line += bytes.Count(p[:n], []byte{'\n'})
		buf.Advance(n)
		select {
		case todo <- b:
		case <-stop:
			return nil
		}
	}
}

// recordsEnd returns the length of the longest prefix of w made of whole
// CSV rows, each ending in a line end outside quotes (RFC 4180 quoting, a
// quote inside an unquoted field literal, as rowscan reads them); 0 when
// no row ends in w.
func recordsEnd(w []byte, delim byte) int {
	if bytes.IndexByte(w, '"') < 0 {
		return bytes.LastIndexByte(w, '\n') + 1
	}
	const (
		fieldStart = iota
		unquoted
		quoted
		quote // just after a quote inside a quoted field
	)
	st, end := fieldStart, 0
	for i, c := range w {
		switch st {
		case fieldStart, unquoted, quote:
			switch {
			case c == '\n':
				st, end = fieldStart, i+1
			case c == delim:
				st = fieldStart
			case c == '"' && st == fieldStart:
				st = quoted
			case c == '"' && st == quote:
				st = quoted // an escaped quote
			default:
				st = unquoted
			}
		case quoted:
			if c == '"' {
				st = quote
			}
		}
	}
	return end
}

// blockTally returns an empty Aggregator for one block of a's file: the
// same scheme and names, files already counted.
func (a *Aggregator) blockTally() *Aggregator {
	b := NewAggregator(a.opts)
	b.dip, b.dipBoth, b.fromFiles, b.noLevels = a.dip, a.dipBoth, true, a.noLevels
	return b
}

// readRows tallies the CSV or TSV rows of text, whose first starts on
// line line, under the header's columns idx.
func (a *Aggregator) readRows(text []byte, idx [numGrouped]int, delim byte, name string, line int) (int64, error) {
	var (
		buf  rowscan.Buffer
		out  []byte
		ends []int
		vals []string
		rows int64
	)
	buf.ResetBytes(text)
	field := func(c int) string {
		if i := idx[c]; i >= 0 && i < len(vals) {
			return vals[i]
		}
		return ""
	}
	for {
		n, err := buf.LineEnd(maxRow)
		if err != nil && err != rowscan.ErrLongLine {
			return rows, fmt.Errorf("report: %s: %w", name, err)
		}
		if n == 0 && buf.AtEOF() {
			return rows, nil
		}
		inner := 0
		if text := buf.Line(n); err == nil && bytes.IndexByte(text, '"') < 0 {
			// Most rows quote nothing: one string per row, the fields its
			// substrings.
			vals = rowscan.SplitLine(vals[:0], string(text), delim)
			buf.Consume(n)
		} else {
			var how rowscan.Quoted
			if n, inner, how, err = buf.QuotedRecord(delim, maxRow); err != nil {
				return rows, fmt.Errorf("report: %s: %w", name, err)
			}
			if how != rowscan.QuotedOK {
				return rows, fmt.Errorf("report: %s line %d: unreadable row (an unclosed quote or a row over %d bytes)", name, line, maxRow)
			}
			var bad int
			out, ends, bad = rowscan.SplitQuoted(bytes.TrimSuffix(buf.Pending()[:n], []byte{'\r'}), delim, out[:0], ends[:0])
			buf.Consume(n)
			if bad >= 0 {
				return rows, fmt.Errorf("report: %s line %d: text after a closing quote in field %d", name, line, bad+1)
			}
			row, start := string(out), 0
			vals = vals[:0]
			for _, end := range ends {
				vals = append(vals, row[start:end])
				start = end
			}
		}
		if len(vals) > 1 || len(vals) == 1 && vals[0] != "" {
			if err := a.addRow(field, name, line); err != nil {
				return rows, err
			}
			rows++
		}
		line += 1 + inner
	}
}

// firstLine returns the first line of buf without consuming it, a UTF-8
// byte-order mark skipped (Excel-ready files start with one).
func firstLine(buf *rowscan.Buffer) ([]byte, error) {
	n, err := buf.LineEnd(maxRow)
	if err != nil && err != rowscan.ErrLongLine {
		return nil, err
	}
	line := buf.Pending()[:n]
	if bytes.HasPrefix(line, []byte("\ufeff")) {
		buf.Advance(3)
		line = line[3:]
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return nil, fmt.Errorf("empty file: %w", ErrNotGrouped)
	}
	return line, nil
}

// header maps the columns of a grouped file's header row and checks that
// its schemes match the files read before.
func (a *Aggregator) header(idx *[numGrouped]int, cols []string, name string) error {
	for c := range idx {
		idx[c] = -1
	}
	hasID := false
	for i, col := range cols {
		col = strings.TrimSpace(col)
		if std, ok := chineseColumns[col]; ok {
			col = std // written with --header zh
		}
		col = strings.ToLower(col)
		if col == "id" {
			hasID = true
		}
		for c, n := range groupedNames {
			if n == col && idx[c] < 0 {
				idx[c] = i
			}
		}
	}
	// Without the level (drg group --costs writes it) a file says nothing
	// of levels: none is shown rather than one "unknown" bucket.
	a.noLevels = a.noLevels || idx[gcHospitalLevel] < 0
	return a.setScheme(hasID, idx[gcStatus] >= 0, idx[gcDIPGroup] >= 0, name)
}

func (a *Aggregator) setScheme(hasID, drg, dip bool, name string) error {
	if !hasID || !drg && !dip {
		return fmt.Errorf("report: %s: no id, status or dip_group column: %w", name, ErrNotGrouped)
	}
	var s grouper.Scheme
	if drg {
		s |= grouper.SchemeDRG
	}
	if dip {
		s |= grouper.SchemeDIP
	}
	if a.files > 0 && s != a.opts.Scheme {
		return fmt.Errorf("report: %s was grouped under %s, the files before it under %s: report them apart", name, s, a.opts.Scheme)
	}
	a.files++
	a.fromFiles = true
	a.opts.Scheme = s
	a.dip = dip
	a.dipBoth = dip && drg
	return nil
}

// addRow tallies one row whose columns field returns.
func (a *Aggregator) addRow(field func(int) string, name string, line int) error {
	c := &a.c
	*c = Case{Reason: field(gcReason), MDC: field(gcMDC), DRG: field(gcDRG), DRGName: field(gcDRGName),
		HospitalID: field(gcHospitalID), Adjustments: c.Adjustments[:0], noDRG: a.opts.Scheme&grouper.SchemeDRG == 0}
	bad := func(col int, err error) error {
		return fmt.Errorf("report: %s line %d: column %s: %w", name, line, groupedNames[col], err)
	}
	if !c.noDRG {
		st, ok := parseStatus(field(gcStatus))
		if !ok {
			return bad(gcStatus, fmt.Errorf("status %q is none of OK, QY, UNGROUPABLE, CHECK_FAILED", field(gcStatus)))
		}
		c.Status = st
	}
	if a.dip {
		c.DIP, c.DIPGroup, c.DIPKind, c.DIPReason, c.DIPName = true, field(gcDIPGroup), field(gcDIPKind), field(gcDIPReason), field(gcDIPName)
		if s := field(gcDIPScore); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return bad(gcDIPScore, err)
			}
			c.DIPScore = v
		}
	}
	if l := field(gcHospitalLevel); l != "" {
		v, err := strconv.ParseInt(l, 10, 8)
		if err != nil {
			return bad(gcHospitalLevel, err)
		}
		c.Level = int8(v)
	}
	if p := field(gcPayment); p != "" {
		c.Priced = true
		c.Unpaid = field(gcUnpaid)
		var err error
		if c.Amount, err = strconv.ParseFloat(p, 64); err != nil {
			return bad(gcPayment, err)
		}
		if w := field(gcWeight); w != "" {
			if c.Weight, err = strconv.ParseFloat(w, 64); err != nil {
				return bad(gcWeight, err)
			}
		}
		switch field(gcOutlier) {
		case "high":
			c.Outlier = weights.OutlierHigh
		case "low":
			c.Outlier = weights.OutlierLow
		}
		if c.Adjustments, err = ParseAdjustments(c.Adjustments, field(gcAdjustments)); err != nil {
			return bad(gcAdjustments, err)
		}
	}
	a.AddCase(c)
	return nil
}

// readJSONL tallies a grouped JSON-lines file, whose values are strings or
// numbers.
func (a *Aggregator) readJSONL(buf *rowscan.Buffer, name string) (int64, error) {
	var (
		rows int64
		vals [numGrouped]string
	)
	field := func(c int) string { return vals[c] }
	for line := 1; ; line++ {
		n, err := buf.LineEnd(maxRow)
		if err != nil {
			return rows, fmt.Errorf("report: %s line %d: %w", name, line, err)
		}
		if n == 0 && buf.AtEOF() {
			return rows, nil
		}
		text := bytes.TrimSpace(buf.Line(n))
		if len(text) == 0 {
			buf.Consume(n)
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(text, &m); err != nil {
			return rows, fmt.Errorf("report: %s line %d: %w", name, line, err)
		}
		buf.Consume(n)
		if rows == 0 {
			_, drg := m["status"]
			_, dip := m["dip_group"]
			_, id := m["id"]
			if _, ok := m["hospital_level"]; !ok {
				a.noLevels = true
			}
			if err := a.setScheme(id, drg, dip, name); err != nil {
				return 0, err
			}
		}
		for c, key := range groupedNames {
			vals[c] = ""
			raw, ok := m[key]
			if !ok {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) != nil {
				s = string(bytes.TrimSpace(raw)) // a number
				if s == "null" {
					s = ""
				}
			}
			vals[c] = s
		}
		if err := a.addRow(field, name, line); err != nil {
			return rows, err
		}
		rows++
	}
}

// ParseAdjustments appends to dst the adjustments of an adjustments column
// (weights.Payment.AdjustmentsString: "name×1.10(source);name+12.00(source)")
// and returns the extended slice. Only what a report needs is filled:
// Name, Op, Factor, Amount, Group and Source.
func ParseAdjustments(dst []weights.Adjustment, s string) ([]weights.Adjustment, error) {
	for s != "" {
		item, rest, _ := strings.Cut(s, ";")
		s = rest
		open := strings.LastIndexByte(item, '(')
		if open < 0 || !strings.HasSuffix(item, ")") {
			return dst, fmt.Errorf("adjustment %q: no (source)", item)
		}
		adj := weights.Adjustment{Source: item[open+1 : len(item)-1]}
		head := item[:open]
		i := strings.IndexFunc(head, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
		if i < 0 {
			adj.Name, adj.Op = head, weights.OpFlag
			dst = append(dst, adj)
			continue
		}
		adj.Name = head[:i]
		val := head[i:]
		var err error
		switch {
		case strings.HasPrefix(val, "×"):
			adj.Op = weights.OpFactor
			adj.Factor, err = strconv.ParseFloat(val[len("×"):], 64)
		case strings.HasPrefix(val, "+"):
			adj.Op = weights.OpAdd
			adj.Amount, err = strconv.ParseFloat(val[1:], 64)
		case strings.HasPrefix(val, "="):
			adj.Op = weights.OpSet
			adj.Amount, err = strconv.ParseFloat(val[1:], 64)
		case strings.HasPrefix(val, "→"):
			adj.Op, adj.Group = weights.OpGroup, val[len("→"):]
		default:
			// Text after a name that is no operator: a file decoded in the
			// wrong encoding (× read as two bytes) or not ours; counting
			// it as a flag would drop its amount silently (found in review).
			return dst, fmt.Errorf("adjustment %q: %q after the name is no operator (×, +, =, →)", item, val)
		}
		if err != nil {
			return dst, fmt.Errorf("adjustment %q: %w", item, err)
		}
		dst = append(dst, adj)
	}
	return dst, nil
}

// ReadRejects tallies a rejects file (record.RejectWriter's CSV: a reason
// column) into a's rejected counts. It returns the number of rejects.
func (a *Aggregator) ReadRejects(r io.Reader, name string) (int64, error) {
	var buf rowscan.Buffer
	buf.Reset(r, 64<<10)
	if _, err := firstLine(&buf); err != nil {
		return 0, fmt.Errorf("report: %s: %w", name, err)
	}
	var (
		out    []byte
		ends   []int
		reason = -1
		n64    int64
	)
	for line := 1; ; {
		n, inner, how, err := buf.QuotedRecord(',', maxRow)
		if err != nil {
			return n64, fmt.Errorf("report: %s: %w", name, err)
		}
		if n == 0 && buf.AtEOF() {
			return n64, nil
		}
		if how != rowscan.QuotedOK {
			return n64, fmt.Errorf("report: %s line %d: unreadable reject row", name, line)
		}
		rec := bytes.TrimSuffix(buf.Pending()[:n], []byte{'\r'})
		out, ends, _ = rowscan.SplitQuoted(rec, ',', out[:0], ends[:0])
		buf.Consume(n)
		start := 0
		for i, end := range ends {
			f := string(out[start:end])
			start = end
			if line == 1 && (f == "reason" || f == rejectReasonZH) {
				reason = i
			}
			if line > 1 && i == reason {
				a.Reject(f)
				n64++
			}
		}
		if line == 1 && reason < 0 {
			return 0, fmt.Errorf("report: %s: no reason column: not a rejects file", name)
		}
		line += 1 + inner
	}
}

// statuses are the grouping outcomes by name.
var statuses = [...]grouper.Status{grouper.StatusOK, grouper.StatusQY, grouper.StatusUngroupable, grouper.StatusCheckFailed}

// parseStatus is Status.UnmarshalText without the conversion to bytes.
func parseStatus(s string) (grouper.Status, bool) {
	for _, st := range statuses {
		if st.String() == s {
			return st, true
		}
	}
	return 0, false
}
