package weights

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// PricedColumns are the columns ReadPriced needs in a priced file's header,
// in the order it looks for them: the case id, then the payment columns
// that 'drg group' writes with a policy (grouper/batch.PaymentColumns).
// status, drg and dip_group are read when present.
var PricedColumns = []string{"id", "hospital_id", "pay_scheme", "weight", "adjusted_weight", "points", "settlement_points",
	"outlier", "payment", "fixed_price", "unpaid", "adjustments"}

// ErrDuplicateCase is wrapped by the *PricedError of a case id that
// PricedOptions.IDs has seen before: a case given twice would take two
// shares of a settlement's pool.
var ErrDuplicateCase = errors.New("weights: case settled twice")

// PricedCase is one case of a priced file, as ReadPriced passes it to its
// callback.
type PricedCase struct {
	Line       int    // the line of the file the case starts on
	ID         string // the id column
	HospitalID string // the hospital_id column
	// Payment holds the columns Settlement.Add uses: Scheme, Group (the
	// dip_group column for a DIP case, else drg, else dip_group),
	// BaseWeight, AdjustedWeight, Points, SettlementPoints, Amount,
	// FixedPrice and Reason. The other fields are zero.
	Payment Payment
}

// PricedOptions configure ReadPriced. The zero value reads CSV and does
// not check for repeated case ids.
type PricedOptions struct {
	// Comma is the field delimiter: 0 means ',', '\t' reads TSV.
	Comma rune
	// IDs, when not nil, is given every case id: an id it has seen, in
	// this file or in one read before with the same set, is an error
	// wrapping ErrDuplicateCase.
	IDs *record.IDSet
}

// PricedError is an error in a priced file: its header, a value no priced
// output holds, a repeated case, or the CSV syntax.
type PricedError struct {
	Name   string // the name given to ReadPriced
	Line   int    // the case's line; 0 for the header, or when Err is a *csv.ParseError, which has its own
	Column string // the column of a refused value, or the one the header lacks; "" when the error is not about one column
	Err    error
}

// Error formats the error as "name:line: column C: cause", leaving out
// what is not known.
func (e *PricedError) Error() string {
	switch {
	case e.Line == 0:
		return e.Name + ": " + e.Err.Error()
	case e.Column == "":
		return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: column %s: %v", e.Name, e.Line, e.Column, e.Err)
}

// Unwrap returns the cause.
func (e *PricedError) Unwrap() error { return e.Err }

// pricedStatuses are the values of the status column 'drg group' writes.
var pricedStatuses = []string{grouper.StatusOK.String(), grouper.StatusQY.String(), grouper.StatusUngroupable.String(), grouper.StatusCheckFailed.String()}

// ReadPriced reads a priced file, the CSV or TSV output of 'drg group' with
// payment columns, from r and calls fn for each case in order; name names
// the input in errors. It stops at the first error fn returns, and returns
// it unchanged.
//
// A value 'drg group' never writes is refused with a *PricedError naming
// name:line and the column: a number that does not parse, is negative or
// is above MaxCasePoints (weight, adjusted_weight, points,
// settlement_points) or MaxCaseAmount (payment); a pay_scheme other than
// drg or dip; a status other than a grouping status; a fixed_price other
// than 0 or 1; an unpaid other than "" or one of UnpaidReasons. One
// absurd but finite value (settlement points of 1e300) would otherwise
// take a whole settlement's pool. A header without one of PricedColumns,
// the CSV syntax and, with opts.IDs, a repeated case id are *PricedError
// values too; an error of opts.IDs itself (its run files) is returned as
// it is.
//
// fn's *PricedCase is valid only during the call; its strings are the
// caller's to keep.
func ReadPriced(r io.Reader, name string, opts PricedOptions, fn func(c *PricedCase) error) error {
	cr := csv.NewReader(bufio.NewReaderSize(r, 256<<10))
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return &PricedError{Name: name, Err: fmt.Errorf("header: %w", err)}
	}
	col := map[string]int{}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // drg group --excel starts with a byte-order mark
		}
		col[h] = i
	}
	for _, n := range PricedColumns {
		if _, ok := col[n]; !ok {
			return &PricedError{Name: name, Column: n, Err: fmt.Errorf("no column %q: settle reads the output of 'drg group' with payments (a rule set with a weights table)", n)}
		}
	}
	group := "drg"
	if _, ok := col[group]; !ok {
		group = "dip_group"
	}
	unpaid := UnpaidReasons()
	var c PricedCase
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &PricedError{Name: name, Err: err}
		}
		line, _ := cr.FieldPos(0)
		c = PricedCase{Line: line}
		refuse := func(column, format string, a ...any) error {
			return &PricedError{Name: name, Line: line, Column: column, Err: fmt.Errorf(format, a...)}
		}
		if opts.IDs != nil {
			rec := record.Record{ID: row[col["id"]]}
			dup, err := opts.IDs.Check(&rec, "")
			if err != nil {
				return err
			}
			if dup != nil {
				return &PricedError{Name: name, Line: line, Err: fmt.Errorf("case %s appears a second time (in this file or an earlier one): each case is settled once%w", rec.ID, errSilent{ErrDuplicateCase})}
			}
		}
		// Every number is bounded as the record reader bounds a cost.
		num := func(name string, max float64) (float64, error) {
			v, err := record.ParseNumber(row[col[name]])
			if err != nil || v < 0 {
				return 0, refuse(name, "%q is not a finite, non-negative number", row[col[name]])
			}
			if v > max {
				return 0, refuse(name, "%s is above %g, beyond any real case", row[col[name]], max)
			}
			return v, nil
		}
		p := &c.Payment
		// One case is paid under one scheme: "both" is a grouping choice,
		// never a pay_scheme 'drg group' writes.
		scheme, err := grouper.ParseScheme(row[col["pay_scheme"]])
		if err != nil || scheme == grouper.SchemeBoth {
			return refuse("pay_scheme", "%q is not drg or dip", row[col["pay_scheme"]])
		}
		p.Scheme = scheme
		// The grouping status is not used to settle, but a value 'drg
		// group' never writes means the file is not what it seems.
		if i, ok := col["status"]; ok && !slices.Contains(pricedStatuses, row[i]) {
			return refuse("status", "%q is not one of %s", row[i], strings.Join(pricedStatuses, ", "))
		}
		if scheme == grouper.SchemeDIP {
			if i, ok := col["dip_group"]; ok {
				p.Group = strings.Clone(row[i])
			}
		} else if i, ok := col[group]; ok {
			p.Group = strings.Clone(row[i])
		}
		for _, f := range []struct {
			name string
			dst  *float64
			max  float64
		}{
			{"weight", &p.BaseWeight, MaxCasePoints},
			{"adjusted_weight", &p.AdjustedWeight, MaxCasePoints},
			{"points", &p.Points, MaxCasePoints},
			{"settlement_points", &p.SettlementPoints, MaxCasePoints},
			{"payment", &p.Amount, MaxCaseAmount},
		} {
			if *f.dst, err = num(f.name, f.max); err != nil {
				return err
			}
		}
		// Anything but 0 or 1 was once read as "not a fixed price": a
		// case meant to be paid its price would have been pooled.
		switch v := row[col["fixed_price"]]; v {
		case "0":
		case "1":
			p.FixedPrice = true
		default:
			return refuse("fixed_price", "%q is not 0 or 1", v)
		}
		// A reason Compute never gives (a typo, an edited file) would
		// still leave the case unpaid, silently.
		if v := row[col["unpaid"]]; v != "" && !slices.Contains(unpaid, v) {
			return refuse("unpaid", "%q is not blank or a reason 'drg group' gives for an unpaid case (%s)", v, strings.Join(unpaid, ", "))
		}
		p.Reason = strings.Clone(row[col["unpaid"]])
		c.ID = strings.Clone(row[col["id"]])
		c.HospitalID = strings.Clone(row[col["hospital_id"]])
		if err := fn(&c); err != nil {
			return err
		}
	}
}

// errSilent wraps a sentinel for errors.Is without adding to the message.
type errSilent struct{ err error }

func (e errSilent) Error() string { return "" }
func (e errSilent) Unwrap() error { return e.err }
