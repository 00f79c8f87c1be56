package record

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/medpay/drg/codes"
)

// checkStream reads all of in and checks the invariants every input must
// keep: no panic, no fatal error from an in-memory reader, Records ==
// Accepted + Rejected, every reject located and classified, every accepted
// record canonical and valid, and accepted records surviving a write and
// read back unchanged.
func checkStream(t *testing.T, in []byte, opts Options) {
	rd, err := NewReader(bytes.NewReader(in), opts)
	if err != nil {
		return // a bad header is a legitimate outcome
	}
	defer rd.Close()
	var (
		rec      Record
		accepted []Record
	)
	for {
		err := rd.Read(&rec)
		if err == io.EOF {
			break
		}
		var bad *Error
		if errors.As(err, &bad) {
			if bad.Line < 1 {
				t.Fatalf("reject %v: got line %d, want >= 1", bad, bad.Line)
			}
			if bad.Reason() == "invalid" {
				t.Fatalf("reject %v: no known reason", bad)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Read: got fatal error %v from an in-memory input", err)
		}
		checkRecord(t, &rec)
		accepted = append(accepted, rec.Clone())
	}
	st := rd.Stats()
	if st.Records != st.Accepted+st.Rejected {
		t.Fatalf("Stats %+v: Records != Accepted + Rejected", st)
	}
	if st.Accepted != int64(len(accepted)) {
		t.Fatalf("Stats %+v: got %d accepted records", st, len(accepted))
	}
	if st.Bytes > int64(len(in))*2+4 { // GB18030 may grow text; UTF-8 never does
		t.Fatalf("Stats.Bytes = %d for %d input bytes", st.Bytes, len(in))
	}

	// Round trip through every format.
	for _, f := range []Format{FormatCSV, FormatTSV, FormatJSONL} {
		var buf bytes.Buffer
		w := NewWriter(&buf, f)
		for i := range accepted {
			if err := w.Write(&accepted[i]); err != nil {
				t.Fatalf("%v: Write(%+v): %v", f, accepted[i], err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		rd2, err := NewReader(&buf, Options{Format: f})
		if err != nil {
			t.Fatalf("%v: reading back: %v", f, err)
		}
		for i := range accepted {
			err := rd2.Read(&rec)
			if err != nil {
				t.Fatalf("%v: reading back record %d (%+v): %v", f, i, accepted[i], err)
			}
			want := accepted[i]
			rec.Line, want.Line = 0, 0
			if !equalRecords(&rec, &want) {
				t.Fatalf("%v: read back\n%+v\nwant\n%+v", f, rec, want)
			}
		}
		if err := rd2.Read(&rec); err != io.EOF {
			t.Fatalf("%v: after the last record: got %v, want EOF", f, err)
		}
	}
}

// equalRecords compares records but not Extra, treating nil and empty
// slices alike.
func equalRecords(a, b *Record) bool {
	ca, cb := a.Clone(), b.Clone()
	for _, r := range []*Record{&ca, &cb} {
		r.Extra = nil
		if len(r.SecondaryDx) == 0 {
			r.SecondaryDx = nil
		}
		if len(r.Procedures) == 0 {
			r.Procedures = nil
		}
	}
	return reflect.DeepEqual(ca, cb)
}

// checkRecord checks an accepted record: canonical codes, values in range.
func checkRecord(t *testing.T, r *Record) {
	canonical := func(sys codes.System, c string) {
		if got, err := codes.Normalize(sys, c); err != nil || got != c {
			t.Fatalf("record %q: code %q is not canonical (%q, %v)", r.ID, c, got, err)
		}
	}
	if r.ID == "" {
		t.Fatalf("accepted record without id: %+v", r)
	}
	// Every reader's output is UTF-8 (GB18030 input is decoded to it).
	for _, s := range append([]string{r.ID, r.HospitalID, r.HospitalKind}, r.Extra...) {
		if !utf8.ValidString(s) {
			t.Fatalf("record %q: accepted a value that is not UTF-8: %q", r.ID, s)
		}
	}
	if r.PrincipalDx == "" && r.TCMPrincipalDx == "" {
		t.Fatalf("record %q: accepted without a principal diagnosis", r.ID)
	}
	if r.PrincipalDx != "" {
		canonical(codes.SystemDiagnosis, r.PrincipalDx)
	}
	for _, c := range r.SecondaryDx {
		canonical(codes.SystemDiagnosis, c)
	}
	for _, c := range r.Procedures {
		canonical(codes.SystemProcedure, c)
	}
	if r.TCMPrincipalDx != "" {
		canonical(codes.SystemTCMDisease, r.TCMPrincipalDx)
	}
	if r.TCMSyndrome != "" {
		canonical(codes.SystemTCMSyndrome, r.TCMSyndrome)
	}
	switch {
	case r.AgeYears < 0 || r.AgeYears > 150, r.AgeDays < 0 || r.AgeDays > 365,
		r.BirthWeightG < 0 || r.BirthWeightG > 10000, r.LOSDays < 0 || r.LOSDays > 3650,
		r.HospitalLevel < 0 || r.HospitalLevel > 3,
		r.Sex != 0 && r.Sex != 1 && r.Sex != 2 && r.Sex != 9,
		r.DischargeMethod < 0 || r.DischargeMethod > 5 && r.DischargeMethod != 9,
		r.VentHours < 0, r.TotalCost < 0, r.TCMCost < 0,
		r.Present&HasTotalCost != 0 && r.Present&HasTCMCost != 0 && r.TCMCost > r.TotalCost,
		!r.AdmitDate.IsZero() && !r.DischargeDate.IsZero() && r.DischargeDate < r.AdmitDate:
		t.Fatalf("accepted record out of range: %+v", r)
	}
}

// fuzzColumnMap is a column map for the fuzz tests: a local name, an
// alias overridden, and a column sent nowhere.
var fuzzColumnMap = map[string]string{"结算编号": "id", "主要诊断代码": "secondary_dx", "入院时间": "-"}

func addFileSeed(f *testing.F, path string) {
	if b, err := os.ReadFile(path); err == nil {
		f.Add(b)
	}
}

func FuzzReadCSV(f *testing.F) {
	addFileSeed(f, "testdata/mixed.csv")
	addFileSeed(f, "testdata/chinese-utf8.csv")
	addFileSeed(f, "testdata/settlement-list-zh.csv")
	f.Add([]byte("结算ID,id,主要诊断代码\na,b,K80.0\n"))
	// A list spread over numbered columns, the main procedure apart.
	f.Add([]byte("id,principal_dx,其他诊断代码2,其他诊断代码1,主要手术及操作代码,手术及操作代码1,secondary_dx_9\na,K80.0,E11.9,,51.23,88.01,I10\nb,K80.0\n"))
	f.Add(genCSV(5, 9))
	f.Add([]byte(testHeader + "\n" + row(nil) + "\n"))
	f.Add([]byte("id,principal_dx,hospital_id\na,K80.0,\"H\n1\"\nb,k80.1,\"x\"\"y\"\r\n"))
	f.Add([]byte("id\tprincipal_dx\tsecondary_dx\na\tK80.0\tI10.x00||E11.9\n"))
	f.Add([]byte("\ufeffID,Principal_Dx,los_days,admit_date,discharge_date\na,K80.0,,20240301,2024/3/9\n"))
	f.Add([]byte("id,principal_dx\n\"a,K80.0\n"))
	// NUL in a field, plain and quoted; a NUL in the header.
	f.Add([]byte("id,principal_dx,hospital_id\na,K80.0,H\x001\n\"b\",\"K80.0\",\"\x00\"\nc,K80.0,\n"))
	f.Add([]byte("i\x00d\x00,\x00p\x00\n"))
	// gzip (small enough that its text is no more than twice its size),
	// and inputs refused at open: bzip2, UTF-16.
	f.Add(gzipBytes(f, []byte("id,principal_dx\na,K80.0\n")))
	f.Add([]byte("BZh91AY&SY\x00\x01id,principal_dx\n"))
	f.Add([]byte("\xff\xfei\x00d\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		checkStream(t, in, Options{})
		// The same text as records under a full header, to reach the
		// record parser even when in has no usable header.
		checkStream(t, append([]byte(testHeader+"\n"), in...), Options{Format: FormatCSV})
		checkStream(t, in, Options{Format: FormatCSV, Encoding: "gbk"})
		checkStream(t, in, Options{Encoding: "auto"})
		checkStream(t, in, Options{ColumnNames: fuzzColumnMap})
	})
}

func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"id":"a","principal_dx":"K80.0","secondary_dx":["I10.x00",""],"sex":"男","total_cost":12.5}` + "\n"))
	f.Add([]byte(`{"id":"b","tcm_principal_dx":"a04.03.03","procedures":"51.23|88.9504","day_ward":true,"age_days":3}` + "\n\n" + `{"id":"b"}`))
	f.Add([]byte(`{"ID":1,"Principal_DX":"K80.000X004","admit_date":"2024-03-01","discharge_date":"2024-02-01"}`))
	f.Add([]byte(`[1]` + "\n" + `null` + "\n" + `{"id":"x","principal_dx":{"a":1}}`))
	// Keys given twice, one column under two spellings, NULs escaped.
	f.Add([]byte(`{"id":"a","principal_dx":"K80.100","principal_dx":"J18.900"}` + "\n" +
		`{"ID":"b","id":"c","principal_dx":"K80.0","x":1,"x":2}` + "\n" +
		`{"id":"d","principal_dx":"K80.0","hospital_id":"H\u0000","x\u0000":[1]}` + "\n"))
	// Settlement-list names, one column under an alias and its name.
	f.Add([]byte(`{"清单流水号":"a","主要诊断代码":"K80.100","年龄（天）":3,"入院时间":"2024-03-01 08:00"}` + "\n" +
		`{"id":"b","结算ID":"c","主诊断编码":"K80.0","结算编号":"x","入院日期":"2024-03-01"}` + "\n"))
	var buf bytes.Buffer
	w := NewWriter(&buf, FormatJSONL)
	rd, _ := NewReader(bytes.NewReader(genCSV(5, 11)), Options{})
	var rec Record
	for rd.Read(&rec) == nil {
		w.Write(&rec)
	}
	w.Flush()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		checkStream(t, in, Options{Format: FormatJSONL})
		checkStream(t, in, Options{Format: FormatJSONL, ColumnNames: fuzzColumnMap, KeepColumns: []string{"入院时间"}})
	})
}
