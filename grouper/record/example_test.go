package record_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/medpay/drg/grouper/record"
)

func ExampleReader() {
	in := "id,sex,age_years,admit_date,discharge_date,principal_dx,secondary_dx\n" +
		"A1,男,64,2024-03-01,2024-03-05,k80.000X004,I10.x00|E11.900\n" +
		"A2,女,151,2024-03-01,2024-03-05,K80.1,\n" +
		"A3,2,40,2024/3/2,2024/3/3,K80.1,\n"
	rd, err := record.NewReader(strings.NewReader(in), record.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rd.Close()
	rejects := record.NewRejectWriter(os.Stdout)
	var rec record.Record
	for {
		err := rd.Read(&rec)
		if err == io.EOF {
			break
		}
		var bad *record.Error
		if errors.As(err, &bad) {
			rejects.Write(bad)
			continue
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s sex=%d los=%d dx=%s %v\n", rec.ID, rec.Sex, rec.LOSDays, rec.PrincipalDx, rec.SecondaryDx)
	}
	rejects.Flush()
	fmt.Printf("%+v\n", rd.Stats())
	// Output:
	// A1 sex=1 los=4 dx=K80.000x004 [I10.x00 E11.900]
	// A3 sex=2 los=1 dx=K80.1 []
	// line,id,field,reason,message,original
	// 3,A2,age_years,out_of_range,record: value out of range: 151 not in 0..150,"A2,女,151,2024-03-01,2024-03-05,K80.1,"
	// {Records:3 Accepted:2 Rejected:1 Bytes:202}
}

func ExampleWriter() {
	w := record.NewWriter(os.Stdout, record.FormatJSONL)
	rec := record.Record{
		ID: "A1", Sex: 1, AgeYears: 64, PrincipalDx: "K80.000x004", Procedures: []string{"51.2300"},
		AdmitDate: record.DateOf(2024, 3, 1), TotalCost: 12000.5,
		Present: record.HasSex | record.HasAgeYears | record.HasTotalCost,
	}
	if err := w.Write(&rec); err != nil {
		fmt.Println(err)
	}
	w.Flush()
	// Output:
	// {"id":"A1","sex":1,"age_years":64,"admit_date":"2024-03-01","principal_dx":"K80.000x004","procedures":["51.2300"],"total_cost":12000.5}
}

// A settlement-list export under its Chinese names, and a hospital
// system's own name mapped by a column map.
func ExampleParseColumnMap() {
	columns, err := record.ParseColumnMap(strings.NewReader("# our HIS export\n出院主诊断,principal_dx\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	in := "清单流水号,性别,年龄,入院时间,出院时间,出院主诊断\n" +
		"A1,男,64,2024-03-01 08:00,2024-03-05 10:00,K80.000x004\n"
	rd, err := record.NewReader(strings.NewReader(in), record.Options{ColumnNames: columns})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rd.Close()
	var rec record.Record
	if err := rd.Read(&rec); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rec.ID, rec.Sex, rec.AgeYears, rec.LOSDays, rec.PrincipalDx)
	// Output: A1 1 64 4 K80.000x004
}

// A rejects file for Excel: a byte-order mark and Chinese column names.
func ExampleNewRejectWriterText() {
	var out strings.Builder
	rw, err := record.NewRejectWriterText(&out, record.TextOptions{BOM: true, ChineseHeader: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	rw.Write(&record.Error{Line: 2, ID: "A1", Field: "principal_dx", Err: record.ErrMissingDx, Raw: "A1,"})
	rw.Flush()
	fmt.Printf("%q\n", out.String())
	// Output: "\ufeff行号,结算清单号,字段,原因,说明,原始记录\n2,A1,principal_dx,missing_principal_dx,record: missing principal diagnosis,\"A1,\"\n"
}
