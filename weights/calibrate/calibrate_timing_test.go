package calibrate_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"

	"testing"

	"github.com/medpay/drg/weights/calibrate"
)

// BenchmarkCalibrate runs both passes over b.N cases of 700 groups (the
// national scheme's size), costs cycling through 1 M drawn ones: the
// calibration's own cost per case, and its memory, which grows with the
// groups, not the cases (heap-MB, measured after Result).
func BenchmarkCalibrate(b *testing.B) {
	for _, o := range []calibrate.Options{{Trim: calibrate.TrimMean, Low: 0.1, High: 3}, {Trim: calibrate.TrimPercentile, Low: 2.5, High: 97.5}} {
		b.Run(o.Trim, func(b *testing.B) {
			const m = 1 << 20
			r := rand.New(rand.NewPCG(1, 2))
			groups := make([]string, 700)
			for i := range groups {
				groups[i] = fmt.Sprintf("%c%c%d9", 'A'+i%26, 'A'+i/26%26, i%7)
			}
			g := make([]string, m)
			cost := make([]float64, m)
			for i := range g {
				g[i], cost[i] = groups[r.IntN(len(groups))], 1000+20000*r.Float64()
			}
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			c, err := calibrate.New(o)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				c.Observe(g[i&(m-1)], cost[i&(m-1)])
			}
			c.EndPass()
			for i := range b.N {
				c.Observe(g[i&(m-1)], cost[i&(m-1)])
			}
			res, err := c.Result()
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc))/(1<<20), "heap-MB")
			runtime.KeepAlive(res)
		})
	}
}

// BenchmarkReadCases reads a grouped CSV file as drg group --costs writes
// it: the parsing half of drg prices calibrate.
func BenchmarkReadCases(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("id,status,reason,mdc,adrg,drg,principal_dx,tcm_source,cc_level,cc_code,total_cost,los_days,hospital_level,hospital_id\n")
	for i := range 100_000 {
		fmt.Fprintf(&buf, "R%09d,OK,,M,MB1,MB15,C62.000,,none,,%d.16,11,2,H320500001%02d\n", i, 5000+i%20000, i%100)
	}
	in := buf.Bytes()
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	n := 0
	for b.Loop() {
		err := calibrate.ReadCases(bytes.NewReader(in), "drg", func(string, float64) error { n++; return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")

}
