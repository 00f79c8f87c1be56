package codes

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

func TestDictEmpty(t *testing.T) {
	d := NewDict(SystemProcedure)
	if got := d.System(); got != SystemProcedure {
		t.Errorf("System() = %s, want %s", got, SystemProcedure)
	}
	if got := d.Len(); got != 0 {
		t.Errorf("Len() = %d, want 0", got)
	}
	for _, id := range []ID{0, 1, 1 << 31} {
		if got := d.Code(id); got != "" {
			t.Errorf("Code(%d) = %q, want \"\"", id, got)
		}
	}
	for _, c := range []string{"", "51.2300"} {
		if id, ok := d.Lookup(c); ok || id != 0 {
			t.Errorf("Lookup(%q) = %d, %v; want 0, false", c, id, ok)
		}
	}
	if id, exact, ok := d.LookupDiagnosis("K80.000"); ok || exact || id != 0 {
		t.Errorf("LookupDiagnosis on empty dict = %d, %v, %v; want 0, false, false", id, exact, ok)
	}
}

func TestDictInternLookupCode(t *testing.T) {
	d := NewDict(SystemDiagnosis)
	in := []string{"K80.000x004", "K80.0", "K80", "E10.200x028+N08.3*", "A33.x00"}
	for i, c := range in {
		if got, want := d.Intern(c), ID(i+1); got != want {
			t.Errorf("Intern(%q) = %d, want %d (IDs are dense from 1)", c, got, want)
		}
	}
	// Interning again returns the same ID and does not grow the dict.
	for i, c := range in {
		if got, want := d.Intern(c), ID(i+1); got != want {
			t.Errorf("second Intern(%q) = %d, want %d", c, got, want)
		}
	}
	if got := d.Len(); got != len(in) {
		t.Errorf("Len() = %d, want %d", got, len(in))
	}
	for i, c := range in {
		id, ok := d.Lookup(c)
		if !ok || id != ID(i+1) {
			t.Errorf("Lookup(%q) = %d, %v; want %d, true", c, id, ok, i+1)
		}
		if got := d.Code(id); got != c {
			t.Errorf("Code(%d) = %q, want %q", id, got, c)
		}
	}
	// Lookup is exact: no normalisation, no prefix match.
	for _, c := range []string{"k80", "K80.000", "K80.000x00", "K8", "", "E10.200x028"} {
		if id, ok := d.Lookup(c); ok {
			t.Errorf("Lookup(%q) = %d, true; want not found", c, id)
		}
	}
	if got := d.Code(ID(len(in) + 1)); got != "" {
		t.Errorf("Code(past the end) = %q, want \"\"", got)
	}
	if got := d.Code(0); got != "" {
		t.Errorf("Code(0) = %q, want \"\"", got)
	}
}

// TestDictGrowth interns far more codes than the initial table holds, so the
// table resizes several times; every ID must stay valid and dense.
func TestDictGrowth(t *testing.T) {
	for _, n := range []int{47, 48, 49, 96, 1000, 20000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			d := NewDict(SystemDiagnosis)
			code := func(i int) string { return fmt.Sprintf("%c%02d.%03d", 'A'+i/100000%26, i/1000%100, i%1000) }
			for i := range n {
				if got := d.Intern(code(i)); got != ID(i+1) {
					t.Fatalf("Intern(%q) = %d, want %d", code(i), got, i+1)
				}
			}
			if d.Len() != n {
				t.Fatalf("Len() = %d, want %d", d.Len(), n)
			}
			for i := range n {
				if id, ok := d.Lookup(code(i)); !ok || id != ID(i+1) {
					t.Fatalf("after growth Lookup(%q) = %d, %v; want %d, true", code(i), id, ok, i+1)
				}
				if got := d.Code(ID(i + 1)); got != code(i) {
					t.Fatalf("Code(%d) = %q, want %q", i+1, got, code(i))
				}
			}
			for i := n; i < n+100; i++ {
				if id, ok := d.Lookup(code(i)); ok {
					t.Fatalf("Lookup(%q) = %d, true; never interned", code(i), id)
				}
			}
			// The load factor stays at or below 3/4, so a miss always ends.
			if 4*(d.Len()+1) > 3*len(d.slots) {
				t.Errorf("%d codes in %d slots: load above 3/4", d.Len(), len(d.slots))
			}
		})
	}
}

// TestDictIDsDependOnOrderOnly: the hash seed is random per Dict, but IDs are
// the insertion order, so two builds from the same list agree.
func TestDictIDsDependOnOrderOnly(t *testing.T) {
	a, b := NewDict(SystemProcedure), NewDict(SystemProcedure)
	for i := range 500 {
		c := fmt.Sprintf("%02d.%04d", i%100, i)
		if ia, ib := a.Intern(c), b.Intern(c); ia != ib {
			t.Fatalf("Intern(%q): %d in one dict, %d in the other", c, ia, ib)
		}
	}
}

func TestDictNationalDiagnoses(t *testing.T) {
	list := readCodes(t, "diagnoses.tsv")
	d := NewDict(SystemDiagnosis)
	for _, c := range list {
		d.Intern(c)
	}
	if d.Len() != len(list) {
		t.Errorf("Len() = %d, want %d (the dictionary has no duplicates)", d.Len(), len(list))
	}
	for i, c := range list {
		if id, ok := d.Lookup(c); !ok || id != ID(i+1) {
			t.Fatalf("Lookup(%q) = %d, %v; want %d, true", c, id, ok, i+1)
		}
		// Every code resolves, exactly, through LookupDiagnosis.
		if id, exact, ok := d.LookupDiagnosis(c); !ok || !exact || id != ID(i+1) {
			t.Fatalf("LookupDiagnosis(%q) = %d, %v, %v; want %d, true, true", c, id, exact, ok, i+1)
		}
	}
}

// hierarchyDict holds a small rule-like set: a category, subcategories and
// exact codes, with gaps so every fallback path is taken.
func hierarchyDict() *Dict {
	d := NewDict(SystemDiagnosis)
	for _, c := range []string{
		"K80",                // 1
		"K80.0",              // 2
		"K80.000x004",        // 3
		"E10.2",              // 4
		"E10",                // 5
		"A33",                // 6
		"E10.200x028+N08.3*", // 7
		"I63.900",            // 8
		"N08.3",              // 9
	} {
		d.Intern(c)
	}
	return d
}

func TestDictLookupDiagnosis(t *testing.T) {
	d := hierarchyDict()
	for _, tc := range []struct {
		code      string
		want      string // "" when not found
		wantExact bool
	}{
		{"K80.000x004", "K80.000x004", true}, // exact
		{"K80.0", "K80.0", true},             // a subcategory named by a rule
		{"K80", "K80", true},                 // a category named by a rule
		{"K80.000x002", "K80.0", false},      // subcategory fallback
		{"K80.000", "K80.0", false},          // subcategory fallback
		{"K80.100", "K80", false},            // no K80.1: category fallback
		{"K80.1", "K80", false},              // subcategory itself missing
		{"A33.x00", "A33", false},            // placeholder subcategory A33.x missing
		{"E10.200x028+N08.3*", "E10.200x028+N08.3*", true},
		{"E10.200x029+N08.3*", "E10.2", false}, // pair falls back on its dagger part
		{"E10.900+N08.3*", "E10", false},
		{"E10+N08.3*", "E10", false},
		{"I63.901", "", false}, // neither I63.9 nor I63
		{"K81.000", "", false},
		{"N08", "", false}, // the ancestors of N08 are not N08.3
		{"", "", false},
		{"K8", "", false},
	} {
		id, exact, ok := d.LookupDiagnosis(tc.code)
		if tc.want == "" {
			if ok || exact || id != 0 {
				t.Errorf("LookupDiagnosis(%q) = %d (%q), %v, %v; want 0, false, false", tc.code, id, d.Code(id), exact, ok)
			}
			continue
		}
		if !ok || exact != tc.wantExact || d.Code(id) != tc.want {
			t.Errorf("LookupDiagnosis(%q) = %q, exact %v, ok %v; want %q, exact %v, ok true", tc.code, d.Code(id), exact, ok, tc.want, tc.wantExact)
		}
	}
}

func TestDictParent(t *testing.T) {
	d := hierarchyDict()
	d.Intern("K80.100")      // 10: no K80.1 interned
	d.Intern("E11.900")      // 11: no ancestor at all
	d.Intern("A33.x00x001")  // 12: A33.x missing, A33 present
	d.Intern("A01.002+G01*") // 13: no ancestor
	d.Intern("N08.300x001")  // 14
	d.Intern("N08.3*")       // 15: an asterisk code on its own
	parent := func(code string) string {
		id, ok := d.Lookup(code)
		if !ok {
			t.Fatalf("%q not interned", code)
		}
		return d.Code(d.Parent(id))
	}
	for _, tc := range []struct{ code, want string }{
		{"K80.000x004", "K80.0"},
		{"K80.0", "K80"},
		{"K80", ""},
		{"K80.100", "K80"},
		{"E10.200x028+N08.3*", "E10.2"},
		{"E10.2", "E10"},
		{"E10", ""},
		{"E11.900", ""},
		{"A33.x00x001", "A33"},
		{"A01.002+G01*", ""},
		{"N08.300x001", "N08.3"},
		{"N08.3*", "N08.3"},
		{"N08.3", ""},
	} {
		if got := parent(tc.code); got != tc.want {
			t.Errorf("Parent(%q) = %q, want %q", tc.code, got, tc.want)
		}
	}
	for _, id := range []ID{0, 999} {
		if got := d.Parent(id); got != 0 {
			t.Errorf("Parent(%d) = %d, want 0", id, got)
		}
	}
	// Following Parent always ends, at a code with no interned ancestor.
	for id := ID(1); int(id) <= d.Len(); id++ {
		steps := 0
		for p := d.Parent(id); p != 0; p = d.Parent(p) {
			if steps++; steps > 2 {
				t.Fatalf("Parent chain from %q longer than 2", d.Code(id))
			}
		}
	}
}

// TestDictConcurrentReaders is meant for -race: a built Dict is read by many
// goroutines at once.
func TestDictConcurrentReaders(t *testing.T) {
	d := NewDict(SystemDiagnosis)
	const n = 5000
	code := func(i int) string { return fmt.Sprintf("K%02d.%03dx%03d", i%100, i%1000, i%997) }
	ids := make(map[string]ID, n)
	for i := range n {
		c := code(i)
		ids[c] = d.Intern(c)
		d.Intern(c[:5])
		d.Intern(c[:3])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 3 * n {
				c := code((k*7 + g*131) % n)
				id, ok := d.Lookup(c)
				if !ok || id != ids[c] || d.Code(id) != c {
					errs <- fmt.Sprintf("Lookup(%q) = %d, %v; want %d", c, id, ok, ids[c])
					return
				}
				if p := d.Parent(id); d.Code(p) != c[:5] {
					errs <- fmt.Sprintf("Parent(%q) = %q, want %q", c, d.Code(p), c[:5])
					return
				}
				miss := c + "0" // never interned: falls back to the subcategory
				if id, exact, ok := d.LookupDiagnosis(miss); !ok || exact || d.Code(id) != c[:5] {
					errs <- fmt.Sprintf("LookupDiagnosis(%q) = %q, %v, %v; want %q, false, true", miss, d.Code(id), exact, ok, c[:5])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestDictMatchesMap interns codes of every length class (short, 8-12 bytes
// inline, 13+ bytes long form, with and without NUL padding look-alikes) and
// checks Lookup against a map, also with IDs forced into the long form.
func TestDictMatchesMap(t *testing.T) {
	for _, limit := range []ID{maxInlineID, 50} {
		t.Run(fmt.Sprintf("inline-ids-to-%d", limit), func(t *testing.T) {
			defer func(old ID) { maxInlineID = old }(maxInlineID)
			maxInlineID = limit
			rng := rand.New(rand.NewPCG(7, uint64(limit)))
			const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.x+*-"
			d := NewDict(SystemDiagnosis)
			want := map[string]ID{}
			var all []string
			for len(want) < 3000 {
				b := make([]byte, 1+rng.IntN(20))
				for i := range b {
					b[i] = alphabet[rng.IntN(len(alphabet))]
				}
				c := string(b)
				if _, dup := want[c]; dup {
					continue
				}
				want[c] = d.Intern(c)
				all = append(all, c)
			}
			for _, c := range all {
				if id, ok := d.Lookup(c); !ok || id != want[c] {
					t.Fatalf("Lookup(%q) = %d, %v; want %d, true", c, id, ok, want[c])
				}
				if got := d.Code(want[c]); got != c {
					t.Fatalf("Code(%d) = %q, want %q", want[c], got, c)
				}
				// Near misses: a trailing NUL, one byte dropped, one byte changed.
				for _, miss := range []string{c + "\x00", c[:len(c)-1], c[:len(c)-1] + "#"} {
					if _, in := want[miss]; in {
						continue
					}
					if id, ok := d.Lookup(miss); ok {
						t.Fatalf("Lookup(%q) = %d, true; it was never interned", miss, id)
					}
				}
			}
		})
	}
}

// TestDictPrefetchChangesNothing: Prefetch is a hint. On codes of every
// length class (short, word-sized, inline, long), unknown codes and the
// empty string, on an empty Dict too, it neither panics, allocates nor
// changes what Lookup finds.
func TestDictPrefetchChangesNothing(t *testing.T) {
	in := []string{"A", "K8", "K80", "K80.1", "K80.100", "K80.100x004", "K80.100x00412", "K80.100x004123456789"}
	probes := append([]string{"", "Z99", "Z99.999x999", "Q00.000x000000000000"}, in...)
	NewDict(SystemDiagnosis).Prefetch("K80") // empty table
	d := NewDict(SystemDiagnosis)
	want := map[string]ID{}
	for _, c := range in {
		want[c] = d.Intern(c)
	}
	allocs := testing.AllocsPerRun(10, func() {
		for _, c := range probes {
			d.Prefetch(c)
		}
	})
	if allocs != 0 {
		t.Errorf("Prefetch allocates %.1f times a round", allocs)
	}
	for _, c := range probes {
		id, ok := d.Lookup(c)
		if w, known := want[c]; id != w || ok != known {
			t.Errorf("Lookup(%q) after Prefetch = %d, %t; want %d, %t", c, id, ok, w, known)
		}
	}
}
