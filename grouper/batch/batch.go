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
	Workers   int            // grouping goroutines; 0 = GOMAXPROCS
	BatchSize int            // records per batch; 0 = 1024
	Scheme    grouper.Scheme // 0 = SchemeDRG
	Explain   bool           // add a trace column
	Format    record.Format  // output format: FormatCSV (default), FormatTSV or FormatJSONL
	NoHeader  bool           // do not write the header row (appending to earlier output)
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
	// Progress, when set, is called about every ProgressEvery with the
	// counts so far, and once at the end.
	Progress      func(Stats)
	ProgressEvery time.Duration // 0 = 1s
}

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
	Bytes       int64     // input bytes read
	Elapsed     time.Duration
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
	recs    []record.Record
	results []grouper.Result
	pays    []weights.Payment
	rejects []*record.Error
	out     []byte
	bytes   int64 // input bytes read when the batch was filled
}

// Run reads every record of in, groups it with g and writes one output row
// per accepted record to out and one row per rejected record to rejects (nil
// discards them after counting). It returns when the input is exhausted, an
// I/O error occurs, or ctx is cancelled.
func Run(ctx context.Context, g *grouper.Grouper, in *record.Reader, out io.Writer, rejects *record.RejectWriter, opts Options) (Stats, error) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1024
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

	// Reader: fills batches in input order.
	go func() {
		defer close(toWork)
		for seq := 0; ; seq++ {
			b := pool.Get().(*batchBuf)
			b.seq, b.rejects, b.out = seq, b.rejects[:0], b.out[:0]
			if cap(b.recs) < opts.BatchSize {
				b.recs = make([]record.Record, opts.BatchSize)
			}
			b.recs = b.recs[:opts.BatchSize]
			n := 0
			var err error
			for n < opts.BatchSize {
				if ctx.Err() != nil {
					return
				}
				rec := &b.recs[n]
				err = in.Read(rec)
				if err == nil {
					n++
					continue
				}
				var bad *record.Error
				if errors.As(err, &bad) {
					b.rejects = append(b.rejects, bad)
					err = nil
					continue
				}
				break
			}
			b.recs = b.recs[:n]
			// The reader's counters may only be read on this goroutine.
			b.bytes = in.Stats().Bytes
			if err != nil && err != io.EOF {
				fail(err)
				return
			}
			select {
			case toWork <- b:
			case <-ctx.Done():
				return
			}
			if err == io.EOF {
				return
			}
		}
	}()

	// Workers: group and format.
	var wg sync.WaitGroup
	for w := 0; w < opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range toWork {
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
				for i := range b.recs {
					b.results[i] = g.GroupScheme(&b.recs[i], opts.Scheme, opts.Explain)
					var pay *weights.Payment
					if opts.Payment != nil {
						pay = &b.pays[i]
						opts.Payment.Compute(&b.recs[i], &b.results[i], opts.PaymentScheme, pay)
					}
					b.out = f.row(b.out, &b.recs[i], &b.results[i], pay)
				}
				select {
				case toWrite <- b:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(toWrite) }()

	// Writer: restores order, writes, counts. After a failure it only drains,
	// so that the reader and workers finish before Run returns.
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
			if err := writeBatch(b, out, rejects, &st, opts.OnResult); err != nil {
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

func writeBatch(b *batchBuf, out io.Writer, rejects *record.RejectWriter, st *Stats, onResult func(*record.Record, *grouper.Result, *weights.Payment)) error {
	if _, err := out.Write(b.out); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	for _, e := range b.rejects {
		st.Records++
		st.Rejected++
		if rejects != nil {
			if err := rejects.Write(e); err != nil {
				return fmt.Errorf("write rejects: %w", err)
			}
		}
	}
	for i := range b.recs {
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
		if (res.Status == grouper.StatusOK || res.Status == grouper.StatusQY) && len(res.MDC) == 1 && res.MDC[0] >= 'A' && res.MDC[0] <= 'Z' {
			st.PerMDC[res.MDC[0]-'A']++
		}
		if onResult != nil {
			var pay *weights.Payment
			if len(b.pays) > i {
				pay = &b.pays[i]
			}
			onResult(&b.recs[i], res, pay)
		}
	}
	return nil
}
