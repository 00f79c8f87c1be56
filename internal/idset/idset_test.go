package idset

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

// TestSpillExact checks that a bounded Set answers exactly like an
// unbounded one while spilling many runs, with a filter so small that nearly
// every lookup goes to the run files.
func TestSpillExact(t *testing.T) {
	for _, tc := range []struct {
		name       string
		memMax     int
		bloomWords int
	}{
		{"filter-saturated", 100, bloomBlockWords},
		{"filter-sized", 100, 1 << 12},
		{"one-spill", 4000, 1 << 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := &Set{memMax: tc.memMax, bloomWords: tc.bloomWords, dir: dir}
			want := map[uint64]bool{}
			rng := rand.New(rand.NewPCG(5, 6))
			var added []uint64
			for i := range 6000 {
				var h uint64
				switch {
				case i%7 == 3 && len(added) > 0: // an earlier hash, maybe long spilled
					h = added[rng.IntN(len(added))]
				case i == 10:
					h = 0 // stored as 1
				default:
					h = rng.Uint64()
				}
				key := max(h, 1)
				got, err := s.add(h)
				if err != nil {
					t.Fatal(err)
				}
				if got != want[key] {
					t.Fatalf("add %d (%#x) = %v, want %v", i, h, got, want[key])
				}
				if !want[key] {
					want[key] = true
					added = append(added, h)
				}
			}
			if s.Len() != len(want) {
				t.Errorf("Len = %d, want %d", s.Len(), len(want))
			}
			if tc.memMax < len(want) && s.Spilled() == 0 {
				t.Errorf("no run was spilled for %d ids at %d in memory", len(want), tc.memMax)
			}
			if s.mem.n > tc.memMax {
				t.Errorf("%d hashes in memory, bound %d", s.mem.n, tc.memMax)
			}
			if len(s.runs) > maxRuns {
				t.Errorf("%d run files open, bound %d", len(s.runs), maxRuns)
			}
			if s.Spilled() > maxRuns && s.merges == 0 {
				t.Errorf("%d spills and no merge", s.Spilled())
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("run files left after Close: %v", left)
			}
		})
	}
}

// TestBounded checks New's sizing and that Add finds a repeat of an id that
// was spilled long before.
func TestBounded(t *testing.T) {
	s := New(Options{MaxMemory: 16 << 10, TempDir: t.TempDir()})
	defer s.Close()
	if s.memMax != 768 || s.bloomWords != 1024 {
		t.Fatalf("16 KiB: memMax %d, bloom words %d; want 768 and 1024 (8 KiB each)", s.memMax, s.bloomWords)
	}
	for i := range 10_000 {
		id := fmt.Sprintf("R%07d", i)
		if seen, err := s.Add(id); err != nil || seen {
			t.Fatalf("Add(%s) = %v, %v; want a new id", id, seen, err)
		}
	}
	if seen, err := s.Add("R0000005"); err != nil || !seen {
		t.Fatalf("Add of a repeat = %v, %v; want seen", seen, err)
	}
	if s.Spilled() < 10 || s.mem.n > 768 {
		t.Errorf("spilled %d runs with %d in memory; want >= 10 runs and <= 768", s.Spilled(), s.mem.n)
	}
}

// TestAddAll checks that AddAll gives exactly the answers of a loop over
// Add, in memory and while spilling, with repeats inside one batch and
// across batches.
func TestAddAll(t *testing.T) {
	for _, bound := range []int64{0, 16 << 10} {
		t.Run(fmt.Sprintf("bound=%d", bound), func(t *testing.T) {
			one := New(Options{MaxMemory: bound, TempDir: t.TempDir()})
			all := New(Options{MaxMemory: bound, TempDir: t.TempDir()})
			defer one.Close()
			defer all.Close()
			rng := rand.New(rand.NewPCG(7, 8))
			line, repeats := 2, 0
			var idx []int
			for batch := range 60 {
				ids := make([]string, rng.IntN(400)) // some batches empty
				for i := range ids {
					n := rng.IntN(line + 50) // often an earlier id, sometimes in this batch
					ids[i] = fmt.Sprintf("R%06d", n)
					line++
				}
				var want []int
				for i, id := range ids {
					seen, err := one.Add(id)
					if err != nil {
						t.Fatal(err)
					}
					if seen {
						want = append(want, i)
					}
				}
				var err error
				idx, err = all.AddAll(ids, idx[:0])
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(idx, want) {
					t.Fatalf("batch %d: repeats at %v, want %v", batch, idx, want)
				}
				repeats += len(want)
			}
			if repeats < 1000 || all.Len() != one.Len() {
				t.Errorf("%d repeats, Len %d vs %d: the test did not exercise what it should", repeats, all.Len(), one.Len())
			}
			if bound > 0 && all.Spilled() == 0 {
				t.Error("the bounded set never spilled")
			}
		})
	}
}

// TestAddAllAppends checks that AddAll appends to seen, keeping what it held.
func TestAddAllAppends(t *testing.T) {
	var s Set
	got, err := s.AddAll([]string{"a", "b", "a", "a"}, []int{7})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{7, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestTable checks the in-memory table alone: every hash, 0 included (stored
// as 1), is new once and present after, and the table stays within its load
// limit.
func TestTable(t *testing.T) {
	var s table
	for i := range uint64(100_000) {
		h := i * 0x9e3779b97f4a7c15 // includes 0
		if !s.add(h) {
			t.Fatalf("add(%#x): new hash reported present", h)
		}
	}
	for i := range uint64(100_000) {
		if s.add(i * 0x9e3779b97f4a7c15) {
			t.Fatalf("add: hash %d reported absent the second time", i)
		}
	}
	if s.add(1) {
		t.Errorf("add(1): got absent, want present (0 is stored as 1)")
	}
	if got, max := len(s.slots), 4*100_001/3*2+1024; got > max {
		t.Errorf("table has %d slots for 100000 hashes, want at most %d", got, max)
	}
}

// TestHashID: no collision among a million ids of one hospital's pattern,
// trailing zero bytes count, and equal strings hash alike.
func TestHashID(t *testing.T) {
	seen := make(map[uint64]string, 1<<20)
	for i := range 1 << 20 {
		id := fmt.Sprintf("320501-2024-%08d", i)
		h := hashID(id)
		if prev, ok := seen[h]; ok {
			t.Fatalf("hashID(%q) == hashID(%q)", id, prev)
		}
		seen[h] = id
	}
	if hashID("a") == hashID("a\x00") || hashID("") == hashID("\x00") {
		t.Error("hashID ignores trailing zero bytes")
	}
	a, b := "abc", string([]byte{'a', 'b', 'c'})
	if hashID(a) != hashID(b) {
		t.Error("hashID is not deterministic across equal strings")
	}
}

// TestExpected checks that a bounded Set told how many ids to expect starts
// with a table that holds them without growing, within its bound, and
// answers as one that grew; an unbounded one ignores the estimate (it
// would set the memory).
func TestExpected(t *testing.T) {
	if s := New(Options{Expected: 10_000}); len(s.mem.slots) != 0 {
		t.Errorf("unbounded: a table of %d slots before any id", len(s.mem.slots))
	}
	for _, tc := range []struct {
		name      string
		opts      Options
		wantSlots int
	}{
		{"sized", Options{Expected: 10_000, MaxMemory: 1 << 30}, 16384},          // 10 000 ≤ 3/4 of 16 384
		{"exact-fit", Options{Expected: 3*4096/4 - 1, MaxMemory: 1 << 30}, 4096}, // 3 071, and a look-up, fit 4 096 at 3/4
		{"one-more", Options{Expected: 3 * 4096 / 4, MaxMemory: 1 << 30}, 8192},  // 3 072 do not
		{"small", Options{Expected: 5, MaxMemory: 1 << 30}, 1024},                // the smallest table
		{"bounded", Options{Expected: 1 << 30, MaxMemory: 1 << 20}, 65536},       // half of 1 MiB in 8-byte slots
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(tc.opts)
			if got := len(s.mem.slots); got != tc.wantSlots {
				t.Fatalf("table of %d slots, want %d", got, tc.wantSlots)
			}
			plain := New(Options{MaxMemory: tc.opts.MaxMemory})
			n := min(tc.opts.Expected, 3*tc.wantSlots/4-1)
			for i := range n + n/10 {
				id := fmt.Sprintf("R%09d", i%n) // the last tenth repeats
				a, err := s.Add(id)
				if err != nil {
					t.Fatal(err)
				}
				b, err := plain.Add(id)
				if err != nil {
					t.Fatal(err)
				}
				if a != b || a != (i >= n) {
					t.Fatalf("id %d (%s): seen %v, growing set %v, want %v", i, id, a, b, i >= n)
				}
			}
			if got := len(s.mem.slots); got != tc.wantSlots {
				t.Errorf("after %d ids the table has %d slots, want %d: it grew", n, got, tc.wantSlots)
			}
			if s.Spilled() != 0 {
				t.Errorf("spilled %d times", s.Spilled())
			}
		})
	}
}
