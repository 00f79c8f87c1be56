// Package pricer gives a payment system a priced result in one call: it
// opens a stored rule set and price list once, then groups and prices one
// record at a time, safely from many goroutines.
//
//	p, err := pricer.Open(ctx, storeDir, "chs-drg-1.1", "jilin-2022")
//	var pay weights.Payment // reuse one per goroutine
//	res, err := p.Price(&rec, &pay)
//	fmt.Println(res.DRG, pay.Amount, pay.AdjustmentsString())
//
// Layer: above pricing and the rule store, which it joins; below the
// pipeline and the command.
package pricer

import (
	"context"
	"errors"
	"fmt"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/grouper/store"
	"github.com/medpay/drg/weights"
)

// Pricer groups and prices records under one rule set and price list. It
// is immutable and safe for concurrent use.
type Pricer struct {
	g    *grouper.Grouper
	calc *weights.Calculator
}

// New returns a Pricer over a compiled rule set and a calculator, for a
// caller that holds them already.
func New(g *grouper.Grouper, calc *weights.Calculator) *Pricer {
	if calc != nil {
		calc = calc.Bind(g) // priced by g's IDs, without looking codes up; nil g: as given
	}
	return &Pricer{g: g, calc: calc}
}

// Open reads the rule set rules and the price list prices (each NAME,
// NAME@REVISION or NAME@YYYY-MM-DD) from the store in dir, read-only, and
// closes it: the Pricer holds everything it needs. A price list for
// another rule set is refused (weights.ErrWrongRuleSet).
func Open(ctx context.Context, dir, rules, prices string) (*Pricer, error) {
	st, err := store.OpenContext(ctx, dir, store.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	g, _, err := st.Load(rules)
	if err != nil {
		return nil, err
	}
	files, info, err := st.Prices(prices)
	if err != nil {
		return nil, err
	}
	if info.RuleSet != g.RuleSet().Name {
		return nil, fmt.Errorf("price list %s: %w: it prices %s, not %s", prices, weights.ErrWrongRuleSet, info.RuleSet, g.RuleSet().Name)
	}
	calc, err := weights.PriceListCalculator(files, g.RuleSet().Name)
	if err != nil {
		return nil, fmt.Errorf("price list %s: %w", prices, err)
	}
	return New(g, calc), nil
}

// ErrNotInForce reports a record discharged outside the rule set's or the
// price list's period: it is neither grouped nor priced.
var ErrNotInForce = errors.New("pricer: record discharged outside the period in force")

// Price groups rec (DRG) and prices it into pay, which the caller owns and
// may reuse (a Payment is large: returning it would copy it). The payment
// lists the policy's adjustments (Payment.Applied). rec's codes must be canonical, as a
// record.Reader returns them. A record whose discharge date is outside the
// rule set's or the price list's period is an error wrapping
// ErrNotInForce; one without a discharge date is priced.
func (p *Pricer) Price(rec *record.Record, pay *weights.Payment) (res grouper.Result, err error) {
	if d := rec.DischargeDate; d != 0 {
		if v := p.g.RuleSet().Valid; !v.Contains(d) {
			return grouper.Result{}, fmt.Errorf("record %s: discharged %s, outside rule set %s's period %s: %w", rec.ID, d, p.g.RuleSet().Name, v, ErrNotInForce)
		}
		if v := p.calc.Valid(); !v.Contains(d) {
			return grouper.Result{}, fmt.Errorf("record %s: discharged %s, outside the price list's period %s: %w", rec.ID, d, v, ErrNotInForce)
		}
	}
	res = p.g.Group(rec)
	p.calc.Compute(rec, &res, grouper.SchemeDRG, pay)
	return res, nil
}

// Group groups rec without pricing it.
func (p *Pricer) Group(rec *record.Record) grouper.Result { return p.g.Group(rec) }

// Explain groups rec and returns, with the result, every decision in its
// Trace (with the rule set's names beside the codes).
func (p *Pricer) Explain(rec *record.Record) grouper.Result { return p.g.Explain(rec) }

// Grouper returns the compiled rule set.
func (p *Pricer) Grouper() *grouper.Grouper { return p.g }

// Calculator returns the compiled price list.
func (p *Pricer) Calculator() *weights.Calculator { return p.calc }
