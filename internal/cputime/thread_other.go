//go:build !linux

package cputime

// Thread returns Process: the thread's own CPU time is read on Linux only.
func Thread() float64 { return Process() }
