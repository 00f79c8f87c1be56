// Package rowscan is the record-agnostic part of reading delimited text:
// a line buffer over a stream, CSV and TSV field splitting with RFC 4180
// quoting, and the cutting of input into blocks of whole lines for a
// parallel chunker. It knows lines, separators and quotes, not columns,
// records or what makes a value valid: grouper/record builds its Reader,
// rejects and ChunkParser on it.
//
// A Buffer holds the unconsumed text (Pending); a scanner looks at a line,
// then consumes it:
//
//	var in rowscan.Buffer
//	in.Reset(src, 64<<10)
//	for {
//		n, err := in.LineEnd(maxLine) // ErrLongLine past maxLine: in.SkipLine()
//		...
//		if n == 0 && in.AtEOF() {
//			break
//		}
//		line := in.Line(n) // without its "\r\n"; valid until the next Fill
//		if bytes.IndexByte(line, '"') >= 0 {
//			// n, inner, how, err := in.QuotedRecord(',', maxRecord), then
//			// SplitQuoted(in.Line(n), ...) and in.Consume(n)
//		}
//		vals = rowscan.SplitLine(vals[:0], string(line), ',')
//		in.Consume(n)
//	}
//
// A chunker calls NextBlock for blocks of whole lines up to a byte budget,
// copies each and Advances past it, and scans alone, with the sequential
// scanner, the one record NextBlock cannot delimit (an over-long line, a
// quoted record). Offset counts the bytes consumed either way.
//
// Ownership: slices returned by Pending, Line and Behind point into the
// buffer and are valid until the next Fill (LineEnd, SkipLine, QuotedRecord
// and NextBlock may fill); SplitLine's fields are substrings of the string
// it is given; SplitQuoted appends to the caller's out and ends.
//
// Layer: machinery, the bottom layer: it imports nothing of this module.
package rowscan
