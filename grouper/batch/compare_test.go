package batch

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// TestComparison tallies agreement on MDC, ADRG and DRG by expected MDC and
// keeps the first disagreements.
func TestComparison(t *testing.T) {
	_, g := sampleGrouper(t)
	fb19 := grouper.Result{Status: grouper.StatusOK, MDC: "F", ADRG: "FB1", DRG: "FB19"}
	none := grouper.Result{Status: grouper.StatusUngroupable, Reason: "NO_MDC_ADRG_MATCH", DRG: grouper.Ungroupable}
	c := NewComparison(g, "peer_drg", 2)
	for i, tc := range []struct {
		want string
		res  grouper.Result
	}{
		{" FB19 ", fb19}, // agrees on all three
		{"FB11", fb19},   // MDC and ADRG
		{"FC11", fb19},   // MDC only
		{"0000", none},   // an expected 0000 agrees with 0000
		{"", fb19},       // blank: under "-", agrees on nothing
		{"GB19", none},   // nothing
	} {
		rec := &record.Record{ID: string(rune('a' + i)), Line: i + 2, Extra: []string{tc.want}}
		c.Add(rec, &tc.res, nil)
	}
	rep := c.Report()
	wantRows := []MDCAgreement{
		{"-", Agreement{Records: 2, MDC: 1, ADRG: 1, DRG: 1}},
		{"F", Agreement{Records: 3, MDC: 3, ADRG: 2, DRG: 1}},
		{"G", Agreement{Records: 1}},
	}
	if !reflect.DeepEqual(rep.ByMDC, wantRows) {
		t.Errorf("by MDC: got %+v, want %+v", rep.ByMDC, wantRows)
	}
	if want := (Agreement{Records: 6, MDC: 4, ADRG: 3, DRG: 2}); rep.Total != want {
		t.Errorf("total: got %+v, want %+v", rep.Total, want)
	}
	if rep.Disagreements != 4 {
		t.Errorf("got %d disagreements, want 4", rep.Disagreements)
	}
	if len(rep.Shown) != 2 || rep.Shown[0].ID != "b" || rep.Shown[0].Line != 3 || rep.Shown[0].Expected != "FB11" || rep.Shown[0].DRG != "FB19" ||
		rep.Shown[1].ID != "c" || rep.Shown[1].Trace == nil {
		t.Errorf("shown: got %+v, want records b and c with traces", rep.Shown)
	}
	if err := c.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}

	blank := NewComparison(g, "peer_drg", 0)
	blank.Add(&record.Record{ID: "x"}, &fb19, nil)
	if err := blank.Check(); err == nil || !strings.Contains(err.Error(), `none of the 1 records has a value in column "peer_drg"`) {
		t.Errorf("Check with no expected value: got %v", err)
	}
}

// TestComparisonRun compares a run's groups with a column of the input:
// the expected and agree columns follow the grouping columns, and an input
// without the column is refused.
func TestComparisonRun(t *testing.T) {
	_, g := sampleGrouper(t)
	in := "id,sex,age_years,principal_dx,Peer_DRG\nA1,1,40,K80.100,XX99\nA2,2,50,,FB19\n"
	c := NewComparison(g, "peer_drg", 10)
	rd, err := record.NewReader(strings.NewReader(in), record.Options{KeepColumns: []string{c.Column()}})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if err := c.CheckInput(rd); err != nil {
		t.Fatalf("CheckInput: %v", err)
	}
	var out bytes.Buffer
	if _, err := Run(context.Background(), g, rd, &out, nil, Options{Workers: 1, Columns: c.Columns(), OnResult: c.Add}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], ",expected,agree") || !strings.HasSuffix(lines[1], ",XX99,0") {
		t.Errorf("output: got %q, want expected and agree columns on one row", out.String())
	}
	if rep := c.Report(); rep.Total.Records != 1 || rep.Disagreements != 1 || len(rep.Shown) != 1 || rep.Shown[0].Expected != "XX99" {
		t.Errorf("report: got %+v, want one record disagreeing with XX99", rep)
	}

	for _, tc := range []struct {
		in   string
		opts record.Options
		ok   bool
	}{
		{"id,principal_dx\nA1,K80.100\n", record.Options{}, false},
		{`{"id":"A1","principal_dx":"K80.100"}` + "\n", record.Options{Format: record.FormatJSONL}, true}, // keys are per record
	} {
		rd, err := record.NewReader(strings.NewReader(tc.in), tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		err = c.CheckInput(rd)
		rd.Close()
		if (err == nil) != tc.ok || err != nil && err.Error() != `no column "peer_drg" to compare with` {
			t.Errorf("CheckInput(%q): got %v, want ok %v", tc.in, err, tc.ok)
		}
	}
}

// TestComparisonKeepsCopies checks that a shown disagreement keeps copies
// of the record's strings, not slices of the chunk they came from, which
// they would keep alive to the end of the run.
func TestComparisonKeepsCopies(t *testing.T) {
	_, g := sampleGrouper(t)
	text := "R1,K80.100,J18.900,FB19" // the chunk's text, as a pipeline record holds it
	rec := &record.Record{ID: text[:2], PrincipalDx: text[3:10], SecondaryDx: []string{text[11:18]}, Extra: []string{text[19:]}}
	res := g.Group(rec)
	c := NewComparison(g, "peer_drg", 1)
	c.Add(rec, &res, nil)
	shown := c.Report().Shown
	if len(shown) != 1 {
		t.Fatalf("%d disagreements shown, want 1 (%s against FB19)", len(shown), res.DRG)
	}
	inText := func(s string) bool {
		if s == "" {
			return false
		}
		p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(text)))
		return p >= lo && p < lo+uintptr(len(text))
	}
	d := shown[0]
	if inText(d.ID) || inText(d.Expected) {
		t.Errorf("the disagreement's id %q or expected %q is a slice of the record's text", d.ID, d.Expected)
	}
	for _, st := range d.Trace.Steps {
		if inText(st.Code) {
			t.Errorf("trace step %s %q is a slice of the record's text", st.Stage, st.Code)
		}
	}
	if d.ID != "R1" || d.Expected != "FB19" {
		t.Errorf("kept %q, %q", d.ID, d.Expected)
	}
}
