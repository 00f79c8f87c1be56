//go:build unix

package store

import "syscall"

// cpuTime returns the CPU time the process has used, user plus system, in
// seconds; the benchmarks report it per op because wall time on a shared
// machine varies with other load.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
