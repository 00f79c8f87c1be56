package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper"
)

// FullScaleName is the name of the rule sets FullScaleRuleSet returns.
const FullScaleName = "full-scale-synthetic"

// FullScaleRuleSet returns a synthetic rule set with the shape and size of
// the national CHS-DRG 1.1 scheme: 26 MDCs in the national order with the
// national entry conditions, about 400 ADRGs of the national condition kinds
// and about 630 DRGs split 1/3/5/9, about 30 000 diagnosis and 12 000
// procedure codes of valid ICD-10 / ICD-9-CM-3 医保版 spelling, a global
// SS_VALID list, CC/MCC lists with about 220 exclusion tables, a TCM mapping
// table, a DIP catalogue and a weights.tsv table. Fall-through is on and QY
// off, as in the national scheme.
//
// The codes are invented, not real ICD codes; the result depends only on
// seed. It is meant for benchmarks and tests at production scale; it must
// not be mistaken for a real scheme (RuleSet.Sample is true).
func FullScaleRuleSet(seed uint64) *grouper.RuleSet {
	b := &rsBuilder{
		r:     rand.New(rand.NewPCG(seed, 0x0cd5d96)),
		catOf: map[string]*category{},
		rs: &grouper.RuleSet{
			Name:        FullScaleName,
			Version:     strconv.FormatUint(seed, 10),
			Description: "SYNTHETIC full-scale rule set with the shape of CHS-DRG 1.1; invented codes, for benchmarks",
			Sample:      true,
			Behaviour:   grouper.Behaviour{FallThrough: true},
			Checks: []grouper.Check{
				{Order: 1, Condition: "sex = 0", Reason: "SEX_MISSING"},
				{Order: 2, Condition: "age_known = 0", Reason: "AGE_MISSING"},
				{Order: 3, Condition: "age_years = 0 AND age_days <= 28 AND weight = 0", Reason: "NEWBORN_WEIGHT_MISSING"},
			},
			Tables: map[string][]byte{},
		},
	}
	b.diagnoses()
	b.procedures()
	b.structure()
	b.complications()
	b.tcm()
	b.dip()
	b.weights()
	b.lines()
	return b.rs
}

// mdcSpec describes one MDC of the full-scale set. Counts follow the national
// scheme scaled to about 400 ADRGs.
type mdcSpec struct {
	code, name string
	adrgs      int    // all ADRGs
	surg       int    // ADRGs A-J, including pz and two
	nonOR      int    // ADRGs K-Q
	pz         int    // surgical "pdx in zd AND main_proc in ss"
	two        int    // surgical "any_proc in ss AND any_proc in ss1"
	dx         string // diagnosis category ranges whose codes are the MDC's
	chapters   string // procedure chapters its procedure ADRGs draw from
}

// mdcSpecs is in assignment order.
var mdcSpecs = []mdcSpec{
	{code: "A", name: "先期分组疾病及相关操作", adrgs: 10, surg: 10, two: 1, chapters: "00 33 37 39 41 50 52 55 96"},
	{code: "P", name: "新生儿及其他围产期新生儿疾病", adrgs: 11, dx: "P00-P96", chapters: "01 38 53 96"},
	{code: "Y", name: "HIV感染疾病及相关操作", adrgs: 3, dx: "B20-B24"},
	{code: "Z", name: "多发严重创伤", adrgs: 5, chapters: "01-05 76-84"},
	{code: "M", name: "男性生殖系统疾病及功能障碍", adrgs: 9, surg: 5, pz: 1, dx: "N40-N53 C60-C63", chapters: "60-64"},
	{code: "N", name: "女性生殖系统疾病及功能障碍", adrgs: 13, surg: 9, pz: 2, dx: "N70-N98 C51-C58 D25-D28", chapters: "65-71"},
	{code: "B", name: "神经系统疾病及功能障碍", adrgs: 31, surg: 10, nonOR: 2, pz: 2, dx: "G00-G99 I60-I69 S00-S09 C70-C72", chapters: "01-05"},
	{code: "C", name: "眼疾病及功能障碍", adrgs: 17, surg: 9, dx: "H00-H59", chapters: "08-16"},
	{code: "D", name: "头颈、耳、鼻、口、咽疾病及功能障碍", adrgs: 23, surg: 14, nonOR: 1, pz: 1, dx: "H60-H95 J30-J39 K00-K14 S10-S19 C00-C14 C30-C32", chapters: "18-29"},
	{code: "E", name: "呼吸系统疾病及功能障碍", adrgs: 21, surg: 6, dx: "J00-J29 J40-J99 C33-C34 C37-C39 A15-A16", chapters: "30-34"},
	{code: "F", name: "循环系统疾病及功能障碍", adrgs: 44, surg: 14, nonOR: 12, pz: 3, two: 3, dx: "I00-I59 I70-I99", chapters: "35-39"},
	{code: "G", name: "消化系统疾病及功能障碍", adrgs: 24, surg: 13, nonOR: 3, pz: 1, dx: "K20-K67 K90-K93 C15-C21", chapters: "42-49"},
	{code: "H", name: "肝、胆、胰疾病及功能障碍", adrgs: 19, surg: 5, nonOR: 3, dx: "K70-K87 C22-C25 B15-B19", chapters: "50-52"},
	{code: "I", name: "肌肉、骨骼疾病及功能障碍", adrgs: 32, surg: 18, two: 1, dx: "M00-M99 S20-S99 C40-C41", chapters: "76-84"},
	{code: "J", name: "皮肤、皮下组织及乳腺疾病及功能障碍", adrgs: 19, surg: 9, dx: "L00-L99 C43-C44 C50-C50 N60-N64", chapters: "85-86"},
	{code: "K", name: "内分泌、营养、代谢疾病及功能障碍", adrgs: 13, surg: 6, dx: "E00-E90", chapters: "06-07"},
	{code: "L", name: "肾脏及泌尿系统疾病及功能障碍", adrgs: 19, surg: 10, nonOR: 1, pz: 2, dx: "N00-N39 C64-C68", chapters: "55-59"},
	{code: "O", name: "妊娠、分娩及产褥期", adrgs: 14, surg: 8, pz: 3, dx: "O00-O99", chapters: "72-75"},
	{code: "Q", name: "血液、造血器官及免疫疾病和功能障碍", adrgs: 9, surg: 2, dx: "D50-D89", chapters: "40-41"},
	{code: "R", name: "骨髓增生疾病和功能障碍，低分化肿瘤", adrgs: 20, surg: 11, pz: 9, dx: "C81-C96 D45-D47", chapters: "40-41 92"},
	{code: "S", name: "感染及寄生虫病（全身性或不明部位的）", adrgs: 7, surg: 1, dx: "A00-A14 A17-A99 B00-B14 B25-B99"},
	{code: "T", name: "精神疾病及功能障碍", adrgs: 11, surg: 1, dx: "F00-F09 F20-F99"},
	{code: "U", name: "酒精/药物使用及其引起的器质性精神功能障碍", adrgs: 2, dx: "F10-F19"},
	{code: "V", name: "创伤、中毒及药物毒性反应", adrgs: 9, surg: 3, dx: "T00-T19 T33-T98", chapters: "79 86"},
	{code: "W", name: "烧伤", adrgs: 5, surg: 3, pz: 1, dx: "T20-T32", chapters: "86"},
	{code: "X", name: "影响健康因素及其他就医情况", adrgs: 10, surg: 1, dx: "Z00-Z99 R00-R99", chapters: "86"},
}

// unassignedRanges hold diagnoses that no MDC list names.
const unassignedRanges = "Q00-Q99 V01-V99 W00-W99 X00-X99 Y00-Y98"

// ssValidADRG are the MDCs whose first ADRG is "main_proc in SS_VALID".
var ssValidADRG = map[string]string{"S": "SB1", "T": "TB1", "W": "WJ1", "X": "XJ1"}

type category struct {
	code   string
	mdc    string   // primary MDC, "" when unassigned
	subs   []string // subcategory codes (K80.1), in order
	codes  []string // every code of the category, in order
	region string   // MDC Z trauma region, for S categories
	table  string   // CC exclusion table
}

type procedure struct {
	code    string
	chapter int
	class   string
	valid   bool // in SS_VALID
}

type rsBuilder struct {
	r     *rand.Rand
	rs    *grouper.RuleSet
	cats  []*category // sorted by code
	catOf map[string]*category
	procs []procedure // sorted by code
	byCh  [100][]int  // procedure indices by chapter

	medicalDx []string         // exact codes in medical zd lists, for TCM targets
	mdcProcs  map[string][]int // procedure indices an MDC's ADRGs use, for DIP
}

func (b *rsBuilder) chance(p float64) bool { return b.r.Float64() < p }

// between returns a uniform integer in [lo, hi].
func (b *rsBuilder) between(lo, hi int) int { return lo + b.r.IntN(hi-lo+1) }

// categoryRange expands "G00-G99" into its category codes.
func categoryRange(spec string) []string {
	lo, hi, _ := strings.Cut(spec, "-")
	a, _ := strconv.Atoi(lo[1:])
	z, _ := strconv.Atoi(hi[1:])
	out := make([]string, 0, z-a+1)
	for n := a; n <= z; n++ {
		out = append(out, fmt.Sprintf("%c%02d", lo[0], n))
	}
	return out
}

// chapterRange expands "01-05 76" into procedure chapters.
func chapterRange(spec string) []int {
	var out []int
	for _, f := range strings.Fields(spec) {
		lo, hi, ok := strings.Cut(f, "-")
		a, _ := strconv.Atoi(lo)
		z := a
		if ok {
			z, _ = strconv.Atoi(hi)
		}
		for c := a; c <= z; c++ {
			out = append(out, c)
		}
	}
	return out
}

// traumaRegion returns the MDC Z region of an injury category (S00-S99).
func traumaRegion(cat string) string {
	n, _ := strconv.Atoi(cat[1:])
	switch {
	case n <= 19:
		return "头颈部"
	case n == 22 || n == 23:
		return "躯干、脊柱"
	case n <= 29:
		return "胸部"
	case n == 32 || n == 33:
		return "骨盆创伤"
	case n == 37:
		return "泌尿系统"
	case n == 38:
		return "生殖系统"
	case n <= 39:
		return "腹部"
	case n <= 69:
		return "上肢"
	}
	return "下肢"
}

// diagnoses invents the categories, subcategories and codes.
func (b *rsBuilder) diagnoses() {
	add := func(ranges, mdc string) {
		for _, spec := range strings.Fields(ranges) {
			for _, c := range categoryRange(spec) {
				if b.catOf[c] != nil || !b.chance(0.86) {
					continue
				}
				cat := &category{code: c, mdc: mdc}
				if c[0] == 'S' {
					cat.region = traumaRegion(c)
				}
				b.catOf[c] = cat
				b.cats = append(b.cats, cat)
			}
		}
	}
	for _, m := range mdcSpecs {
		add(m.dx, m.code)
	}
	add(unassignedRanges, "")
	slices.SortFunc(b.cats, func(x, y *category) int { return strings.Compare(x.code, y.code) })

	for _, cat := range b.cats {
		external := strings.ContainsRune("VWXY", rune(cat.code[0]))
		var subs []string
		switch {
		case external:
			subs = pickDigits(b.r, b.between(1, 2))
		case b.chance(0.08):
			subs = []string{"x"} // no subdivision: A33.x00
		default:
			subs = pickDigits(b.r, b.between(1, 8))
		}
		for _, s := range subs {
			cat.subs = append(cat.subs, cat.code+"."+s)
			n := b.between(1, 4)
			if external {
				n = 1
			}
			for j := range n {
				code := fmt.Sprintf("%s.%s%02d", cat.code, s, j)
				cat.codes = append(cat.codes, code)
				if !external && b.chance(0.3) {
					for k := range b.between(1, 3) {
						cat.codes = append(cat.codes, fmt.Sprintf("%sx%03d", code, k+1))
					}
				}
			}
		}
		for _, c := range cat.codes {
			b.rs.Diagnoses = append(b.rs.Diagnoses, grouper.DictEntry{Code: c})
		}
	}
}

// pickDigits returns n distinct digits in increasing order, as strings.
func pickDigits(r *rand.Rand, n int) []string {
	perm := r.Perm(10)[:n]
	slices.Sort(perm)
	out := make([]string, n)
	for i, d := range perm {
		out[i] = strconv.Itoa(d)
	}
	return out
}

// procedureClass draws a DIP procedure class typical of the chapter.
func (b *rsBuilder) procedureClass(ch int) string {
	x := b.r.Float64()
	switch {
	case ch >= 87 && ch <= 91:
		if x < 0.8 {
			return "diagnostic"
		}
		return "therapeutic"
	case ch >= 92:
		if x < 0.8 {
			return "therapeutic"
		}
		return "diagnostic"
	case ch == 0 || (ch >= 35 && ch <= 39):
		switch {
		case x < 0.45:
			return "interventional"
		case x < 0.6:
			return "therapeutic"
		}
		return "surgery"
	}
	switch {
	case x < 0.86:
		return "surgery"
	case x < 0.95:
		return "therapeutic"
	}
	return "diagnostic"
}

// procedures invents the procedure codes (dd.dddd, some with x extensions)
// and the SS_VALID list.
func (b *rsBuilder) procedures() {
	for ch := range 100 {
		lo, hi := 15, 37
		if ch >= 87 {
			lo, hi = 22, 48
		}
		for _, sec := range sortedSample(b.r, 100, b.between(lo, hi)) {
			for d := range b.between(1, 6) {
				code := fmt.Sprintf("%02d.%02d%02d", ch, sec, d)
				class := b.procedureClass(ch)
				b.addProc(code, ch, class)
				if b.chance(0.12) {
					for k := range b.between(1, 3) {
						b.addProc(fmt.Sprintf("%sx%03d", code, k+1), ch, class)
					}
				}
			}
		}
	}
	for i := range b.procs {
		p := &b.procs[i]
		switch p.class {
		case "surgery", "interventional":
			p.valid = true
		case "therapeutic":
			p.valid = b.chance(0.6)
		default:
			p.valid = b.chance(0.2)
		}
		b.rs.Procedures = append(b.rs.Procedures, grouper.DictEntry{Code: p.code, Class: p.class})
		if p.valid {
			b.rs.Lists = append(b.rs.Lists, grouper.ListEntry{Owner: "*", List: "SS_VALID", System: codes.SystemProcedure, Code: p.code})
		}
	}
}

func (b *rsBuilder) addProc(code string, ch int, class string) {
	b.byCh[ch] = append(b.byCh[ch], len(b.procs))
	b.procs = append(b.procs, procedure{code: code, chapter: ch, class: class})
}

// sortedSample returns k distinct integers of [0, n) in increasing order.
func sortedSample(r *rand.Rand, n, k int) []int {
	s := r.Perm(n)[:k]
	slices.Sort(s)
	return s
}

// procPool returns the indices of the procedures of the chapters that keep
// returns true for, shuffled.
func (b *rsBuilder) procPool(chapters []int, keep func(*procedure) bool) []int {
	var pool []int
	for _, ch := range chapters {
		for _, i := range b.byCh[ch] {
			if keep(&b.procs[i]) {
				pool = append(pool, i)
			}
		}
	}
	b.r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	return pool
}

// split cuts s into n parts of random, roughly similar sizes (each part has
// at least one element when len(s) >= n).
func split[T any](r *rand.Rand, s []T, n int) [][]T {
	if n == 0 {
		return nil
	}
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		w[i] = 0.4 + r.Float64()*1.2
		sum += w[i]
	}
	out := make([][]T, n)
	start, acc := 0, 0.0
	for i := range n {
		acc += w[i]
		end := int(math.Round(acc / sum * float64(len(s))))
		if i == n-1 {
			end = len(s)
		}
		end = max(end, min(start+1, len(s)))
		end = min(end, len(s)-(n-1-i))
		if end < start {
			end = start
		}
		out[i] = s[start:end]
		start = end
	}
	return out
}

// adrgPlan is an ADRG being built.
type adrgPlan struct {
	code, cond, name string
	kind             grouper.ADRGKind
}

func (b *rsBuilder) dxList(owner, list string, dx []string) {
	for _, c := range dx {
		b.rs.Lists = append(b.rs.Lists, grouper.ListEntry{Owner: owner, List: list, System: codes.SystemDiagnosis, Code: c})
	}
}

func (b *rsBuilder) procList(owner, list string, mdc string, idx []int) {
	for _, i := range idx {
		b.rs.Lists = append(b.rs.Lists, grouper.ListEntry{Owner: owner, List: list, System: codes.SystemProcedure, Code: b.procs[i].code})
	}
	b.mdcProcs[mdc] = append(b.mdcProcs[mdc], idx...)
}

// zdEntries returns the zd list of a set of categories: mostly exact codes,
// sometimes a whole category or subcategory (which the hierarchy expands), and
// with a few codes left out so that not every code of an MDC finds an ADRG.
func (b *rsBuilder) zdEntries(cats []*category) []string {
	if len(cats) == 0 {
		panic("synth: zd list without categories")
	}
	var out []string
	for _, c := range cats {
		if b.chance(0.06) {
			out = append(out, c.code)
			continue
		}
		for _, s := range c.subs {
			if b.chance(0.04) {
				out = append(out, s)
				continue
			}
			for _, code := range c.codes {
				if strings.HasPrefix(code, s) && !b.chance(0.012) {
					out = append(out, code)
				}
			}
		}
	}
	if len(out) == 0 {
		out = append(out, cats[0].code)
	}
	return out
}

// exactCodes returns every code of the categories.
func exactCodes(cats []*category) []string {
	var out []string
	for _, c := range cats {
		out = append(out, c.codes...)
	}
	return out
}

// codeSeq numbers ADRG codes within an MDC: BB1, BB2, BC1, ...
type codeSeq struct {
	mdc  string
	used map[byte]int
}

func (s *codeSeq) next(letter byte) string {
	s.used[letter]++
	return fmt.Sprintf("%s%c%d", s.mdc, letter, s.used[letter])
}

// letterFor spreads n ADRGs over letters in order.
func letterFor(letters string, i, n int) byte {
	return letters[i*len(letters)/max(n, 1)]
}

// structure builds the MDCs, ADRGs, their lists and the DRGs.
func (b *rsBuilder) structure() {
	b.mdcProcs = map[string][]int{}
	byMDC := map[string][]*category{}
	for _, c := range b.cats {
		if c.mdc != "" {
			byMDC[c.mdc] = append(byMDC[c.mdc], c)
		}
	}
	// MDC lists: every code of the MDC's categories; injuries also in Z,
	// with their region; a few codes in a second MDC.
	ordinary := []string{}
	for _, m := range mdcSpecs {
		if m.dx != "" && !strings.Contains("PYZMN", m.code) {
			ordinary = append(ordinary, m.code)
		}
	}
	second := map[string][]string{}
	for _, c := range b.cats {
		if c.mdc == "" {
			continue
		}
		for _, code := range c.codes {
			b.rs.Lists = append(b.rs.Lists, grouper.ListEntry{Owner: c.mdc, List: "mdc_dx", System: codes.SystemDiagnosis, Code: code})
			if c.region != "" && b.chance(0.6) {
				b.rs.Lists = append(b.rs.Lists, grouper.ListEntry{Owner: "Z", List: "mdc_dx", System: codes.SystemDiagnosis, Code: code, Region: c.region})
			}
			if b.chance(0.012) {
				o := ordinary[b.r.IntN(len(ordinary))]
				if o != c.mdc {
					second[o] = append(second[o], code)
				}
			}
		}
	}
	for _, o := range ordinary {
		b.dxList(o, "mdc_dx", second[o])
	}

	validAll := b.procPool(chapterRange("00-99"), func(p *procedure) bool { return p.valid })
	for _, m := range mdcSpecs {
		b.rs.MDCs = append(b.rs.MDCs, grouper.MDC{Code: m.code, Order: len(b.rs.MDCs) + 1, Condition: mdcCondition(m.code), Name: m.name})
		var plans []adrgPlan
		switch m.code {
		case "A":
			plans = b.mdcA(m)
		case "P":
			plans = b.mdcP(m, byMDC["P"])
		case "Y":
			plans = b.mdcY(byMDC["Y"])
		case "Z":
			plans = b.mdcZ(m, validAll)
		default:
			plans = b.ordinaryMDC(m, byMDC[m.code], validAll)
		}
		for i, p := range plans {
			b.rs.ADRGs = append(b.rs.ADRGs, grouper.ADRG{Code: p.code, MDC: m.code, Order: i + 1, Condition: p.cond, Name: p.name})
		}
	}
	b.drgs()
}

func mdcCondition(code string) string {
	switch code {
	case "A":
		return "main_proc in SS_VALID"
	case "P":
		return "pdx in mdc_dx AND age_years = 0"
	case "Z":
		return "pdx in mdc_dx AND regions(mdc_dx) >= 2"
	case "M":
		return "pdx in mdc_dx AND sex = 1"
	case "N":
		return "pdx in mdc_dx AND sex = 2"
	}
	return "pdx in mdc_dx"
}

func (b *rsBuilder) mdcA(m mdcSpec) []adrgPlan {
	pool := b.procPool(chapterRange(m.chapters), func(p *procedure) bool { return p.valid })
	pool = pool[:min(len(pool), 320)]
	codes := []string{"AA1", "AB1", "AC1", "AD1", "AE1", "AF1", "AG1", "AG2", "AH1", "AH2"}
	parts := split(b.r, pool, len(codes))
	var plans []adrgPlan
	for i, c := range codes {
		p := adrgPlan{code: c, kind: grouper.KindSurgical, cond: "main_proc in ss", name: "合成先期分组 " + c}
		if c == "AC1" {
			half := len(parts[i]) / 2
			b.procList(c, "ss", "A", parts[i][:half])
			b.procList(c, "ss1", "A", parts[i][half:])
			p.cond = "any_proc in ss AND any_proc in ss1"
		} else {
			b.procList(c, "ss", "A", parts[i])
		}
		plans = append(plans, p)
	}
	return plans
}

func (b *rsBuilder) mdcP(m mdcSpec, cats []*category) []adrgPlan {
	pool := b.procPool(chapterRange(m.chapters), func(p *procedure) bool { return p.valid })
	pool = pool[:min(len(pool), 200)]
	parts := split(b.r, pool, 4)
	var plans []adrgPlan
	for i, c := range []string{"PB1", "PC1", "PJ1", "PK1"} {
		b.procList(c, "ss", "P", parts[i])
		kind := grouper.KindSurgical
		if c == "PK1" {
			kind = grouper.KindNonOR
		}
		plans = append(plans, adrgPlan{code: c, kind: kind, cond: "main_proc in ss AND age_days <= 28", name: "合成新生儿手术组 " + c})
	}
	// P05-P07 (short gestation, low weight) drive the weight bands.
	var low, rest []*category
	for _, c := range cats {
		if c.code >= "P05" && c.code <= "P07" {
			low = append(low, c)
		} else {
			rest = append(rest, c)
		}
	}
	if len(low) == 0 {
		low, rest = rest[:1], rest[1:]
	}
	halves := split(b.r, rest, 2)
	b.dxList("PR1", "zd", b.zdEntries(halves[0]))
	plans = append(plans, adrgPlan{code: "PR1", kind: grouper.KindMedical, cond: "pdx in zd AND age_days <= 28", name: "合成新生儿内科组 PR1"})
	bands := []string{"weight < 1500", "weight >= 1500 AND weight < 2000", "weight >= 2000 AND weight < 2500", "weight >= 2500"}
	lowCodes := exactCodes(low)
	for i, band := range bands {
		c := fmt.Sprintf("PS%d", i+1)
		b.dxList(c, "zd", lowCodes)
		plans = append(plans, adrgPlan{code: c, kind: grouper.KindMedical, cond: "any_dx in zd AND weight > 0 AND " + band + " AND age_days <= 28", name: "合成新生儿体重组 " + c})
	}
	b.dxList("PU1", "zd", b.zdEntries(halves[1]))
	plans = append(plans,
		adrgPlan{code: "PU1", kind: grouper.KindMedical, cond: "pdx in zd AND age_days <= 28", name: "合成新生儿内科组 PU1"},
		adrgPlan{code: "PV1", kind: grouper.KindMedical, cond: "true", name: "合成新生儿其他组 PV1"})
	return plans
}

func (b *rsBuilder) mdcY(cats []*category) []adrgPlan {
	b.dxList("YC1", "zd", exactCodes(cats))
	halves := split(b.r, cats, 2)
	b.dxList("YR1", "zd", b.zdEntries(halves[0]))
	b.dxList("YR2", "zd", b.zdEntries(halves[1]))
	return []adrgPlan{
		{code: "YC1", kind: grouper.KindSurgical, cond: "any_dx in zd AND main_proc in SS_VALID", name: "合成HIV手术组 YC1"},
		{code: "YR1", kind: grouper.KindMedical, cond: "pdx in zd", name: "合成HIV内科组 YR1"},
		{code: "YR2", kind: grouper.KindMedical, cond: "pdx in zd", name: "合成HIV内科组 YR2"},
	}
}

func (b *rsBuilder) mdcZ(m mdcSpec, validAll []int) []adrgPlan {
	pool := b.procPool(chapterRange(m.chapters), func(p *procedure) bool { return p.valid })
	pool = pool[:min(len(pool), 600)]
	parts := split(b.r, pool, 3)
	var plans []adrgPlan
	for i, c := range []string{"ZB1", "ZC1", "ZD1"} {
		b.procList(c, "ss", "Z", parts[i])
		plans = append(plans, adrgPlan{code: c, kind: grouper.KindSurgical, cond: "main_proc in ss", name: "合成多发创伤手术组 " + c})
	}
	b.procList("ZJ1", "ss", "Z", validAll[:min(len(validAll), 400)])
	return append(plans,
		adrgPlan{code: "ZJ1", kind: grouper.KindSurgical, cond: "main_proc in ss", name: "合成多发创伤其他手术组 ZJ1"},
		adrgPlan{code: "ZZ1", kind: grouper.KindMedical, cond: "NOT any_proc in SS_VALID", name: "合成多发创伤非手术组 ZZ1"})
}

// ordinaryMDC builds an MDC entered by its principal diagnosis: surgical
// ADRGs by procedure lists, non-OR procedure ADRGs, then medical ADRGs whose
// zd lists partition the MDC's categories.
func (b *rsBuilder) ordinaryMDC(m mdcSpec, cats []*category, validAll []int) []adrgPlan {
	seq := &codeSeq{mdc: m.code, used: map[byte]int{}}
	var plans []adrgPlan
	nSurg := m.surg
	if first, ok := ssValidADRG[m.code]; ok {
		letter := first[1]
		seq.used[letter] = 1
		plans = append(plans, adrgPlan{code: first, kind: grouper.KindSurgical, cond: "main_proc in SS_VALID", name: "合成手术室手术组 " + first})
		nSurg--
	}
	chapters := chapterRange(m.chapters)
	surgPool := b.procPool(chapters, func(p *procedure) bool { return p.valid || b.chance(0.05) })
	parts := split(b.r, surgPool, nSurg)
	pzLeft, twoLeft := m.pz, m.two
	for i := range nSurg {
		letter := letterFor("ABCDEFGHI", i, nSurg)
		if i == nSurg-1 && nSurg >= 3 {
			letter = 'J'
		}
		code := seq.next(letter)
		p := adrgPlan{code: code, kind: grouper.KindSurgical, name: "合成手术组 " + code}
		procs := parts[i]
		if letter == 'J' {
			// The MDC's other-surgery group: a broad list.
			extra := validAll[b.r.IntN(len(validAll)/2):]
			procs = append(slices.Clone(procs), extra[:min(len(extra), b.between(40, 160))]...)
			slices.Sort(procs)
			procs = slices.Compact(procs)
		}
		switch {
		case m.code == "I" && i == 0 && twoLeft > 0:
			twoLeft--
			half := len(procs) / 2
			b.procList(code, "ss", m.code, procs[:half])
			b.procList(code, "ss1", m.code, procs[half:])
			b.dxList(code, "zd", exactCodes(pickCats(b.r, cats, b.between(2, 5))))
			p.cond = "pdx in zd AND any_proc in ss AND any_proc in ss1"
		case twoLeft > 0 && i%3 == 0:
			twoLeft--
			half := len(procs) / 2
			b.procList(code, "ss", m.code, procs[:half])
			b.procList(code, "ss1", m.code, procs[half:])
			p.cond = "any_proc in ss AND any_proc in ss1"
		case pzLeft > 0 && (i%2 == 0 || nSurg-i <= pzLeft):
			pzLeft--
			b.procList(code, "ss", m.code, procs)
			b.dxList(code, "zd", exactCodes(pickCats(b.r, cats, b.between(1, 4))))
			p.cond = "pdx in zd AND main_proc in ss"
		default:
			b.procList(code, "ss", m.code, procs)
			p.cond = "main_proc in ss"
		}
		plans = append(plans, p)
	}
	if m.nonOR > 0 {
		pool := b.procPool(append(slices.Clone(chapters), 0, 87, 88, 92, 93, 96, 99), func(p *procedure) bool {
			return p.class != "surgery" && (p.chapter < 87 || b.chance(0.25))
		})
		parts := split(b.r, pool, m.nonOR)
		for i := range m.nonOR {
			code := seq.next(letterFor("KLMN", i, m.nonOR))
			b.procList(code, "ss", m.code, parts[i])
			plans = append(plans, adrgPlan{code: code, kind: grouper.KindNonOR, cond: "main_proc in ss", name: "合成非手术室操作组 " + code})
		}
	}
	nMed := m.adrgs - len(plans)
	groups := split(b.r, cats, nMed)
	for i := range nMed {
		letter := letterFor("RSTUVWX", i, nMed)
		if i == nMed-1 && nMed >= 3 {
			letter = 'Z'
		}
		code := seq.next(letter)
		zd := b.zdEntries(groups[i])
		b.dxList(code, "zd", zd)
		for _, c := range zd {
			if len(c) >= 7 {
				b.medicalDx = append(b.medicalDx, c)
			}
		}
		plans = append(plans, adrgPlan{code: code, kind: grouper.KindMedical, cond: "pdx in zd", name: "合成内科组 " + code})
	}
	return plans
}

// pickCats returns n distinct categories of cats (fewer when cats is short).
func pickCats(r *rand.Rand, cats []*category, n int) []*category {
	n = min(n, len(cats))
	out := make([]*category, 0, n)
	for _, i := range sortedSample(r, len(cats), n) {
		out = append(out, cats[i])
	}
	return out
}

// drgs splits every ADRG: about 14% into xx1/xx3/xx5, 14% into xx1/xx5, 15%
// into xx3/xx5, the rest unsplit (xx9), as the national scheme does.
func (b *rsBuilder) drgs() {
	n := len(b.rs.ADRGs)
	patterns := make([]string, n)
	k := 0
	for _, p := range []struct {
		digits string
		share  float64
	}{{"135", 0.14}, {"15", 0.14}, {"35", 0.15}} {
		for range int(math.Round(p.share * float64(n))) {
			patterns[k] = p.digits
			k++
		}
	}
	for ; k < n; k++ {
		patterns[k] = "9"
	}
	b.r.Shuffle(n, func(i, j int) { patterns[i], patterns[j] = patterns[j], patterns[i] })
	suffix := map[byte]struct{ cond, name string }{
		'1': {"has_mcc", "伴严重并发症或合并症"},
		'3': {"has_mcc OR has_cc", "伴并发症或合并症"},
		'5': {"true", "不伴并发症或合并症"},
		'9': {"true", ""},
	}
	for i, a := range b.rs.ADRGs {
		for j := range len(patterns[i]) {
			d := patterns[i][j]
			s := suffix[d]
			name := strings.TrimSpace(a.Name + " " + s.name)
			b.rs.DRGs = append(b.rs.DRGs, grouper.DRG{Code: a.Code + string(d), ADRG: a.Code, Order: j + 1, Condition: s.cond, Name: name})
		}
	}
}

// complications builds the CC and MCC lists and the exclusion tables: the
// categories, in code order, fall into about 220 runs ("neighbourhoods");
// a CC or MCC code belongs to its category's table, and so does every
// principal of an assigned category, so complications of the same
// neighbourhood as the principal do not count.
func (b *rsBuilder) complications() {
	const tables = 221
	var inner []*category // categories that have complications
	for _, c := range b.cats {
		if !strings.ContainsRune("VWXY", rune(c.code[0])) {
			inner = append(inner, c)
		}
	}
	t := "001"
	for _, c := range b.cats {
		if i, ok := slices.BinarySearchFunc(inner, c.code, func(x *category, code string) int { return strings.Compare(x.code, code) }); ok {
			t = fmt.Sprintf("%03d", i*tables/len(inner)+1)
		}
		c.table = t // external causes share the table before them
	}
	for _, c := range b.cats {
		if strings.ContainsRune("VWXY", rune(c.code[0])) {
			continue
		}
		// Severity varies by category: some are mostly MCC, most mostly CC.
		mcc := 0.06 + 0.4*b.r.Float64()*b.r.Float64()
		cc := 0.40 + 0.25*b.r.Float64()
		if b.chance(0.05) {
			// A subcategory-level entry covers every code below it.
			s := c.subs[b.r.IntN(len(c.subs))]
			b.rs.CC = append(b.rs.CC, grouper.CCEntry{Code: s, Level: grouper.CCLevelCC, Table: c.table})
		}
		for _, code := range c.codes {
			x := b.r.Float64()
			switch {
			case x < mcc:
				b.rs.CC = append(b.rs.CC, grouper.CCEntry{Code: code, Level: grouper.CCLevelMCC, Table: c.table})
			case x < mcc+cc:
				b.rs.CC = append(b.rs.CC, grouper.CCEntry{Code: code, Level: grouper.CCLevelCC, Table: c.table})
			}
		}
	}
	for _, c := range b.cats {
		if c.mdc == "" && !b.chance(0.15) {
			continue
		}
		for _, code := range c.codes {
			b.rs.Exclusions = append(b.rs.Exclusions, grouper.Exclusion{Table: c.table, Principal: code})
		}
	}
}

// tcm builds a TCM mapping table: each TCM disease maps by default to one
// medical principal diagnosis, and some of its syndromes to others.
func (b *rsBuilder) tcm() {
	b.rs.TCM = []codes.TCMMapping{}
	seen := map[string]bool{}
	for len(seen) < 160 {
		d := fmt.Sprintf("A%02d.%02d.%02d", b.between(1, 17), b.between(1, 12), b.between(1, 20))
		if seen[d] {
			continue
		}
		seen[d] = true
		west := b.medicalDx[b.r.IntN(len(b.medicalDx))]
		b.rs.TCM = append(b.rs.TCM, codes.TCMMapping{Disease: d, Western: west, Note: "合成中医病名 " + d})
		syn := map[string]bool{}
		for range b.r.IntN(4) {
			s := fmt.Sprintf("B%02d.%02d.%02d", b.between(1, 10), b.between(1, 12), b.between(1, 9))
			if syn[s] {
				continue
			}
			syn[s] = true
			w := b.medicalDx[b.r.IntN(len(b.medicalDx))]
			b.rs.TCM = append(b.rs.TCM, codes.TCMMapping{Disease: d, Syndrome: s, Western: w, Note: "合成证候 " + s})
		}
	}
}

// dip builds the DIP catalogue: core groups on subcategories (or categories
// without subdivision) with 0-2 listed procedures, and the four
// comprehensive groups of every category.
func (b *rsBuilder) dip() {
	procCls := map[string]string{}
	for _, p := range b.procs {
		procCls[p.code] = p.class
	}
	for _, c := range b.cats {
		pool := b.mdcProcs[c.mdc]
		for _, s := range c.subs {
			dx := s
			if strings.HasSuffix(s, ".x") {
				dx = c.code
			}
			seen := map[string]bool{}
			base := 300 + 900*b.r.ExpFloat64()
			if b.chance(0.7) {
				seen[""] = true
				b.rs.DIP.Core = append(b.rs.DIP.Core, grouper.DIPCoreGroup{
					Code: dx + "-00", Dx: dx, Score: round2(base), Name: dx + " 保守治疗"})
			}
			n := 0
			switch x := b.r.Float64(); {
			case len(pool) == 0 || x < 0.35:
			case x < 0.75:
				n = 1
			default:
				n = 2
			}
			for range n {
				var procs []string
				for range b.between(1, 2) {
					procs = append(procs, b.procs[pool[b.r.IntN(len(pool))]].code)
				}
				slices.Sort(procs)
				procs = slices.Compact(procs)
				key := strings.Join(procs, "|")
				if seen[key] {
					continue
				}
				seen[key] = true
				code := fmt.Sprintf("%s-%02d", dx, len(seen))
				score := base * (1.5 + 2*b.r.Float64()) * float64(len(procs))
				b.rs.DIP.Core = append(b.rs.DIP.Core, grouper.DIPCoreGroup{
					Code: code, Dx: dx, Procedures: procs, Score: round2(score), Name: dx + " " + strings.Join(procs, "+")})
			}
		}
	}
	for _, c := range b.cats {
		base := 250 + 700*b.r.ExpFloat64()
		for i, cl := range []string{"conservative", "diagnostic", "therapeutic", "surgical"} {
			b.rs.DIP.Comprehensive = append(b.rs.DIP.Comprehensive, grouper.DIPComprehensiveGroup{
				Code: fmt.Sprintf("%s-%c", c.code, strings.ToUpper(cl)[0]), Category: c.code, Class: cl,
				Score: round2(base * (1 + 0.8*float64(i)) * (0.8 + 0.4*b.r.Float64())), Name: c.code + " 综合病种 " + cl})
		}
	}
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// weights writes weights.tsv: a relative weight for every DRG and a row
// without weight (the catalogue score applies) for every DIP group.
func (b *rsBuilder) weights() {
	var sb strings.Builder
	sb.WriteString("scheme\tgroup\tweight\tstandard_cost\tname\n")
	base := map[string]float64{}
	for _, a := range b.rs.ADRGs {
		w := 0.45 + 0.9*b.r.ExpFloat64()
		switch a.Kind() {
		case grouper.KindSurgical:
			w *= 2.2
		case grouper.KindNonOR:
			w *= 1.4
		}
		base[a.Code] = w
	}
	factor := map[byte]float64{'1': 1.65, '3': 1.2, '5': 1, '9': 1.1}
	for _, d := range b.rs.DRGs {
		w := base[d.ADRG] * factor[d.Code[3]] * (0.95 + 0.1*b.r.Float64())
		w = min(max(w, 0.3), 8)
		fmt.Fprintf(&sb, "drg\t%s\t%.4f\t\t%s\n", d.Code, w, d.Name)
	}
	for _, g := range b.rs.DIP.Core {
		fmt.Fprintf(&sb, "dip\t%s\t\t\t%s\n", g.Code, g.Name)
	}
	for _, g := range b.rs.DIP.Comprehensive {
		fmt.Fprintf(&sb, "dip\t%s\t\t\t%s\n", g.Code, g.Name)
	}
	b.rs.Tables["weights.tsv"] = []byte(sb.String())
}

// lines numbers every row as RuleSet.EncodeTables would write it (header on
// line 1), so that messages point somewhere sensible.
func (b *rsBuilder) lines() {
	rs := b.rs
	for i := range rs.Checks {
		rs.Checks[i].Line = i + 2
	}
	for i := range rs.MDCs {
		rs.MDCs[i].Line = i + 2
	}
	for i := range rs.ADRGs {
		rs.ADRGs[i].Line = i + 2
	}
	for i := range rs.DRGs {
		rs.DRGs[i].Line = i + 2
	}
	for i := range rs.Lists {
		rs.Lists[i].Line = i + 2
	}
	for i := range rs.CC {
		rs.CC[i].Line = i + 2
	}
	for i := range rs.Exclusions {
		rs.Exclusions[i].Line = i + 2
	}
	for i := range rs.Diagnoses {
		rs.Diagnoses[i].Line = i + 2
	}
	for i := range rs.Procedures {
		rs.Procedures[i].Line = i + 2
	}
	for i := range rs.TCM {
		rs.TCM[i].Line = i + 2
	}
	for i := range rs.DIP.Core {
		rs.DIP.Core[i].Line = i + 2
	}
	for i := range rs.DIP.Comprehensive {
		rs.DIP.Comprehensive[i].Line = i + 2
	}
}
