// Package citylist converts the DRG price lists that cities publish
// (支付标准表) into the engine's price list: a weight table (weights.tsv)
// and a payment policy (weights.Policy). Each city publishes its own
// columns, with Chinese headers; Convert recognises four layouts by their
// header and reads them as they are:
//
//   - tongchuan (铜川 2022): RW and a payment standard per insured class
//     (职工, 居民), the same at every level; Options.Insured picks the
//     fund, and the rate is read off the standards (standard / RW);
//   - jilin (吉林 2022): weight, the level-3 rate and standard, and the low
//     and high outlier thresholds, which become the policy's outlier
//     multiples (0.35 and 2 of the standard);
//   - lanzhou (兰州 2023): RW, the group type (未覆盖组 have no RW), the
//     employees' base rate and grade coefficients (三级 and 二级 become the
//     level coefficients; 省三甲 and 三甲 are reported, not applied);
//   - suzhou (苏州 2023): RW, coefficients and standards per level, the
//     基础病组 flag (a same-level list at its coefficient) and the
//     中医优势病组 flag (a group-keyed TCM uplift list, factor
//     Options.TCMFactor).
//
// A row that cannot be priced (a blank RW, a value that is not a number, a
// repeated group) is listed in Converted.Problems with its line, never
// priced as 0. What a table leaves to policy (the factor of an uplift, the
// share paid above a high threshold, the levels it does not publish) is
// said in a Problem with line 0. Converted.Check prices a normal-cost case
// of every published standard and returns those it does not reproduce to
// the cent (on the four tables: one Tongchuan row, whose published value
// was cut to three decimals; see testdata/exceptions.tsv).
//
//	c, err := citylist.Convert(f, citylist.Options{Region: "吉林 2022", RuleSet: "chs-drg-1.1",
//		Valid: record.Period{From: record.DateOf(2022, 1, 1), To: record.DateOf(2022, 12, 31)}})
//	bad, err := c.Check()
//	calc, err := c.Calculator()
//
// Layer: pricing, beside weights, whose types it produces.
package citylist
