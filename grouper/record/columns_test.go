package record

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeaderKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"principal_dx", "principal_dx"},
		{" Principal_DX ", "principal_dx"},
		{"\ufeffid", "id"},
		{"ＩＤ", "id"},
		{"年龄（天）", "年龄(天)"},
		{"年龄 (天)", "年龄(天)"},
		{"（年龄不足1周岁）年龄（天）", "(年龄不足1周岁)年龄(天)"},
		{"新生儿出生体重（克）", "新生儿出生体重(克)"},
		{"结算ID", "结算id"},
		{"主要诊断\u3000代码", "主要诊断代码"},
		{"", ""},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, headerKey(tc.in), "%q", tc.in)
	}
	// A name already in that form costs no allocation: JSON keys go
	// through it per record.
	assert.Zero(t, testing.AllocsPerRun(100, func() { headerKey("主要诊断代码") }))
}

// TestAliasesDocumented holds the package doc's alias table to
// columnAliases, so that the one place users read cannot drift.
func TestAliasesDocumented(t *testing.T) {
	f, err := os.Open("doc.go")
	require.NoError(t, err)
	defer f.Close()
	documented := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "//\t")
		if !ok {
			continue
		}
		name, aliases, ok := strings.Cut(line, " ")
		if _, err := standardColumn(name); !ok || err != nil {
			continue
		}
		for a := range strings.SplitSeq(aliases, ",") {
			documented[name] = append(documented[name], headerKey(a))
		}
	}
	require.NoError(t, sc.Err())
	for c := range numColumns {
		assert.Equal(t, columnAliases[c], documented[c.String()], "aliases of %s: code, then doc.go", c)
	}
}

// TestSettlementListHeaders: a settlement-list export under its Chinese
// names (full-width brackets, a time of day after the dates, Chinese
// values, extra columns) reads to exactly the records of the same rows
// under the standard names.
func TestSettlementListHeaders(t *testing.T) {
	read := func(path string) []Record {
		rd, err := Open(path, Options{})
		require.NoError(t, err)
		defer rd.Close()
		recs, rejects := readAll(t, rd)
		require.Empty(t, rejects, path)
		return recs
	}
	en, zh := read("testdata/settlement-list-en.csv"), read("testdata/settlement-list-zh.csv")
	require.Len(t, en, 8)
	require.Equal(t, len(en), len(zh))
	for i := range en {
		en[i].Line, zh[i].Line = 0, 0
		assert.Equal(t, en[i], zh[i], "record %s", en[i].ID)
	}
	// The same rows as JSON lines keyed by the Chinese names.
	var jl strings.Builder
	jl.WriteString(`{"清单流水号":"S1","主要诊断代码":"K80.100","其他诊断代码":["E78.000","I10.x00"],"性别":"男","年龄（天）":"20","入院时间":"2024-03-08 11:00:00","出院日期":"2024-03-19","住院总费用":31203.48,"日间病房":"否"}` + "\n")
	jl.WriteString(`{"id":"S2","主诊断代码":"k80.100","sex":1,"age_days":20,"admit_date":"2024-03-08","discharge_date":"2024-03-19","total_cost":"31203.48"}` + "\n")
	recs, rejects, _ := readString(t, jl.String(), Options{Format: FormatJSONL})
	require.Empty(t, rejects)
	require.Len(t, recs, 2)
	recs[0].Line, recs[1].Line = 0, 0
	recs[0].ID, recs[1].ID = "", ""
	recs[1].SecondaryDx = []string{"E78.000", "I10.x00"}
	assert.Equal(t, recs[1], recs[0])
}

// TestTwoNamesOneColumn: two columns naming one standard column are an
// error naming both, in a header; in a JSON line, a reject naming both
// keys.
func TestTwoNamesOneColumn(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"id,结算ID,principal_dx", `columns "id" and "结算ID" both name id`},
		{"id,入院日期,入院时间,principal_dx", `columns "入院日期" and "入院时间" both name admit_date`},
		{"id,主要诊断代码,主诊断编码", `columns "主要诊断代码" and "主诊断编码" both name principal_dx`},
		{"id,principal_dx,Principal_DX", `column "principal_dx" appears twice`},
	} {
		_, err := NewReader(strings.NewReader(tc.header+"\n"), Options{})
		require.Error(t, err, tc.header)
		assert.ErrorIs(t, err, ErrSyntax)
		assert.Contains(t, err.Error(), tc.want)
	}
	_, rejects, _ := readString(t, `{"id":"a","principal_dx":"K80.100","主要诊断代码":"K80.000"}`+"\n", Options{Format: FormatJSONL})
	require.Len(t, rejects, 1)
	assert.Contains(t, rejects[0].Err.Error(), `keys "principal_dx" and "主要诊断代码" both name column principal_dx`)
}

// TestMissingColumnsHint: a header of names the reader does not know
// says how to make it read, where an id or a diagnosis is missing.
func TestMissingColumnsHint(t *testing.T) {
	_, err := NewReader(strings.NewReader("结算编号,出院主诊断\n"), Options{})
	require.ErrorIs(t, err, ErrMissingColumns)
	assert.Contains(t, err.Error(), "header lacks id, principal_dx or tcm_principal_dx (")
	assert.Contains(t, err.Error(), "column map")
}

func TestColumnNames(t *testing.T) {
	m := map[string]string{
		"结算编号":     "id",
		"出院主诊断编码 ": "Principal_DX",
		"入院时间":     "-", // the export has 入院日期 too
		"住院天数":     "-", // here a planned stay, not the real one
	}
	in := "结算编号,出院主诊断编码,入院日期,入院时间,出院日期,住院天数,peer\n" +
		"a,K80.100,2024-03-01,2024-03-01 08:00,2024-03-05,30,x\n"
	recs, rejects, _ := readString(t, in, Options{ColumnNames: m, KeepColumns: []string{"入院时间", "peer"}})
	require.Empty(t, rejects)
	require.Len(t, recs, 1)
	r := recs[0]
	assert.Equal(t, "a", r.ID)
	assert.Equal(t, "K80.100", r.PrincipalDx)
	assert.Equal(t, DateOf(2024, 3, 1), r.AdmitDate)
	assert.Equal(t, int32(4), r.LOSDays, "derived from the dates, the ignored 住院天数 unread")
	assert.Equal(t, []string{"2024-03-01 08:00", "x"}, r.Extra, "an ignored column can still be kept")

	// The same map reads the same row as JSON.
	jl := `{"结算编号":"a","出院主诊断编码":"K80.100","入院日期":"2024-03-01","入院时间":"2024-03-01 08:00","出院日期":"2024-03-05","住院天数":30,"peer":"x"}` + "\n"
	jrecs, rejects, _ := readString(t, jl, Options{Format: FormatJSONL, ColumnNames: m, KeepColumns: []string{"入院时间", "peer"}})
	require.Empty(t, rejects)
	require.Len(t, jrecs, 1)
	jrecs[0].Line = r.Line
	assert.Equal(t, r, jrecs[0])

	for _, tc := range []struct {
		m    map[string]string
		want string
	}{
		{map[string]string{"x": "diagnosis"}, `Options.ColumnNames["x"]: "diagnosis" is not a standard column`},
		{map[string]string{" ": "id"}, "an empty name"},
		{map[string]string{"A B": "id", "ab": "principal_dx"}, `"A B" and "ab"`},
	} {
		_, err := NewReader(strings.NewReader("id,principal_dx\n"), Options{ColumnNames: tc.m})
		require.ErrorIs(t, err, ErrColumnMap, "%v", tc.m)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestParseColumnMap(t *testing.T) {
	gbk, err := encodeGB18030([]byte("结算编号,id\n"))
	require.NoError(t, err)
	tests := []struct {
		name, in string
		want     map[string]string
		line     int // of the *ColumnMapError; 0 when none
		msg      string
	}{
		{"csv", "# comment\n结算编号,id\n\n出院主诊断 , principal_dx\r\n", map[string]string{"结算编号": "id", "出院主诊断": "principal_dx"}, 0, ""},
		{"tsv", "结算编号\tid\n\"a,b\"\tsecondary_dx\n", map[string]string{"结算编号": "id", "a,b": "secondary_dx"}, 0, ""},
		{"quoted", "\"x \"\"y\"\"\",id\n", map[string]string{`x "y"`: "id"}, 0, ""},
		{"bom", "\ufeff结算编号,ID\n", map[string]string{"结算编号": "ID"}, 0, ""},
		{"gbk", string(gbk), map[string]string{"结算编号": "id"}, 0, ""},
		{"ignore", "入院时间,-\n", map[string]string{"入院时间": "-"}, 0, ""},
		{"indented comment", "  # x\na,id\n", map[string]string{"a": "id"}, 0, ""},
		{"empty", "", map[string]string{}, 0, ""},
		{"unknown standard name", "a,id\nb,diagnosis\n", nil, 2, `"diagnosis" is not a standard column`},
		{"one field", "# x\na\n", nil, 2, "1 fields, want 2"},
		{"three fields", "a,id,x\n", nil, 1, "3 fields, want 2"},
		{"empty local name", ",id\n", nil, 1, "an empty name"},
		{"empty standard name", "a,\n", nil, 1, "an empty name"},
		{"twice", "a,id\n\nA ,principal_dx\n", nil, 3, `"A" is mapped on line 1 already`},
		{"bad quote", "a,id\n\"b,id\n", nil, 2, "quote"},
		{"not text", "a,id\nb\xff,id\n", nil, 2, "neither UTF-8 nor GBK"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseColumnMap(strings.NewReader(tc.in))
			if tc.line == 0 {
				require.NoError(t, err)
				assert.Equal(t, tc.want, m)
				return
			}
			var ce *ColumnMapError
			require.True(t, errors.As(err, &ce), "got %v, want a *ColumnMapError", err)
			assert.ErrorIs(t, err, ErrColumnMap)
			assert.Equal(t, tc.line, ce.Line)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Nil(t, m)
		})
	}
	_, err = ParseColumnMap(bytes.NewReader(make([]byte, maxColumnMapBytes+1)))
	assert.ErrorIs(t, err, ErrColumnMap)
}

// FuzzParseColumnMap holds ParseColumnMap to its contract: no panic; a
// map whose every entry names a standard column (or "-") and that a
// Reader accepts; or a *ColumnMapError at a line of the input (or the
// size bound); and a map written back out as CSV reads back the same.
func FuzzParseColumnMap(f *testing.F) {
	f.Add([]byte("# local names\n结算编号,id\n出院主诊断,principal_dx\n入院时间,-\n"))
	f.Add([]byte("a\tid\n\"b\tc\"\tprocedures\n"))
	f.Add([]byte("a,id\nA,sex\n"))
	f.Add([]byte("a,id,\n\"b"))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := ParseColumnMap(bytes.NewReader(in))
		if err != nil {
			var ce *ColumnMapError
			if !errors.Is(err, ErrColumnMap) || errors.As(err, &ce) && (ce.Line < 1 || ce.Line > bytes.Count(in, []byte{'\n'})+1) {
				t.Fatalf("%q: error %v, want a *ColumnMapError at a line of the input", in, err)
			}
			return
		}
		for local, std := range m {
			if _, err := standardColumn(std); err != nil || strings.TrimSpace(local) != local || local == "" {
				t.Fatalf("%q: entry %q -> %q", in, local, std)
			}
		}
		if _, err := NewReader(strings.NewReader("id,principal_dx\n"), Options{ColumnNames: m}); errors.Is(err, ErrColumnMap) {
			t.Fatalf("%q: map %v refused: %v", in, m, err)
		}
		var out bytes.Buffer
		locals := make([]string, 0, len(m))
		for l := range m {
			if strings.ContainsAny(l, "\t\r") {
				return // read as TSV, or a line end, when written back
			}
			locals = append(locals, l)
		}
		slices.Sort(locals)
		for _, l := range locals {
			out.WriteString(`"` + strings.ReplaceAll(l, `"`, `""`) + `",` + m[l] + "\n")
		}
		back, err := ParseColumnMap(&out)
		if err != nil {
			t.Fatalf("%q: map %v written as %q reads back with %v", in, m, out.String(), err)
		}
		if len(back) != len(m) {
			t.Fatalf("%q: map %v reads back as %v", in, m, back)
		}
	})
}

// TestSpreadListColumns: an export that gives each diagnosis and
// procedure its own column (其他诊断代码1..N, 主要手术及操作代码 then
// 其他手术及操作代码1..N) reads as one list each, main procedure first,
// then by number whatever the header's order, empty cells left out; the
// pipeline's chunk parser reads it the same.
func TestSpreadListColumns(t *testing.T) {
	in := "清单流水号,主要诊断代码,其他诊断代码2,其他诊断代码1,其他诊断代码3,其他手术及操作代码1,主要手术及操作代码,性别,年龄\n" +
		"a,K80.100,E11.900,J18.900,,88.0101,51.2300,1,50\n" +
		"b,K80.100,,,,,,2,60\n"
	rd, err := NewReader(strings.NewReader(in), Options{})
	require.NoError(t, err)
	var got []Record
	for {
		var rec Record
		err := rd.Read(&rec)
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
		got = append(got, rec)
	}
	require.Len(t, got, 2)
	assert.Equal(t, []string{"J18.900", "E11.900"}, got[0].SecondaryDx)
	assert.Equal(t, []string{"51.2300", "88.0101"}, got[0].Procedures, "the main procedure first")
	assert.Empty(t, got[1].SecondaryDx)
	assert.Empty(t, got[1].Procedures)

	rd, err = NewReader(strings.NewReader(in), Options{})
	require.NoError(t, err)
	var c Chunk
	require.NoError(t, rd.ReadChunk(&c, 1<<20))
	p := rd.NewChunkParser()
	p.Reset(&c)
	var rec Record
	require.NoError(t, p.Read(&rec))
	assert.Equal(t, []string{"J18.900", "E11.900"}, rec.SecondaryDx)
	assert.Equal(t, []string{"51.2300", "88.0101"}, rec.Procedures)

	// The list's own column given twice is still an error, not a list.
	_, err = NewReader(strings.NewReader("id,principal_dx,secondary_dx,secondary_dx\na,K80.100,,\n"), Options{})
	assert.ErrorIs(t, err, ErrSyntax)
	// A plain list column beside numbered ones comes first.
	rd, err = NewReader(strings.NewReader("id,principal_dx,secondary_dx_2,secondary_dx\na,K80.100,E11.900,J18.900\n"), Options{})
	require.NoError(t, err)
	require.NoError(t, rd.Read(&rec))
	assert.Equal(t, []string{"J18.900", "E11.900"}, rec.SecondaryDx)
}

// TestSpreadListReview holds what a review found in spread lists: a plain
// 其他手术及操作代码 beside 主要手术及操作代码 is read after it; 诊断代码1
// (the principal again in some exports) is no secondary diagnosis; a bad
// item is named by its own column; kept columns keep their raw cells; one
// numbered column given twice is an error.
func TestSpreadListReview(t *testing.T) {
	read := func(t *testing.T, in string, opts Options) (Record, error) {
		t.Helper()
		rd, err := NewReader(strings.NewReader(in), opts)
		if err != nil {
			return Record{}, err
		}
		var rec Record
		return rec, rd.Read(&rec)
	}
	rec, err := read(t, "id,principal_dx,主要手术及操作代码,其他手术及操作代码\na,K80.100,51.2300,88.0101|45.1300\n", Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"51.2300", "88.0101", "45.1300"}, rec.Procedures)

	rec, err = read(t, "id,主要诊断代码,诊断代码1,诊断代码2\na,K80.100,K80.100,E11.900\n", Options{})
	require.NoError(t, err)
	assert.Empty(t, rec.SecondaryDx, "诊断代码N is not 其他诊断代码N")

	_, err = read(t, "id,principal_dx,其他诊断代码1,其他诊断代码2,其他诊断代码3\na,K80.100,,,ZZZ\n", Options{})
	var bad *Error
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, "其他诊断代码3", bad.Field)

	rec, err = read(t, "id,principal_dx,secondary_dx,secondary_dx_2\na,K80.100,J18.900,E11.900\n", Options{KeepColumns: []string{"secondary_dx"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"J18.900"}, rec.Extra, "the kept cell as it was")
	assert.Equal(t, []string{"J18.900", "E11.900"}, rec.SecondaryDx)

	_, err = read(t, "id,principal_dx,其他诊断代码1,其他诊断编码1\na,K80.100,J18.900,J18.900\n", Options{})
	assert.ErrorIs(t, err, ErrSyntax)
}
