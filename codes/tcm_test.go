package codes

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestDefaultTCMMapRows(t *testing.T) {
	m := DefaultTCMMap()
	rows := m.Rows()
	if len(rows) != 18 {
		t.Fatalf("DefaultTCMMap has %d rows, want the 18 of tcm_sample.csv", len(rows))
	}
	// Comment lines count: the header is line 5, the first row line 6.
	first := rows[0]
	if want := (TCMMapping{Disease: "A07.01.01", Western: "I63.900", Note: "中风病 default -> 脑梗死", Line: 6}); first != want {
		t.Errorf("first row = %+v, want %+v", first, want)
	}
	seen := map[[2]string]int{}
	lines := map[int]bool{}
	for i, r := range rows {
		for sys, c := range map[System]string{SystemTCMDisease: r.Disease, SystemDiagnosis: r.Western} {
			if got, err := Normalize(sys, c); err != nil || got != c {
				t.Errorf("row %+v: %s code %q is not canonical", r, sys, c)
			}
		}
		if r.Syndrome != "" {
			if got, err := Normalize(SystemTCMSyndrome, r.Syndrome); err != nil || got != r.Syndrome {
				t.Errorf("row %+v: syndrome %q is not canonical", r, r.Syndrome)
			}
		}
		if r.Line < 6 || r.Line > 23 || lines[r.Line] {
			t.Errorf("row %+v: line %d outside 6..23 or repeated", r, r.Line)
		}
		lines[r.Line] = true
		key := [2]string{r.Disease, r.Syndrome}
		if j, dup := seen[key]; dup {
			t.Errorf("rows %d and %d share the key %v", j, i, key)
		}
		seen[key] = i
		// Lookup order: a disease's rows are adjacent, its default first.
		if i > 0 && rows[i-1].Disease == r.Disease && r.Syndrome == "" {
			t.Errorf("row %d %+v: default row after a syndrome row", i, r)
		}
		if i > 0 && rows[i-1].Disease != r.Disease {
			for _, earlier := range rows[:i-1] {
				if earlier.Disease == r.Disease {
					t.Errorf("rows of %s are not adjacent", r.Disease)
				}
			}
		}
	}
	// DefaultTCMMap returns an independent map each time.
	if DefaultTCMMap() == m {
		t.Error("DefaultTCMMap returned the same pointer twice")
	}
}

func TestTCMMapMap(t *testing.T) {
	m := DefaultTCMMap()
	for _, tc := range []struct {
		disease, syndrome string
		western           string // "" when !ok
		line              int
	}{
		{"A07.01.01", "B02.03.05", "I63.900", 7}, // listed syndrome
		{"A07.01.01", "B04.02.03", "I61.900", 8}, // listed syndrome, other target
		{"A07.01.01", "B99.99.99", "I63.900", 6}, // unlisted syndrome -> default
		{"A07.01.01", "", "I63.900", 6},          // no syndrome -> default
		{"A04.02.01", "B03.06.02", "I20.000", 11},
		{"A04.02.01", "B02.03.05", "I20.900", 10}, // another disease's syndrome
		{"A03.06.01", "B07.02.01", "M51.202", 18},
		{"A03.06.01", "", "M54.500", 17},
		{"A06.09", "", "E11.900", 12},
		{"A07.01.02", "B02.03.05", "R42.x00", 9},
		{"A04.01.03", "", "I50.900", 23},
		{"A99.01.01", "", "", 0},          // unknown disease
		{"A99.01.01", "B02.03.05", "", 0}, // unknown disease, known syndrome
		{"a07.01.01", "", "", 0},          // Map takes canonical codes only
		{"A07.01", "", "", 0},             // a prefix is not the disease
		{"", "", "", 0},
	} {
		row, ok := m.Map(tc.disease, tc.syndrome)
		if tc.western == "" {
			if ok || row != nil {
				t.Errorf("Map(%q, %q) = %+v, %v; want nil, false", tc.disease, tc.syndrome, row, ok)
			}
			continue
		}
		if !ok || row == nil {
			t.Errorf("Map(%q, %q) = nil, false; want %s (line %d)", tc.disease, tc.syndrome, tc.western, tc.line)
			continue
		}
		if row.Western != tc.western || row.Line != tc.line || row.Disease != tc.disease {
			t.Errorf("Map(%q, %q) = %+v; want %s from line %d", tc.disease, tc.syndrome, *row, tc.western, tc.line)
		}
	}
}

// noDefaultCSV has a disease (A04.02.01) without a default row.
const noDefaultCSV = `tcm_disease,tcm_syndrome,western_dx
A04.02.01,B03.06.02,I20.000
A04.02.01,B02.03.05,I20.900
A06.09,,E11.900
`

func TestTCMMapNoDefault(t *testing.T) {
	m, err := ParseTCMMap(strings.NewReader(noDefaultCSV))
	if err != nil {
		t.Fatal(err)
	}
	f := func(disease, syndrome, want string, wantLine int) {
		t.Helper()
		row, ok := m.Map(disease, syndrome)
		switch {
		case want == "" && ok:
			t.Errorf("Map(%q, %q) = %+v, want !ok", disease, syndrome, *row)
		case want == "" && row != nil:
			t.Errorf("Map(%q, %q) returned row %+v with !ok", disease, syndrome, *row)
		case want != "" && (!ok || row.Western != want || row.Line != wantLine):
			t.Errorf("Map(%q, %q) = %+v, %v; want %s from line %d", disease, syndrome, row, ok, want, wantLine)
		}
	}
	f("A04.02.01", "B03.06.02", "I20.000", 2)
	f("A04.02.01", "B02.03.05", "I20.900", 3)
	f("A04.02.01", "B07.02.01", "", 0) // unlisted syndrome, no default
	f("A04.02.01", "", "", 0)          // no syndrome, no default
	f("A06.09", "B07.02.01", "E11.900", 4)
	// A note column is optional; the rows have none.
	for _, r := range m.Rows() {
		if r.Note != "" {
			t.Errorf("row %+v has a note, want none", r)
		}
	}
}

func TestParseTCMMapNormalizes(t *testing.T) {
	const in = "# dirty export\r\n" +
		"tcm_disease,tcm_syndrome,western_dx,note,extra\r\n" +
		" a07.01.01 ,ｂ０２．０３．０５,i63900,\"风痰, 阻络\",ignored\r\n" +
		"A07.01.01,  ,K80000X004\r\n"
	m, err := ParseTCMMap(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []TCMMapping{
		{Disease: "A07.01.01", Western: "K80.000x004", Line: 4},
		{Disease: "A07.01.01", Syndrome: "B02.03.05", Western: "I63.900", Note: "风痰, 阻络", Line: 3},
	}
	got := m.Rows()
	if len(got) != len(want) {
		t.Fatalf("Rows() = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseTCMMapErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       string
		want     []string // substrings of the message
		sentinel error    // wrapped cause, if any
	}{
		{"empty input", "", []string{"header"}, io.EOF},
		{"only comments", "# nothing\n", []string{"header"}, io.EOF},
		{"bad header", "# c\ntcm_disease,syndrome,western_dx\n", []string{"line 2", "column 2", `"syndrome"`, `"tcm_syndrome"`}, nil},
		{"header order", "tcm_syndrome,tcm_disease,western_dx\n", []string{"line 1", "column 1", `"tcm_syndrome"`}, nil},
		{"short header", "tcm_disease,tcm_syndrome\n", []string{"line 1", "header is"}, nil},
		{"too few columns", "tcm_disease,tcm_syndrome,western_dx\nA07.01.01,,I63.900\nA06.09,\n", []string{"line 3", "at least 3 columns, got 2"}, nil},
		{"one column", "tcm_disease,tcm_syndrome,western_dx\n\nA06.09\n", []string{"line 3", "got 1"}, nil},
		{"bad disease", "tcm_disease,tcm_syndrome,western_dx\nA0701.01,,I63.900\n", []string{"line 2", "column tcm_disease", `"A0701.01"`}, ErrFormat},
		{"bad syndrome", "tcm_disease,tcm_syndrome,western_dx\nA07.01.01,B02-03-05,I63.900\n", []string{"line 2", "column tcm_syndrome"}, ErrCharacter},
		{"bad western", "# c\n# c\ntcm_disease,tcm_syndrome,western_dx\nA07.01.01,,K80.000x04\n", []string{"line 4", "column western_dx", "extension"}, ErrFormat},
		{"blank western", "tcm_disease,tcm_syndrome,western_dx\nA07.01.01,,I63.900\nA06.09,, \n", []string{"line 3", "column western_dx"}, ErrEmpty},
		{"blank disease", "tcm_disease,tcm_syndrome,western_dx\n,,I63.900\n", []string{"line 2", "column tcm_disease"}, ErrEmpty},
		{"duplicate default", "tcm_disease,tcm_syndrome,western_dx\nA07.01.01,,I63.900\nA06.09,,E11.900\nA07.01.01,,I61.900\n", []string{"line 4", "duplicate of line 2", "A07.01.01"}, nil},
		{"duplicate after normalising", "tcm_disease,tcm_syndrome,western_dx\nA07.01.01,B02.03.05,I63.900\na07.01.01,b02.03.05 ,I63.900\n", []string{"line 3", "duplicate of line 2", "B02.03.05"}, nil},
		{"bare quote", "tcm_disease,tcm_syndrome,western_dx\nA07.01.01,,I63\"900\n", []string{"line 2"}, csv.ErrBareQuote},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseTCMMap(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("ParseTCMMap = %d rows, want an error", len(m.Rows()))
			}
			if m != nil {
				t.Errorf("ParseTCMMap returned a map with its error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "tcm map: ") {
				t.Errorf("error %q lacks the \"tcm map: \" prefix", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("error %v, want errors.Is %v", err, tc.sentinel)
			}
			var ce *CodeError
			if errors.Is(tc.sentinel, ErrEmpty) || errors.Is(tc.sentinel, ErrFormat) || errors.Is(tc.sentinel, ErrCharacter) {
				if !errors.As(err, &ce) {
					t.Errorf("error %v, want a wrapped *CodeError", err)
				}
			}
		})
	}
}

func TestNewTCMMap(t *testing.T) {
	rows := []TCMMapping{
		{Disease: "A07.01.01", Syndrome: "B04.02.03", Western: "I61.900", Line: 1},
		{Disease: "A06.09", Western: "E11.900", Line: 2},
		{Disease: "A07.01.01", Western: "I63.900", Line: 3},
	}
	m, err := NewTCMMap(rows)
	if err != nil {
		t.Fatal(err)
	}
	rows[2].Western = "Z99.999" // NewTCMMap copied the rows
	if row, ok := m.Map("A07.01.01", ""); !ok || row.Western != "I63.900" || row.Line != 3 {
		t.Errorf("Map(A07.01.01, \"\") = %+v, %v; want I63.900 from line 3", row, ok)
	}
	var order []int
	for _, r := range m.Rows() {
		order = append(order, r.Line)
	}
	// Disease in order of first appearance, default first.
	if want := []int{3, 1, 2}; !slices.Equal(order, want) {
		t.Errorf("Rows() lines = %v, want %v", order, want)
	}

	_, err = NewTCMMap([]TCMMapping{
		{Disease: "A06.09", Western: "E11.900", Line: 10},
		{Disease: "A06.09", Western: "E11.901", Line: 20},
	})
	if err == nil || !strings.Contains(err.Error(), "line 20: duplicate of line 10") {
		t.Errorf("NewTCMMap with a duplicate key: error %v, want line 20 duplicate of line 10", err)
	}

	empty, err := NewTCMMap(nil)
	if err != nil {
		t.Fatal(err)
	}
	if row, ok := empty.Map("A06.09", ""); ok || row != nil {
		t.Errorf("empty map: Map = %+v, %v; want nil, false", row, ok)
	}
	if len(empty.Rows()) != 0 {
		t.Errorf("empty map has %d rows", len(empty.Rows()))
	}
}

func TestTCMMapRoundTrip(t *testing.T) {
	tricky, err := NewTCMMap([]TCMMapping{
		{Disease: "A07.01.01", Western: "I63.900", Note: `comma, "quotes"`},
		{Disease: "A07.01.01", Syndrome: "B02.03.05", Western: "I63.900", Note: "two\nlines"},
		{Disease: "BNG080", Syndrome: "ZYXA", Western: "E10.200x028+N08.3*", Note: " leading space"},
		{Disease: "A06.09", Western: "E11.900", Note: "# not a comment"},
		{Disease: "A06.10", Western: "E11.900"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]*TCMMap{"default": DefaultTCMMap(), "tricky": tricky} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := m.WriteCSV(&buf); err != nil {
				t.Fatal(err)
			}
			back, err := ParseTCMMap(&buf)
			if err != nil {
				t.Fatalf("ParseTCMMap(WriteCSV output): %v", err)
			}
			a, b := m.Rows(), back.Rows()
			if len(a) != len(b) {
				t.Fatalf("%d rows written, %d read back", len(a), len(b))
			}
			for i := range a {
				x, y := a[i], b[i]
				x.Line, y.Line = 0, 0 // lines are those of the new file
				if x != y {
					t.Errorf("row %d: wrote %+v, read %+v", i, x, y)
				}
			}
			var again bytes.Buffer
			if err := back.WriteCSV(&again); err != nil {
				t.Fatal(err)
			}
			var first bytes.Buffer
			_ = m.WriteCSV(&first)
			if first.String() != again.String() {
				t.Errorf("second write differs:\n%s\nvs\n%s", first.String(), again.String())
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestTCMMapWriteCSVError(t *testing.T) {
	if err := DefaultTCMMap().WriteCSV(failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteCSV to a failing writer: error %v, want disk full", err)
	}
}

func TestTCMMapConcurrentMap(t *testing.T) {
	m := DefaultTCMMap()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2000 {
				row, ok := m.Map("A07.01.01", "B04.02.03")
				if !ok || row.Western != "I61.900" {
					t.Errorf("Map = %+v, %v; want I61.900", row, ok)
					return
				}
				if row, ok := m.Map("A03.06.01", "B99.01.01"); !ok || row.Western != "M54.500" {
					t.Errorf("Map = %+v, %v; want M54.500", row, ok)
					return
				}
			}
		}()
	}
	wg.Wait()
}
