package batch

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/medpay/drg/grouper/record"
)

// Output is an output file that appears under its name only when the run
// writing it succeeds. A regular file is written to a temporary file beside
// it, which Commit renames into place and Abort removes: a run that fails
// or is interrupted leaves neither a truncated file that looks complete nor
// a destroyed previous one. "-" (OutputOptions.Stdout) and existing files
// that are not regular (a device such as /dev/null, a pipe) are written
// directly; "" discards. A .zst or .gz name is compressed.
//
// A run killed outright (SIGKILL, a power cut) cannot remove its temporary
// file, a hidden ".NAME.<12 hex>.partial" beside the target: the next
// CreateOutput of the same target does, unless the writer that made it is
// still alive (each writer holds a flock on its temporary file until it is
// renamed or removed). An Output is not safe for concurrent use.
type Output struct {
	io.Writer
	path  string
	tmp   string // "" when written directly
	close func() error
	lock  *os.File // holds the flock on tmp that says its writer is alive
	done  bool
}

// OutputOptions configure CreateOutput. The zero value writes "-" to
// os.Stdout and removes stale temporary files silently.
type OutputOptions struct {
	// Stdout is where the path "-" writes, through a buffer that Commit
	// flushes; nil means os.Stdout.
	Stdout io.Writer
	// Removed, when set, is called with the name of every temporary file
	// of an earlier, killed run that CreateOutput removes.
	Removed func(path string)
}

// CreateOutput opens path for writing as Output describes, first removing
// the temporary files that killed runs left beside it. Errors name path.
func CreateOutput(path string, opts OutputOptions) (*Output, error) {
	switch path {
	case "":
		return &Output{Writer: io.Discard, close: func() error { return nil }}, nil
	case "-":
		stdout := opts.Stdout
		if stdout == nil {
			stdout = os.Stdout
		}
		w := bufio.NewWriterSize(stdout, 256<<10)
		return &Output{Writer: w, path: path, close: w.Flush}, nil
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return nil, fmt.Errorf("%s: is a directory", path)
		}
		w, err := record.CreateFile(path)
		if err != nil {
			return nil, err
		}
		return &Output{Writer: w, path: path, close: w.Close}, nil
	}
	removeStale(path, opts.Removed)
	tmp, lock, err := createLockedTemp(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	trackTemp(tmp, true)
	w, err := record.CreateFile(tmp)
	if err != nil {
		trackTemp(tmp, false)
		os.Remove(tmp)
		lock.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Output{Writer: w, path: path, tmp: tmp, close: w.Close, lock: lock}, nil
}

// createLockedTemp creates a new temporary file beside path and locks it
// (flock) before a byte is written, until it is renamed or removed:
// removeStale takes an unlocked temporary file for a dead writer's. A file
// is unlocked for a moment between its creation and its lock; should
// removeStale remove it in that moment, the path no longer names the file
// this writer locked, and it starts again under a new name.
func createLockedTemp(path string) (string, *os.File, error) {
	for attempt := 1; ; attempt++ {
		var suffix [6]byte
		if _, err := rand.Read(suffix[:]); err != nil {
			return "", nil, err
		}
		// The temporary name keeps a .zst or .gz ending, which selects
		// compression, and starts with a dot, so that globs over finished
		// outputs skip it.
		tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+hex.EncodeToString(suffix[:])+".partial")
		for _, ext := range []string{".zst", ".gz"} {
			if strings.HasSuffix(strings.ToLower(path), ext) {
				tmp += ext
			}
		}
		lock, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if err != nil {
			return "", nil, err
		}
		// Blocking, because removeStale holds the lock for a moment while
		// it removes a file.
		if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
			lock.Close()
			os.Remove(tmp)
			return "", nil, fmt.Errorf("lock %s: %w", tmp, err)
		}
		held, err := lock.Stat()
		if err != nil {
			lock.Close()
			os.Remove(tmp)
			return "", nil, err
		}
		if now, err := os.Stat(tmp); err == nil && os.SameFile(held, now) {
			return tmp, lock, nil
		}
		lock.Close()
		if attempt == 3 {
			return "", nil, fmt.Errorf("%s was removed as it was created, three times: is another program deleting files here?", tmp)
		}
	}
}

// Commit finishes the output and puts it in place. After a failed Commit
// no temporary file is left. Commit and Abort after Commit do nothing.
func (o *Output) Commit() error {
	if o.done {
		return nil
	}
	o.done = true
	err := o.close()
	if o.tmp == "" {
		return err
	}
	if err == nil {
		err = os.Rename(o.tmp, o.path)
	}
	if err != nil {
		os.Remove(o.tmp)
	}
	o.release()
	if err != nil {
		return fmt.Errorf("%s: %w", o.path, err)
	}
	return nil
}

// Abort drops an output not committed yet: a temporary file is removed
// (a previous file under the output's name stays as it was), a direct one
// is closed as it is. Abort after Commit or Abort does nothing, so it may
// be deferred.
func (o *Output) Abort() {
	if o.done {
		return
	}
	o.done = true
	o.close()
	if o.tmp != "" {
		os.Remove(o.tmp)
		o.release()
	}
}

// release unlocks the temporary file, once it is renamed or removed.
func (o *Output) release() {
	trackTemp(o.tmp, false)
	o.lock.Close()
}

// liveTemps are the temporary files of the Outputs not yet committed or
// aborted, for RemoveTemporaries.
var liveTemps struct {
	sync.Mutex
	paths map[string]bool
}

func trackTemp(path string, live bool) {
	liveTemps.Lock()
	defer liveTemps.Unlock()
	if liveTemps.paths == nil {
		liveTemps.paths = map[string]bool{}
	}
	if live {
		liveTemps.paths[path] = true
	} else {
		delete(liveTemps.paths, path)
	}
}

// RemoveTemporaries removes the temporary files of every Output of the
// process not yet committed or aborted, for an exit that does not wait for
// the runs to abort them (a second signal). The Outputs are left unusable.
func RemoveTemporaries() {
	liveTemps.Lock()
	defer liveTemps.Unlock()
	for p := range liveTemps.paths {
		os.Remove(p)
	}
}

// removeStale removes the temporary files that runs killed outright left
// beside path: names ".<base>.<12 hex>.partial[.zst|.gz]", as
// CreateOutput makes them, for this target only, calling removed (when
// not nil) with each.
//
// A temporary file is abandoned when no process holds its flock: every
// writer locks its file before writing and keeps the lock until the file is
// renamed or removed, and the kernel drops the lock when the writer dies,
// however it dies. So a concurrent run writing the same target keeps its
// file. The lock is chosen over a process id in the name, which another
// PID namespace (a container sharing the volume) cannot check and which a
// new process can reuse. A writer between creating and locking its file
// finds it removed and makes another (createLockedTemp). (A drg from before
// this lock writes unlocked files: do not run one on the same output beside
// a newer one.) Errors are ignored: this is tidying, and the output itself
// does not depend on it.
func removeStale(path string, removed func(string)) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, ent := range ents {
		if !ent.Type().IsRegular() || !isTempName(ent.Name(), base) {
			continue
		}
		p := filepath.Join(dir, ent.Name())
		if ok, err := removeIfAbandoned(p); ok && err == nil && removed != nil {
			removed(p)
		}
	}
}

// isTempName reports whether name is a temporary file of an output named
// base.
func isTempName(name, base string) bool {
	rest, ok := strings.CutPrefix(name, "."+base+".")
	if !ok || len(rest) < 12 {
		return false
	}
	if s := rest[12:]; s != ".partial" && s != ".partial.zst" && s != ".partial.gz" {
		return false
	}
	for _, c := range rest[:12] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// removeIfAbandoned removes the temporary file p when its writer is gone,
// as removeStale explains, and reports whether it did.
func removeIfAbandoned(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, err // removed meanwhile, or not ours to read
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false, nil // its writer is alive
	}
	return true, os.Remove(p)
}

// CheckOutputs refuses outputs that are also an input, or one another: an
// output replaces its file, so the input would be lost and, for two outputs,
// one would overwrite the other. "", "-" and files that are not regular (a
// device such as /dev/null) may repeat.
func CheckOutputs(inputs []string, outputs ...string) error {
	type named struct {
		name string
		fi   os.FileInfo
	}
	var ins []named
	for _, p := range inputs {
		if p == "-" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			ins = append(ins, named{p, fi})
		}
	}
	var outs []named
	for _, p := range outputs {
		if p == "" || p == "-" {
			continue
		}
		fi, err := os.Stat(p)
		if err == nil && !fi.Mode().IsRegular() {
			continue
		}
		if err == nil {
			for _, in := range ins {
				if os.SameFile(fi, in.fi) {
					return fmt.Errorf("output %s is the input %s: write the output elsewhere", p, in.name)
				}
			}
		}
		abs, _ := filepath.Abs(p)
		for _, o := range outs {
			if same := o.name == abs || (fi != nil && o.fi != nil && os.SameFile(fi, o.fi)); same {
				return fmt.Errorf("two outputs are the same file %s: give each its own name", p)
			}
		}
		outs = append(outs, named{abs, fi})
	}
	return nil
}
