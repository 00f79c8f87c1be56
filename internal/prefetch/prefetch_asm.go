//go:build amd64 || arm64

package prefetch

import "unsafe"

// Line starts loading the cache line holding addr into the processor's
// caches and returns without waiting. addr is never dereferenced: any
// value, nil included, is safe.
//
//go:noescape
func Line(addr unsafe.Pointer)
