// Package grouper assigns discharge records their CHS-DRG group (MDC, ADRG,
// DRG) and DIP group, from rule sets that are data, and explains why.
//
// A RuleSet holds a scheme as plain data: MDCs with entry conditions, ADRGs
// tried in order within their MDC, DRG splits, code lists, CC/MCC lists with
// exclusion tables, data checks, dictionaries, a TCM mapping and a DIP
// catalogue. Conditions are written in one small language (ParseExpr), for
// example "pdx in zd AND main_proc in ss" or "has_mcc OR has_cc". Rule sets
// are read from and written to directories of TSV tables (ReadTables,
// RuleSet.EncodeTables), which round-trip byte for byte; problems are
// reported with file, line and column.
//
// Compile turns a RuleSet into a Grouper: every code is interned to a dense
// integer ID, every list becomes a roaring bitmap of IDs (flattened once more
// into a bit set for the membership test of the grouping loop), each code
// knows the ADRGs and MDCs it can make true, and exclusion tables become ID
// sets. Grouping a record then does one dictionary lookup per code and works
// on integers; it does not allocate. A Grouper is immutable and safe for
// concurrent use.
//
//	rs, err := grouper.Sample() // or grouper.ReadTables(os.DirFS(dir))
//	g, err := grouper.Compile(rs)
//	res := g.Group(&rec)        // res.DRG, res.MDC, res.ADRG, res.CCLevel ...
//	res = g.Explain(&rec)       // the same, with res.Trace: every decision in order
//	res = g.GroupScheme(&rec, grouper.SchemeBoth, false) // also res.DIP
//
// The embedded Sample rule set is self-authored for demos and tests; it is
// not the official scheme. Package grouper/chs11 converts the national
// CHS-DRG 1.1 tables, grouper/store keeps rule sets versioned in Badger, and
// grouper/batch runs files through a Grouper in parallel.
package grouper
