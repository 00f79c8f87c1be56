package record

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// BenchmarkReadCSV measures the whole read path (split, parse, normalise,
// validate, duplicate check) on typical clean records of about 180 bytes.
func BenchmarkReadCSV(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		data := genCSV(n, 1)
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			benchmarkRead(b, data, n, Options{Format: FormatCSV})
		})
	}
	data := genCSV(100_000, 1)
	b.Run("records=100000/nodup", func(b *testing.B) {
		benchmarkRead(b, data, 100_000, Options{Format: FormatCSV, NoDuplicateCheck: true})
	})
	// Every field quoted, as some exporters write: the RFC 4180 slow path.
	quoted := quoteAll(data)
	b.Run("records=100000/quoted", func(b *testing.B) {
		benchmarkRead(b, quoted, 100_000, Options{Format: FormatCSV})
	})
}

// BenchmarkReadJSONL reads the same records as JSON lines.
func BenchmarkReadJSONL(b *testing.B) {
	const n = 100_000
	data := toFormat(b, genCSV(n, 1), FormatJSONL)
	b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
		benchmarkRead(b, data, n, Options{Format: FormatJSONL})
	})
}

// BenchmarkWriteCSV measures Writer on the same records.
func BenchmarkWriteCSV(b *testing.B) {
	const n = 100_000
	data := genCSV(n, 1)
	rd, err := NewReader(bytes.NewReader(data), Options{})
	if err != nil {
		b.Fatal(err)
	}
	recs := make([]Record, 0, n)
	var rec Record
	for rd.Read(&rec) == nil {
		recs = append(recs, rec.Clone())
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		w := NewWriter(io.Discard, FormatCSV)
		for i := range recs {
			if err := w.Write(&recs[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}

func benchmarkRead(b *testing.B, data []byte, n int, opts Options) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var rec Record
	records := 0
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(data), opts)
		if err != nil {
			b.Fatal(err)
		}
		for {
			err := rd.Read(&rec)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			records++
		}
		if got := rd.Stats().Accepted; got != int64(n) {
			b.Fatalf("got %d accepted, want %d", got, n)
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(len(data))/float64(n), "bytes/record")
}

// quoteAll returns CSV data (without quotes or commas inside fields) with
// every field quoted.
func quoteAll(data []byte) []byte {
	var out bytes.Buffer
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSuffix(line, "\n")
		out.WriteString(`"` + strings.ReplaceAll(line, ",", `","`) + "\"\n")
	}
	return out.Bytes()
}

// toFormat rewrites CSV data in format f.
func toFormat(b *testing.B, data []byte, f Format) []byte {
	rd, err := NewReader(bytes.NewReader(data), Options{})
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	w := NewWriter(&out, f)
	var rec Record
	for rd.Read(&rec) == nil {
		if err := w.Write(&rec); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}
