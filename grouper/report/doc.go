// Package report summarises a batch run for the people who must defend its
// numbers: records in, grouped, QY, 0000 and rejected with their reasons;
// the case mix by MDC and DRG; CMI, cases and payment per hospital and
// level; outlier shares; the TCM and other policy adjustments with the
// yuan they made; DIP beside DRG; and, from `drg compare` and
// `drg prices calibrate`, the version-migration table and the calibrated
// weights. A Summary holds aggregates only, so ten million records
// summarise to a few hundred kilobytes.
//
// An Aggregator builds a Summary either inside a run (its Add method is a
// batch.Options.OnResult) or from grouped files afterwards (ReadGrouped,
// ReadRejects). Check finds the signs of a run that is probably wrong (a
// high 0000 or unknown-code share, usually records coded for another rule
// set or code edition). A Summary is written and read as JSON
// (WriteJSON, ReadJSON) and rendered as one self-contained HTML page in
// Chinese or English (WriteHTML).
//
//	agg := report.NewAggregator(report.Options{Scheme: grouper.SchemeDRG, Names: g})
//	opts := batch.Options{Payment: calc, OnResult: agg.Add}
//	// ... batch.Run(ctx, g, in, out, rejects, opts), counting rejects with agg.Reject
//	s := agg.Summary(report.DefaultThresholds)
package report
