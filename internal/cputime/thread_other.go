//go:build !linux

package cputime

// Thread returns -1: the thread's own CPU time is read on Linux only.
func Thread() float64 { return -1 }
