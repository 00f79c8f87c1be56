package weights

import (
	"fmt"
	"testing"

	"github.com/medpay/drg/grouper"
)

func TestCodeTable(t *testing.T) {
	m := newCodeTable[int]()
	var keys []string
	for i := range 2000 { // forces several resizes
		keys = append(keys, fmt.Sprintf("G%03d", i), fmt.Sprintf("K%02d.%d", i%100, i))
	}
	keys = append(keys, "K80.1:51.2300", "a-much-longer-group-code", "A\x00", "A", "12345678", "123456789",
		"ABCDEFG", "ABCDEFG\x07", "ABCDEFG\x00", "\x00")
	want := map[string]int{}
	for i, k := range keys {
		if _, dup := want[k]; dup {
			continue
		}
		want[k] = i + 1
		*m.put(k, -1) = i + 1
	}
	if m.len() != len(want) {
		t.Fatalf("len %d, want %d", m.len(), len(want))
	}
	for k, v := range want {
		got, ok := m.get(k)
		if !ok || *got != v {
			t.Errorf("get(%q) = %v, %v; want %d", k, got, ok, v)
		}
		if again := m.put(k, -1); *again != v {
			t.Errorf("put(%q) again = %d, want %d", k, *again, v)
		}
	}
	if m.len() != len(want) {
		t.Fatalf("len after re-puts %d, want %d", m.len(), len(want))
	}
	for _, k := range []string{"", "G2000", "A\x00\x00", "ABCDEFG\x06", "ABCDEF\x07", "K80.1:51.2301", "1234567", "ZZZZZZZZZ"} {
		if v, ok := m.get(k); ok {
			t.Errorf("get(%q) found %d", k, *v)
		}
	}
	if v := m.put("new", 42); *v != 42 {
		t.Errorf("put with init: %d", *v)
	}
}

// TestPaymentReuse: a Payment reused after a record with many adjustments
// equals a fresh one (Compute resets every field).
func TestPaymentReuse(t *testing.T) {
	calc := mustCalc(t, mustPolicy(t, testPolicy), mustTable(t, testTable))
	for _, c := range computeCases() {
		var dirty, fresh Payment
		calc.Compute(mkRec(level(1), kind("tcm"), cost(12000), tcmDx("A11.02.03"), dayWard()), drgRes("IS15", "S52.500"), grouper.SchemeDRG, &dirty)
		calc.Compute(c.rec, c.res, c.s, &dirty)
		calc.Compute(c.rec, c.res, c.s, &fresh)
		if dirty != fresh {
			t.Errorf("reused payment differs:\n got %+v\nwant %+v", dirty, fresh)
		}
	}
}

func TestGeCents(t *testing.T) {
	for _, c := range []struct {
		a, b float64
		want bool
	}{
		{3000, 3000, true}, {2999.99, 3000, false}, {3000.01, 3000, true},
		{2999.995, 3000, true},    // rounds to 3000.00
		{2999.994, 3000, false},   // rounds to 2999.99
		{370.37, 370.368, true},   // 370.368 rounds to 370.37
		{370.36, 370.368, false},  //
		{0.3 * 3, 0.9, true},      // 0.8999999999999999 vs 0.9
		{1e6, 1e6 + 0.0049, true}, // same cent
		{1e6, 1e6 + 0.02, false},
	} {
		if got := geCents(c.a, c.b); got != c.want {
			t.Errorf("geCents(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := cents(c.a) >= cents(c.b); got != c.want {
			t.Errorf("reference cents(%v) >= cents(%v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
