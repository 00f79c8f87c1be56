package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/medpay/drg/grouper/record"
)

// outputFile is an output that appears under its name only when the command
// succeeds. A regular file is written to a temporary file beside it, which
// commit renames into place and abort removes: a run that fails or is
// interrupted leaves neither a truncated file that looks complete nor a
// destroyed previous one. Standard output ("-") and existing files that are
// not regular (a device such as /dev/null, a pipe) are written directly; ""
// discards. A .zst name is compressed.
type outputFile struct {
	io.Writer
	path  string
	tmp   string // "" when written directly
	close func() error
	done  bool
}

// createOutputFile opens path for writing as outputFile describes.
func createOutputFile(e *env, path string) (*outputFile, error) {
	switch path {
	case "":
		return &outputFile{Writer: io.Discard, close: func() error { return nil }}, nil
	case "-":
		w := bufio.NewWriterSize(e.stdout, 256<<10)
		return &outputFile{Writer: w, path: path, close: w.Flush}, nil
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return nil, fmt.Errorf("%s: is a directory", path)
		}
		w, err := record.CreateFile(path)
		if err != nil {
			return nil, err
		}
		return &outputFile{Writer: w, path: path, close: w.Close}, nil
	}
	var suffix [6]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return nil, err
	}
	// The temporary name keeps a .zst ending, which selects compression, and
	// starts with a dot, so that globs over finished outputs skip it.
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+hex.EncodeToString(suffix[:])+".partial")
	if strings.HasSuffix(strings.ToLower(path), ".zst") {
		tmp += ".zst"
	}
	w, err := record.CreateFile(tmp)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &outputFile{Writer: w, path: path, tmp: tmp, close: w.Close}, nil
}

// commit finishes the output and puts it in place.
func (o *outputFile) commit() error {
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
		return fmt.Errorf("%s: %w", o.path, err)
	}
	return nil
}

// abort drops an output not committed yet: a temporary file is removed, a
// direct one is closed as it is.
func (o *outputFile) abort() {
	if o.done {
		return
	}
	o.done = true
	o.close()
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}

// checkOutputs refuses outputs that are also an input, or one another: an
// output replaces its file, so the input would be lost and, for two outputs,
// one would overwrite the other. "", "-" and files that are not regular (a
// device such as /dev/null) may repeat.
func checkOutputs(inputs []string, outputs ...string) error {
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
