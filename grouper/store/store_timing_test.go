package store

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"maps"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/national"
	"github.com/medpay/drg/internal/compressio"
	"github.com/medpay/drg/internal/cputime"
)

// nationalDir holds the national CHS-DRG 1.1 tables, relative to this
// package; benchmarks that need them skip when it is absent.
const nationalDir = "../../../shared/data/chs-drg-1.1"

var nationalRS = sync.OnceValues(func() (*grouper.RuleSet, error) {
	return national.Read(os.DirFS(nationalDir))
})

// fixtures are the rule sets the benchmarks load, as sub-benchmarks.
var fixtures = []struct {
	name string
	rs   func(b *testing.B) *grouper.RuleSet
}{
	{"sample", func(b *testing.B) *grouper.RuleSet { return sample(b) }},
	{"national", func(b *testing.B) *grouper.RuleSet {
		if _, err := os.Stat(nationalDir); errors.Is(err, fs.ErrNotExist) {
			b.Skipf("no national tables in %s", nationalDir)
		}
		rs, err := nationalRS()
		if err != nil {
			b.Fatal(err)
		}
		return rs
	}},
}

// fixtureStore puts rs into a new store, closes it and returns its
// directory and the revision's Info.
func fixtureStore(b *testing.B, rs *grouper.RuleSet) (string, Info) {
	b.Helper()
	dir := b.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	info, err := s.Put(rs)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	return dir, info
}

// timer reports wall and CPU milliseconds per op; start it just before the
// loop and call the returned func after it. CPU time includes every
// goroutine's, so it exceeds wall time when work runs in parallel; it varies
// less than wall time when the machine is shared.
func timer(b *testing.B) (stop func()) {
	cpu0 := cputime.Process()
	return func() {
		n := float64(b.N)
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/n, "ms/op")
		b.ReportMetric((cputime.Process()-cpu0)*1e3/n, "cpu-ms/op")
	}
}

func BenchmarkPut(b *testing.B) {
	for _, f := range fixtures {
		b.Run(f.name, func(b *testing.B) {
			rs := f.rs(b)
			s := open(b, b.TempDir(), false)
			var info Info
			b.ReportAllocs()
			stop := timer(b)
			for b.Loop() {
				info = put(b, s, rs)
			}
			b.SetBytes(info.Bytes)
			stop()
			b.ReportMetric(float64(info.Bytes)/float64(info.Stored), "ratio")
		})
	}
}

func BenchmarkGet(b *testing.B) {
	for _, f := range fixtures {
		b.Run(f.name, func(b *testing.B) {
			dir, info := fixtureStore(b, f.rs(b))
			s := open(b, dir, true)
			b.ReportAllocs()
			stop := timer(b)
			for b.Loop() {
				if _, _, err := s.Get(info.Ref()); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(info.Bytes)
			stop()
		})
	}
}

func BenchmarkGetCompile(b *testing.B) {
	for _, f := range fixtures {
		b.Run(f.name, func(b *testing.B) {
			dir, info := fixtureStore(b, f.rs(b))
			s := open(b, dir, true)
			b.ReportAllocs()
			stop := timer(b)
			for b.Loop() {
				rs, _, err := s.Get(info.Ref())
				if err != nil {
					b.Fatal(err)
				}
				if _, err := grouper.Compile(rs); err != nil {
					b.Fatal(err)
				}
			}
			stop()
		})
	}
}

// BenchmarkOpenGetCompile is what a batch job does before grouping: open
// the store read-only, Get the rule set, Compile it, close the store. The
// target for the national scheme is under 300 ms.
func BenchmarkOpenGetCompile(b *testing.B) {
	for _, f := range fixtures {
		b.Run(f.name, func(b *testing.B) {
			dir, info := fixtureStore(b, f.rs(b))
			b.ReportAllocs()
			stop := timer(b)
			for b.Loop() {
				s, err := Open(dir, Options{ReadOnly: true})
				if err != nil {
					b.Fatal(err)
				}
				rs, _, err := s.Get(info.Name)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := grouper.Compile(rs); err != nil {
					b.Fatal(err)
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
			stop()
		})
	}
}

// BenchmarkSteps splits OpenGetCompile into its steps: Badger open and
// close, reading the stored values, decompressing them, grouper.ReadTables
// (parse, validate and its own compile check), and grouper.Compile; and Put
// into RuleSet.EncodeTables, compression and the same ReadTables check.
func BenchmarkSteps(b *testing.B) {
	for _, f := range fixtures {
		b.Run(f.name, func(b *testing.B) {
			rs := f.rs(b)
			dir, info := fixtureStore(b, rs)
			s := open(b, dir, true)
			_, _, vals, err := s.read(info.Ref())
			if err != nil {
				b.Fatal(err)
			}
			files := rs.EncodeTables()
			step := func(name string, fn func()) {
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					stop := timer(b)
					for b.Loop() {
						fn()
					}
					stop()
				})
			}
			step("open-close", func() {
				s, err := Open(dir, Options{ReadOnly: true})
				if err == nil {
					err = s.Close()
				}
				if err != nil {
					b.Fatal(err)
				}
			})
			step("read", func() {
				if _, _, _, err := s.read(info.Ref()); err != nil {
					b.Fatal(err)
				}
			})
			step("decompress", func() {
				if _, err := decompressAll(vals, 2); err != nil {
					b.Fatal(err)
				}
			})
			step("decompress-serial", func() {
				if _, err := decompressAll(vals, 1); err != nil {
					b.Fatal(err)
				}
			})
			step("readtables", func() {
				if _, _, err := grouper.ReadTables(memFS(files)); err != nil {
					b.Fatal(err)
				}
			})
			step("compile", func() {
				if _, err := grouper.Compile(rs); err != nil {
					b.Fatal(err)
				}
			})
			step("put-encodetables", func() { rs.EncodeTables() })
			step("put-compress", func() { compressAll(files) })
		})
	}
}

// BenchmarkLayout compares the two ways to store a revision's tables: one
// key per table (what Put does; tables decompress in parallel) and one blob
// of all tables compressed as one zstd frame. Each loop reads the values
// from Badger and decompresses them into a map of files.
func BenchmarkLayout(b *testing.B) {
	for _, f := range fixtures {
		b.Run(f.name, func(b *testing.B) {
			rs := f.rs(b)
			s := open(b, b.TempDir(), false)
			info := put(b, s, rs)
			blob := encodeBlob(rs.EncodeTables())
			blobKey := []byte("bench/blob")
			if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(blobKey, blob) }); err != nil {
				b.Fatal(err)
			}
			layout := func(name string, stored int, fn func() map[string][]byte) {
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					stop := timer(b)
					for b.Loop() {
						if got := fn(); len(got) != info.Tables {
							b.Fatalf("got %d tables, want %d", len(got), info.Tables)
						}
					}
					b.SetBytes(info.Bytes)
					stop()
					b.ReportMetric(float64(stored), "stored-B")
				})
			}
			perTable := func(workers int) func() map[string][]byte {
				return func() map[string][]byte {
					_, names, vals, err := s.read(info.Ref())
					if err != nil {
						b.Fatal(err)
					}
					data, err := decompressAll(vals, workers)
					if err != nil {
						b.Fatal(err)
					}
					out := make(map[string][]byte, len(names))
					for i, n := range names {
						out[n] = data[i]
					}
					return out
				}
			}
			layout("per-table", int(info.Stored), perTable(2))
			layout("per-table-serial", int(info.Stored), perTable(1))
			layout("blob", len(blob), func() map[string][]byte {
				var v []byte
				err := s.db.View(func(txn *badger.Txn) error {
					item, err := txn.Get(blobKey)
					if err != nil {
						return err
					}
					v, err = item.ValueCopy(nil)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				files, err := decodeBlob(v)
				if err != nil {
					b.Fatal(err)
				}
				return files
			})
		})
	}
}

// encodeBlob is the rejected one-blob layout: uvarint-length-prefixed name
// and data of each file, in name order, compressed as one zstd frame.
func encodeBlob(files map[string][]byte) []byte {
	var raw []byte
	for _, n := range slices.Sorted(maps.Keys(files)) {
		raw = binary.AppendUvarint(raw, uint64(len(n)))
		raw = append(raw, n...)
		raw = binary.AppendUvarint(raw, uint64(len(files[n])))
		raw = append(raw, files[n]...)
	}
	return compressio.EncodeZstd(nil, raw)
}

func decodeBlob(v []byte) (map[string][]byte, error) {
	raw, err := compressio.DecodeZstd(v)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	next := func() ([]byte, bool) {
		n, k := binary.Uvarint(raw)
		if k <= 0 || uint64(len(raw)-k) < n {
			return nil, false
		}
		field := raw[k : k+int(n)]
		raw = raw[k+int(n):]
		return field, true
	}
	for len(raw) > 0 {
		name, ok1 := next()
		data, ok2 := next()
		if !ok1 || !ok2 {
			return nil, ErrCorrupt
		}
		out[string(name)] = data
	}
	return out, nil
}
