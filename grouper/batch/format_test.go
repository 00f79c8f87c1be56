package batch

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

func TestAppendFixed(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		prec int
		want string
	}{
		{0, 2, "0.00"}, {8364.51, 2, "8364.51"}, {0.781, 4, "0.7810"}, {78.1, 4, "78.1000"},
		{-3.5, 2, "-3.50"}, {0.005, 2, "0.01"}, {1234567.891, 2, "1234567.89"}, {7, 0, "7"}, {0.000001, 6, "0.000001"},
		{83.6451, 6, "83.645100"}, {1e20, 2, "100000000000000000000.00"},
		// Past 2^53 scaled units the integer path would lose digits: strconv.
		{math.NaN(), 2, "NaN"}, {math.Inf(1), 4, "+Inf"}, {math.Inf(-1), 0, "-Inf"},
		{1 << 60, 0, "1152921504606846976"}, {-(1 << 60), 0, "-1152921504606846976"},
	} {
		if got := string(appendFixed(nil, tc.v, tc.prec)); got != tc.want {
			t.Errorf("appendFixed(%v, %d) = %q, want %q", tc.v, tc.prec, got, tc.want)
		}
	}
	// Either side of 2^53 scaled units, where it hands over to strconv.
	for prec := range 7 {
		for k := int64(-4); k <= 4; k++ {
			v := float64(int64(1)<<53+k) / math.Pow10(prec)
			for _, v := range []float64{v, -v} {
				if got, want := string(appendFixed(nil, v, prec)), strconv.FormatFloat(v, 'f', prec, 64); got != want {
					t.Errorf("appendFixed(%v, %d) = %s, strconv %s", v, prec, got, want)
				}
			}
		}
	}
	// Every digit count and precision: v = n/10^prec prints as n with the
	// point put back.
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 200000; i++ {
		prec := r.IntN(7)
		n := r.Int64N(int64(1) << r.IntN(50))
		if i%2 == 1 {
			n = -n
		}
		pow := math.Pow10(prec)
		digits := strconv.FormatInt(max(n, -n), 10)
		for len(digits) <= prec {
			digits = "0" + digits
		}
		want := digits[:len(digits)-prec]
		if prec > 0 {
			want += "." + digits[len(digits)-prec:]
		}
		if n < 0 {
			want = "-" + want
		}
		if got := string(appendFixed([]byte("x"), float64(n)/pow, prec)); got != "x"+want {
			t.Fatalf("appendFixed(%d/1e%d, %d) = %q, want %q", n, prec, prec, got[1:], want)
		}
	}
	// Agrees with strconv away from exact decimal ties.
	for i := 0; i < 100000; i++ {
		v := float64(i)*1.37 + 0.0003
		if got, want := string(appendFixed(nil, v, 4)), strconv.FormatFloat(v, 'f', 4, 64); got != want {
			t.Fatalf("appendFixed(%v, 4) = %s, strconv %s", v, got, want)
		}
	}
}

// SampleGrouper, SamplePricing, Pricing and GroupedRecords are for the
// external tests of batch_test.
var (
	SampleGrouper  = sampleGrouper
	SamplePricing  = samplePricing
	Pricing        = pricing
	GroupedRecords = groupedRecords
)

// groupedRecords reads rd's accepted records and groups and prices each
// with g and calc.
func groupedRecords(tb testing.TB, rd *record.Reader, g *grouper.Grouper, calc *weights.Calculator) ([]record.Record, []grouper.Result, []weights.Payment) {
	tb.Helper()
	var recs []record.Record
	for {
		var rec record.Record
		err := rd.Read(&rec)
		if err == io.EOF {
			break
		}
		if err == nil {
			recs = append(recs, rec)
		}
	}
	results := make([]grouper.Result, len(recs))
	pays := make([]weights.Payment, len(recs))
	for i := range recs {
		results[i] = g.Group(&recs[i])
		calc.Compute(&recs[i], &results[i], grouper.SchemeDRG, &pays[i])
	}
	return recs, results, pays
}

// sampleGrouper returns the embedded sample rule set and its compiled grouper.
func sampleGrouper(t testing.TB) (*grouper.RuleSet, *grouper.Grouper) {
	t.Helper()
	rs, err := grouper.Sample()
	if err != nil {
		t.Fatal(err)
	}
	g, err := grouper.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	return rs, g
}

// samplePricing compiles the sample rule set and prices under the sample
// policy with its weights table.
func samplePricing(t testing.TB) (*grouper.Grouper, *weights.Calculator) {
	t.Helper()
	rs, _ := sampleGrouper(t)
	return pricing(t, rs)
}

// pricing compiles rs and prices under the sample policy with rs's
// weights table.
func pricing(t testing.TB, rs *grouper.RuleSet) (*grouper.Grouper, *weights.Calculator) {
	t.Helper()
	g, err := grouper.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	table, err := weights.TableFromRuleSet(rs)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := weights.SamplePolicy()
	if err != nil {
		t.Fatal(err)
	}
	calc, err := weights.New(policy, table)
	if err != nil {
		t.Fatal(err)
	}
	return g, calc
}

// TestFormatsAgree holds the CSV and TSV rows, written by their own fast
// path, to the JSON Lines rows field by field: every column of every
// option (DRG and DIP, payments, an extra column, the trace), on records
// whose values need quoting.
func TestFormatsAgree(t *testing.T) {
	g, calc := samplePricing(t)
	sample, err := os.ReadFile("../../examples/sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	// The README's sample records, each followed by a copy under an id
	// that needs quoting.
	var in bytes.Buffer
	lines := strings.SplitAfter(strings.TrimSpace(string(sample)), "\n")
	in.WriteString(lines[0])
	for i, l := range lines[1:] {
		in.WriteString(l)
		id, rest, _ := strings.Cut(l, ",")
		hospital, rest, _ := strings.Cut(rest, ",")
		fmt.Fprintf(&in, "\"%s,\"\"%d\"\"\",\"%s,\"\"x\"\"\",%s", id, i, hospital, rest)
		if !strings.HasSuffix(rest, "\n") {
			in.WriteString("\n")
		}
	}
	extra := Column{Name: "note", Append: func(dst []byte, rec *record.Record, _ *grouper.Result) []byte {
		return append(dst, rec.HospitalID+`, "ward"`...)
	}}
	for _, opts := range []Options{
		{},
		{Scheme: grouper.SchemeDRG | grouper.SchemeDIP, Payment: calc, Explain: true, Columns: []Column{extra}},
		{Scheme: grouper.SchemeDIP, Payment: calc},
	} {
		cols := Columns(opts)
		var want [][]string
		for _, f := range []record.Format{record.FormatJSONL, record.FormatCSV, record.FormatTSV} {
			opts.Format = f
			rd, err := record.NewReader(bytes.NewReader(in.Bytes()), record.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			st, err := Run(context.Background(), g, rd, &out, nil, opts)
			if err != nil {
				t.Fatal(err)
			}
			rows := readRows(t, f, out.Bytes(), cols)
			if f != record.FormatJSONL {
				if len(rows) == 0 || !slices.Equal(rows[0], cols) {
					t.Fatalf("format %v: header %q, want %q", f, rows[0], cols)
				}
				rows = rows[1:]
			}
			if int64(len(rows)) != st.Grouped || st.Grouped < 100 {
				t.Fatalf("format %v: %d rows for %d grouped records", f, len(rows), st.Grouped)
			}
			if want == nil {
				want = rows
				continue
			}
			for i := range rows {
				if !slices.Equal(rows[i], want[i]) {
					t.Fatalf("format %v, columns %q, row %d:\n got %q\nwant %q (JSON Lines)", f, cols, i, rows[i], want[i])
				}
			}
		}
	}
}

// TestFormatsAgreeOnAwkwardValues formats one row whose every string holds
// a separator, a quote or a line break, with a fixed price, under each
// format, and holds CSV and TSV to JSON Lines.
func TestFormatsAgreeOnAwkwardValues(t *testing.T) {
	rec := record.Record{ID: "id,1", HospitalID: "H\"1\t,\n"}
	res := grouper.Result{Status: grouper.StatusOK, Reason: "r,\"", MDC: "M\t", ADRG: "A\nB", DRG: "D,\r", PrincipalDx: "P\"",
		TCMSource: "T,", CCLevel: grouper.CCLevelMCC, CCCode: "C\t\"", Trace: &grouper.Trace{Steps: []grouper.Step{{Stage: "mdc", Code: "X,\"Y"}}},
		DIP: grouper.DIPResult{Group: "G,\"1", Kind: grouper.DIPCore, Score: 1234.5678, Reason: "why\t\n"}}
	pay := weights.Payment{Scheme: grouper.SchemeDIP, BaseWeight: -0.00004, AdjustedWeight: 12.34565, Points: 1e6, SettlementPoints: 0.0000005,
		Outlier: weights.OutlierHigh, Amount: 5200, FixedPrice: true, Reason: "no,\"reason"}
	pay.Adjustments[0] = weights.Adjustment{Name: "fixed_price", Op: weights.OpSet, Amount: 5200, Source: "tcm_fixed_price[\"a,b\"]\t"}
	pay.NumAdjustments = 1
	extra := Column{Name: "note", Append: func(dst []byte, rec *record.Record, _ *grouper.Result) []byte {
		return append(dst, "n\"o,t\te"...)
	}}
	opts := Options{Scheme: grouper.SchemeDRG | grouper.SchemeDIP, Payment: &weights.Calculator{}, Explain: true, Columns: []Column{extra}}
	cols := Columns(opts)
	var want []string
	for _, f := range []record.Format{record.FormatJSONL, record.FormatCSV, record.FormatTSV} {
		opts.Format = f
		fm := newFormatter(opts)
		out := fm.row(fm.header(nil), &rec, &res, &pay)
		rows := readRows(t, f, out, cols)
		if f != record.FormatJSONL {
			rows = rows[1:]
		}
		if len(rows) != 1 {
			t.Fatalf("format %v: %d rows in %q", f, len(rows), out)
		}
		if want == nil {
			want = rows[0]
			if want[0] != rec.ID || want[len(want)-2] != "n\"o,t\te" || !slices.Contains(want, "1") {
				t.Fatalf("JSON Lines row %q", want)
			}
			continue
		}
		if !slices.Equal(rows[0], want) {
			t.Errorf("format %v:\n got %q\nwant %q (JSON Lines)", f, rows[0], want)
		}
	}
}

// readRows reads output rows back into strings in column order: CSV and
// TSV with encoding/csv (the header is the first row), JSON Lines by the
// column names, numbers as written.
func readRows(t *testing.T, f record.Format, out []byte, cols []string) [][]string {
	t.Helper()
	if f != record.FormatJSONL {
		r := csv.NewReader(bytes.NewReader(out))
		if f == record.FormatTSV {
			r.Comma = '\t'
		}
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		return rows
	}
	var rows [][]string
	for _, l := range bytes.Split(bytes.TrimSpace(out), []byte{'\n'}) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		row := make([]string, len(cols))
		for i, c := range cols {
			raw, ok := m[c]
			if !ok {
				t.Fatalf("%s lacks %q", l, c)
			}
			row[i] = string(raw)
			if len(raw) > 0 && raw[0] == '"' {
				if err := json.Unmarshal(raw, &row[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// BenchmarkFormatRow formats the README's sample records, grouped and
// priced under the sample rule set and policy, as CSV and JSON Lines rows.
func BenchmarkFormatRow(b *testing.B) {
	g, calc := samplePricing(b)
	rd, err := record.Open("../../examples/sample.csv", record.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer rd.Close()
	recs, results, pays := groupedRecords(b, rd, g, calc)
	for _, f := range []record.Format{record.FormatCSV, record.FormatJSONL} {
		b.Run(f.String(), func(b *testing.B) {
			fm := newFormatter(Options{Format: f, Payment: calc})
			var dst []byte
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				i := n % len(recs)
				dst = fm.row(dst[:0], &recs[i], &results[i], &pays[i])
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
