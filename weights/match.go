package weights

import "math/bits"

// The disease lists a principal diagnosis is matched against.
const (
	listAdvantaged = iota
	listDayWard
	listFixedPrice
	listSameEffDRG
	listSameEffDIP
	numLists
)

// hits holds, per list, the index of the matching entry or -1.
type hits [numLists]int32

var noHits = hits{-1, -1, -1, -1, -1}

// matcher finds the entries of every disease list that match a record's
// principal diagnoses with one pass over the codes' prefixes. Entries are
// kept in one codeTable per code system, keyed by code, valued by the entry
// index of each list; lens records which entry lengths exist, so only
// prefixes of those lengths are looked up.
type matcher struct {
	west, tcm         codeTable[hits]
	westLens, tcmLens uint64 // bit n set: some entry is n bytes long (n < 64)
}

func newMatcher() matcher {
	return matcher{west: newCodeTable[hits](), tcm: newCodeTable[hits]()}
}

// add registers entry idx of list for a canonical code of system sys.
func (m *matcher) add(list int, idx int, code, system string) {
	d, lens := &m.west, &m.westLens
	if system == SystemTCM {
		d, lens = &m.tcm, &m.tcmLens
	}
	d.put(code, noHits)[list] = int32(idx)
	if len(code) < 64 {
		*lens |= 1 << len(code)
	}
}

// match returns the entries matching the Western principal pdx and the TCM
// principal tcm. For each list a TCM entry wins over a Western one, and a
// longer (more specific) entry over a shorter one. A Western entry matches
// every code it is a prefix of (K80 and K80.1 match K80.100x001); a TCM entry
// matches the code itself and its dotted descendants (A04.02 matches
// A04.02.01).
func (m *matcher) match(pdx, tcm string) hits {
	h := noHits
	m.walk(pdx, tcm, func(e *hits) bool {
		merge(&h, e)
		return false
	})
	return h
}

// first returns the first entry of list, in match's order, that ok accepts,
// or -1: when the entry match chose has a condition the record does not
// meet (a minimum TCM share, TCM treatment), a less specific entry may
// still apply.
func (m *matcher) first(list int, pdx, tcm string, ok func(idx int32) bool) int32 {
	found := int32(-1)
	m.walk(pdx, tcm, func(e *hits) bool {
		if i := e[list]; i >= 0 && ok(i) {
			found = i
			return true
		}
		return false
	})
	return found
}

// walk calls visit with the entries of every code matching pdx or tcm, in
// precedence order (TCM first, longer first), until visit returns true.
func (m *matcher) walk(pdx, tcm string, visit func(e *hits) bool) {
	if m.tcmLens != 0 && tcm != "" {
		for n := len(tcm); n >= 2; n-- {
			if n < len(tcm) && tcm[n] != '.' {
				continue
			}
			if n < 64 && m.tcmLens&(1<<n) == 0 {
				continue
			}
			if e, ok := m.tcm.get(tcm[:n]); ok && visit(e) {
				return
			}
		}
	}
	if m.westLens != 0 && len(pdx) >= 3 {
		if len(pdx) >= 64 { // longer than any tracked length: try the whole code first
			if e, ok := m.west.get(pdx); ok && visit(e) {
				return
			}
		}
		// Only the prefix lengths some entry has, longest first.
		lens := m.westLens
		if len(pdx) < 63 {
			lens &= 1<<(len(pdx)+1) - 1
		}
		for lens != 0 {
			n := bits.Len64(lens) - 1
			lens &^= 1 << n
			if n > len(pdx) {
				continue
			}
			if e, ok := m.west.get(pdx[:n]); ok && visit(e) {
				return
			}
		}
	}
}

// merge fills the lists of h that have no entry yet from e.
func merge(h, e *hits) {
	for i, v := range e {
		if h[i] < 0 && v >= 0 {
			h[i] = v
		}
	}
}
