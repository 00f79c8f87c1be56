package codes

import (
	"math/bits"
	"math/rand/v2"
	"unsafe"

	"github.com/medpay/drg/internal/prefetch"
)

// ID is a dense code identifier within one Dict. IDs start at 1; 0 means "no code".
type ID = uint32

// Dict interns the canonical codes of one code system to dense IDs.
//
// Building (Intern) is single-threaded; once built, Lookup, LookupDiagnosis
// and Code are safe for any number of concurrent readers and do not allocate.
//
// The table is open addressing over 16-byte slots that hold a code of up to
// 12 bytes inline (99% of the national dictionaries' codes) beside its ID, so
// that a lookup hashes two machine words and usually touches one cache line,
// with no string comparison and no pointer to follow. Longer codes, and IDs
// beyond 2²⁸, keep a hash tag in the slot and compare the stored string.
type Dict struct {
	sys   System
	seed  [2]uint64
	codes []string // codes[id]; codes[0] is ""
	slots []slot   // len is a power of two, at most half full
	mask  uint64
}

// slot is one table entry. An empty slot has hi == 0.
//
// Inline form (code of 1..12 bytes, ID < 2²⁸): lo = code bytes 0-7 and hi =
// bytes 8-11 | length<<32 | ID<<36, bytes little-endian and zero-padded, so
// equal codes have equal words. Long form: lo = ID | hash<<32 and hi =
// longLen<<32.
type slot struct{ lo, hi uint64 }

const (
	maxInline = 12
	longLen   = 15 // length nibble of a long-form slot
	keyMask   = 1<<36 - 1
)

// maxInlineID is the largest ID an inline slot holds; a variable so that
// tests can exercise the long form without interning 2²⁸ codes.
var maxInlineID ID = 1<<28 - 1

// NewDict returns an empty dictionary for system sys.
func NewDict(sys System) *Dict {
	d := &Dict{sys: sys, seed: [2]uint64{rand.Uint64(), rand.Uint64()}, codes: []string{""}}
	d.resize(64)
	return d
}

// System returns the code system the dictionary holds.
func (d *Dict) System() System { return d.sys }

// Len returns the number of interned codes.
func (d *Dict) Len() int { return len(d.codes) - 1 }

// Code returns the code with the given ID, or "" for an unknown ID.
func (d *Dict) Code(id ID) string {
	if int(id) >= len(d.codes) {
		return ""
	}
	return d.codes[id]
}

// Intern returns the ID of code, adding it when it is new. code must be
// canonical (see Normalize); Intern does not check.
func (d *Dict) Intern(code string) ID {
	if id, ok := d.Lookup(code); ok {
		return id
	}
	if uint64(len(d.codes))*2 >= uint64(len(d.slots)) {
		d.resize(len(d.slots) * 2)
	}
	id := ID(len(d.codes))
	d.codes = append(d.codes, code)
	d.place(code, id)
	return id
}

// pack returns the inline key words of code (without an ID), or hi == 0
// when it does not fit inline (hi holds the length of an inline code).
// Codes of 4 to 12 bytes are read with two or three overlapping word loads,
// shorter ones with three overlapping byte loads, instead of byte by byte.
// Lookup repeats this body (see there); TestDictMatchesMap holds the two
// equal for every length class.
func pack(code string) (lo, hi uint64) {
	n := len(code)
	switch {
	case n >= 8 && n <= maxInline:
		lo = le64(code)
		hi = uint64(le32(code[n-4:])) >> ((maxInline - n) * 8)
	case n >= 4 && n < 8:
		lo = uint64(le32(code)) | uint64(le32(code[n-4:]))>>((8-n)*8)<<32
	case n > 0 && n < 4: // bytes 0, n/2 and n-1 cover every byte of 1-3
		lo = uint64(code[0]) | uint64(code[n/2])<<(n/2*8) | uint64(code[n-1])<<((n-1)*8)
	default:
		return 0, 0
	}
	return lo, hi | uint64(n)<<32
}

func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// mix hashes two words (the multiply-fold of wyhash).
func (d *Dict) mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^d.seed[0], b^d.seed[1])
	return hi ^ lo
}

// hashLong hashes a code that does not fit inline, eight bytes at a time.
func (d *Dict) hashLong(code string) uint64 {
	h := uint64(len(code))
	for len(code) >= 8 {
		h = d.mix(h^le64(code), 0x9e3779b97f4a7c15)
		code = code[8:]
	}
	var tail uint64
	for i := len(code) - 1; i >= 0; i-- {
		tail = tail<<8 | uint64(code[i])
	}
	return d.mix(h^tail, 0xbf58476d1ce4e5b9)
}

// Lookup returns the ID of an exact canonical code.
func (d *Dict) Lookup(code string) (ID, bool) {
	// pack, inlined by hand (it is too large for the compiler to inline):
	// the call cost about 10 instructions a lookup, 5% of weights.Compute,
	// whose code tables are Dicts.
	var lo, hi uint64
	switch n := len(code); {
	case n >= 8 && n <= maxInline:
		lo = le64(code)
		hi = uint64(le32(code[n-4:]))>>((maxInline-n)*8) | uint64(n)<<32
	case n >= 4 && n < 8:
		lo = uint64(le32(code)) | uint64(le32(code[n-4:]))>>((8-n)*8)<<32
		hi = uint64(n) << 32
	case n > 0 && n < 4:
		lo = uint64(code[0]) | uint64(code[n/2])<<(n/2*8) | uint64(code[n-1])<<((n-1)*8)
		hi = uint64(n) << 32
	}
	if hi == 0 {
		return d.lookupLong(code)
	}
	for i := d.mix(lo, hi) & d.mask; ; i = (i + 1) & d.mask {
		s := &d.slots[i]
		if s.hi == 0 {
			break
		}
		if s.lo == lo && s.hi&keyMask == hi {
			return ID(s.hi >> 36), true
		}
	}
	// A short code whose ID did not fit inline is stored in long form.
	if ID(len(d.codes)) > maxInlineID+1 {
		return d.lookupLong(code)
	}
	return 0, false
}

func (d *Dict) lookupLong(code string) (ID, bool) {
	h := d.hashLong(code)
	tag := h &^ 0xffffffff
	for i := h & d.mask; ; i = (i + 1) & d.mask {
		s := &d.slots[i]
		if s.hi == 0 {
			return 0, false
		}
		if s.hi == longLen<<32 && s.lo&^0xffffffff == tag {
			if id := ID(s.lo); d.codes[id] == code {
				return id, true
			}
		}
	}
}

// LookupDiagnosis returns the ID of code or, when the exact code is not
// interned, of its nearest interned ancestor: the subcategory (`K80.0`), then
// the category (`K80`). exact reports whether the code itself was found.
// Rules compiled against the Dict include each code's ancestors, so the
// returned ID matches every rule that names the code or one of its prefixes.
func (d *Dict) LookupDiagnosis(code string) (id ID, exact, ok bool) {
	if id, ok := d.Lookup(code); ok {
		return id, true, true
	}
	for _, anc := range [2]string{subcategory(code), category(code)} {
		if anc == "" {
			continue
		}
		if id, ok := d.Lookup(anc); ok {
			return id, false, true
		}
	}
	return 0, false, false
}

// Parent returns the nearest interned ancestor of the diagnosis with the
// given ID (subcategory, then category), or 0 when it has none.
func (d *Dict) Parent(id ID) ID {
	code := d.Code(id)
	for _, anc := range [2]string{subcategory(code), category(code)} {
		if anc == "" || anc == code {
			continue
		}
		if len(anc) >= len(code) {
			continue
		}
		if pid, ok := d.Lookup(anc); ok {
			return pid
		}
	}
	return 0
}

func category(code string) string {
	if len(code) > 3 {
		return code[:3]
	}
	return ""
}

func (d *Dict) resize(n int) {
	d.slots = make([]slot, n)
	d.mask = uint64(n - 1)
	for id := 1; id < len(d.codes); id++ {
		d.place(d.codes[id], ID(id))
	}
}

func (d *Dict) place(code string, id ID) {
	var (
		h uint64
		s slot
	)
	if lo, hi := pack(code); hi != 0 && id <= maxInlineID {
		h, s = d.mix(lo, hi), slot{lo: lo, hi: hi | uint64(id)<<36}
	} else {
		h = d.hashLong(code)
		s = slot{lo: h&^0xffffffff | uint64(id), hi: longLen << 32}
	}
	for i := h & d.mask; ; i = (i + 1) & d.mask {
		if d.slots[i].hi == 0 {
			d.slots[i] = s
			return
		}
	}
}

// Prefetch starts loading the table slot where code would be found, without
// waiting for it, so that a Lookup of code a little later finds it in cache.
// A batch grouper calls it for the next records' codes while it groups the
// current one: on a dictionary larger than the processor's caches each
// look-up waits for memory, and a prefetch a few records ahead lets those
// loads run during the work in between (package internal/prefetch). It
// changes nothing, and does nothing on architectures without a prefetch
// instruction.
func (d *Dict) Prefetch(code string) {
	lo, hi := pack(code)
	if hi == 0 {
		return // a long code: rare, left to Lookup
	}
	prefetch.Line(unsafe.Pointer(&d.slots[d.mix(lo, hi)&d.mask]))
}
