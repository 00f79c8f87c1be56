package report

import (
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/weights"
)

// label is one piece of page text in both languages. Every label the page
// shows comes from labels, so that an English page has no Chinese heading
// left in it and a Chinese one no English: a test checks both are filled.
type label struct{ zh, en string }

func (l label) in(lang Lang) string {
	if lang == English {
		return l.en
	}
	return l.zh
}

// labels are the page's own words, keyed by what they label.
var labels = map[string]label{
	"title":          {"DRG/DIP 分组与支付报告", "DRG/DIP grouping and payment report"},
	"ruleset":        {"分组方案", "Rule set"},
	"prices":         {"价格与支付政策", "Prices and payment policy"},
	"inputs":         {"输入文件", "Input files"},
	"inputs.more":    {"另有 %s 个文件", "and %s more files"},
	"warnings":       {"本次运行可能有误", "This run is probably wrong"},
	"contents":       {"目录", "Contents"},
	"footer":         {"本页所有数字均为汇总结果，不含任何病例明细；页面自包含，离线可看。点击表头可排序。", "Every number on this page is an aggregate: no case is listed. The page is self-contained and works offline. Click a column header to sort."},
	"more.rows":      {"共 %s 行，列出前 %s 行（%s）；其余 %s 行未列出。", "%s rows; the first %s are listed (%s); %s more are not."},
	"order.cases":    {"按病例数从多到少", "most cases first"},
	"order.flagged":  {"CV ≥ 1 的分组在前，其余按病例数", "groups with CV ≥ 1 first, then most cases"},
	"order.movers":   {"按记录数从多到少", "most records first"},
	"order.adj":      {"按病例数从多到少", "most cases first"},
	"col.rank":       {"序号", "Rank"},
	"col.code":       {"编码", "Code"},
	"col.name":       {"名称", "Name"},
	"col.reason":     {"原因", "Reason"},
	"col.desc":       {"说明", "Description"},
	"col.cases":      {"病例数", "Cases"},
	"col.share":      {"占比", "Share"},
	"col.paid":       {"支付病例数", "Paid cases"},
	"col.cmi":        {"CMI", "CMI"},
	"col.payment":    {"支付金额（元）", "Payment (yuan)"},
	"col.payshare":   {"金额占比", "Share of payment"},
	"col.hospital":   {"医院", "Hospital"},
	"col.level":      {"医院等级", "Hospital level"},
	"col.class":      {"类别", "Class"},
	"col.adj":        {"政策", "Policy"},
	"col.rule":       {"政策条目", "Policy rule"},
	"col.effect":     {"影响金额（元）", "Effect (yuan)"},
	"col.kind":       {"病种类型", "Kind"},
	"col.score":      {"总分值", "Total score"},
	"col.meanscore":  {"平均分值", "Mean score"},
	"col.from":       {"原分组", "From"},
	"col.to":         {"新分组", "To"},
	"col.records":    {"记录数", "Records"},
	"col.fromcmi":    {"原 CMI", "CMI before"},
	"col.tocmi":      {"新 CMI", "CMI after"},
	"col.dcmi":       {"CMI 变化", "CMI change"},
	"col.frompay":    {"原支付（元）", "Payment before (yuan)"},
	"col.topay":      {"新支付（元）", "Payment after (yuan)"},
	"col.dpay":       {"支付变化（元）", "Payment change (yuan)"},
	"col.dpaypct":    {"变化率", "Change"},
	"col.kept":       {"保留病例", "Kept"},
	"col.mean":       {"平均费用（元）", "Mean cost (yuan)"},
	"col.cv":         {"变异系数 CV", "CV"},
	"col.weight":     {"权重", "Weight"},
	"col.fallback":   {"权重来源", "Weight from"},
	"col.flag":       {"同质性", "Homogeneity"},
	"col.item":       {"项目", "Item"},
	"flag.cv":        {"CV ≥ 1，组内差异大", "CV ≥ 1: heterogeneous"},
	"flag.ok":        {"—", "—"},
	"share.records":  {"占输入 %s", "%s of records"},
	"share.grouped":  {"占已分组 %s", "%s of grouped"},
	"share.priced":   {"占计价病例 %s", "%s of priced cases"},
	"share.migrated": {"占比较记录 %s", "%s of compared records"},
	"share.cases":    {"占病例 %s", "%s of cases"},
	"share.groups":   {"占分组 %s", "%s of groups"},
	"n.records":      {"%s 条记录", "%s records"},

	"sec.overview":   {"概览", "Overview"},
	"st.records":     {"输入记录", "Records in"},
	"st.grouped":     {"已分组", "Grouped"},
	"st.ok":          {"正常入组", "Grouped OK"},
	"st.qy":          {"歧义组 QY", "Ambiguous (QY)"},
	"st.zero":        {"未入组 0000", "Ungrouped (0000)"},
	"st.rejected":    {"拒收记录", "Rejected"},
	"st.unknown":     {"含未知编码", "With unknown codes"},
	"chart.status":   {"记录去向", "What became of the records"},
	"chart.reasons":  {"各原因记录数", "Records per reason"},
	"chart.qy":       {"各歧义组记录数", "Records per ambiguous group"},
	"status.ok":      {"正常入组", "OK"},
	"status.qy":      {"歧义组 QY", "QY"},
	"status.zero":    {"未入组 0000", "0000"},
	"status.rej":     {"拒收", "Rejected"},
	"overview.note":  {"“已分组”指通过校验、进入分组器的记录（含 0000）；正常入组、QY、0000 的占比以已分组记录为分母，拒收占比以输入记录为分母。", "“Grouped” are the records that passed validation and reached the grouper (0000 included); the OK, QY and 0000 shares are of the grouped records, the rejected share of the records in."},
	"sec.ungrouped":  {"未入组（0000）原因", "Why records are 0000"},
	"ungrouped.note": {"不可分组 %s 条，校验未通过 %s 条。", "%s ungroupable, %s failed a check."},
	"sec.qy":         {"歧义组（QY）", "Ambiguous groups (QY)"},
	"sec.rejected":   {"拒收原因", "Why records were rejected"},
	"col.qygroup":    {"歧义组", "Group"},

	"sec.casemix":  {"病例组合", "Case mix"},
	"h.mdc":        {"按 MDC（主要诊断大类）", "By MDC (major diagnostic category)"},
	"chart.mdc":    {"各 MDC 病例数", "Cases per MDC"},
	"h.drgs":       {"病例数最多的 DRG", "The DRGs with most cases"},
	"drgs.note":    {"共 %s 个 DRG，列出病例数最多的 %s 个。", "%s DRGs; the %s with most cases are listed."},
	"casemix.note": {"占比以正常入组与 QY 记录之和为分母；CMI 为支付病例的平均权重。", "Shares are of the OK and QY records; the CMI is the paid cases' mean weight."},

	"sec.payment":     {"支付", "Payment"},
	"st.total":        {"支付总额（元）", "Total payment (yuan)"},
	"st.paid":         {"支付病例", "Paid cases"},
	"st.cmi":          {"CMI", "CMI"},
	"st.mean":         {"例均支付（元）", "Mean payment per case (yuan)"},
	"st.unpaid":       {"未支付病例", "Unpaid cases"},
	"h.hospitals":     {"各医院", "Per hospital"},
	"h.levels":        {"各医院等级", "Per hospital level"},
	"chart.levels":    {"各等级支付金额（元）", "Payment per level (yuan)"},
	"h.outliers":      {"高低倍率病例", "High and low outliers"},
	"chart.outliers":  {"各类别病例数", "Cases per class"},
	"outliers.note":   {"占比以支付病例为分母。", "Shares are of the paid cases."},
	"h.unpaid":        {"未支付原因", "Why cases were not paid"},
	"h.adjustments":   {"政策调整", "Policy adjustments"},
	"chart.adj":       {"各政策的影响金额（元）", "Effect of each policy (yuan)"},
	"adjust.note":     {"影响金额为该政策使支付增加（负数为减少）的金额，以病例的组支付额 G（权重 × 费率 × 系数，未计高低倍率）为基准：加价即其金额；G 内的系数 f（中医优势病种、日间病房、机构类别系数）为 G × (1 − 1/f)；低倍率系数 f 为 G × f − G。定额支付（按项目价格、低倍率按实际费用）取代了 G，这类病例除加价外不单列影响；同级同价替换的是级别系数，记录中没有原系数，也不单列；仅作记录的政策无金额影响。", "The effect is what the policy added to the payment (negative: removed), against the case's group amount G (weight × rate × coefficients, before the outlier rules): an added amount is that amount; a factor f inside G (a TCM uplift, a day-ward or hospital-kind coefficient) made G × (1 − 1/f); the low-cost factor f, G × f − G. A set amount (a fixed price, a low-cost case paid its cost) replaces G, so on such a case only additions are told apart; same_level replaces the level coefficient, which the record does not carry, so it has none either; rules that only note a fact have no effect."},
	"hospitals.level": {"等级以病例记录为准；同一医院的记录等级不一致时显示为“未知”。", "The level is the one the records gave; a hospital whose records disagree shows as unknown."},

	"sec.dip":        {"DIP（按病种分值付费）", "DIP (diagnosis-intervention packets)"},
	"st.dipgrouped":  {"DIP 入组", "DIP grouped"},
	"st.dipnone":     {"无 DIP 病种", "No DIP group"},
	"h.both":         {"DRG 与 DIP 对照", "DRG beside DIP"},
	"both.both":      {"两者均入组", "Grouped by both"},
	"both.drg":       {"DRG 入组（正常与 QY）", "Grouped by DRG (OK and QY)"},
	"both.dip":       {"DIP 入组", "Grouped by DIP"},
	"both.drgonly":   {"仅 DRG 入组", "DRG only"},
	"both.diponly":   {"仅 DIP 入组", "DIP only"},
	"chart.both":     {"DRG 与 DIP 入组记录数", "Records grouped by DRG and DIP"},
	"h.kinds":        {"病种类型", "Kinds"},
	"chart.kinds":    {"各类型病例数", "Cases per kind"},
	"h.dipreasons":   {"未入 DIP 病种的原因", "Why records have no DIP group"},
	"h.dipgroups":    {"病例数最多的 DIP 病种", "The DIP groups with most cases"},
	"dipgroups.note": {"共 %s 个 DIP 病种，列出病例数最多的 %s 个。", "%s DIP groups; the %s with most cases are listed."},

	"sec.migration":  {"版本迁移", "Version migration"},
	"migration.from": {"从 %s 迁移到 %s，比较 %s 条记录。", "From %s to %s, %s records compared."},
	"st.samemdc":     {"MDC 不变", "Same MDC"},
	"st.sameadrg":    {"ADRG 不变", "Same ADRG"},
	"st.samedrg":     {"DRG 不变", "Same DRG"},
	"st.becameqy":    {"新进入 QY", "Became QY"},
	"st.leftqy":      {"离开 QY", "Left QY"},
	"st.became0000":  {"新成为 0000", "Became 0000"},
	"st.left0000":    {"离开 0000", "Left 0000"},
	"st.cmichange":   {"CMI", "CMI"},
	"st.paychange":   {"支付总额（元）", "Total payment (yuan)"},
	"change.arrow":   {"%s → %s", "%s → %s"},
	"chart.same":     {"分组不变的记录数", "Records whose grouping did not change"},
	"h.movers":       {"变动最多的 DRG", "The most frequent DRG changes"},
	"h.byhospital":   {"各医院 CMI 与支付变化", "CMI and payment change per hospital"},
	"h.bymdc":        {"各 MDC 的 CMI 与支付变化", "CMI and payment change per MDC"},

	"sec.calibration": {"权重测算", "Weight calibration"},
	"st.calcases":     {"病例", "Cases"},
	"st.kept":         {"保留病例", "Kept"},
	"st.unusable":     {"不可用病例", "Unusable"},
	"st.base":         {"基准费用（元）", "Base cost (yuan)"},
	"st.riv":          {"RIV（方差减少系数）", "RIV (reduction in variance)"},
	"st.calcmi":       {"CMI", "CMI"},
	"st.hetero":       {"CV ≥ 1 的分组", "Groups with CV ≥ 1"},
	"h.calgroups":     {"各分组", "Per group"},
	"calibration.note": {"CV ≥ 1 的分组（标红）组内费用差异大，通常不宜单独定权重，应考虑合并或细分。RIV 越高说明分组越能解释费用差异，常以 70% 为参考。",
		"Groups with CV ≥ 1 (in red) have costs too spread out for a weight of their own: merge or split them. The higher the RIV, the more of the cost variance the groups explain; 70% is the usual reference."},
}

// knownLabels names the codes a run reports with a description beside
// them: reasons, classes, levels, policy names. A key missing here is
// shown as it is, since check failures and rule names also come from
// rule sets and policies the report does not know.
var knownLabels = map[string]map[string]label{
	// 0000 reasons: the grouper's own and the national checks'.
	"ungrouped": {
		grouper.ReasonNoMatch:          {"未匹配到 MDC 与 ADRG", "no MDC and ADRG matched"},
		grouper.ReasonNoADRGInMDC:      {"MDC 内无匹配的 ADRG", "no ADRG of the MDC matched"},
		grouper.ReasonUnknownPrincipal: {"主要诊断编码不可识别", "principal diagnosis not known to the rule set"},
		grouper.ReasonNoPrincipal:      {"缺少主要诊断", "no principal diagnosis"},
		grouper.ReasonTCMUnmapped:      {"中医诊断未能映射为西医编码", "TCM diagnosis with no Western mapping"},
		grouper.ReasonNoDRG:            {"ADRG 下无法细分 DRG", "no DRG of the ADRG matched"},
		"SEX_MISSING":                  {"性别缺失", "sex missing"},
		"AGE_MISSING":                  {"年龄缺失", "age missing"},
		"NEWBORN_WEIGHT_MISSING":       {"新生儿出生体重缺失", "newborn weight missing"},
	},
	// Reject reasons (record.Error.Reason).
	"rejected": {
		"syntax":               {"格式错误", "syntax error"},
		"missing_id":           {"缺少病案号", "no record id"},
		"duplicate_id":         {"病案号重复", "duplicate record id"},
		"missing_principal_dx": {"缺少主要诊断", "no principal diagnosis"},
		"invalid_code":         {"编码格式无效", "invalid code"},
		"invalid_value":        {"字段值无效", "invalid value"},
		"out_of_range":         {"数值超出范围", "value out of range"},
		"date_order":           {"日期先后顺序错误", "dates out of order"},
		"not_in_force":         {"出院日期不在分组方案有效期内", "discharged outside the rule set's period"},
		"unknown_field":        {"未知字段", "unknown field"},
		"invalid":              {"其他无效", "invalid"},
	},
	// Unpaid reasons (weights.Payment.Reason).
	"unpaid": {
		weights.AdjNoScheme:   {"支付政策未覆盖该付费方式", "the policy has no section for the scheme"},
		weights.AdjNoGroup:    {"未入组，无法支付", "no group"},
		weights.AdjNoWeight:   {"分组无权重", "the group has no weight"},
		weights.AdjNoLevel:    {"医院等级未知且无默认等级", "hospital level unknown, no default level"},
		weights.AdjOutOfRange: {"权重、分值或金额超出范围", "weight, points or amount out of range"},
		weights.AdjNotInForce: {"出院日期不在支付政策有效期内", "discharged outside the policy's period"},
	},
	// Policy adjustments (weights.Adjustment.Name).
	"adjustment": {
		weights.AdjTCMAdvantaged: {"中医优势病种", "TCM-advantaged disease"},
		weights.AdjDayWard:       {"中医日间病房", "TCM day ward"},
		weights.AdjSameLevel:     {"同级同价/基层病种", "same price at every level (primary-care groups)"},
		weights.AdjSameEfficacy:  {"中西医同病同效", "same efficacy, TCM and Western"},
		weights.AdjHighOutlier:   {"高倍率", "high outlier"},
		weights.AdjLowOutlier:    {"低倍率", "low outlier"},
		weights.AdjLowExempt:     {"日间病房免除低倍率", "low-outlier rule waived (day ward)"},
		weights.AdjKindCoef:      {"机构类别系数", "hospital-kind coefficient"},
		weights.AdjFixedPrice:    {"中医病种定额", "TCM fixed price"},
		weights.AdjDefaultLevel:  {"使用默认医院等级", "default hospital level used"},
		weights.AdjNoScheme:      {"支付政策未覆盖该付费方式", "the policy has no section for the scheme"},
		weights.AdjNoGroup:       {"未入组", "no group"},
		weights.AdjNoWeight:      {"分组无权重", "the group has no weight"},
		weights.AdjNoLevel:       {"医院等级未知", "hospital level unknown"},
		weights.AdjOutOfRange:    {"超出范围", "out of range"},
		weights.AdjNotInForce:    {"不在政策有效期内", "outside the policy's period"},
	},
	// Outlier classes (weights.Outlier.String).
	"outlier": {
		"none": {"正常病例", "normal"},
		"high": {"高倍率病例", "high outlier"},
		"low":  {"低倍率病例", "low outlier"},
	},
	// Hospital levels as Payment.Levels keys them.
	"level": {
		"1": {"一级", "level 1"},
		"2": {"二级", "level 2"},
		"3": {"三级", "level 3"},
		"":  {"未知", "unknown"},
	},
	// DIP kinds (grouper.DIPKind.String) and reasons.
	"dipkind": {
		"core":          {"核心病种", "core"},
		"comprehensive": {"综合病种", "comprehensive"},
	},
	"dipreason": {
		grouper.ReasonNoDIPCatalogue: {"分组方案无 DIP 目录", "the rule set has no DIP catalogue"},
		grouper.ReasonNoDIPGroup:     {"未匹配到 DIP 病种", "no DIP group matched"},
	},
	// Where a calibrated weight came from (calibrate.Group.Fallback).
	"fallback": {
		"":          {"本组均值", "own mean"},
		"adrg":      {"所属 ADRG 合并均值", "its ADRG's pooled mean"},
		"thin":      {"本组均值（病例数不足）", "own mean of too few cases"},
		"untrimmed": {"本组未截尾均值", "own untrimmed mean"},
	},
}
