// Package idset finds repeated ids in a stream of millions: a set of 64-bit
// id hashes that lives in memory, or, given a memory bound, keeps memory
// flat by spilling sorted runs to temporary files behind a Bloom filter.
// It is the engine's duplicate-record-id check (grouper/record.IDSet wraps
// it with the record's reject) and knows nothing of records.
//
//	s := idset.New(idset.Options{MaxMemory: 64 << 20}) // zero Options: memory only
//	defer s.Close()                                     // removes the run files
//	seen, err := s.Add("S11-0000001")                   // false, nil: a new id
//	seen, err = s.Add("S11-0000001")                    // true, nil: a repeat
//
// For throughput add ids in batches with AddAll, which overlaps the cache
// misses of a batch's lookups and appends the index of each repeat:
//
//	dups, err := s.AddAll(ids, dups[:0])
//
// A non-nil error means the run files could not be written or read; the set
// is then unusable. A Set is not safe for concurrent use.
//
// Layer: machinery, the bottom layer: it imports nothing of this module.
package idset
