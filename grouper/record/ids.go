package record

import (
	"fmt"

	"github.com/medpay/drg/internal/idset"
)

// IDSet finds repeated record ids for callers that read with ReadChunk: add
// the accepted records' ids in input order and it rejects a repeat exactly as
// Reader.Read does (see Reader on the 64-bit hashes). An IDSet is not safe
// for concurrent use.
//
// The zero value keeps every hash in memory, 10.7 to 21 bytes per id. An
// IDSet from NewIDSet with a memory bound keeps memory flat instead and stays
// exact: when its in-memory table is full it sorts the hashes into a run
// file in a temporary directory behind a Bloom filter of fixed size, and
// looks an id up on disk only when the filter says it may be there. With
// 64 MiB a false positive comes about once in 10 000 lookups after 10
// million ids and once in 80 after 30 million; past that the disk reads
// start to cost, so give a larger bound for larger inputs (memory then
// follows the bound, not the input). Call Close to remove the files.
type IDSet struct {
	set idset.Set
}

// IDSetOptions bound an IDSet's memory.
type IDSetOptions struct {
	// MaxMemory is the memory the set may use, in bytes: half for the
	// in-memory table (whose hashes spill to disk when it is full), half for
	// the Bloom filter over the spilled ones. 0 means no bound (no files).
	// Values below 16 KiB (the smallest table) are raised to 16 KiB.
	MaxMemory int64
	// TempDir holds the run files; "" means os.TempDir().
	TempDir string
	// Expected is an estimate of the ids to come (0: unknown): the set
	// starts large enough for them, within MaxMemory, instead of growing.
	Expected int
}

// NewIDSet returns an empty IDSet with the given bounds.
func NewIDSet(opts IDSetOptions) *IDSet {
	return &IDSet{set: *idset.New(idset.Options{MaxMemory: opts.MaxMemory, TempDir: opts.TempDir, Expected: opts.Expected})}
}

// Check adds rec's id to the set. It returns nil for a new id, else the
// duplicate-id *Error that Read would have returned for rec, whose text
// (for Error.Raw) is raw. A non-nil error means the run files could not be
// written or read; the set is then unusable.
func (s *IDSet) Check(rec *Record, raw string) (*Error, error) {
	seen, err := s.add(rec.ID)
	if err != nil || !seen {
		return nil, err
	}
	return duplicateError(rec, raw), nil
}

// CheckAll is Check for each of recs in order, raws[i] being recs[i]'s
// text: it appends each repeat's *Error to dups and its index in recs to
// idx. It gives the same answers as a loop over Check, faster (see
// idset.Set.AddAll). A non-nil error, as for Check, means the run files
// could not be written or read: dups and idx then hold the repeats found
// before it, and the set is unusable.
func (s *IDSet) CheckAll(recs []Record, raws []string, dups []*Error, idx []int) ([]*Error, []int, error) {
	first := len(idx)
	idx, err := idset.AddAllFunc(&s.set, recs, recordID, idx)
	for _, i := range idx[first:] {
		dups = append(dups, duplicateError(&recs[i], raws[i]))
	}
	if err != nil {
		return dups, idx, wrapIDSetErr(err)
	}
	return dups, idx, nil
}

func recordID(rec *Record) string { return rec.ID }

// add adds id to the set and reports whether it was there already.
func (s *IDSet) add(id string) (bool, error) {
	seen, err := s.set.Add(id)
	if err != nil {
		return false, wrapIDSetErr(err)
	}
	return seen, nil
}

func wrapIDSetErr(err error) error { return fmt.Errorf("record: duplicate-id check: %w", err) }

func duplicateError(rec *Record, raw string) *Error {
	return &Error{Line: rec.Line, ID: rec.ID, Field: colID.String(), Err: ErrDuplicateID, Raw: raw}
}

// Len returns the number of ids in the set.
func (s *IDSet) Len() int { return s.set.Len() }

// Spilled returns the number of times the in-memory table was written to a
// run file.
func (s *IDSet) Spilled() int { return s.set.Spilled() }

// Close removes the run files.
func (s *IDSet) Close() error { return s.set.Close() }
