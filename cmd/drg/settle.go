package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

func init() {
	register(&command{name: "settle", summary: "year-end settlement of a grouped file: point value from the fund budget, per-hospital totals and CMI", usage: "FILE... --budget YUAN [--cases FILE]", run: settleCmd})
}

func settleCmd(ctx context.Context, e *env, args []string) error {
	c := &command{name: "settle", usage: "FILE... --budget YUAN [--cases FILE]", summary: "Settle a year of grouped and priced cases (the output of 'drg group' with payment columns):\nfixed-price cases are paid their price, the rest of the budget is shared in proportion to each\ncase's settlement points, so point value = pool / total points and the settled amounts add up to\nthe budget to the cent. Prints the point value, per-hospital totals and the case-mix index (CMI)."}
	fl := newFlags(e, c)
	budget := fl.Float64("budget", 0, "fund budget for the period, in yuan (required)")
	casesOut := fl.String("cases", "", "also write every case's settled amount to this CSV file (.zst allowed; '-' = standard output, and the summary then goes to standard error); the file appears only when the settlement succeeds")
	files, err := parseFlags(e, fl, args)
	if err != nil {
		return err
	}
	if len(files) == 0 || *budget <= 0 {
		fl.Usage()
		return errUsage
	}
	s := weights.NewSettlement()
	// The case ids, for --cases, back to back in one buffer: a year of
	// cases costs a few bytes each, not a string each.
	var idText []byte
	var idEnd []int
	// A case given twice (a file named twice, overlapping monthly files)
	// would take two shares of the pool: refuse it, as drg group refuses a
	// repeated id.
	ids := batch.NewIDSet(batch.Options{})
	defer ids.Close()
	for _, path := range files {
		if err := readPriced(path, ids, func(id, hospital string, p *weights.Payment) {
			s.Add(hospital, p)
			if *casesOut != "" {
				idText = append(idText, id...)
				idEnd = append(idEnd, len(idText))
			}
		}); err != nil {
			return err
		}
	}
	if err := checkOutputs(files, *casesOut); err != nil {
		return err
	}
	r, err := settle(e, s, *budget, *casesOut, idText, idEnd)
	if err != nil {
		return err
	}
	out := e.stdout
	if *casesOut == "-" {
		out = e.stderr // standard output holds the cases CSV
	}
	fmt.Fprintf(out, "scheme %s, budget %.2f, fixed-price %.2f, pool %.2f, total points %.4f\n", r.Scheme, r.Budget, r.FixedAmount, r.Pool, r.TotalPoints)
	pv := r.PointValue
	if r.Scheme == weights.DRG {
		fmt.Fprintf(out, "point value %.6f yuan per point (year-end base rate %.2f), settled %.2f, CMI %.4f, skipped %d\n\n", pv, pv*100, r.Settled, r.CMI, r.Skipped)
	} else {
		fmt.Fprintf(out, "point value %.6f yuan per point, settled %.2f, skipped %d\n\n", pv, r.Settled, r.Skipped)
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "hospital\tcases\tskipped\tpoints\tcomputed\tsettled\tCMI\t")
	for _, h := range r.Hospitals {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.4f\t\n", h.HospitalID, h.Cases, h.Skipped, h.Points, h.Computed, h.Amount, h.CMI)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return nil
}

// settle settles s, writing every case to casesOut (unless "") as it goes,
// with ids[i] = idText[idEnd[i-1]:idEnd[i]]. The file appears only when the
// whole settlement succeeds: when the budget cannot be shared, or the file
// cannot be written, nothing is left under its name.
func settle(e *env, s *weights.Settlement, budget float64, casesOut string, idText []byte, idEnd []int) (weights.SettlementReport, error) {
	if casesOut == "" {
		r, _ := s.Settle(budget, nil)
		return r, r.Err
	}
	w, err := createOutputFile(e, casesOut)
	if err != nil {
		return weights.SettlementReport{}, err
	}
	defer w.abort()
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "hospital_id", "group", "status", "points", "settlement_points", "computed", "settled"})
	f := func(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
	row := make([]string, 8)
	r, err := s.Settle(budget, func(i int, cs *weights.SettledCase) error {
		from := 0
		if i > 0 {
			from = idEnd[i-1]
		}
		row[0], row[1], row[2], row[3] = string(idText[from:idEnd[i]]), cs.HospitalID, cs.Group, cs.Status.String()
		row[4], row[5], row[6], row[7] = f(cs.Points, 4), f(cs.SettlementPoints, 6), f(cs.Computed, 2), f(cs.Settled, 2)
		return cw.Write(row)
	})
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil {
		return r, fmt.Errorf("%s: %w", casesOut, err)
	}
	if r.Err != nil {
		return r, r.Err
	}
	return r, w.commit()
}

// readPriced reads a grouped file's payment columns into Payments.
// A case id that ids has seen, in this file or an earlier one, is an error.
func readPriced(path string, ids *record.IDSet, fn func(id, hospital string, p *weights.Payment)) error {
	f, err := record.OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReaderSize(f, 256<<10))
	if record.FormatOf(path) == record.FormatTSV {
		cr.Comma = '\t'
	} else if record.FormatOf(path) == record.FormatJSONL {
		return fmt.Errorf("%s: settle reads CSV or TSV output of 'drg group', not JSON lines", path)
	}
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	need := append([]string{"id"}, batch.PaymentColumns...)
	for _, n := range need {
		if _, ok := col[n]; !ok {
			return fmt.Errorf("%s: no column %q: settle reads the output of 'drg group' with payments (a rule set with a weights table)", path, n)
		}
	}
	group := "drg"
	if _, ok := col[group]; !ok {
		group = "dip_group"
	}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		rec := record.Record{ID: row[col["id"]]}
		dup, err := ids.Check(&rec, "")
		if err != nil {
			return err
		}
		if dup != nil {
			return fmt.Errorf("%s:%d: case %s appears a second time (in this file or an earlier one): each case is settled once", path, line, rec.ID)
		}
		num := func(name string) (float64, error) {
			v, err := record.ParseNumber(row[col[name]])
			if err != nil || v < 0 {
				return 0, fmt.Errorf("%s:%d: column %s: %q is not a finite, non-negative number", path, line, name, row[col[name]])
			}
			return v, nil
		}
		var p weights.Payment
		scheme, ok := weights.ParseScheme(row[col["pay_scheme"]])
		if !ok {
			return fmt.Errorf("%s:%d: column pay_scheme: %q is not drg or dip", path, line, row[col["pay_scheme"]])
		}
		p.Scheme = scheme
		if scheme == weights.DIP {
			if i, ok := col["dip_group"]; ok {
				p.Group = strings.Clone(row[i])
			}
		} else if i, ok := col[group]; ok {
			p.Group = strings.Clone(row[i])
		}
		for _, f := range []struct {
			name string
			dst  *float64
		}{{"weight", &p.BaseWeight}, {"adjusted_weight", &p.AdjustedWeight}, {"points", &p.Points}, {"settlement_points", &p.SettlementPoints}, {"payment", &p.Amount}} {
			if *f.dst, err = num(f.name); err != nil {
				return err
			}
		}
		p.FixedPrice = row[col["fixed_price"]] == "1"
		p.Reason = strings.Clone(row[col["unpaid"]])
		fn(strings.Clone(row[col["id"]]), strings.Clone(row[col["hospital_id"]]), &p)
	}
}
