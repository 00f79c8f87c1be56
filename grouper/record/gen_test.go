package record

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Code pools for synthetic records: canonical codes, as in the national
// dictionaries.
var (
	genDx = []string{
		"K80.000x004", "K80.100", "I10.x00", "E11.900", "J18.900", "I25.103", "N18.500",
		"C34.900", "S72.000", "O80.000", "E10.200x028+N08.3*", "I63.900", "K35.800", "J44.100",
	}
	genProc = []string{"51.2300", "88.9504", "54.9800", "81.5100", "36.0601", "99.0400", "96.7201", "74.1x00"}
	genTCM  = []string{"A04.03.03", "A17.06", "BNG080"}
	genSyn  = []string{"B02.01.04", "ZYXA"}
)

// genCSV returns a header and n synthetic records, about 200 bytes a line,
// from a fixed seed so benchmarks compare like with like.
func genCSV(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	var b bytes.Buffer
	b.WriteString(strings.Join(StandardColumns(), ","))
	b.WriteByte('\n')
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	for i := range n {
		admit := DateOf(2024, 1, 1) + Date(rng.IntN(360))
		los := 1 + rng.IntN(20)
		var sdx []string
		for range 2 + rng.IntN(9) {
			sdx = append(sdx, pick(genDx))
		}
		var procs []string
		for range rng.IntN(4) {
			procs = append(procs, pick(genProc))
		}
		tcm, syn, kind := "", "", "general"
		if rng.IntN(5) == 0 {
			tcm, syn, kind = pick(genTCM), pick(genSyn), "tcm"
		}
		total := 2000 + rng.Float64()*50000
		fmt.Fprintf(&b, "320501-2024-%08d,H3205%07d,%d,%s,%d,%d,,,%s,%s,%d,%d,%s,%s,%s,%s,%s,%d,%.2f,%.2f,%d\n",
			i, rng.IntN(3000), 1+rng.IntN(3), kind, 1+rng.IntN(2), rng.IntN(100),
			admit, admit+Date(los), los, 1+rng.IntN(5), pick(genDx), strings.Join(sdx, "|"),
			tcm, syn, strings.Join(procs, "|"), rng.IntN(2)*rng.IntN(120), total, total*rng.Float64()*0.3, rng.IntN(10)/9)
	}
	return b.Bytes()
}
