//go:build !unix

package cputime

// Process returns 0: the CPU time is not read on this system, and the
// metrics built on it read 0.
func Process() float64 { return 0 }
