package main

import (
	"fmt"

	"github.com/medpay/drg/grouper/batch"
)

// outputFile is an output that appears under its name only when the command
// succeeds (batch.Output): "-" is the command's standard output, and the
// removal of an earlier killed run's unfinished output is said on standard
// error.
type outputFile struct{ *batch.Output }

// createOutputFile opens path for writing as outputFile describes.
func createOutputFile(e *env, path string) (*outputFile, error) {
	o, err := batch.CreateOutput(path, outputOptions(e))
	if err != nil {
		return nil, err
	}
	return &outputFile{o}, nil
}

// outputOptions are the command's batch.OutputOptions.
func outputOptions(e *env) batch.OutputOptions {
	return batch.OutputOptions{Stdout: e.stdout, Removed: func(p string) {
		fmt.Fprintf(e.stderr, "drg: removed %s, the unfinished output of an earlier run that was killed\n", p)
	}}
}

// commit finishes the output and puts it in place.
func (o *outputFile) commit() error { return o.Commit() }

// abort drops an output not committed yet.
func (o *outputFile) abort() { o.Abort() }

// removeTemps removes the temporary files of every output in progress, for
// an exit that does not wait for the command to abort them (a second
// signal).
func removeTemps() { batch.RemoveTemporaries() }

// checkOutputs refuses outputs that are also an input, or one another
// (batch.CheckOutputs).
func checkOutputs(inputs []string, outputs ...string) error {
	return batch.CheckOutputs(inputs, outputs...)
}
