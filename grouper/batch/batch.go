package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/cputime"
	"github.com/medpay/drg/internal/textenc"
	"github.com/medpay/drg/weights"
)

// Options configure Run. The zero value groups under DRG with one worker per
// CPU and writes CSV.
type Options struct {
	Workers    int            // parsing and grouping goroutines; 0 = GOMAXPROCS
	BatchBytes int            // input text per batch, cut at record boundaries; 0 = 64 KiB
	Scheme     grouper.Scheme // 0 = SchemeDRG
	Explain    bool           // add a trace column
	Format     record.Format  // output format: FormatCSV (default), FormatTSV or FormatJSONL
	NoHeader   bool           // do not write the header row (appending to earlier output)
	// Text writes the CSV or TSV output for people (record.TextOptions):
	// a byte-order mark for Excel (with the header row, so not with
	// NoHeader), GBK or GB18030, Chinese column names (ChineseColumnName).
	// Run refuses a mark or an encoding other than UTF-8 with JSON lines,
	// whose keys stay English. With GBK, a record whose row has a
	// character GBK lacks fails the run, wrapping record.ErrUnencodable
	// and naming the record, its line and the column: the first such
	// record in input order, whatever the worker count. Job writes the
	// rejects file by it too.
	Text record.TextOptions
	// Columns adds columns to every output row, after the grouping columns.
	Columns []Column
	// Payment, when set, prices every record under PaymentScheme and adds
	// the payment columns (see Columns).
	Payment       *weights.Calculator
	PaymentScheme grouper.Scheme // SchemeDRG or SchemeDIP; 0 = SchemeDRG when Scheme has DRG, else SchemeDIP
	// Versions, when set, groups each record under the rule-set revision
	// in force on its discharge date (Grouper.RuleSet().Valid), priced by
	// that version's Payment, in place of Run's g and Payment: the last
	// one in force wins where periods overlap (list them oldest revision
	// first). A record with no discharge date, or discharged outside every
	// period, is rejected as not in force (record.ErrNotInForce). Either
	// every version has a Payment or none has.
	Versions Versions
	// OnResult, when set, is called for every accepted record in input order,
	// from one goroutine. rec, res and pay (nil without Payment) are valid
	// only during the call, and a string kept from rec (or from res, which
	// holds some of rec's) keeps its whole 64 KiB chunk of input alive:
	// strings.Clone what is kept.
	OnResult func(rec *record.Record, res *grouper.Result, pay *weights.Payment)
	// OnReject, when set, is called for every rejected record in input
	// order, from the goroutine that calls OnResult (a report counts the
	// rejects by reason with it). e is valid only during the call; clone
	// its strings to keep them (see OnResult).
	OnReject func(e *record.Error)
	// DuplicateMemory bounds the memory of the duplicate-id check, in bytes
	// (see record.IDSet): 0 means DefaultDuplicateMemory, a negative value no
	// bound. Past it, hashes of earlier ids spill to files in TempDir ("" =
	// the system's), so memory stays flat whatever the input size.
	DuplicateMemory int64
	TempDir         string
	// MeasureGroupCPU fills Stats.GroupCPU. It costs two system calls a
	// batch (about 1% of a run's CPU here).
	MeasureGroupCPU bool
	// ExpectedRecords is an estimate of the input's records (0: unknown),
	// for sizing the duplicate-id check's table up front within
	// DuplicateMemory (not without a bound; Job sets it from the input
	// files' sizes).
	ExpectedRecords int
	// Progress, when set, is called about every ProgressEvery with the
	// counts so far, and once at the end.
	Progress      func(Stats)
	ProgressEvery time.Duration // 0 = 1s
}

// Version is one rule-set revision of a run by discharge date
// (Options.Versions), with the calculator that prices its records (nil:
// no payment).
type Version struct {
	Grouper *grouper.Grouper
	Payment *weights.Calculator
}

// Versions are the revisions of a run by discharge date, oldest first.
type Versions []Version

// ForDate returns the index of the version in force on d: the last whose
// rule set's period contains it; false when none does or d is zero.
func (vs Versions) ForDate(d record.Date) (int, bool) {
	if d == 0 {
		return 0, false
	}
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Grouper.RuleSet().Valid.Contains(d) {
			return i, true
		}
	}
	return 0, false
}

// Column returns the output column rule_set_version: the Version of the
// rule set that grouped each record (picked again by its discharge date),
// for Options.Columns.
func (vs Versions) Column() Column {
	return Column{Name: "rule_set_version", Append: func(dst []byte, rec *record.Record, _ *grouper.Result) []byte {
		if i, ok := vs.ForDate(rec.DischargeDate); ok {
			dst = append(dst, vs[i].Grouper.RuleSet().Version...)
		}
		return dst
	}}
}

// DefaultDuplicateMemory is the duplicate-id check's memory when
// Options.DuplicateMemory is 0: exact in memory up to about 3 million ids,
// then 32 MiB of hashes plus a 32 MiB filter over the spilled ones.
const DefaultDuplicateMemory = 64 << 20

// Column is an extra output column computed from a record and its result.
// Append must append the value (unquoted; CSV quoting is applied after) and
// be safe for concurrent use.
type Column struct {
	Name   string
	Append func(dst []byte, rec *record.Record, res *grouper.Result) []byte
}

// Stats are the counts of a run.
type Stats struct {
	Records     int64 // records read: Grouped + Rejected
	Grouped     int64 // accepted records, whatever their status
	OK          int64
	QY          int64
	Ungroupable int64
	CheckFailed int64
	Rejected    int64
	PerMDC      [26]int64 // grouped (OK or QY) per MDC letter
	// UnknownCodes counts grouped records with at least one code the rule
	// set does not know (grouper.Result.UnknownCodes): many of them usually
	// mean the input was coded in another edition than the rule set's.
	UnknownCodes int64
	Bytes        int64 // input bytes read
	Elapsed      time.Duration
	// GroupCPU is, with Options.MeasureGroupCPU, the CPU time the workers
	// spent grouping (grouper.Grouper.GroupScheme alone: not parsing,
	// pricing or formatting), summed over them: each batch's grouping runs
	// on one held thread between two readings of that thread's CPU clock.
	// It measures grouping inside the pipeline against grouping in memory
	// (drg bench). 0 where the thread's clock cannot be read (not Linux).
	GroupCPU time.Duration
}

// RecordsPerSecond is the throughput so far.
func (s Stats) RecordsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Records) / s.Elapsed.Seconds()
}

type batchBuf struct {
	seq     int
	chunk   record.Chunk
	recs    []record.Record // accepted records, in input order
	raws    []string        // their text, for a duplicate-id reject
	rowEnd  []int           // end of each record's row in out
	results []grouper.Result
	pays    []weights.Payment
	rejects []*record.Error // rejected while parsing, in input order
	vers    []uint16        // with Options.Versions: each record's version
	out     []byte
	enc     *textenc.Encoder // with Options.Text.Encoding: this batch's, made once
	encoded []byte           // encodeRow's scratch
	err     error            // a row that could not be encoded: the run's error, at this batch's turn
	bytes   int64            // input bytes read when the batch was cut
	cpu     float64          // seconds of CPU its grouping took (Stats.GroupCPU)
}

// parse fills b.recs and b.rejects from b.chunk; a record that no rule
// set or policy of the run may group or price (inForce) is rejected.
func (b *batchBuf) parse(p *record.ChunkParser, inForce func(*record.Record) (uint16, error)) error {
	p.Reset(&b.chunk)
	last, lastRaws, lastRejects := len(b.recs), len(b.raws), len(b.rejects)
	b.recs, b.raws, b.rejects, b.vers = b.recs[:0], b.raws[:0], b.rejects[:0], b.vers[:0]
	defer func() {
		// Read reset the records it filled, and appending overwrote the
		// raws and rejects; those past this batch's counts still hold the
		// last chunk's strings (see forget).
		for i := len(b.recs); i < last; i++ {
			b.recs[:last][i].Reset()
		}
		forget(b.raws, lastRaws)
		forget(b.rejects, lastRejects)
	}()
	for {
		n := len(b.recs)
		if n == cap(b.recs) {
			b.recs = append(b.recs, record.Record{})
		}
		b.recs = b.recs[:n+1]
		err := p.Read(&b.recs[n])
		if err == nil {
			if inForce == nil {
				b.raws = append(b.raws, p.Raw())
				continue
			}
			v, why := inForce(&b.recs[n])
			if why == nil {
				b.raws = append(b.raws, p.Raw())
				b.vers = append(b.vers, v)
				continue
			}
			rec := &b.recs[n]
			err = &record.Error{Line: rec.Line, ID: rec.ID, Field: "discharge_date", Err: why, Raw: p.Raw()}
		}
		b.recs = b.recs[:n]
		var bad *record.Error
		switch {
		case errors.As(err, &bad):
			b.rejects = append(b.rejects, bad)
		case err == io.EOF:
			return nil
		default:
			return err
		}
	}
}

// forget clears the elements of s between its length and last, its length
// for the batch before: the records' strings are slices of their chunk's
// text (record.ChunkParser), so any one left behind in a slice's spare
// capacity (a raw line, a reject, a result) would keep that whole chunk
// from the collector (the heap of a 2 M-record run grew to 240 MB before
// this). The elements below the length are the new batch's own. Clearing
// only the tail, not the whole slice each batch, saved ~1% of a run.
func forget[T any](s []T, last int) {
	if last > len(s) {
		clear(s[len(s):last])
	}
}

// group groups, prices and formats b's parsed records. It stops at a row
// it cannot encode (Options.Text.Encoding), returning the error.
func (b *batchBuf) group(g *grouper.Grouper, f *formatter, opts *Options) error {
	if cap(b.results) < len(b.recs) {
		b.results = make([]grouper.Result, len(b.recs))
	}
	lastResults := len(b.results)
	b.results = b.results[:len(b.recs)]
	forget(b.results, lastResults)
	b.pays = b.pays[:0]
	if opts.Payment != nil {
		if cap(b.pays) < len(b.recs) {
			b.pays = make([]weights.Payment, len(b.recs))
		}
		b.pays = b.pays[:len(b.recs)]
	}
	b.rowEnd = b.rowEnd[:0]
	// Grouping first, all of it (with MeasureGroupCPU on one held thread
	// between two readings of its CPU clock); then pricing and formatting.
	var t0 float64
	if opts.MeasureGroupCPU {
		runtime.LockOSThread()
		t0 = cputime.Thread()
	}
	switch {
	case opts.Explain:
		for i := range b.recs {
			g := g
			if len(opts.Versions) > 0 {
				g = opts.Versions[b.vers[i]].Grouper
			}
			tr := new(grouper.Trace) // the result keeps it until OnResult has seen it
			b.results[i] = g.GroupScheme(&b.recs[i], opts.Scheme, tr)
		}
	case len(opts.Versions) > 0:
		// Each run of records under one rule version at once.
		for i := 0; i < len(b.recs); {
			j := i + 1
			for j < len(b.recs) && b.vers[j] == b.vers[i] {
				j++
			}
			opts.Versions[b.vers[i]].Grouper.GroupAll(b.recs[i:j], opts.Scheme, b.results[i:j])
			i = j
		}
	default:
		g.GroupAll(b.recs, opts.Scheme, b.results)
	}
	if opts.MeasureGroupCPU {
		b.cpu = max(cputime.Thread()-t0, 0)
		runtime.UnlockOSThread()
	}
	for i := range b.recs {
		calc := opts.Payment
		if len(opts.Versions) > 0 {
			calc = opts.Versions[b.vers[i]].Payment
		}
		var pay *weights.Payment
		if calc != nil {
			pay = &b.pays[i]
			calc.Compute(&b.recs[i], &b.results[i], opts.PaymentScheme, pay)
		}
		start := len(b.out)
		b.out = f.row(b.out, &b.recs[i], &b.results[i], pay)
		if f.enc != "" {
			if err := b.encodeRow(f, start, &b.recs[i]); err != nil {
				return err
			}
		}
		b.rowEnd = append(b.rowEnd, len(b.out))
	}
	return nil
}

// NewIDSet returns the duplicate-id set Run makes for an input without
// one (record.Options.IDs), bounded by opts.DuplicateMemory and spilling to
// opts.TempDir: make one to share through record.Options.IDs between the
// runs over several inputs.
func NewIDSet(opts Options) *record.IDSet {
	mem := opts.DuplicateMemory
	switch {
	case mem == 0:
		mem = DefaultDuplicateMemory
	case mem < 0:
		mem = 0
	}
	return record.NewIDSet(record.IDSetOptions{MaxMemory: mem, TempDir: opts.TempDir, Expected: opts.ExpectedRecords})
}

// windowPerWorker is the number of batches in flight (taken by the reader
// and not yet written) per worker: Run's batches never take more than
// windowPerWorker × Workers × a batch's memory, whatever one lagging batch
// holds up. Four leaves room, beside each worker's batch and the reader's
// and writer's, for queued batches and for those that finish ahead of a
// slower one (the queues before the window held up to 2 × Workers each).
const windowPerWorker = 4

// InFlight returns the most batches Run holds at once (read and not yet
// written) with workers workers (GOMAXPROCS when workers <= 0, as
// Options.Workers): what a caller sizing Options.BatchBytes against a
// memory limit multiplies a batch's memory by.
func InFlight(workers int) int {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return windowPerWorker * workers
}

// Run reads every record of in, groups it with g and writes one output row
// per accepted record to out and one row per rejected record to rejects (nil
// discards them after counting). It returns when the input is exhausted, an
// I/O error occurs, or ctx is cancelled. With opts.Versions, each record
// is grouped by its version's grouper and g is not used (it may be nil).
//
// Run works in four steps, joined by channels:
//
//  1. read: one goroutine cuts the input into batches of whole records, in
//     input order, each taking a slot of a fixed window of batches in
//     flight (read and not yet written), four per worker;
//  2. group: Workers goroutines parse, group, price and format each batch;
//  3. reorder: Run's goroutine puts the batches back into input order, in a
//     ring of the window's size;
//  4. write: Run's goroutine checks ids for duplicates, writes rows and
//     rejects, counts, and gives the batch's slot back to the reader.
//
// A batch that lags (a huge one, a slow disk) stops the reader once the
// others have filled the window, so memory stays bounded by the window
// whatever the lag.
func Run(ctx context.Context, g *grouper.Grouper, in *record.Reader, out io.Writer, rejects *record.RejectWriter, opts Options) (Stats, error) {
	return newRun(g, in, out, rejects, opts).run(ctx)
}

// withDefaults returns opts with its zero values replaced by the defaults
// Options documents.
func withDefaults(opts Options) Options {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = 64 << 10
	}
	if opts.Scheme == 0 {
		opts.Scheme = grouper.SchemeDRG
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = time.Second
	}
	if len(opts.Versions) > 0 && opts.Versions[0].Grouper != nil {
		// The output's columns follow the versions' payment, which is
		// every version's or none's (checkVersions).
		opts.Payment = opts.Versions[0].Payment
	}
	if opts.PaymentScheme == 0 {
		opts.PaymentScheme = grouper.SchemeDRG
		if opts.Scheme&grouper.SchemeDRG == 0 {
			opts.PaymentScheme = grouper.SchemeDIP
		}
	}
	return opts
}

// run is one call of Run: its steps are its methods.
type run struct {
	g    *grouper.Grouper
	in   *record.Reader
	opts Options
	f    *formatter
	w    writer
	st   Stats

	ctx    context.Context
	cancel context.CancelFunc
	errc   chan error // the first failure

	// free holds the window's slots: a batch buffer to reuse, or nil for
	// one not made yet. The reader takes a slot before it reads a batch and
	// the writer puts it back once the batch is written, so no more than
	// len(ring) batches are ever in flight, and sends on toWork and
	// toWrite, sized to the window, never block.
	free    chan *batchBuf
	toWork  chan *batchBuf
	toWrite chan *batchBuf
	// ring holds the batches that finished before the one the writer
	// waits for (seq next), each at its seq modulo the window: the seqs in
	// flight are next to next+len(ring)-1, so no two share a slot.
	ring []*batchBuf
	next int

	// held counts the batches in flight and maxHeld is its high-water
	// mark, kept by the reader (only the reader raises held): for tests.
	held    atomic.Int64
	maxHeld int64
	// inForce, when set, picks each record's version (Options.Versions)
	// or checks the policy's period, rejecting what nothing may group or
	// price.
	inForce func(*record.Record) (uint16, error)
	// versionsErr is checkVersions' verdict on Options.Versions, which run
	// returns before reading anything.
	versionsErr error
	// beforeGroup, when set, is called by a worker with each batch's seq
	// before it groups it: a seam for tests (a batch that lags).
	beforeGroup func(seq int)
}

func newRun(g *grouper.Grouper, in *record.Reader, out io.Writer, rejects *record.RejectWriter, opts Options) *run {
	opts = withDefaults(opts)
	// Each calculator bound to its grouper: a record is then priced by
	// the grouper's IDs, with no look-up of its codes (weights Bind).
	if opts.Payment != nil && len(opts.Versions) == 0 {
		opts.Payment = opts.Payment.Bind(g) // a no-op when Job bound it already
	}
	if len(opts.Versions) > 0 {
		vs := make(Versions, len(opts.Versions))
		for i, v := range opts.Versions {
			if v.Payment != nil {
				v.Payment = v.Payment.Bind(v.Grouper) // a no-op when bound already
			}
			vs[i] = v
		}
		opts.Versions = vs
	}
	window := windowPerWorker * opts.Workers
	r := &run{
		g: g, in: in, opts: opts, f: newFormatter(opts),
		errc:    make(chan error, 1),
		free:    make(chan *batchBuf, window),
		toWork:  make(chan *batchBuf, window),
		toWrite: make(chan *batchBuf, window),
		ring:    make([]*batchBuf, window),
	}
	if r.versionsErr = checkVersions(r.opts.Versions); r.versionsErr == nil {
		r.inForce = inForce(&r.opts)
	}
	r.w = writer{out: out, rejects: rejects, st: &r.st, onResult: opts.OnResult, onReject: opts.OnReject}
	for range window {
		r.free <- nil
	}
	return r
}

// ErrVersions reports Options.Versions that cannot make one run.
var ErrVersions = errors.New("batch: versions")

// checkVersions checks that opts.Versions can make one run: each has a
// grouper, and every one has a payment calculator or none has (the
// output's columns are one set).
func checkVersions(vs []Version) error {
	for i, v := range vs {
		if v.Grouper == nil {
			return fmt.Errorf("%w: version %d has no grouper", ErrVersions, i)
		}
		if (v.Payment == nil) != (vs[0].Payment == nil) {
			return fmt.Errorf("%w: version %d (%s %s) is priced and version %d (%s %s) is not, or the other way round: price every version or none", ErrVersions,
				0, vs[0].Grouper.RuleSet().Name, vs[0].Grouper.RuleSet().Version, i, v.Grouper.RuleSet().Name, v.Grouper.RuleSet().Version)
		}
	}
	return nil
}

// inForce returns the check run before grouping each record: with
// Versions, it picks the last version whose rule set is in force on the
// record's discharge date, and whose policy, if any, covers it too; with
// a Payment alone, it checks that a record discharged on a given date is
// inside the policy's period (a record without a date is priced, there
// being nothing to check). nil when there is nothing to check.
func inForce(opts *Options) func(*record.Record) (uint16, error) {
	if vs := opts.Versions; len(vs) > 0 {
		name := vs[0].Grouper.RuleSet().Name
		periods := make([]string, len(vs))
		for i, v := range vs {
			periods[i] = v.Grouper.RuleSet().Valid.String()
		}
		return func(rec *record.Record) (uint16, error) {
			d := rec.DischargeDate
			if d == 0 {
				return 0, fmt.Errorf("%w: no discharge date to pick the revision of rule set %s in force", record.ErrNotInForce, name)
			}
			if i, ok := vs.ForDate(d); ok {
				if p := vs[i].Payment; p != nil && p.RefusesOutsidePeriod() && !p.Valid().Contains(d) {
					return 0, fmt.Errorf("%w: discharged %s, outside the period %s of policy %s", record.ErrNotInForce, d, p.Valid(), p.Policy().Region)
				}
				return uint16(i), nil
			}
			return 0, fmt.Errorf("%w: discharged %s, outside every revision of rule set %s (%s)", record.ErrNotInForce, d, name, strings.Join(periods, ", "))
		}
	}
	if p := opts.Payment; p != nil && p.RefusesOutsidePeriod() && p.Valid() != (record.Period{}) {
		return func(rec *record.Record) (uint16, error) {
			if d := rec.DischargeDate; d != 0 && !p.Valid().Contains(d) {
				return 0, fmt.Errorf("%w: discharged %s, outside the period %s of policy %s", record.ErrNotInForce, d, p.Valid(), p.Policy().Region)
			}
			return 0, nil
		}
	}
	return nil
}

func (r *run) run(ctx context.Context) (Stats, error) {
	if r.versionsErr != nil {
		return r.st, r.versionsErr
	}
	if err := r.opts.Text.Check(r.opts.Format); err != nil {
		return r.st, err
	}
	start := time.Now()
	if !r.opts.NoHeader {
		head, err := r.f.start()
		if err != nil {
			return r.st, err
		}
		if _, err := r.w.out.Write(head); err != nil {
			return r.st, fmt.Errorf("write output: %w", err)
		}
	}
	r.ctx, r.cancel = context.WithCancel(ctx)
	defer r.cancel()
	switch {
	case !r.in.DuplicateCheck():
	case r.in.IDs() != nil:
		r.w.seen = r.in.IDs() // shared with the runs over other inputs
	default:
		r.w.seen = NewIDSet(r.opts)
		defer r.w.seen.Close()
	}

	// One parser per worker, made before the reader goroutine starts to
	// use in. Workers end only once the reader has closed toWork, and the
	// writer only once they have ended, so Run never returns while the
	// reader still uses in.
	parsers := make([]*record.ChunkParser, r.opts.Workers)
	for i := range parsers {
		parsers[i] = r.in.NewChunkParser()
	}
	go r.read()
	var wg sync.WaitGroup
	for _, p := range parsers {
		wg.Go(func() { r.group(p) })
	}
	go func() { wg.Wait(); close(r.toWrite) }()
	r.writeInOrder(start)

	// toWrite is closed: the reader and workers have returned.
	r.st.Elapsed, r.st.Bytes = time.Since(start), r.in.Stats().Bytes
	select {
	case err := <-r.errc:
		return r.st, err
	default:
	}
	if err := r.ctx.Err(); err != nil {
		return r.st, err
	}
	if r.w.rejects != nil {
		if err := r.w.rejects.Flush(); err != nil {
			return r.st, fmt.Errorf("write rejects: %w", err)
		}
	}
	if r.opts.Progress != nil {
		r.opts.Progress(r.st)
	}
	return r.st, nil
}

// fail records the run's first error and stops every step.
func (r *run) fail(err error) {
	select {
	case r.errc <- err:
	default:
	}
	r.cancel()
}

// read is step 1, on its own goroutine: it cuts the input into batches of
// whole records, in input order, each in a slot of the window, and closes
// toWork at the end of the input or after a failure or cancellation.
func (r *run) read() {
	defer close(r.toWork)
	for seq := 0; ; seq++ {
		var b *batchBuf
		select {
		case b = <-r.free:
		case <-r.ctx.Done():
			return
		}
		if r.ctx.Err() != nil { // select picked a slot though both were ready
			return
		}
		if b == nil {
			b = &batchBuf{}
		}
		if n := r.held.Add(1); n > r.maxHeld {
			r.maxHeld = n
		}
		b.seq, b.out = seq, b.out[:0]
		err := r.in.ReadChunk(&b.chunk, r.opts.BatchBytes)
		if err == io.EOF {
			return
		}
		if err != nil {
			r.fail(err)
			return
		}
		// The reader's counters may only be read on this goroutine.
		b.bytes = r.in.Stats().Bytes
		r.toWork <- b
	}
}

// group is step 2, on each worker: it parses, groups, prices and formats
// the batches of toWork and hands them to the writer. After a failure or
// cancellation it drains toWork without working, until the reader ends.
func (r *run) group(parser *record.ChunkParser) {
	for b := range r.toWork {
		if r.ctx.Err() != nil {
			continue
		}
		if r.beforeGroup != nil {
			r.beforeGroup(b.seq)
		}
		if err := b.parse(parser, r.inForce); err != nil {
			r.fail(err)
			continue
		}
		// An encoding error waits for the writer to reach the batch, so
		// that the run names the first such record in input order.
		b.err = b.group(r.g, r.f, &r.opts)
		r.toWrite <- b
	}
}

// writeInOrder runs steps 3 and 4 on the batches of toWrite, until the
// workers close it. After a failure it only drains, so that the reader
// and workers finish before Run returns.
func (r *run) writeInOrder(start time.Time) {
	lastProgress := start
	failed := false
	for b := range r.toWrite {
		if failed {
			continue
		}
		if err := r.reorder(b); err != nil {
			r.fail(err)
			failed = true
			continue
		}
		if r.opts.Progress != nil && time.Since(lastProgress) >= r.opts.ProgressEvery {
			lastProgress = time.Now()
			r.st.Elapsed = time.Since(start)
			r.opts.Progress(r.st)
		}
	}
}

// reorder is step 3: it puts b in the ring, then writes the batches the
// ring holds from the one the writer waits for, in input order.
func (r *run) reorder(b *batchBuf) error {
	slot := b.seq % len(r.ring)
	if r.ring[slot] != nil {
		panic(fmt.Sprintf("batch: batches %d and %d in flight at once, with a window of %d", r.ring[slot].seq, b.seq, len(r.ring)))
	}
	r.ring[slot] = b
	for {
		slot := r.next % len(r.ring)
		b := r.ring[slot]
		if b == nil {
			return nil
		}
		r.ring[slot] = nil
		r.next++
		if err := r.write(b); err != nil {
			return err
		}
	}
}

// write is step 4: it writes and counts b, then gives its slot in the
// window back to the reader.
func (r *run) write(b *batchBuf) error {
	if err := r.w.writeBatch(b); err != nil {
		return err
	}
	r.st.Bytes = b.bytes
	r.held.Add(-1)
	r.free <- b
	return nil
}

// writer is the ordered last stage: it checks ids for duplicates (which
// needs input order), writes rows and rejects, and counts.
type writer struct {
	out      io.Writer
	rejects  *record.RejectWriter
	st       *Stats
	onResult func(*record.Record, *grouper.Result, *weights.Payment)
	onReject func(*record.Error)
	seen     *record.IDSet // nil without the duplicate check
	dups     []*record.Error
	dupIdx   []int // indices in b.recs of this batch's duplicates
}

func (w *writer) writeBatch(b *batchBuf) error {
	if b.err != nil {
		return b.err
	}
	// Rejects cut out by the reader come first: they precede the chunk.
	for _, e := range b.chunk.Rejects {
		if err := w.reject(e); err != nil {
			return err
		}
	}
	clear(w.dups) // they hold the last batch's text (batchBuf.forget)
	w.dups, w.dupIdx = w.dups[:0], w.dupIdx[:0]
	if w.seen != nil {
		var err error
		w.dups, w.dupIdx, err = w.seen.CheckAll(b.recs, b.raws, w.dups, w.dupIdx)
		if err != nil {
			return err
		}
	}
	// Parse rejects and duplicates, merged back into line order.
	pr, dr := b.rejects, w.dups
	for len(pr) > 0 || len(dr) > 0 {
		var e *record.Error
		if len(dr) == 0 || len(pr) > 0 && pr[0].Line < dr[0].Line {
			e, pr = pr[0], pr[1:]
		} else {
			e, dr = dr[0], dr[1:]
		}
		if err := w.reject(e); err != nil {
			return err
		}
	}
	// Rows, leaving out the duplicates' rows.
	from := 0
	for _, i := range w.dupIdx {
		start := 0
		if i > 0 {
			start = b.rowEnd[i-1]
		}
		if err := w.write(b.out[from:start]); err != nil {
			return err
		}
		from = b.rowEnd[i]
	}
	if err := w.write(b.out[from:]); err != nil {
		return err
	}
	st, dups := w.st, w.dupIdx
	st.GroupCPU += time.Duration(b.cpu * 1e9)
	for i := range b.recs {
		if len(dups) > 0 && dups[0] == i {
			dups = dups[1:]
			continue
		}
		res := &b.results[i]
		st.Records++
		st.Grouped++
		switch res.Status {
		case grouper.StatusOK:
			st.OK++
		case grouper.StatusQY:
			st.QY++
		case grouper.StatusUngroupable:
			st.Ungroupable++
		case grouper.StatusCheckFailed:
			st.CheckFailed++
		}
		if res.UnknownCodes > 0 {
			st.UnknownCodes++
		}
		if (res.Status == grouper.StatusOK || res.Status == grouper.StatusQY) && len(res.MDC) == 1 && res.MDC[0] >= 'A' && res.MDC[0] <= 'Z' {
			st.PerMDC[res.MDC[0]-'A']++
		}
		if w.onResult != nil {
			var pay *weights.Payment
			if len(b.pays) > i {
				pay = &b.pays[i]
			}
			w.onResult(&b.recs[i], res, pay)
		}
	}
	return nil
}

func (w *writer) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if _, err := w.out.Write(p); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func (w *writer) reject(e *record.Error) error {
	w.st.Records++
	w.st.Rejected++
	if w.onReject != nil {
		w.onReject(e)
	}
	if w.rejects != nil {
		if err := w.rejects.Write(e); err != nil {
			return fmt.Errorf("write rejects: %w", err)
		}
	}
	return nil
}
