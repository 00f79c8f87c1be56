package grouper

import (
	"fmt"

	"github.com/medpay/drg/grouper/record"
)

// Invariant checks, on only in builds with -tags invariants (after
// pebble's): each is a comparison a test would make, run instead on every
// call, so that every test grouping records under the tag checks it on
// all of them. A violation is a bug in this package, never bad input, so it
// panics. With the tag off, invariants is the constant false and the
// compiler removes the checks and their calls: they cost nothing.

// checkFullWalk is called by GroupScheme with its result. Without a trace
// (tr nil), GroupScheme tries only the candidate MDCs and ADRGs that the
// record's codes can trigger (Grouper.candidates; see the trigger tables
// in compile.go); with one it walks them all, in order. Pruning must
// never change the result: under invariants, checkFullWalk groups rec
// again with a trace and panics naming the record and both results when
// they differ in a field the grouping decides.
func (g *Grouper) checkFullWalk(rec *record.Record, scheme Scheme, tr *Trace, pruned Result) {
	if invariants && tr == nil {
		g.fullWalkAgrees(rec, scheme, pruned)
	}
}

func (g *Grouper) fullWalkAgrees(rec *record.Record, scheme Scheme, pruned Result) {
	full := g.GroupScheme(rec, scheme, new(Trace))
	if a, b := walkKeyOf(pruned), walkKeyOf(full); a != b {
		panic(fmt.Sprintf("grouper: invariant violated: record %q (scheme %s) grouped on the pruned candidates gives\n  %s\nbut the full walk gives\n  %s\nfull walk:\n%s",
			rec.ID, scheme, a, b, full.Trace))
	}
}

// walkKey is what checkFullWalk compares: the fields grouping decides
// (the DRG walk, the complication level, the DIP group), not the ones
// copied from the record.
type walkKey struct {
	status      Status
	reason      string
	mdc, adrg   string
	drg         string
	ccLevel     CCLevel
	ccCode      string
	dip         string
	dipKind     DIPKind
	dipReason   string
	unknownCode uint8
}

func walkKeyOf(r Result) walkKey {
	return walkKey{r.Status, r.Reason, r.MDC, r.ADRG, r.DRG, r.CCLevel, r.CCCode, r.DIP.Group, r.DIP.Kind, r.DIP.Reason, r.UnknownCodes}
}

func (k walkKey) String() string {
	return fmt.Sprintf("status=%s reason=%q mdc=%q adrg=%q drg=%q cc=%s/%q dip=%q/%s/%q unknown=%d",
		k.status, k.reason, k.mdc, k.adrg, k.drg, k.ccLevel, k.ccCode, k.dip, k.dipKind, k.dipReason, k.unknownCode)
}
