package codes

import (
	"hash/maphash"
)

// ID is a dense code identifier within one Dict. IDs start at 1; 0 means "no code".
type ID = uint32

// Dict interns the canonical codes of one code system to dense IDs.
//
// Building (Intern) is single-threaded; once built, Lookup, LookupDiagnosis
// and Code are safe for any number of concurrent readers and do not allocate.
// The table is an open-addressing hash over the code bytes, so a lookup costs
// one hash and, usually, one string comparison.
type Dict struct {
	sys   System
	seed  maphash.Seed
	codes []string // codes[id]; codes[0] is ""
	// slots is an open-addressing table: 0 = empty, else the code's ID in
	// the low 32 bits and the high 32 bits of its hash as a tag, so that a
	// probe compares strings only when the tags agree.
	slots []uint64
	mask  uint64
}

// NewDict returns an empty dictionary for system sys.
func NewDict(sys System) *Dict {
	d := &Dict{sys: sys, seed: maphash.MakeSeed(), codes: []string{""}}
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

// Lookup returns the ID of an exact canonical code.
func (d *Dict) Lookup(code string) (ID, bool) {
	h := maphash.String(d.seed, code)
	tag := h &^ 0xffffffff
	for i := h & d.mask; ; i = (i + 1) & d.mask {
		slot := d.slots[i]
		if slot == 0 {
			return 0, false
		}
		if slot&^0xffffffff == tag {
			if id := ID(slot); d.codes[id] == code {
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
	d.slots = make([]uint64, n)
	d.mask = uint64(n - 1)
	for id := 1; id < len(d.codes); id++ {
		d.place(d.codes[id], ID(id))
	}
}

func (d *Dict) place(code string, id ID) {
	h := maphash.String(d.seed, code)
	for i := h & d.mask; ; i = (i + 1) & d.mask {
		if d.slots[i] == 0 {
			d.slots[i] = h&^0xffffffff | uint64(id)
			return
		}
	}
}
