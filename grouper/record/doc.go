// Package record defines the discharge Record the engine groups and reads and
// writes record files: CSV or TSV with a header row and JSON lines, optionally
// zstd-compressed (`.zst`; gzip is read too) and GBK/GB18030-encoded.
//
// The columns (StandardColumns) may come in any order; header names are
// matched case-insensitively, unknown columns are ignored unless kept
// (Options.KeepColumns, into Record.Extra). List columns (secondary_dx,
// procedures) separate items with '|'. Blank cells are absent values.
//
// A Reader streams: memory stays flat whatever the file size. It normalises
// every code (codes.Normalize) and validates every record; a record that
// cannot be used is returned as an *Error naming its line, id, field and cause,
// and counted, so that records in = accepted + rejected always holds.
// Numbers are plain decimals, with an exponent as spreadsheets write them
// (ParseNumber; not 1,000, 1_000 or 0x1p4), and have bounds beyond any real
// stay (los_days ≤ 3650, vent_hours ≤ 87 600, total_cost and tcm_cost ≤ 10^9
// yuan); past them a record is rejected as out_of_range. The caller writes
// rejects with a RejectWriter, which keeps the original line.
// A Writer writes records back out (Create for files), in a form a Reader
// reads to the same records.
//
//	rd, err := record.Open("discharges.csv.zst", record.Options{})
//	...
//	defer rd.Close()
//	var rec record.Record
//	for {
//		err := rd.Read(&rec)
//		if err == io.EOF {
//			break
//		}
//		var bad *record.Error
//		if errors.As(err, &bad) {
//			rejects.Write(bad)
//			continue
//		}
//		...
//	}
//
// A parallel pipeline splits that work: one goroutine cuts the input into
// Chunks of whole records (Reader.ReadChunk, which only looks for line ends
// and quotes), any number of goroutines parse them (a ChunkParser each, with
// exactly Read's results and line numbers), and the ordered last stage checks
// ids for duplicates with an IDSet. grouper/batch does this.
//
// Layer: the input model, above codes and internal/ machinery (compressio,
// idset, textenc for encoding detection, rowscan for line buffering, field
// splitting and chunk cutting); the grouping core and everything above it read records through
// it. It knows nothing of rule sets or payments.
package record
