package codes

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// fuzzNormalize checks the contract of Normalize for one system on any input:
// it never panics; an error is a *CodeError for the raw input wrapping exactly
// one sentinel; a result is canonical ASCII, a fixed point that normalises
// without allocating, and its usual dirty spellings normalise back to it.
func fuzzNormalize(f *testing.F, sys System) {
	for _, tc := range normalizeCases {
		if tc.sys == sys {
			f.Add(tc.in)
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := Normalize(sys, raw)
		if err != nil {
			if got != "" {
				t.Fatalf("Normalize(%s, %q) = %q with error %v", sys, raw, got, err)
			}
			var ce *CodeError
			if !errors.As(err, &ce) || ce.System != sys || ce.Code != raw || ce.Reason == "" {
				t.Fatalf("Normalize(%s, %q) error %#v, want a *CodeError naming the input", sys, raw, err)
			}
			n := 0
			for _, s := range []error{ErrEmpty, ErrCharacter, ErrFormat} {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("Normalize(%s, %q) error %v wraps %d sentinels, want 1", sys, raw, err, n)
			}
			return
		}
		if got == "" || len(got) > maxCodeLen {
			t.Fatalf("Normalize(%s, %q) = %q: empty or longer than %d", sys, raw, got, maxCodeLen)
		}
		for i := 0; i < len(got); i++ {
			if c := got[i]; c <= ' ' || c >= 0x7f || (c >= 'a' && c <= 'z' && c != 'x') {
				t.Fatalf("Normalize(%s, %q) = %q: byte %q at %d is not canonical", sys, raw, got, c, i)
			}
		}
		again, err := Normalize(sys, got)
		if err != nil || again != got {
			t.Fatalf("Normalize(%s, %q) = %q, but Normalize(%q) = %q, %v", sys, raw, got, got, again, err)
		}
		if allocs := testing.AllocsPerRun(1, func() { _, _ = Normalize(sys, got) }); allocs != 0 {
			t.Fatalf("Normalize(%s, %q) of a canonical code allocates %v times", sys, got, allocs)
		}
		dirty := []string{strings.ToLower(got), " " + got + "\u3000", toFullWidth(got)}
		if sys == SystemDiagnosis || sys == SystemProcedure {
			dirty = append(dirty, strings.ReplaceAll(got, ".", ""))
		}
		for _, in := range dirty {
			if back, err := Normalize(sys, in); err != nil || back != got {
				t.Fatalf("Normalize(%s, %q) = %q, %v; want %q", sys, in, back, err, got)
			}
		}
		if sys == SystemProcedure {
			// A dot inside the chapter never yields a code.
			for _, in := range []string{"." + got, got[:1] + "." + got[1:]} {
				if back, err := Normalize(sys, in); !errors.Is(err, ErrFormat) {
					t.Fatalf("Normalize(%s, %q) = %q, %v; want ErrFormat", sys, in, back, err)
				}
			}
		}
		if sys == SystemDiagnosis {
			d := Diagnosis(got)
			cat, sub := d.Category(), d.Subcategory()
			if len(cat) != 3 || !strings.HasPrefix(got, string(cat)) {
				t.Fatalf("Diagnosis(%q).Category() = %q", got, cat)
			}
			if sub != "" && (len(sub) != 5 || !strings.HasPrefix(got, string(sub))) {
				t.Fatalf("Diagnosis(%q).Subcategory() = %q", got, sub)
			}
		}
	})
}

func FuzzNormalizeDiagnosis(f *testing.F)   { fuzzNormalize(f, SystemDiagnosis) }
func FuzzNormalizeProcedure(f *testing.F)   { fuzzNormalize(f, SystemProcedure) }
func FuzzNormalizeTCMDisease(f *testing.F)  { fuzzNormalize(f, SystemTCMDisease) }
func FuzzNormalizeTCMSyndrome(f *testing.F) { fuzzNormalize(f, SystemTCMSyndrome) }

// FuzzParseTCMMap: ParseTCMMap never panics; a table it accepts holds
// canonical codes, maps every row to itself, and survives WriteCSV.
func FuzzParseTCMMap(f *testing.F) {
	f.Add(sampleTCMMap)
	f.Add(noDefaultCSV)
	f.Add("tcm_disease,tcm_syndrome,western_dx\n")
	f.Add("tcm_disease,tcm_syndrome,western_dx,note\r\na07.01.01,ｂ０２．０３．０５,i63900,\"a,\r\nb\"\r\n")
	f.Add("tcm_disease,tcm_syndrome,western_dx\nA07.01.01,,I63.900\nA07.01.01,,I61.900\n")
	f.Add("tcm_disease,tcm_syndrome,western_dx\nA07.01.01,,I63\"900\n")
	f.Add("# c\ntcm_disease,syndrome,western_dx\n")
	f.Fuzz(func(t *testing.T, in string) {
		m, err := ParseTCMMap(strings.NewReader(in))
		if err != nil {
			if m != nil {
				t.Fatalf("ParseTCMMap returned a map with error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "tcm map: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
		lines := strings.Count(in, "\n") + 1
		for _, r := range m.Rows() {
			if r.Line < 2 || r.Line > lines {
				t.Fatalf("row %+v: line outside 2..%d", r, lines)
			}
			if c, err := Normalize(SystemTCMDisease, r.Disease); err != nil || c != r.Disease {
				t.Fatalf("row %+v: disease not canonical", r)
			}
			if c, err := Normalize(SystemDiagnosis, r.Western); err != nil || c != r.Western {
				t.Fatalf("row %+v: western code not canonical", r)
			}
			if got, ok := m.Map(r.Disease, r.Syndrome); !ok || *got != r {
				t.Fatalf("Map(%q, %q) = %+v, %v; want the row itself %+v", r.Disease, r.Syndrome, got, ok, r)
			}
		}
		var buf bytes.Buffer
		if err := m.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ParseTCMMap(&buf)
		if err != nil {
			t.Fatalf("ParseTCMMap(WriteCSV output) = %v\n%s", err, buf.String())
		}
		a, b := m.Rows(), back.Rows()
		if len(a) != len(b) {
			t.Fatalf("%d rows written, %d read back", len(a), len(b))
		}
		for i := range a {
			x, y := a[i], b[i]
			x.Line, y.Line = 0, 0
			// encoding/csv reads a quoted \r\n as \n.
			x.Note = strings.ReplaceAll(x.Note, "\r\n", "\n")
			if x != y {
				t.Fatalf("row %d: wrote %+v, read %+v", i, x, y)
			}
		}
	})
}

// FuzzPlainCanonicalDiagnosis checks the one-pass canonical check against
// the general grammar: wherever it is sure, it agrees.
func FuzzPlainCanonicalDiagnosis(f *testing.F) {
	for _, s := range []string{"K80", "K80.1", "K80.10", "K80.100", "K80.100x004", "K80.x00", "K80.x00x001",
		"k80.100", "K80.1x0", "K80.100X004", "K80.100x04", "K80.", "K8", "K80*", "A18.3+K93.0*", "K80.100x0044",
		"K80-100", "180.100", "K8a.100", "K80.10a", "K80.100y004"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok, sure := isPlainCanonicalDiagnosis(s)
		if sure && ok != isCanonicalDiagnosisGeneral(s) {
			t.Errorf("%q: one-pass check %v, general grammar %v", s, ok, isCanonicalDiagnosisGeneral(s))
		}
	})
}

// TestPlainCanonicalDiagnosisSure pins which shapes the one-pass check
// decides, so that the fast path cannot quietly stop covering clean codes.
func TestPlainCanonicalDiagnosisSure(t *testing.T) {
	for _, tc := range []struct {
		in       string
		ok, sure bool
	}{
		{"K80", true, true}, {"K80.1", true, true}, {"K80.10", true, true}, {"K80.100", true, true},
		{"K80.100x004", true, true}, {"K80.x00", true, true}, {"180.100", false, true}, {"K8A.100", false, true},
		{"K80*", false, false}, {"A18.3+K93.0*", false, false}, {"K80.100x04", false, false}, {"k80.100", false, true},
	} {
		ok, sure := isPlainCanonicalDiagnosis(tc.in)
		if ok != tc.ok || sure != tc.sure {
			t.Errorf("isPlainCanonicalDiagnosis(%q) = %v, %v; want %v, %v", tc.in, ok, sure, tc.ok, tc.sure)
		}
		if sure && ok != isCanonicalDiagnosisGeneral(tc.in) {
			t.Errorf("%q: disagrees with the general grammar", tc.in)
		}
	}
}
