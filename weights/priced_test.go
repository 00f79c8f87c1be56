package weights

import (
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// pricedHeader is the header 'drg group --scheme drg' writes with payments.
var pricedHeader = []string{"id", "status", "reason", "mdc", "adrg", "drg", "principal_dx", "tcm_source", "cc_level", "cc_code",
	"hospital_id", "pay_scheme", "weight", "adjusted_weight", "points", "settlement_points", "outlier", "payment", "fixed_price", "unpaid", "adjustments"}

// pricedFile returns a priced CSV file of three DRG cases, with edit
// applied to the row of each case (i = 0, 1, 2; the header is line 1).
func pricedFile(t *testing.T, header []string, edit func(i int, row map[string]string)) string {
	t.Helper()
	return pricedText(header, edit)
}

// pricedFileText is pricedFile with the header of 'drg group --scheme drg'.
func pricedFileText(edit func(i int, row map[string]string)) string {
	return pricedText(pricedHeader, edit)
}

func pricedText(header []string, edit func(i int, row map[string]string)) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(header)
	for i, c := range []map[string]string{
		{"id": "c1", "status": "OK", "drg": "GB11", "hospital_id": "H1", "pay_scheme": "drg", "weight": "1.5", "adjusted_weight": "1.5", "points": "150", "settlement_points": "150", "payment": "15000", "fixed_price": "0"},
		{"id": "c2", "status": "QY", "drg": "", "hospital_id": "H2", "pay_scheme": "drg", "weight": "0", "adjusted_weight": "0", "points": "0", "settlement_points": "0", "payment": "0", "fixed_price": "0", "unpaid": "no_group"},
		{"id": "c3", "status": "OK", "drg": "ES21", "hospital_id": "H1", "pay_scheme": "drg", "weight": "0.8", "adjusted_weight": "0.8", "points": "80", "settlement_points": "0", "payment": "6000", "fixed_price": "1"},
	} {
		if edit != nil {
			edit(i, c)
		}
		row := make([]string, len(header))
		for j, h := range header {
			row[j] = c[h]
		}
		w.Write(row)
	}
	w.Flush()
	return b.String()
}

func TestReadPriced(t *testing.T) {
	var got []PricedCase
	err := ReadPriced(strings.NewReader(pricedFile(t, pricedHeader, nil)), "jan.csv", PricedOptions{}, func(c *PricedCase) error {
		got = append(got, *c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []PricedCase{
		{Line: 2, ID: "c1", HospitalID: "H1", Payment: Payment{Scheme: grouper.SchemeDRG, Group: "GB11", BaseWeight: 1.5, AdjustedWeight: 1.5, Points: 150, SettlementPoints: 150, Amount: 15000}},
		{Line: 3, ID: "c2", HospitalID: "H2", Payment: Payment{Scheme: grouper.SchemeDRG, Reason: AdjNoGroup}},
		{Line: 4, ID: "c3", HospitalID: "H1", Payment: Payment{Scheme: grouper.SchemeDRG, Group: "ES21", BaseWeight: 0.8, AdjustedWeight: 0.8, Points: 80, Amount: 6000, FixedPrice: true}},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// TestReadPricedTSVAndDIP: a TSV file of DIP cases, whose group is the
// dip_group column.
func TestReadPricedTSVAndDIP(t *testing.T) {
	header := slices.Clone(pricedHeader)
	header[slices.Index(header, "drg")] = "dip_group"
	text := strings.ReplaceAll(pricedFile(t, header, func(i int, row map[string]string) {
		row["pay_scheme"], row["dip_group"] = "dip", "K80-51.23"
	}), ",", "\t")
	var groups []string
	err := ReadPriced(strings.NewReader(text), "dip.tsv", PricedOptions{Comma: '\t'}, func(c *PricedCase) error {
		if c.Payment.Scheme != grouper.SchemeDIP {
			t.Errorf("line %d: scheme %v, want dip", c.Line, c.Payment.Scheme)
		}
		groups = append(groups, c.Payment.Group)
		return nil
	})
	if err != nil || !slices.Equal(groups, []string{"K80-51.23", "K80-51.23", "K80-51.23"}) {
		t.Errorf("got %q, %v; want three K80-51.23", groups, err)
	}
}

// TestReadPricedRefusesBadValues mirrors cmd/drg's TestSettleRefusesBadValues:
// a value 'drg group' never writes is a *PricedError naming name:line and
// the column.
func TestReadPricedRefusesBadValues(t *testing.T) {
	for _, tc := range []struct {
		col, v, want string
	}{
		{"settlement_points", "1e300", "column settlement_points: 1e300 is above 1e+10, beyond any real case"},
		{"settlement_points", "10000000001", "column settlement_points: 10000000001 is above 1e+10, beyond any real case"},
		{"points", "1e11", "column points: 1e11 is above 1e+10, beyond any real case"},
		{"weight", "2e10", "column weight: 2e10 is above 1e+10, beyond any real case"},
		{"adjusted_weight", "1e12", "column adjusted_weight: 1e12 is above 1e+10, beyond any real case"},
		{"payment", "10000000000.01", "column payment: 10000000000.01 is above 1e+10, beyond any real case"},
		{"payment", "-1", `column payment: "-1" is not a finite, non-negative number`},
		{"points", "NaN", `column points: "NaN" is not a finite, non-negative number`},
		{"points", "", `column points: "" is not a finite, non-negative number`},
		{"fixed_price", "abc", `column fixed_price: "abc" is not 0 or 1`},
		{"fixed_price", "-100", `column fixed_price: "-100" is not 0 or 1`},
		{"fixed_price", "", `column fixed_price: "" is not 0 or 1`},
		{"status", "PAID", `column status: "PAID" is not one of OK, QY, UNGROUPABLE, CHECK_FAILED`},
		{"status", "ok", `column status: "ok" is not one of OK, QY, UNGROUPABLE, CHECK_FAILED`},
		{"unpaid", "no_weigth", `column unpaid: "no_weigth" is not blank or a reason 'drg group' gives for an unpaid case (no_scheme, no_group, no_weight, no_level, out_of_range, not_in_force)`},
		{"pay_scheme", "both", `column pay_scheme: "both" is not drg or dip`},
		{"pay_scheme", "", `column pay_scheme: "" is not drg or dip`},
	} {
		text := pricedFile(t, pricedHeader, func(i int, row map[string]string) {
			if i == 1 {
				row[tc.col] = tc.v
			}
		})
		n := 0
		err := ReadPriced(strings.NewReader(text), "bad.csv", PricedOptions{}, func(*PricedCase) error { n++; return nil })
		var pe *PricedError
		if want := "bad.csv:3: " + tc.want; err == nil || err.Error() != want || !errors.As(err, &pe) || pe.Line != 3 || pe.Column != tc.col || n != 1 {
			t.Errorf("%s %q: got %v (%#v) after %d cases; want %q after 1 case", tc.col, tc.v, err, pe, n, want)
		}
	}
	// At the bounds, and with every value 'drg group' writes, the file is read.
	for _, tc := range []struct{ col, v string }{
		{"settlement_points", "10000000000"}, {"payment", "10000000000"}, {"points", "1.321087E4"},
		{"fixed_price", "1"}, {"status", "CHECK_FAILED"}, {"status", "UNGROUPABLE"}, {"unpaid", "no_level"}, {"pay_scheme", "dip"},
	} {
		text := pricedFile(t, pricedHeader, func(i int, row map[string]string) { row[tc.col] = tc.v })
		n := 0
		if err := ReadPriced(strings.NewReader(text), "ok.csv", PricedOptions{}, func(*PricedCase) error { n++; return nil }); err != nil || n != 3 {
			t.Errorf("%s %s: got %v after %d cases, want 3 cases", tc.col, tc.v, err, n)
		}
	}
}

func TestReadPricedHeaderAndSyntax(t *testing.T) {
	f := func(name, text, want string) {
		t.Helper()
		err := ReadPriced(strings.NewReader(text), name, PricedOptions{}, func(*PricedCase) error { return nil })
		var pe *PricedError
		if err == nil || err.Error() != want || !errors.As(err, &pe) {
			t.Errorf("got %v, want *PricedError %q", err, want)
		}
	}
	f("empty.csv", "", "empty.csv: header: EOF")
	noPayment := slices.DeleteFunc(slices.Clone(pricedHeader), func(h string) bool { return h == "fixed_price" })
	f("group.csv", pricedFile(t, noPayment, nil), `group.csv: no column "fixed_price": settle reads the output of 'drg group' with payments (a rule set with a weights table)`)
	f("noid.csv", "x\n1\n", `noid.csv: no column "id": settle reads the output of 'drg group' with payments (a rule set with a weights table)`)
	text := pricedFile(t, pricedHeader, nil) + "c4,\"OK\n"
	f("quote.csv", text, `quote.csv: parse error on line 5, column 8: extraneous or missing " in quoted-field`)
}

// TestReadPricedDuplicates: with an IDSet, a case id seen in this input or
// an earlier one is refused, wrapping ErrDuplicateCase; fn's error is
// returned as it is.
func TestReadPricedDuplicates(t *testing.T) {
	ids := record.NewIDSet(record.IDSetOptions{})
	defer ids.Close()
	text := pricedFile(t, pricedHeader, nil)
	nop := func(*PricedCase) error { return nil }
	if err := ReadPriced(strings.NewReader(text), "jan.csv", PricedOptions{IDs: ids}, nop); err != nil {
		t.Fatal(err)
	}
	err := ReadPriced(strings.NewReader(text), "feb.csv", PricedOptions{IDs: ids}, nop)
	if want := "feb.csv:2: case c1 appears a second time (in this file or an earlier one): each case is settled once"; err == nil || err.Error() != want || !errors.Is(err, ErrDuplicateCase) {
		t.Errorf("got %v, want %q wrapping ErrDuplicateCase", err, want)
	}
	// Without an IDSet, the same file twice is read twice.
	if err := ReadPriced(strings.NewReader(text), "feb.csv", PricedOptions{}, nop); err != nil {
		t.Errorf("without IDs: %v", err)
	}
	stop := errors.New("stop")
	if err := ReadPriced(strings.NewReader(text), "x.csv", PricedOptions{}, func(*PricedCase) error { return stop }); err != stop {
		t.Errorf("fn's error: got %v, want it unchanged", err)
	}
}

// FuzzReadPriced: any input is read without a panic, every error is a
// *PricedError, and every case read is within the bounds.
func FuzzReadPriced(f *testing.F) {
	f.Add(pricedFileText(nil))
	f.Add(pricedFileText(func(i int, row map[string]string) { row["points"] = "1e300" }))
	f.Add("id\n1\n")
	f.Fuzz(func(t *testing.T, text string) {
		err := ReadPriced(strings.NewReader(text), "f.csv", PricedOptions{}, func(c *PricedCase) error {
			p := &c.Payment
			for _, v := range []float64{p.BaseWeight, p.AdjustedWeight, p.Points, p.SettlementPoints} {
				if !(v >= 0 && v <= MaxCasePoints) {
					t.Fatalf("line %d: %v read, beyond the bounds", c.Line, v)
				}
			}
			if !(p.Amount >= 0 && p.Amount <= MaxCaseAmount) {
				t.Fatalf("line %d: amount %v read", c.Line, p.Amount)
			}
			return nil
		})
		var pe *PricedError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("error %v is not a *PricedError", err)
		}
	})
}
