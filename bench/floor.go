package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/compressio"
	"github.com/medpay/drg/internal/cputime"
	"github.com/medpay/drg/internal/rowscan"
	"github.com/medpay/drg/weights"
)

// Floor is what the end-to-end job cannot do without, measured on its own
// records, each stage alone on one core (the CPU time of the measuring
// thread): decompressing the input, cutting its lines into fields,
// compressing the output, and grouping (and pricing) the records in
// memory. Their sum is the job's floor on this machine; the end-to-end
// run's CPU time (user + system of the drg process, rule loading and
// process start included) over the floor says what the pipeline, parsing
// beyond the split, formatting, the duplicate check and the garbage
// collector cost on top. Figures are CPU-µs a record.
type Floor struct {
	Records      int     `json:"records"`
	DecodeUS     float64 `json:"decode_us"`
	SplitUS      float64 `json:"split_us"`
	EncodeDRGUS  float64 `json:"encode_drg_us"`  // the DRG-only output
	EncodePaidUS float64 `json:"encode_paid_us"` // the output with payments
	GroupUS      float64 `json:"group_us"`
	PriceUS      float64 `json:"price_us"` // pricing beside grouping, on top of it
	FloorDRGUS   float64 `json:"floor_drg_us"`
	FloorPaidUS  float64 `json:"floor_paid_us"`
	// EndToEndDRGUS and EndToEndPaidUS are the drg group runs' CPU time a
	// record (medians), with --no-payment and with payments.
	EndToEndDRGUS  float64 `json:"end_to_end_drg_us"`
	EndToEndPaidUS float64 `json:"end_to_end_paid_us"`
	RatioDRG       float64 `json:"ratio_drg"`  // target <= 1.3
	RatioPaid      float64 `json:"ratio_paid"` // target <= 1.45
	// PipelineGroupUS is the grouping inside the DRG-only runs (the
	// workers' CPU in grouper.Grouper.GroupScheme alone, each batch read
	// from its held thread's clock: drg group --stats-json), a record, and
	// GroupRatio it over GroupUS, the same grouping in memory (target <=
	// 1.1). 0 where the thread's clock cannot be read.
	PipelineGroupUS float64 `json:"pipeline_group_us"`
	GroupRatio      float64 `json:"group_ratio"`
	// AllocsPerRecordDRG and AllocsPerRecordPaid are the runs' heap
	// allocations during the pipeline (rejected records' errors included)
	// over their input records.
	AllocsPerRecordDRG  float64 `json:"allocs_per_record_drg"`
	AllocsPerRecordPaid float64 `json:"allocs_per_record_paid"`
	// Busy is the same floor measured with every CPU running it at once
	// (each its own copy, on its own held thread; the figures are their
	// means), with the same end-to-end runs and the ratios over it. The
	// end-to-end run keeps every CPU busy, and on a machine whose CPUs share
	// a core's caches and pipelines (two vCPUs of one SMT core) each is
	// slower so than alone: this floor is what such a machine allows a run
	// that uses all of it. Nil for a floor that is itself Busy.
	Busy *Floor `json:"busy,omitempty"`
}

// measureFloorBusy is measureFloor on cpus goroutines at once, each on its
// own held thread over the whole input: each figure is their mean.
func measureFloorBusy(cpus int, in, outDRG, outPaid string, records int, g *grouper.Grouper, calc *weights.Calculator) (Floor, error) {
	fs := make([]Floor, cpus)
	errs := make([]error, cpus)
	var wg sync.WaitGroup
	for i := range fs {
		wg.Go(func() { errs[i] = measureFloor(in, outDRG, outPaid, records, g, calc, &fs[i]) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Floor{}, err
	}
	mean := Floor{Records: records}
	for k, p := range mean.figures() {
		for i := range fs {
			*p += *fs[i].figures()[k] / float64(len(fs))
		}
	}
	return mean, nil
}

// figures returns f's figures, every float field, for taking their means
// and medians over several floors.
func (f *Floor) figures() []*float64 {
	return []*float64{&f.DecodeUS, &f.SplitUS, &f.EncodeDRGUS, &f.EncodePaidUS, &f.GroupUS, &f.PriceUS,
		&f.FloorDRGUS, &f.FloorPaidUS, &f.EndToEndDRGUS, &f.EndToEndPaidUS, &f.RatioDRG, &f.RatioPaid,
		&f.PipelineGroupUS, &f.GroupRatio, &f.AllocsPerRecordDRG, &f.AllocsPerRecordPaid}
}

// setRuns fills f's end-to-end figures from the runs drg (DRG only) and
// paid (nil: not priced) of records records, and the ratios over f.
func (f *Floor) setRuns(records int, drg, paid *groupRun) {
	n := float64(records) / 1e6
	f.EndToEndDRGUS = drg.cpu / n
	f.RatioDRG = f.EndToEndDRGUS / f.FloorDRGUS
	f.PipelineGroupUS = drg.stats.GroupCPUSeconds / n
	if f.GroupUS > 0 && f.PipelineGroupUS > 0 {
		f.GroupRatio = f.PipelineGroupUS / f.GroupUS
	}
	f.AllocsPerRecordDRG = drg.stats.AllocsPerRecord
	if paid != nil {
		f.EndToEndPaidUS = paid.cpu / n
		f.RatioPaid = f.EndToEndPaidUS / f.FloorPaidUS
		f.AllocsPerRecordPaid = paid.stats.AllocsPerRecord
	}
}

// floorBlock is how much text a floor stage handles between two readings
// of the thread's CPU time.
const floorBlock = 4 << 20

// measureFloor measures the floor stages on the input in and the outputs
// outDRG and outPaid of the end-to-end runs (zstd CSV), grouping with g
// and pricing with calc (nil: no pricing stage).
func measureFloor(in, outDRG, outPaid string, records int, g *grouper.Grouper, calc *weights.Calculator, f *Floor) error {
	// One goroutine on one held thread: the thread's CPU time is then the
	// stage's, without the collector's or anyone else's.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if cputime.Thread() < 0 {
		return errors.New("bench: the floor needs the thread's CPU clock (Linux)")
	}
	if calc != nil {
		calc = calc.Bind(g) // as the pipeline prices
	}
	var err error
	var decode float64
	if decode, err = timeDecode(in); err != nil {
		return err
	}
	var split float64
	if split, err = timeSplit(in); err != nil {
		return err
	}
	var group, price float64
	if f.Records, group, price, err = timeGroup(in, g, calc); err != nil {
		return err
	}
	// Every figure is per input record, as the end-to-end run's: the
	// stages' whole CPU over the same count (the grouping stage saw only
	// the valid, in-force records, as the run does).
	f.Records = records
	var encDRG, encPaid float64
	if encDRG, err = timeEncode(outDRG); err != nil {
		return err
	}
	if outPaid != "" {
		if encPaid, err = timeEncode(outPaid); err != nil {
			return err
		}
	}
	n := float64(max(f.Records, 1)) / 1e6
	f.DecodeUS, f.SplitUS, f.GroupUS, f.PriceUS = decode/n, split/n, group/n, price/n
	f.EncodeDRGUS, f.EncodePaidUS = encDRG/n, encPaid/n
	f.FloorDRGUS = f.DecodeUS + f.SplitUS + f.EncodeDRGUS + f.GroupUS
	if outPaid != "" {
		f.FloorPaidUS = f.DecodeUS + f.SplitUS + f.EncodePaidUS + f.GroupUS + f.PriceUS
	}
	return nil
}

// timeDecode is the CPU time of decompressing the file.
func timeDecode(path string) (float64, error) {
	file, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer file.Close()
	zr, err := compressio.NewZstdReader(file)
	if err != nil {
		return 0, err
	}
	defer zr.Close()
	buf := make([]byte, 1<<20)
	t0 := cputime.Thread()
	for {
		_, err := zr.Read(buf)
		if err == io.EOF {
			return cputime.Thread() - t0, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// blocks calls fn with the decompressed text of the file in blocks of
// whole lines, outside any timing.
func blocks(path string, fn func(block []byte) error) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	zr, err := compressio.NewZstdReader(file)
	if err != nil {
		return err
	}
	defer zr.Close()
	var pending []byte
	buf := make([]byte, floorBlock)
	for {
		n, err := io.ReadFull(zr, buf)
		pending = append(pending, buf[:n]...)
		last := err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !last {
			return err
		}
		cut := len(pending)
		if !last {
			cut = bytes.LastIndexByte(pending, '\n') + 1
		}
		if cut > 0 {
			if err := fn(pending[:cut]); err != nil {
				return err
			}
		}
		pending = append(pending[:0], pending[cut:]...)
		if last {
			return nil
		}
	}
}

// timeSplit is the CPU time of cutting the file's lines into fields (one
// string per block, the fields its substrings: what a parser cannot do
// with less).
func timeSplit(path string) (float64, error) {
	var spent float64
	var vals []string
	fields := 0
	err := blocks(path, func(block []byte) error {
		text := string(block)
		t0 := cputime.Thread()
		for len(text) > 0 {
			i := 0
			for i < len(text) && text[i] != '\n' {
				i++
			}
			vals = rowscan.SplitLine(vals[:0], text[:i], ',')
			fields += len(vals)
			if i < len(text) {
				i++
			}
			text = text[i:]
		}
		spent += cputime.Thread() - t0
		return nil
	})
	if fields == 0 && err == nil {
		err = fmt.Errorf("bench: %s: no fields", path)
	}
	return spent, err
}

// timeGroup reads the file's records (not timed) and groups them in
// memory, then prices them beside their results, timing each loop.
func timeGroup(path string, g *grouper.Grouper, calc *weights.Calculator) (int, float64, float64, error) {
	rd, err := record.Open(path, record.Options{NoDuplicateCheck: true})
	if err != nil {
		return 0, 0, 0, err
	}
	defer rd.Close()
	// About what the pipeline parses and then groups in one batch (64 KiB
	// of input), so that the records are as warm in cache as there.
	const batch = 512
	recs := make([]record.Record, batch)
	results := make([]grouper.Result, batch)
	var pay weights.Payment
	var group, price float64
	total := 0
	for {
		n := 0
		var readErr error
		for n < batch {
			readErr = rd.Read(&recs[n])
			var bad *record.Error
			if errors.As(readErr, &bad) {
				continue
			}
			if readErr != nil {
				break
			}
			n++
		}
		if readErr != nil && readErr != io.EOF {
			return 0, 0, 0, readErr
		}
		if calc != nil && calc.RefusesOutsidePeriod() && calc.Valid() != (record.Period{}) {
			// A price list refuses records discharged outside its period,
			// as the run does: they are neither grouped nor priced.
			kept := recs[:0]
			for i := range recs[:n] {
				if calc.Valid().Contains(recs[i].DischargeDate) {
					kept = append(kept, recs[i])
				}
			}
			n = len(kept)
		}
		t0 := cputime.Thread()
		g.GroupAll(recs[:n], grouper.SchemeDRG, results) // the fastest in-memory way, as the pipeline groups
		t1 := cputime.Thread()
		group += t1 - t0
		if calc != nil {
			for i := range recs[:n] {
				calc.Compute(&recs[i], &results[i], grouper.SchemeDRG, &pay)
			}
			price += cputime.Thread() - t1
		}
		total += n
		if readErr == io.EOF {
			return total, group, price, nil
		}
	}
}

// timeEncode is the CPU time of compressing the decompressed text of the
// file, as drg group compresses its output.
func timeEncode(path string) (float64, error) {
	zw, err := compressio.NewZstdWriter(io.Discard)
	if err != nil {
		return 0, err
	}
	var spent float64
	err = blocks(path, func(block []byte) error {
		t0 := cputime.Thread()
		_, err := zw.Write(block)
		spent += cputime.Thread() - t0
		return err
	})
	if err != nil {
		return 0, err
	}
	t0 := cputime.Thread()
	err = zw.Close()
	return spent + cputime.Thread() - t0, err
}
