package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/grouper/report"
	"github.com/medpay/drg/internal/textenc"
)

// errSuspect is the error of a --strict run that Check found probably
// wrong: exit status 3, after the run's outputs are written.
var errSuspect = errors.New("the run looks wrong (see the warnings); --strict makes that a failure")

// exitSuspect is errSuspect's exit status.
const exitSuspect = 3

// reportFlags are the flags of the commands that summarise a run: the HTML
// report, the summary as JSON, the warning thresholds and the language.
type reportFlags struct {
	html, summaryJSON       string
	strict                  bool
	maxZeros, maxUnknown    float64 // percent
	lang                    string
	langMessages, langPages report.Lang
}

func (r *reportFlags) register(fl interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
	Float64Var(*float64, string, float64, string)
}, htmlFlag string) {
	fl.StringVar(&r.html, htmlFlag, "", "write a self-contained HTML report of the run (Chinese; English with --lang en): counts and reasons, case mix, CMI and payment per hospital and level, outliers, policy adjustments, DIP")
	fl.StringVar(&r.summaryJSON, "summary-json", "", "write the run's summary as JSON to this file, for automation ('drg report' reads it back)")
	fl.BoolVar(&r.strict, "strict", false, fmt.Sprintf("exit with status %d when a warning threshold (--max-0000, --max-unknown) is passed; the outputs are still written", exitSuspect))
	fl.Float64Var(&r.maxZeros, "max-0000", report.DefaultThresholds.Ungrouped*100, "warn when more than this percentage of the grouped records are 0000 (usually records coded for another rule set or code edition); 0 = never")
	fl.Float64Var(&r.maxUnknown, "max-unknown", report.DefaultThresholds.UnknownCodes*100, "warn when more than this percentage of the grouped records have a code the rule set does not know; 0 = never")
	fl.StringVar(&r.lang, "lang", "", "language: zh or en. Messages and the summary are English unless zh; the HTML report is Chinese unless en")
}

// parse checks the flags' values.
func (r *reportFlags) parse() error {
	if r.maxZeros < 0 || r.maxZeros > 100 || r.maxUnknown < 0 || r.maxUnknown > 100 {
		return fmt.Errorf("--max-0000 and --max-unknown are percentages from 0 to 100")
	}
	lang, err := report.ParseLang(r.lang)
	if err != nil {
		return fmt.Errorf("--lang: %w", err)
	}
	r.langMessages, r.langPages = lang, lang
	if r.lang == "" {
		r.langPages = report.Chinese
	}
	return nil
}

func (r *reportFlags) thresholds() report.Thresholds {
	return report.Thresholds{Ungrouped: r.maxZeros / 100, UnknownCodes: r.maxUnknown / 100}
}

// wanted reports whether the run must build a summary beyond the counts.
func (r *reportFlags) wanted() bool { return r.html != "" || r.summaryJSON != "" }

// write writes the report and the JSON summary, each under a temporary
// name that appears only when complete.
func (r *reportFlags) write(e *env, s *report.Summary) error {
	if r.summaryJSON != "" {
		if err := writeOutput(e, r.summaryJSON, func(w io.Writer) error { return s.WriteJSON(w) }); err != nil {
			return fmt.Errorf("--summary-json: %w", err)
		}
	}
	if r.html != "" {
		if err := writeOutput(e, r.html, func(w io.Writer) error {
			return report.WriteHTML(w, s, report.HTMLOptions{Lang: r.langPages})
		}); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	return nil
}

// warn prints s's warnings and, with --strict, returns errSuspect when
// there are any.
func (r *reportFlags) warn(e *env, cmd string, s *report.Summary) error {
	for _, w := range s.Warnings {
		label := "warning: "
		if r.langMessages == report.Chinese {
			label = "警告："
		}
		fmt.Fprintf(e.stderr, "drg %s: %s%s\n", cmd, label, w.Message(r.langMessages))
	}
	if r.strict && len(s.Warnings) > 0 {
		return errSuspect
	}
	return nil
}

// writeOutput writes path through fn, as outputFile does: complete or not
// at all.
func writeOutput(e *env, path string, fn func(io.Writer) error) error {
	o, err := createOutputFile(e, path)
	if err != nil {
		return err
	}
	if err := fn(o); err != nil {
		o.abort()
		return err
	}
	return o.commit()
}

func reportCmd(ctx context.Context, e *env, args []string) error {
	c := &command{name: "report", usage: "GROUPED... --html report.html [flags]",
		summary: "Summarise grouped files ('drg group --out' files, CSV/TSV/JSON lines, .zst or not; each file's rejects\nfile OUT.rejects.csv is read when it is there and not older than the file; a FILE.rejects.csv named among\nthe files is read as rejects) and summaries written with --summary-json by 'drg group',\n'drg compare' or 'drg prices calibrate' (.json), into one self-contained HTML report and/or a JSON\nsummary. Prints the summary and the warnings of a run that looks wrong. A grouped file does not say\nwhich codes were unknown to the rule set: that count, and its warning, come only from a run's summary."}
	fl := newFlags(e, c)
	var rf reportFlags
	rf.register(fl, "html")
	noRejects := fl.Bool("no-rejects", false, "do not read OUT.rejects.csv beside each grouped file")
	files, err := parseFlags(e, fl, args)
	if err != nil {
		return err
	}
	if len(files) == 0 || !rf.wanted() {
		fl.Usage()
		return errUsage
	}
	if err := rf.parse(); err != nil {
		return err
	}
	if err := checkOutputs(files, rf.html, rf.summaryJSON); err != nil {
		return err
	}
	s, err := summarise(ctx, e, files, !*noRejects, rf.thresholds())
	if err != nil {
		return err
	}
	printReportSummary(e.stderr, s, rf.langMessages)
	if err := rf.write(e, s); err != nil {
		return err
	}
	return rf.warn(e, "report", s)
}

// summarise reads grouped files and JSON summaries into one summary.
func summarise(ctx context.Context, e *env, files []string, rejects bool, t report.Thresholds) (*report.Summary, error) {
	agg := report.NewAggregator(report.Options{})
	var (
		grouped int
		jsons   []*report.Summary
	)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if strings.EqualFold(filepath.Ext(f), ".json") {
			s, err := readSummaryFile(f)
			if err != nil {
				return nil, err
			}
			jsons = append(jsons, s)
			continue
		}
		if strings.HasSuffix(strings.TrimSuffix(f, ".zst"), ".rejects.csv") {
			if err := readRejects(agg, f); err != nil { // a rejects file given by name
				return nil, err
			}
			continue
		}
		if err := readGrouped(agg, f); err != nil {
			return nil, err
		}
		grouped++
		rej := strings.TrimSuffix(f, ".zst") + ".rejects.csv"
		if fi, err := os.Stat(rej); rejects && err == nil {
			// A rejects file much older than its grouped file is another
			// run's (one whose rejects went elsewhere): counting it would
			// break records in = grouped + rejected (found in review).
			gi, gerr := os.Stat(f)
			if gerr == nil && fi.ModTime().Before(gi.ModTime().Add(-time.Minute)) {
				fmt.Fprintf(e.stderr, "drg report: %s is older than %s, so not its run's: not read (name it among the files to count it)\n", rej, f)
				continue
			}
			if err := readRejects(agg, rej); err != nil {
				return nil, err
			}
			fmt.Fprintf(e.stderr, "drg report: rejects of %s read from %s\n", f, rej)
		}
	}
	var s *report.Summary
	if grouped > 0 {
		s = agg.Summary(t)
		s.Inputs = files
	}
	for _, j := range jsons {
		var err error
		if s, err = mergeSummaries(s, j); err != nil {
			return nil, err
		}
	}
	s.Warnings = report.Check(s, t)
	return s, nil
}

// mergeSummaries adds b to a: a run's summary (or the grouped files')
// with the migration of a compare and the weights of a calibration. Two
// summaries of grouped records cannot be added up here: their records may
// be the same ones.
func mergeSummaries(a, b *report.Summary) (*report.Summary, error) {
	if a == nil {
		return b, nil
	}
	if a.Counts.Records > 0 && b.Counts.Records > 0 {
		return nil, fmt.Errorf("two summaries of grouped records (%s and %s): report them apart, or give the grouped files", a.RuleSet, b.RuleSet)
	}
	if b.Counts.Records > 0 {
		a, b = b, a
		a.Migration, a.Calibration = firstNonNil(a.Migration, b.Migration), firstNonNil(a.Calibration, b.Calibration)
		return a, nil
	}
	if a.Migration != nil && b.Migration != nil || a.Calibration != nil && b.Calibration != nil {
		return nil, fmt.Errorf("two migrations or two calibrations: report them apart")
	}
	a.Migration, a.Calibration = firstNonNil(a.Migration, b.Migration), firstNonNil(a.Calibration, b.Calibration)
	return a, nil
}

func firstNonNil[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

func readSummaryFile(path string) (*report.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := report.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func readGrouped(agg *report.Aggregator, path string) error {
	r, err := openText(path)
	if err != nil {
		return err
	}
	defer r.Close()
	if _, err := agg.ReadGroupedWorkers(r, path, record.FormatOf(strings.TrimSuffix(path, ".zst")), runtime.GOMAXPROCS(0)); err != nil {
		return err
	}
	return nil
}

func readRejects(agg *report.Aggregator, path string) error {
	r, err := openText(path)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = agg.ReadRejects(r, path)
	return err
}

// openText opens a file, decompressing zstd or gzip, and decoding
// GB18030 (a file written with --out-encoding gbk) when its start reads as
// that rather than UTF-8.
func openText(path string) (io.ReadCloser, error) {
	f, err := record.OpenFile(path)
	if err != nil {
		return nil, err
	}
	r, gb, err := textenc.Sniff(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if gb {
		r = textenc.NewGB18030Reader(r)
	}
	return struct {
		io.Reader
		io.Closer
	}{r, f}, nil
}

// printReportSummary prints a summary's headline figures, as drg group's
// summary does, for drg report.
func printReportSummary(w io.Writer, s *report.Summary, lang report.Lang) {
	t := summaryText(lang)
	if s.RuleSet != "" {
		fmt.Fprintf(w, "%-12s %s\n", t.ruleSet, s.RuleSet)
	}
	if s.Prices != "" {
		fmt.Fprintf(w, "%-12s %s\n", t.prices, s.Prices)
	}
	printSummaryBody(w, s, lang, "")
}

// summaryFromStats is the summary of a run that built no report: its
// counts, from which Check still finds the warnings.
func summaryFromStats(st batch.Stats) *report.Summary {
	u := st.UnknownCodes
	return &report.Summary{Counts: countsOf(st, &u)}
}

func countsOf(st batch.Stats, unknown *int64) report.Counts {
	return report.Counts{Records: st.Records, Grouped: st.Grouped, OK: st.OK, QY: st.QY, Ungroupable: st.Ungroupable,
		CheckFailed: st.CheckFailed, Rejected: st.Rejected, UnknownCodes: unknown}
}
