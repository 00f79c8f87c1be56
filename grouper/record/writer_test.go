package record

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// sampleRecords returns accepted records with every kind of value: the
// mixed and Chinese test files plus synthetic ones.
func sampleRecords(t *testing.T) []Record {
	t.Helper()
	var all []Record
	for _, path := range []string{"testdata/mixed.csv", "testdata/chinese-utf8.csv"} {
		rd, err := Open(path, Options{})
		require.NoError(t, err)
		recs, _ := readAll(t, rd)
		require.NoError(t, rd.Close())
		all = append(all, recs...)
	}
	recs, rejects, _ := readString(t, string(genCSV(300, 3)), Options{})
	require.Empty(t, rejects)
	all = append(all, recs...)
	// Values a writer must quote or escape.
	all = append(all, Record{
		ID: `Q"1,x`, HospitalID: "H\t1\nnext", HospitalKind: "tcm", PrincipalDx: "K80.0",
		Sex: 0, Present: HasSex | HasLOS | HasTotalCost, TotalCost: 0.1 + 0.2,
	})
	return all
}

func TestWriterRoundTrip(t *testing.T) {
	want := sampleRecords(t)
	for i := range want {
		want[i].Line, want[i].Extra = 0, nil
	}
	for _, f := range []Format{FormatCSV, FormatTSV, FormatJSONL} {
		t.Run(f.String(), func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf, f)
			for i := range want {
				require.NoError(t, w.Write(&want[i]))
			}
			require.NoError(t, w.Flush())
			rd, err := NewReader(bytes.NewReader(buf.Bytes()), Options{Format: FormatAuto})
			require.NoError(t, err)
			assert.Equal(t, f, rd.Format(), "detected format")
			got, rejects := readAll(t, rd)
			for _, e := range rejects {
				t.Errorf("rejected on reading back: %v", e)
			}
			for i := range got {
				got[i].Line = 0
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestWriterExtraColumns(t *testing.T) {
	recs := []Record{
		{ID: "a", PrincipalDx: "K80.0", Extra: []string{"x, y", "1"}},
		{ID: "b", PrincipalDx: "K80.0", Extra: []string{"z"}},
	}
	for _, f := range []Format{FormatCSV, FormatJSONL} {
		var buf bytes.Buffer
		w := NewWriter(&buf, f)
		w.ExtraColumns = []string{"note", "n"}
		for i := range recs {
			require.NoError(t, w.Write(&recs[i]))
		}
		require.NoError(t, w.Flush())
		got, rejects, _ := readString(t, buf.String(), Options{KeepColumns: []string{"note", "n"}})
		require.Empty(t, rejects)
		require.Len(t, got, 2)
		assert.Equal(t, []string{"x, y", "1"}, got[0].Extra, "%v", f)
		assert.Equal(t, []string{"z", ""}, got[1].Extra, "%v", f)
	}
}

func TestWriterCSVText(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, FormatAuto)
	rec := Record{
		ID: "a", HospitalLevel: 3, Sex: 2, AgeYears: 0, AdmitDate: DateOf(2024, 3, 1), DischargeDate: DateOf(2024, 3, 5),
		LOSDays: 4, PrincipalDx: "K80.000x004", SecondaryDx: []string{"I10.x00", "E11.900"}, Procedures: []string{"51.2300"},
		TotalCost: 12000.5, DayWard: true, Present: HasHospitalLevel | HasSex | HasAgeYears | HasLOS | HasTotalCost,
	}
	require.NoError(t, w.Write(&rec))
	require.NoError(t, w.Flush())
	want := strings.Join(StandardColumns(), ",") + "\n" +
		"a,,3,,2,0,,,2024-03-01,2024-03-05,4,,K80.000x004,I10.x00|E11.900,,,51.2300,,12000.5,,1\n"
	assert.Equal(t, want, buf.String())

	// An empty output still has its header.
	buf.Reset()
	require.NoError(t, NewWriter(&buf, FormatTSV).Flush())
	assert.Equal(t, strings.Join(StandardColumns(), "\t")+"\n", buf.String())
}

func TestWriterJSONLText(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, FormatJSONL)
	rec := Record{ID: "a\"\u2028", Sex: 1, PrincipalDx: "K80.0", Procedures: []string{"51.2300"}, TotalCost: 10, Present: HasSex | HasTotalCost}
	require.NoError(t, w.Write(&rec))
	require.NoError(t, w.Flush())
	assert.Equal(t, `{"id":"a\"\u2028","sex":1,"principal_dx":"K80.0","procedures":["51.2300"],"total_cost":10}`+"\n", buf.String())
}

func TestWriterNonFinite(t *testing.T) {
	for _, f := range []Format{FormatCSV, FormatJSONL} {
		w := NewWriter(&bytes.Buffer{}, f)
		rec := Record{ID: "a", PrincipalDx: "K80.0", TotalCost: math.Inf(1)}
		assert.ErrorIs(t, w.Write(&rec), errNonFinite, "%v", f)
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriterError(t *testing.T) {
	boom := errors.New("disk full")
	w := NewWriter(failingWriter{boom}, FormatCSV)
	rec := Record{ID: "a", PrincipalDx: "K80.0"}
	var err error
	for range 2000 { // past the buffer
		if err = w.Write(&rec); err != nil {
			break
		}
	}
	if err == nil {
		err = w.Flush()
	}
	assert.ErrorIs(t, err, boom)
	assert.ErrorIs(t, w.Flush(), boom, "the error sticks")
}

func TestCreateRoundTrip(t *testing.T) {
	want := sampleRecords(t)
	dir := t.TempDir()
	for _, name := range []string{"out.csv", "out.tsv.zst", "out.jsonl.zst", "out.ndjson"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			w, err := Create(path, FormatAuto)
			require.NoError(t, err)
			for i := range want {
				require.NoError(t, w.Write(&want[i]))
			}
			require.NoError(t, w.Close())

			if strings.HasSuffix(name, ".zst") {
				head := make([]byte, 4)
				f, err := os.Open(path)
				require.NoError(t, err)
				_, err = f.Read(head)
				f.Close()
				require.NoError(t, err)
				assert.Equal(t, []byte{0x28, 0xb5, 0x2f, 0xfd}, head, "zstd magic")
			}

			rd, err := Open(path, Options{})
			require.NoError(t, err)
			assert.Equal(t, FormatOf(name), rd.Format())
			got, rejects := readAll(t, rd)
			require.NoError(t, rd.Close())
			require.Empty(t, rejects)
			require.Len(t, got, len(want))
			for i := range got {
				got[i].Line, got[i].Extra = want[i].Line, want[i].Extra
			}
			assert.Equal(t, want, got)
		})
	}
	_, err := Create(filepath.Join(dir, "no/such/dir/x.csv"), FormatAuto)
	assert.Error(t, err)
}

func TestRejectWriter(t *testing.T) {
	in := "id,principal_dx,sex\n" +
		"a,K8,1\n" +
		"b,\"K80.0\nx\",1\n" +
		",K80.0,1\n"
	_, rejects, _ := readString(t, in, Options{})
	require.Len(t, rejects, 3)
	var buf bytes.Buffer
	rw := NewRejectWriter(&buf)
	for _, e := range rejects {
		require.NoError(t, rw.Write(e))
	}
	require.NoError(t, rw.Flush())
	want := "line,id,field,reason,message,original\n" +
		`2,a,principal_dx,invalid_code,"record: invalid code: invalid diagnosis code ""K8"": shorter than a 3-character category","a,K8,1"` + "\n" +
		`3,b,principal_dx,invalid_code,"record: invalid code: invalid diagnosis code ""K80.0\nx"": 'x' is not allowed after the dot","b,""K80.0` + "\n" + `x"",1"` + "\n" +
		`5,,id,missing_id,record: missing id,",K80.0,1"` + "\n"
	assert.Equal(t, want, buf.String())

	buf.Reset()
	require.NoError(t, NewRejectWriter(&buf).Flush())
	assert.Equal(t, "line,id,field,reason,message,original\n", buf.String())

	// With SetFile, a first column names each reject's input.
	buf.Reset()
	rw = NewRejectWriter(&buf)
	require.NoError(t, rw.SetFile("a.csv"))
	require.NoError(t, rw.Write(rejects[0]))
	require.NoError(t, rw.SetFile("b.csv"))
	require.NoError(t, rw.Write(rejects[2]))
	require.NoError(t, rw.Flush())
	assert.Equal(t, "file,line,id,field,reason,message,original\n"+
		`a.csv,2,a,principal_dx,invalid_code,"record: invalid code: invalid diagnosis code ""K8"": shorter than a 3-character category","a,K8,1"`+"\n"+
		`b.csv,5,,id,missing_id,record: missing id,",K80.0,1"`+"\n", buf.String())

	// The column cannot be added once rows were written without it.
	rw = NewRejectWriter(&bytes.Buffer{})
	require.NoError(t, rw.Write(rejects[0]))
	assert.Error(t, rw.SetFile("late.csv"))
}

// TestSharedIDs: Readers sharing Options.IDs reject an id repeated from an
// earlier input; NoDuplicateCheck still turns the check off.
func TestSharedIDs(t *testing.T) {
	ids := NewIDSet(IDSetOptions{})
	defer ids.Close()
	first := testHeader + "\n" + row(map[string]string{"id": "A"}) + "\n" + row(map[string]string{"id": "B"}) + "\n"
	second := testHeader + "\n" + row(map[string]string{"id": "C"}) + "\n" + row(map[string]string{"id": "B"}) + "\n"
	recs, rejects, _ := readString(t, first, Options{IDs: ids})
	require.Len(t, recs, 2)
	require.Empty(t, rejects)
	rd, err := NewReader(strings.NewReader(second), Options{IDs: ids})
	require.NoError(t, err)
	assert.True(t, rd.DuplicateCheck())
	assert.Same(t, ids, rd.IDs())
	recs, rejects = readAll(t, rd)
	require.Len(t, recs, 1)
	require.Len(t, rejects, 1)
	assert.Equal(t, "C", recs[0].ID)
	assert.Equal(t, "B", rejects[0].ID)
	assert.Equal(t, 3, rejects[0].Line)
	assert.ErrorIs(t, rejects[0], ErrDuplicateID)
	assert.Equal(t, 3, ids.Len())

	rd, err = NewReader(strings.NewReader(second), Options{IDs: ids, NoDuplicateCheck: true})
	require.NoError(t, err)
	assert.False(t, rd.DuplicateCheck())
	assert.Nil(t, rd.IDs())
	recs, rejects = readAll(t, rd)
	assert.Len(t, recs, 2)
	assert.Empty(t, rejects)
}

// TestRejectWriterText: a rejects file for people starts with a
// byte-order mark or is GBK, with the header in Chinese; a reject GBK
// cannot carry fails its Write naming its line and id; options no CSV
// can have are refused.
func TestRejectWriterText(t *testing.T) {
	in := "id,principal_dx,hospital_id\n" +
		"a,K8,医院\n" +
		"咬𬌗,K8,x\n"
	_, rejects, _ := readString(t, in, Options{})
	require.Len(t, rejects, 2)
	row := `2,a,principal_dx,invalid_code,"record: invalid code: invalid diagnosis code ""K8"": shorter than a 3-character category","a,K8,医院"` + "\n"

	var buf bytes.Buffer
	rw, err := NewRejectWriterText(&buf, TextOptions{BOM: true, ChineseHeader: true})
	require.NoError(t, err)
	require.NoError(t, rw.SetFile("a.csv"))
	require.NoError(t, rw.Write(rejects[0]))
	require.NoError(t, rw.Flush())
	assert.Equal(t, "\xef\xbb\xbf文件,行号,结算清单号,字段,原因,说明,原始记录\na.csv,"+row, buf.String())

	buf.Reset()
	rw, err = NewRejectWriterText(&buf, TextOptions{Encoding: "GBK", ChineseHeader: true})
	require.NoError(t, err)
	require.NoError(t, rw.Write(rejects[0]))
	err = rw.Write(rejects[1])
	require.ErrorIs(t, err, ErrUnencodable)
	assert.Contains(t, err.Error(), `the reject of line 3 (id "咬𬌗")`)
	assert.Contains(t, err.Error(), "U+2C317")
	require.NoError(t, rw.Flush())
	want, err := encodeGB18030([]byte("行号,结算清单号,字段,原因,说明,原始记录\n" + row))
	require.NoError(t, err)
	assert.Equal(t, want, buf.Bytes(), "the header and the first reject, in GBK; nothing of the second")

	// GB18030 carries every character.
	buf.Reset()
	rw, err = NewRejectWriterText(&buf, TextOptions{Encoding: "gb18030"})
	require.NoError(t, err)
	require.NoError(t, rw.Write(rejects[1]))
	require.NoError(t, rw.Flush())
	dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(buf.Bytes())
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(dec), "line,id,"))
	assert.Contains(t, string(dec), `"咬𬌗,K8,x"`)

	for _, tc := range []struct {
		t    TextOptions
		want string
	}{
		{TextOptions{Encoding: "gb2312"}, `unsupported output encoding "gb2312"`},
		{TextOptions{BOM: true, Encoding: "gbk"}, "byte-order mark marks UTF-8 text, not gbk"},
	} {
		_, err := NewRejectWriterText(&buf, tc.t)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestTextOptionsCheck(t *testing.T) {
	tests := []struct {
		t    TextOptions
		f    Format
		want string // "" when accepted
	}{
		{TextOptions{}, FormatJSONL, ""},
		{TextOptions{ChineseHeader: true}, FormatJSONL, ""},
		{TextOptions{BOM: true, ChineseHeader: true}, FormatTSV, ""},
		{TextOptions{Encoding: "gbk"}, FormatCSV, ""},
		{TextOptions{BOM: true}, FormatJSONL, "byte-order mark"},
		{TextOptions{Encoding: "gb18030"}, FormatJSONL, "JSON lines are UTF-8"},
		{TextOptions{BOM: true, Encoding: "gb18030"}, FormatCSV, "not gb18030"},
		{TextOptions{Encoding: "latin1"}, FormatCSV, "unsupported output encoding"},
	}
	for _, tc := range tests {
		err := tc.t.Check(tc.f)
		if tc.want == "" {
			assert.NoError(t, err, "%+v %v", tc.t, tc.f)
		} else if assert.Error(t, err, "%+v %v", tc.t, tc.f) {
			assert.Contains(t, err.Error(), tc.want)
		}
	}
}
