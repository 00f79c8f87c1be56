package report

import (
	"fmt"
	"strings"
)

// Lang is the language of a report or a message: Chinese or English.
type Lang string

// The languages.
const (
	Chinese Lang = "zh"
	English Lang = "en"
)

// ParseLang parses "zh" or "en" (case-insensitive).
func ParseLang(s string) (Lang, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "zh", "zh-cn", "cn":
		return Chinese, nil
	case "en", "":
		return English, nil
	}
	return "", fmt.Errorf("report: language %q: use zh or en", s)
}

// Thresholds are the shares above which Check calls a run probably wrong.
type Thresholds struct {
	Ungrouped    float64 // share of grouped records that are 0000
	UnknownCodes float64 // share of grouped records with a code the rule set does not know
}

// DefaultThresholds are 5% each: a run coded for its rule set has well
// under 1% of 0000 and unknown codes; one coded for another rule set or
// code edition has tens of percent.
var DefaultThresholds = Thresholds{Ungrouped: 0.05, UnknownCodes: 0.05}

// The warning codes.
const (
	WarnUngrouped    = "ungrouped_share"
	WarnUnknownCodes = "unknown_code_share"
)

// Warning is one sign that a run is probably wrong.
type Warning struct {
	Code      string  `json:"code"` // WarnUngrouped or WarnUnknownCodes
	Cases     int64   `json:"cases"`
	Share     float64 `json:"share"`     // of the grouped records
	Threshold float64 `json:"threshold"` // the share it is above
	Top       string  `json:"top,omitempty"`
}

// Check returns the warnings for s under t: a 0000 share or an unknown-code
// share above its threshold. A threshold of 0 or less turns its check off.
func Check(s *Summary, t Thresholds) []Warning {
	c := s.Counts
	if c.Grouped == 0 {
		return nil
	}
	var ws []Warning
	share := func(n int64) float64 { return float64(n) / float64(c.Grouped) }
	if z := c.Zeros(); t.Ungrouped > 0 && share(z) > t.Ungrouped {
		w := Warning{Code: WarnUngrouped, Cases: z, Share: share(z), Threshold: t.Ungrouped}
		if len(s.Ungrouped) > 0 {
			w.Top = s.Ungrouped[0].Key
		}
		ws = append(ws, w)
	}
	if u := c.UnknownCodes; u != nil && t.UnknownCodes > 0 && share(*u) > t.UnknownCodes {
		ws = append(ws, Warning{Code: WarnUnknownCodes, Cases: *u, Share: share(*u), Threshold: t.UnknownCodes})
	}
	return ws
}

// Message says the warning and its likely cause in lang.
func (w Warning) Message(lang Lang) string {
	pct := func(f float64) string {
		return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", f*100), "0"), ".") + "%"
	}
	switch {
	case w.Code == WarnUngrouped && lang == Chinese:
		top := ""
		if w.Top != "" {
			top = "，最多的原因是 " + w.Top
		}
		return fmt.Sprintf("%s 的入组记录为 0000（%d 条，阈值 %s）%s：记录很可能是按另一个分组方案或另一版编码（如国临版编码对医保版分组方案）编写的，或输入列对应有误", pct(w.Share), w.Cases, pct(w.Threshold), top)
	case w.Code == WarnUngrouped:
		top := ""
		if w.Top != "" {
			top = ", most for " + w.Top
		}
		return fmt.Sprintf("%s of the grouped records are 0000 (%d, threshold %s)%s: the records were probably coded for another rule set or another code edition (e.g. 国临版 codes under a 医保版 rule set), or a column is mapped wrong", pct(w.Share), w.Cases, pct(w.Threshold), top)
	case w.Code == WarnUnknownCodes && lang == Chinese:
		return fmt.Sprintf("%s 的入组记录含分组方案不认识的编码（%d 条，阈值 %s）：记录很可能使用了另一版编码（如国临版而非医保版 2.0），或为另一个分组方案编写", pct(w.Share), w.Cases, pct(w.Threshold))
	case w.Code == WarnUnknownCodes:
		return fmt.Sprintf("%s of the grouped records have a code the rule set does not know (%d, threshold %s): the records were probably coded in another code edition (e.g. 国临版 rather than 医保版 2.0) or for another rule set", pct(w.Share), w.Cases, pct(w.Threshold))
	}
	return w.Code
}
