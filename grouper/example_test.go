package grouper_test

import (
	"fmt"
	"log"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// Example groups one record built in code with the embedded SAMPLE rule
// set: normalised first (the principal is given in lower case), then
// grouped: laparoscopic cholecystectomy (51.2300, HC2) with pneumonia
// (J18.900: its category J18 is a CC in the sample's cc.tsv) is HC23.
func Example() {
	rs, err := grouper.Sample()
	if err != nil {
		log.Fatal(err)
	}
	g, err := grouper.Compile(rs)
	if err != nil {
		log.Fatal(err)
	}
	rec, err := record.Normalize(&record.Record{ID: "R1", Sex: 1, AgeYears: 50, PrincipalDx: "k80.100",
		SecondaryDx: []string{"J18.900"}, Procedures: []string{"51.2300"}})
	if err != nil {
		log.Fatal(err)
	}
	res := g.Group(&rec)
	fmt.Println(res.Status, res.MDC, res.ADRG, res.DRG, res.CCLevel, res.CCCode)
	fmt.Println(g.Name(res.DRG))
	// Output:
	// OK H HC2 HC23 CC J18.900
	// 腹腔镜胆囊切除术，伴并发症或合并症
}

// ExampleGrouper_GroupScheme traces a grouping with a caller-owned Trace,
// reused record after record.
func ExampleGrouper_GroupScheme() {
	rs, _ := grouper.Sample()
	g, _ := grouper.Compile(rs)
	var tr grouper.Trace
	for _, pdx := range []string{"K80.100", "Z99.999"} {
		rec := record.Record{ID: pdx, Sex: 2, AgeYears: 40, PrincipalDx: pdx, Present: record.HasSex | record.HasAgeYears}
		res := g.GroupScheme(&rec, grouper.SchemeDRG, &tr)
		last := tr.Steps[len(tr.Steps)-1]
		fmt.Println(res.DRG, res.Reason, last.Stage, last.Code)
	}
	// Output:
	// HU15  drg HU15
	// 0000 UNKNOWN_PRINCIPAL_DX result 0000
}
