package batch

import (
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// NameColumns returns the columns that name each record's groups, for
// Options.Columns: drg_name (the DRG's, or the ambiguous group's, name;
// blank for 0000) when scheme includes DRG, dip_name when it includes DIP.
// A look-up is a dictionary probe: the columns cost little per record.
func NameColumns(g *grouper.Grouper, scheme grouper.Scheme) []Column {
	var cols []Column
	if scheme&grouper.SchemeDRG != 0 || scheme == 0 {
		cols = append(cols, Column{Name: "drg_name", Append: func(dst []byte, _ *record.Record, res *grouper.Result) []byte {
			return append(dst, g.Name(res.DRG)...)
		}})
	}
	if scheme&grouper.SchemeDIP != 0 {
		cols = append(cols, Column{Name: "dip_name", Append: func(dst []byte, _ *record.Record, res *grouper.Result) []byte {
			return append(dst, g.DIPName(res.DIP.Group)...)
		}})
	}
	return cols
}
