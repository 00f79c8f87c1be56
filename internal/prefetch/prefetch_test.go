package prefetch_test

import (
	"testing"
	"unsafe"

	"github.com/medpay/drg/internal/prefetch"
)

// TestLineNeverFaults: a prefetch is a hint, safe on any address, mapped
// or not, and it changes nothing it touches.
func TestLineNeverFaults(t *testing.T) {
	buf := make([]uint64, 1024)
	for i := range buf {
		buf[i] = uint64(i)
	}
	for i := range buf {
		prefetch.Line(unsafe.Pointer(&buf[i]))
	}
	prefetch.Line(nil)
	for i, v := range buf {
		if v != uint64(i) {
			t.Fatalf("buf[%d] = %d after a prefetch, want %d", i, v, i)
		}
	}
}

// BenchmarkTableLookups reads random entries of a 64 MiB table, each
// followed by a chain of dependent work (as a grouper's work on a record
// follows its look-ups), with and without a prefetch of the entry eight
// items ahead. Without work between them the processor overlaps the reads
// on its own; with it, only the prefetch does.
func BenchmarkTableLookups(b *testing.B) {
	table := make([]uint64, 8<<20)
	idx := make([]uint32, 1<<16)
	x := uint32(2463534242)
	for i := range idx {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		idx[i] = x % uint32(len(table))
	}
	for _, ahead := range []int{0, 8} {
		name := "plain"
		if ahead > 0 {
			name = "prefetched"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var sum uint64
			n := 0
			for b.Loop() {
				for i, k := range idx {
					if ahead > 0 && i+ahead < len(idx) {
						prefetch.Line(unsafe.Pointer(&table[idx[i+ahead]]))
					}
					v := table[k] | 1
					for range 32 {
						v = v*0x9e3779b97f4a7c15 + v>>29
					}
					sum += v
				}
				n += len(idx)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "reads/s")
			if sum == 1 {
				b.Log(sum)
			}
		})
	}
}
