// Package bench measures the grouping engine at production scale: Run is
// everything `drg bench` prints (the grouping core on in-memory records,
// end-to-end `drg group` as a child process, the reference grouper on the
// same records, rule-set open + compile from the store), and the package's
// Go benchmarks measure each stage:
//
//	go test ./bench/ -run '^$' -bench . -benchtime 2s
//
// The data is synthetic and deterministic (internal/synth: the full-scale
// rule set, records, dirty records); the reference grouper
// (internal/reference) is the deliberately simple twin that the tests here
// and there hold the compiled grouper to.
//
// Example:
//
//	r, err := bench.Run(ctx, bench.Config{Records: 2_000_000, Seed: 1, DRGExe: exe})
//	...
//	fmt.Println(r.Core.RecordsPerSecCore, r.EndToEnd.RecordsPerSec)
//
// Layer: benchmarks, above everything they measure and below only the
// command (drg bench).
package bench
