package bench_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/synth"
	"github.com/medpay/drg/weights"
)

// pipelineRecords is the input of one BenchmarkPipeline iteration: enough
// batches for both cores to reach their steady state.
const pipelineRecords = 100_000

// pipelineInput is the full-scale rule set compiled, its payment
// calculator, and pipelineRecords generated records (2% dirty, 1% invalid,
// as drg bench) as CSV text and as zstd CSV, built once.
type pipelineInput struct {
	g        *grouper.Grouper
	calc     *weights.Calculator
	csv, zst []byte
}

var pipelineData = sync.OnceValues(func() (*pipelineInput, error) {
	rs := synth.FullScaleRuleSet(1)
	g, err := grouper.Compile(rs)
	if err != nil {
		return nil, err
	}
	table, err := weights.TableFromRuleSet(rs)
	if err != nil {
		return nil, err
	}
	policy, err := weights.SamplePolicy()
	if err != nil {
		return nil, err
	}
	calc, err := weights.New(policy, table)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "drg-pipeline-bench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := &pipelineInput{g: g, calc: calc}
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{"in.csv", &in.csv}, {"in.csv.zst", &in.zst}} {
		path := filepath.Join(dir, f.name)
		if _, err := synth.WriteRecords(path, rs, 1, pipelineRecords, &synth.DirtyOptions{Dirty: 0.02, Invalid: 0.01}); err != nil {
			return nil, err
		}
		if *f.dst, err = os.ReadFile(path); err != nil {
			return nil, err
		}
	}
	return in, nil
})

// BenchmarkPipeline runs batch.Run, the whole of `drg group` but for process
// start and rule loading, on full-scale records read from memory, with DRG
// payments, writing through record.CreateFile to a temporary file as
// drg group does: "csv" reads and writes CSV text, "zstd" reads and writes
// zstd CSV as `drg group in.csv.zst --out out.csv.zst` does.
// The records/s figure is the end-to-end target's (1 M/s on two cores).
func BenchmarkPipeline(b *testing.B) {
	in, err := pipelineData()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for _, tc := range []struct {
		name, out string
		data      []byte
	}{{"csv", "out.csv", in.csv}, {"zstd", "out.csv.zst", in.zst}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			n := int64(0)
			for b.Loop() {
				rd, err := record.NewReader(bytes.NewReader(tc.data), record.Options{})
				if err != nil {
					b.Fatal(err)
				}
				out, err := record.CreateFile(filepath.Join(dir, tc.out))
				if err != nil {
					b.Fatal(err)
				}
				st, err := batch.Run(context.Background(), in.g, rd, out, nil, batch.Options{Payment: in.calc})
				if err != nil {
					b.Fatal(err)
				}
				if err := rd.Close(); err != nil {
					b.Fatal(err)
				}
				if err := out.Close(); err != nil {
					b.Fatal(err)
				}
				if st.Records != pipelineRecords {
					b.Fatalf("%d records in, %d counted", pipelineRecords, st.Records)
				}
				n += st.Records
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(n)*float64(len(in.csv))/pipelineRecords/b.Elapsed().Seconds()/1e6, "text-MB/s")
		})
	}
}

// BenchmarkCodec times zstd alone on the pipeline's own text: decoding the
// generated input and encoding a grouping output, each on one goroutine as
// the pipeline does.
func BenchmarkCodec(b *testing.B) {
	in, err := pipelineData()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	b.Run("decode", func(b *testing.B) {
		path := filepath.Join(dir, "in.csv.zst")
		if err := os.WriteFile(path, in.zst, 0o644); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			rd, err := record.OpenFile(path)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, rd); err != nil {
				b.Fatal(err)
			}
			rd.Close()
			n += pipelineRecords
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		b.ReportMetric(float64(n)*float64(len(in.csv))/pipelineRecords/b.Elapsed().Seconds()/1e6, "text-MB/s")
	})
	var text bytes.Buffer
	rd, err := record.NewReader(bytes.NewReader(in.csv), record.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := batch.Run(context.Background(), in.g, rd, &text, nil, batch.Options{Payment: in.calc}); err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			w, err := record.CreateFile(filepath.Join(dir, "out.csv.zst"))
			if err != nil {
				b.Fatal(err)
			}
			for p := text.Bytes(); len(p) > 0; {
				k := min(len(p), 32<<10) // about one batch of output rows
				if _, err := w.Write(p[:k]); err != nil {
					b.Fatal(err)
				}
				p = p[k:]
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			n += pipelineRecords
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		b.ReportMetric(float64(n)*float64(text.Len())/pipelineRecords/b.Elapsed().Seconds()/1e6, "text-MB/s")
	})
}
