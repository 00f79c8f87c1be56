package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// ErrDuplicateKey is wrapped by the error for a key given twice in one
// object, unless Options.ErrDuplicate names another sentinel.
var ErrDuplicateKey = errors.New("strictjson: duplicate key")

// Error is a problem in a JSON document at a path such as
// "drg.outliers.high.bands[1].over" ("" for the whole document). Err
// carries the message, with no path and no package prefix, so that callers
// can put both in their own error type.
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Options adjust Decode. The zero value is usable.
type Options struct {
	// Name names the document in messages ("trailing data after the
	// policy object"); "" means "document".
	Name string
	// ErrDuplicate is the sentinel a duplicate-key error wraps; nil means
	// ErrDuplicateKey.
	ErrDuplicate error
	// Custom checks, in place of Decode's own walk, the values decoded
	// into the types it lists (types with their own UnmarshalJSON, such as
	// one that takes a number or an object). The function gets the value
	// as decoded into an interface (map[string]any, []any, string,
	// json.Number or bool; never nil, as null is always allowed) and its
	// path, and returns an *Error or nil; Kind, Join and Number help.
	Custom map[reflect.Type]func(v any, path string) error
}

// Decode decodes data, which must hold one JSON object and nothing after
// it, into v, a pointer to a struct, refusing what encoding/json lets
// through: a key given twice in one object (encoding/json keeps the last),
// a key that matches no json tag exactly (encoding/json also takes another
// case), a value of the wrong JSON type, and a number out of range for its
// field. Checks run in that order and the first problem is returned as an
// *Error naming its path; a syntax error names its line and column. A
// string, bool, float64 or int field (int: 32 bits) is checked, as are
// structs, maps and slices of them; other kinds are left to encoding/json.
//
// Decode reads data three times (a tree, its tokens, then v): it is for
// small, hand-edited files such as payment policies, not for bulk input.
func Decode(data []byte, v any, opts Options) error {
	name := opts.Name
	if name == "" {
		name = "document"
	}
	// First pass: structure, with JSON paths in the messages.
	var tree any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return &Error{Err: syntaxError(data, err)}
	}
	if dec.More() {
		return &Error{Err: fmt.Errorf("trailing data after the %s object", name)}
	}
	if _, ok := tree.(map[string]any); !ok {
		return &Error{Err: fmt.Errorf("the %s must be a JSON object, not %s", name, Kind(tree))}
	}
	if err := checkDuplicateKeys(data, opts); err != nil {
		return err
	}
	if err := checkShape(tree, reflect.TypeOf(v), "", opts); err != nil {
		return err
	}
	// Second pass: the typed decode, strict as well.
	dec = json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &Error{Path: te.Field, Err: fmt.Errorf("%s is not a valid %s", te.Value, te.Type)}
		}
		return &Error{Err: err}
	}
	return nil
}

func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := 1, 1
		for _, c := range data[:min(int(se.Offset), len(data))] {
			if c == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		return fmt.Errorf("line %d, column %d: %v", line, col, se)
	}
	if errors.Is(err, io.EOF) {
		return errors.New("empty file")
	}
	return err
}

// checkDuplicateKeys reports the first key that appears twice in one object
// of data, which is valid JSON. encoding/json keeps the last value (and
// merges repeated objects), so a file edited by hand could otherwise be
// read by a value its reader never saw.
func checkDuplicateKeys(data []byte, opts Options) error {
	type frame struct {
		object  bool
		keys    map[string]bool
		path    string
		next    int    // arrays: the index of the next element
		key     string // objects: the key whose value comes next
		wantKey bool   // objects: the next token is a key ("" is a key too)
	}
	dup := opts.ErrDuplicate
	if dup == nil {
		dup = ErrDuplicateKey
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // 1e400 is for checkShape to report, with its path
	var stack []frame
	// at returns the path of the value about to be read.
	at := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := &stack[len(stack)-1]
		if f.object {
			return Join(f.path, f.key)
		}
		return fmt.Sprintf("%s[%d]", f.path, f.next)
	}
	// done is called after each complete value.
	done := func() {
		if len(stack) > 0 {
			if f := &stack[len(stack)-1]; f.object {
				f.key, f.wantKey = "", true
			} else {
				f.next++
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &Error{Err: syntaxError(data, err)}
		}
		if len(stack) > 0 {
			if f := &stack[len(stack)-1]; f.object && f.wantKey {
				if k, ok := tok.(string); ok {
					if f.keys[k] {
						return &Error{Path: Join(f.path, k), Err: fmt.Errorf("%w: key given twice in one object (JSON readers keep only the last)", dup)}
					}
					f.keys[k] = true
					f.key, f.wantKey = k, false
					continue
				}
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, keys: map[string]bool{}, path: at(), wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{path: at()})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			done()
		default:
			done()
		}
	}
}

// Kind names the JSON kind of a value decoded into an interface, for
// messages: "null", "an object", "an array", "a string", "a number" or "a
// boolean".
func Kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// Number checks that v, a value decoded into an interface at path, is a
// number (not null) that fits a float64 (not 1e400).
func Number(v any, path string) error {
	n, ok := v.(json.Number)
	if !ok {
		return &Error{Path: path, Err: fmt.Errorf("want a number, found %s", Kind(v))}
	}
	if _, err := n.Float64(); err != nil {
		return &Error{Path: path, Err: fmt.Errorf("number %s out of range", n)}
	}
	return nil
}

// checkShape walks a decoded JSON tree against the Go type t, reporting the
// first unknown key (keys must match a json tag exactly) or wrong JSON type,
// with its path.
func checkShape(v any, t reflect.Type, path string, opts Options) error {
	if v == nil {
		return nil // null: the field stays at its zero value
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	wrong := func(want string) error {
		return &Error{Path: path, Err: fmt.Errorf("want %s, found %s", want, Kind(v))}
	}
	if check, ok := opts.Custom[t]; ok {
		return check(v, path)
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return wrong("an object")
		}
		for _, k := range sortedKeys(obj) {
			f, ok := fieldByTag(t, k)
			if !ok {
				return &Error{Path: Join(path, k), Err: fmt.Errorf("unknown field %q", k)}
			}
			if err := checkShape(obj[k], f.Type, Join(path, k), opts); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return wrong("an object")
		}
		for _, k := range sortedKeys(obj) {
			if err := checkShape(obj[k], t.Elem(), Join(path, k), opts); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return wrong("an array")
		}
		for i, e := range arr {
			if err := checkShape(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), opts); err != nil {
				return err
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return wrong("a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return wrong("true or false")
		}
	case reflect.Float64:
		return Number(v, path)
	case reflect.Int:
		n, ok := v.(json.Number)
		if !ok {
			return wrong("an integer")
		}
		if _, err := strconv.ParseInt(string(n), 10, 32); err != nil {
			return &Error{Path: path, Err: fmt.Errorf("want an integer, found %s", n)}
		}
	}
	return nil
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" && name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Join returns the path of key in the object at path: "drg.outliers" and
// "high" give "drg.outliers.high"; "" and "drg" give "drg".
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
