package rowscan

import "bytes"

// NextBlock finds the next block of whole lines at the start of Pending for
// a chunker that cuts input into batches at record boundaries, without
// parsing it: as many whole lines as fit in room bytes, else the first line
// alone when it is at most max bytes (filling as needed), else, at the end
// of input, the last line without its line end. With quotes (CSV, where a
// quoted field may hold line ends) the block stops at the line holding the
// first quote.
//
// It consumes nothing: the caller takes the block and calls Advance. When
// the record at the start of Pending cannot be delimited so (a line longer
// than max, or a quote in the first line), block is empty and one is true:
// the caller scans that one record itself. An empty block with one false
// means the end of input; err is a read error from Fill.
func (b *Buffer) NextBlock(room, max int, quotes bool) (block []byte, one bool, err error) {
	for {
		avail := b.buf[b.pos:b.end]
		window := avail
		if len(window) > room {
			window = window[:room]
		}
		n := bytes.LastIndexByte(window, '\n') + 1
		if n == 0 {
			switch i := bytes.IndexByte(avail, '\n'); {
			case i >= 0 && i <= max:
				n = i + 1
			case i < 0 && b.eof:
				n = len(avail) // the last line, without a line end
			case i < 0 && len(avail) <= max:
				if err := b.Fill(); err != nil {
					return nil, false, err
				}
				continue
			}
		}
		if n == 0 {
			// An over-long line, or the end of input.
			return nil, len(avail) > 0, nil
		}
		block = avail[:n]
		if quotes {
			if q := bytes.IndexByte(block, '"'); q >= 0 {
				// Quoted fields may hold line ends: take the lines before
				// the first quote as they are.
				block = block[:bytes.LastIndexByte(block[:q], '\n')+1]
				if len(block) == 0 {
					return nil, true, nil
				}
			}
		}
		return block, false, nil
	}
}
