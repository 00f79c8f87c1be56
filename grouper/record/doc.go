// Package record defines the discharge Record the engine groups and reads and
// writes record files: CSV with a header row and JSON lines, optionally
// zstd-compressed (`.zst`) and, for CSV, GBK/GB18030-encoded.
//
// A Reader streams: memory stays flat whatever the file size. It normalises
// every code (codes.Normalize) and validates every record; a record that
// cannot be used is returned as an *Error naming its line, id, field and cause,
// and counted, so that records in = accepted + rejected always holds. The
// caller writes rejects with a RejectWriter, which keeps the original line.
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
package record
