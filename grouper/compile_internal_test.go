package grouper

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper/record"
)

// TestSecondariesMDCSets checks that secondaries shares one entry among
// diagnoses with the same MDC set, and refuses a rule set whose secondaries
// have more distinct MDC sets than a secondaryInfo can index.
func TestSecondariesMDCSets(t *testing.T) {
	build := func(n int, mdcs func(id int) uint64) (*Grouper, error) {
		g := &Grouper{dx: codes.NewDict(codes.SystemDiagnosis)}
		for i := range n {
			g.dx.Intern(fmt.Sprintf("A%02d.%03d", i/1000, i%1000))
		}
		c := &compiler{g: g}
		size := g.dx.Len() + 1
		c.sdxMDC = make([]uint64, size)
		c.sdxTrigOff = make([]uint32, size+1)
		c.ccTable = make([]uint32, size)
		c.ccLevel = make([]CCLevel, size)
		for id := range size {
			c.sdxMDC[id] = mdcs(id)
		}
		return g, c.secondaries()
	}

	g, err := build(1000, func(id int) uint64 { return 1 << (id % 3) })
	if err != nil {
		t.Fatal(err)
	}
	if len(g.sdxMDCs) != 3 {
		t.Fatalf("%d distinct MDC sets kept, want 3", len(g.sdxMDCs))
	}
	for id, info := range g.sdx {
		if got, want := g.sdxMDCs[info.mdcs], uint64(1)<<(id%3); got != want {
			t.Fatalf("dx %d: MDC set %#x, want %#x", id, got, want)
		}
	}

	// 65 537 distinct sets (one per ID, 0 included) do not fit in a uint16.
	_, err = build(1<<16, func(id int) uint64 { return uint64(id) })
	if !errors.Is(err, ErrRuleSet) {
		t.Fatalf("65 537 distinct MDC sets: err = %v, want ErrRuleSet", err)
	}
	if _, err := build(1<<16-1, func(id int) uint64 { return uint64(id) }); err != nil {
		t.Fatalf("65 536 distinct MDC sets: %v", err)
	}
}

// TestPrincipalAndProcedureInfo checks the packed per-code views against
// the per-array forms they are built from: every code's triggers (none,
// inline, or out of line past the inline room), its MDC set, and a
// principal's exclusion table, one or several.
func TestPrincipalAndProcedureInfo(t *testing.T) {
	g := &Grouper{dx: codes.NewDict(codes.SystemDiagnosis), proc: codes.NewDict(codes.SystemProcedure)}
	const n = 40
	for i := range n {
		g.dx.Intern(fmt.Sprintf("A%02d.%03d", i/10, i%10))
		g.proc.Intern(fmt.Sprintf("%02d.%02d", i/10, i%10))
	}
	c := &compiler{g: g}
	size := n + 1
	// Code id triggers id%7 ADRGs, id, id+1, ... (0 to 6: across both
	// inline limits), and MDC id%5.
	csr := func() ([]uint32, []uint16, []uint64) {
		off, mdc := make([]uint32, size+1), make([]uint64, size)
		var data []uint16
		for id := range size {
			for k := range id % 7 {
				data = append(data, uint16(id+k))
			}
			off[id+1] = uint32(len(data))
			mdc[id] = 1 << (id % 5)
		}
		return off, data, mdc
	}
	c.dxTrigOff, g.dxTrig, c.dxMDC = csr()
	c.procTrigOff, g.procTrig, c.procMDC = csr()
	c.pdxTable1 = make([]uint32, size)
	g.pdxTable = make([]*roaring.Bitmap, size)
	c.pdxTable1[3] = 7
	c.pdxTable1[4], g.pdxTable[4] = 2, roaring.BitmapOf(2, 9)
	if err := c.principals(); err != nil {
		t.Fatal(err)
	}
	if err := c.procedures(); err != nil {
		t.Fatal(err)
	}
	for id := range size {
		want := g.dxTrig[c.dxTrigOff[id]:c.dxTrigOff[id+1]]
		if got := g.principalTriggers(&g.pdx[id]); !slices.Equal(got, want) {
			t.Errorf("principal %d: triggers %v, want %v", id, got, want)
		}
		if got := g.procedureTriggers(&g.procs[id]); !slices.Equal(got, want) {
			t.Errorf("procedure %d: triggers %v, want %v", id, got, want)
		}
		if got, want := g.pdxMDCs[g.pdx[id].mdcs], uint64(1)<<(id%5); got != want {
			t.Errorf("principal %d: MDC set %#x, want %#x", id, got, want)
		}
		if got, want := g.procMDCs[g.procs[id].mdcs], uint64(1)<<(id%5); got != want {
			t.Errorf("procedure %d: MDC set %#x, want %#x", id, got, want)
		}
	}
	if len(g.pdxMDCs) != 5 || len(g.procMDCs) != 5 {
		t.Errorf("%d and %d distinct MDC sets, want 5 each", len(g.pdxMDCs), len(g.procMDCs))
	}
	for id, want := range map[int]uint32{0: 0, 3: 7, 4: manyTables, 5: 0} {
		if got := g.pdx[id].table; got != want {
			t.Errorf("principal %d: table %d, want %d", id, got, want)
		}
	}
}

// TestNoTCMMapMapsNothing: a rule set without a TCM table maps no TCM
// principal; the embedded SAMPLE table does not stand in for it.
func TestNoTCMMapMapsNothing(t *testing.T) {
	rs, err := Sample()
	if err != nil {
		t.Fatal(err)
	}
	rec := &record.Record{ID: "T1", Sex: 1, AgeYears: 70, Present: record.HasAgeYears, TCMPrincipalDx: "A07.01.01"}
	g, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	if res := g.Group(rec); res.PrincipalDx != "I63.900" || res.TCMSource != "A07.01.01" {
		t.Fatalf("with the sample's own table: principal %q from %q, want I63.900 from A07.01.01", res.PrincipalDx, res.TCMSource)
	}
	rs.TCM = nil
	if g, err = Compile(rs); err != nil {
		t.Fatal(err)
	}
	if res := g.Group(rec); res.Status != StatusUngroupable || res.Reason != ReasonTCMUnmapped || res.PrincipalDx != "" {
		t.Errorf("without a table: %v %s principal %q, want UNGROUPABLE TCM_UNMAPPED", res.Status, res.Reason, res.PrincipalDx)
	}
}
