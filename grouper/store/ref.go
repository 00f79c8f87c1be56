package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/medpay/drg/grouper"
)

// RefOptions say where GetRef and LoadRef look for the rule set a
// reference names. The zero value reads directories in the project's table
// format, opens the store in DefaultDir read-only without waiting, and adds
// no hint to a not-found error.
type RefOptions struct {
	// Dir is the store directory; "" means DefaultDir(), asked only when
	// the reference is looked up in a store.
	Dir string
	// Open opens the store in dir read-only; nil means OpenContext(ctx,
	// dir, Options{ReadOnly: true}). A caller that waits for a store in
	// use (Options.LockWait) opens it here, when it is needed.
	Open func(ctx context.Context, dir string) (*Store, error)
	// ReadDir reads a directory of tables in a layout other than the
	// project's, such as the national CHS-DRG 1.1 extraction (package
	// grouper/national): ok is false when fsys is not in that layout, and the
	// directory is then read with grouper.ReadTables. A rule set it
	// returns is compiled before it is returned, so that a rule set that
	// does not compile is an error. nil reads the project's format only.
	ReadDir func(fsys fs.FS) (rs *grouper.RuleSet, ok bool, err error)
	// Hint, when not nil, says how to store the rule set named name (the
	// reference without its @REVISION), e.g. with which import command: a
	// reference found nowhere is an error wrapping ErrNotFound that ends
	// with " (hint)".
	Hint func(name string) string
}

// GetRef finds the rule set ref names, in this order:
//
//   - "": the embedded sample (grouper.Sample);
//   - a directory: its tables (RefOptions.ReadDir, else the project's
//     format; warnings are dropped);
//   - "NAME" or "NAME@REVISION" in the store (Store.Get);
//   - grouper.SampleName, when the store has no rule set of that name or
//     there is no store: the embedded sample.
//
// A reference found nowhere is an error wrapping ErrNotFound: "rule set
// "x": not in store DIR (hint)" when there is no store, else the store's
// *RefError. The rule set is the caller's.
func GetRef(ctx context.Context, ref string, opts RefOptions) (*grouper.RuleSet, error) {
	if ref == "" {
		return grouper.Sample()
	}
	if isDir(ref) {
		return opts.readDir(ref)
	}
	dir, err := opts.dir()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err == nil {
		st, err := opts.open(ctx, dir)
		if err != nil {
			if ref == grouper.SampleName && errors.Is(err, fs.ErrNotExist) {
				return grouper.Sample()
			}
			return nil, err
		}
		defer st.Close()
		rs, _, err := st.Get(ref)
		if err == nil {
			return rs, nil
		}
		if !errors.Is(err, ErrNotFound) || ref != grouper.SampleName {
			return nil, err
		}
	}
	if ref == grouper.SampleName {
		return grouper.Sample()
	}
	return nil, &refNotFound{msg: fmt.Sprintf("rule set %q: not in store %s%s", ref, dir, opts.hint(ref)), errs: []error{ErrNotFound}}
}

// LoadRef is GetRef followed by grouper.Compile, compiling once: a
// directory in the project's format and a stored rule set are compiled as
// they are read (grouper.LoadTables, Store.Load). A reference that is not
// a path, "" or grouper.SampleName is looked up in the store only: when
// there is no store, the error wraps both the store's (fs.ErrNotExist) and
// ErrNotFound; a stored rule set not found is Store.Load's *RefError,
// with the hint.
func LoadRef(ctx context.Context, ref string, opts RefOptions) (*grouper.Grouper, error) {
	if isDir(ref) {
		if opts.ReadDir != nil {
			rs, ok, err := opts.ReadDir(os.DirFS(ref))
			if err != nil {
				return nil, err
			}
			if ok {
				return grouper.Compile(rs)
			}
		}
		g, _, err := grouper.LoadTables(os.DirFS(ref))
		return g, err
	}
	if ref != "" && ref != grouper.SampleName {
		if _, err := os.Stat(ref); err != nil {
			dir, err := opts.dir()
			if err != nil {
				return nil, err
			}
			st, err := opts.open(ctx, dir)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, &refNotFound{msg: fmt.Sprintf("rule set %q: %v%s", ref, err, opts.hint(ref)), errs: []error{err, ErrNotFound}}
			}
			if err != nil {
				return nil, fmt.Errorf("rule set %q: %w", ref, err)
			}
			defer st.Close()
			g, _, err := st.Load(ref)
			if errors.Is(err, ErrNotFound) {
				return nil, &refNotFound{msg: err.Error() + opts.hint(ref), errs: []error{err}}
			}
			return g, err
		}
	}
	rs, err := GetRef(ctx, ref, opts)
	if err != nil {
		return nil, err
	}
	return grouper.Compile(rs)
}

// ByDate is the revision part of a reference that picks, per record, the
// revision in force on its discharge date: "chs-drg@date".
const ByDate = "date"

// IsByDate reports whether ref is "NAME@date", returning NAME.
func IsByDate(ref string) (name string, ok bool) {
	name, rev, found := strings.Cut(ref, "@")
	return name, found && rev == ByDate && name != ""
}

// LoadAllRef compiles every revision of the stored rule set name, oldest
// first (Store.LoadAll), in the store opts find: the versions of a run by
// discharge date.
func LoadAllRef(ctx context.Context, name string, opts RefOptions) ([]*grouper.Grouper, []Info, error) {
	dir, err := opts.dir()
	if err != nil {
		return nil, nil, err
	}
	st, err := opts.open(ctx, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, &refNotFound{msg: fmt.Sprintf("rule set %q: %v%s", name, err, opts.hint(name)), errs: []error{err, ErrNotFound}}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("rule set %q: %w", name, err)
	}
	defer st.Close()
	gs, infos, err := st.LoadAll(name)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, &refNotFound{msg: err.Error() + opts.hint(name), errs: []error{err}}
	}
	return gs, infos, err
}

// refNotFound is a reference found nowhere: its message, which may end
// with RefOptions.Hint, and the errors it wraps.
type refNotFound struct {
	msg  string
	errs []error
}

func (e *refNotFound) Error() string   { return e.msg }
func (e *refNotFound) Unwrap() []error { return e.errs }

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

func (o *RefOptions) dir() (string, error) {
	if o.Dir != "" {
		return o.Dir, nil
	}
	return DefaultDir()
}

func (o *RefOptions) open(ctx context.Context, dir string) (*Store, error) {
	if o.Open != nil {
		return o.Open(ctx, dir)
	}
	return OpenContext(ctx, dir, Options{ReadOnly: true})
}

// hint is " (Hint(name))", or "" without a Hint.
func (o *RefOptions) hint(ref string) string {
	if o.Hint == nil {
		return ""
	}
	name, _, _ := strings.Cut(ref, "@")
	return " (" + o.Hint(name) + ")"
}

// readDir reads the rule set in the directory dir.
func (o *RefOptions) readDir(dir string) (*grouper.RuleSet, error) {
	fsys := os.DirFS(dir)
	if o.ReadDir != nil {
		rs, ok, err := o.ReadDir(fsys)
		if err != nil {
			return nil, err
		}
		if ok {
			if _, err := grouper.Compile(rs); err != nil {
				return nil, err
			}
			return rs, nil
		}
	}
	rs, _, err := grouper.ReadTables(fsys)
	return rs, err
}
