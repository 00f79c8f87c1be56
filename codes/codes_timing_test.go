package codes

import (
	"bufio"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchDiagnoses returns the national diagnosis codes, or a synthetic list of
// the same shape when the shared data is absent.
func benchDiagnoses(b *testing.B) []string {
	b.Helper()
	if list := benchReadColumn(b, "diagnoses.tsv"); list != nil {
		return list
	}
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]string, 0, 30000)
	for i := range 30000 {
		c := []byte("K80.000x004")
		c[0] = byte('A' + r.IntN(26))
		c[1], c[2], c[4], c[5], c[6] = byte('0'+r.IntN(10)), byte('0'+r.IntN(10)), byte('0'+r.IntN(10)), byte('0'+r.IntN(10)), byte('0'+r.IntN(10))
		if i%3 == 0 {
			c = c[:7]
		}
		out = append(out, string(c))
	}
	return out
}

func benchProcedures(b *testing.B) []string {
	b.Helper()
	if list := benchReadColumn(b, "procedures.tsv"); list != nil {
		return list
	}
	return []string{"51.2300", "00.5500x008", "17.912A0", "86.700x0013", "01.6x00", "96.7201", "36.0601"}
}

func benchReadColumn(b *testing.B, name string) []string {
	f, err := os.Open(filepath.Join(dataDir(), name))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		if !first {
			code, _, _ := strings.Cut(sc.Text(), "\t")
			out = append(out, code)
		}
	}
	if sc.Err() != nil {
		b.Fatal(sc.Err())
	}
	return out
}

// dirtyVariant spells a canonical code the ways hospital exports do.
func dirtyVariant(r *rand.Rand, code string) string {
	switch r.IntN(5) {
	case 0:
		return strings.ToLower(code)
	case 1:
		return " " + code + "\u3000"
	case 2:
		return strings.ReplaceAll(code, ".", "")
	case 3:
		return toFullWidth(code)
	default:
		return strings.ToUpper(code) + " "
	}
}

// benchNormalize normalises the codes round-robin, one code per iteration.
func benchNormalize(b *testing.B, sys System, in []string) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Normalize(sys, in[i]); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(in) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "codes/s")
}

func BenchmarkNormalize(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	dx := benchDiagnoses(b)
	dirtyDx := make([]string, len(dx))
	for i, c := range dx {
		dirtyDx[i] = dirtyVariant(r, c)
	}
	pr := benchProcedures(b)
	dirtyPr := make([]string, len(pr))
	for i, c := range pr {
		dirtyPr[i] = dirtyVariant(r, c)
	}
	b.Run("diagnosis/clean", func(b *testing.B) { benchNormalize(b, SystemDiagnosis, dx) })
	b.Run("diagnosis/dirty", func(b *testing.B) { benchNormalize(b, SystemDiagnosis, dirtyDx) })
	b.Run("procedure/clean", func(b *testing.B) { benchNormalize(b, SystemProcedure, pr) })
	b.Run("procedure/dirty", func(b *testing.B) { benchNormalize(b, SystemProcedure, dirtyPr) })
	b.Run("tcm/clean", func(b *testing.B) {
		benchNormalize(b, SystemTCMDisease, []string{"A07.01.01", "A06.09", "BNG080", "A04.02.01"})
	})
}

// BenchmarkNormalizeLookup is the intern path of a record reader: normalise a
// realistic mix (85% clean, 15% dirty, 1% unknown) and look the code up in the
// dictionary built from the national list.
func BenchmarkNormalizeLookup(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	list := benchDiagnoses(b)
	d := NewDict(SystemDiagnosis)
	for _, c := range list {
		d.Intern(c)
	}
	mix := make([]string, 100000)
	for i := range mix {
		c := list[r.IntN(len(list))]
		switch p := r.IntN(100); {
		case p == 0:
			c = "Z99.999x999"
		case p < 16:
			c = dirtyVariant(r, c)
		}
		mix[i] = c
	}
	b.ReportAllocs()
	i, found := 0, 0
	for b.Loop() {
		code, err := Normalize(SystemDiagnosis, mix[i])
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := d.Lookup(code); ok {
			found++
		}
		if i++; i == len(mix) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "codes/s")
	b.ReportMetric(float64(found)/float64(b.N), "hit-ratio")
}

// BenchmarkLookupDiagnosis resolves codes against a rule-like dictionary that
// holds only categories and subcategories, so most lookups fall back.
func BenchmarkLookupDiagnosis(b *testing.B) {
	list := benchDiagnoses(b)
	d := NewDict(SystemDiagnosis)
	for i, c := range list {
		if sub := subcategory(c); sub != "" && i%2 == 0 {
			d.Intern(sub)
		}
		d.Intern(c[:3])
	}
	for _, tc := range []struct {
		name  string
		codes []string
	}{
		{"exact", []string{"K80", "E10", "I63", "J18"}},
		{"fallback", list},
		{"miss", []string{"U99.999x999", "U98.000", "U97.1"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			i, exact, fell := 0, 0, 0
			for b.Loop() {
				_, e, ok := d.LookupDiagnosis(tc.codes[i])
				if e {
					exact++
				} else if ok {
					fell++
				}
				if i++; i == len(tc.codes) {
					i = 0
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
			b.ReportMetric(float64(fell)/float64(b.N), "fallback-ratio")
		})
	}
}

func BenchmarkTCMMap(b *testing.B) {
	m := DefaultTCMMap()
	q := [][2]string{{"A07.01.01", "B04.02.03"}, {"A07.01.01", "B07.02.01"}, {"A03.06.01", ""}, {"A99.01.01", ""}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Map(q[i][0], q[i][1])
		if i++; i == len(q) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "maps/s")
}
