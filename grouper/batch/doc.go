// Package batch runs record files through a compiled grouper in parallel:
// one reader, N workers that group and format, and one writer that restores
// input order. Output is byte-identical whatever the worker count.
//
// Records flow in batches (Options.BatchBytes of input text, cut at record boundaries by the
// reader and parsed by the workers); each batch keeps its records,
// results and formatted output, so the writer can hand every record and its
// result to Options.OnResult in input order (for comparisons, settlements or
// statistics) without the pipeline knowing about them. Rejected records go
// to the reject writer, also in input order. Counts always reconcile:
// Stats.Records = Stats.Grouped + Stats.Rejected.
//
//	st, err := batch.Run(ctx, g, reader, out, rejects, batch.Options{Workers: 4})
package batch
