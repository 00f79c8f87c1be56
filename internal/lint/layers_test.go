package lint

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/medpay/drg"

// layers lists the project's packages from the bottom up. A package may
// import packages of lower layers only: never one of its own layer, never
// one above. The reasons, bottom up:
//
//   - instructions: the one processor instruction Go does not offer
//     (prefetch), in assembly, below everything that uses it.
//   - machinery is nobody's API: compression, id sets, strict JSON, text
//     encodings, row scanning, the race flag. It knows nothing of hospitals or rules.
//   - codes is the vocabulary (code systems, normalisation, TCM mapping);
//     everything above speaks it.
//   - records is the input model: what a discharge record is and how it is
//     read and validated.
//   - the core groups a record by a rule set: rules, compile, group, trace.
//     It prices nothing and stores nothing.
//   - rule I/O stores rule sets (Badger) and converts national tables;
//     both only produce or keep what the core defines.
//   - pricing turns a grouped record into money; it reads the core's
//     results and never groups.
//   - the pricing tools make and use price lists: cities' published
//     tables converted, weights calibrated from costs, and the one-call
//     pricer over a stored rule set and price list.
//   - the pipeline runs files through grouping and pricing: it sits above
//     both, as the product's flow codes <- grouper <- weights <- pipeline
//     <- cmd says, although its directory is grouper/batch.
//   - the service answers payment systems over HTTP, with what is below.
//   - synthetic data and the reference grouper serve benchmarks and tests.
//   - bench measures everything below it; cmd/drg is the command.
var layers = []struct {
	name string
	pkgs []string // import paths below the module
}{
	{"instructions", []string{"internal/prefetch"}},
	{"machinery", []string{"internal/race", "internal/cputime", "internal/compressio", "internal/idset", "internal/strictjson", "internal/textenc", "internal/rowscan", "internal/lint"}},
	{"codes", []string{"codes"}},
	{"records", []string{"grouper/record"}},
	{"core", []string{"grouper"}},
	{"rule I/O", []string{"grouper/store", "grouper/national"}},
	{"pricing", []string{"weights"}},
	{"pricing tools", []string{"weights/citylist", "weights/calibrate", "weights/pricer"}},
	{"pipeline", []string{"grouper/batch"}},
	{"report", []string{"grouper/report"}},
	{"service", []string{"grouper/service"}},
	{"synthetic data", []string{"internal/synth"}},
	{"reference grouper", []string{"internal/reference"}},
	{"benchmarks", []string{"bench"}},
	{"command", []string{"cmd/drg"}},
}

// thirdParty names, for each third-party module the project uses, the one
// package that may import it: one place each for the store engine, the
// compressor, the bitmaps and the legacy encodings, so that replacing one
// touches one package.
var thirdParty = map[string]string{
	"github.com/dgraph-io/badger/v4":      "grouper/store",
	"github.com/klauspost/compress":       "internal/compressio",
	"github.com/RoaringBitmap/roaring/v2": "grouper",
	"golang.org/x/text":                   "internal/textenc",
	"github.com/prometheus/client_golang": "grouper/service",
}

// imports lists every package of the module with its non-test imports.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	cmd := exec.Command(goTool, "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkgs[strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/")] = f[1:]
	}
	return pkgs
}

func TestLayers(t *testing.T) {
	layer := map[string]int{}
	for i, l := range layers {
		for _, p := range l.pkgs {
			layer[p] = i
		}
	}
	pkgs := imports(t)
	for _, p := range sortedKeys(pkgs) {
		from, ok := layer[p]
		if !ok {
			t.Errorf("package %s is on no layer: place it in layers (internal/lint/layers_test.go)", p)
			continue
		}
		for _, imp := range pkgs[p] {
			rel, ours := strings.CutPrefix(imp, module+"/")
			if !ours {
				continue
			}
			to, ok := layer[rel]
			switch {
			case !ok:
				t.Errorf("%s imports %s, which is on no layer", p, rel)
			case to >= from:
				t.Errorf("%s (layer %q) imports %s (layer %q): a package may import only lower layers", p, layers[from].name, rel, layers[to].name)
			}
		}
	}
	for _, l := range layers {
		for _, p := range l.pkgs {
			if _, ok := pkgs[p]; !ok {
				t.Errorf("layers lists %s, which does not exist", p)
			}
		}
	}
}

func TestThirdPartyInOnePlace(t *testing.T) {
	for p, imps := range imports(t) {
		for _, imp := range imps {
			for mod, owner := range thirdParty {
				if (imp == mod || strings.HasPrefix(imp, mod+"/")) && p != owner {
					t.Errorf("%s imports %s: only %s may use %s", p, imp, owner, mod)
				}
			}
		}
	}
}

// TestCodesStandAlone: the vocabulary imports nothing of the project but
// the prefetch instruction (for Dict.Prefetch), and the core neither
// prices, runs files nor stores (a stronger statement of what the layers
// already imply, kept so that reordering the layers cannot silently allow
// it).
func TestCodesStandAlone(t *testing.T) {
	pkgs := imports(t)
	forbidden := map[string][]string{
		"codes":   {module + "/"},
		"grouper": {module + "/weights", module + "/grouper/batch", module + "/grouper/store", "github.com/dgraph-io/badger"},
	}
	allowed := map[string]bool{module + "/internal/prefetch": true}
	for p, bad := range forbidden {
		for _, imp := range pkgs[p] {
			for _, b := range bad {
				if allowed[imp] {
					continue
				}
				if strings.HasPrefix(imp, b) {
					t.Errorf("%s imports %s", p, imp)
				}
			}
		}
	}
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
