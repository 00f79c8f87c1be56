package calibrate

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ErrInput reports a grouped file calibration cannot read.
var ErrInput = errors.New("calibrate: input")

// ReadCases streams the cases of a grouped file, as `drg group --costs`
// writes it (CSV or TSV, by its header), to fn: each row's group, from
// column group ("drg" or "dip_group"), and its total_cost. A blank or
// unreadable cost is passed as 0, which Observe counts as unusable; a
// row with another number of columns is an error naming its line.
func ReadCases(r io.Reader, group string, fn func(group string, cost float64) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(4096)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	first, _, _ := bytes.Cut(head, []byte{'\n'})
	cr := csv.NewReader(br)
	if bytes.Count(first, []byte{'\t'}) > bytes.Count(first, []byte{','}) {
		cr.Comma = '\t'
	}
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%w: header: %w", ErrInput, err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	gi, ci := slices.Index(header, group), slices.Index(header, "total_cost")
	if gi < 0 || ci < 0 {
		return fmt.Errorf("%w: header lacks %s or total_cost (write the grouped file with drg group --costs)", ErrInput, group)
	}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInput, err)
		}
		cost, err := strconv.ParseFloat(row[ci], 64)
		if err != nil || math.IsNaN(cost) {
			cost = 0
		}
		if err := fn(row[gi], cost); err != nil {
			line, _ := cr.FieldPos(gi)
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
}

// WriteTable writes the weights as a weight table (weights.tsv) of scheme
// ("drg" or "dip"): each group's weight, and its mean cost as the standard
// cost the outlier thresholds are multiples of.
func (r *Result) WriteTable(w io.Writer, scheme string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# calibrated from %d cases (%d kept), base %.2f yuan, RIV %.4f, CMI %.4f\n", r.Cases, r.Kept, r.Base, r.RIV, r.CMI)
	bw.WriteString("scheme\tgroup\tweight\tstandard_cost\tname\n")
	for _, g := range r.Groups {
		note := fmt.Sprintf("%d cases, %d kept, CV %.3f", g.Cases, g.Kept, g.CV)
		if g.Fallback != "" {
			note += ", " + g.Fallback
		}
		fmt.Fprintf(bw, "%s\t%s\t%s\t%s\t%s\n", scheme, g.Code, strconv.FormatFloat(g.Weight, 'f', 4, 64), strconv.FormatFloat(g.Weight*r.Base, 'f', 2, 64), note)
	}
	return bw.Flush()
}
