package weights

import (
	"encoding/json"

	"github.com/medpay/drg/grouper"
)

var opNames = [...]string{OpFlag: "flag", OpFactor: "factor", OpAdd: "add", OpSet: "set", OpGroup: "group"}

// MarshalText writes the operation's name, as JSON shows it.
func (o AdjustOp) MarshalText() ([]byte, error) {
	if int(o) < len(opNames) {
		return []byte(opNames[o]), nil
	}
	return []byte("unknown"), nil
}

// AdjustmentView is an Adjustment as JSON shows it.
type AdjustmentView struct {
	Name   string   `json:"name"`
	Op     AdjustOp `json:"op"`
	Factor float64  `json:"factor,omitempty"`
	Amount float64  `json:"amount,omitempty"`
	Group  string   `json:"group,omitempty"`
	Source string   `json:"source"`
}

// PaymentView is a Payment as JSON shows it: snake_case fields, the
// outlier class and operations by name, the adjustments applied only.
// Payment marshals as its View; a caller building a larger JSON answer can
// put the View in it directly and spare the encoder a Marshaler's output.
type PaymentView struct {
	Scheme           grouper.Scheme   `json:"scheme"`
	Group            string           `json:"group"`
	PaidAs           string           `json:"paid_as"`
	Level            int8             `json:"level"`
	BaseWeight       float64          `json:"base_weight"`
	AdjustedWeight   float64          `json:"adjusted_weight"`
	Points           float64          `json:"points"`
	SettlementPoints float64          `json:"settlement_points"`
	Rate             float64          `json:"rate"`
	LevelCoefficient float64          `json:"level_coefficient"`
	KindCoefficient  float64          `json:"kind_coefficient"`
	StandardCost     float64          `json:"standard_cost"`
	Outlier          Outlier          `json:"outlier"`
	GroupAmount      float64          `json:"group_amount"`
	Amount           float64          `json:"amount"`
	FixedPrice       bool             `json:"fixed_price"`
	Unpaid           string           `json:"unpaid,omitempty"`
	Adjustments      []AdjustmentView `json:"adjustments"`
}

// View returns the payment as JSON shows it.
func (p *Payment) View() PaymentView {
	out := PaymentView{Scheme: p.Scheme, Group: p.Group, PaidAs: p.PaidAs, Level: p.Level, BaseWeight: p.BaseWeight,
		AdjustedWeight: p.AdjustedWeight, Points: p.Points, SettlementPoints: p.SettlementPoints, Rate: p.Rate,
		LevelCoefficient: p.LevelCoefficient, KindCoefficient: p.KindCoefficient, StandardCost: p.StandardCost,
		Outlier: p.Outlier, GroupAmount: p.GroupAmount, Amount: p.Amount, FixedPrice: p.FixedPrice, Unpaid: p.Reason,
		Adjustments: make([]AdjustmentView, 0, p.NumAdjustments)}
	for _, a := range p.Applied() {
		out.Adjustments = append(out.Adjustments, AdjustmentView(a))
	}
	return out
}

// MarshalJSON writes the payment's View.
func (p Payment) MarshalJSON() ([]byte, error) { return json.Marshal(p.View()) }
