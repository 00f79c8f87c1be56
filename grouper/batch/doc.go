// Package batch runs record files through a compiled grouper in parallel:
// one reader that cuts the input into batches of whole records
// (record.Reader.ReadChunk), N workers that parse, group, price and format
// them, and one writer that restores input order, rejects repeated ids and
// writes. Output is byte-identical whatever the worker count.
//
// A batch (Options.BatchBytes of input text) keeps its records, results and
// formatted output, so the writer can hand every record and its result to
// Options.OnResult in input order (for comparisons, settlements or
// statistics) without the pipeline knowing about them. Rejected records go
// to the reject writer, also in input order. Counts always reconcile:
// Stats.Records = Stats.Grouped + Stats.Rejected.
//
//	st, err := batch.Run(ctx, g, reader, out, rejects, batch.Options{Workers: 4})
package batch
