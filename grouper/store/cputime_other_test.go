//go:build !unix

package store

// cpuTime is unavailable here; the cpu-ms/op metric reads 0.
func cpuTime() float64 { return 0 }
