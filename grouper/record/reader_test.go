package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/medpay/drg/codes"
)

// readAll reads rd to the end, failing the test on a fatal error.
func readAll(t *testing.T, rd *Reader) (recs []Record, rejects []*Error) {
	t.Helper()
	var rec Record
	for {
		err := rd.Read(&rec)
		if err == io.EOF {
			return recs, rejects
		}
		var bad *Error
		if errors.As(err, &bad) {
			rejects = append(rejects, bad)
			continue
		}
		require.NoError(t, err)
		recs = append(recs, rec.Clone())
	}
}

// readString reads CSV (or whatever opts says) from s.
func readString(t *testing.T, s string, opts Options) ([]Record, []*Error, Stats) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(s), opts)
	require.NoError(t, err)
	defer rd.Close()
	recs, rejects := readAll(t, rd)
	st := rd.Stats()
	require.Equal(t, st.Accepted+st.Rejected, st.Records, "Records must be Accepted + Rejected")
	return recs, rejects, st
}

// testHeader has every standard column; base is a valid record for it.
var (
	testHeader = strings.Join(StandardColumns(), ",")
	base       = map[string]string{
		"id": "R1", "hospital_id": "H1", "hospital_level": "3", "hospital_kind": "general",
		"sex": "1", "age_years": "45", "admit_date": "2024-03-01", "discharge_date": "2024-03-05",
		"discharge_method": "1", "principal_dx": "K80.000x004", "secondary_dx": "I10.x00|E11.900",
		"procedures": "51.2300", "vent_hours": "0", "total_cost": "12000", "tcm_cost": "100", "day_ward": "0",
	}
)

// row returns a CSV line of the base record with the given fields replaced.
func row(over map[string]string) string {
	var cells []string
	for _, c := range StandardColumns() {
		v, ok := over[c]
		if !ok {
			v = base[c]
		}
		cells = append(cells, v)
	}
	return strings.Join(cells, ",")
}

func TestReadRejectReasons(t *testing.T) {
	okLine := row(nil)
	tests := []struct {
		name   string
		lines  []string // after the header
		reason string
		field  string
		line   int
		id     string
	}{
		{"bad quoting", []string{`R1,"H1"x,3,general,1,45,,,,,,,K80.0,,,,,,,,`}, "syntax", "hospital_id", 2, "R1"},
		{"too few fields", []string{"R1,H1,3"}, "syntax", "", 2, "R1"},
		{"too many fields", []string{okLine + ",extra"}, "syntax", "", 2, "R1"},
		{"unterminated quote", []string{`R1,"H1,3`}, "syntax", "", 2, ""},
		{"invalid UTF-8", []string{row(map[string]string{"hospital_id": "H\xff1"})}, "syntax", "hospital_id", 2, "R1"},
		{"NUL", []string{row(map[string]string{"hospital_id": "H\x001"})}, "syntax", "hospital_id", 2, "R1"},
		{"missing id", []string{row(map[string]string{"id": " "})}, "missing_id", "id", 2, ""},
		{"duplicate id", []string{okLine, row(map[string]string{"hospital_id": "H2"})}, "duplicate_id", "id", 3, "R1"},
		{"missing dx", []string{row(map[string]string{"principal_dx": ""})}, "missing_principal_dx", "principal_dx", 2, "R1"},
		{"bad principal dx", []string{row(map[string]string{"principal_dx": "K8"})}, "invalid_code", "principal_dx", 2, "R1"},
		{"bad secondary dx", []string{row(map[string]string{"secondary_dx": "I10.x00||Q?"})}, "invalid_code", "secondary_dx[2]", 2, "R1"},
		{"bad procedure", []string{row(map[string]string{"procedures": "ab.cd"})}, "invalid_code", "procedures[1]", 2, "R1"},
		{"bad tcm dx", []string{row(map[string]string{"tcm_principal_dx": "1234"})}, "invalid_code", "tcm_principal_dx", 2, "R1"},
		{"bad tcm syndrome", []string{row(map[string]string{"tcm_syndrome": "B"})}, "invalid_code", "tcm_syndrome", 2, "R1"},
		{"sex not a code", []string{row(map[string]string{"sex": "X"})}, "invalid_value", "sex", 2, "R1"},
		{"age not a number", []string{row(map[string]string{"age_years": "abc"})}, "invalid_value", "age_years", 2, "R1"},
		{"age fraction", []string{row(map[string]string{"age_years": "4.5"})}, "invalid_value", "age_years", 2, "R1"},
		{"no such month", []string{row(map[string]string{"admit_date": "2024-13-01"})}, "invalid_value", "admit_date", 2, "R1"},
		{"not a date", []string{row(map[string]string{"discharge_date": "05/03/2024"})}, "invalid_value", "discharge_date", 2, "R1"},
		{"day ward", []string{row(map[string]string{"day_ward": "maybe"})}, "invalid_value", "day_ward", 2, "R1"},
		{"cost not a number", []string{row(map[string]string{"total_cost": "12k"})}, "invalid_value", "total_cost", 2, "R1"},
		{"cost NaN", []string{row(map[string]string{"total_cost": "NaN"})}, "invalid_value", "total_cost", 2, "R1"},
		{"cost Go digit separator", []string{row(map[string]string{"total_cost": "12_000"})}, "invalid_value", "total_cost", 2, "R1"},
		{"cost hex float", []string{row(map[string]string{"total_cost": "0x1p4"})}, "invalid_value", "total_cost", 2, "R1"},
		{"cost infinity", []string{row(map[string]string{"total_cost": "infinity"})}, "invalid_value", "total_cost", 2, "R1"},
		{"vent hours hex float", []string{row(map[string]string{"vent_hours": "0X1P2"})}, "invalid_value", "vent_hours", 2, "R1"},
		{"level text", []string{row(map[string]string{"hospital_level": "top"})}, "invalid_value", "hospital_level", 2, "R1"},
		{"age over 150", []string{row(map[string]string{"age_years": "151"})}, "out_of_range", "age_years", 2, "R1"},
		{"negative age", []string{row(map[string]string{"age_years": "-1"})}, "out_of_range", "age_years", 2, "R1"},
		{"age days over 365", []string{row(map[string]string{"age_days": "366"})}, "out_of_range", "age_days", 2, "R1"},
		{"negative age days", []string{row(map[string]string{"age_days": "-1"})}, "out_of_range", "age_days", 2, "R1"},
		{"birth weight", []string{row(map[string]string{"birth_weight_g": "10001"})}, "out_of_range", "birth_weight_g", 2, "R1"},
		{"negative los", []string{row(map[string]string{"los_days": "-1"})}, "out_of_range", "los_days", 2, "R1"},
		{"los over 3650", []string{row(map[string]string{"los_days": "3651"})}, "out_of_range", "los_days", 2, "R1"},
		{"huge number", []string{row(map[string]string{"los_days": "99999999999999999999"})}, "out_of_range", "los_days", 2, "R1"},
		{"negative cost", []string{row(map[string]string{"total_cost": "-0.01"})}, "out_of_range", "total_cost", 2, "R1"},
		{"negative tcm cost", []string{row(map[string]string{"tcm_cost": "-1"})}, "out_of_range", "tcm_cost", 2, "R1"},
		{"tcm above total", []string{row(map[string]string{"tcm_cost": "12000.01"})}, "out_of_range", "tcm_cost", 2, "R1"},
		{"negative vent", []string{row(map[string]string{"vent_hours": "-3"})}, "out_of_range", "vent_hours", 2, "R1"},
		{"vent over ten years", []string{row(map[string]string{"vent_hours": "87600.5"})}, "out_of_range", "vent_hours", 2, "R1"},
		{"cost over 1e9", []string{row(map[string]string{"total_cost": "1000000000.01"})}, "out_of_range", "total_cost", 2, "R1"},
		{"cost 1e308", []string{row(map[string]string{"total_cost": "1e308"})}, "out_of_range", "total_cost", 2, "R1"},
		{"tcm cost over 1e9", []string{row(map[string]string{"total_cost": "", "tcm_cost": "2e9"})}, "out_of_range", "tcm_cost", 2, "R1"},
		{"level 4", []string{row(map[string]string{"hospital_level": "4"})}, "out_of_range", "hospital_level", 2, "R1"},
		{"sex 3", []string{row(map[string]string{"sex": "3"})}, "out_of_range", "sex", 2, "R1"},
		{"discharge method 6", []string{row(map[string]string{"discharge_method": "6"})}, "out_of_range", "discharge_method", 2, "R1"},
		{"year 1800", []string{row(map[string]string{"admit_date": "1800-01-01"})}, "out_of_range", "admit_date", 2, "R1"},
		{"stay over 3650 days", []string{row(map[string]string{"admit_date": "1990-01-01"})}, "out_of_range", "discharge_date", 2, "R1"},
		{"date order", []string{row(map[string]string{"admit_date": "2024-03-06"})}, "date_order", "discharge_date", 2, "R1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := testHeader + "\n" + strings.Join(tt.lines, "\n") + "\n"
			_, rejects, st := readString(t, in, Options{})
			require.Len(t, rejects, 1, "rejects")
			e := rejects[0]
			assert.Equal(t, tt.reason, e.Reason(), "Reason() (error: %v)", e)
			assert.Equal(t, tt.field, e.Field, "Field (error: %v)", e)
			assert.Equal(t, tt.line, e.Line, "Line")
			assert.Equal(t, tt.id, e.ID, "ID")
			assert.Equal(t, tt.lines[len(tt.lines)-1], e.Raw, "Raw")
			assert.Equal(t, int64(len(tt.lines)), st.Records, "Records")
		})
	}
}

// TestReadInvalidCodeCause checks that an invalid code wraps both the
// sentinel and the *codes.CodeError.
// TestParseNumber: the decimal syntax of exports and spreadsheets, and none
// of the other literals strconv.ParseFloat reads.
func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		is   error
	}{
		{"0", 0, nil},
		{"12345.67", 12345.67, nil},
		{"-1.5", -1.5, nil},
		{"+96", 96, nil},
		{".5", 0.5, nil},
		{"100.", 100, nil},
		{"1.321087E4", 13210.87, nil},
		{"2.5e+2", 250, nil},
		{"12345678901234567890", 12345678901234567890, nil},
		{"1e-400", 0, nil},
		{"", 0, ErrInvalidValue},
		{"1_000", 0, ErrInvalidValue},
		{"0x1p4", 0, ErrInvalidValue},
		{"0X1P4", 0, ErrInvalidValue},
		{"NaN", 0, ErrInvalidValue},
		{"Inf", 0, ErrInvalidValue},
		{"-infinity", 0, ErrInvalidValue},
		{"1,000", 0, ErrInvalidValue},
		{"１００", 0, ErrInvalidValue},
		{"1e", 0, ErrInvalidValue},
		{"e5", 0, ErrInvalidValue},
		{"--1", 0, ErrInvalidValue},
		{" 1", 0, ErrInvalidValue},
		{"1e400", 0, ErrOutOfRange},
		{"-1e400", 0, ErrOutOfRange},
	} {
		got, err := ParseNumber(tc.in)
		if tc.is != nil {
			if !errors.Is(err, tc.is) {
				t.Errorf("ParseNumber(%q) = %v, %v; want an error wrapping %v", tc.in, got, err, tc.is)
			}
			continue
		}
		if err != nil || math.Abs(got-tc.want) > 1e-9*math.Abs(tc.want) {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestReadInvalidCodeCause(t *testing.T) {
	_, rejects, _ := readString(t, testHeader+"\n"+row(map[string]string{"principal_dx": "K8"}), Options{})
	require.Len(t, rejects, 1)
	err := rejects[0]
	assert.ErrorIs(t, err, ErrInvalidCode)
	var ce *codes.CodeError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "K8", ce.Code)
	assert.Equal(t, codes.SystemDiagnosis, ce.System)
}

func TestReadValues(t *testing.T) {
	tests := []struct {
		name  string
		over  map[string]string
		check func(t *testing.T, r Record)
	}{
		{"sex 男", map[string]string{"sex": "男"}, func(t *testing.T, r Record) { assert.Equal(t, int8(1), r.Sex) }},
		{"sex 女", map[string]string{"sex": "女"}, func(t *testing.T, r Record) { assert.Equal(t, int8(2), r.Sex) }},
		{"sex F", map[string]string{"sex": "F"}, func(t *testing.T, r Record) { assert.Equal(t, int8(2), r.Sex) }},
		{"sex 1.0", map[string]string{"sex": "1.0"}, func(t *testing.T, r Record) { assert.Equal(t, int8(1), r.Sex) }},
		{"sex 9", map[string]string{"sex": "9"}, func(t *testing.T, r Record) { assert.Equal(t, int8(9), r.Sex) }},
		{"sex blank", map[string]string{"sex": ""}, func(t *testing.T, r Record) {
			assert.Equal(t, int8(0), r.Sex)
			assert.Zero(t, r.Present&HasSex, "HasSex")
		}},
		{"level 二级", map[string]string{"hospital_level": "二级"}, func(t *testing.T, r Record) { assert.Equal(t, int8(2), r.HospitalLevel) }},
		{"level 三级甲等", map[string]string{"hospital_level": "三级甲等"}, func(t *testing.T, r Record) { assert.Equal(t, int8(3), r.HospitalLevel) }},
		{"level 1.0", map[string]string{"hospital_level": "1.0"}, func(t *testing.T, r Record) { assert.Equal(t, int8(1), r.HospitalLevel) }},
		{"kind 中医", map[string]string{"hospital_kind": "中医"}, func(t *testing.T, r Record) { assert.Equal(t, "tcm", r.HospitalKind) }},
		{"kind TCM", map[string]string{"hospital_kind": "TCM"}, func(t *testing.T, r Record) { assert.Equal(t, "tcm", r.HospitalKind) }},
		{"date slashes", map[string]string{"admit_date": "2024/3/5", "discharge_date": "2024/03/07"}, func(t *testing.T, r Record) {
			assert.Equal(t, DateOf(2024, 3, 5), r.AdmitDate)
			assert.Equal(t, DateOf(2024, 3, 7), r.DischargeDate)
		}},
		{"date compact", map[string]string{"admit_date": "20240305", "discharge_date": "20240307120000"}, func(t *testing.T, r Record) {
			assert.Equal(t, DateOf(2024, 3, 5), r.AdmitDate)
			assert.Equal(t, DateOf(2024, 3, 7), r.DischargeDate)
		}},
		{"date with time", map[string]string{"admit_date": "2024-03-05 08:30:00", "discharge_date": "2024-03-07T17:45:00+08:00"}, func(t *testing.T, r Record) {
			assert.Equal(t, DateOf(2024, 3, 5), r.AdmitDate)
			assert.Equal(t, DateOf(2024, 3, 7), r.DischargeDate)
		}},
		{"los derived", map[string]string{"admit_date": "2024-02-27", "discharge_date": "2024-03-02"}, func(t *testing.T, r Record) {
			assert.Equal(t, int32(4), r.LOSDays, "2024 is a leap year")
			assert.NotZero(t, r.Present&HasLOS, "HasLOS")
		}},
		{"los same day", map[string]string{"admit_date": "2024-03-05", "discharge_date": "2024-03-05"}, func(t *testing.T, r Record) {
			assert.Equal(t, int32(1), r.LOSDays)
		}},
		{"los given wins", map[string]string{"los_days": "9"}, func(t *testing.T, r Record) { assert.Equal(t, int32(9), r.LOSDays) }},
		{"los blank no dates", map[string]string{"admit_date": ""}, func(t *testing.T, r Record) {
			assert.Zero(t, r.LOSDays)
			assert.Zero(t, r.Present&HasLOS, "HasLOS")
		}},
		{"day ward 是", map[string]string{"day_ward": "是"}, func(t *testing.T, r Record) { assert.True(t, r.DayWard) }},
		{"day ward true", map[string]string{"day_ward": "TRUE"}, func(t *testing.T, r Record) { assert.True(t, r.DayWard) }},
		{"day ward N", map[string]string{"day_ward": "N"}, func(t *testing.T, r Record) { assert.False(t, r.DayWard) }},
		{"costs", map[string]string{"total_cost": "12345.67", "tcm_cost": "0.5", "vent_hours": "96.5"}, func(t *testing.T, r Record) {
			assert.Equal(t, 12345.67, r.TotalCost)
			assert.Equal(t, 0.5, r.TCMCost)
			assert.Equal(t, 96.5, r.VentHours)
			assert.Equal(t, HasTotalCost|HasTCMCost|HasVentHours, r.Present&(HasTotalCost|HasTCMCost|HasVentHours))
		}},
		{"exponent, as spreadsheets write", map[string]string{"total_cost": "1.321087E4", "tcm_cost": "2.5e+2", "vent_hours": "+96"}, func(t *testing.T, r Record) {
			assert.InDelta(t, 13210.87, r.TotalCost, 1e-9)
			assert.Equal(t, 250.0, r.TCMCost)
			assert.Equal(t, 96.0, r.VentHours)
		}},
		{"largest amounts", map[string]string{"total_cost": "1000000000", "tcm_cost": "999999999.99", "vent_hours": "87600"}, func(t *testing.T, r Record) {
			assert.Equal(t, 1e9, r.TotalCost)
			assert.Equal(t, 999999999.99, r.TCMCost)
			assert.Equal(t, 87600.0, r.VentHours)
		}},
		{"blank numbers", map[string]string{"age_years": "", "total_cost": "", "tcm_cost": " ", "vent_hours": ""}, func(t *testing.T, r Record) {
			assert.Zero(t, r.AgeYears)
			assert.Zero(t, r.Present&(HasAgeYears|HasTotalCost|HasTCMCost|HasVentHours))
		}},
		{"newborn", map[string]string{"age_years": "0", "age_days": "12", "birth_weight_g": "2450"}, func(t *testing.T, r Record) {
			assert.Equal(t, int16(12), r.AgeDays)
			assert.Equal(t, int32(2450), r.BirthWeightG)
			assert.Equal(t, HasAgeYears|HasAgeDays|HasBirthWeight, r.Present&(HasAgeYears|HasAgeDays|HasBirthWeight))
		}},
		{"codes normalised", map[string]string{"principal_dx": " k80.000X004 ", "secondary_dx": "i10.x00| |E119|", "procedures": "5123.00"}, func(t *testing.T, r Record) {
			assert.Equal(t, "K80.000x004", r.PrincipalDx)
			assert.Equal(t, []string{"I10.x00", "E11.9"}, r.SecondaryDx)
			assert.Equal(t, []string{"51.2300"}, r.Procedures)
		}},
		{"tcm only", map[string]string{"principal_dx": "", "tcm_principal_dx": "a04.03.03", "tcm_syndrome": "B02.01.04"}, func(t *testing.T, r Record) {
			assert.Equal(t, "", r.PrincipalDx)
			assert.Equal(t, "A04.03.03", r.TCMPrincipalDx)
			assert.Equal(t, "B02.01.04", r.TCMSyndrome)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, rejects, _ := readString(t, testHeader+"\n"+row(tt.over)+"\n", Options{})
			require.Empty(t, rejects)
			require.Len(t, recs, 1)
			tt.check(t, recs[0])
		})
	}
}

func TestReadHeader(t *testing.T) {
	t.Run("BOM, case, spaces, unknown and reordered columns", func(t *testing.T) {
		in := "\ufeff Principal_DX ,peer_drg,ID,Sex\nK80.0,XX11,a1,2\n"
		recs, rejects, _ := readString(t, in, Options{KeepColumns: []string{"PEER_DRG"}})
		require.Empty(t, rejects)
		require.Len(t, recs, 1)
		assert.Equal(t, Record{Line: 2, ID: "a1", Sex: 2, PrincipalDx: "K80.0", Extra: []string{"XX11"}, Present: HasSex}, recs[0])
	})
	t.Run("Columns", func(t *testing.T) {
		rd, err := NewReader(strings.NewReader("ID,principal_dx,Note\n"), Options{})
		require.NoError(t, err)
		assert.Equal(t, []string{"id", "principal_dx", "note"}, rd.Columns())
		assert.Equal(t, FormatCSV, rd.Format())
	})
	for _, tt := range []struct {
		name, in string
		keep     []string
		want     error
	}{
		{"no id", "principal_dx,sex\n", nil, ErrMissingColumns},
		{"no dx", "id,sex\n", nil, ErrMissingColumns},
		{"kept column absent", "id,principal_dx\n", []string{"note"}, ErrMissingColumns},
		{"empty input", "", nil, ErrMissingColumns},
		{"only blank lines", "\n\n", nil, ErrMissingColumns},
		{"duplicate column", "id,principal_dx,ID\n", nil, ErrSyntax},
		{"bad header quoting", "id,\"principal_dx\n", nil, ErrSyntax},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tt.in), Options{Format: FormatCSV, KeepColumns: tt.keep})
			assert.ErrorIs(t, err, tt.want)
		})
	}
	t.Run("tcm dx column suffices", func(t *testing.T) {
		_, err := NewReader(strings.NewReader("id,tcm_principal_dx\n"), Options{})
		assert.NoError(t, err)
	})
	t.Run("bad options", func(t *testing.T) {
		_, err := NewReader(strings.NewReader("id,principal_dx\n"), Options{Encoding: "latin1"})
		assert.ErrorContains(t, err, "unsupported encoding")
		_, err = NewReader(strings.NewReader("id,principal_dx\n"), Options{Format: Format(9)})
		assert.Error(t, err)
	})
}

// TestReadMixedFile reads a file of good and bad records whose counts and
// reject reasons are known line by line (see the note column).
func TestReadMixedFile(t *testing.T) {
	rd, err := Open("testdata/mixed.csv", Options{KeepColumns: []string{"note"}})
	require.NoError(t, err)
	defer rd.Close()
	recs, rejects := readAll(t, rd)

	want := Stats{Records: 20, Accepted: 6, Rejected: 14}
	got := rd.Stats()
	fi, err := os.Stat("testdata/mixed.csv")
	require.NoError(t, err)
	want.Bytes = fi.Size()
	assert.Equal(t, want, got)

	var gotAccepted []string
	for _, r := range recs {
		gotAccepted = append(gotAccepted, fmt.Sprintf("%d %s", r.Line, r.ID))
	}
	assert.Equal(t, []string{"2 M001", "3 M002", "5 M004", "17 M014", "18 M015", "23 M019"}, gotAccepted)

	var gotRejects []string
	for _, e := range rejects {
		gotRejects = append(gotRejects, fmt.Sprintf("%d %s %s %s", e.Line, e.ID, e.Reason(), e.Field))
	}
	assert.Equal(t, []string{
		"4 M003 out_of_range age_years",
		"7 M005 date_order discharge_date",
		"8  missing_id id",
		"9 M001 duplicate_id id",
		"10 M008 missing_principal_dx principal_dx",
		"11 M009 invalid_code secondary_dx[2]",
		"12 M010 invalid_code procedures[2]",
		"14 M011 invalid_value sex",
		"15 M012 out_of_range total_cost",
		"16 M013 out_of_range tcm_cost",
		"20 M016 syntax ",
		"21 M017 syntax note",
		"22 M018 out_of_range hospital_level",
		"24 M020 invalid_value admit_date",
	}, gotRejects)

	byID := map[string]Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	assert.Equal(t, "I10.x00", byID["M002"].PrincipalDx)
	assert.Equal(t, int32(7), byID["M002"].LOSDays)
	assert.Equal(t, int8(2), byID["M004"].Sex)
	assert.Equal(t, int32(1), byID["M004"].LOSDays)
	assert.Equal(t, "H003,annex", byID["M014"].HospitalID)
	assert.Equal(t, []string{"quoted, with a comma"}, byID["M014"].Extra)
	assert.Equal(t, []string{"a note\nover two lines"}, byID["M015"].Extra)
	m19 := byID["M019"]
	assert.Equal(t, int8(3), m19.HospitalLevel)
	assert.Equal(t, int8(1), m19.Sex)
	assert.Equal(t, int16(1), m19.AgeYears)
	assert.Equal(t, int32(2), m19.LOSDays)
	assert.Equal(t, "J18.900", m19.PrincipalDx)
}

func TestReadQuoted(t *testing.T) {
	const h = "id,principal_dx,hospital_id\n"
	tests := []struct {
		name     string
		in       string
		wantIDs  []string // accepted, with "@line"
		wantHosp []string
		rejects  []string // "line reason"
	}{
		{"comma in quotes", h + `a,K80.0,"H,1"` + "\n", []string{"a@2"}, []string{"H,1"}, nil},
		{"doubled quotes", h + `a,K80.0,"say ""hi"""` + "\n", []string{"a@2"}, []string{`say "hi"`}, nil},
		{"empty quoted", h + `a,K80.0,""` + "\n", []string{"a@2"}, []string{""}, nil},
		{"quoted id", h + `"a",K80.0,x` + "\n", []string{"a@2"}, []string{"x"}, nil},
		{"literal quote in unquoted field", h + `a,K80.0,H"1"` + "\n", []string{"a@2"}, []string{`H"1"`}, nil},
		{"multi-line", h + "a,K80.0,\"H\n1\n2\"\nb,K80.0,x\n", []string{"a@2", "b@5"}, []string{"H\n1\n2", "x"}, nil},
		{"CRLF", h + "a,K80.0,x\r\nb,K80.0,\"y\r\nz\"\r\n", []string{"a@2", "b@3"}, []string{"x", "y\nz"}, nil},
		{"no final newline", h + `a,K80.0,"x"`, []string{"a@2"}, []string{"x"}, nil},
		{"quoted last field empty then EOF", h + `a,K80.0,""`, []string{"a@2"}, []string{""}, nil},
		{"trailing comma is a field", "id,principal_dx,\na,K80.0,\n", []string{"a@2"}, []string{""}, nil},
		{"unterminated: one line lost", h + "a,K80.0,\"x\nb,K80.0,y\n", []string{"b@3"}, []string{"y"}, []string{"2 syntax"}},
		{"text after closing quote", h + "a,K80.0,\"x\"y\nb,K80.0,z\n", []string{"b@3"}, []string{"z"}, []string{"2 syntax"}},
		{"quote opens mid-file after multi-line", h + "a,K80.0,\"1\n2\"\n\"b\",\"K80.0\",\"3\"\n", []string{"a@2", "b@4"}, []string{"1\n2", "3"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, rejects, _ := readString(t, tt.in, Options{})
			var ids, hosp, rej []string
			for _, r := range recs {
				ids = append(ids, fmt.Sprintf("%s@%d", r.ID, r.Line))
				hosp = append(hosp, r.HospitalID)
			}
			for _, e := range rejects {
				rej = append(rej, fmt.Sprintf("%d %s", e.Line, e.Reason()))
			}
			assert.Equal(t, tt.wantIDs, ids, "accepted")
			assert.Equal(t, tt.wantHosp, hosp, "hospital_id")
			assert.Equal(t, tt.rejects, rej, "rejects")
		})
	}
}

func TestReadTSV(t *testing.T) {
	in := "id\tprincipal_dx\thospital_id\na\tK80.0\tH,1\n"
	for _, f := range []Format{FormatAuto, FormatTSV} {
		recs, rejects, _ := readString(t, in, Options{Format: f})
		require.Empty(t, rejects)
		require.Len(t, recs, 1)
		assert.Equal(t, "H,1", recs[0].HospitalID, "format %v", f)
	}
}

// TestReadLabelledSample reads the CHS-DRG 1.1 labelled sample, a TSV with
// extra peer_* columns: every record must be accepted.
func TestReadLabelledSample(t *testing.T) {
	const path = "../../../shared/data/chs-drg-1.1/labelled-sample.tsv"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("labelled sample not available: %v", err)
	}
	rd, err := Open(path, Options{KeepColumns: []string{"peer_drg"}})
	require.NoError(t, err)
	defer rd.Close()
	recs, rejects := readAll(t, rd)
	for _, e := range rejects[:min(len(rejects), 5)] {
		t.Errorf("rejected: %v", e)
	}
	assert.Equal(t, Stats{Records: 5000, Accepted: 5000, Bytes: rd.Stats().Bytes}, rd.Stats())
	assert.Equal(t, FormatTSV, rd.Format())
	require.Len(t, recs, 5000)
	assert.Equal(t, "S11-000001", recs[0].ID)
	assert.Equal(t, "E10.200x028+N08.3*", recs[0].PrincipalDx)
	assert.Equal(t, []string{"LL11"}, recs[0].Extra)
}

// TestReadGBK reads a GBK file and its UTF-8 twin to identical records.
// Regenerate the GBK file with `go test -run TestReadGBK -update`.
func TestReadGBK(t *testing.T) {
	if *update {
		src, err := os.ReadFile("testdata/chinese-utf8.csv")
		require.NoError(t, err)
		gbk, err := encodeGB18030(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile("testdata/chinese-gbk.csv", gbk, 0o644))
	}
	read := func(path string, opts Options) []Record {
		rd, err := Open(path, opts)
		require.NoError(t, err)
		defer rd.Close()
		recs, rejects := readAll(t, rd)
		require.Empty(t, rejects, "%s", path)
		return recs
	}
	keep := []string{"hospital_name", "note"}
	utf := read("testdata/chinese-utf8.csv", Options{KeepColumns: keep})
	gbk := read("testdata/chinese-gbk.csv", Options{Encoding: "GBK", KeepColumns: keep})
	require.Len(t, utf, 4)
	assert.Equal(t, utf, gbk)
	assert.Equal(t, "苏州市中医医院", utf[0].Extra[0])
	assert.Equal(t, "tcm", utf[0].HospitalKind)
	assert.Equal(t, int8(2), utf[1].Sex)

	// Read with the encoding detected, it is decoded as a whole.
	rd, err := Open("testdata/chinese-gbk.csv", Options{Encoding: "auto", KeepColumns: keep})
	require.NoError(t, err)
	auto, rejects := readAll(t, rd)
	rd.Close()
	require.Empty(t, rejects)
	assert.Equal(t, utf, auto)
	assert.Equal(t, "gb18030", rd.Encoding())

	// Read as UTF-8 it is rejected line by line; each reject says why and
	// names the record and the first field that is not UTF-8.
	rd, err = Open("testdata/chinese-gbk.csv", Options{KeepColumns: keep})
	require.NoError(t, err)
	_, rejects = readAll(t, rd)
	rd.Close()
	require.NotEmpty(t, rejects)
	assert.ErrorContains(t, rejects[0], "GBK")
	assert.Equal(t, utf[0].ID, rejects[0].ID)
	assert.Equal(t, "hospital_name", rejects[0].Field)
}

// TestEncodingAuto checks which encoding "auto" picks, and that the choice
// holds for the whole input.
func TestEncodingAuto(t *testing.T) {
	gbk := func(s string) string {
		b, err := encodeGB18030([]byte(s))
		require.NoError(t, err)
		return string(b)
	}
	const head = "id,principal_dx,hospital_id\n"
	// pad fills the sniff window with ASCII records up to n bytes.
	pad := func(n int) string {
		var b strings.Builder
		b.WriteString(head)
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, "p%d,K80.0,H\n", i)
		}
		return b.String()
	}
	// cutAt returns pad text and the start of a record "c" whose
	// hospital_id continues at offset off.
	// The text holds one character of the encoding near its start, so
	// that only the cut decides.
	cutAt := func(off int, early string) string {
		s := pad(off-40) + "b,K80.0," + early + "\nc,K80.0,"
		return s + strings.Repeat("x", off-len(s))
	}
	tests := []struct {
		name, in string
		want     string // Reader.Encoding
		hospital string // of record "a"
	}{
		{"ascii", head + "a,K80.0,H1\n", "utf-8", "H1"},
		{"utf-8 Chinese", head + "a,K80.0,中医院\n", "utf-8", "中医院"},
		{"gbk", head + gbk("a,K80.0,中医院\n"), "gb18030", "中医院"},
		// 女 in GBK (c5 ae) is also valid UTF-8 ("Ů"): one line that is
		// not UTF-8 decides for the others.
		{"gbk valid as utf-8 first", head + gbk("a,K80.0,女\nb,K80.0,男\n"), "gb18030", "女"},
		// One stray GBK record in a UTF-8 file: the file stays UTF-8 and
		// only that record is rejected.
		{"utf-8 with one gbk record", head + "u,K80.0,医院\nv,K80.0,内科\n" + gbk("a,K80.0,张\n"), "utf-8", ""},
		{"gb18030 four-byte", head + gbk("a,K80.0,\u20ac€\n"), "gb18030", "\u20ac€"},
		{"not gbk either", head + "a,K80.0,H\xff\n", "utf-8", ""},
		// GBK first seen past the window: UTF-8, and the line is rejected.
		{"gbk past the window", pad(EncodingSniffBytes+10) + gbk("a,K80.0,中\n"), "utf-8", ""},
		// A character cut by the end of the window.
		{"gbk cut by the window", cutAt(EncodingSniffBytes-1, gbk("男")) + gbk("中\na,K80.0,医院\n"), "gb18030", "医院"},
		{"utf-8 cut by the window", cutAt(EncodingSniffBytes-1, "男") + "中\na,K80.0,医院\n", "utf-8", "医院"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, zst := range []bool{false, true} {
				in := []byte(tc.in)
				if zst {
					in = zstdBytes(t, in)
				}
				rd, err := NewReader(bytes.NewReader(in), Options{Encoding: "Auto"})
				require.NoError(t, err)
				recs, rejects := readAll(t, rd)
				rd.Close()
				assert.Equal(t, tc.want, rd.Encoding(), "zstd %v", zst)
				var got string
				for _, r := range recs {
					if r.ID == "a" {
						got = r.HospitalID
					}
				}
				assert.Equal(t, tc.hospital, got, "zstd %v", zst)
				if tc.hospital == "" {
					require.Len(t, rejects, 1)
					assert.ErrorIs(t, rejects[0], ErrSyntax)
					assert.Equal(t, "a", rejects[0].ID)
					assert.Equal(t, "hospital_id", rejects[0].Field)
				} else {
					assert.Empty(t, rejects)
				}
			}
		})
	}
}

// TestBadUTF8Reject checks that a record that is not UTF-8 is rejected with
// its id and the field at fault, quoted or not, unless the id is the field.
func TestBadUTF8Reject(t *testing.T) {
	tests := []struct{ in, id, field string }{
		{"id,sex,principal_dx\nR1,\xc4\xd0,K80.0\n", "R1", "sex"},
		{"id,sex,principal_dx\n\"R1\",\"\xc4\xd0\",K80.0\n", "R1", "sex"},
		{"id,sex,principal_dx\nR\xc4\xd0,1,K80.0\n", "", "id"},
		{"id,sex,principal_dx\nR1,1,K80.0,\xc4\xd0\n", "R1", ""}, // an extra field
		// Halves of one character in two quoted fields: joined without
		// the quotes and separator they would be valid.
		{"id,sex,principal_dx,hospital_id,x\n\"R1\",1,K80.0,\"a\xe4\xb8\",\"\xadb\"\n", "R1", "hospital_id"},
	}
	for _, tc := range tests {
		_, rejects, st := readString(t, tc.in, Options{})
		require.Len(t, rejects, 1, "%q", tc.in)
		assert.ErrorIs(t, rejects[0], ErrSyntax)
		assert.Equal(t, tc.id, rejects[0].ID, "%q", tc.in)
		assert.Equal(t, tc.field, rejects[0].Field, "%q", tc.in)
		assert.Equal(t, int64(1), st.Rejected)
	}
}

// TestNULReject pins a bug: a NUL in a CSV or TSV field, or a "\u0000" in
// a JSON string, was accepted and written out. The record is rejected as a
// record that is not UTF-8 is, naming its id and the field; a NUL in the
// header fails the header.
func TestNULReject(t *testing.T) {
	tests := []struct {
		name, in  string
		format    Format
		id, field string
	}{
		{"csv", "id,sex,principal_dx\nR1,1\x00,K80.0\n", FormatCSV, "R1", "sex"},
		{"csv quoted", "id,sex,principal_dx\n\"R1\",\"\x001\",K80.0\n", FormatCSV, "R1", "sex"},
		{"csv in the id", "id,sex,principal_dx\nR\x001,1,K80.0\n", FormatCSV, "", "id"},
		{"csv unknown column", "id,principal_dx,note\nR1,K80.0,a\x00\n", FormatCSV, "R1", "note"},
		{"tsv", "id\tprincipal_dx\thospital_id\nR1\tK80.0\tH\x00\n", FormatTSV, "R1", "hospital_id"},
		{"json", `{"id":"R1","hospital_id":"H\u00001","principal_dx":"K80.0"}` + "\n", FormatJSONL, "R1", "hospital_id"},
		{"json escaped id", `{"principal_dx":"K80.0","id":"R\u0000"}` + "\n", FormatJSONL, "", "id"},
		{"json list item", `{"id":"R1","principal_dx":"K80.0","procedures":["51.23","\u0000"]}` + "\n", FormatJSONL, "R1", "procedures"},
		{"json unknown key", `{"id":"R1","note":{"a":["\u0000"]},"principal_dx":"K80.0"}` + "\n", FormatJSONL, "R1", "note"},
		{"json in a key", `{"id":"R1","x\u0000":1,"principal_dx":"K80.0"}` + "\n", FormatJSONL, "R1", `x\u0000`},
		{"json in an object value", `{"id":"R1","sex":{"x":"\u0000"},"principal_dx":"K80.0"}` + "\n", FormatJSONL, "R1", "sex"},
		// The NUL decides over the key given twice.
		{"json in a repeated key's value", `{"id":"R1","principal_dx":"K80.0","Principal_DX":"\u0000"}` + "\n", FormatJSONL, "R1", "Principal_DX"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rejects, st := readString(t, tc.in, Options{Format: tc.format})
			require.Len(t, rejects, 1)
			e := rejects[0]
			assert.ErrorIs(t, e, ErrSyntax)
			assert.Equal(t, "syntax", e.Reason())
			assert.ErrorContains(t, e, "NUL")
			assert.Equal(t, tc.id, e.ID)
			assert.Equal(t, tc.field, e.Field)
			assert.Equal(t, 2-btoi(tc.format == FormatJSONL), e.Line)
			assert.Equal(t, Stats{Records: 1, Rejected: 1, Bytes: int64(len(tc.in))}, st)
		})
	}
	// A NUL in the header (a UTF-16 file without its byte-order mark
	// starts so) fails it, saying why.
	_, err := NewReader(strings.NewReader("i\x00d\x00,principal_dx\nR1,K80.0\n"), Options{})
	assert.ErrorContains(t, err, "NUL")
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestJSONLDuplicateKey pins a bug: a JSON line giving a column twice was
// accepted with one of the values (which one depends on the reader). It is
// rejected, naming the key; so are two spellings that name one column, as
// two such CSV header columns are.
func TestJSONLDuplicateKey(t *testing.T) {
	tests := []struct {
		name, in  string
		keep      []string
		id, field string
		msg       string
	}{
		{"same key", `{"id":"a","principal_dx":"K80.100","principal_dx":"J18.900"}`, nil, "a", "principal_dx", `key "principal_dx" given twice`},
		{"id twice", `{"id":"a","principal_dx":"K80.100","id":"b"}`, nil, "", "id", `key "id" given twice`},
		{"case variants", `{"Principal_DX":"K80.100","id":"a","principal_dx":"J18.900"}`, nil, "a", "principal_dx", `keys "Principal_DX" and "principal_dx" both name column principal_dx`},
		{"kept column", `{"id":"a","principal_dx":"K80.100","note":"x","Note ":"y"}`, []string{"note"}, "a", "note", `keys "note" and "Note " both name column note`},
		{"list column", `{"id":"a","principal_dx":"K80.100","procedures":["51.23"],"procedures":"51.22"}`, nil, "a", "procedures", `key "procedures" given twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in + "\n" + `{"id":"ok","principal_dx":"K80.100","x":1,"x":2}` + "\n"
			recs, rejects, st := readString(t, in, Options{Format: FormatJSONL, KeepColumns: tc.keep})
			require.Len(t, rejects, 1)
			e := rejects[0]
			assert.ErrorIs(t, e, ErrSyntax)
			assert.ErrorContains(t, e, tc.msg)
			assert.Equal(t, tc.id, e.ID)
			assert.Equal(t, tc.field, e.Field)
			assert.Equal(t, 1, e.Line)
			assert.Equal(t, tc.in, e.Raw)
			// A key that names no column is ignored, twice or not, as an
			// unknown CSV column is.
			require.Len(t, recs, 1)
			assert.Equal(t, "ok", recs[0].ID)
			assert.Equal(t, Stats{Records: 2, Accepted: 1, Rejected: 1, Bytes: int64(len(in))}, st)
		})
	}
}

func TestAgeGiven(t *testing.T) {
	for _, tc := range []struct {
		rec  Record
		want bool
	}{
		{Record{}, false},
		{Record{AgeYears: 45}, true},
		{Record{AgeDays: 3}, true},
		{Record{BirthWeightG: 3000}, true},   // built in code: a newborn
		{Record{Present: HasAgeYears}, true}, // 0 years, given
		{Record{Present: HasAgeDays}, true},
		{Record{AgeYears: 45, Present: HasSex}, false}, // Present decides once set
		{Record{BirthWeightG: 3000, Present: HasBirthWeight}, false},
	} {
		if got := tc.rec.AgeGiven(); got != tc.want {
			t.Errorf("%+v: AgeGiven %v, want %v", tc.rec, got, tc.want)
		}
	}
	// Read from text, a blank age is not given.
	recs, _, _ := readString(t, "id,principal_dx,age_years,age_days,birth_weight_g\na,K80.0,,,3000\nb,K80.0,0,,\n", Options{})
	require.Len(t, recs, 2)
	assert.False(t, recs[0].AgeGiven())
	assert.True(t, recs[1].AgeGiven())
}

func TestReadJSONL(t *testing.T) {
	csvIn := testHeader + "\n" +
		row(nil) + "\n" +
		row(map[string]string{"id": "R2", "sex": "女", "secondary_dx": "", "procedures": "51.2300|88.9504", "day_ward": "1"}) + "\n" +
		row(map[string]string{"id": "R3", "principal_dx": "", "tcm_principal_dx": "A04.03.03", "age_years": "", "total_cost": "", "tcm_cost": ""}) + "\n"
	jsonIn := `{"id":"R1","hospital_id":"H1","hospital_level":3,"hospital_kind":"general","sex":1,"age_years":"45","admit_date":"2024-03-01","discharge_date":"2024-03-05","discharge_method":1,"principal_dx":"K80.000x004","secondary_dx":["I10.x00","E11.900"],"procedures":"51.2300","vent_hours":0,"total_cost":12000,"tcm_cost":100.0,"day_ward":false}` + "\n" +
		"\n" +
		`{"ID":"R2","Hospital_ID":"H1","hospital_level":"3","hospital_kind":"general","sex":"女","age_years":45,"admit_date":"2024-03-01","discharge_date":"2024-03-05","discharge_method":"1","principal_dx":"K80.000x004","secondary_dx":[],"procedures":["51.2300","88.9504"],"vent_hours":"0","total_cost":"12000","tcm_cost":1e2,"day_ward":true,"unknown":{"x":1}}` + "\n" +
		`{"id":"R3","hospital_id":"H1","hospital_level":3,"hospital_kind":"general","sex":1,"admit_date":"2024-03-01","discharge_date":"2024-03-05","discharge_method":1,"principal_dx":null,"tcm_principal_dx":"A04.03.03","secondary_dx":"I10.x00|E11.900","procedures":["51.2300"],"vent_hours":0,"day_ward":0}` + "\n"
	fromCSV, rej1, _ := readString(t, csvIn, Options{})
	fromJSON, rej2, _ := readString(t, jsonIn, Options{})
	require.Empty(t, rej1)
	require.Empty(t, rej2)
	require.Len(t, fromJSON, 3)
	for i := range fromJSON {
		fromJSON[i].Line, fromCSV[i].Line = 0, 0
	}
	assert.Equal(t, fromCSV, fromJSON)

	t.Run("rejects", func(t *testing.T) {
		in := `{"id":"a","principal_dx":"K80.0"` + "\n" + // not closed
			`[1,2]` + "\n" +
			`null` + "\n" +
			`{"id":"b","principal_dx":["K80.0"]}` + "\n" +
			`{"id":"c","principal_dx":"K80.0","sex":{"v":1}}` + "\n" +
			`{"id":"d","principal_dx":"K80.0","procedures":[["51.23"]]}` + "\n" +
			`{"id":"e","principal_dx":"K80.0","secondary_dx":["I10.x00","K8"]}` + "\n" +
			`{"id":"e","principal_dx":"K80.0"}` + "\n" +
			`{"id":"e","principal_dx":"K80.0"}` + "\n" +
			`{"principal_dx":"K80.0"}` + "\n"
		recs, rejects, st := readString(t, in, Options{Format: FormatJSONL})
		var got []string
		for _, e := range rejects {
			got = append(got, fmt.Sprintf("%d %s %s %s", e.Line, e.ID, e.Reason(), e.Field))
		}
		assert.Equal(t, []string{
			"1  syntax ", "2  syntax ", "3  syntax ",
			"4 b invalid_value principal_dx", "5 c invalid_value sex", "6 d invalid_value procedures",
			"7 e invalid_code secondary_dx[2]", "9 e duplicate_id id", "10  missing_id id",
		}, got)
		assert.Len(t, recs, 1)
		assert.Equal(t, Stats{Records: 10, Accepted: 1, Rejected: 9, Bytes: int64(len(in))}, st)
	})
	t.Run("escapes and arrays", func(t *testing.T) {
		in := `{"id":"a\u00e9\"","principal_dx":"K80\u002e0","secondary_dx":["I10.x00","E11\u002e900",null,"","E11.9"],` +
			`"procedures":["51\u002e23",88.9504],"hospital_id":"\ud83c\udfe5\n\t\\\/","hospital_kind":"\ud800x"}` + "\n"
		recs, rejects, _ := readString(t, in, Options{Format: FormatJSONL})
		require.Empty(t, rejects)
		require.Len(t, recs, 1)
		r := recs[0]
		assert.Equal(t, "aé\"", r.ID)
		assert.Equal(t, "K80.0", r.PrincipalDx)
		assert.Equal(t, []string{"I10.x00", "E11.900", "E11.9"}, r.SecondaryDx)
		assert.Equal(t, []string{"51.23", "88.9504"}, r.Procedures)
		assert.Equal(t, "🏥\n\t\\/", r.HospitalID)
		assert.Equal(t, "\ufffdx", r.HospitalKind)
	})
	t.Run("syntax", func(t *testing.T) {
		for _, in := range []string{
			`{"id":"a","principal_dx":"K80.0",}`, `{"id":"a" "principal_dx":"K80.0"}`, `{"id":01,"principal_dx":"K80.0"}`,
			`{"id":"a","principal_dx":"K80.0"} x`, `{"id":"a\x","principal_dx":"K80.0"}`, `{"id":"a","principal_dx":"K80.0","n":tru}`,
			`{"id":"a","principal_dx":"K80.0","o":{"a":[1,2}}`, `{"id":"a","principal_dx":"K80.0","n":1.}`, `{"id":"a","principal_dx":"K80.0","n":-}`,
			`{"id":"a","principal_dx":"K80.0","s":"tab	in string"}`, `{"id":"a","principal_dx":"K80.0","n":1e}`, `{"id":"a",1:2}`,
			`{"id":"a","principal_dx":"K80.0","deep":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
		} {
			_, rejects, _ := readString(t, in+"\n", Options{Format: FormatJSONL})
			if assert.Len(t, rejects, 1, "%s", in) {
				assert.Equal(t, "syntax", rejects[0].Reason(), "%s: %v", in, rejects[0])
			}
		}
		// Valid JSON the scanner must skip.
		in := `{"x":{"a":[1,{"b":null}],"c":"\""},"id":"a","y":[true,false,-0.5e+3],"principal_dx":"K80.0","z":{}}`
		recs, rejects, _ := readString(t, in+"\n", Options{Format: FormatJSONL})
		assert.Empty(t, rejects)
		assert.Len(t, recs, 1)
	})
	t.Run("keep columns", func(t *testing.T) {
		in := `{"id":"a","principal_dx":"K80.0","Note":"hello","n":7,"hospital_id":"H9"}` + "\n"
		recs, _, _ := readString(t, in, Options{KeepColumns: []string{"note", "n", "missing", "hospital_id"}})
		require.Len(t, recs, 1)
		assert.Equal(t, []string{"hello", "7", "", "H9"}, recs[0].Extra)
		assert.Equal(t, "H9", recs[0].HospitalID)
	})
}

func TestReadZstd(t *testing.T) {
	plain, err := os.ReadFile("testdata/mixed.csv")
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "mixed.csv.zst")
	packed := zstdBytes(t, plain)
	require.NoError(t, os.WriteFile(path, packed, 0o644))

	want, wantRej, _ := readString(t, string(plain), Options{})
	rd, err := Open(path, Options{})
	require.NoError(t, err)
	got, gotRej := readAll(t, rd)
	require.NoError(t, rd.Close())
	assert.Equal(t, want, got)
	assert.Equal(t, wantRej, gotRej)
	assert.Equal(t, int64(len(plain)), rd.Stats().Bytes)

	// NewReader recognises compressed input by its magic number.
	got2, _, _ := readString(t, string(packed), Options{})
	assert.Equal(t, want, got2)

	// A corrupt stream is a fatal error, not a reject, and it sticks.
	bad := append([]byte(nil), packed[:len(packed)/2]...)
	rd, err = NewReader(bytes.NewReader(bad), Options{})
	if err == nil {
		var rec Record
		for err == nil || errors.As(err, new(*Error)) {
			err = rd.Read(&rec)
		}
		assert.NotErrorIs(t, err, io.EOF)
		assert.Equal(t, err, rd.Read(&rec), "the error sticks")
		rd.Close()
	}
}

// TestReadGzip pins a bug: gzip input was read as text and every line
// rejected as "not UTF-8 (a GBK file?)". It is decompressed, recognised by
// its content, as zstd is; a file of several gzip members (cat a.gz b.gz)
// reads as their concatenation.
func TestReadGzip(t *testing.T) {
	plain, err := os.ReadFile("testdata/mixed.csv")
	require.NoError(t, err)
	want, wantRej, _ := readString(t, string(plain), Options{})
	gz := func(b []byte) []byte { return gzipBytes(t, b) }
	cut := bytes.IndexByte(plain, '\n') + 1 + 40 // inside the first record
	members := append(gz(plain[:cut]), gz(plain[cut:])...)

	dir := t.TempDir()
	path := filepath.Join(dir, "mixed.csv.gz")
	require.NoError(t, os.WriteFile(path, members, 0o644))
	rd, err := Open(path, Options{})
	require.NoError(t, err)
	assert.Equal(t, FormatCSV, rd.Format())
	got, gotRej := readAll(t, rd)
	require.NoError(t, rd.Close())
	assert.Equal(t, want, got)
	assert.Equal(t, wantRej, gotRej)
	assert.Equal(t, int64(len(plain)), rd.Stats().Bytes)

	// By content, whatever the name, in every reading path.
	got2, _, _ := readString(t, string(gz(plain)), Options{})
	assert.Equal(t, want, got2)
	f, err := OpenFile(path)
	require.NoError(t, err)
	text, err := io.ReadAll(f)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	assert.Equal(t, plain, text)

	// A corrupt stream is a fatal error (from NewReader, which reads a
	// small input at once, or from Read), not a reject.
	bad := gz(plain)
	bad[len(bad)-5] ^= 0xff // the CRC in the trailer
	rd, err = NewReader(bytes.NewReader(bad), Options{})
	if err == nil {
		var rec Record
		for err == nil || errors.As(err, new(*Error)) {
			err = rd.Read(&rec)
		}
		rd.Close()
	}
	assert.ErrorContains(t, err, "checksum")
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadIOError(t *testing.T) {
	boom := errors.New("disk on fire")
	src := &failingReader{data: []byte(testHeader + "\n" + row(nil) + "\n" + "R2,H"), err: boom}
	rd, err := NewReader(src, Options{})
	require.NoError(t, err)
	var rec Record
	require.NoError(t, rd.Read(&rec))
	err = rd.Read(&rec)
	assert.ErrorIs(t, err, boom)
	var bad *Error
	assert.False(t, errors.As(err, &bad), "an I/O error is not a reject")
	assert.ErrorIs(t, rd.Read(&rec), boom, "the error sticks")
	assert.Equal(t, Stats{Records: 1, Accepted: 1, Bytes: int64(len(testHeader) + 1 + len(row(nil)) + 1)}, rd.Stats())
}

func TestReadLongLine(t *testing.T) {
	long := "x," + strings.Repeat("K", MaxRecordBytes+10)
	in := "id,principal_dx\n" + long + "\nb,K80.0\n" + "c,\"" + strings.Repeat("y", MaxRecordBytes+10) + "\"\nd,K80.0\n"
	recs, rejects, st := readString(t, in, Options{})
	require.Len(t, rejects, 2)
	assert.Equal(t, 2, rejects[0].Line)
	assert.ErrorIs(t, rejects[0], ErrSyntax)
	assert.Equal(t, maxRawBytes, len(rejects[0].Raw), "len(Raw)")
	assert.Equal(t, 4, rejects[1].Line)
	require.Len(t, recs, 2)
	assert.Equal(t, "b@3", fmt.Sprintf("%s@%d", recs[0].ID, recs[0].Line))
	assert.Equal(t, "d@5", fmt.Sprintf("%s@%d", recs[1].ID, recs[1].Line))
	assert.Equal(t, int64(len(in)), st.Bytes)
}

// TestReadQuoteNeverClosed checks that a quote left open for more than
// MaxRecordBytes costs only the line that opened it.
func TestReadQuoteNeverClosed(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,principal_dx\na,\"K80.0\n")
	n := 0
	for b.Len() < MaxRecordBytes+1000 {
		fmt.Fprintf(&b, "e%d,K80.0\n", n)
		n++
	}
	recs, rejects, st := readString(t, b.String(), Options{})
	require.Len(t, rejects, 1)
	assert.Equal(t, 2, rejects[0].Line)
	assert.Equal(t, `a,"K80.0`, rejects[0].Raw)
	assert.ErrorContains(t, rejects[0], "still open")
	assert.Len(t, recs, n)
	assert.Equal(t, 3, recs[0].Line)
	assert.Equal(t, int64(n+1), st.Records)
}

func TestReadReuse(t *testing.T) {
	in := testHeader + "\n" + row(nil) + "\n" + row(map[string]string{"id": "R2", "secondary_dx": "", "procedures": "", "sex": ""}) + "\n"
	rd, err := NewReader(strings.NewReader(in), Options{})
	require.NoError(t, err)
	var rec Record
	require.NoError(t, rd.Read(&rec))
	first := rec.Clone()
	require.NoError(t, rd.Read(&rec))
	assert.Equal(t, "R2", rec.ID)
	assert.Empty(t, rec.SecondaryDx, "slices are reset between records")
	assert.Zero(t, rec.Present&HasSex, "Present is reset between records")
	assert.Equal(t, []string{"I10.x00", "E11.900"}, first.SecondaryDx, "a clone is not overwritten")
	assert.Equal(t, io.EOF, rd.Read(&rec))
	assert.Equal(t, io.EOF, rd.Read(&rec), "EOF repeats")
}

func TestReadNoDuplicateCheck(t *testing.T) {
	in := testHeader + "\n" + row(nil) + "\n" + row(nil) + "\n"
	recs, rejects, _ := readString(t, in, Options{NoDuplicateCheck: true})
	assert.Len(t, recs, 2)
	assert.Empty(t, rejects)
}

// TestDuplicateAfterReject pins that only accepted ids are remembered: a
// corrected record appended after its rejected original is accepted.
func TestDuplicateAfterReject(t *testing.T) {
	in := testHeader + "\n" + row(map[string]string{"principal_dx": "bad"}) + "\n" + row(nil) + "\n"
	recs, rejects, _ := readString(t, in, Options{})
	assert.Len(t, recs, 1)
	require.Len(t, rejects, 1)
	assert.Equal(t, "invalid_code", rejects[0].Reason())
}

func TestParseDateMatchesDateOf(t *testing.T) {
	for d := DateOf(1900, 1, 1); d < DateOf(2101, 1, 1); d += 17 {
		tm := d.Time()
		got, err := parseDate(tm.Format("2006-01-02"))
		require.NoError(t, err)
		if got != d {
			t.Fatalf("parseDate(%s): got %d, want %d", tm.Format("2006-01-02"), got, d)
		}
		if got, _ := parseDate(tm.Format("20060102")); got != d {
			t.Fatalf("parseDate(%s): got %d, want %d", tm.Format("20060102"), got, d)
		}
	}
	for _, s := range []string{"2023-02-29", "2024-04-31", "2024-00-10", "2024-1-0", "2024-01", "2024--01-01", "2024-01-01x", "202401011", "2024-01/01"} {
		if _, err := parseDate(s); !errors.Is(err, ErrInvalidValue) {
			t.Errorf("parseDate(%q): got %v, want ErrInvalidValue", s, err)
		}
	}
}

// TestDatesAroundTheEpoch: every accepted day is a given date. 1969-12-31
// once read as "not given" (its Date was 0), so a stay ending that day lost
// its discharge date and length of stay.
func TestDatesAroundTheEpoch(t *testing.T) {
	for _, s := range []string{"1900-01-01", "1969-12-31", "1970-01-01", "2199-12-31"} {
		d, err := parseDate(s)
		require.NoError(t, err)
		if d.IsZero() || d.String() != s {
			t.Errorf("parseDate(%s) = %d (%q), want a given date that prints as itself", s, d, d.String())
		}
	}
	in := testHeader + "\n" + row(map[string]string{"admit_date": "1969-12-28", "discharge_date": "1969-12-31"}) + "\n"
	recs, rejects, _ := readString(t, in, Options{})
	require.Empty(t, rejects)
	require.Len(t, recs, 1)
	assert.Equal(t, "1969-12-31", recs[0].DischargeDate.String())
	assert.Equal(t, int32(3), recs[0].LOSDays)
}

func TestFormatOf(t *testing.T) {
	for path, want := range map[string]Format{
		"a.csv": FormatCSV, "a.CSV.zst": FormatCSV, "dir/a.tsv": FormatTSV, "a.jsonl.zst": FormatJSONL,
		"a.ndjson": FormatJSONL, "a.txt": FormatAuto, "-": FormatAuto, "a.zst": FormatAuto,
		"a.csv.gz": FormatCSV, "a.TSV.GZ": FormatTSV, "a.gz": FormatAuto, "a.gz.zst": FormatAuto,
	} {
		if got := FormatOf(path); got != want {
			t.Errorf("FormatOf(%q): got %v, want %v", path, got, want)
		}
	}
	for s, want := range map[string]Format{"": FormatAuto, "CSV": FormatCSV, "tsv": FormatTSV, "ndjson": FormatJSONL} {
		got, err := ParseFormat(s)
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q): got %v, %v, want %v", s, got, err, want)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml): got nil error, want one")
	}
}

func TestParseDecimal(t *testing.T) {
	for _, s := range []string{"0", "1", "12345.67", "0.1", "0.3", ".5", "5.", "999999999999999", "123456789.012345",
		"0.00000000000001", "12345678.9", "100.10", "3.14159265358979"} {
		want, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		got, ok := parseDecimal(s)
		if !ok {
			t.Errorf("parseDecimal(%q): fast path refused", s)
			continue
		}
		if got != want {
			t.Errorf("parseDecimal(%q): got %v, want %v", s, got, want)
		}
	}
	for _, s := range []string{"", ".", "1e5", "-1", "+1", "1.2.3", "1234567890123456", "0x10", "1_0", "NaN"} {
		if _, ok := parseDecimal(s); ok {
			t.Errorf("parseDecimal(%q): got ok, want the slow path", s)
		}
	}
}

// TestParseDateFastPath checks that the one-pass reading of 2024-03-05
// gives what the general path gives, value and error alike, on every day of
// the accepted years' edges and on near-misses.
func TestParseDateFastPath(t *testing.T) {
	var inputs []string
	for _, y := range []int{1899, 1900, 1999, 2000, 2023, 2024, 2100, 2199, 2200} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				inputs = append(inputs, fmt.Sprintf("%04d-%02d-%02d", y, m, d))
			}
		}
	}
	inputs = append(inputs, "2024-0a-05", "2024-03-0:", "2024/03/05", "2024-3-05", "2024-03-5", " 024-03-05",
		"2024-03-05 ", "2O24-03-05", "2024-03-05T08:00", "20240305", "2024.03.05", "2024--3-05", "-024-03-05")
	for _, s := range inputs {
		got, gotErr := parseDate(s)
		want, wantErr := parseDateAny(s)
		if got != want || (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Errorf("parseDate(%q) = %v, %v; the general path gives %v, %v", s, got, gotErr, want, wantErr)
		}
	}
	if d, err := parseDate("2024-02-29"); err != nil || d != DateOf(2024, 2, 29) {
		t.Errorf("parseDate(2024-02-29) = %v, %v", d, err)
	}
}
