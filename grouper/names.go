package grouper

import "github.com/medpay/drg/codes"

// names indexes the Chinese names of a rule set's groups by code: MDC
// letters, ADRGs, DRGs and the ambiguous groups in one dictionary, DIP
// groups in another (their codes are the catalogue's own and could repeat
// a DRG code). A look-up is a dictionary probe, with no allocation, so
// that a names column costs little per record.
type names struct {
	drg, dip           *codes.Dict
	drgNames, dipNames []string // by dictionary ID; [0] unused
}

func (n *names) add(d *codes.Dict, to *[]string, code, name string) {
	if code == "" || name == "" {
		return
	}
	id := d.Intern(code)
	for len(*to) <= int(id) {
		*to = append(*to, "")
	}
	if (*to)[id] == "" {
		(*to)[id] = name
	}
}

// buildNames indexes rs's names; an ambiguous group xQY is named after its
// MDC (歧义组（MDC name）).
func buildNames(rs *RuleSet) names {
	// Any system will do: Intern does not check codes.
	n := names{drg: codes.NewDict(codes.SystemProcedure), dip: codes.NewDict(codes.SystemProcedure), drgNames: []string{""}, dipNames: []string{""}}
	for _, m := range rs.MDCs {
		n.add(n.drg, &n.drgNames, m.Code, m.Name)
		if m.Name != "" && rs.Behaviour.QY {
			n.add(n.drg, &n.drgNames, AmbiguousGroup(m.Code), "歧义组（"+m.Name+"）")
		}
	}
	for _, a := range rs.ADRGs {
		n.add(n.drg, &n.drgNames, a.Code, a.Name)
	}
	for _, d := range rs.DRGs {
		n.add(n.drg, &n.drgNames, d.Code, d.Name)
	}
	for _, c := range rs.DIP.Core {
		n.add(n.dip, &n.dipNames, c.Code, c.Name)
	}
	for _, c := range rs.DIP.Comprehensive {
		n.add(n.dip, &n.dipNames, c.Code, c.Name)
	}
	return n
}

// Name returns the name of an MDC letter, ADRG, DRG or ambiguous group
// (xQY) of the rule set, "" for a code it does not name (0000 among
// them). It does not allocate and is safe for concurrent use.
func (g *Grouper) Name(code string) string {
	if id, ok := g.names.drg.Lookup(code); ok {
		return g.names.drgNames[id]
	}
	return ""
}

// DIPName returns the name of a DIP group of the rule set's catalogue, ""
// when it has none.
func (g *Grouper) DIPName(code string) string {
	if id, ok := g.names.dip.Lookup(code); ok {
		return g.names.dipNames[id]
	}
	return ""
}

// NameOf returns the name rs gives an MDC letter, ADRG or DRG code, ""
// when it has none. It scans the rule set: for one-off use on a RuleSet
// as data; Grouper.Name is the look-up for every record.
func (rs *RuleSet) NameOf(code string) string {
	for _, m := range rs.MDCs {
		if m.Code == code {
			return m.Name
		}
	}
	for _, a := range rs.ADRGs {
		if a.Code == code {
			return a.Name
		}
	}
	for _, d := range rs.DRGs {
		if d.Code == code {
			return d.Name
		}
	}
	return ""
}
