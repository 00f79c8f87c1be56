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
// reported with file, line and column, and a cause that errors.Is can test
// (ErrTableSyntax, ErrUnknownReference, ErrSyntax, ErrRuleSet).
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
//	res = g.GroupScheme(&rec, grouper.SchemeBoth, nil) // also res.DIP; a *Trace instead of nil traces
//
// The embedded Sample rule set is self-authored for demos and tests; it is
// not the official scheme. Package grouper/national converts the national
// CHS-DRG 1.1 tables, grouper/store keeps rule sets versioned in Badger, and
// grouper/batch runs files through a Grouper in parallel.
//
// Built with -tags invariants (as CI runs the grouper's tests; after
// pebble's invariants builds), GroupScheme checks its own shortcut on every
// call: without a trace it tries only the MDCs and ADRGs the record's codes
// can trigger, so it then groups the record again by the full walk a trace
// takes, and panics, naming the record and both results, if they differ
// (invariants.go). In an ordinary build the check is compiled out.
//
// Layer: the grouping core, above the input model (grouper/record) and
// codes; it imports neither pricing (weights), the pipeline (grouper/batch)
// nor the store (Badger), and is the only user of the roaring bitmaps
// (internal/lint checks each).
package grouper
