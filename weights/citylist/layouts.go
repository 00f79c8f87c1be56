package citylist

import (
	"fmt"

	"github.com/medpay/drg/weights"
)

// tongchuan: 铜川 2022. RW and one payment standard per insured class
// (职工, 居民), the same at every hospital level: the rate is standard /
// RW, one per class; transplant groups have no RW.
func (c *converter) tongchuan() error {
	col := map[string]int{Employee: 3, Resident: 4}[c.opts.Insured]
	if col == 0 {
		return fmt.Errorf("%w: the tongchuan layout publishes a standard per insured class: choose %s (职工) or %s (居民)", ErrOptions, Employee, Resident)
	}
	var ratios []float64
	var lines []int
	for i, r := range c.rows {
		line, group := c.lines[i], r[0]
		w, ok := c.weight(line, group, "RW", r[2], "")
		if !ok {
			continue
		}
		std, ok := c.number(line, group, "支付标准", r[col])
		if !ok {
			c.problem(line, group, "RW without a payment standard")
			continue
		}
		c.weightRow(line, group, r[1], w)
		ratios, lines = append(ratios, std/w), append(lines, line)
		c.out.Standards = append(c.out.Standards, Standard{Line: line, Group: group, Level: 1, Amount: std})
	}
	rate, err := constant("rate (standard / RW)", ratios, lines, 2)
	if err != nil {
		return err
	}
	c.pol.DefaultLevel = 1 // one standard at every level: a record without a level is paid too
	c.pol.DRG = &weights.SchemePolicy{Rate: weights.Uniform(rate), LevelCoefficients: weights.Uniform(1)}
	c.pol.Note += fmt.Sprintf("; insured class %s, rate %.2f", c.opts.Insured, rate)
	return nil
}

// jilin: 吉林 2022. Weight, the level-3 rate and standard, and the low and
// high outlier thresholds (低倍/高倍临界值) of level-3 hospitals, which are
// fixed multiples of the standard.
func (c *converter) jilin() error {
	var rates, lows, highs []float64
	var lines []int
	for i, r := range c.rows {
		line, group := c.lines[i], r[0]
		w, ok := c.weight(line, group, "权重", r[2], "")
		if !ok {
			continue
		}
		rate, ok1 := c.number(line, group, "费率（三级）", r[3])
		std, ok2 := c.number(line, group, "支付标准（三级）", r[4])
		low, ok3 := c.number(line, group, "低倍临界值（三级）", r[5])
		high, ok4 := c.number(line, group, "高倍临界值（三级）", r[6])
		if !ok1 || !ok2 || !ok3 || !ok4 || std == 0 {
			c.problem(line, group, "a rate, standard or threshold is missing")
			continue
		}
		c.weightRow(line, group, r[1], w)
		rates, lows, highs, lines = append(rates, rate), append(lows, low/std), append(highs, high/std), append(lines, line)
		c.out.Standards = append(c.out.Standards, Standard{Line: line, Group: group, Level: 3, Amount: std, Low: low, High: high})
	}
	rate, err := constant("level-3 rate", rates, lines, 4)
	if err != nil {
		return err
	}
	lowK, err := constant("low threshold / standard", lows, lines, 4)
	if err != nil {
		return err
	}
	highK, err := constant("high threshold / standard", highs, lines, 4)
	if err != nil {
		return err
	}
	ratio := c.opts.HighRatio
	c.pol.DRG = &weights.SchemePolicy{Rate: weights.Uniform(rate), LevelCoefficients: weights.Uniform(1),
		Outliers: &weights.Outliers{High: &weights.HighOutlier{Bands: []weights.Band{{K: highK}}, Ratio: &ratio}, Low: &weights.LowOutlier{K: lowK, Method: weights.LowCostRatio}}}
	c.problem(0, "", "the table publishes level 3 only: records of every level are priced at the level-3 rate (give a policy with level coefficients to price levels 1 and 2)")
	if ratio == 0 {
		c.problem(0, "", "the table publishes the high threshold, not the share of the cost above it that is paid: high-cost cases are flagged and paid the standard alone (set the share with --high-ratio)")
	}
	return nil
}

// lanzhou: 兰州 2023. RW, the group type (普通/不稳定/基础病组, 未覆盖组
// without RW), the employees' base rate and four grade coefficients; no
// standards are published (standard = RW × rate × coefficient).
func (c *converter) lanzhou() error {
	if c.opts.Insured == Resident {
		return fmt.Errorf("%w: the lanzhou layout publishes the employees' (职工) rate only", ErrOptions)
	}
	var rates []float64
	var coef [4][]float64 // 省三甲, 三甲, 三级, 二级
	var lines []int
	kinds := map[string]int{}
	for i, r := range c.rows {
		line, group := c.lines[i], r[0]
		kinds[r[3]]++
		w, ok := c.weight(line, group, "RW", r[2], " ("+r[3]+")")
		if !ok {
			continue
		}
		rate, ok := c.number(line, group, "基础费率（职工）", r[4])
		if !ok {
			c.problem(line, group, "no base rate")
			continue
		}
		var cs [4]float64
		bad := false
		for k := range cs {
			if cs[k], ok = c.number(line, group, lanzhouHeader[5+k], r[5+k]); !ok {
				bad = true
			}
		}
		if bad {
			c.problem(line, group, "a grade coefficient is missing")
			continue
		}
		c.weightRow(line, group, r[1], w)
		rates, lines = append(rates, rate), append(lines, line)
		for k := range cs {
			coef[k] = append(coef[k], cs[k])
		}
	}
	rate, err := constant("base rate", rates, lines, 4)
	if err != nil {
		return err
	}
	var g [4]float64
	for k := range g {
		if g[k], err = constant(lanzhouHeader[5+k], coef[k], lines, 4); err != nil {
			return err
		}
	}
	// Levels 1-3: 二级 for levels 1 and 2 (the table has no 一级), 三级 for 3.
	c.pol.DRG = &weights.SchemePolicy{Rate: weights.Uniform(rate), LevelCoefficients: weights.PerLevel(g[3], g[3], g[2])}
	c.problem(0, "", fmt.Sprintf("grade coefficients 省三甲 %g and 三甲 %g are not applied: the engine prices by hospital level, 三级 (%g) for level 3 and 二级 (%g) for levels 1 and 2", g[0], g[1], g[2], g[3]))
	c.problem(0, "", fmt.Sprintf("group types: %d 普通病组, %d 不稳定病组, %d 基础病组 (priced by level: the table gives no same-level coefficient), %d 未覆盖组", kinds["普通病组"], kinds["不稳定病组"], kinds["基础病组"], kinds["未覆盖组"]))
	return nil
}

// suzhou: 苏州 2023. RW, the 基础病组 flag (one standard at every level),
// the 中医优势病组 flag, a coefficient and a standard per level: the rate is
// standard / (RW × coefficient).
func (c *converter) suzhou() error {
	var rates, baseCoef []float64
	var coef [3][]float64
	var lines, baseLines, coefLines []int
	var base []string
	var tcm []weights.TCMAdvantagedGroup
	factor := c.opts.TCMFactor
	if factor == 0 {
		factor = 1
	}
	for i, r := range c.rows {
		line, group := c.lines[i], r[0]
		w, ok := c.weight(line, group, "RW", r[2], "")
		if !ok {
			continue
		}
		var cs, std [3]float64
		bad := false
		for k := range 3 {
			var ok1, ok2 bool
			cs[k], ok1 = c.number(line, group, suzhouHeader[5+k], r[5+k])
			std[k], ok2 = c.number(line, group, suzhouHeader[8+k], r[8+k])
			bad = bad || !ok1 || !ok2 || cs[k] == 0
		}
		if bad {
			c.problem(line, group, "a level coefficient or standard is missing")
			continue
		}
		c.weightRow(line, group, r[1], w)
		isBase := r[3] != ""
		for k := range 3 {
			rates, lines = append(rates, std[k]/(w*cs[k])), append(lines, line)
			if isBase {
				baseCoef, baseLines = append(baseCoef, cs[k]), append(baseLines, line)
			} else {
				coef[k] = append(coef[k], cs[k])
				if k == 0 {
					coefLines = append(coefLines, line)
				}
			}
			c.out.Standards = append(c.out.Standards, Standard{Line: line, Group: group, Level: k + 1, Amount: std[k]})
		}
		if isBase {
			base = append(base, group)
		}
		if r[4] != "" {
			tcm = append(tcm, weights.TCMAdvantagedGroup{Group: group, Name: r[1], Factor: factor})
		}
	}
	rate, err := constant("rate (standard / (RW × coefficient))", rates, lines, 2)
	if err != nil {
		return err
	}
	var lv [3]float64
	for k := range lv {
		if len(coef[k]) == 0 { // every group is a 基础病组: its coefficient at every level
			lv[k] = 1
			continue
		}
		if lv[k], err = constant(suzhouHeader[5+k], coef[k], coefLines, 4); err != nil {
			return err
		}
	}
	sp := &weights.SchemePolicy{Rate: weights.Uniform(rate), LevelCoefficients: weights.PerLevel(lv[0], lv[1], lv[2]),
		SameLevelGroups: base, TCMAdvantagedGroups: tcm}
	if len(base) > 0 {
		bc, err := constant("基础病组 coefficient", baseCoef, baseLines, 4)
		if err != nil {
			return err
		}
		sp.SameLevelCoefficient = &bc
	}
	c.pol.DRG = sp
	if c.opts.TCMFactor == 0 && len(tcm) > 0 {
		c.problem(0, "", fmt.Sprintf("%d 中医优势病组 are listed with uplift factor 1: the table flags the groups, not the factor (set it with --tcm-factor)", len(tcm)))
	}
	return nil
}
