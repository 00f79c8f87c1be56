package batch

import (
	"strconv"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// NameColumns returns the columns that name each record's groups, for
// Options.Columns: drg_name (the DRG's, or the ambiguous group's, name;
// blank for 0000) when scheme includes DRG, dip_name when it includes DIP.
// A look-up is a dictionary probe: the columns cost little per record.
func NameColumns(g *grouper.Grouper, scheme grouper.Scheme) []Column {
	return nameColumns(scheme, func(*record.Record) *grouper.Grouper { return g })
}

// NameColumns are the name columns of a run by date: each record's codes
// named by the version that grouped it (ForDate), so that a code only an
// older revision has keeps its name.
func (vs Versions) NameColumns(scheme grouper.Scheme) []Column {
	return nameColumns(scheme, func(rec *record.Record) *grouper.Grouper {
		if k, ok := vs.ForDate(rec.DischargeDate); ok {
			return vs[k].Grouper
		}
		return nil
	})
}

// nameColumns builds the name columns, naming each record's codes with
// the grouper pick returns for it (none: blank).
func nameColumns(scheme grouper.Scheme, pick func(*record.Record) *grouper.Grouper) []Column {
	var cols []Column
	if scheme&grouper.SchemeDRG != 0 || scheme == 0 {
		cols = append(cols, Column{Name: "drg_name", Append: func(dst []byte, rec *record.Record, res *grouper.Result) []byte {
			if g := pick(rec); g != nil {
				dst = append(dst, g.Name(res.DRG)...)
			}
			return dst
		}})
	}
	if scheme&grouper.SchemeDIP != 0 {
		cols = append(cols, Column{Name: "dip_name", Append: func(dst []byte, rec *record.Record, res *grouper.Result) []byte {
			if g := pick(rec); g != nil {
				dst = append(dst, g.DIPName(res.DIP.Group)...)
			}
			return dst
		}})
	}
	return cols
}

// CostColumns returns the columns that carry each record's cost beside its
// groups, for calibrating weights from a grouped file (drg prices
// calibrate): total_cost, los_days, hospital_level and, unless the
// payment columns already give it, hospital_id. Blank where the input was.
func CostColumns(withPayment bool) []Column {
	num := func(name string, has record.Fields, v func(*record.Record) float64) Column {
		return Column{Name: name, Append: func(dst []byte, rec *record.Record, _ *grouper.Result) []byte {
			if rec.Present&has == 0 {
				return dst
			}
			return strconv.AppendFloat(dst, v(rec), 'f', -1, 64)
		}}
	}
	cols := []Column{
		num("total_cost", record.HasTotalCost, func(r *record.Record) float64 { return r.TotalCost }),
		num("los_days", record.HasLOS, func(r *record.Record) float64 { return float64(r.LOSDays) }),
		num("hospital_level", record.HasHospitalLevel, func(r *record.Record) float64 { return float64(r.HospitalLevel) }),
	}
	if !withPayment {
		cols = append(cols, Column{Name: "hospital_id", Append: func(dst []byte, rec *record.Record, _ *grouper.Result) []byte {
			return append(dst, rec.HospitalID...)
		}})
	}
	return cols
}
