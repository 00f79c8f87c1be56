// Package batch runs record files through a compiled grouper in parallel:
// one reader that cuts the input into batches of whole records
// (record.Reader.ReadChunk), N workers that parse, group, price and format
// them, and one writer that restores input order, rejects repeated ids and
// writes. Output is byte-identical whatever the worker count.
//
// Memory is bounded whatever the input and however far one batch lags
// behind the others (a huge batch, a slow disk): the reader takes a slot of
// a fixed window, four batches per worker, before it reads a batch, and the
// writer gives the slot back once the batch is written, so batches that
// finish ahead of the one the writer waits for wait in a ring of the
// window's size and the reader waits for a slot.
//
// A batch (Options.BatchBytes of input text) keeps its records, results and
// formatted output, so the writer can hand every record and its result to
// Options.OnResult in input order (for comparisons, settlements or
// statistics) without the pipeline knowing about them. Rejected records go
// to the reject writer, also in input order. Counts always reconcile:
// Stats.Records = Stats.Grouped + Stats.Rejected.
//
//	st, err := batch.Run(ctx, g, reader, out, rejects, batch.Options{Workers: 4})
//
// Job runs several input files as one: one duplicate-id set across them,
// one header, a rejects file whose file column names each reject's input,
// and outputs (Output, made by CreateOutput) that appear under their names
// only when the whole job succeeds, leaving any previous file as it was
// after a failure or a cancellation:
//
//	st, err := batch.Job{Inputs: files, Out: "out.csv", Rejects: "rejects.csv", Options: opts}.Run(ctx, g)
//
// Comparison tallies the groups against an expected DRG the input carries
// in a column (agreement by MDC and the first disagreements), through
// Options.Columns and Options.OnResult. Migration groups each record of a
// run under a second, older rule set too and tallies what a version switch
// moves (unchanged shares, transitions, QY and 0000, CMI and payments per
// hospital and MDC), through Options.OnResult.
//
// Options.Versions groups each record under the rule-set revision in force
// on its discharge date (Versions.ForDate), priced by that revision's
// policy; a record no revision or policy covers is rejected as not in force
// (record.ErrNotInForce), never grouped or paid under the wrong one.
// NameColumns adds the groups' names.
//
// Options.Text writes the output for people rather than programs
// (record.TextOptions): a UTF-8 byte-order mark, without which a Chinese
// Excel reads the file as GBK (× shows as 脳), or GBK or GB18030 for
// systems that read only those, and Chinese column names
// (ChineseColumnName: 结算清单号, 入组状态, 疾病诊断相关分组(DRG), 支付金额,
// ...). A Job writes its rejects file by the same options. JSON lines keep
// English keys and UTF-8, for programs: a mark or another encoding is
// refused with them.
//
//	opts.Text = record.TextOptions{BOM: true, ChineseHeader: true}
//
// Layer: the pipeline, above grouping and pricing (it calls both) and below
// only the benchmarks and the command; its directory is grouper/, its
// layer is above weights, as the product's flow codes <- grouper <-
// weights <- pipeline <- cmd says.
package batch
