package reference_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/national"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/reference"
)

// nationalDir holds the CHS-DRG 1.1 tables, when the shared data is
// present, and nationalDir20 the 2.0 ones.
const (
	nationalDir   = "../../../shared/data/chs-drg-1.1"
	nationalDir20 = "../../../shared/data/chs-drg-2.0"
)

func TestDiffSample(t *testing.T) {
	rs, err := grouper.Sample()
	require.NoError(t, err)
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	diff(t, rs, n, 1)
}

func TestDiffNational(t *testing.T) {
	for i, dir := range []string{nationalDir, nationalDir20} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			if _, err := os.Stat(dir); err != nil {
				t.Skipf("national tables not present: %v", err)
			}
			rs, err := national.Read(os.DirFS(dir))
			require.NoError(t, err)
			n := 20_000
			if testing.Short() {
				n = 2_000
			}
			diff(t, rs, n, uint64(2+i))
		})
	}
}

// Diff groups n random records drawn from rs's codes with the compiled and
// the reference grouper and fails on the first records whose results differ.
func diff(t *testing.T, rs *grouper.RuleSet, n int, seed uint64) {
	t.Helper()
	g, err := grouper.Compile(rs)
	require.NoError(t, err)
	ref, err := reference.New(rs)
	require.NoError(t, err)

	gen := newRecordGen(rs, seed)
	recs := make([]*record.Record, n)
	for i := range recs {
		recs[i] = gen.record(i)
	}
	diffs := make([]string, n)
	wants := make([]grouper.Result, n)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				got, want := g.Group(recs[i]), ref.Group(recs[i])
				wants[i], diffs[i] = want, compare(got, want)
			}
		})
	}
	wg.Wait()
	outcomes := map[string]int{}
	bad := 0
	for i, d := range diffs {
		outcomes[outcome(wants[i])]++
		if d == "" {
			continue
		}
		if bad++; bad <= 5 {
			t.Errorf("record %d: compiled and reference differ: %s\nrecord: %s\ncompiled trace:\n%s",
				i, d, show(recs[i]), g.Explain(recs[i]).Trace)
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d records differ", bad, n)
	}
	keys := make([]string, 0, len(outcomes))
	for k := range outcomes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%d", k, outcomes[k])
	}
	t.Logf("%s: %d records agree; outcomes:%s", rs.Name, n, b.String())
}

// compare lists the fields of the grouping in which got and want differ.
func compare(got, want grouper.Result) string {
	var d []string
	f := func(name string, g, w any) {
		if g != w {
			d = append(d, fmt.Sprintf("%s: compiled %v, reference %v", name, g, w))
		}
	}
	f("Status", got.Status, want.Status)
	f("Reason", got.Reason, want.Reason)
	f("MDC", got.MDC, want.MDC)
	f("ADRG", got.ADRG, want.ADRG)
	f("DRG", got.DRG, want.DRG)
	f("PrincipalDx", got.PrincipalDx, want.PrincipalDx)
	f("TCMSource", got.TCMSource, want.TCMSource)
	f("TCMLine", got.TCMLine, want.TCMLine)
	f("CCLevel", got.CCLevel, want.CCLevel)
	f("CCCode", got.CCCode, want.CCCode)
	return strings.Join(d, "; ")
}

func outcome(r grouper.Result) string {
	if r.Status == grouper.StatusOK {
		return "OK"
	}
	if r.Reason == "" {
		return r.Status.String()
	}
	return r.Status.String() + ":" + r.Reason
}

func show(r *record.Record) string {
	return fmt.Sprintf("sex=%d age=%dy/%dd weight=%d vent=%g los=%d dm=%d level=%d day_ward=%t pdx=%q sdx=%q tcm=%q/%q procs=%q",
		r.Sex, r.AgeYears, r.AgeDays, r.BirthWeightG, r.VentHours, r.LOSDays, r.DischargeMethod, r.HospitalLevel,
		r.DayWard, r.PrincipalDx, r.SecondaryDx, r.TCMPrincipalDx, r.TCMSyndrome, r.Procedures)
}

// recordGen draws records from the codes a rule set names, with variants
// below them in the hierarchy and codes it does not know.
type recordGen struct {
	r        *rand.Rand
	dx       []string // every diagnosis code the rule set names
	procs    []string // every procedure code the rule set names
	ccs      []string // CC and MCC codes
	owners   []string // list owners, for records aimed at one ADRG or MDC
	ownerDx  map[string][]string
	ownerPx  map[string][]string
	mdcOf    map[string]string // ADRG -> MDC
	tcm      []codes.TCMMapping
	knownCat map[string]bool
}

func newRecordGen(rs *grouper.RuleSet, seed uint64) *recordGen {
	g := &recordGen{
		r:       rand.New(rand.NewPCG(seed, 0x5eed)),
		ownerDx: map[string][]string{}, ownerPx: map[string][]string{},
		mdcOf: map[string]string{}, knownCat: map[string]bool{},
	}
	dx, px := map[string]bool{}, map[string]bool{}
	for _, e := range rs.Lists {
		if e.System == codes.SystemProcedure {
			px[e.Code] = true
			g.ownerPx[e.Owner] = append(g.ownerPx[e.Owner], e.Code)
		} else {
			dx[e.Code] = true
			g.ownerDx[e.Owner] = append(g.ownerDx[e.Owner], e.Code)
		}
	}
	for _, e := range rs.CC {
		dx[e.Code] = true
		g.ccs = append(g.ccs, e.Code)
	}
	for _, e := range rs.Exclusions {
		dx[e.Principal] = true
	}
	for _, d := range rs.Diagnoses {
		dx[d.Code] = true
	}
	for _, p := range rs.Procedures {
		px[p.Code] = true
	}
	g.tcm = rs.TCM
	for _, m := range g.tcm {
		dx[m.Western] = true
	}
	for _, c := range rs.DIP.Core {
		dx[c.Dx] = true
		for _, p := range c.Procedures {
			px[p] = true
		}
	}
	for _, c := range rs.DIP.Comprehensive {
		dx[c.Category] = true
	}
	for _, a := range rs.ADRGs {
		g.mdcOf[a.Code] = a.MDC
	}
	for c := range dx {
		g.dx = append(g.dx, c)
		g.knownCat[c[:3]] = true
	}
	for c := range px {
		g.procs = append(g.procs, c)
	}
	for o := range g.ownerDx {
		g.owners = append(g.owners, o)
	}
	for o := range g.ownerPx {
		if g.ownerDx[o] == nil {
			g.owners = append(g.owners, o)
		}
	}
	slices.Sort(g.dx)
	slices.Sort(g.procs)
	slices.Sort(g.owners)
	return g
}

func pick[T any](r *rand.Rand, s []T) T {
	var zero T
	if len(s) == 0 {
		return zero
	}
	return s[r.IntN(len(s))]
}

// variant returns code or, sometimes, a code below it in the hierarchy that
// the rule set probably does not list itself.
func (g *recordGen) variant(code string) string {
	if g.r.IntN(4) != 0 || strings.Contains(code, "+") {
		return code
	}
	switch n := len(code); {
	case n == 3:
		return fmt.Sprintf("%s.%d%02d", code, g.r.IntN(10), g.r.IntN(100))
	case n == 5:
		return fmt.Sprintf("%s%02d", code, g.r.IntN(100))
	case n == 7:
		return fmt.Sprintf("%sx%03d", code, 900+g.r.IntN(100))
	case n > 7:
		return code[:7]
	}
	return code
}

// unknownDx returns a valid diagnosis code whose category the rule set does
// not name, or, when every category is named, an unlisted extension.
func (g *recordGen) unknownDx() string {
	for range 20 {
		cat := fmt.Sprintf("%c%02d", 'A'+rune(g.r.IntN(26)), g.r.IntN(100))
		if !g.knownCat[cat] {
			return fmt.Sprintf("%s.%d%02d", cat, g.r.IntN(10), g.r.IntN(100))
		}
	}
	return fmt.Sprintf("%s.9%02dx9%02d", pick(g.r, g.dx)[:3], g.r.IntN(100), g.r.IntN(100))
}

func (g *recordGen) anyDx() string {
	if g.r.IntN(20) == 0 {
		return g.unknownDx()
	}
	return g.variant(pick(g.r, g.dx))
}

func (g *recordGen) anyProc() string {
	if g.r.IntN(15) == 0 {
		return fmt.Sprintf("%02d.%04d", g.r.IntN(100), g.r.IntN(10000))
	}
	return pick(g.r, g.procs)
}

func (g *recordGen) record(i int) *record.Record {
	r := g.r
	rec := &record.Record{
		ID:              fmt.Sprint(i),
		Sex:             []int8{0, 1, 2, 9}[pickWeighted(r, 3, 45, 45, 7)],
		AgeYears:        int16(r.IntN(101)),
		DischargeMethod: int8(1 + r.IntN(5)),
		LOSDays:         int32(1 + r.IntN(30)),
		HospitalLevel:   int8(r.IntN(4)),
		DayWard:         r.IntN(30) == 0,
	}
	if r.IntN(5) == 0 {
		rec.AgeYears = 0
	}
	if rec.AgeYears == 0 {
		rec.AgeDays = int16(r.IntN(365))
		if r.IntN(2) == 0 {
			rec.AgeDays = int16(r.IntN(29))
		}
		if r.IntN(6) != 0 {
			rec.BirthWeightG = int32(500 + r.IntN(4000))
		}
	}
	if r.IntN(5) == 0 {
		rec.VentHours = float64(r.IntN(201))
	}

	// Half the records aim at one list owner (an ADRG or MDC), so that
	// surgical ADRGs and their splits are reached; the rest are random.
	owner := ""
	if r.IntN(2) == 0 {
		owner = pick(r, g.owners)
	}
	dxFrom := func() string {
		if owner != "" && r.IntN(3) != 0 {
			if l := g.ownerDx[owner]; len(l) > 0 && r.IntN(2) == 0 {
				return g.variant(pick(r, l))
			}
			if l := g.ownerDx[g.mdcOf[owner]]; len(l) > 0 {
				return g.variant(pick(r, l))
			}
		}
		return g.anyDx()
	}
	procFrom := func() string {
		if owner != "" && r.IntN(3) != 0 {
			if l := g.ownerPx[owner]; len(l) > 0 {
				return pick(r, l)
			}
		}
		return g.anyProc()
	}

	switch k := r.IntN(20); {
	case k == 0 && len(g.tcm) > 0:
		m := pick(r, g.tcm)
		rec.TCMPrincipalDx = m.Disease
		switch r.IntN(4) {
		case 0:
			rec.TCMSyndrome = m.Syndrome
		case 1:
			rec.TCMSyndrome = pick(r, g.tcm).Syndrome
		case 2:
			rec.TCMSyndrome = "B99.99.99"
		}
		if r.IntN(10) == 0 {
			rec.TCMPrincipalDx = "A99.99.99"
		}
	case k == 1:
		// No principal at all.
	default:
		rec.PrincipalDx = dxFrom()
	}
	for range r.IntN(9) {
		switch r.IntN(3) {
		case 0:
			if len(g.ccs) == 0 {
				continue
			}
			rec.SecondaryDx = append(rec.SecondaryDx, g.variant(pick(r, g.ccs)))
		default:
			rec.SecondaryDx = append(rec.SecondaryDx, dxFrom())
		}
	}
	for range pickWeighted(r, 35, 25, 15, 10, 8, 7) {
		rec.Procedures = append(rec.Procedures, procFrom())
	}
	return rec
}

// pickWeighted returns i with probability weights[i]/sum(weights).
func pickWeighted(r *rand.Rand, weights ...int) int {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	x := r.IntN(sum)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}
