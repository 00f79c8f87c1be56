package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
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
	// Columns adds columns to every output row, after the grouping columns.
	Columns []Column
	// Payment, when set, prices every record under PaymentScheme and adds
	// the payment columns (see Columns).
	Payment       *weights.Calculator
	PaymentScheme weights.Scheme // 0 = DRG when Scheme has DRG, else DIP
	// OnResult, when set, is called for every accepted record in input order,
	// from one goroutine. rec, res and pay (nil without Payment) are valid
	// only during the call.
	OnResult func(rec *record.Record, res *grouper.Result, pay *weights.Payment)
	// DuplicateMemory bounds the memory of the duplicate-id check, in bytes
	// (see record.IDSet): 0 means DefaultDuplicateMemory, a negative value no
	// bound. Past it, hashes of earlier ids spill to files in TempDir ("" =
	// the system's), so memory stays flat whatever the input size.
	DuplicateMemory int64
	TempDir         string
	// Progress, when set, is called about every ProgressEvery with the
	// counts so far, and once at the end.
	Progress      func(Stats)
	ProgressEvery time.Duration // 0 = 1s
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
	out     []byte
	bytes   int64 // input bytes read when the batch was cut
}

// parse fills b.recs and b.rejects from b.chunk.
func (b *batchBuf) parse(p *record.ChunkParser) error {
	p.Reset(&b.chunk)
	b.recs, b.raws, b.rejects = b.recs[:0], b.raws[:0], b.rejects[:0]
	for {
		n := len(b.recs)
		if n == cap(b.recs) {
			b.recs = append(b.recs, record.Record{})
		}
		b.recs = b.recs[:n+1]
		err := p.Read(&b.recs[n])
		if err == nil {
			b.raws = append(b.raws, p.Raw())
			continue
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
	return record.NewIDSet(record.IDSetOptions{MaxMemory: mem, TempDir: opts.TempDir})
}

// Run reads every record of in, groups it with g and writes one output row
// per accepted record to out and one row per rejected record to rejects (nil
// discards them after counting). It returns when the input is exhausted, an
// I/O error occurs, or ctx is cancelled.
func Run(ctx context.Context, g *grouper.Grouper, in *record.Reader, out io.Writer, rejects *record.RejectWriter, opts Options) (Stats, error) {
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
	if opts.PaymentScheme == 0 {
		opts.PaymentScheme = weights.DRG
		if opts.Scheme&grouper.SchemeDRG == 0 {
			opts.PaymentScheme = weights.DIP
		}
	}
	f := newFormatter(opts)
	start := time.Now()
	var st Stats
	if !opts.NoHeader {
		if _, err := out.Write(f.header(nil)); err != nil {
			return st, fmt.Errorf("write output: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	pool := sync.Pool{New: func() any { return &batchBuf{} }}
	toWork := make(chan *batchBuf, opts.Workers*2)
	toWrite := make(chan *batchBuf, opts.Workers*2)
	errc := make(chan error, 1)
	fail := func(err error) {
		select {
		case errc <- err:
		default:
		}
		cancel()
	}

	// One parser per worker, made before the reader goroutine starts to use in.
	parsers := make([]*record.ChunkParser, opts.Workers)
	for i := range parsers {
		parsers[i] = in.NewChunkParser()
	}

	// Reader: cuts the input into batches of whole records, in input order.
	// Parsing happens in the workers. Workers end only once it has closed
	// toWork, and the writer only once they have ended, so Run never returns
	// while this goroutine still uses in.
	go func() {
		defer close(toWork)
		for seq := 0; ; seq++ {
			if ctx.Err() != nil {
				return
			}
			b := pool.Get().(*batchBuf)
			b.seq, b.out = seq, b.out[:0]
			err := in.ReadChunk(&b.chunk, opts.BatchBytes)
			if err == io.EOF {
				return
			}
			if err != nil {
				fail(err)
				return
			}
			// The reader's counters may only be read on this goroutine.
			b.bytes = in.Stats().Bytes
			select {
			case toWork <- b:
			case <-ctx.Done():
				return
			}
		}
	}()

	// Workers: parse, group, price and format. After a failure or
	// cancellation they drain toWork without working, until the reader ends.
	var wg sync.WaitGroup
	for _, parser := range parsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range toWork {
				if ctx.Err() != nil {
					continue
				}
				if err := b.parse(parser); err != nil {
					fail(err)
					continue
				}
				if cap(b.results) < len(b.recs) {
					b.results = make([]grouper.Result, len(b.recs))
				}
				b.results = b.results[:len(b.recs)]
				b.pays = b.pays[:0]
				if opts.Payment != nil {
					if cap(b.pays) < len(b.recs) {
						b.pays = make([]weights.Payment, len(b.recs))
					}
					b.pays = b.pays[:len(b.recs)]
				}
				b.rowEnd = b.rowEnd[:0]
				for i := range b.recs {
					b.results[i] = g.GroupScheme(&b.recs[i], opts.Scheme, opts.Explain)
					var pay *weights.Payment
					if opts.Payment != nil {
						pay = &b.pays[i]
						opts.Payment.Compute(&b.recs[i], &b.results[i], opts.PaymentScheme, pay)
					}
					b.out = f.row(b.out, &b.recs[i], &b.results[i], pay)
					b.rowEnd = append(b.rowEnd, len(b.out))
				}
				select {
				case toWrite <- b:
				case <-ctx.Done():
				}
			}
		}()
	}
	go func() { wg.Wait(); close(toWrite) }()

	// Writer: restores order, writes, counts. After a failure it only drains,
	// so that the reader and workers finish before Run returns.
	w := &writer{out: out, rejects: rejects, st: &st, onResult: opts.OnResult}
	switch {
	case !in.DuplicateCheck():
	case in.IDs() != nil:
		w.seen = in.IDs() // shared with the runs over other inputs
	default:
		w.seen = NewIDSet(opts)
		defer w.seen.Close()
	}
	pending := map[int]*batchBuf{}
	next := 0
	lastProgress := start
	failed := false
	for b := range toWrite {
		if failed {
			continue
		}
		pending[b.seq] = b
		for {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := w.writeBatch(b); err != nil {
				fail(err)
				failed = true
				break
			}
			st.Bytes = b.bytes
			pool.Put(b)
		}
		if opts.Progress != nil && !failed && time.Since(lastProgress) >= opts.ProgressEvery {
			lastProgress = time.Now()
			st.Elapsed = time.Since(start)
			opts.Progress(st)
		}
	}
	// toWrite is closed: the reader and workers have returned.
	st.Elapsed, st.Bytes = time.Since(start), in.Stats().Bytes
	select {
	case err := <-errc:
		return st, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	if rejects != nil {
		if err := rejects.Flush(); err != nil {
			return st, fmt.Errorf("write rejects: %w", err)
		}
	}
	if opts.Progress != nil {
		opts.Progress(st)
	}
	return st, nil
}

// writer is the ordered last stage: it checks ids for duplicates (which
// needs input order), writes rows and rejects, and counts.
type writer struct {
	out      io.Writer
	rejects  *record.RejectWriter
	st       *Stats
	onResult func(*record.Record, *grouper.Result, *weights.Payment)
	seen     *record.IDSet // nil without the duplicate check
	dups     []*record.Error
	dupIdx   []int // indices in b.recs of this batch's duplicates
}

func (w *writer) writeBatch(b *batchBuf) error {
	// Rejects cut out by the reader come first: they precede the chunk.
	for _, e := range b.chunk.Rejects {
		if err := w.reject(e); err != nil {
			return err
		}
	}
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
	if w.rejects != nil {
		if err := w.rejects.Write(e); err != nil {
			return fmt.Errorf("write rejects: %w", err)
		}
	}
	return nil
}
