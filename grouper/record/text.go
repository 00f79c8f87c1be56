package record

import (
	"errors"
	"fmt"

	"github.com/medpay/drg/internal/textenc"
)

// TextOptions say how a CSV or TSV output is written for the people who
// open it rather than for programs: bureau analysts open outputs in a
// Chinese Excel, which reads a CSV without a byte-order mark in the system
// code page (GBK), so that UTF-8's × shows as 脳 and every Chinese name as
// mojibake. The zero value writes UTF-8 without a mark and English column
// names, what programs (and this package's Reader) expect.
//
// grouper/batch writes its output (batch.Options.Text) and
// NewRejectWriterText a rejects file by them.
type TextOptions struct {
	// BOM starts the file with a UTF-8 byte-order mark (EF BB BF), which
	// makes Excel read it as UTF-8. It is written with the header row, so
	// an output appended to (no header) gets none. Only for UTF-8.
	BOM bool
	// Encoding is the file's text encoding: "" or "utf-8" (the default),
	// "gbk" or "gb18030", case-insensitive. GB18030 encodes every
	// character. GBK is GB18030's one- and two-byte codes, which Chinese
	// Windows and legacy systems read without a mark; a character it
	// lacks (a rare ideograph such as 𬌗, an emoji) fails the write with
	// an error wrapping ErrUnencodable that names the record, never
	// replaced, since a replaced character would change an id or a name
	// silently. Bytes of an input line rejected for not being UTF-8 are
	// written as they were read.
	Encoding string
	// ChineseHeader writes the header row's column names in Chinese, for
	// people; the values (codes, statuses, reasons) stay as they are.
	// Other programs (drg settle, drg prices calibrate, this package's
	// Reader) read the English names only.
	ChineseHeader bool
}

// ErrUnencodable is wrapped by the error of a write whose text has a
// character the output encoding lacks (TextOptions.Encoding "gbk").
var ErrUnencodable = errors.New("record: character not in the output encoding")

// Check refuses options that cannot make a file of format f: an unknown
// encoding; a byte-order mark on text that is not UTF-8 (Excel takes the
// mark for UTF-8 and would garble the GBK after it); and, for JSON lines,
// a mark or an encoding other than UTF-8, since JSON text is UTF-8
// without a mark (RFC 8259) and JSON readers refuse anything else. With
// JSON lines ChineseHeader is allowed and does nothing: the keys, for
// programs, stay English.
func (t TextOptions) Check(f Format) error {
	enc, err := textenc.ParseEncoding(t.Encoding)
	if err != nil {
		return fmt.Errorf("record: unsupported output encoding %q (want utf-8, gbk or gb18030)", t.Encoding)
	}
	switch {
	case f == FormatJSONL && t.BOM:
		return errors.New("record: JSON lines are UTF-8 without a byte-order mark: the mark (for Excel) is for csv or tsv output")
	case f == FormatJSONL && enc != textenc.UTF8:
		return fmt.Errorf("record: JSON lines are UTF-8: encoding %s is for csv or tsv output", enc)
	case t.BOM && enc != textenc.UTF8:
		return fmt.Errorf("record: a byte-order mark marks UTF-8 text, not %s: Excel reads %s without one", enc, enc)
	}
	return nil
}

// bom is the UTF-8 byte-order mark.
const bom = "\ufeff"
