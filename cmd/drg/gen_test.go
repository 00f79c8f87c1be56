package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/medpay/drg/internal/synth"
)

// TestGenFullDisk: 'drg gen --out' on a full disk used to leave a file under
// the target's name cut mid-record and print the error twice. It writes
// through a temporary file now, as 'drg group' does: exit 1, one error
// line, nothing left under the target's name, no temporary file.
func TestGenFullDisk(t *testing.T) {
	full := mountTmpfs(t, "1m")
	target := filepath.Join(full, "g.csv")
	code, out, errOut := drg(t, "", "gen", "--records", "100000", "--rules", "sample", "--out", target)
	if code != 1 {
		t.Fatalf("gen on a full disk: exit %d, stdout %q, stderr %q; want 1", code, out, errOut)
	}
	if lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n"); len(lines) != 1 ||
		!strings.HasPrefix(errOut, "drg gen: "+target+": ") || !strings.Contains(errOut, "no space left on device") {
		t.Errorf("stderr %q: want one line \"drg gen: %s: ... no space left on device\"", errOut, target)
	}
	if names := dirNames(t, full); len(names) != 0 {
		t.Errorf("the failed gen left %q", names)
	}
}

// TestGenInvalidMatchesValidate: gen's count of invalid records is what
// 'drg validate' rejects in the file. The generator used to give records of
// the sample's elderly groups (age_years >= 65) ages up to 165, which the
// reader rejects (at most 150), although gen counted them clean.
func TestGenInvalidMatchesValidate(t *testing.T) {
	rejected := map[string]bool{}
	for d := synth.Clean; !strings.HasPrefix(d.String(), "Defect("); d++ {
		if d.Rejected() {
			rejected[d.String()] = true
		}
	}
	defect := regexp.MustCompile(`([a-z_]+) ([0-9]+)`)
	validated := regexp.MustCompile(`([0-9]+) rejected`)
	for _, tc := range []struct {
		rules string
		args  []string
	}{
		{"sample", nil},
		{"sample", []string{"--dirty", "-1", "--invalid", "-1"}}, // every record clean
		{"fullscale", nil},
	} {
		dir := t.TempDir()
		file := filepath.Join(dir, "g.csv")
		args := append([]string{"gen", "--records", "20000", "--rules", tc.rules, "--out", file}, tc.args...)
		code, out, errOut := drg(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		invalid := 0
		if _, list, ok := strings.Cut(out, "defects: ["); ok {
			for _, m := range defect.FindAllStringSubmatch(list, -1) {
				if rejected[m[1]] {
					n, _ := strconv.Atoi(m[2])
					invalid += n
				}
			}
		}
		code, out, errOut = drg(t, "", "validate", file, "--rejects", filepath.Join(dir, "rejects.csv"))
		m := validated.FindStringSubmatch(out)
		if code != 0 || m == nil {
			t.Fatalf("validate %v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
		if got, _ := strconv.Atoi(m[1]); got != invalid {
			t.Errorf("%v: validate rejects %d records, gen made %d invalid", args, got, invalid)
		}
	}
}
