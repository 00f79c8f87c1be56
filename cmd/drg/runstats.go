package main

import (
	"encoding/json"
	"io"
	"runtime/metrics"

	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/internal/cputime"
)

// runStats is what --stats-json writes: a run's counts and what it cost,
// for monitoring a nightly run and for drg bench, which reads the grouping
// CPU and the allocations of the child runs it starts.
type runStats struct {
	Records      int64 `json:"records"` // grouped + rejected
	Grouped      int64 `json:"grouped"`
	Rejected     int64 `json:"rejected"`
	OK           int64 `json:"ok"`
	QY           int64 `json:"qy"`
	Ungroupable  int64 `json:"ungroupable"`
	CheckFailed  int64 `json:"check_failed"`
	UnknownCodes int64 `json:"unknown_codes"`
	InputBytes   int64 `json:"input_bytes"`
	// ElapsedSeconds is the pipeline's wall time; CPUSeconds the process's
	// CPU time (user + system, every thread) from its start to the end of
	// the pipeline, rule loading included.
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	CPUSeconds     float64 `json:"cpu_seconds"`
	// GroupCPUSeconds is the workers' CPU time in grouping alone
	// (batch.Stats.GroupCPU); 0 where it cannot be measured.
	GroupCPUSeconds float64 `json:"group_cpu_seconds"`
	// Allocs counts the heap allocations during the pipeline (every
	// goroutine's), and AllocsPerRecord them over Records.
	Allocs          uint64  `json:"allocs"`
	AllocsPerRecord float64 `json:"allocs_per_record"`
}

// allocCounter reads the process's cumulative heap allocations: the
// objects allocated plus the tiny ones (pointer-free, under 16 bytes),
// which runtime/metrics counts apart, so that the sum is what
// runtime.MemStats.Mallocs and the Go benchmarks' allocs/op count.
type allocCounter struct{ sample []metrics.Sample }

func newAllocCounter() *allocCounter {
	return &allocCounter{sample: []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/tiny/allocs:objects"}}}
}

func (a *allocCounter) read() uint64 {
	metrics.Read(a.sample)
	var n uint64
	for _, s := range a.sample {
		if s.Value.Kind() == metrics.KindUint64 {
			n += s.Value.Uint64()
		}
	}
	return n
}

// newRunStats gathers st and the costs of a run that made allocs heap
// allocations.
func newRunStats(st batch.Stats, allocs uint64) runStats {
	r := runStats{
		Records: st.Records, Grouped: st.Grouped, Rejected: st.Rejected, OK: st.OK, QY: st.QY,
		Ungroupable: st.Ungroupable, CheckFailed: st.CheckFailed, UnknownCodes: st.UnknownCodes,
		InputBytes: st.Bytes, ElapsedSeconds: st.Elapsed.Seconds(), CPUSeconds: max(cputime.Process(), 0),
		GroupCPUSeconds: st.GroupCPU.Seconds(), Allocs: allocs,
	}
	if st.Records > 0 {
		r.AllocsPerRecord = float64(allocs) / float64(st.Records)
	}
	return r
}

// writeRunStats writes r as indented JSON.
func writeRunStats(w io.Writer, r runStats) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
