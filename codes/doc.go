// Package codes holds the code systems the engine groups on: ICD-10 医保版 2.0
// diagnoses, ICD-9-CM-3 医保版 2.0 procedures, and the TCM (GB/T 15657) disease
// and syndrome codes.
//
// It does three jobs, each once per code so that grouping can work on integers:
//
//   - Normalize: dirty input (lower case, full-width characters, stray spaces,
//     missing or extra dots) becomes the canonical spelling of the national
//     dictionary, or a *CodeError that says exactly why it cannot be a code.
//     Clean codes are returned as they are, without allocating.
//   - Dict: interns canonical codes to dense uint32 IDs, one Dict per code system.
//     A built Dict is safe for concurrent readers. Dict.LookupDiagnosis walks the
//     diagnosis hierarchy (exact code -> subcategory K80.0 -> category K80), so a
//     rule written on a prefix matches every extension below it.
//   - TCMMap: converts a TCM disease (optionally with its syndrome) to a Western
//     ICD-10 code before grouping, and reports which mapping row decided.
//
// Typical use:
//
//	dx, err := codes.Diagnosis(" k80.000X004 ").Normalize() // "K80.000x004"
//	m := codes.DefaultTCMMap()
//	if hit, ok := m.Map("A07.01.01", "B02.03.05"); ok {
//		fmt.Println(hit.Western, hit.Line) // I63.900 7
//	}
//
// Layer: the vocabulary. It imports no other package of this module but
// internal/prefetch (one processor instruction, for Dict.Prefetch), and
// every domain package speaks it.
package codes
