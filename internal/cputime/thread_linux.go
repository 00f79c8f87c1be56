package cputime

import (
	"syscall"
	"unsafe"
)

// clockThreadCPUTimeID is Linux's CLOCK_THREAD_CPUTIME_ID, which package
// syscall does not name.
const clockThreadCPUTimeID = 3

// Thread returns the CPU time the calling OS thread has used, in seconds,
// from CLOCK_THREAD_CPUTIME_ID: exact to the nanosecond, where
// getrusage(RUSAGE_THREAD) moves only at scheduler ticks (4 ms steps here,
// which made short stages read 0). A goroutine measuring itself must hold
// its thread (runtime.LockOSThread) between two readings; the garbage
// collector's and other goroutines' work on other threads is not counted.
// It returns -1 when the clock cannot be read: callers must not mix it
// with Process.
func Thread() float64 {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return -1
	}
	return float64(ts.Nano()) / 1e9
}
