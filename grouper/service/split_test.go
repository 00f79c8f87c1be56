package service

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzSplitArray holds the one-pass array splitter to encoding/json: on a
// valid JSON array it finds the same elements (compared compacted), and on
// any input it does not panic.
func FuzzSplitArray(f *testing.F) {
	f.Add(`[{"id":"a","x":[1,2]},{"id":"b,\\"]"}]`)
	f.Add("[\n {\"id\": \"a\"},\n {\"id\": \"b\"}\n]")
	f.Add(`[]`)
	f.Add(`[{"a":"\\\\"},3,"s",[1]]`)
	f.Fuzz(func(t *testing.T, in string) {
		elems, n, ok := splitArray([]byte(in))
		var raws []json.RawMessage
		if json.Unmarshal([]byte(in), &raws) != nil || !json.Valid([]byte(in)) {
			return
		}
		if !ok || n != len(raws) {
			t.Fatalf("%q: %d elements (ok %t), encoding/json finds %d", in, n, ok, len(raws))
		}
		for i := range raws {
			var a, b bytes.Buffer
			if json.Compact(&a, raws[i]) != nil || json.Compact(&b, elems[i]) != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("%q: element %d is %q, encoding/json's %q", in, i, elems[i], raws[i])
			}
		}
	})
}
