package codes

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// normalizeCase is one row of the normalisation table: raw input in a code
// system, and either the canonical spelling (err == nil) or the sentinel the
// *CodeError must wrap.
type normalizeCase struct {
	sys  System
	in   string
	want string
	err  error
}

const (
	dx  = SystemDiagnosis
	pr  = SystemProcedure
	tcd = SystemTCMDisease
	tcs = SystemTCMSyndrome
)

// normalizeCases is shared by the table test, the allocation test, the fuzz
// seed corpus and the benchmarks. Every expectation was checked by hand
// against the national dictionary's spelling.
var normalizeCases = []normalizeCase{
	// Diagnoses: canonical spellings are returned unchanged.
	{dx, "K80.000x004", "K80.000x004", nil},
	{dx, "K80.000", "K80.000", nil},
	{dx, "K80.0", "K80.0", nil},
	{dx, "K80", "K80", nil},
	{dx, "I63.900", "I63.900", nil},
	{dx, "A33.x00", "A33.x00", nil},
	{dx, "R42.x00x001", "R42.x00x001", nil},
	{dx, "E10.200x028+N08.3*", "E10.200x028+N08.3*", nil},
	{dx, "A01.002+G01*", "A01.002+G01*", nil},
	{dx, "N08.3*", "N08.3*", nil}, // an asterisk code on its own
	// Diagnoses: case, width, spaces.
	{dx, "k80.000x004", "K80.000x004", nil},
	{dx, " k80.000X004 ", "K80.000x004", nil},
	{dx, "ｋ８０．０", "K80.0", nil},
	{dx, "Ｋ８０．０００ｘ００４", "K80.000x004", nil},
	{dx, "K80.000x004\u3000", "K80.000x004", nil},             // ideographic space
	{dx, "\u3000K80.000x004\u3000\u3000", "K80.000x004", nil}, // on both sides
	{dx, "K80.000x004\t\r\n", "K80.000x004", nil},
	{dx, "\ufeffK80.000x004", "K80.000x004", nil}, // BOM of a UTF-8 export
	{dx, "K80.000x004\u00a0", "K80.000x004", nil}, // no-break space
	{dx, "K 80.000 x004", "K80.000x004", nil},
	{dx, "k80", "K80", nil},
	// Diagnoses: missing, extra and odd dots.
	{dx, "K80000x004", "K80.000x004", nil},
	{dx, "K80000X004", "K80.000x004", nil},
	{dx, "K800", "K80.0", nil},
	{dx, "K80..000x004", "K80.000x004", nil},
	{dx, "K.80.000.x004", "K80.000x004", nil},
	{dx, "K80.", "K80", nil},
	{dx, "K80。000x004", "K80.000x004", nil}, // ideographic full stop
	{dx, "K80·0", "K80.0", nil},             // middle dot
	// Diagnoses: the placeholder x.
	{dx, "a33.X00", "A33.x00", nil},
	{dx, "A33X00", "A33.x00", nil},
	{dx, "r42x00X001", "R42.x00x001", nil},
	// Diagnoses: dagger/asterisk pairs.
	{dx, "e10.200X028+n08.3*", "E10.200x028+N08.3*", nil},
	{dx, "E10.200x028 + N08.3 *", "E10.200x028+N08.3*", nil},
	{dx, "E10.200x028†+N08.3*", "E10.200x028+N08.3*", nil},
	{dx, "E10200x028+N083*", "E10.200x028+N08.3*", nil},
	{dx, "Ｅ１０．２００ｘ０２８＋Ｎ０８．３＊", "E10.200x028+N08.3*", nil},
	{dx, "a01.002+g01 *", "A01.002+G01*", nil},
	// K80.x: a placeholder with no digit after it. The dictionary has no such
	// code, but the grammar (placeholder, then 0-2 digits) admits it as it
	// admits K80.0; pinned here so that a change is deliberate.
	{dx, "k80.X", "K80.x", nil},
	// Diagnoses: invalid.
	{dx, "", "", ErrEmpty},
	{dx, "   ", "", ErrEmpty},
	{dx, "\u3000\t", "", ErrEmpty},
	{dx, "K", "", ErrFormat},
	{dx, "K8", "", ErrFormat},
	{dx, "K.8", "", ErrFormat},
	{dx, "8K0.000", "", ErrFormat},
	{dx, "KK0.000", "", ErrFormat},
	{dx, "K8A.000", "", ErrFormat},
	{dx, "K80.0A0", "", ErrFormat},
	{dx, "K80.ABC", "", ErrFormat},
	{dx, "K80.000x04", "", ErrFormat},
	{dx, "K80.000x0044", "", ErrFormat},
	{dx, "K80.000y004", "", ErrFormat},
	{dx, "K80.0x004", "", ErrFormat},
	{dx, "K80.00x004", "", ErrFormat},
	{dx, "K80.000xx04", "", ErrFormat},
	{dx, "K80.0000", "", ErrFormat},
	{dx, "E10.200x028+N08.3*+A01.0*", "", ErrFormat},
	{dx, "E10.200x028++N08.3*", "", ErrFormat},
	{dx, "E10.200x028+N08.3", "", ErrFormat},
	{dx, "E10.200x028+", "", ErrFormat},
	{dx, "+N08.3*", "", ErrFormat},
	{dx, "K80.0*0", "", ErrFormat},
	{dx, "K80.0**", "", ErrFormat},
	{dx, strings.Repeat("K80", 20), "", ErrFormat},
	{dx, "K80-000", "", ErrCharacter},
	{dx, "K80.000/x004", "", ErrCharacter},
	{dx, "K80.000x004；", "", ErrCharacter}, // full-width semicolon
	{dx, "K80.000x004_", "", ErrCharacter},
	{dx, "胆囊结石", "", ErrCharacter},
	{dx, "K80\x00", "", ErrCharacter},
	{dx, "K80\xff", "", ErrCharacter}, // invalid UTF-8 (a GBK byte)
	{dx, "K80,000", "", ErrCharacter},

	// Procedures.
	{pr, "51.2300", "51.2300", nil},
	{pr, "00.5500x008", "00.5500x008", nil},
	{pr, "17.912A0", "17.912A0", nil},
	{pr, "86.700x0013", "86.700x0013", nil},
	{pr, "01.6x00", "01.6x00", nil},
	{pr, "96.7201", "96.7201", nil},
	{pr, "512300", "51.2300", nil},
	{pr, "51.23.00", "51.2300", nil},
	{pr, "51..2300", "51.2300", nil},
	{pr, " 51.2300\u3000", "51.2300", nil},
	{pr, "00.5500X008", "00.5500x008", nil},
	{pr, "005500x008", "00.5500x008", nil},
	{pr, "17.912a0", "17.912A0", nil},
	{pr, "86.700X0013", "86.700x0013", nil},
	{pr, "01.6X00", "01.6x00", nil},
	{pr, "９６．７２０１", "96.7201", nil},
	{pr, "", "", ErrEmpty},
	{pr, " \u3000", "", ErrEmpty},
	{pr, "5", "", ErrFormat},
	{pr, "A1.2300", "", ErrFormat},
	{pr, "5A.2300", "", ErrFormat},
	{pr, "51.x300", "", ErrFormat},
	{pr, "51.A300", "", ErrFormat},
	{pr, "51.2300+", "", ErrFormat},
	{pr, "51.2300*", "", ErrFormat},
	{pr, "51.230000000", "", ErrFormat},
	{pr, "51-2300", "", ErrCharacter},
	{pr, "51.2300；", "", ErrCharacter},
	{pr, "胆囊切除", "", ErrCharacter},

	// TCM disease and syndrome codes.
	{tcd, "A07.01.01", "A07.01.01", nil},
	{tcd, "A06.09", "A06.09", nil},
	{tcd, "BNG080", "BNG080", nil},
	{tcd, "a07.01.01", "A07.01.01", nil},
	{tcd, " A07.01.01\u3000", "A07.01.01", nil},
	{tcd, "Ａ０７．０１．０１", "A07.01.01", nil},
	{tcd, "bng080", "BNG080", nil},
	{tcs, "B02.03.05", "B02.03.05", nil},
	{tcs, "b02.03.05", "B02.03.05", nil},
	{tcs, "B02.03.05 ", "B02.03.05", nil},
	{tcs, "ZYXA", "ZYXA", nil},
	{tcd, "", "", ErrEmpty},
	{tcs, "\u3000", "", ErrEmpty},
	{tcd, "A070101", "", ErrFormat},
	{tcd, "A07..01", "", ErrFormat},
	{tcd, "A07.01.", "", ErrFormat},
	{tcd, "07.01.01", "", ErrFormat},
	{tcd, "A07.01.0101", "", ErrFormat},
	{tcd, "A7.01", "", ErrFormat},
	{tcd, "B", "", ErrFormat},
	{tcd, "BNG0801", "", ErrFormat},
	{tcd, "A07.01.01+B02.03.05*", "", ErrFormat},
	{tcs, "B02-03-05", "", ErrCharacter},
	{tcd, "中风病", "", ErrCharacter},
}

func TestNormalize(t *testing.T) {
	for _, tc := range normalizeCases {
		t.Run(fmt.Sprintf("%s/%q", tc.sys, tc.in), func(t *testing.T) {
			got, err := Normalize(tc.sys, tc.in)
			if tc.err == nil {
				if err != nil {
					t.Fatalf("Normalize(%s, %q): unexpected error %v", tc.sys, tc.in, err)
				}
				if got != tc.want {
					t.Fatalf("Normalize(%s, %q) = %q, want %q", tc.sys, tc.in, got, tc.want)
				}
				// The result is a fixed point.
				again, err := Normalize(tc.sys, got)
				if err != nil || again != got {
					t.Fatalf("Normalize(%s, %q) = %q, %v; want it unchanged", tc.sys, got, again, err)
				}
				return
			}
			checkCodeError(t, tc.sys, tc.in, got, err, tc.err)
		})
	}
}

// checkCodeError checks that err is a *CodeError for (sys, in) wrapping want.
func checkCodeError(t *testing.T, sys System, in, got string, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("Normalize(%s, %q) = %q, want error %v", sys, in, got, want)
	}
	if got != "" {
		t.Errorf("Normalize(%s, %q) returned %q with its error, want \"\"", sys, in, got)
	}
	if !errors.Is(err, want) {
		t.Errorf("Normalize(%s, %q) error %v, want errors.Is %v", sys, in, err, want)
	}
	var ce *CodeError
	if !errors.As(err, &ce) {
		t.Fatalf("Normalize(%s, %q) error %T, want *CodeError", sys, in, err)
	}
	if ce.System != sys || ce.Code != in || ce.Reason == "" {
		t.Errorf("CodeError = {%s %q %q}, want {%s %q non-empty reason}", ce.System, ce.Code, ce.Reason, sys, in)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, fmt.Sprintf("invalid %s code %q: ", sys, in)) {
		t.Errorf("error message %q does not name the system and the raw code", msg)
	}
}

func TestNormalizeTableSize(t *testing.T) {
	n := map[System]int{}
	for _, tc := range normalizeCases {
		n[tc.sys]++
	}
	if n[dx] < 40 || n[pr] < 20 || n[tcd]+n[tcs] < 20 {
		t.Errorf("table has %v cases per system; keep at least 40 diagnoses, 20 procedures, 20 TCM", n)
	}
}

func TestCodeErrorMessage(t *testing.T) {
	f := func(sys System, in, want string, sentinel error) {
		t.Helper()
		_, err := Normalize(sys, in)
		if err == nil || err.Error() != want {
			t.Errorf("Normalize(%s, %q) error %v, want %q", sys, in, err, want)
		}
		if !errors.Is(err, sentinel) {
			t.Errorf("Normalize(%s, %q) error %v, want errors.Is %v", sys, in, err, sentinel)
		}
	}
	f(dx, "K80-000", `invalid diagnosis code "K80-000": character '-' at byte 3`, ErrCharacter)
	f(dx, "K80.000；", `invalid diagnosis code "K80.000；": character '；' at byte 7`, ErrCharacter)
	f(dx, " ", `invalid diagnosis code " ": blank`, ErrEmpty)
	f(dx, "K80.000x04", `invalid diagnosis code "K80.000x04": extension must be x and three digits`, ErrFormat)
	f(dx, "E10.200x028+N08.3", `invalid diagnosis code "E10.200x028+N08.3": the second code of a dagger/asterisk pair must end with '*'`, ErrFormat)
	f(pr, "5.123", `invalid procedure code "5.123": a dot inside the 2-digit chapter (a leading zero lost in a spreadsheet?)`, ErrFormat)
	f(pr, "0.5123", `invalid procedure code "0.5123": a dot inside the 2-digit chapter (a leading zero lost in a spreadsheet?)`, ErrFormat)
	f(pr, "５．１２３", `invalid procedure code "５．１２３": a dot inside the 2-digit chapter (a leading zero lost in a spreadsheet?)`, ErrFormat)
	f(pr, ".5123", `invalid procedure code ".5123": a dot inside the 2-digit chapter (a leading zero lost in a spreadsheet?)`, ErrFormat)
	f(pr, "A.5123", `invalid procedure code "A.5123": must start with a 2-digit chapter`, ErrFormat)
	f(pr, "51.x300", `invalid procedure code "51.x300": the first character after the dot must be a digit`, ErrFormat)
	f(tcd, "A070101", `invalid tcm-disease code "A070101": not a GB/T 15657 code (letter, digits in dotted pairs, or 1995 letter code)`, ErrFormat)
	f(System(9), "K80", `invalid system(9) code "K80": unknown code system`, ErrFormat)
	f(0, "K80", `invalid system(0) code "K80": unknown code system`, ErrFormat)
}

// Regression: a full-width character past the length limit was reported as
// an invalid character (ErrCharacter) instead of an over-long code (ErrFormat),
// and the full stops 。 and · bypassed the limit altogether.
func TestNormalizeLengthLimit(t *testing.T) {
	long := map[string]string{
		"full-width": strings.Repeat("Ｋ", maxCodeLen+1),
		"ascii":      strings.Repeat("K", maxCodeLen+1),
		"full stops": "K80" + strings.Repeat("。", maxCodeLen) + "0",
		"middle dot": "K80" + strings.Repeat("·", maxCodeLen) + "0",
	}
	for name, in := range long {
		for _, sys := range []System{dx, pr, tcd, tcs} {
			got, err := Normalize(sys, in)
			checkCodeError(t, sys, in, got, err, ErrFormat)
			if errors.Is(err, ErrCharacter) {
				t.Errorf("%s: Normalize(%s, ...) error %v also wraps ErrCharacter", name, sys, err)
			}
		}
	}
	// Exactly maxCodeLen characters after folding is still read.
	in := "K80.000x004" + strings.Repeat("\u3000", 50)
	if got, err := Normalize(dx, in); err != nil || got != "K80.000x004" {
		t.Errorf("Normalize(dx, padded) = %q, %v; want K80.000x004", got, err)
	}
}

func TestSystemString(t *testing.T) {
	for sys, want := range map[System]string{
		SystemDiagnosis:   "diagnosis",
		SystemProcedure:   "procedure",
		SystemTCMDisease:  "tcm-disease",
		SystemTCMSyndrome: "tcm-syndrome",
		0:                 "system(0)",
		200:               "system(200)",
	} {
		if got := sys.String(); got != want {
			t.Errorf("System(%d).String() = %q, want %q", uint8(sys), got, want)
		}
	}
}

func TestTypedNormalize(t *testing.T) {
	if got, err := Diagnosis(" k80.000X004 ").Normalize(); err != nil || got != "K80.000x004" {
		t.Errorf("Diagnosis.Normalize = %q, %v; want K80.000x004", got, err)
	}
	if got, err := Diagnosis("K80.000x04").Normalize(); !errors.Is(err, ErrFormat) || got != "" {
		t.Errorf("Diagnosis(K80.000x04).Normalize = %q, %v; want \"\", ErrFormat", got, err)
	}
	if got, err := Procedure("00.5500X008").Normalize(); err != nil || got != "00.5500x008" {
		t.Errorf("Procedure.Normalize = %q, %v; want 00.5500x008", got, err)
	}
	if got, err := Procedure("51-2300").Normalize(); !errors.Is(err, ErrCharacter) || got != "" {
		t.Errorf("Procedure(51-2300).Normalize = %q, %v; want \"\", ErrCharacter", got, err)
	}
	if got, err := TCMDisease("a07.01.01").Normalize(); err != nil || got != "A07.01.01" {
		t.Errorf("TCMDisease.Normalize = %q, %v; want A07.01.01", got, err)
	}
	if _, err := TCMDisease("").Normalize(); !errors.Is(err, ErrEmpty) {
		t.Errorf("TCMDisease(\"\").Normalize error %v, want ErrEmpty", err)
	}
	if got, err := TCMSyndrome("ｂ０２．０３．０５").Normalize(); err != nil || got != "B02.03.05" {
		t.Errorf("TCMSyndrome.Normalize = %q, %v; want B02.03.05", got, err)
	}
	var ce *CodeError
	if _, err := TCMSyndrome("B02-03").Normalize(); !errors.As(err, &ce) || ce.System != SystemTCMSyndrome {
		t.Errorf("TCMSyndrome(B02-03).Normalize error %v, want a *CodeError for %s", err, SystemTCMSyndrome)
	}
}

func TestDiagnosisHierarchy(t *testing.T) {
	for _, tc := range []struct {
		code, sub, cat Diagnosis
	}{
		{"K80.000x004", "K80.0", "K80"},
		{"K80.000", "K80.0", "K80"},
		{"K80.0", "K80.0", "K80"},
		{"K80", "", "K80"},
		{"A33.x00", "A33.x", "A33"},
		{"E10.200x028+N08.3*", "E10.2", "E10"},
		{"A01.002+G01*", "A01.0", "A01"},
		{"N08.3*", "N08.3", "N08"},
		{"K8", "", ""},
		{"", "", ""},
	} {
		if got := tc.code.Subcategory(); got != tc.sub {
			t.Errorf("Diagnosis(%q).Subcategory() = %q, want %q", tc.code, got, tc.sub)
		}
		if got := tc.code.Category(); got != tc.cat {
			t.Errorf("Diagnosis(%q).Category() = %q, want %q", tc.code, got, tc.cat)
		}
	}
}

// TestNormalizeZeroAlloc: canonical codes come back without allocating, so a
// clean batch costs no garbage.
func TestNormalizeZeroAlloc(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are checked in full runs")
	}
	for _, tc := range normalizeCases {
		if tc.err != nil || tc.in != tc.want {
			continue
		}
		allocs := testing.AllocsPerRun(100, func() {
			if got, err := Normalize(tc.sys, tc.in); err != nil || got != tc.in {
				t.Fatalf("Normalize(%s, %q) = %q, %v", tc.sys, tc.in, got, err)
			}
		})
		if allocs != 0 {
			t.Errorf("Normalize(%s, %q): %v allocations, want 0", tc.sys, tc.in, allocs)
		}
	}
	for _, f := range []func(){
		func() { _, _ = Diagnosis("K80.000x004").Normalize() },
		func() { _, _ = Procedure("51.2300").Normalize() },
		func() { _, _ = TCMDisease("A07.01.01").Normalize() },
		func() { _, _ = TCMSyndrome("B02.03.05").Normalize() },
		func() { _ = Diagnosis("K80.000x004").Subcategory() },
	} {
		if allocs := testing.AllocsPerRun(100, f); allocs != 0 {
			t.Errorf("typed method: %v allocations, want 0", allocs)
		}
	}

	d := NewDict(SystemDiagnosis)
	for _, c := range []string{"K80", "K80.0", "K80.000x004", "E10.200x028+N08.3*"} {
		d.Intern(c)
	}
	for _, c := range []string{"K80.000x004", "K80.100", "Z99.999", "E10.200x028+N08.3*"} {
		if allocs := testing.AllocsPerRun(100, func() {
			d.Lookup(c)
			d.LookupDiagnosis(c)
			d.Parent(3)
			_ = d.Code(2)
		}); allocs != 0 {
			t.Errorf("Dict lookups of %q: %v allocations, want 0", c, allocs)
		}
	}
	m := DefaultTCMMap()
	if allocs := testing.AllocsPerRun(100, func() { m.Map("A07.01.01", "B04.02.03") }); allocs != 0 {
		t.Errorf("TCMMap.Map: %v allocations, want 0", allocs)
	}
}

// dataDir is the CHS-DRG 1.1 table directory: $CHS_DRG_DATA or the shared copy
// next to the repository.
func dataDir() string {
	if d := os.Getenv("CHS_DRG_DATA"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "data", "chs-drg-1.1")
}

// readCodes returns the first column of a TSV table, without its header.
// It skips the test when the table is absent.
func readCodes(tb testing.TB, name string) []string {
	tb.Helper()
	rows := readTSV(tb, name)
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0]
	}
	return out
}

// readTSV returns the rows of a TSV table, without its header. It skips the
// test when the table is absent.
func readTSV(tb testing.TB, name string) [][]string {
	tb.Helper()
	f, err := os.Open(filepath.Join(dataDir(), name))
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("%s not present: %v", name, err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		out = append(out, strings.Split(sc.Text(), "\t"))
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatalf("%s has no codes", name)
	}
	return out
}

// TestNationalCodesAreCanonical: every code of the national dictionaries is
// its own canonical spelling, is recognised without allocating, and its dirty
// variants (lower case, no dot, full width) normalise back to it.
func TestNationalCodesAreCanonical(t *testing.T) {
	for _, tc := range []struct {
		file string
		sys  System
	}{
		{"diagnoses.tsv", SystemDiagnosis},
		{"procedures.tsv", SystemProcedure},
	} {
		t.Run(tc.file, func(t *testing.T) {
			list := readCodes(t, tc.file)
			bad := 0
			for _, code := range list {
				variants := []string{
					code,
					strings.ToLower(code),
					strings.ReplaceAll(code, ".", ""),
					" " + code + "\u3000",
					toFullWidth(code),
				}
				for _, in := range variants {
					got, err := Normalize(tc.sys, in)
					if err != nil || got != code {
						if bad++; bad <= 20 {
							t.Errorf("Normalize(%s, %q) = %q, %v; want %q", tc.sys, in, got, err, code)
						}
					}
				}
			}
			if bad > 0 {
				t.Fatalf("%d of %d codes (x5 spellings) do not normalise to the dictionary spelling", bad, len(list))
			}
			// The clean path must stay allocation-free on real codes.
			sample := list[:min(len(list), 500)]
			allocs := testing.AllocsPerRun(10, func() {
				for _, code := range sample {
					_, _ = Normalize(tc.sys, code)
				}
			})
			if allocs != 0 {
				t.Errorf("normalising %d canonical codes: %v allocations, want 0", len(sample), allocs)
			}
			t.Logf("%d codes canonical", len(list))
		})
	}
}

// toFullWidth spells the ASCII characters of s in their full-width forms.
func toFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > ' ' && r < 0x7f {
			r += 0xfee0
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestRuleTableCodesAreCanonical: the codes the CHS-DRG 1.1 rule tables name
// (ADRG lists, MDC lists, CC/MCC lists and exclusions, code maps) are
// canonical too, so compiling the tables never rewrites a code.
func TestRuleTableCodesAreCanonical(t *testing.T) {
	check := func(t *testing.T, sys System, file, code string) {
		t.Helper()
		if got, err := Normalize(sys, code); err != nil || got != code {
			t.Errorf("%s: Normalize(%s, %q) = %q, %v; want it unchanged", file, sys, code, got, err)
		}
	}
	for _, tc := range []struct {
		file string
		sys  System
		cols []int
	}{
		{"cc.tsv", SystemDiagnosis, []int{0}},
		{"mcc.tsv", SystemDiagnosis, []int{0}},
		{"cc_exclusion.tsv", SystemDiagnosis, []int{0}},
		{"mdc_dx.tsv", SystemDiagnosis, []int{1}},
		// Only the targets of the code maps: their from_code column holds
		// legacy spellings (morphology suffixes like C22.101M81600/3, pairs
		// without '*') that are not 医保版 2.0 codes; a blank to_code maps a
		// code to nothing.
		{"code_map_dx.tsv", SystemDiagnosis, []int{1}},
		{"code_map_proc.tsv", SystemProcedure, []int{1}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			for _, row := range readTSV(t, tc.file) {
				for _, c := range tc.cols {
					if c > 0 && row[c] == "" {
						continue
					}
					check(t, tc.sys, tc.file, row[c])
				}
			}
		})
	}
	t.Run("adrg_codes.tsv", func(t *testing.T) {
		for _, row := range readTSV(t, "adrg_codes.tsv") {
			sys := SystemProcedure
			if row[1] == "zd" {
				sys = SystemDiagnosis
			}
			check(t, sys, "adrg_codes.tsv", row[2])
		}
	})
}
