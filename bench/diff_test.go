package bench_test

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/national"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/reference"
	"github.com/medpay/drg/internal/synth"
)

// nationalDir holds the CHS-DRG 1.1 tables, when the shared data is present.
const nationalDir = "../../shared/data/chs-drg-1.1"

// TestDiffFullScale compares the compiled grouper with the reference
// grouper on generated records of the full-scale rule set and the national
// scheme (when present).
func TestDiffFullScale(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 500
	}
	t.Run("full-scale", func(t *testing.T) { diffGenerated(t, synth.FullScaleRuleSet(4), n) })
	t.Run("national", func(t *testing.T) {
		if _, err := os.Stat(nationalDir); err != nil {
			t.Skipf("national tables not present: %v", err)
		}
		rs, err := national.Read(os.DirFS(nationalDir))
		require.NoError(t, err)
		diffGenerated(t, rs, n)
	})
}

func diffGenerated(t *testing.T, rs *grouper.RuleSet, n int) {
	g, err := grouper.Compile(rs)
	require.NoError(t, err)
	ref, err := reference.New(rs)
	require.NoError(t, err)
	recs, err := synth.RecordSlice(rs, 9, n)
	require.NoError(t, err)

	diffs := make([]string, n)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				got, want := g.Group(&recs[i]), ref.Group(&recs[i])
				if key(got) != key(want) {
					diffs[i] = fmt.Sprintf("compiled  %s\nreference %s", key(got), key(want))
				}
			}
		})
	}
	wg.Wait()
	bad := 0
	for i, d := range diffs {
		if d == "" {
			continue
		}
		if bad++; bad <= 5 {
			t.Errorf("record %d differs:\n%s\nrecord: %s\ntrace:\n%s", i, d, show(&recs[i]), g.Explain(&recs[i]).Trace)
		}
	}
	if bad > 0 {
		t.Fatalf("%s: %d of %d records differ", rs.Name, bad, n)
	}
	t.Logf("%s: %d generated records agree", rs.Name, n)
}

// key renders the fields the reference grouper computes.
func key(r grouper.Result) string {
	return fmt.Sprintf("status=%s reason=%q mdc=%q adrg=%q drg=%q pdx=%q tcm=%q/%d cc=%s/%q",
		r.Status, r.Reason, r.MDC, r.ADRG, r.DRG, r.PrincipalDx, r.TCMSource, r.TCMLine, r.CCLevel, r.CCCode)
}

// show prints every field of r, for a failure message.
func show(r *record.Record) string {
	return fmt.Sprintf("%s %s %d %s %d %d/%d/%d %s..%s %d %d %s %q %s/%s %q %g %g %g %t",
		r.ID, r.HospitalID, r.HospitalLevel, r.HospitalKind, r.Sex, r.AgeYears, r.AgeDays, r.BirthWeightG,
		r.AdmitDate, r.DischargeDate, r.LOSDays, r.DischargeMethod, r.PrincipalDx, r.SecondaryDx,
		r.TCMPrincipalDx, r.TCMSyndrome, r.Procedures, r.VentHours, r.TotalCost, r.TCMCost, r.DayWard)
}
