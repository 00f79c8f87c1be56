package record

import (
	"errors"
	"strings"
	"testing"
)

// TestNormalize: a record built in code gets what a file record gets. The
// cases the issue found: a lower-case, padded or full-width principal gave
// 0000 UNKNOWN_PRINCIPAL_DX, and a Present mask with only HasSex turned a
// given age into AGE_MISSING.
func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Record
		pdx  string
		age  bool
	}{
		{"lower case", Record{ID: "a", PrincipalDx: "k80.100", AgeYears: 40}, "K80.100", true},
		{"padded", Record{ID: "b", PrincipalDx: " K80.100 ", AgeYears: 40}, "K80.100", true},
		{"full width", Record{ID: "c", PrincipalDx: "Ｋ８０．１００", AgeYears: 40}, "K80.100", true},
		{"partial Present", Record{ID: "d", PrincipalDx: "K80.100", Sex: 1, AgeYears: 40, Present: HasSex}, "K80.100", true},
		{"age 0 not given", Record{ID: "e", PrincipalDx: "K80.100", Sex: 1, Present: HasSex}, "K80.100", false},
	} {
		got, err := Normalize(&tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got.PrincipalDx != tc.pdx || got.AgeGiven() != tc.age || got.ID != tc.in.ID {
			t.Errorf("%s: principal %q, age given %t; want %q, %t", tc.name, got.PrincipalDx, got.AgeGiven(), tc.pdx, tc.age)
		}
	}
	for _, tc := range []struct {
		in    Record
		field string
		cause error
	}{
		{Record{ID: "x", PrincipalDx: "K8"}, "principal_dx", ErrInvalidCode},
		{Record{ID: "y", PrincipalDx: "K80.100", AgeYears: 200}, "age_years", ErrOutOfRange},
		{Record{ID: "z", PrincipalDx: "K80.100", AdmitDate: DateOf(2024, 5, 2), DischargeDate: DateOf(2024, 5, 1)}, "discharge_date", ErrDateOrder},
		{Record{PrincipalDx: "K80.100"}, "id", ErrMissingID},
	} {
		_, err := Normalize(&tc.in)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, tc.cause) || e.Field != tc.field && tc.field != "id" {
			t.Errorf("%+v: %v, want an *Error on %s wrapping %v", tc.in, err, tc.field, tc.cause)
		}
	}
}

// TestRejectUnknownFields: with the option, a JSON record with a key that
// is no column is rejected naming the key and the record; without it the
// key is ignored, as in files.
func TestRejectUnknownFields(t *testing.T) {
	in := `{"id":"a","principal_dx":"K80.100","colour":"red"}` + "\n"
	for _, strict := range []bool{false, true} {
		rd, err := NewReader(strings.NewReader(in), Options{Format: FormatJSONL, RejectUnknownFields: strict})
		if err != nil {
			t.Fatal(err)
		}
		var rec Record
		err = rd.Read(&rec)
		var e *Error
		switch {
		case !strict && err != nil:
			t.Errorf("lenient: %v", err)
		case strict && (!errors.As(err, &e) || e.Field != "colour" || e.ID != "a" || e.Reason() != "unknown_field"):
			t.Errorf("strict: %v", err)
		}
	}
}
