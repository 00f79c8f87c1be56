package batch_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
)

// Example runs a small CSV through the pipeline with the SAMPLE rule set:
// rows in input order whatever the workers, the record with an invalid
// code rejected with its line, field and reason, and in = grouped +
// rejected.
func Example() {
	rs, err := grouper.Sample()
	if err != nil {
		log.Fatal(err)
	}
	g, err := grouper.Compile(rs)
	if err != nil {
		log.Fatal(err)
	}
	in := "id,sex,age_years,principal_dx,procedures\n" +
		"a,1,50,K80.100,51.2300\n" +
		"b,2,40,K8,\n" +
		"c,2,40,K80.100,\n"
	rd, err := record.NewReader(strings.NewReader(in), record.Options{})
	if err != nil {
		log.Fatal(err)
	}
	rejects := record.NewRejectWriter(os.Stdout)
	st, err := batch.Run(context.Background(), g, rd, os.Stdout, rejects, batch.Options{Workers: 2})
	if err != nil {
		log.Fatal(err)
	}
	rejects.Flush()
	fmt.Println(st.Records, "=", st.Grouped, "+", st.Rejected)
	// Output:
	// id,status,reason,mdc,adrg,drg,principal_dx,tcm_source,cc_level,cc_code
	// a,OK,,H,HC2,HC25,K80.100,,none,
	// c,OK,,H,HU1,HU15,K80.100,,none,
	// line,id,field,reason,message,original
	// 3,b,principal_dx,invalid_code,"record: invalid code: invalid diagnosis code ""K8"": shorter than a 3-character category","b,2,40,K8,"
	// 3 = 2 + 1
}
