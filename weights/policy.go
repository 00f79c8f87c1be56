package weights

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/strictjson"
)

// PolicyVersion is the policy_version this package reads.
const PolicyVersion = 1

// maxPolicySize bounds a policy file.
const maxPolicySize = 16 << 20

// Policy is a payment policy file, exactly as it appears in JSON (see the
// package documentation for the format, field by field). Decode one with
// ReadPolicy or ParsePolicy, which also validate it; New compiles it.
type Policy struct {
	PolicyVersion int    `json:"policy_version"`
	Region        string `json:"region"`
	ValidFrom     string `json:"valid_from"`
	ValidTo       string `json:"valid_to,omitempty"`
	Sample        bool   `json:"sample,omitempty"`
	Note          string `json:"note,omitempty"`
	// RuleSet names the rule set whose groups the policy's price list
	// prices (a stored price list's); a run refuses it with another.
	RuleSet string `json:"rule_set,omitempty"`
	// DefaultLevel (1-3) is the hospital level assumed for records whose
	// level is unknown; 0 leaves such records unpaid ("no_level").
	DefaultLevel int `json:"default_level,omitempty"`

	DRG *SchemePolicy `json:"drg,omitempty"`
	DIP *SchemePolicy `json:"dip,omitempty"`

	// KindCoefficients maps Record.HospitalKind ("tcm", "general", ...) to a
	// coefficient; kinds not listed use 1. "tcm" is the TCM-hospital
	// coefficient of seed 000 item 13 / 001 (三).
	KindCoefficients map[string]float64 `json:"kind_coefficients,omitempty"`
	// TCMTreatedShare is the TCM cost share from which a case without a TCM
	// principal diagnosis still counts as TCM-treated (TCMOnly of
	// SameEfficacy and TCMAdvantagedGroup).
	TCMTreatedShare *float64 `json:"tcm_treated_share,omitempty"`

	TCMAdvantaged []TCMAdvantaged `json:"tcm_advantaged,omitempty"`
	TCMDayWard    []TCMDayWard    `json:"tcm_day_ward,omitempty"`
	TCMFixedPrice []TCMFixedPrice `json:"tcm_fixed_price,omitempty"`
}

// SchemePolicy holds the rates and rules of one scheme (drg or dip).
type SchemePolicy struct {
	// Rate is the base rate in yuan per unit of RW (DRG) or the point value
	// in yuan per score point (DIP): one number, or one per level.
	Rate *Levels `json:"rate"`
	// LevelCoefficients are the hospital-level coefficients.
	LevelCoefficients *Levels `json:"level_coefficients"`
	// SameLevelGroups are paid at one standard at every level (基层病种,
	// 同病同价): SameLevelCoefficient (default 1) replaces the level
	// coefficient and SameLevelRate (required when Rate differs by level)
	// replaces the level's rate.
	SameLevelGroups      []string `json:"same_level_groups,omitempty"`
	SameLevelCoefficient *float64 `json:"same_level_coefficient,omitempty"`
	SameLevelRate        *float64 `json:"same_level_rate,omitempty"`

	Outliers     *Outliers      `json:"outliers,omitempty"`
	SameEfficacy []SameEfficacy `json:"same_efficacy,omitempty"`
	// TCMAdvantagedGroups lists TCM-advantaged groups (中医优势病组, as
	// Suzhou flags them): the TCM-advantaged uplift keyed by the group a
	// case is paid as instead of by its disease.
	TCMAdvantagedGroups []TCMAdvantagedGroup `json:"tcm_advantaged_groups,omitempty"`
}

// TCMAdvantagedGroup is a TCM-advantaged group: a case paid as Group gets
// its weight multiplied by Factor (step 2, when no tcm_advantaged disease
// entry applied) if it qualifies: with TCMOnly, only when TCM-treated (a TCM
// principal diagnosis, or TCM cost share ≥ tcm_treated_share); with
// MinTCMShare, only when its TCM cost share reaches it.
type TCMAdvantagedGroup struct {
	Group       string   `json:"group"`
	Name        string   `json:"name,omitempty"`
	TCMOnly     bool     `json:"tcm_only,omitempty"`
	MinTCMShare *float64 `json:"min_tcm_share,omitempty"`
	Factor      float64  `json:"factor"`
}

// Outliers configures the high- and low-cost case rules.
type Outliers struct {
	High *HighOutlier `json:"high,omitempty"`
	Low  *LowOutlier  `json:"low,omitempty"`
}

// HighOutlier: a case with cost ≥ k × standard is paid the group payment
// plus (cost − k × standard) × Ratio.
type HighOutlier struct {
	Bands []Band   `json:"bands"`
	Ratio *float64 `json:"ratio"`
}

// Band gives the high-cost multiple K for weights in (Over, UpTo]. The first
// band starts at 0 (Over omitted or 0, weight 0 included); each further band
// starts where the previous one ends; the last may be open (UpTo omitted).
type Band struct {
	Over *float64 `json:"over,omitempty"`
	UpTo *float64 `json:"up_to,omitempty"`
	K    float64  `json:"k"`
}

// LowOutlier: a case with cost ≤ K × standard is a low-cost case, paid by
// Method: "cost_ratio" (default; group payment × cost / standard) or
// "item_cost" (the case's total cost, 按项目).
type LowOutlier struct {
	K      float64 `json:"k"`
	Method string  `json:"method,omitempty"`
}

// Low-cost payment methods.
const (
	LowCostRatio = "cost_ratio"
	LowItemCost  = "item_cost"
)

// Disease-code systems of list entries.
const (
	SystemICD10 = "icd10" // Western ICD-10 医保版; matches the code and every code below it
	SystemTCM   = "tcm"   // TCM disease (GB/T 15657); matches the code and its dotted descendants
)

// TCMAdvantaged is a TCM-advantaged disease (中医优势病种): cases of it get
// their weight multiplied by Factor when their TCM cost share reaches
// MinTCMShare (when given).
type TCMAdvantaged struct {
	Code        string   `json:"code"`
	System      string   `json:"system,omitempty"`
	Name        string   `json:"name,omitempty"`
	MinTCMShare *float64 `json:"min_tcm_share,omitempty"`
	Factor      float64  `json:"factor"`
}

// TCMDayWard is a TCM day-ward disease: day_ward records of it get their
// weight multiplied by Factor and, when ExemptLowOutlier, are never low-cost
// cases.
type TCMDayWard struct {
	Code             string  `json:"code"`
	System           string  `json:"system,omitempty"`
	Name             string  `json:"name,omitempty"`
	Factor           float64 `json:"factor"`
	ExemptLowOutlier bool    `json:"exempt_low_outlier,omitempty"`
}

// TCMFixedPrice is a disease paid per case at a fixed Price in yuan
// (按病种收付费), replacing the group payment.
type TCMFixedPrice struct {
	Code   string  `json:"code"`
	System string  `json:"system,omitempty"`
	Name   string  `json:"name,omitempty"`
	Price  float64 `json:"price"`
}

// SameEfficacy pays cases of a disease at the weight of PayAsGroup
// (同病同效同价). With TCMOnly only TCM-treated cases qualify: those with a
// TCM principal diagnosis, or with a TCM cost share ≥ tcm_treated_share.
type SameEfficacy struct {
	Code       string `json:"code"`
	System     string `json:"system,omitempty"`
	Name       string `json:"name,omitempty"`
	TCMOnly    bool   `json:"tcm_only,omitempty"`
	PayAsGroup string `json:"pay_as_group"`
}

// Levels is a value per hospital level 1-3. In JSON it is either one number
// (the same at every level) or an object {"1": x, "2": y, "3": z}. In code,
// build one with Uniform or PerLevel: a zero Levels has no level given and
// fails validation.
type Levels struct {
	Values [3]float64 // Values[level-1]
	Single bool       // given as one number
	given  [3]bool
	extra  []string // keys other than "1", "2", "3"
}

// Uniform returns Levels holding v at every level.
func Uniform(v float64) *Levels {
	return &Levels{Values: [3]float64{v, v, v}, Single: true, given: [3]bool{true, true, true}}
}

// PerLevel returns Levels holding l1, l2 and l3 for levels 1, 2 and 3.
func PerLevel(l1, l2, l3 float64) *Levels {
	return &Levels{Values: [3]float64{l1, l2, l3}, given: [3]bool{true, true, true}}
}

// At returns the value for level 1-3.
func (l *Levels) At(level int) float64 { return l.Values[level-1] }

func (l *Levels) uniform() bool {
	return l.Values[0] == l.Values[1] && l.Values[1] == l.Values[2]
}

// UnmarshalJSON reads a number or a {"1": .., "2": .., "3": ..} object.
func (l *Levels) UnmarshalJSON(data []byte) error {
	*l = Levels{}
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] != '{' {
		var v float64
		if err := json.Unmarshal(data, &v); err != nil {
			return &json.UnmarshalTypeError{Value: jsonKind(data), Type: reflect.TypeOf(l)}
		}
		*l = *Uniform(v)
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(data), Type: reflect.TypeOf(l)}
	}
	for k, raw := range m {
		i := -1
		switch k {
		case "1", "2", "3":
			i = int(k[0] - '1')
		default:
			l.extra = append(l.extra, k)
			continue
		}
		var v float64
		if err := json.Unmarshal(raw, &v); err != nil {
			return &json.UnmarshalTypeError{Value: jsonKind(raw), Type: reflect.TypeOf(v), Field: k}
		}
		l.Values[i], l.given[i] = v, true
	}
	sort.Strings(l.extra)
	return nil
}

// MarshalJSON writes one number when Single, else the per-level object.
func (l *Levels) MarshalJSON() ([]byte, error) {
	if l.Single {
		return json.Marshal(l.Values[0])
	}
	return json.Marshal(map[string]float64{"1": l.Values[0], "2": l.Values[1], "3": l.Values[2]})
}

func jsonKind(data []byte) string {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return "nothing"
	}
	switch data[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// PolicyError is a problem in a policy file, at a JSON path such as
// "drg.outliers.high.bands[1].over" ("" for the whole file).
type PolicyError struct {
	Path string
	Err  error
}

func (e *PolicyError) Error() string {
	if e.Path == "" {
		return "weights: policy: " + e.Err.Error()
	}
	return "weights: policy: " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns ErrPolicy and the cause.
func (e *PolicyError) Unwrap() []error { return []error{ErrPolicy, e.Err} }

// ReadPolicy decodes and validates a policy file. Unknown fields (also a
// field spelled in another case), wrong JSON types, trailing data and every
// rule broken are errors naming the JSON path; several problems are joined
// (errors.Join) and each is a *PolicyError.
func ReadPolicy(r io.Reader) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxPolicySize+1))
	if err != nil {
		return nil, &PolicyError{Err: err}
	}
	if len(data) > maxPolicySize {
		return nil, &PolicyError{Err: fmt.Errorf("larger than %d bytes", maxPolicySize)}
	}
	return ParsePolicy(data)
}

// ParsePolicy is ReadPolicy on a byte slice.
func ParsePolicy(data []byte) (*Policy, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var p Policy
	if err := strictjson.Decode(data, &p, policyJSON); err != nil {
		var se *strictjson.Error
		if errors.As(err, &se) {
			return nil, &PolicyError{Path: se.Path, Err: se.Err}
		}
		return nil, &PolicyError{Err: err}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// policyJSON is how a policy file is decoded: strictly (see
// internal/strictjson), with Levels given as a number or a per-level
// object.
var policyJSON = strictjson.Options{
	Name:         "policy",
	ErrDuplicate: ErrDuplicate,
	Custom:       map[reflect.Type]func(any, string) error{reflect.TypeFor[Levels](): checkLevels},
}

// checkLevels checks the JSON value of a Levels: a number, or an object
// whose values are numbers (its keys are for Validate to check).
func checkLevels(v any, path string) error {
	switch x := v.(type) {
	case json.Number:
		return strictjson.Number(x, path)
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if err := strictjson.Number(x[k], strictjson.Join(path, k)); err != nil {
				return err
			}
		}
		return nil
	}
	return &strictjson.Error{Path: path, Err: fmt.Errorf("want %s, found %s", `a number or an object {"1": .., "2": .., "3": ..}`, strictjson.Kind(v))}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// problems collects policy errors; Validate reports at most maxProblems.
type problems []error

const maxProblems = 50

func (ps *problems) add(path, format string, args ...any) {
	if len(*ps) < maxProblems {
		*ps = append(*ps, &PolicyError{Path: path, Err: fmt.Errorf(format, args...)})
	}
}

func (ps *problems) addErr(path string, err error) {
	if len(*ps) < maxProblems {
		*ps = append(*ps, &PolicyError{Path: path, Err: err})
	}
}

func (ps problems) err() error {
	switch len(ps) {
	case 0:
		return nil
	case 1:
		return ps[0]
	}
	return errors.Join(ps...)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Validate checks every rule of the format (see the package documentation)
// and returns all problems found, each a *PolicyError naming its JSON path.
func (p *Policy) Validate() error {
	var ps problems
	if p.PolicyVersion != PolicyVersion {
		ps.addErr("policy_version", fmt.Errorf("%w: %d (this engine reads %d)", ErrVersion, p.PolicyVersion, PolicyVersion))
	}
	if strings.TrimSpace(p.Region) == "" {
		ps.add("region", "required")
	}
	from, errFrom := time.Parse(time.DateOnly, p.ValidFrom)
	if p.ValidFrom == "" {
		ps.add("valid_from", "required (YYYY-MM-DD)")
	} else if errFrom != nil {
		ps.add("valid_from", "%q is not a YYYY-MM-DD date", p.ValidFrom)
	}
	if p.ValidTo != "" {
		to, err := time.Parse(time.DateOnly, p.ValidTo)
		switch {
		case err != nil:
			ps.add("valid_to", "%q is not a YYYY-MM-DD date", p.ValidTo)
		case errFrom == nil && to.Before(from):
			ps.add("valid_to", "%s is before valid_from %s", p.ValidTo, p.ValidFrom)
		}
	}
	if p.DefaultLevel < 0 || p.DefaultLevel > 3 {
		ps.add("default_level", "%d is not a hospital level 1-3 (or 0 for none)", p.DefaultLevel)
	}
	if p.DRG == nil && p.DIP == nil {
		ps.add("", "neither drg nor dip is configured")
	}
	if p.DRG != nil {
		p.DRG.validate(&ps, "drg")
	}
	if p.DIP != nil {
		p.DIP.validate(&ps, "dip")
	}
	for _, k := range sortedFloatKeys(p.KindCoefficients) {
		path := "kind_coefficients." + k
		if strings.TrimSpace(k) == "" {
			ps.add(path, "blank hospital kind")
		} else if norm := record.NormalizeHospitalKind(k); norm != k {
			// Records carry the normalised kind, so this key would never match.
			ps.add(path, "records carry hospital kind %q for %q: use that key", norm, k)
		}
		positive(&ps, path, p.KindCoefficients[k])
	}
	if p.TCMTreatedShare != nil {
		share(&ps, "tcm_treated_share", *p.TCMTreatedShare)
	}
	seen := map[string]int{}
	for i, e := range p.TCMAdvantaged {
		path := fmt.Sprintf("tcm_advantaged[%d]", i)
		checkCode(&ps, seen, "tcm_advantaged", i, e.Code, e.System)
		positive(&ps, path+".factor", e.Factor)
		if e.MinTCMShare != nil {
			share(&ps, path+".min_tcm_share", *e.MinTCMShare)
		}
	}
	clear(seen)
	for i, e := range p.TCMDayWard {
		checkCode(&ps, seen, "tcm_day_ward", i, e.Code, e.System)
		positive(&ps, fmt.Sprintf("tcm_day_ward[%d].factor", i), e.Factor)
	}
	clear(seen)
	for i, e := range p.TCMFixedPrice {
		checkCode(&ps, seen, "tcm_fixed_price", i, e.Code, e.System)
		positive(&ps, fmt.Sprintf("tcm_fixed_price[%d].price", i), e.Price)
	}
	return ps.err()
}

func (s *SchemePolicy) validate(ps *problems, name string) {
	if s.Rate == nil {
		ps.add(name+".rate", "required")
	} else {
		levels(ps, name+".rate", s.Rate)
	}
	if s.LevelCoefficients == nil {
		ps.add(name+".level_coefficients", "required")
	} else {
		levels(ps, name+".level_coefficients", s.LevelCoefficients)
	}
	seen := map[string]int{}
	for i, g := range s.SameLevelGroups {
		path := fmt.Sprintf("%s.same_level_groups[%d]", name, i)
		if why := checkGroupCode(g); why != "" {
			ps.add(path, "%s", why)
		} else if j, dup := seen[g]; dup {
			ps.addErr(path, fmt.Errorf("%w: %s repeats %s.same_level_groups[%d]", ErrDuplicate, g, name, j))
		} else {
			seen[g] = i
		}
	}
	if s.SameLevelCoefficient != nil {
		positive(ps, name+".same_level_coefficient", *s.SameLevelCoefficient)
	}
	if s.SameLevelRate != nil {
		positive(ps, name+".same_level_rate", *s.SameLevelRate)
	} else if len(s.SameLevelGroups) > 0 && s.Rate != nil && !s.Rate.uniform() {
		ps.add(name+".same_level_rate", "required: same_level_groups are paid one standard at every level but %s.rate differs by level", name)
	}
	if o := s.Outliers; o != nil {
		lowK := 0.0
		if o.Low != nil {
			path := name + ".outliers.low"
			lowK = o.Low.K
			if !finite(lowK) || lowK <= 0 || lowK >= 1 {
				ps.add(path+".k", "%g is not a multiple between 0 and 1 (exclusive)", lowK)
			}
			switch o.Low.Method {
			case "", LowCostRatio, LowItemCost:
			default:
				ps.add(path+".method", "%q is not %s or %s", o.Low.Method, LowCostRatio, LowItemCost)
			}
		}
		if o.High != nil {
			validateBands(ps, name+".outliers.high", o.High, lowK)
		}
	}
	clear(seen)
	for i, e := range s.TCMAdvantagedGroups {
		path := fmt.Sprintf("%s.tcm_advantaged_groups[%d]", name, i)
		if why := checkGroupCode(e.Group); why != "" {
			ps.add(path+".group", "%s", why)
		} else if j, dup := seen[e.Group]; dup {
			ps.addErr(path+".group", fmt.Errorf("%w: %s repeats %s.tcm_advantaged_groups[%d]", ErrDuplicate, e.Group, name, j))
		} else {
			seen[e.Group] = i
		}
		positive(ps, path+".factor", e.Factor)
		if e.MinTCMShare != nil {
			share(ps, path+".min_tcm_share", *e.MinTCMShare)
		}
	}
	clear(seen)
	for i, e := range s.SameEfficacy {
		path := fmt.Sprintf("%s.same_efficacy[%d]", name, i)
		checkCode(ps, seen, name+".same_efficacy", i, e.Code, e.System)
		if why := checkGroupCode(e.PayAsGroup); why != "" {
			ps.add(path+".pay_as_group", "%s", why)
		}
	}
}

func validateBands(ps *problems, path string, h *HighOutlier, lowK float64) {
	if h.Ratio == nil {
		ps.add(path+".ratio", "required (the share of the cost above k × standard that is paid)")
	} else if r := *h.Ratio; !finite(r) || r < 0 {
		ps.add(path+".ratio", "%g is not a non-negative ratio", r)
	}
	if len(h.Bands) == 0 {
		ps.add(path+".bands", "at least one band is required")
	}
	prevUp, prevOpen := 0.0, false
	for i, b := range h.Bands {
		bp := fmt.Sprintf("%s.bands[%d]", path, i)
		if !finite(b.K) || b.K <= 1 {
			ps.add(bp+".k", "%g is not a multiple greater than 1", b.K)
		} else if lowK > 0 && b.K <= lowK {
			ps.add(bp+".k", "%g is not above the low-cost multiple %g", b.K, lowK)
		}
		// A band with a bad bound is reported once; the next band is then
		// checked against this one's up_to as written, so one mistake does
		// not make its neighbour look wrong too.
		next := func() {
			if b.UpTo == nil {
				prevOpen = true
			} else {
				prevUp, prevOpen = *b.UpTo, false
			}
		}
		over := 0.0
		if b.Over != nil {
			over = *b.Over
			if !finite(over) || over < 0 {
				ps.add(bp+".over", "%g is not a non-negative weight", over)
				next()
				continue
			}
		}
		if b.UpTo != nil {
			if up := *b.UpTo; !finite(up) || up <= over {
				ps.add(bp+".up_to", "%g is not above the band's lower bound %g", up, over)
				next()
				continue
			}
		}
		switch {
		case i == 0 && over != 0:
			ps.add(bp+".over", "the first band must start at 0 (weights from 0 to %g would be in no band)", over)
		case i > 0 && prevOpen:
			ps.add(bp, "overlaps bands[%d], which has no up_to", i-1)
		case i > 0 && b.Over == nil:
			ps.add(bp+".over", "required after the first band (bands[%d] ends at %g)", i-1, prevUp)
		case i > 0 && over < prevUp:
			ps.add(bp+".over", "%g overlaps bands[%d], which ends at %g", over, i-1, prevUp)
		case i > 0 && over > prevUp:
			ps.add(bp+".over", "%g leaves a gap after bands[%d], which ends at %g", over, i-1, prevUp)
		}
		next()
	}
	if n := len(h.Bands); n > 0 && h.Bands[n-1].UpTo != nil {
		ps.add(fmt.Sprintf("%s.bands[%d].up_to", path, n-1), "the last band must have no up_to (weights above %g would be in no band)", *h.Bands[n-1].UpTo)
	}
}

func levels(ps *problems, path string, l *Levels) {
	for _, k := range l.extra {
		ps.add(join(path, k), "unknown level %q (levels are \"1\", \"2\", \"3\")", k)
	}
	for i := range 3 {
		p := fmt.Sprintf("%s.%d", path, i+1)
		if !l.given[i] {
			ps.add(p, "missing level %d", i+1)
			continue
		}
		positive(ps, p, l.Values[i])
	}
}

func positive(ps *problems, path string, v float64) {
	switch {
	case !finite(v):
		ps.add(path, "%g is not a finite number", v)
	case v < 0:
		ps.add(path, "%g is negative", v)
	case v == 0:
		ps.add(path, "must be greater than 0")
	}
}

func share(ps *problems, path string, v float64) {
	if !finite(v) || v < 0 || v > 1 {
		ps.add(path, "%g is not a share between 0 and 1", v)
	}
}

// checkCode validates a list entry's code and system and reports duplicates
// (after normalisation) within the list.
func checkCode(ps *problems, seen map[string]int, list string, i int, code, system string) {
	path := fmt.Sprintf("%s[%d]", list, i)
	norm, err := normalizeEntry(code, system)
	if err != nil {
		ps.add(path+entryErrField(err), "%v", err)
		return
	}
	if system == "" {
		system = SystemICD10 // the default: "" and "icd10" name the same code
	}
	key := system + "\x00" + norm
	if j, dup := seen[key]; dup {
		ps.addErr(path+".code", fmt.Errorf("%w: %s repeats %s[%d]", ErrDuplicate, norm, list, j))
		return
	}
	seen[key] = i
}

var errSystem = errors.New("unknown system")

func entryErrField(err error) string {
	if errors.Is(err, errSystem) {
		return ".system"
	}
	return ".code"
}

// normalizeEntry returns the canonical spelling of a list entry's code.
func normalizeEntry(code, system string) (string, error) {
	switch system {
	case "", SystemICD10:
		return codes.Normalize(codes.SystemDiagnosis, code)
	case SystemTCM:
		return codes.Normalize(codes.SystemTCMDisease, code)
	}
	return "", fmt.Errorf("%w %q (want %s or %s)", errSystem, system, SystemICD10, SystemTCM)
}

func sortedFloatKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
