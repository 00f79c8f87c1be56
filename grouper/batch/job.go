package batch

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// Job is a run over several inputs as one: their rows go, in input order
// under one header, to one output and their rejects to one rejects file,
// and an id is unique in the job, not just in its input (one duplicate-id
// set across the inputs). With several inputs the rejects file's first
// column, file, names the input of each reject, whose line numbers alone
// would be ambiguous.
//
// Both outputs are Outputs: they appear under their names only when every
// input has been read and the job has succeeded; a failed or cancelled job
// leaves any previous files as they were and no partial one. An output
// that names an input, or the other output, is refused before anything is
// read (CheckOutputs).
//
//	st, err := batch.Job{Inputs: []string{"a.csv", "b.csv"}, Out: "out.csv", Rejects: "rejects.csv"}.Run(ctx, g)
type Job struct {
	Inputs []string // files; "-" reads Stdin; none means "-"
	// Out and Rejects are the output and the rejects file, as CreateOutput
	// takes them: "-" writes Output.Stdout, "" discards.
	Out, Rejects string
	Output       OutputOptions // how Out and Rejects are created
	Stdin        io.Reader     // the input "-"; nil means os.Stdin
	// Read configures the reader of every input. Run sets its IDs to the
	// set it shares across the inputs.
	Read record.Options
	// Options configure the run over each input; after the first input
	// Run sets NoHeader. Options.Progress, when Progress is nil, is called
	// with each input's own counts.
	Options Options
	// Open, when set, opens each input in place of record.Open (or
	// record.NewReader over Stdin for "-"): to say something about an
	// input, or refuse it (closing it). Its error is Run's, as it is.
	Open func(path string, opts record.Options) (*record.Reader, error)
	// Progress, when set, is called about every Options.ProgressEvery
	// while an input is read, with the input, the counts of the inputs
	// before it (before) and the input's counts so far (cur), and once more
	// when the input is done, whether or not it failed, with done set.
	Progress func(input string, before, cur Stats, done bool)
	// Finish, when set, is called once every input has been read, with the
	// job's counts, before the outputs are put in place: its error aborts
	// them and is Run's, as it is.
	Finish func(Stats) error
}

// Run runs the job: it reads every input in turn, groups its records with
// g, writes the rows and the rejects, and puts the outputs in place. It
// returns the counts of every input, with Elapsed from the first input's
// start. An error reading or writing an input, or ctx's error when ctx is
// cancelled, is wrapped with the input's name.
func (j Job) Run(ctx context.Context, g *grouper.Grouper) (Stats, error) {
	var total Stats
	if err := CheckOutputs(j.Inputs, j.Out, j.Rejects); err != nil {
		return total, err
	}
	// Refused before an output is created: a run that cannot write its
	// output must not replace a previous one with nothing.
	if err := j.Options.Text.Check(j.Options.Format); err != nil {
		return total, err
	}
	// Bound once for every input, not once per Run (a pass over the rule
	// set's codes each).
	if p := j.Options.Payment; p != nil && len(j.Options.Versions) == 0 {
		j.Options.Payment = p.Bind(g)
	}
	if len(j.Options.Versions) > 0 {
		vs := make(Versions, len(j.Options.Versions))
		for i, v := range j.Options.Versions {
			if v.Payment != nil {
				v.Payment = v.Payment.Bind(v.Grouper)
			}
			vs[i] = v
		}
		j.Options.Versions = vs
	}
	out, err := CreateOutput(j.Out, j.Output)
	if err != nil {
		return total, err
	}
	defer out.Abort()
	rejFile, err := CreateOutput(j.Rejects, j.Output)
	if err != nil {
		return total, err
	}
	defer rejFile.Abort()
	rejects, err := record.NewRejectWriterText(rejFile, j.Options.Text)
	if err != nil {
		return total, err
	}

	inputs := j.Inputs
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	open := j.Open
	if open == nil {
		open = j.open
	}
	opts := j.Options
	if opts.ExpectedRecords == 0 && !j.Read.NoDuplicateCheck {
		opts.ExpectedRecords = expectedRecords(inputs)
	}
	ids := NewIDSet(opts)
	defer ids.Close()
	start := time.Now()
	for i, f := range inputs {
		if i > 0 {
			opts.NoHeader = true // one header for all inputs
		}
		ropts := j.Read
		ropts.IDs = ids
		rd, err := open(f, ropts)
		if err != nil {
			return total, err
		}
		if j.Progress != nil {
			before := total
			opts.Progress = func(s Stats) { j.Progress(f, before, s, false) }
		}
		if len(inputs) > 1 {
			if err := rejects.SetFile(f); err != nil {
				rd.Close()
				return total, err
			}
		}
		st, err := Run(ctx, g, rd, out, rejects, opts)
		rd.Close()
		if j.Progress != nil {
			j.Progress(f, total, st, true)
		}
		if err != nil {
			return total, fmt.Errorf("%s: %w", f, err)
		}
		total = addStats(total, st)
	}
	total.Elapsed = time.Since(start)
	if j.Finish != nil {
		if err := j.Finish(total); err != nil {
			return total, err
		}
	}
	if err := rejects.Flush(); err != nil {
		return total, err
	}
	if err := rejFile.Commit(); err != nil {
		return total, err
	}
	if err := out.Commit(); err != nil {
		return total, err
	}
	return total, nil
}

// open is Run's default Job.Open.
func (j Job) open(path string, opts record.Options) (*record.Reader, error) {
	if path != "-" {
		return record.Open(path, opts)
	}
	stdin := j.Stdin
	if stdin == nil {
		stdin = os.Stdin
	}
	return record.NewReader(stdin, opts)
}

// addStats returns the sum of a's and b's counts and GroupCPU (Elapsed is
// a's).
func addStats(a, b Stats) Stats {
	a.Records += b.Records
	a.Grouped += b.Grouped
	a.OK += b.OK
	a.QY += b.QY
	a.Ungroupable += b.Ungroupable
	a.CheckFailed += b.CheckFailed
	a.Rejected += b.Rejected
	a.Bytes += b.Bytes
	a.UnknownCodes += b.UnknownCodes
	a.GroupCPU += b.GroupCPU
	for i := range a.PerMDC {
		a.PerMDC[i] += b.PerMDC[i]
	}
	return a
}

// Bytes a record takes in an input file, on the low side of what exports
// take (the full-scale synthetic records take 200 as CSV and 49 in zstd),
// so that expectedRecords overestimates: a table too large costs memory
// within the duplicate check's bound, one too small regrows.
const (
	textBytesPerRecord       = 150
	compressedBytesPerRecord = 30
)

// expectedRecords estimates the records in the input files from their
// sizes (0 when no size is known: standard input, a pipe), for sizing the
// duplicate-id check.
func expectedRecords(paths []string) int {
	n := 0
	for _, p := range paths {
		if p == "-" {
			continue
		}
		n += int(expectedInFile(p))
	}
	return n
}

func expectedInFile(path string) int64 {
	// Stat before opening: opening a named pipe would wait for its writer,
	// and closing it again could lose what the writer sent.
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	var head [4]byte
	n, _ := io.ReadFull(f, head[:])
	if record.IsCompressed(head[:n]) {
		return fi.Size() / compressedBytesPerRecord
	}
	return fi.Size() / textBytesPerRecord
}
