package cputime

import "syscall"

// rusageThread is Linux's RUSAGE_THREAD, which package syscall does not
// name.
const rusageThread = 1

// Thread returns the CPU time the calling OS thread has used, user plus
// system, in seconds. A goroutine measuring itself must hold its thread
// (runtime.LockOSThread) between two readings; the garbage collector's
// and other goroutines' work on other threads is not counted.
func Thread() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return Process()
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
