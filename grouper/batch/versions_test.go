package batch_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

// versionedSample returns the sample rule set compiled as revision A, in
// force to 2024-06-30, and as revision B, from 2024-07-01 to 2024-12-31,
// in which DRG HC25 is renamed HC26 so that the two group one record
// differently.
func versionedSample(t *testing.T) batch.Versions {
	t.Helper()
	var vs batch.Versions
	for _, v := range []struct {
		version  string
		from, to record.Date
	}{
		{"A", 0, record.DateOf(2024, 6, 30)},
		{"B", record.DateOf(2024, 7, 1), record.DateOf(2024, 12, 31)},
	} {
		rs, err := grouper.Sample()
		if err != nil {
			t.Fatal(err)
		}
		rs.Version, rs.Valid = v.version, record.Period{From: v.from, To: v.to}
		if v.version == "B" {
			for i := range rs.DRGs {
				if rs.DRGs[i].Code == "HC25" {
					rs.DRGs[i].Code = "HC26"
				}
			}
		}
		g, err := grouper.Compile(rs)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, batch.Version{Grouper: g})
	}
	return vs
}

// TestVersionsByDate: each record is grouped by the revision in force on
// its discharge date, named in rule_set_version; a record discharged
// outside every period, or without a date, is rejected as not in force,
// naming its id and field, and counted (in = grouped + rejected).
func TestVersionsByDate(t *testing.T) {
	vs := versionedSample(t)
	in := "id,sex,age_years,principal_dx,procedures,discharge_date\n" +
		"a,1,50,K80.100,51.2300,2024-03-01\n" +
		"b,1,50,K80.100,51.2300,2024-08-01\n" +
		"c,1,50,K80.100,51.2300,2025-02-01\n" +
		"d,1,50,K80.100,51.2300,\n" +
		"e,1,50,K80.100,51.2300,2024-06-30\n" +
		"f,1,50,K80.100,51.2300,2024-07-01\n"
	opts := batch.Options{Workers: 2, Versions: vs, Columns: append([]batch.Column{vs.Column()}, vs.NameColumns(grouper.SchemeDRG)...)}
	out, rej, st := runBatch(t, nil, []byte(in), opts)
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := map[string]string{"a": "HC25 A", "b": "HC26 B", "e": "HC25 A", "f": "HC26 B"}
	if len(rows) != 1+len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows)-1, len(want), out)
	}
	head := strings.Split(rows[0], ",")
	col := func(row []string, name string) string {
		for i, h := range head {
			if h == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s in %q", name, rows[0])
		return ""
	}
	for _, r := range rows[1:] {
		c := strings.Split(r, ",")
		if got := col(c, "drg") + " " + col(c, "rule_set_version"); got != want[c[0]] {
			t.Errorf("record %s: %s, want %s", c[0], got, want[c[0]])
		}
		// Named by its own version: HC25 exists only in A (found in review:
		// the latest version named every record, leaving HC25 blank).
		if name := col(c, "drg_name"); name != "腹腔镜胆囊切除术，不伴并发症或合并症" {
			t.Errorf("record %s: drg_name %q", c[0], name)
		}
	}
	for _, w := range []string{
		"4,c,discharge_date,not_in_force,\"record: no rule set or policy in force on the discharge date: discharged 2025-02-01, outside every revision of rule set sample (..2024-06-30, 2024-07-01..2024-12-31)\"",
		"5,d,discharge_date,not_in_force,record: no rule set or policy in force on the discharge date: no discharge date to pick the revision of rule set sample in force",
	} {
		if !strings.Contains(string(rej), w) {
			t.Errorf("rejects lack %q:\n%s", w, rej)
		}
	}
	if st.Records != 6 || st.Grouped != 4 || st.Rejected != 2 {
		t.Errorf("stats %+v, want 6 = 4 grouped + 2 rejected", st)
	}
	if i, ok := vs.ForDate(record.DateOf(2024, 7, 1)); !ok || i != 1 {
		t.Errorf("ForDate(2024-07-01) = %d, %t; want 1", i, ok)
	}
	if _, ok := vs.ForDate(0); ok {
		t.Error("ForDate(no date) found a version")
	}
}

// TestPolicyPeriod: a policy's valid_to was parsed and ignored, and a
// 2031 stay was paid under a policy valid to 2025-12-31. A record
// discharged outside the policy's period is now rejected as not in force;
// one without a discharge date is priced, there being nothing to check.
func TestPolicyPeriod(t *testing.T) {
	g, calc := batch.SamplePricing(t)
	if got := calc.Valid().String(); got != "2024-01-01..2026-12-31" {
		t.Fatalf("sample policy period %s, want 2024-01-01..2026-12-31", got)
	}
	in := "id,sex,age_years,principal_dx,procedures,discharge_date\n" +
		"a,1,50,K80.100,51.2300,2024-03-01\n" +
		"b,1,50,K80.100,51.2300,2031-05-01\n" +
		"c,1,50,K80.100,51.2300,\n"
	out, rej, st := runBatch(t, g, []byte(in), batch.Options{Workers: 1, Payment: calc})
	if st.Grouped != 2 || st.Rejected != 1 {
		t.Errorf("stats %+v, want 2 grouped and 1 rejected", st)
	}
	if !strings.Contains(string(rej), "3,b,discharge_date,not_in_force,") || !strings.Contains(string(rej), "discharged 2031-05-01, outside the period 2024-01-01..2026-12-31 of policy SAMPLE") {
		t.Errorf("rejects:\n%s", rej)
	}
	if strings.Contains(string(out), "\nb,") {
		t.Errorf("the 2031 record was priced:\n%s", out)
	}
}

// TestVersionsMixedPayment: versions priced and unpriced cannot share one
// output's columns.
func TestVersionsMixedPayment(t *testing.T) {
	vs := versionedSample(t)
	_, calc := batch.SamplePricing(t)
	vs[1].Payment = calc
	rd, err := record.NewReader(strings.NewReader("id,principal_dx\na,K80.100\n"), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = batch.Run(t.Context(), nil, rd, &strings.Builder{}, nil, batch.Options{Versions: vs})
	if err == nil || !strings.Contains(err.Error(), "price every version or none") {
		t.Errorf("Run: %v, want the mixed-payment error", err)
	}
}

// TestVersionsWithoutGrouper: a version without a grouper is an error
// wrapping ErrVersions, not a panic (found in review).
func TestVersionsWithoutGrouper(t *testing.T) {
	rd, err := record.NewReader(strings.NewReader("id,principal_dx\na,K80.100\n"), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = batch.Run(t.Context(), nil, rd, &strings.Builder{}, nil, batch.Options{Versions: batch.Versions{{}}})
	if !errors.Is(err, batch.ErrVersions) {
		t.Errorf("Run: %v, want ErrVersions", err)
	}
}

// TestUnpaidOutsidePeriod: under a policy the user did not choose (the
// embedded sample, made UnpaidOutsidePeriod), a record discharged outside
// its period is grouped and left unpaid as not_in_force, not refused
// (found in review: a 2023 file was refused whole by default).
func TestUnpaidOutsidePeriod(t *testing.T) {
	g, calc := batch.SamplePricing(t)
	in := "id,sex,age_years,principal_dx,procedures,discharge_date,hospital_level\n" +
		"a,1,50,K80.100,51.2300,2024-03-01,3\nb,1,50,K80.100,51.2300,2031-05-01,3\n"
	var unpaid []string
	opts := batch.Options{Workers: 1, Payment: calc.UnpaidOutsidePeriod(), OnResult: func(rec *record.Record, _ *grouper.Result, pay *weights.Payment) {
		unpaid = append(unpaid, rec.ID+":"+pay.Reason)
	}}
	_, rej, st := runBatch(t, g, []byte(in), opts)
	if st.Grouped != 2 || st.Rejected != 0 || strings.Join(unpaid, " ") != "a: b:not_in_force" {
		t.Errorf("grouped %d rejected %d, unpaid %v\n%s", st.Grouped, st.Rejected, unpaid, rej)
	}
}
