// Package textenc tells UTF-8 text from GBK (GB18030) text and decodes the
// latter: the engine's inputs come from hospital systems and spreadsheets
// that still save Chinese text as GBK, and a file read in the wrong
// encoding stores every name as mojibake. It also encodes outputs as GBK
// or GB18030 (Encoder), for the legacy systems and Chinese Excel that read
// them. It is the one user of golang.org/x/text.
//
// One encoding holds for a whole input: a GBK file is never read partly as
// UTF-8, and one stray GBK line in a UTF-8 file is reported (by the caller,
// as a record or a table line it rejects), not taken for a GBK file.
// LooksGB18030 is the vote that decides: well-formed GB18030 with more
// lines that are not UTF-8 than lines of UTF-8 Chinese.
//
// A stream (record files, with Options.Encoding "auto") is judged by its
// first SniffBytes:
//
//	src, gb, err := textenc.Sniff(src)
//	...
//	if gb {
//		src = textenc.NewGB18030Reader(src)
//	}
//
// A small file read at once (a rule table) is judged as a whole, and an
// *Error names the line to blame and what it seems to be in:
//
//	text, enc, err := textenc.Decode(data) // enc: "utf-8" or "gb18030"
//	var te *textenc.Error
//	if errors.As(err, &te) {
//		fmt.Printf("%s:%d: %s\n", file, te.Line, te.Detail())
//	}
//
// An output is encoded a line at a time, so that a character GBK lacks is
// blamed on its record (an *EncodeError at an offset of the line):
//
//	enc, err := textenc.NewEncoder("gbk") // nil for utf-8
//	...
//	out, err = enc.Append(out, line)
//
// Layer: machinery, the bottom layer: it imports nothing of this module.
// grouper/record (the reader's auto-detection), grouper (rule tables) and
// grouper/national (national tables) use it.
package textenc
