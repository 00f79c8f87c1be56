// Package race reports whether the binary was built with the race detector
// (go test -race), for the few tests whose assertions the detector changes.
//
// The detector makes sync.Pool drop a random share of the items put back,
// so a pooled hot path that never allocates in a normal build allocates
// now and then under -race. Allocation tests of such paths skip under the
// detector and stay strict without it:
//
//	if race.Enabled {
//		t.Skip(race.SkipAllocs)
//	}
//
// Layer: machinery, the bottom layer: it imports nothing at all.
package race
