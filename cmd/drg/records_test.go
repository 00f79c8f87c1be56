package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGzipInput pins a bug: a gzip input was read as text, every record
// rejected as "not UTF-8 (a GBK file? set the encoding to gbk)". It is
// read as its text is, and a compression drg does not read is named at
// open.
func TestGzipInput(t *testing.T) {
	dir := t.TempDir()
	sample := filepath.Join("..", "..", "examples", "sample.csv")
	plain, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	var packed bytes.Buffer
	zw := gzip.NewWriter(&packed)
	if _, err := zw.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "sample.csv.gz")
	if err := os.WriteFile(in, packed.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, e := drg(t, "", "validate", in); code != 0 || !strings.Contains(out, "346 records, 336 accepted, 10 rejected") {
		t.Errorf("validate: exit %d %s %s", code, out, e)
	}
	outPlain, outGz := filepath.Join(dir, "plain.csv"), filepath.Join(dir, "gz.csv")
	if code, _, e := drg(t, "", "group", sample, "--out", outPlain); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := drg(t, "", "group", in, "--out", outGz); code != 0 {
		t.Fatal(e)
	}
	a, _ := os.ReadFile(outPlain)
	b, _ := os.ReadFile(outGz)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("grouping the gzip input differs from grouping its text")
	}

	bz := filepath.Join(dir, "sample.csv.bz2")
	if err := os.WriteFile(bz, []byte("BZh91AY&SY\x00\x01\x02\x03"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, e := drg(t, "", "group", bz, "--out", filepath.Join(dir, "bz.csv"))
	if code == 0 || !strings.Contains(e, bz+": ") || !strings.Contains(e, "bzip2-compressed input is not read; decompress it (bunzip2)") {
		t.Errorf("bzip2 input: exit %d, stderr %s", code, e)
	}
}

// TestRulesExportRefusesOtherRuleSet pins a bug: `drg rules export` into a
// directory holding another rule set's tables, with a hand-edited
// tcm_map.tsv, overwrote them all, though the README says it is refused.
func TestRulesExportRefusesOtherRuleSet(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	exp := filepath.Join(dir, "exp")
	if code, _, e := drg(t, "", "rules", "export", "sample", exp, "--store", store); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := drg(t, "", "rules", "import", exp, "--name", "other", "--store", store); code != 0 {
		t.Fatal(e)
	}
	tcm := filepath.Join(exp, "tcm_map.tsv")
	edited, err := os.ReadFile(tcm)
	if err != nil {
		t.Fatal(err)
	}
	edited = append(edited, "A04.03.03\t\tK80.100\tlocal addition\n"...)
	if err := os.WriteFile(tcm, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, e := drg(t, "", "rules", "export", "other", exp, "--store", store)
	if code == 0 || !strings.Contains(e, exp+` holds rule set "sample"'s tables`) || !strings.Contains(e, "tcm_map.tsv") {
		t.Errorf("export over another rule set's tables: exit %d, stderr %s", code, e)
	}
	if got, _ := os.ReadFile(tcm); !bytes.Equal(got, edited) {
		t.Error("the hand-edited tcm_map.tsv was overwritten")
	}
}

// TestGzipOutput: an output named .gz is gzip, holding exactly what the
// plain output holds. It used to be plain text under a gzip name, which
// every reader of the name (drg itself now included) would take for a
// broken archive.
func TestGzipOutput(t *testing.T) {
	dir := t.TempDir()
	sample := filepath.Join("..", "..", "examples", "sample.csv")
	plain, packed := filepath.Join(dir, "out.csv"), filepath.Join(dir, "out.csv.gz")
	for _, out := range []string{plain, packed} {
		if code, _, e := drg(t, "", "group", sample, "--out", out); code != 0 {
			t.Fatalf("group --out %s: %s", out, e)
		}
	}
	want, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(packed)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s is not gzip: %v", packed, err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Errorf("%s holds %d bytes, not the %d of the plain output", packed, len(got), len(want))
	}
	if ps := partials(t, dir); len(ps) != 0 {
		t.Errorf("left %q", ps)
	}
}
