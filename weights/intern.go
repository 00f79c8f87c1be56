package weights

import "github.com/medpay/drg/codes"

// codeTable maps short strings (group codes, diagnosis-code prefixes) to
// values of type V: a codes.Dict interns each key to a dense ID, and the ID
// indexes vals. The Dict holds codes of up to 12 bytes, which is nearly
// every DRG code and code prefix, inline in its slots, so a lookup hashes
// two words and usually probes once, then reads the value by index.
// Building (put) is single-threaded; get is safe for concurrent readers and
// does not allocate.
type codeTable[V any] struct {
	dict *codes.Dict
	vals []V // vals[id]; vals[0], for ID 0, is unused
}

func newCodeTable[V any]() codeTable[V] {
	// Any system will do: the keys are plain strings, and Intern does not
	// check them.
	return codeTable[V]{dict: codes.NewDict(codes.SystemProcedure), vals: make([]V, 1)}
}

// put returns the value of s for modification, adding init when s is new.
// The pointer is valid until the next put. s must not be empty.
func (t *codeTable[V]) put(s string, init V) *V {
	id := t.dict.Intern(s)
	if int(id) == len(t.vals) {
		t.vals = append(t.vals, init)
	}
	return &t.vals[id]
}

// get returns the value of s. The pointer aliases the table; do not modify
// it after building.
func (t *codeTable[V]) get(s string) (*V, bool) {
	if id, ok := t.dict.Lookup(s); ok {
		return &t.vals[id], true
	}
	return nil, false
}

// len returns the number of keys.
func (t *codeTable[V]) len() int { return t.dict.Len() }
