package grouper_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/national"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/synth"
)

// TestGroupAllMatchesGroupScheme: grouping a batch at once gives, record
// for record, what grouping each alone gives, under every scheme, on
// batches shorter and longer than the prefetch distances, with unknown
// codes and TCM principals among the records, and it leaves the records as
// they were.
func TestGroupAllMatchesGroupScheme(t *testing.T) {
	sample, err := grouper.Sample()
	if err != nil {
		t.Fatal(err)
	}
	sets := map[string]*grouper.RuleSet{"sample": sample, "full-scale": synth.FullScaleRuleSet(1)}
	if _, err := os.Stat("../../shared/data/chs-drg-1.1"); err == nil {
		if sets["national"], err = national.Read(os.DirFS("../../shared/data/chs-drg-1.1")); err != nil {
			t.Fatal(err)
		}
	}
	for name, rs := range sets {
		g, err := grouper.Compile(rs)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := synth.RecordSlice(rs, 7, 2000)
		if err != nil {
			t.Fatal(err)
		}
		// Codes no dictionary holds, and a TCM principal in place of a
		// Western one, in a few records.
		for i := 0; i < len(recs); i += 97 {
			recs[i].SecondaryDx = append(recs[i].SecondaryDx, "Z99.999x999")
			recs[i].Procedures = append(recs[i].Procedures, "99.9999x999")
		}
		for i := 5; i < len(recs); i += 89 {
			recs[i].TCMPrincipalDx, recs[i].PrincipalDx = "A07.01.01", ""
		}
		before := make([]record.Record, len(recs))
		for i := range recs {
			before[i] = recs[i].Clone()
		}
		schemes := []grouper.Scheme{grouper.SchemeDRG}
		if g.HasDIP() {
			schemes = append(schemes, grouper.SchemeDIP, grouper.SchemeDRG|grouper.SchemeDIP)
		}
		for _, scheme := range schemes {
			want := make([]grouper.Result, len(recs))
			for i := range recs {
				want[i] = g.GroupScheme(&recs[i], scheme, nil)
			}
			for _, n := range []int{0, 1, 2, 3, 5, len(recs)} {
				got := make([]grouper.Result, n+1) // longer than needed is allowed
				g.GroupAll(recs[:n], scheme, got)
				for i := range n {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Fatalf("%s, scheme %d, batch of %d: record %d (%s): GroupAll %+v, GroupScheme %+v", name, scheme, n, i, recs[i].ID, got[i], want[i])
					}
				}
				if got[n] != (grouper.Result{}) {
					t.Fatalf("%s: GroupAll wrote past the batch", name)
				}
			}
		}
		if !reflect.DeepEqual(recs, before) {
			t.Fatalf("%s: GroupAll changed its records", name)
		}
	}
}
