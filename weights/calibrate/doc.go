// Package calibrate derives DRG relative weights (RW) or DIP scores from a
// region's historical costs, as bureaus do each year (权重测算): per group,
// cases are trimmed by a rule (multiples of the group mean, standard
// deviations, or percentiles), a group with too few kept cases takes its
// ADRG's pooled mean (or is flagged thin), and RW = group mean / mean of
// all kept cases (or / a chosen base). The result reports per group the
// cases kept and trimmed, the mean and coefficient of variation (CV ≥ 1
// fails the usual homogeneity test), and for the scheme the reduction in
// variance (RIV) and the case-mix index (CMI).
//
// It streams: two passes over the same cases, keeping memory by groups,
// not cases (a histogram per group for percentile trimming).
//
//	c, err := calibrate.New(calibrate.Options{Trim: calibrate.TrimMean, Low: 0.1, High: 3})
//	for _, f := range files { calibrate.ReadCases(open(f), "drg", c.Observe) }
//	c.EndPass()
//	for _, f := range files { calibrate.ReadCases(open(f), "drg", c.Observe) }
//	res, err := c.Result()
//	res.WriteTable(out, "drg") // weights.tsv, importable as a price list
//
// Layer: pricing, beside weights; it writes weights' table format and
// imports nothing of it.
package calibrate
