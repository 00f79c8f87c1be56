package citylist

import (
	"bytes"
	"fmt"
	"math"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

// Calculator compiles the converted price list.
func (c *Converted) Calculator() (*weights.Calculator, error) {
	t, err := weights.ParseTable(bytes.NewReader(c.Table))
	if err != nil {
		return nil, err
	}
	return weights.New(c.Policy, t)
}

// Check prices a normal-cost case of every published standard's group and
// level with the converted price list and returns every standard it does
// not reproduce to the cent; for a standard with outlier thresholds, it
// also checks that a case costing the low threshold (in cents) is a
// low-cost case and one cent more is not, and that one costing the high
// threshold is a high-cost case and one cent less is not.
func (c *Converted) Check() ([]Problem, error) {
	calc, err := c.Calculator()
	if err != nil {
		return nil, err
	}
	var out []Problem
	var pay weights.Payment
	price := func(s Standard, cost float64) *weights.Payment {
		rec := record.Record{ID: s.Group, HospitalLevel: int8(s.Level), TotalCost: cost, Present: record.HasHospitalLevel}
		res := grouper.Result{Status: grouper.StatusOK, DRG: s.Group}
		calc.Compute(&rec, &res, grouper.SchemeDRG, &pay)
		return &pay
	}
	for _, s := range c.Standards {
		p := price(s, 0)
		if want := cents(s.Amount); p.Reason != "" || cents(p.Amount) != want {
			out = append(out, Problem{Line: s.Line, Group: s.Group, Reason: fmt.Sprintf("level %d: priced %.2f (%s), published %.2f", s.Level, p.Amount, p.Reason, float64(want)/100)})
			continue
		}
		for _, t := range []struct {
			what  string
			cost  float64
			class weights.Outlier
		}{
			{"low threshold", float64(cents(s.Low)) / 100, weights.OutlierLow},
			{"low threshold + 0.01", float64(cents(s.Low)+1) / 100, weights.OutlierNone},
			{"high threshold", float64(cents(s.High)) / 100, weights.OutlierHigh},
			{"high threshold - 0.01", float64(cents(s.High)-1) / 100, weights.OutlierNone},
		} {
			if s.Low == 0 || s.High == 0 {
				break
			}
			if p := price(s, t.cost); p.Outlier != t.class {
				out = append(out, Problem{Line: s.Line, Group: s.Group, Reason: fmt.Sprintf("a case costing the %s (%.2f) is %s, not %s", t.what, t.cost, p.Outlier, t.class)})
			}
		}
	}
	return out, nil
}

// cents rounds yuan to whole cents, half away from zero, as published
// standards are read.
func cents(v float64) int64 { return int64(math.Round(v * 100)) }
