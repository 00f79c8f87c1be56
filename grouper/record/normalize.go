package record

import (
	"bytes"
	"fmt"
)

// Normalize runs a record built in code through exactly what a record read
// from a file goes through (it is written as one JSON line and read back by
// a Reader): codes normalised (" k80.100", full-width and undotted forms
// become K80.100) and checked, numbers range-checked, dates ordered, the
// length of stay derived. It returns the normalised record, or the
// *Error of the first problem, naming the field. A numeric field counts as
// given when its Present bit is set or it is not 0, so that a Present mask
// naming some fields does not make the others missing; a field that is 0
// without its bit reads as not given. Line and Extra are kept as they are.
func Normalize(rec *Record) (Record, error) {
	var w Writer
	b, err := w.appendJSON(nil, rec)
	if err != nil {
		return Record{}, &Error{ID: rec.ID, Err: fmt.Errorf("%w: %w", ErrInvalidValue, err)}
	}
	rd, err := NewReader(bytes.NewReader(b), Options{Format: FormatJSONL, NoDuplicateCheck: true})
	if err != nil {
		return Record{}, err
	}
	var out Record
	if err := rd.Read(&out); err != nil {
		if e, ok := err.(*Error); ok {
			e.Line, e.Raw = rec.Line, ""
			return Record{}, e
		}
		return Record{}, err
	}
	out.Line, out.Extra = rec.Line, rec.Extra
	return out, nil
}
