package report

import (
	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/weights/calibrate"
)

// FromMigration is the migration section of a `drg compare` run from rule
// set from to rule set to: its counts, the top movers (the most frequent
// changes of DRG, at most top) and, when both sides were priced, CMI and
// payments per hospital and per old MDC.
func FromMigration(from, to string, r *batch.MigrationReport, top int) *Migration {
	m := &Migration{From: from, To: to, Records: int64(r.Records), SameMDC: int64(r.SameMDC), SameADRG: int64(r.SameADRG),
		SameDRG: int64(r.SameDRG), BecameQY: int64(r.BecameQY), LeftQY: int64(r.LeftQY),
		BecameUngroupable: int64(r.BecameUngroupable), LeftUngroupable: int64(r.LeftUngroupable)}
	for _, t := range r.Movers() {
		if len(m.Movers) == top {
			break
		}
		m.Movers = append(m.Movers, Transition{From: t.From, To: t.To, Cases: int64(t.Records)})
	}
	if r.Priced {
		conv := func(p batch.PriceChange) Change {
			return Change{Key: p.Key, Records: int64(p.Records), FromCases: int64(p.FromCases), ToCases: int64(p.ToCases),
				FromWeight: p.FromWeight, ToWeight: p.ToWeight, FromAmount: p.FromAmount, ToAmount: p.ToAmount}
		}
		for _, p := range r.ByHospital {
			m.ByHospital = append(m.ByHospital, conv(p))
		}
		for _, p := range r.ByMDC {
			m.ByMDC = append(m.ByMDC, conv(p))
		}
		t := conv(r.Total)
		m.Total = &t
	}
	return m
}

// FromCalibration is the calibration section of a finished calibration.
func FromCalibration(r *calibrate.Result) *Calibration {
	c := &Calibration{Cases: int64(r.Cases), Kept: int64(r.Kept), Unusable: int64(r.Unusable), Base: r.Base, RIV: r.RIV, CMI: r.CMI}
	for _, g := range r.Groups {
		c.Groups = append(c.Groups, CalibrationGroup{Code: g.Code, Cases: int64(g.Cases), Kept: int64(g.Kept), Mean: g.Mean,
			CV: g.CV, Weight: g.Weight, Fallback: g.Fallback})
	}
	return c
}
