package batch_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

// migrated returns the sample rule set edited into a "new version", priced
// by the sample policy with the sample weights: DRG HC25 renamed HC26
// (which the weights table lacks), QY off, and HU1 only under 60 years.
func migrated(t testing.TB) (*grouper.Grouper, *weights.Calculator) {
	t.Helper()
	rs, err := grouper.Sample()
	if err != nil {
		t.Fatal(err)
	}
	rs.Version, rs.Behaviour.QY = "new", false
	for i := range rs.DRGs {
		if rs.DRGs[i].Code == "HC25" {
			rs.DRGs[i].Code = "HC26"
		}
	}
	for i := range rs.ADRGs {
		if rs.ADRGs[i].Code == "HU1" {
			rs.ADRGs[i].Condition += " AND age_years < 60"
		}
	}
	return batch.Pricing(t, rs)
}

// TestMigration: five records whose every transition is known by hand
// from the sample tables and the edits of migrated. Under the sample
// policy at level 3 (coefficient 1.2, rate 10 000; HU15 is a same-level
// group at 1.02): HC25 (RW 1.79) pays 21 480.00, HU15 (RW 0.75) 7 650.00;
// HQY and HC26 have no weight and are unpaid.
//
//	a H1 K80.100 51.2300 age 50: HC25 -> HC26 (renamed; unpaid after)
//	b H1 K80.100 age 50:         HU15 -> HU15
//	c H2 K80.100 age 70:         HU15 -> 0000 (HU1 closed at 60; without
//	                             fall-through the record stays in MDC H)
//	d H2 K80.100 01.2400 age 50: HQY  -> HU15 (QY off)
//	e H2 A00.900 age 50:         0000 -> 0000 (unknown principal)
func TestMigration(t *testing.T) {
	oldG, oldCalc := batch.SamplePricing(t)
	newG, newCalc := migrated(t)
	in := "id,hospital_id,hospital_level,sex,age_years,principal_dx,procedures\n" +
		"a,H1,3,1,50,K80.100,51.2300\nb,H1,3,1,50,K80.100,\nc,H2,3,1,70,K80.100,\nd,H2,3,1,50,K80.100,01.2400\ne,H2,3,1,50,A00.900,\n"
	m := batch.NewMigration(batch.Version{Grouper: oldG, Payment: oldCalc})
	var pairs bytes.Buffer
	if err := m.SetPairs(&pairs); err != nil {
		t.Fatal(err)
	}
	rd, err := record.NewReader(strings.NewReader(in), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts := batch.Options{Workers: 2, Payment: newCalc, Explain: true, OnResult: m.Add}
	if _, err := batch.Run(context.Background(), newG, rd, &bytes.Buffer{}, nil, opts); err != nil {
		t.Fatal(err)
	}
	rep, err := m.Report()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 5 || rep.SameMDC != 5 || rep.SameADRG != 3 || rep.SameDRG != 2 {
		t.Errorf("records %d, same MDC %d ADRG %d DRG %d; want 5, 5, 3, 2", rep.Records, rep.SameMDC, rep.SameADRG, rep.SameDRG)
	}
	if rep.BecameQY != 0 || rep.LeftQY != 1 || rep.BecameUngroupable != 1 || rep.LeftUngroupable != 0 {
		t.Errorf("QY +%d -%d, 0000 +%d -%d; want +0 -1, +1 -0", rep.BecameQY, rep.LeftQY, rep.BecameUngroupable, rep.LeftUngroupable)
	}
	want := []batch.Transition{{"0000", "0000", 1}, {"HC25", "HC26", 1}, {"HQY", "HU15", 1}, {"HU15", "0000", 1}, {"HU15", "HU15", 1}}
	if !equalTransitions(rep.Transitions, want) {
		t.Errorf("transitions %v, want %v", rep.Transitions, want)
	}
	if got := rep.Movers(); !equalTransitions(got, []batch.Transition{want[1], want[2], want[3]}) {
		t.Errorf("movers %v", got)
	}
	if !rep.Priced {
		t.Fatal("not priced")
	}
	for _, tc := range []struct {
		got  batch.PriceChange
		want batch.PriceChange
	}{
		{rep.ByHospital[0], batch.PriceChange{Key: "H1", Records: 2, FromCases: 2, ToCases: 1, FromWeight: 2.54, ToWeight: 0.75, FromAmount: 29130, ToAmount: 7650}},
		{rep.ByHospital[1], batch.PriceChange{Key: "H2", Records: 3, FromCases: 1, ToCases: 1, FromWeight: 0.75, ToWeight: 0.75, FromAmount: 7650, ToAmount: 7650}},
		{rep.ByMDC[0], batch.PriceChange{Key: "-", Records: 1}},
		{rep.ByMDC[1], batch.PriceChange{Key: "H", Records: 4, FromCases: 3, ToCases: 2, FromWeight: 3.29, ToWeight: 1.5, FromAmount: 36780, ToAmount: 15300}},
		{rep.Total, batch.PriceChange{Key: "all", Records: 5, FromCases: 3, ToCases: 2, FromWeight: 3.29, ToWeight: 1.5, FromAmount: 36780, ToAmount: 15300}},
	} {
		if !samePrice(tc.got, tc.want) {
			t.Errorf("got %+v\nwant %+v", tc.got, tc.want)
		}
	}
	if cmi := rep.ByHospital[0].FromCMI(); math.Abs(cmi-1.27) > 1e-9 {
		t.Errorf("H1 old CMI %v, want 1.27", cmi)
	}
	rows, err := csv.NewReader(&pairs).ReadAll()
	if err != nil || len(rows) != 6 || strings.Join(rows[0], ",") != strings.Join(batch.PairsHeader, ",") {
		t.Fatalf("pairs: %v %q", err, rows)
	}
	wantPairs := []string{
		"a,2,H,HC2,HC25,OK,H,HC2,HC26,OK,1,21480.00,",
		"b,3,H,HU1,HU15,OK,H,HU1,HU15,OK,0,7650.00,7650.00",
		"c,4,H,HU1,HU15,OK,H,,0000,UNGROUPABLE,1,7650.00,",
		"d,5,H,HQY,HQY,QY,H,HU1,HU15,OK,1,,7650.00",
		"e,6,,,0000,UNGROUPABLE,,,0000,UNGROUPABLE,0,,",
	}
	for i, w := range wantPairs {
		r := rows[i+1]
		if got := strings.Join(r[:13], ","); got != w {
			t.Errorf("pair %d: %s, want %s", i+1, got, w)
		}
		// The traces' short form, each with the step that decided: the
		// DRG, or for 0000 the result step.
		for _, tr := range [][2]string{{r[13], r[4]}, {r[14], r[8]}} {
			decided := "+drg " + tr[1]
			switch tr[1] {
			case "0000":
				decided = "-result "
			case "HQY":
				decided = "+qy HQY"
			}
			if !strings.Contains(tr[0], decided) {
				t.Errorf("pair %s: trace %q lacks %q", r[0], tr[0], decided)
			}
		}
	}
}

func equalTransitions(a, b []batch.Transition) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func samePrice(a, b batch.PriceChange) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-6 }
	return a.Key == b.Key && a.Records == b.Records && a.FromCases == b.FromCases && a.ToCases == b.ToCases &&
		near(a.FromWeight, b.FromWeight) && near(a.ToWeight, b.ToWeight) && near(a.FromAmount, b.FromAmount) && near(a.ToAmount, b.ToAmount)
}
