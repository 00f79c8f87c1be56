package weights

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const minimalPolicy = `{"policy_version": 1, "region": "T", "valid_from": "2025-01-01",
 "drg": {"rate": 10000, "level_coefficients": {"1": 0.8, "2": 1, "3": 1.2}}}`

// withDRG returns minimalPolicy with extra fields in the drg section.
func withDRG(extra string) string {
	return strings.Replace(minimalPolicy, `"level_coefficients"`, extra+`, "level_coefficients"`, 1)
}

// withTop returns minimalPolicy with extra top-level fields.
func withTop(extra string) string {
	return strings.Replace(minimalPolicy, `"region"`, extra+`, "region"`, 1)
}

func TestPolicyErrors(t *testing.T) {
	bands := func(b string) string {
		return withDRG(`"outliers": {"high": {"bands": ` + b + `, "ratio": 1}}`)
	}
	cases := []struct {
		name string
		js   string
		path string // PolicyError.Path of the first problem
		is   error  // optional sentinel
		msg  string // substring of the message
	}{
		{"unknown top-level field", withTop(`"regoin": "x"`), "regoin", nil, "unknown field"},
		{"unknown nested field", bands(`[{"up_to": 1, "k": 3}, {"over": 1, "kk": 2}]`), "drg.outliers.high.bands[1].kk", nil, "unknown field"},
		{"field in another case", withTop(`"Valid_From": "2025-01-01"`), "Valid_From", nil, "unknown field"},
		{"negative factor", withTop(`"tcm_advantaged": [{"code": "K80", "factor": -1.1}]`), "tcm_advantaged[0].factor", nil, "negative"},
		{"zero factor", withTop(`"tcm_day_ward": [{"code": "K80", "factor": 0}]`), "tcm_day_ward[0].factor", nil, "greater than 0"},
		{"negative price", withTop(`"tcm_fixed_price": [{"code": "K60.3", "price": -5}]`), "tcm_fixed_price[0].price", nil, "negative"},
		{"missing level", strings.Replace(minimalPolicy, `"2": 1, `, ``, 1), "drg.level_coefficients.2", nil, "missing level 2"},
		{"unknown level", strings.Replace(minimalPolicy, `"rate": 10000`, `"rate": {"1": 1, "2": 1, "3": 1, "4": 1}`, 1), "drg.rate.4", nil, "unknown level"},
		{"negative coefficient", strings.Replace(minimalPolicy, `"1": 0.8`, `"1": -0.8`, 1), "drg.level_coefficients.1", nil, "negative"},
		{"missing rate", strings.Replace(minimalPolicy, `"rate": 10000, `, ``, 1), "drg.rate", nil, "required"},
		{"overlapping bands", bands(`[{"up_to": 1.5, "k": 3}, {"over": 1, "k": 2}]`), "drg.outliers.high.bands[1].over", nil, "overlaps"},
		{"gap between bands", bands(`[{"up_to": 1, "k": 3}, {"over": 1.5, "k": 2}]`), "drg.outliers.high.bands[1].over", nil, "gap"},
		{"band after an open band", bands(`[{"k": 3}, {"over": 1, "k": 2}]`), "drg.outliers.high.bands[1]", nil, "no up_to"},
		{"band ends before it starts", bands(`[{"up_to": 1, "k": 3}, {"over": 1, "up_to": 1, "k": 2}]`), "drg.outliers.high.bands[1].up_to", nil, "not above"},
		{"first band not at 0", bands(`[{"over": 0.5, "k": 3}]`), "drg.outliers.high.bands[0].over", nil, "start at 0"},
		{"last band closed", bands(`[{"up_to": 1, "k": 3}, {"over": 1, "up_to": 2, "k": 2}]`), "drg.outliers.high.bands[1].up_to", nil, "weights above 2 would be in no band"},
		{"rate out of range", strings.Replace(minimalPolicy, `"rate": 10000`, `"rate": 1e400`, 1), "drg.rate", nil, "number 1e400 out of range"},
		{"level rate out of range", strings.Replace(minimalPolicy, `"rate": 10000`, `"rate": {"1": 1, "2": 1e400, "3": 1}`, 1), "drg.rate.2", nil, "number 1e400 out of range"},
		{"duplicate code, system given once", withTop(`"tcm_fixed_price": [{"code": "K60.3", "price": 6800}, {"code": "K60.3", "system": "icd10", "price": 100}]`), "tcm_fixed_price[1].code", ErrDuplicate, "repeats tcm_fixed_price[0]"},
		{"kind coefficient not as records carry it", withTop(`"kind_coefficients": {"TCM": 1.05}`), "kind_coefficients.TCM", nil, `records carry hospital kind "tcm"`},
		{"kind coefficient in Chinese", withTop(`"kind_coefficients": {"中医": 1.05}`), "kind_coefficients.中医", nil, `"tcm"`},
		{"second band without over", bands(`[{"up_to": 1, "k": 3}, {"k": 2}]`), "drg.outliers.high.bands[1].over", nil, "required"},
		{"multiple not above 1", bands(`[{"k": 1}]`), "drg.outliers.high.bands[0].k", nil, "greater than 1"},
		{"no bands", bands(`[]`), "drg.outliers.high.bands", nil, "at least one"},
		{"ratio missing", withDRG(`"outliers": {"high": {"bands": [{"k": 2}]}}`), "drg.outliers.high.ratio", nil, "required"},
		{"low k too large", withDRG(`"outliers": {"low": {"k": 1.2}}`), "drg.outliers.low.k", nil, "between 0 and 1"},
		{"low method", withDRG(`"outliers": {"low": {"k": 0.4, "method": "by_item"}}`), "drg.outliers.low.method", nil, "cost_ratio"},
		{"high k below low k", withDRG(`"outliers": {"low": {"k": 0.4}, "high": {"bands": [{"k": 0.3}], "ratio": 1}}`), "drg.outliers.high.bands[0].k", nil, "greater than 1"},
		{"wrong type for rate", strings.Replace(minimalPolicy, `"rate": 10000`, `"rate": "ten thousand"`, 1), "drg.rate", nil, "a number or an object"},
		{"wrong type in a list", withTop(`"tcm_advantaged": [{"code": "K80", "factor": "1.1"}]`), "tcm_advantaged[0].factor", nil, "want a number"},
		{"wrong type for a bool", withTop(`"tcm_day_ward": [{"code": "K80", "factor": 1, "exempt_low_outlier": "yes"}]`), "tcm_day_ward[0].exempt_low_outlier", nil, "true or false"},
		{"non-integer version", strings.Replace(minimalPolicy, `"policy_version": 1`, `"policy_version": 1.5`, 1), "policy_version", nil, "integer"},
		{"unsupported version", strings.Replace(minimalPolicy, `"policy_version": 1`, `"policy_version": 2`, 1), "policy_version", ErrVersion, "unsupported"},
		{"missing version", strings.Replace(minimalPolicy, `"policy_version": 1, `, ``, 1), "policy_version", ErrVersion, "0"},
		{"bad date", strings.Replace(minimalPolicy, `2025-01-01`, `2025-13-01`, 1), "valid_from", nil, "YYYY-MM-DD"},
		{"valid_to before valid_from", withTop(`"valid_to": "2024-12-31"`), "valid_to", nil, "before"},
		{"missing region", strings.Replace(minimalPolicy, `"region": "T", `, ``, 1), "region", nil, "required"},
		{"no scheme", `{"policy_version": 1, "region": "T", "valid_from": "2025-01-01"}`, "", nil, "neither drg nor dip"},
		{"duplicate code after normalisation", withTop(`"tcm_advantaged": [{"code": "K80.1", "factor": 1.1}, {"code": "k801", "factor": 1.2}]`), "tcm_advantaged[1].code", ErrDuplicate, "repeats tcm_advantaged[0]"},
		{"same code in two systems is fine, bad code is not", withTop(`"tcm_fixed_price": [{"code": "K60.3", "price": 1}, {"code": "K60.3", "system": "tcm", "price": 1}, {"code": "肛瘘", "price": 1}]`), "tcm_fixed_price[2].code", nil, "character"},
		{"unknown system", withTop(`"tcm_fixed_price": [{"code": "K60.3", "system": "icd9", "price": 1}]`), "tcm_fixed_price[0].system", nil, "unknown system"},
		{"share above 1", withTop(`"tcm_advantaged": [{"code": "K80", "factor": 1.1, "min_tcm_share": 1.5}]`), "tcm_advantaged[0].min_tcm_share", nil, "between 0 and 1"},
		{"tcm treated share", withTop(`"tcm_treated_share": -0.1`), "tcm_treated_share", nil, "between 0 and 1"},
		{"same-level rate needed", strings.Replace(withDRG(`"same_level_groups": ["BR25"]`), `"rate": 10000`, `"rate": {"1": 8000, "2": 9000, "3": 10000}`, 1), "drg.same_level_rate", nil, "differs by level"},
		{"same-level duplicate", withDRG(`"same_level_groups": ["BR25", "BR25"]`), "drg.same_level_groups[1]", ErrDuplicate, "repeats"},
		{"same-level blank", withDRG(`"same_level_groups": [""]`), "drg.same_level_groups[0]", nil, "blank"},
		{"advantaged group duplicate", withDRG(`"tcm_advantaged_groups": [{"group": "IU25", "factor": 1.1}, {"group": "IU25", "factor": 1.2}]`), "drg.tcm_advantaged_groups[1].group", ErrDuplicate, "repeats drg.tcm_advantaged_groups[0]"},
		{"advantaged group blank", withDRG(`"tcm_advantaged_groups": [{"group": "", "factor": 1.1}]`), "drg.tcm_advantaged_groups[0].group", nil, "blank"},
		{"advantaged group factor", withDRG(`"tcm_advantaged_groups": [{"group": "IU25", "factor": 0}]`), "drg.tcm_advantaged_groups[0].factor", nil, "greater than 0"},
		{"advantaged group share", withDRG(`"tcm_advantaged_groups": [{"group": "IU25", "factor": 1.1, "min_tcm_share": 1.5}]`), "drg.tcm_advantaged_groups[0].min_tcm_share", nil, "between 0 and 1"},
		{"advantaged group unknown field", withDRG(`"tcm_advantaged_groups": [{"group": "IU25", "factor": 1.1, "tcm": true}]`), "drg.tcm_advantaged_groups[0].tcm", nil, "unknown"},
		{"same-efficacy without group", withDRG(`"same_efficacy": [{"code": "S52.5"}]`), "drg.same_efficacy[0].pay_as_group", nil, "blank"},
		{"negative kind coefficient", withTop(`"kind_coefficients": {"tcm": -1.05}`), "kind_coefficients.tcm", nil, "negative"},
		{"default level", withTop(`"default_level": 5`), "default_level", nil, "1-3"},
		{"trailing data", minimalPolicy + `{}`, "", nil, "trailing"},
		{"syntax error", strings.Replace(minimalPolicy, `"drg"`, `"drg",`, 1), "", nil, "line 2"},
		{"not an object", `[1, 2]`, "", nil, "must be a JSON object"},
		{"empty", ``, "", nil, "empty"},
		{"key twice at the top", withTop(`"region": "X"`), "region", ErrDuplicate, "given twice"},
		{"key twice in a section", withDRG(`"rate": 9000`), "drg.rate", ErrDuplicate, "given twice"},
		{"section twice", minimalPolicy[:len(minimalPolicy)-1] + `, "drg": {"rate": 1}}`, "drg", ErrDuplicate, "given twice"},
		{"key twice in a list entry", withTop(`"tcm_advantaged": [{"code": "K80", "factor": 1.1}, {"code": "K81", "factor": 1.1, "code": "K82"}]`), "tcm_advantaged[1].code", ErrDuplicate, "given twice"},
		{"level twice", strings.Replace(minimalPolicy, `"1": 0.8`, `"1": 0.8, "1": 0.9`, 1), "drg.level_coefficients.1", ErrDuplicate, "given twice"},
		// An empty key is a key: the string after it is its value, and
		// the real repeat after that is found.
		{"key twice after an empty key", strings.Replace(minimalPolicy, `"1": 0.8`, `"": "a", "b": 1, "a": 2, "b": 3, "1": 0.8`, 1), "drg.level_coefficients.b", ErrDuplicate, "given twice"},
		{"key twice in an object in an array in an array", withTop(`"x": [[{"y": 1, "y": 2}]]`), "x[0][0].y", ErrDuplicate, "given twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(c.js))
			if err == nil {
				t.Fatal("got no error")
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("got %T %v, want a *PolicyError", err, err)
			}
			if pe.Path != c.path {
				t.Errorf("path: got %q, want %q (%v)", pe.Path, c.path, err)
			}
			if !errors.Is(err, ErrPolicy) {
				t.Errorf("%v does not wrap ErrPolicy", err)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("%v does not wrap %v", err, c.is)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("message %q lacks %q", err.Error(), c.msg)
			}
		})
	}
}

// TestBandErrorNotRepeated: one band with a bad bound is reported once; its
// neighbour, which joins the bound as written, is not reported too.
func TestBandErrorNotRepeated(t *testing.T) {
	js := withDRG(`"outliers": {"high": {"bands": [{"up_to": 1, "k": 3}, {"over": -1, "up_to": 2, "k": 2.5}, {"over": 2, "k": 2}], "ratio": 1}}`)
	_, err := ParsePolicy([]byte(js))
	if err == nil || !strings.Contains(err.Error(), "bands[1].over") {
		t.Fatalf("got %v, want the negative over of bands[1]", err)
	}
	if strings.Contains(err.Error(), "bands[2]") {
		t.Errorf("bands[2] starts where bands[1] ends, but is reported: %v", err)
	}
}

func TestPolicyAllProblems(t *testing.T) {
	js := withTop(`"tcm_advantaged": [{"code": "K80", "factor": -1}, {"code": "K81", "factor": 0}], "default_level": 7`)
	_, err := ParsePolicy([]byte(js))
	var paths []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var pe *PolicyError
		if errors.As(e, &pe) {
			paths = append(paths, pe.Path)
		}
	}
	want := "default_level tcm_advantaged[0].factor tcm_advantaged[1].factor"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("got problems %s, want %s", got, want)
	}
}

func TestPolicyRoundTrip(t *testing.T) {
	p, err := SamplePolicy()
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParsePolicy(data)
	if err != nil {
		t.Fatalf("re-reading the marshalled sample: %v\n%s", err, data)
	}
	if q.DRG.LevelCoefficients.At(1) != 0.75 || q.DRG.Rate.At(3) != 10000 || !q.DRG.Rate.Single || len(q.TCMAdvantaged) != 4 {
		t.Errorf("round trip lost data: %s", data)
	}
	if got := string(SamplePolicyJSON()); !strings.Contains(got, "SAMPLE") {
		t.Error("SamplePolicyJSON is not the SAMPLE file")
	}
}

func TestNewErrors(t *testing.T) {
	tab := mustTable(t, testTable)
	p := mustPolicy(t, withDRG(`"same_efficacy": [{"code": "S52.5", "pay_as_group": "NOPE"}, {"code": "S53", "pay_as_group": "AA19"}]`))
	_, err := New(p, tab)
	var pe *PolicyError
	if !errors.As(err, &pe) || pe.Path != "drg.same_efficacy[0].pay_as_group" || !errors.Is(err, ErrUnknownGroup) {
		t.Errorf("unknown target: got %v", err)
	}
	if !strings.Contains(err.Error(), "drg.same_efficacy[1].pay_as_group") {
		t.Errorf("a target without weight must be reported too: %v", err)
	}

	// A same-level group missing from the table is a warning, not an error.
	p = mustPolicy(t, withDRG(`"same_level_groups": ["BR25", "XX99"]`))
	c := mustCalc(t, p, tab)
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], "drg.same_level_groups[1]") {
		t.Errorf("warnings: %v", w)
	}
	if c.Policy() != p || c.Table() != tab {
		t.Error("accessors")
	}

	// So is one the table lists without a weight (AA19): its cases are
	// unpaid, so the entry never applies.
	p = mustPolicy(t, withDRG(`"same_level_groups": ["AA19", "BR25"]`))
	if w := mustCalc(t, p, tab).Warnings(); len(w) != 1 || w[0] != "drg.same_level_groups[0]: AA19 has no weight in weights.tsv (line 8)" {
		t.Errorf("warnings: %q", w)
	}

	// So is a TCM-advantaged DRG group missing from the table.
	p = mustPolicy(t, withDRG(`"tcm_advantaged_groups": [{"group": "XX98", "factor": 1.1}, {"group": "IU25", "factor": 1.1}]`))
	if w := mustCalc(t, p, tab).Warnings(); len(w) != 1 || !strings.Contains(w[0], "drg.tcm_advantaged_groups[0]: XX98") {
		t.Errorf("warnings: %v", w)
	}

	// An invalid policy built in code is rejected by New.
	p.DRG.LevelCoefficients = PerLevel(1, -1, 1)
	if _, err := New(p, tab); !errors.Is(err, ErrPolicy) {
		t.Errorf("invalid policy: got %v", err)
	}
	if _, err := New(nil, tab); err == nil {
		t.Error("nil policy accepted")
	}
}
