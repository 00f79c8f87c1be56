package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/medpay/drg/grouper/report"
)

// summaryLabels are the words of the printed summary in one language.
type summaryLabels struct {
	ruleSet, prices, recordsIn, grouped, groupedFmt, zeros, rejected, unknown, unknownFmt                   string
	perMDC, dip, dipFmt, payment, paymentFmt, outliers, outlierFmt, unpaid, adjustments, elapsed, perSecond string
}

var summaryEN = summaryLabels{
	ruleSet: "rule set", prices: "prices", recordsIn: "records in", grouped: "grouped",
	groupedFmt: "%s (OK %s, QY %s, 0000 %s of which check failed %s)", zeros: "0000 reasons",
	rejected: "rejected", unknown: "unknown", unknownFmt: "%s records with a code the rule set does not know (--explain names it)",
	perMDC: "per MDC", dip: "DIP", dipFmt: "%s with a DIP group (%s)", payment: "payment",
	paymentFmt: "%s yuan for %s paid cases, CMI %.4f", outliers: "outliers", outlierFmt: "high %s (%s), low %s (%s) of the paid cases",
	unpaid: "unpaid", adjustments: "adjustments", elapsed: "elapsed", perSecond: "records/s",
}

var summaryZH = summaryLabels{
	ruleSet: "分组方案", prices: "价格", recordsIn: "输入记录", grouped: "已分组",
	groupedFmt: "%s（正常入组 %s，QY %s，0000 %s，其中校验未通过 %s）", zeros: "0000 原因",
	rejected: "拒收", unknown: "未知编码", unknownFmt: "%s 条记录含分组方案不认识的编码（--explain 可查看）",
	perMDC: "各 MDC", dip: "DIP", dipFmt: "%s 条入 DIP 病种（%s）", payment: "支付",
	paymentFmt: "%s 元，支付病例 %s 例，CMI %.4f", outliers: "费用异常", outlierFmt: "高倍率 %s（%s），低倍率 %s（%s）（占支付病例）",
	unpaid: "未支付", adjustments: "政策调整", elapsed: "用时", perSecond: "条/秒",
}

func summaryText(lang report.Lang) *summaryLabels {
	if lang == report.Chinese {
		return &summaryZH
	}
	return &summaryEN
}

// printSummaryBody prints the figures of s that a run's and a report's
// summaries share: counts, reasons, case mix, DIP and payment. rejPath,
// when set, says where the rejects went.
func printSummaryBody(w io.Writer, s *report.Summary, lang report.Lang, rejPath string) {
	t := summaryText(lang)
	c := s.Counts
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%s %s\n", padLabel(label), fmt.Sprintf(format, args...))
	}
	line(t.recordsIn, "%s", num(c.Records))
	line(t.grouped, t.groupedFmt, num(c.Grouped), num(c.OK), num(c.QY), num(c.Zeros()), num(c.CheckFailed))
	if len(s.Ungrouped) > 0 {
		line(t.zeros, "%s", counts(s.Ungrouped, 5))
	}
	rej := num(c.Rejected)
	if rejPath != "" {
		rej += " -> " + rejPath
	}
	if len(s.Rejected) > 0 {
		rej += " (" + counts(s.Rejected, 5) + ")"
	}
	line(t.rejected, "%s", rej)
	if u := c.UnknownCodes; u != nil && *u > 0 {
		// Accepted codes the rule set does not know match no rule; many of
		// them usually mean another coding edition (国临版 for 医保版).
		line(t.unknown, t.unknownFmt, num(*u))
	}
	if len(s.MDCs) > 0 {
		var mdcs []string
		for l := 'A'; l <= 'Z'; l++ {
			for _, m := range s.MDCs {
				if m.Code == string(l) {
					mdcs = append(mdcs, fmt.Sprintf("%s:%d", m.Code, m.Cases))
				}
			}
		}
		line(t.perMDC, "%s", strings.Join(mdcs, " "))
	}
	if d := s.DIP; d != nil {
		line(t.dip, t.dipFmt, num(d.Grouped), counts(d.Kinds, 4))
	}
	if p := s.Payment; p != nil {
		line(t.payment, t.paymentFmt, yuan(p.Total.Amount), num(p.Total.Paid), p.Total.CMI())
		var high, low int64
		for _, o := range p.Outliers {
			switch o.Code {
			case "high":
				high = o.Cases
			case "low":
				low = o.Cases
			}
		}
		line(t.outliers, t.outlierFmt, num(high), share(high, p.Total.Paid), num(low), share(low, p.Total.Paid))
		if len(p.Unpaid) > 0 {
			var n int64
			for _, u := range p.Unpaid {
				n += u.Cases
			}
			line(t.unpaid, "%s (%s)", num(n), counts(p.Unpaid, 5))
		}
		var adj []string
		for _, a := range p.Adjustments {
			if a.Effect != 0 && len(adj) < 6 {
				sign := "+"
				if a.Effect < 0 {
					sign = ""
				}
				adj = append(adj, fmt.Sprintf("%s[%s] %s %s%s", a.Name, a.Source, num(a.Cases), sign, yuan(a.Effect)))
			}
		}
		if len(adj) > 0 {
			line(t.adjustments, "%s", strings.Join(adj, ", "))
		}
	}
}

// padLabel pads a label to the summary's 12-column label width, counting
// a Chinese character as two columns, as a terminal shows it.
func padLabel(s string) string {
	width := 0
	for _, r := range s {
		width++
		if r >= 0x2E80 {
			width++
		}
	}
	if width >= 12 {
		return s
	}
	return s + strings.Repeat(" ", 12-width)
}

// counts lists the first n counts as "KEY n, KEY n".
func counts(cs []report.Count, n int) string {
	var parts []string
	for i, c := range cs {
		if i == n {
			parts = append(parts, fmt.Sprintf("+%d more", len(cs)-n))
			break
		}
		key := c.Key
		if key == "" {
			key = "-"
		}
		parts = append(parts, key+" "+num(c.Cases))
	}
	return strings.Join(parts, ", ")
}

// num writes n with thousands separators, as analysts read big counts.
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// yuan writes an amount with thousands separators and cents.
func yuan(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	whole, cents, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return s
	}
	if n == 0 && strings.HasPrefix(whole, "-") {
		return "-0." + cents
	}
	return num(n) + "." + cents
}

func share(n, of int64) string {
	if of == 0 {
		return "0%"
	}
	return strconv.FormatFloat(float64(n)*100/float64(of), 'f', 1, 64) + "%"
}
