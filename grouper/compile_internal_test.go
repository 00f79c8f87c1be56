package grouper

import (
	"errors"
	"fmt"
	"testing"

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
