package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/store"
)

// sampleStore makes a store in a new directory holding sample@1.
func sampleStore(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := grouper.Sample()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Put(rs); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// holdStore opens dir for writing, as an import does, and after d puts a
// second revision and closes it.
func holdStore(t *testing.T, dir string, d time.Duration) <-chan error {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	time.AfterFunc(d, func() {
		rs, err := grouper.Sample()
		if err == nil {
			_, err = st.Put(rs)
		}
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		done <- err
	})
	return done
}

// TestStoreWait pins the issue "a drg group (or any reader) started while
// an import is writing fails at once with 'directory in use by another
// process'": readers wait --store-wait (default 2m, or $DRG_STORE_WAIT),
// saying so, and then read the import's revision.
func TestStoreWait(t *testing.T) {
	dir := sampleStore(t)

	done := holdStore(t, dir, 300*time.Millisecond)
	code, _, errOut := drg(t, "", "rules", "list", "--store", dir, "--store-wait", "0")
	if code != 1 || !strings.Contains(errOut, "directory in use by another process") {
		t.Errorf("rules list --store-wait 0 beside an import: exit %d, %q; want 1, in use", code, errOut)
	}
	code, out, errOut := drg(t, "", "rules", "list", "--store", dir)
	if code != 0 || !strings.Contains(out, "sample  2 ") || !strings.Contains(errOut, "waiting up to 2m0s") {
		t.Errorf("rules list beside an import: exit %d\n%s\n%s\nwant revision 2 listed after waiting", code, out, errOut)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	done = holdStore(t, dir, 300*time.Millisecond)
	t.Setenv("DRG_STORE_WAIT", "30s")
	outFile := filepath.Join(t.TempDir(), "out.csv")
	code, _, errOut = drg(t, "", "group", filepath.Join("..", "..", "examples", "sample.csv"), "--rules", "sample@3", "--store", dir, "--out", outFile)
	if code != 0 || !strings.Contains(errOut, "waiting up to 30s") {
		t.Errorf("group --rules sample@3 beside the import of sample@3: exit %d\n%s", code, errOut)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	t.Setenv("DRG_STORE_WAIT", "soon")
	if code, _, errOut := drg(t, "", "rules", "list", "--store", dir); code != 1 || !strings.Contains(errOut, `DRG_STORE_WAIT "soon": not a duration`) {
		t.Errorf("DRG_STORE_WAIT=soon: exit %d, %q", code, errOut)
	}
}

// TestImportBesideBatch: a batch opens the store only to load its rule set,
// so an import started while it groups does not wait for it.
func TestImportBesideBatch(t *testing.T) {
	dir := sampleStore(t)
	g, err := loadGrouper("sample@1", storeFlags{dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, store.Options{}) // no LockWait
	if err != nil {
		t.Fatalf("an import while the batch groups: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if g.RuleSet().Name != grouper.SampleName {
		t.Errorf("loaded %q", g.RuleSet().Name)
	}
}
