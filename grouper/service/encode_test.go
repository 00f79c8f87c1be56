package service

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

// TestAppendMatchesJSON holds the group route's appenders to encoding/json:
// every sample record, grouped under DRG and DIP (the route groups DRG
// only; DIP fills the result's other fields), priced and not, with names
// and without, and ids that need escaping, encode to the same bytes as
// json.Marshal of the exported Result.
func TestAppendMatchesJSON(t *testing.T) {
	rs, err := grouper.Sample()
	if err != nil {
		t.Fatal(err)
	}
	g, err := grouper.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	tab, _ := weights.TableFromRuleSet(rs)
	pol, _ := weights.SamplePolicy()
	calc, err := weights.New(pol, tab)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := record.Open("../../examples/sample.csv", record.Options{NoDuplicateCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	ids := []string{"", "<a&b>", "引号\"和\\反斜杠", "tab\there\nline", "\u2028\u2029", "bad\xffutf8", "\x00\x1f\x7f"}
	n := 0
	for {
		var rec record.Record
		err := rd.Read(&rec)
		if err == io.EOF {
			break
		}
		var bad *record.Error
		if errors.As(err, &bad) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, scheme := range []grouper.Scheme{grouper.SchemeDRG, grouper.SchemeBoth} {
			a := answer{id: rec.ID, res: g.GroupScheme(&rec, scheme, nil)}
			if n%3 == 0 {
				a.id = ids[(n/3)%len(ids)]
			}
			for _, priced := range []bool{false, true} {
				a.priced = priced
				if priced {
					calc.Compute(&rec, &a.res, grouper.SchemeDRG, &a.pay)
				}
				a.names = nil
				if n%2 == 0 {
					a.names = map[string]string{a.res.MDC: g.Name(a.res.MDC), a.res.DRG: g.Name(a.res.DRG), "<x>": "名\u2028"}
				}
				got, err := appendAnswer(nil, &a, "sample@1")
				if err != nil {
					t.Fatal(err)
				}
				want, err := json.Marshal(a.result("sample@1"))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != string(want) {
					t.Fatalf("record %s:\n got %s\nwant %s", rec.ID, got, want)
				}
				n++
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d answers compared", n)
	}
	var a answer
	a.res.DIP.Score = math.NaN()
	if _, err := appendAnswer(nil, &a, ""); !errors.Is(err, errNotFinite) {
		t.Errorf("NaN: %v", err)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "K80.100", "<script>&", "\"\\\b\f\n\r\t\x00\x1f", "\u2028\u2029\u2027", "\xff\xfe", "名称\xe4\xb8", "\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0, math.Copysign(0, -1), 1, 1.1, 1e-6, 9.99e-7, 1e21, 1e20, -1e-9, 123456.789, 5e-324, math.MaxFloat64} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		want, err := json.Marshal(v)
		got, gerr := appendFloat(nil, v)
		if (err != nil) != (gerr != nil) {
			t.Fatalf("%v: errors %v and %v", v, gerr, err)
		}
		if err == nil && string(got) != string(want) {
			t.Fatalf("%v: got %s, want %s", v, got, want)
		}
	})
}

// TestAppendFloatHundredths covers the hundredths fast path densely: every
// value k/100 and k×0.01 (another double for some k) near zero and near the
// bound, against encoding/json.
func TestAppendFloatHundredths(t *testing.T) {
	check := func(v float64) {
		want, _ := json.Marshal(v)
		got, err := appendFloat(nil, v)
		if err != nil || string(got) != string(want) {
			t.Fatalf("%v: got %s (%v), want %s", v, got, err, want)
		}
	}
	for k := int64(-300000); k <= 300000; k++ {
		check(float64(k) / 100)
		check(float64(k) * 0.01)
	}
	for _, base := range []int64{1e12, 1e13, 1e14, 1e15, 1e16, 9007199254740992} {
		for k := int64(-1000); k <= 1000; k++ {
			check(float64(base+k) / 100)
			check(float64(-base-k) / 100)
		}
	}
	check(math.Copysign(0, -1))
}
