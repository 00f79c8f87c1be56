package weights

import (
	"math/bits"

	"github.com/medpay/drg/codes"
)

// codeMap maps short strings (group codes, diagnosis-code prefixes) to
// values of type V. Strings of up to 8 bytes, which is nearly every DRG code
// and code prefix, are packed into a uint64 and kept with their value in an
// open-addressing table: a lookup is one multiply and, usually, one probe
// that reads key and value from the same cache line. Longer strings fall
// back to a codes.Dict. Building (put) is single-threaded; get is safe for
// concurrent readers and does not allocate.
type codeMap[V any] struct {
	slots []codeSlot[V]
	shift uint8 // 64 - log2(len(slots))
	short int   // packed keys in slots
	long  *codes.Dict
	vals  []V // by long Dict ID - 1
}

type codeSlot[V any] struct {
	key uint64 // 0 = empty (pack never returns 0)
	val V
}

func newCodeMap[V any]() codeMap[V] {
	m := codeMap[V]{long: codes.NewDict(codes.SystemProcedure)} // any system: plain strings
	m.resize(16)
	return m
}

// pack returns s as a uint64 key when it is 1-8 bytes long: the bytes,
// little-endian, with the length in the top byte for strings shorter than 8.
// An 8-byte string whose last byte is below 8 could collide with a shorter
// key's length byte, so it is not packed (and goes to the slow path).
func pack(s string) (uint64, bool) {
	n := len(s)
	if n == 0 || n > 8 {
		return 0, false
	}
	var k uint64
	for i := n - 1; i >= 0; i-- {
		k = k<<8 | uint64(s[i])
	}
	if n < 8 {
		return k | uint64(n)<<56, true
	}
	if s[7] < 8 {
		return 0, false
	}
	return k, true
}

func (m *codeMap[V]) slot(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> m.shift }

func (m *codeMap[V]) resize(n int) {
	old := m.slots
	m.slots = make([]codeSlot[V], n)
	m.shift = uint8(64 - bits.TrailingZeros(uint(n)))
	for i := range old {
		if old[i].key != 0 {
			*m.place(old[i].key) = old[i]
		}
	}
}

// place returns the slot for a new key k.
func (m *codeMap[V]) place(k uint64) *codeSlot[V] {
	mask := uint64(len(m.slots) - 1)
	for i := m.slot(k); ; i = (i + 1) & mask {
		if m.slots[i].key == 0 {
			return &m.slots[i]
		}
	}
}

// put returns the value of s for modification, adding a zero value (or
// init's) when s is new. The pointer is valid until the next put. s must not
// be empty.
func (m *codeMap[V]) put(s string, init V) *V {
	if v, ok := m.get(s); ok {
		return v
	}
	if k, ok := pack(s); ok {
		m.short++
		if m.short*2 > len(m.slots) {
			m.resize(len(m.slots) * 2)
		}
		sl := m.place(k)
		sl.key, sl.val = k, init
		return &sl.val
	}
	id := m.long.Intern(s)
	for int(id) > len(m.vals) {
		m.vals = append(m.vals, init)
	}
	return &m.vals[id-1]
}

// get returns the value of s. The pointer aliases the map; do not modify
// it after building.
func (m *codeMap[V]) get(s string) (*V, bool) {
	k, ok := pack(s)
	if !ok {
		if len(m.vals) == 0 {
			return nil, false
		}
		id, found := m.long.Lookup(s)
		if !found {
			return nil, false
		}
		return &m.vals[id-1], true
	}
	mask := uint64(len(m.slots) - 1)
	for i := m.slot(k); ; i = (i + 1) & mask {
		switch m.slots[i].key {
		case k:
			return &m.slots[i].val, true
		case 0:
			return nil, false
		}
	}
}

// len returns the number of keys.
func (m *codeMap[V]) len() int { return m.short + m.long.Len() }
