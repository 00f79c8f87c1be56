package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

type levels struct{ v json.RawMessage }

func (l *levels) UnmarshalJSON(data []byte) error { l.v = data; return nil }

type inner struct {
	Over float64 `json:"over"`
}

type doc struct {
	Name   string            `json:"name"`
	N      int               `json:"n,omitempty"`
	On     bool              `json:"on"`
	Bands  []inner           `json:"bands"`
	ByCode map[string]*inner `json:"by_code"`
	Rate   *levels           `json:"rate"`
	Skip   string            `json:"-"`
}

var errDup = errors.New("test: duplicate")

func checkLevels(v any, path string) error {
	switch x := v.(type) {
	case json.Number:
		return Number(x, path)
	case map[string]any:
		for _, k := range []string{"1", "2", "3"} {
			if e, ok := x[k]; ok {
				if err := Number(e, Join(path, k)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return &Error{Path: path, Err: fmt.Errorf("want a number or a per-level object, found %s", Kind(v))}
}

var custom = map[reflect.Type]func(any, string) error{reflect.TypeFor[levels](): checkLevels}

func TestDecode(t *testing.T) {
	opts := Options{Name: "test", ErrDuplicate: errDup, Custom: custom}
	for _, tc := range []struct {
		name, in string
		want     string // the error's text; "" for none
		is       error  // an error it must wrap, or nil
	}{
		{"good", `{"name": "a", "n": 3, "on": true, "bands": [{"over": 1.5}], "by_code": {"x": {"over": 2}}, "rate": {"1": 1}}`, "", nil},
		{"null fields", `{"name": null, "bands": null, "rate": null}`, "", nil},
		{"empty", ``, "empty file", nil},
		{"syntax", "{\n  \"name\": \"a\",\n  oops\n}", "line 3, column 4: invalid character 'o' looking for beginning of object key string", nil},
		{"trailing", `{"name": "a"} {}`, "trailing data after the test object", nil},
		{"not an object", `[1]`, "the test must be a JSON object, not an array", nil},
		{"duplicate", `{"bands": [{"over": 1}, {"over": 2, "over": 3}]}`, "bands[1].over: test: duplicate: key given twice in one object (JSON readers keep only the last)", errDup},
		{"duplicate top", `{"name": "a", "name": "b"}`, "name: test: duplicate: key given twice in one object (JSON readers keep only the last)", errDup},
		{"unknown", `{"by_code": {"x": {"Over": 2}}}`, `by_code.x.Over: unknown field "Over"`, nil},
		{"tag dash", `{"Skip": "x"}`, `Skip: unknown field "Skip"`, nil},
		{"wrong type", `{"on": 1}`, "on: want true or false, found a number", nil},
		{"wrong array", `{"bands": {}}`, "bands: want an array, found an object", nil},
		{"out of range", `{"bands": [{"over": 1e400}]}`, "bands[0].over: number 1e400 out of range", nil},
		{"not int", `{"n": 1.5}`, "n: want an integer, found 1.5", nil},
		{"int too big", `{"n": 4294967296}`, "n: want an integer, found 4294967296", nil},
		{"custom", `{"rate": "x"}`, "rate: want a number or a per-level object, found a string", nil},
		{"custom inside", `{"rate": {"2": null}}`, "rate.2: want a number, found null", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tc.in), &d, opts)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("got %T, want a *Error", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%v does not wrap %v", err, tc.is)
			}
		})
	}
}

func TestDecodeDefaults(t *testing.T) {
	var d doc
	err := Decode([]byte(`{"name": "a", "name": "a"}`), &d, Options{})
	if !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("got %v, want ErrDuplicateKey", err)
	}
	if err := Decode([]byte(`1`), &d, Options{}); err == nil || err.Error() != "the document must be a JSON object, not a number" {
		t.Errorf("got %v, want the document named", err)
	}
}

func TestDecodeValues(t *testing.T) {
	var d doc
	if err := Decode([]byte(`{"name": "a", "n": 7, "bands": [{"over": 2.5}], "rate": 3}`), &d, Options{Custom: custom}); err != nil {
		t.Fatal(err)
	}
	if d.Name != "a" || d.N != 7 || len(d.Bands) != 1 || d.Bands[0].Over != 2.5 || string(d.Rate.v) != "3" {
		t.Errorf("got %+v, want the file's values", d)
	}
}

// FuzzDecode: Decode never panics, and every error is an *Error.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name": "a", "bands": [{"over": 1}]}`, `{"a":1,"a":2}`, `[`, `{"n": 1e999}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d doc
		if err := Decode(data, &d, Options{}); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("got %T %v, want a *Error", err, err)
			}
		}
	})
}
