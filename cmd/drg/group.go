package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/grouper/report"
	"github.com/medpay/drg/grouper/store"
	"github.com/medpay/drg/weights"
)

// groupFlags are the flags group and diff share.
type groupFlags struct {
	out, rejects, rules, store, format, inFormat, encoding, scheme, policy string
	prices                                                                 string
	workers, batchBytes                                                    int
	explain, quiet, noPayment, names, costs                                bool
	progress                                                               progressFlag
	progressEvery                                                          time.Duration
	report                                                                 reportFlags
	compare                                                                string
	diff                                                                   bool // drg diff: the comparison is the job
	show                                                                   int
	cpuProfile                                                             string
	statsJSON                                                              string
	memoryLimit, dupMemory                                                 int
	policySet                                                              bool // --policy was given
	storeWait                                                              string
	excel                                                                  excelFlags // excel.go
}

func (g *groupFlags) register(fl interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
	BoolVar(*bool, string, bool, string)
	Float64Var(*float64, string, float64, string)
	DurationVar(*time.Duration, string, time.Duration, string)
	Var(flag.Value, string, string)
}, diff bool) {
	fl.StringVar(&g.out, "out", "-", "output file; '-' is standard output; a .zst suffix compresses with zstd. Files are written under a temporary name and appear only when the run succeeds")
	fl.StringVar(&g.rejects, "rejects", "", "file for rejected records with line, id, field and reason; .zst compresses (default OUT.rejects.csv, or rejects.csv when OUT is standard output)")
	fl.StringVar(&g.rules, "rules", "", "rule set: a stored NAME, NAME@REVISION, NAME@YYYY-MM-DD (the revision in force that day) or NAME@date (each record grouped and priced under the revision in force on its discharge date; a record outside every revision's period is rejected), or a directory of tables (default: the embedded SAMPLE rule set)")
	registerStoreFlags(fl, &g.store, &g.storeWait)
	fl.IntVar(&g.workers, "workers", runtime.GOMAXPROCS(0), "grouping goroutines; the output is identical for any value")
	fl.IntVar(&g.batchBytes, "batch-bytes", defaultBatchBytes, "input bytes per pipeline batch, cut at record boundaries (a 64 KiB batch holds about 450 records); lowered, with a warning, when the batches in flight would take more than half of --memory-limit")
	fl.StringVar(&g.format, "format", "", "output format: csv, tsv or jsonl (default: from --out's extension, else csv)")
	fl.StringVar(&g.inFormat, "input-format", "", "input format: csv, tsv or jsonl (default: from each file's extension, else from its first line: { for JSON lines, more tabs than commas for TSV)")
	fl.StringVar(&g.encoding, "encoding", "auto", encodingHelp)
	fl.StringVar(&g.scheme, "scheme", "drg", "grouping scheme: drg, dip or both")
	fl.BoolVar(&g.explain, "explain", false, "add a trace column explaining every decision (slower)")
	fl.BoolVar(&g.costs, "costs", false, "add each record's total_cost, los_days, hospital_level (and hospital_id) beside its groups: the grouped file 'drg prices calibrate' reads")
	fl.BoolVar(&g.names, "names", false, "add the groups' Chinese names: drg_name (and dip_name with --scheme dip or both), from the rule set")
	fl.StringVar(&g.policy, "policy", "sample", "payment policy JSON file, or 'sample' for the embedded SAMPLE policy; payment columns are added when the rule set has a weights table")
	fl.StringVar(&g.prices, "prices", "", "price list from the store (drg prices import): NAME, NAME@REVISION or NAME@YYYY-MM-DD; replaces the rule set's own weights.tsv and --policy. A record discharged outside its period is rejected as not in force")
	fl.BoolVar(&g.noPayment, "no-payment", false, "do not compute weights and payments")
	fl.BoolVar(&g.quiet, "quiet", false, "do not print the summary")
	fl.Var(&g.progress, "progress", "progress on standard error: the share of the input read, records, rejects, records/s and the time left. Without the flag: a line rewritten in place when standard error is a terminal, else nothing. --progress: the same on a terminal, else a plain line every --progress-every (for logs: no carriage returns). --progress MODE: auto (the default), tty (in place), plain (lines) or none")
	fl.DurationVar(&g.progressEvery, "progress-every", 10*time.Second, "with plain progress lines: the time between two lines")
	g.report.register(fl, "report")
	if diff {
		fl.StringVar(&g.compare, "column", "", "input column holding the expected DRG (required), e.g. peer_drg")
	} else {
		fl.StringVar(&g.compare, "compare", "", "input column holding an expected DRG: adds expected and agree columns and prints an agreement table")
	}
	fl.IntVar(&g.memoryLimit, "memory-limit", 256, "soft heap limit in MiB (the garbage collector works harder near it; GOMEMLIMIT, when set, wins); 0 = none")
	fl.IntVar(&g.dupMemory, "dup-memory", batch.DefaultDuplicateMemory>>20, "memory in MiB for the duplicate-id check; past it, hashes of earlier ids spill to files in $TMPDIR and the check stays exact with flat memory (64 MiB suits up to about 30 million records; give more for more); -1 = keep every hash in memory")
	fl.StringVar(&g.cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) of the run to this file")
	fl.StringVar(&g.statsJSON, "stats-json", "", "write the run's counts and costs as JSON to this file, for monitoring: records, grouped, rejected, statuses, input bytes, elapsed and CPU seconds, the workers' CPU seconds in grouping alone, heap allocations (and per record)")
	fl.IntVar(&g.show, "show", 10, "with --compare/--column: how many disagreements to print with their traces")
	g.excel.register(fl)
}

func groupCmd(ctx context.Context, e *env, args []string) error {
	c := &command{name: "group", usage: "[FILE...] [flags]", summary: "Group discharge records under CHS-DRG (MDC, ADRG, DRG) and/or DIP, with weights and payments when the\nrule set has a weights table. Reads standard input when no FILE is given. Output order equals input\norder, byte for byte, whatever --workers. Rejected records go to the rejects file with their reason;\nrecords in = grouped + rejected. The summary on standard error gives the counts with their reasons, DIP,\npayments, CMI and outliers, and warns when the run looks wrong (--max-0000, --max-unknown).\n\nExit status: 0 done (warnings included), 1 failed, 2 usage error, 3 --strict and a warning (the outputs\nare written), 128+N stopped by signal N."}
	fl := newFlags(e, c)
	var gf groupFlags
	gf.register(fl, false)
	files, err := parseFlags(e, fl, joinProgressArg(args))
	if err != nil {
		return err
	}
	fl.Visit(func(f *flag.Flag) { gf.policySet = gf.policySet || f.Name == "policy" })
	return runGroup(ctx, e, gf, files)
}

func diffCmd(ctx context.Context, e *env, args []string) error {
	c := &command{name: "diff", usage: "FILE... --column NAME [flags]", summary: "Group the records and compare our DRG with the expected DRG in --column (e.g. a previous grouper\nversion's output kept in the file). Prints agreement by MDC and the first --show disagreements\nwith our trace; the grouped rows go to --out (default: discarded)."}
	fl := newFlags(e, c)
	var gf groupFlags
	gf.register(fl, true)
	fl.Lookup("out").DefValue = ""
	fl.Lookup("rejects").Usage = "file for rejected records with line, id, field and reason; .zst compresses (default: OUT.rejects.csv with --out, else only counted)"
	gf.out, gf.diff = "", true
	files, err := parseFlags(e, fl, joinProgressArg(args))
	if err != nil {
		return err
	}
	if gf.compare == "" || len(files) == 0 {
		fl.Usage()
		return errUsage
	}
	fl.Visit(func(f *flag.Flag) { gf.policySet = gf.policySet || f.Name == "policy" })
	return runGroup(ctx, e, gf, files)
}

func runGroup(ctx context.Context, e *env, gf groupFlags, files []string) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		// Streaming keeps the live heap small; the limit stops garbage from
		// rule-set loading and batch buffers from inflating the peak RSS.
		// 0 sets none, explicitly: a limit of an earlier run in the same
		// process (tests) must not bound this one's batches.
		limit := int64(math.MaxInt64)
		if gf.memoryLimit > 0 {
			limit = int64(gf.memoryLimit) << 20
		}
		debug.SetMemoryLimit(limit)
	}
	if gf.cpuProfile != "" {
		f, err := os.Create(gf.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	scheme, err := grouper.ParseScheme(gf.scheme)
	if err != nil {
		return err
	}
	if err := gf.report.parse(); err != nil {
		return err
	}
	if gf.progressEvery <= 0 {
		return fmt.Errorf("--progress-every %s: give a positive duration, e.g. 10s", gf.progressEvery)
	}
	if err := checkRulesRef(gf.rules); err != nil {
		return err
	}
	gf.batchBytes = boundBatchBytes(e, gf)
	sf := storeFlags{dir: gf.store, wait: gf.storeWait, stderr: e.stderr}
	var versions []*grouper.Grouper // with NAME@date: every revision, oldest first
	var g *grouper.Grouper
	if name, ok := store.IsByDate(gf.rules); ok {
		if versions, _, err = store.LoadAllRef(context.Background(), name, sf.refOptions()); err != nil {
			return err
		}
		g = versions[len(versions)-1]
	} else if g, err = loadGrouper(gf.rules, sf); err != nil {
		return err
	}
	rs := g.RuleSet()
	for _, v := range append(versions, g) {
		if scheme&grouper.SchemeDIP != 0 && !v.HasDIP() {
			return fmt.Errorf("rule set %s %s has no DIP catalogue; use --scheme drg", v.RuleSet().Name, v.RuleSet().Version)
		}
	}
	opts := batch.Options{Workers: gf.workers, BatchBytes: gf.batchBytes, Scheme: scheme, Explain: gf.explain,
		DuplicateMemory: int64(gf.dupMemory) << 20}
	if gf.dupMemory < 0 {
		opts.DuplicateMemory = -1
	}
	if gf.format != "" {
		if opts.Format, err = record.ParseFormat(gf.format); err != nil {
			return err
		}
	} else if gf.out != "" && gf.out != "-" {
		opts.Format = record.FormatOf(gf.out)
	}
	if opts.Format == record.FormatAuto {
		opts.Format = record.FormatCSV
	}
	pricing := func(g *grouper.Grouper) (*weights.Calculator, error) {
		if gf.noPayment {
			return nil, nil
		}
		if gf.prices != "" {
			return loadPrices(gf.prices, sf, g.RuleSet())
		}
		calc, err := paymentCalculator(g.RuleSet(), gf.policy)
		if calc != nil && !gf.policySet {
			// The embedded sample policy, which the user did not choose:
			// a record outside its period is grouped and left unpaid
			// (not_in_force), not refused.
			calc = calc.UnpaidOutsidePeriod()
		}
		if calc == nil && err == nil {
			// No weights: asking for payments is an error; not asking
			// is said, not silent.
			if gf.policySet {
				return nil, fmt.Errorf("rule set %s has no weights table, so --policy %s cannot price it: import a price list (drg prices import) and give --prices NAME, or --no-payment", g.RuleSet().Name, policyName(gf.policy))
			}
			fmt.Fprintf(e.stderr, "drg: rule set %s has no weights table: no payment columns (price it with --prices NAME)\n", g.RuleSet().Name)
		}
		// Entries that can never apply are usually typos in the policy:
		// say so, but pay the rest. (No weights table: no calculator.)
		if calc != nil {
			for _, w := range calc.Warnings() {
				fmt.Fprintf(e.stderr, "drg: policy %s: warning: %s\n", policyName(gf.policy), w)
			}
		}
		return calc, err
	}
	if versions != nil {
		for _, v := range versions {
			calc, err := pricing(v)
			if err != nil {
				return err
			}
			opts.Versions = append(opts.Versions, batch.Version{Grouper: v, Payment: calc})
		}
		opts.Columns = append(opts.Columns, opts.Versions.Column())
	} else if opts.Payment, err = pricing(g); err != nil {
		return err
	}
	switch {
	case gf.names && versions != nil:
		opts.Columns = append(opts.Columns, opts.Versions.NameColumns(scheme)...)
	case gf.names:
		opts.Columns = append(opts.Columns, batch.NameColumns(g, scheme)...)
	}
	if gf.costs {
		opts.Columns = append(opts.Columns, batch.CostColumns(opts.Payment != nil || len(opts.Versions) > 0 && opts.Versions[0].Payment != nil)...)
	}
	var cmp *batch.Comparison
	if gf.compare != "" {
		cmp = batch.NewComparison(g, gf.compare, gf.show)
		if versions != nil {
			cmp.ByDate(opts.Versions)
		}
		opts.Columns = append(opts.Columns, cmp.Columns()...)
		opts.OnResult = cmp.Add
	}
	// The summary's reasons, payments and DIP counts, and the report, come
	// from an aggregator beside the run.
	// A --quiet run that writes no report counts only the 0000 records'
	// reasons, which a warning names: the whole tally costs about a tenth
	// of a run's CPU on the writer goroutine (drg bench), the reasons
	// nothing measurable.
	var agg *report.Aggregator
	var zeros map[string]int64
	tally := func(*record.Record, *grouper.Result, *weights.Payment) {}
	switch {
	case !gf.quiet || gf.report.wanted():
		agg = report.NewAggregator(report.Options{Scheme: scheme, Names: g})
		tally = agg.Add
		opts.OnReject = func(e *record.Error) { agg.Reject(e.Reason()) }
	case gf.report.maxZeros > 0:
		zeros = map[string]int64{}
		tally = func(_ *record.Record, res *grouper.Result, _ *weights.Payment) {
			if res.Status == grouper.StatusUngroupable || res.Status == grouper.StatusCheckFailed {
				zeros[res.Reason]++
			}
		}
	}
	switch {
	case cmp != nil:
		opts.OnResult = func(rec *record.Record, res *grouper.Result, pay *weights.Payment) {
			cmp.Add(rec, res, pay)
			tally(rec, res, pay)
		}
	case agg != nil || zeros != nil:
		opts.OnResult = tally
	}

	rejPath := gf.rejects
	if rejPath == "" {
		switch {
		case gf.out == "":
			rejPath = os.DevNull // drg diff without --out or --rejects: counted only
		case gf.out == "-":
			rejPath = "rejects.csv"
		default:
			rejPath = strings.TrimSuffix(gf.out, ".zst") + ".rejects.csv"
		}
	}
	// The report and the JSON summary may not name an input or another
	// output (found in review: --report OUT overwrote the grouped file).
	if err := checkOutputs(files, gf.out, rejPath, gf.report.html, gf.report.summaryJSON, gf.statsJSON); err != nil {
		return err
	}
	ropts := record.Options{Encoding: gf.encoding}
	if cmp != nil {
		ropts.KeepColumns = []string{gf.compare}
	}
	if err := gf.excel.apply(&opts, &ropts); err != nil {
		return err
	}
	// Both outputs appear only when every input has been read: a failed or
	// interrupted run leaves no partial file that looks finished. One
	// duplicate-id check runs over every input: an id is unique in the
	// batch, not just in its file.
	job := batch.Job{Inputs: files, Out: gf.out, Rejects: rejPath, Output: outputOptions(e),
		Stdin: e.stdin, Read: ropts, Options: opts}
	var prog *progress
	if mode := gf.progress.mode.resolve(e.stderrIsTTY); mode != progressNone {
		prog = newProgress(e.stderr, mode, gf.report.langMessages, files)
		job.Progress = prog.update
		if mode == progressPlain {
			job.Options.ProgressEvery = gf.progressEvery
		}
	}
	var opened []*os.File // inputs opened here, to count the bytes read for progress
	defer func() {
		for _, f := range opened {
			f.Close()
		}
	}()
	job.Open = func(f string, ropts record.Options) (*record.Reader, error) {
		// The inputs are read one after another: the one before this is
		// done, and its file is closed here rather than at the end, so a
		// run over many files holds one open (found in review).
		for _, f := range opened {
			f.Close()
		}
		opened = opened[:0]
		// --input-format is parsed as each input is opened, so that a bad
		// one is refused where an unreadable input is: after the outputs
		// are checked and created.
		if gf.inFormat != "" {
			var err error
			if ropts.Format, err = record.ParseFormat(gf.inFormat); err != nil {
				return nil, err
			}
		}
		var rd *record.Reader
		var err error
		if prog != nil && f != "-" {
			var file *os.File
			if file, err = os.Open(f); err != nil {
				return nil, fmt.Errorf("record: %w", err)
			}
			opened = append(opened, file)
			if ropts.Format == record.FormatAuto {
				ropts.Format = record.FormatOf(strings.TrimSuffix(strings.TrimSuffix(f, ".zst"), ".gz"))
			}
			rd, err = newInput(e, f, countingReader{file, &prog.read}, ropts)
		} else {
			rd, err = openInput(e, f, ropts)
		}
		if err != nil {
			return nil, err
		}
		if cmp != nil {
			if err := cmp.CheckInput(rd); err != nil {
				rd.Close()
				return nil, fmt.Errorf("%s: %w", f, err)
			}
		}
		return rd, nil
	}
	// With nothing to compare, drg diff has failed at its job; drg group
	// has done its own (the grouped file) and only warns.
	var cmpErr error
	job.Finish = func(batch.Stats) error {
		if cmp != nil {
			cmpErr = cmp.Check()
		}
		if cmpErr != nil && gf.diff {
			return cmpErr
		}
		return nil
	}
	job.Options.MeasureGroupCPU = gf.statsJSON != ""
	allocs := newAllocCounter()
	allocs0 := allocs.read()
	total, err := job.Run(ctx, g)
	if err != nil {
		return err
	}
	if gf.statsJSON != "" {
		rs := newRunStats(total, allocs.read()-allocs0)
		if err := writeOutput(e, gf.statsJSON, func(w io.Writer) error { return writeRunStats(w, rs) }); err != nil {
			return fmt.Errorf("--stats-json: %w", err)
		}
	}
	rules := rs.Name + " " + rs.Version
	if versions != nil {
		var vs []string
		for _, v := range versions {
			vs = append(vs, v.RuleSet().Version+" ("+v.RuleSet().Valid.String()+")")
		}
		rules = rs.Name + " by discharge date: " + strings.Join(vs, ", ")
	}
	sum := summaryFromStats(total)
	sum.Ungrouped = report.SortedCounts(zeros)
	if agg != nil {
		sum = agg.Summary(gf.report.thresholds())
		unknown := total.UnknownCodes // the aggregator counted per record; the run's own count is the same
		sum.Counts.UnknownCodes = &unknown
	}
	sum.RuleSet, sum.Prices, sum.Inputs = rules, pricesUsed(gf, opts), files
	sum.Warnings = report.Check(sum, gf.report.thresholds())
	if !gf.quiet {
		printSummary(e.stderr, sum, gf.report.langMessages, total, rejPath)
	}
	if err := gf.report.write(e, sum); err != nil {
		return err
	}
	name := "group"
	if gf.diff {
		name = "diff"
	}
	// The comparison is printed before --strict can fail the run: a diff
	// that looks wrong still shows what it compared (found in review).
	if cmpErr != nil {
		fmt.Fprintf(e.stderr, "drg %s: warning: --compare: %v\n", name, cmpErr)
	} else if cmp != nil {
		report := e.stdout
		if gf.out == "-" {
			report = e.stderr // standard output holds the records
		}
		printComparison(report, cmp.Report())
	}
	return gf.report.warn(e, name, sum)
}

// defaultBatchBytes is --batch-bytes' default.
const defaultBatchBytes = 64 << 10

// batchCopies is how many copies of a batch's input bytes the pipeline
// holds at once for workers workers: batch.InFlight batches, each weighing
// about eight times its input (the input, its parsed records, its output
// rows, and the capacity of the buffers the pipeline keeps for reuse).
// Measured with 2 workers (8 batches in flight): peak RSS rose from 360 to
// 480 MiB as batches grew from 3.7 to 5.6 MB, 8 × 8 copies of the 1.9 MB.
func batchCopies(workers int) int64 { return 8 * int64(batch.InFlight(workers)) }

// boundBatchBytes returns --batch-bytes, lowered when the batches in flight
// would take more than half of the heap limit (--memory-limit, or
// GOMEMLIMIT when set): a soft limit cannot stop live batches from growing
// the heap past it (--batch-bytes 1000000000 once took 4.3 GB). It says so
// on standard error. The default is never lowered, so that a machine with
// many workers keeps its throughput; there the limit is what the garbage
// collector works to.
func boundBatchBytes(e *env, gf groupFlags) int {
	limit := debug.SetMemoryLimit(-1) // reads the limit runGroup or GOMEMLIMIT set
	if limit == math.MaxInt64 || gf.batchBytes <= defaultBatchBytes {
		return gf.batchBytes
	}
	workers := gf.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0) // batch.Run's default, named in the warning
	}
	most := max(limit/2/batchCopies(workers), defaultBatchBytes)
	if int64(gf.batchBytes) <= most {
		return gf.batchBytes
	}
	source := fmt.Sprintf("--memory-limit %d MiB", limit>>20)
	if os.Getenv("GOMEMLIMIT") != "" {
		source = "GOMEMLIMIT=" + os.Getenv("GOMEMLIMIT")
	}
	fmt.Fprintf(e.stderr, "drg: warning: --batch-bytes %d with --workers %d could hold up to %d MiB of batches, past half of %s; using --batch-bytes %d\n",
		gf.batchBytes, workers, int64(gf.batchBytes)*batchCopies(workers)>>20, source, most)
	return int(most)
}

// checkRulesRef refuses a --rules value that can only be a stored reference
// with a revision that is not a number ("sample@abc"), before the store is
// looked at: the store's errors would be about the store, or suggest
// importing under that name, which 'drg rules import' refuses (a name has
// no '@').
func checkRulesRef(ref string) error {
	name, rev, ok := strings.Cut(ref, "@")
	if !ok {
		return nil
	}
	if _, err := os.Stat(ref); err == nil {
		return nil // a table directory, whatever its name
	}
	if name == "" {
		return fmt.Errorf("--rules %s: no rule-set name before '@'; use NAME or NAME@N ('drg rules list' shows the rule sets and their revisions)", ref)
	}
	if rev == store.ByDate {
		return nil
	}
	if _, err := record.ParseDate(rev); err == nil && len(rev) == len("2006-01-02") {
		return nil
	}
	if n, err := strconv.Atoi(rev); err != nil || n < 1 || rev[0] < '1' || rev[0] > '9' {
		return fmt.Errorf("--rules %s: revision %q is not a number from 1, a date YYYY-MM-DD or 'date'; use NAME, NAME@N, NAME@YYYY-MM-DD (the revision in force that day) or NAME@date (each record's discharge date picks it) ('drg rules list' shows the revisions)", ref, rev)
	}
	return nil
}

// encodingHelp explains --encoding, which group and validate share.
const encodingHelp = "input text encoding: auto (GBK/GB18030 when the first 64 KiB read as GBK and are mostly not UTF-8, else UTF-8; decided once per file), utf-8, gbk or gb18030"

// openInput opens path ("-" for standard input) and says on standard error
// when an auto-detected encoding is GB18030, so that a wrong guess shows.
func openInput(e *env, path string, opts record.Options) (*record.Reader, error) {
	var rd *record.Reader
	var err error
	if path == "-" {
		rd, err = record.NewReader(e.stdin, opts)
	} else {
		rd, err = record.Open(path, opts)
	}
	return sayEncoding(e, path, opts, rd, err)
}

// newInput is openInput for an input the caller opened (counting its
// bytes for progress): record.NewReader recognises compression by content.
func newInput(e *env, path string, src io.Reader, opts record.Options) (*record.Reader, error) {
	rd, err := record.NewReader(src, opts)
	if err != nil {
		err = fmt.Errorf("%s: %w", path, err)
	}
	return sayEncoding(e, path, opts, rd, err)
}

func sayEncoding(e *env, path string, opts record.Options, rd *record.Reader, err error) (*record.Reader, error) {
	if err == nil && strings.EqualFold(opts.Encoding, "auto") && rd.Encoding() != "utf-8" {
		fmt.Fprintf(e.stderr, "drg: %s: not UTF-8, read as GBK/GB18030 (--encoding utf-8 to refuse it)\n", path)
	}
	return rd, err
}

// printSummary prints a run's summary on standard error: what grouped and
// priced it, the counts with their reasons, case mix, DIP, payments, and
// the time taken.
func printSummary(w io.Writer, s *report.Summary, lang report.Lang, st batch.Stats, rejPath string) {
	t := summaryText(lang)
	fmt.Fprintf(w, "%s %s\n", padLabel(t.ruleSet), s.RuleSet)
	fmt.Fprintf(w, "%s %s\n", padLabel(t.prices), s.Prices)
	printSummaryBody(w, s, lang, rejPath)
	fmt.Fprintf(w, "%s %s (%s %s)\n", padLabel(t.elapsed), st.Elapsed.Round(time.Millisecond), num(int64(float64(st.Records)/st.Elapsed.Seconds())), t.perSecond)
}

// pricesUsed names what priced the run, for the summary.
func pricesUsed(gf groupFlags, opts batch.Options) string {
	calc := opts.Payment
	if len(opts.Versions) > 0 {
		calc = opts.Versions[0].Payment
	}
	switch {
	case calc == nil:
		return "none (no payment columns)"
	case gf.prices != "":
		return fmt.Sprintf("price list %s (%s, in force %s)", gf.prices, calc.Policy().Region, calc.Valid())
	}
	return fmt.Sprintf("policy %s (%s, in force %s) with the rule set's weights.tsv", policyName(gf.policy), calc.Policy().Region, calc.Valid())
}

// loadPrices reads the price list ref from the store and compiles it for
// rule set rs, refusing one that prices another rule set.
func loadPrices(ref string, sf storeFlags, rs *grouper.RuleSet) (*weights.Calculator, error) {
	dir, err := storeDir(sf.dir)
	if err != nil {
		return nil, err
	}
	st, err := sf.open(dir, true)
	if err != nil {
		return nil, fmt.Errorf("--prices %s: %w", ref, err)
	}
	defer st.Close()
	files, info, err := st.Prices(ref)
	if err != nil {
		return nil, fmt.Errorf("--prices %s: %w ('drg prices list' shows the price lists)", ref, err)
	}
	if info.RuleSet != rs.Name {
		return nil, fmt.Errorf("--prices %s: %w: it prices %s, not %s", ref, weights.ErrWrongRuleSet, info.RuleSet, rs.Name)
	}
	calc, err := weights.PriceListCalculator(files, rs.Name)
	if err != nil {
		return nil, fmt.Errorf("--prices %s: %w", ref, err)
	}
	return calc, nil
}
