// Package strictjson decodes small, hand-edited JSON files (payment
// policies) strictly: what encoding/json silently accepts (a key given
// twice, where it keeps the last; a key in another case, or unknown; a
// value of the wrong JSON type; a number out of range; trailing data) is an
// *Error naming the JSON path, such as "drg.outliers.high.bands[1].over",
// or the line and column of a syntax error.
//
//	var p Policy
//	if err := strictjson.Decode(data, &p, strictjson.Options{Name: "policy"}); err != nil {
//		var e *strictjson.Error
//		errors.As(err, &e) // e.Path, e.Err: put them in the caller's error type
//	}
//
// Keys must match a field's json tag exactly. A type that decodes itself
// from more than one JSON shape gets its own check through Options.Custom,
// written with Kind, Join and Number. A duplicate key wraps ErrDuplicateKey
// or the caller's sentinel (Options.ErrDuplicate).
//
// Layer: machinery, the bottom layer: it imports nothing of this module.
package strictjson
