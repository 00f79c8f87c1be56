// Package cputime reads the CPU time the process has used, for benchmarks
// that report CPU per record or per op: on a shared machine wall time
// varies with other load, while the CPU a run takes does not (much).
//
// Layer: machinery, the bottom layer: it imports nothing of this module.
package cputime
