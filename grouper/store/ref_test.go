package store

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper"
)

func importHint(name string) string {
	return "import it with 'drg rules import DIR --name " + name + "'"
}

// refStore returns a store directory holding demo@1 (version v1) and
// demo@2 (version v2), closed.
func refStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s := open(t, dir, false)
	for _, v := range []string{"v1", "v2"} {
		rs := sample(t)
		rs.Name, rs.Version = "demo", v
		put(t, s, rs)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestGetRefLoadRef: a stored NAME is its latest revision, NAME@REV that
// revision, and GetRef and LoadRef agree.
func TestGetRefLoadRef(t *testing.T) {
	dir := refStore(t)
	opts := RefOptions{Dir: dir, Hint: importHint}
	for _, tc := range []struct{ ref, version string }{{"demo", "v2"}, {"demo@1", "v1"}, {"demo@2", "v2"}} {
		rs, err := GetRef(context.Background(), tc.ref, opts)
		if err != nil || rs.Name != "demo" || rs.Version != tc.version {
			t.Errorf("GetRef(%s): got %v, want demo %s", tc.ref, err, tc.version)
			continue
		}
		g, err := LoadRef(context.Background(), tc.ref, opts)
		if err != nil || g.RuleSet().Version != tc.version {
			t.Errorf("LoadRef(%s): got %v, want demo %s", tc.ref, err, tc.version)
		}
	}
}

// TestRefNotFound: a reference found nowhere wraps ErrNotFound, and the
// caller's hint ends the message where it says what to do.
func TestRefNotFound(t *testing.T) {
	ctx := context.Background()
	dir := refStore(t)
	opts := RefOptions{Dir: dir, Hint: importHint}
	_, err := GetRef(ctx, "nope@3", opts)
	if want := "get nope@3: store: rule set not found"; err == nil || err.Error() != want || !errors.Is(err, ErrNotFound) {
		t.Errorf("GetRef in a store: got %v, want %q wrapping ErrNotFound", err, want)
	}
	_, err = LoadRef(ctx, "nope@3", opts)
	if want := "load nope@3: store: rule set not found (import it with 'drg rules import DIR --name nope')"; err == nil || err.Error() != want || !errors.Is(err, ErrNotFound) {
		t.Errorf("LoadRef in a store: got %v, want %q wrapping ErrNotFound", err, want)
	}
	_, err = LoadRef(ctx, "demo@9", RefOptions{Dir: dir})
	if want := "load demo@9: store: rule set not found"; err == nil || err.Error() != want || !errors.Is(err, ErrNotFound) {
		t.Errorf("LoadRef without a hint: got %v, want %q", err, want)
	}

	none := filepath.Join(t.TempDir(), "none")
	opts.Dir = none
	_, err = GetRef(ctx, "demo", opts)
	if want := `rule set "demo": not in store ` + none + " (import it with 'drg rules import DIR --name demo')"; err == nil || err.Error() != want || !errors.Is(err, ErrNotFound) {
		t.Errorf("GetRef without a store: got %v, want %q wrapping ErrNotFound", err, want)
	}
	_, err = LoadRef(ctx, "demo@2", opts)
	if err == nil || !strings.HasPrefix(err.Error(), `rule set "demo@2": `) || !strings.HasSuffix(err.Error(), " (import it with 'drg rules import DIR --name demo')") ||
		!errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadRef without a store: got %v, want the hint, wrapping ErrNotFound and fs.ErrNotExist", err)
	}
}

// TestRefSample: "" and "sample" are the embedded sample when no store
// has one, and a stored "sample" is the stored one.
func TestRefSample(t *testing.T) {
	ctx := context.Background()
	for _, dir := range []string{filepath.Join(t.TempDir(), "none"), refStore(t)} {
		for _, ref := range []string{"", grouper.SampleName} {
			rs, err := GetRef(ctx, ref, RefOptions{Dir: dir})
			if err != nil || rs.Name != grouper.SampleName {
				t.Errorf("GetRef(%q) in %s: got %v, want the sample", ref, dir, err)
			}
			if _, err := LoadRef(ctx, ref, RefOptions{Dir: dir}); err != nil {
				t.Errorf("LoadRef(%q) in %s: %v", ref, dir, err)
			}
		}
	}
	dir := t.TempDir()
	s := open(t, dir, false)
	rs := sample(t)
	rs.Version = "stored"
	put(t, s, rs)
	s.Close()
	if got, err := GetRef(ctx, grouper.SampleName, RefOptions{Dir: dir}); err != nil || got.Version != "stored" {
		t.Errorf("GetRef(sample) with a stored sample: got %v, want version stored", err)
	}
}

// TestRefDirectory: a directory is read as tables, by ReadDir when it
// knows the layout, without opening any store.
func TestRefDirectory(t *testing.T) {
	ctx := context.Background()
	tables := t.TempDir()
	rs := sample(t)
	rs.Name = "fromdir"
	if err := rs.WriteTables(tables); err != nil {
		t.Fatal(err)
	}
	noStore := func(context.Context, string) (*Store, error) {
		t.Error("a directory reference opened the store")
		return nil, errors.New("no store")
	}
	opts := RefOptions{Dir: filepath.Join(t.TempDir(), "none"), Open: noStore}
	if got, err := GetRef(ctx, tables, opts); err != nil || got.Name != "fromdir" {
		t.Errorf("GetRef(dir): got %v, want fromdir", err)
	}
	if g, err := LoadRef(ctx, tables, opts); err != nil || g.RuleSet().Name != "fromdir" {
		t.Errorf("LoadRef(dir): got %v, want fromdir", err)
	}

	// ReadDir: a layout it knows is its rule set; one it does not, the
	// project's tables; its error is returned.
	national := sample(t)
	national.Name = "national"
	for _, tc := range []struct {
		ok   bool
		err  error
		want string
	}{{true, nil, "national"}, {false, nil, "fromdir"}, {true, fs.ErrInvalid, ""}} {
		opts.ReadDir = func(fs.FS) (*grouper.RuleSet, bool, error) { return national, tc.ok, tc.err }
		got, err := GetRef(ctx, tables, opts)
		g, gerr := LoadRef(ctx, tables, opts)
		if tc.err != nil {
			if !errors.Is(err, tc.err) || !errors.Is(gerr, tc.err) {
				t.Errorf("ReadDir failing: got %v and %v, want %v", err, gerr, tc.err)
			}
			continue
		}
		if err != nil || gerr != nil || got.Name != tc.want || g.RuleSet().Name != tc.want {
			t.Errorf("ReadDir ok=%v: got %v, %v, want %s", tc.ok, err, gerr, tc.want)
		}
	}
}

// TestRefOpen: the store is opened by RefOptions.Open, and its error is
// the caller's.
func TestRefOpen(t *testing.T) {
	dir := refStore(t)
	busy := errors.New("busy")
	calls := 0
	opts := RefOptions{Dir: dir, Open: func(_ context.Context, d string) (*Store, error) {
		calls++
		if d != dir {
			t.Errorf("Open(%s), want %s", d, dir)
		}
		return nil, busy
	}}
	if _, err := GetRef(context.Background(), "demo", opts); !errors.Is(err, busy) {
		t.Errorf("GetRef: got %v, want %v", err, busy)
	}
	if _, err := LoadRef(context.Background(), "demo", opts); err == nil || err.Error() != `rule set "demo": busy` {
		t.Errorf("LoadRef: got %v, want %q", err, `rule set "demo": busy`)
	}
	if calls != 2 {
		t.Errorf("Open called %d times, want 2", calls)
	}
}
