package record

// idSet is a set of 64-bit id hashes: open addressing with linear probing
// in a power-of-two table kept at most 3/4 full, so it costs 8 bytes a slot,
// 10.7 to 21 bytes per id. Hash 0 marks an empty slot and is stored as 1.
type idSet struct {
	slots []uint64
	n     int
}

// add inserts h and reports whether it was absent.
func (s *idSet) add(h uint64) bool {
	if h == 0 {
		h = 1
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			s.n++
			return true
		case h:
			return false
		}
	}
}

// grow doubles the table (starting at 1024 slots) and re-inserts every hash.
func (s *idSet) grow() {
	old := s.slots
	s.slots = make([]uint64, max(2*len(old), 1024))
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}

// IDSet finds repeated record ids for callers that read with ReadChunk: add
// the accepted records' ids in input order and it rejects a repeat exactly as
// Reader.Read does (see Reader on the 64-bit hashes). The zero value is an
// empty set. An IDSet is not safe for concurrent use.
type IDSet struct{ set idSet }

// Check adds rec's id to the set. It returns nil for a new id, else the
// duplicate-id *Error that Read would have returned for rec, whose text
// (for Error.Raw) is raw.
func (s *IDSet) Check(rec *Record, raw string) *Error {
	if s.set.add(hashID(rec.ID)) {
		return nil
	}
	return &Error{Line: rec.Line, ID: rec.ID, Field: colID.String(), Err: ErrDuplicateID, Raw: raw}
}

// Len returns the number of ids in the set.
func (s *IDSet) Len() int { return s.set.n }
