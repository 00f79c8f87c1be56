package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// event is one outcome of reading: an accepted record or a reject.
type event struct {
	rec Record
	bad string // reject: line, id, field, cause and raw text
}

func (e event) String() string {
	if e.bad != "" {
		return "reject " + e.bad
	}
	return fmt.Sprintf("record %+v", e.rec)
}

func rejectEvent(e *Error) event {
	return event{bad: fmt.Sprintf("line %d id %q field %q: %v raw %q", e.Line, e.ID, e.Field, e.Err, e.Raw)}
}

func normalizedClone(r *Record) Record {
	c := r.Clone()
	if len(c.SecondaryDx) == 0 {
		c.SecondaryDx = nil
	}
	if len(c.Procedures) == 0 {
		c.Procedures = nil
	}
	if len(c.Extra) == 0 {
		c.Extra = nil
	}
	return c
}

// readEvents reads in with Read.
func readEvents(in []byte, opts Options) ([]event, Stats, error) {
	rd, err := NewReader(bytes.NewReader(in), opts)
	if err != nil {
		return nil, Stats{}, err
	}
	defer rd.Close()
	var (
		out []event
		rec Record
	)
	for {
		err := rd.Read(&rec)
		var bad *Error
		switch {
		case err == nil:
			out = append(out, event{rec: normalizedClone(&rec)})
		case errors.As(err, &bad):
			out = append(out, rejectEvent(bad))
		case err == io.EOF:
			return out, rd.Stats(), nil
		default:
			return out, rd.Stats(), err
		}
	}
}

// chunkEvents reads in with ReadChunk and ChunkParser, checking duplicates
// with an IDSet as a pipeline would.
func chunkEvents(in []byte, opts Options, target int) ([]event, Stats, error) {
	rd, err := NewReader(bytes.NewReader(in), opts)
	if err != nil {
		return nil, Stats{}, err
	}
	defer rd.Close()
	p := rd.NewChunkParser()
	var (
		out  []event
		rec  Record
		c    Chunk
		seen IDSet
	)
	for {
		err := rd.ReadChunk(&c, target)
		if err == io.EOF {
			return out, rd.Stats(), nil
		}
		if err != nil {
			return out, rd.Stats(), err
		}
		last := 0
		for _, e := range c.Rejects {
			if e.Line >= c.FirstLine && len(c.Data) > 0 || e.Line <= last {
				return nil, Stats{}, fmt.Errorf("chunk reject at line %d out of order (first line %d, last %d)", e.Line, c.FirstLine, last)
			}
			last = e.Line
			out = append(out, rejectEvent(e))
		}
		p.Reset(&c)
		for {
			err := p.Read(&rec)
			var bad *Error
			switch {
			case err == nil:
				if !opts.NoDuplicateCheck {
					dup, err := seen.Check(&rec, p.Raw())
					if err != nil {
						return out, rd.Stats(), err
					}
					if dup != nil {
						out = append(out, rejectEvent(dup))
						continue
					}
				}
				out = append(out, event{rec: normalizedClone(&rec)})
				continue
			case errors.As(err, &bad):
				out = append(out, rejectEvent(bad))
				continue
			case err != io.EOF:
				return out, rd.Stats(), fmt.Errorf("chunk parser: %w", err)
			}
			break
		}
	}
}

// checkChunkedSame checks that chunked reading gives the same records and
// rejects as Read, in the same order, and consumes the same bytes.
func checkChunkedSame(t *testing.T, in []byte, opts Options, targets ...int) {
	t.Helper()
	want, wantSt, wantErr := readEvents(in, opts)
	for _, target := range targets {
		got, gotSt, gotErr := chunkEvents(in, opts, target)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("target %d: error %v, Read gave %v", target, gotErr, wantErr)
		}
		if wantErr != nil {
			continue
		}
		for i := 0; i < max(len(want), len(got)); i++ {
			var w, g event
			if i < len(want) {
				w = want[i]
			}
			if i < len(got) {
				g = got[i]
			}
			if !reflect.DeepEqual(w, g) {
				t.Fatalf("target %d: outcome %d of %d/%d:\n got %v\nwant %v", target, i, len(got), len(want), g, w)
			}
		}
		if gotSt.Bytes != wantSt.Bytes {
			t.Fatalf("target %d: Stats.Bytes = %d, Read consumed %d", target, gotSt.Bytes, wantSt.Bytes)
		}
	}
}

var chunkTargets = []int{0, 1, 7, 100, 4096, 1 << 20} // 0 means one record at a time

func TestChunkMatchesRead(t *testing.T) {
	mixed, err := os.ReadFile("testdata/mixed.csv")
	if err != nil {
		t.Fatal(err)
	}
	var quoteOpen strings.Builder
	quoteOpen.WriteString("id,principal_dx\nz,K80.0\na,\"K80.0\n")
	for i := 0; quoteOpen.Len() < MaxRecordBytes+1000; i++ {
		fmt.Fprintf(&quoteOpen, "e%d,K80.0\n", i)
	}
	long := "x," + strings.Repeat("K", MaxRecordBytes+10)
	cases := []struct {
		name string
		in   string
		opts Options
	}{
		{"mixed", string(mixed), Options{KeepColumns: []string{"note"}}},
		{"mixed-no-dup-check", string(mixed), Options{KeepColumns: []string{"note"}, NoDuplicateCheck: true}},
		{"generated", string(genCSV(300, 5)), Options{}},
		{"generated-tsv", strings.ReplaceAll(string(genCSV(50, 6)), ",", "\t"), Options{Format: FormatTSV}},
		{"crlf-and-blank-lines", "id,principal_dx\r\n\r\na,K80.0\r\n,,\r\nb,K80.1\r\na,K80.2\r\nc,K80.0", Options{}},
		{"quoted-multiline", "id,principal_dx,hospital_id\na,K80.0,\"H\n1\"\nb,k80.1,\"x\"\"y\"\r\nc,K80.0,\"x\"y\nd,K80.0,\"\n\n\"\ne,K80.0,h\"q\n", Options{}},
		{"quote-never-closed-at-eof", "id,principal_dx\na,K80.0\nb,\"K80.0\nc,K80.0\nd,K80.0\n", Options{}},
		{"quote-open-past-limit", quoteOpen.String(), Options{}},
		{"long-lines", "id,principal_dx\n" + long + "\nb,K80.0\nc,\"" + strings.Repeat("y", MaxRecordBytes+10) + "\"\nd,K80.0\n" + long, Options{}},
		{"bad-utf8", "id,principal_dx\na,K80.0\nb,K8\xff0\nc,\"K80.\xff\"\n", Options{}},
		{"field-count", "id,principal_dx\na,K80.0,extra\nb\nc,K80.0\n", Options{}},
		{"jsonl", `{"id":"a","principal_dx":"K80.0","secondary_dx":["I10.x00",""]}` + "\n\n" + `{"id":"a"}` + "\n[1]\n" + `{"id":"b","tcm_principal_dx":"a04.03.03"}` + "\n" + `{"id":"c","principal_dx":"K80.0"}`, Options{Format: FormatJSONL}},
		{"jsonl-long", `{"id":"a","principal_dx":"K80.0"}` + "\n" + `{"id":"` + strings.Repeat("b", MaxRecordBytes) + `"}` + "\n" + `{"id":"c","principal_dx":"K80.0"}` + "\n", Options{Format: FormatJSONL}},
		{"gbk", "id,principal_dx,hospital_id\na,K80.0,\xd6\xd0\xd2\xbd\nb,K80.1,\"\xd6\xd0\n\"\n", Options{Encoding: "gbk"}},
		{"header-only", "id,principal_dx\n", Options{}},
		{"no-final-newline", "id,principal_dx\na,K80.0", Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkChunkedSame(t, []byte(c.in), c.opts, chunkTargets...)
		})
	}
}

// TestChunkRejectsPrecedeText checks the contract the pipeline relies on:
// a reject found while cutting never sits between two records of Data.
func TestChunkRejectsPrecedeText(t *testing.T) {
	in := "id,principal_dx\na,K80.0\nb,\"K80.0\nc,K80.0\n"
	rd, err := NewReader(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var c Chunk
	var got []string
	for rd.ReadChunk(&c, 1<<20) == nil {
		s := fmt.Sprintf("first %d data %q", c.FirstLine, c.Data)
		for _, e := range c.Rejects {
			s += fmt.Sprintf(" reject@%d", e.Line)
		}
		got = append(got, s)
	}
	// The quote never closes, so the cutter rejects line 3 itself: the
	// chunk holding line 2 ends there, and the reject leads the next one.
	want := []string{`first 2 data "a,K80.0\n"`, `first 4 data "c,K80.0\n" reject@3`}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("chunks:\n%q\nwant\n%q", got, want)
	}
}

func FuzzChunk(f *testing.F) {
	if b, err := os.ReadFile("testdata/mixed.csv"); err == nil {
		f.Add(b, uint16(50))
	}
	f.Add(genCSV(5, 9), uint16(3))
	f.Add([]byte("id,principal_dx,hospital_id\na,K80.0,\"H\n1\"\nb,k80.1,\"x\"\"y\"\r\n"), uint16(10))
	f.Add([]byte("id,principal_dx\n\"a,K80.0\nb,K80.0\n"), uint16(1))
	f.Add([]byte(`{"id":"a","principal_dx":"K80.0"}`+"\n"+`{"id":"a"}`), uint16(20))
	// NULs and keys given twice, rejected alike by both paths.
	f.Add([]byte("id,principal_dx,hospital_id\na,K80.0,H\x00\n\"b\",K80.0,\"\x00\"\nc,K80.0,x\n"), uint16(5))
	f.Add([]byte(`{"id":"a","principal_dx":"K80.0","id":"b"}`+"\n"+`{"id":"c","principal_dx":"K80\u0000"}`+"\n"+`{"id":"d","principal_dx":"K80.0"}`), uint16(7))
	f.Fuzz(func(t *testing.T, in []byte, target uint16) {
		checkChunkedSame(t, in, Options{}, 1+int(target))
		checkChunkedSame(t, in, Options{Format: FormatJSONL}, 1+int(target))
	})
}

// TestChunkMatchesReadMutated sprinkles quotes, line ends and separators
// into generated files, the bytes that decide where records end, and
// compares chunked reading with Read at random chunk sizes.
func TestChunkMatchesReadMutated(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	base := genCSV(40, 3)
	for i := 0; i < 300; i++ {
		in := append([]byte(nil), base...)
		for range 1 + rng.IntN(12) {
			pos := rng.IntN(len(in))
			b := `"` + "\n\r,\"\"x"[rng.IntN(6):][:1]
			in = append(in[:pos], append([]byte(b), in[pos:]...)...)
		}
		opts := Options{}
		if i%7 == 0 {
			opts.NoDuplicateCheck = true
		}
		checkChunkedSame(t, in, opts, 1+rng.IntN(64), 1+rng.IntN(4096))
	}
}

// TestChunkBoundedByInput checks that records rejected while cutting (here
// quoted fields that are not UTF-8, a GBK file read as UTF-8) still end a
// chunk after about target bytes of input, so memory stays bounded.
func TestChunkBoundedByInput(t *testing.T) {
	var b strings.Builder
	b.WriteString(`"id","principal_dx","hospital_id"` + "\n")
	const n = 5000
	for i := range n {
		fmt.Fprintf(&b, "\"R%d\",\"K80.0\",\"\xd6\xd0\xd2\xbd\"\n", i)
	}
	rd, err := NewReader(strings.NewReader(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	const target = 4096
	var c Chunk
	total, chunks := 0, 0
	for {
		err := rd.ReadChunk(&c, target)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		chunks++
		total += len(c.Rejects)
		if bytes := len(c.Rejects) * 31; bytes > 2*target {
			t.Fatalf("chunk %d holds %d rejects (~%d bytes of input) for a %d-byte target", chunks, len(c.Rejects), bytes, target)
		}
	}
	if total != n {
		t.Errorf("%d rejects in %d chunks, want %d", total, chunks, n)
	}
}

// TestChunkReadErrorAfterRecords checks that records cut before a read error
// are delivered, as Read delivers them, and the error comes with the next
// call.
func TestChunkReadErrorAfterRecords(t *testing.T) {
	boom := errors.New("boom")
	in := "id,principal_dx\na,K80.0\nb,\"K8\nc,K80.1\nd,K8"
	rd, err := NewReader(&failingReader{data: []byte(in), err: boom}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var (
		seq []string
		rec Record
	)
	for {
		err := rd.Read(&rec)
		var bad *Error
		if errors.As(err, &bad) {
			seq = append(seq, fmt.Sprintf("reject %d", bad.Line))
			continue
		}
		if err != nil {
			seq = append(seq, "error "+err.Error())
			break
		}
		seq = append(seq, "record "+rec.ID)
	}

	rd, err = NewReader(&failingReader{data: []byte(in), err: boom}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := rd.NewChunkParser()
	var (
		got []string
		c   Chunk
	)
	for {
		err := rd.ReadChunk(&c, 1<<20)
		if err != nil {
			got = append(got, "error "+err.Error())
			break
		}
		for _, e := range c.Rejects {
			got = append(got, fmt.Sprintf("reject %d", e.Line))
		}
		p.Reset(&c)
		for {
			err := p.Read(&rec)
			var bad *Error
			if errors.As(err, &bad) {
				got = append(got, fmt.Sprintf("reject %d", bad.Line))
				continue
			}
			if err != nil {
				break
			}
			got = append(got, "record "+rec.ID)
		}
	}
	if !reflect.DeepEqual(got, seq) {
		t.Errorf("chunked: %q\nRead:    %q", got, seq)
	}
	if len(seq) < 2 || seq[0] != "record a" || !strings.Contains(seq[len(seq)-1], "boom") {
		t.Errorf("Read gave %q; the test input should give record a first and end with the error", seq)
	}
}

// TestResetClearsStrings checks that Reset leaves no string in its slices'
// spare capacity: a record's strings share its chunk's whole text, which a
// string left there would keep from the collector.
func TestResetClearsStrings(t *testing.T) {
	rec := Record{ID: "R1", SecondaryDx: []string{"A01.000", "B02.000", "C03.000"}, Procedures: []string{"51.2300"}, Extra: []string{"x", "y"}}
	rec.Reset()
	for name, s := range map[string][]string{"SecondaryDx": rec.SecondaryDx, "Procedures": rec.Procedures, "Extra": rec.Extra} {
		if len(s) != 0 {
			t.Errorf("%s: %d elements after Reset", name, len(s))
		}
		for i, v := range s[:cap(s)] {
			if v != "" {
				t.Errorf("%s: spare element %d still holds %q", name, i, v)
			}
		}
	}
	if cap(rec.SecondaryDx) < 3 {
		t.Errorf("SecondaryDx capacity %d: Reset dropped the memory it should keep", cap(rec.SecondaryDx))
	}
}

// TestReadClearsSpareStrings checks that reading a shorter record into a
// Record leaves nothing of the longer one in its lists' spare capacity,
// after an accepted record, a rejected one and the end of input alike.
func TestReadClearsSpareStrings(t *testing.T) {
	in := "id,principal_dx,secondary_dx,procedures\n" +
		"A1,K80.100,J18.900|I10.x00|E11.900,51.2300|45.1300\n" +
		"A2,J18.900,K80.100,\n" +
		"A3,K80.100,J18.900|I10.x00|E11.900,51.2300|45.1300\n" +
		"A4,,,\n" + // rejected: no principal diagnosis
		"A5,K80.100,J18.900|I10.x00|E11.900,51.2300|45.1300\n"
	rd, err := NewReader(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	spare := func(when string) {
		for name, s := range map[string][]string{"SecondaryDx": rec.SecondaryDx, "Procedures": rec.Procedures} {
			for i, v := range s[len(s):cap(s)] {
				if v != "" {
					t.Errorf("%s: %s spare element %d holds %q", when, name, len(s)+i, v)
				}
			}
		}
	}
	for _, want := range []string{"A1", "A2", "A3", "A4", "A5"} {
		err := rd.Read(&rec)
		if rec.ID != want {
			t.Fatalf("read %q (%v), want %s", rec.ID, err, want)
		}
		spare("after " + want)
	}
	if err := rd.Read(&rec); err != io.EOF {
		t.Fatalf("at the end: %v", err)
	}
	spare("at the end of input")
}

// TestChunkTextShared: records parsed from a chunk ReadChunk cut share its
// Data (no copy), and the next ReadChunk cuts into fresh memory, leaving
// them intact; records parsed from a chunk built by hand are copies, which
// a later change to its Data does not reach.
func TestChunkTextShared(t *testing.T) {
	in := "id,principal_dx\nA1,K80.100\nA2,J18.900\n"
	rd, err := NewReader(strings.NewReader(in), Options{NoDuplicateCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	within := func(s string, b []byte) bool {
		p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		return p >= lo && p < lo+uintptr(len(b))
	}
	p := rd.NewChunkParser()
	var c Chunk
	var recs [2]Record
	for i, want := range []string{"A1", "A2"} {
		// One record a chunk: the second cut must not overwrite the first.
		if err := rd.ReadChunk(&c, 1); err != nil {
			t.Fatal(err)
		}
		p.Reset(&c)
		if err := p.Read(&recs[i]); err != nil {
			t.Fatal(err)
		}
		if recs[i].ID != want || !within(recs[i].ID, c.Data) {
			t.Fatalf("record %q: want %s, a slice of the chunk's Data", recs[i].ID, want)
		}
	}
	if recs[0].ID != "A1" || recs[0].PrincipalDx != "K80.100" {
		t.Fatalf("after the next cut, the first record reads %q %q", recs[0].ID, recs[0].PrincipalDx)
	}

	own := Chunk{Data: []byte("B1,K80.100\n"), FirstLine: 2}
	p.Reset(&own)
	var rec Record
	if err := p.Read(&rec); err != nil {
		t.Fatal(err)
	}
	if within(rec.ID, own.Data) {
		t.Fatal("a record of a chunk built by hand shares its Data")
	}
	copy(own.Data, "XX")
	if rec.ID != "B1" {
		t.Fatalf("after its chunk's Data changed, the record's id reads %q", rec.ID)
	}
}
