// Package prefetch asks the processor to start loading a cache line that
// the caller will read soon, without waiting for it.
//
// A lookup in a table larger than the processor's caches waits for main
// memory, about a hundred nanoseconds. When the caller knows a few items
// ahead which lines it will read (the dictionary slots of the next records'
// codes, say), a prefetch of each lets those loads run while it works on
// the current item, and the later reads find their lines in cache:
//
//	for i := range recs {
//		if j := i + 4; j < len(recs) {
//			prefetch.Line(unsafe.Pointer(&table[hash(recs[j].Code)&mask]))
//		}
//		work(&recs[i])
//	}
//
// A prefetch is a hint: it never faults, whatever the address, and changes
// no result. On amd64 it is PREFETCHT0 and on arm64 PRFM PLDL1KEEP; on
// other architectures Line does nothing. The call is not inlined (it is
// assembly), so it pays only for loads that would miss the caches.
//
// Layer: instructions, the bottom layer: it imports nothing of this
// module. The vocabulary (codes) and the grouper use it.
package prefetch
