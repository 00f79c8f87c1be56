// Package synth generates deterministic synthetic data at production scale,
// for benchmarks, tests and `drg gen`: nobody's API, and not a model of any
// real hospital.
//
//   - FullScaleRuleSet builds a rule set with the shape and size of the
//     national CHS-DRG 1.1 scheme (26 MDCs, ~400 ADRGs, ~630 DRGs, ~30 000
//     diagnosis and ~12 000 procedure codes, CC/MCC lists with exclusion
//     tables, a TCM mapping, a DIP catalogue and weights.tsv) from invented
//     codes. It compiles with grouper.Compile.
//   - Generator, Records and RecordSlice produce realistic discharge records
//     for any rule set: principal diagnoses skewed towards frequent ADRGs and
//     codes, secondaries with CCs and MCCs, procedures, age and sex
//     consistent with the MDC, TCM-coded principals, day-ward stays,
//     hospitals, dates and log-normal costs.
//   - DirtyRecords spoils a few percent of those records the way real
//     exports are spoilt (lower case, missing dots, full-width characters,
//     padding) or makes them invalid (no id, bad codes, discharge before
//     admission), reporting each Defect; WriteRecords writes either kind with
//     record.Create.
//
// Everything is deterministic: the same seed gives the same rule set and the
// same records, byte for byte.
//
// Example:
//
//	rs := synth.FullScaleRuleSet(1)
//	g, err := grouper.Compile(rs)
//	...
//	err = synth.Records(rs, 42, 1_000_000, func(rec *record.Record) error {
//		res := g.Group(rec)
//		...
//		return nil
//	})
//
// Layer: synthetic data, above the pipeline and below the reference
// grouper and bench; for benchmarks, tests and drg gen, never for payment.
package synth
