package grouper

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper/record"
)

// TestResultJSON: a result marshals with snake_case fields, enumerations
// as their names and numbers as numbers, and reads back the same (the
// issue found Status, CCLevel and Outlier marshalled as integers).
func TestResultJSON(t *testing.T) {
	g, _, err := LoadTables(tinyTables())
	if err != nil {
		t.Fatal(err)
	}
	rec := &record.Record{ID: "j", Sex: 1, AgeYears: 50, Present: record.HasSex | record.HasAgeYears, PrincipalDx: "K80.100",
		SecondaryDx: []string{"J18.900"}, Procedures: []string{"51.2300"}}
	res := g.GroupScheme(rec, SchemeDRG, new(Trace))
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"status":"OK"`, `"drg":"HC21"`, `"cc_level":"MCC"`, `"cc_code":"J18.900"`, `"unknown_codes":0`,
		`"dip":{"group":"","kind":"none","score":0,`, `"trace":{"steps":[{"stage":`, `"passed":true`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	back.Trace, res.Trace = nil, nil
	// The grouper's IDs are not in the JSON (they mean nothing outside the
	// process): a result read back is priced by its codes.
	if _, ok := res.DRGIndex(g); !ok {
		t.Error("the grouped result has no DRG index")
	}
	res.from, res.pdxID, res.drgIdx, res.pdxCode, res.drgCode = nil, 0, 0, "", ""
	if back != res {
		t.Errorf("read back %+v, want %+v", back, res)
	}
	var s Status
	if err := json.Unmarshal([]byte(`"NOPE"`), &s); err == nil {
		t.Error("an unknown status was read")
	}
}
