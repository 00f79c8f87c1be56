package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

// command is one subcommand of drg.
type command struct {
	name    string
	summary string
	usage   string // argument synopsis after the command name
	run     func(ctx context.Context, env *env, args []string) error
}

// env carries the process streams, so commands can be tested in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	stderrIsTTY    bool
}

// commands are drg's commands; --help lists them sorted by name.
var commands = []*command{
	{name: "group", summary: "group discharge records (CSV, TSV or JSON lines; .zst compressed or not) under DRG and/or DIP", usage: "[FILE...] [flags]", run: groupCmd},
	{name: "diff", summary: "compare the groups with a column of expected groups in the input; print agreement by MDC and the first disagreements with traces", usage: "FILE... --column NAME [flags]", run: diffCmd},
	{name: "compare", summary: "group records under two rule sets (a version switch) and report what moves: unchanged shares, transitions, QY/0000, CMI and payment per hospital and MDC", usage: "FILE... --from RULES --to RULES [--out PAIRS]", run: compareCmd},
	{name: "explain", summary: "group one record and print every decision readably", usage: "[--json LINE | --pdx CODE --sdx A|B --proc X|Y --sex N --age N ...] [--rules NAME]", run: explainCmd},
	{name: "report", summary: "summarise grouped files and run summaries into one self-contained HTML report (Chinese or English) and/or JSON", usage: "GROUPED... --html report.html [--lang en]", run: reportCmd},
	{name: "validate", summary: "normalise and validate records; print accepted/rejected counts and write the rejects", usage: "FILE... [--rejects FILE]", run: validateCmd},
	{name: "serve", summary: "serve grouping and pricing over HTTP for payment systems (JSON; see grouper/service/openapi.yaml)", usage: "[--addr 127.0.0.1:8080] [--rules NAME] [--prices NAME]", run: serveCmd},
	{name: "settle", summary: "year-end settlement of a grouped file: point value from the fund budget, per-hospital totals and CMI", usage: settleUsage, run: settleCmd},
	{name: "prices import", summary: "import a city's published DRG price list (or weights.tsv + policy.json) into the store, checked against its published standards", usage: "FILE|DIR --rules RULESET --name NAME --valid-from DATE", run: pricesImport},
	{name: "prices calibrate", summary: "derive group weights (RW) or scores from a region's historical costs in grouped files (权重测算)", usage: "GROUPED... --out weights.tsv", run: pricesCalibrate},
	{name: "prices list", summary: "list the price lists and revisions in the store", usage: "[--store DIR]", run: pricesList},
	{name: "rules import", summary: "import a rule set from a directory of tables into the store", usage: "DIR --name NAME [--store DIR]", run: rulesImport},
	{name: "rules list", summary: "list the rule sets and revisions in the store", usage: "[--store DIR]", run: rulesList},
	{name: "rules export", summary: "write a stored rule set's tables to a directory", usage: "NAME[@REVISION] DIR [--store DIR]", run: rulesExport},
	{name: "rules recover", summary: "make a store readable again after its writer was killed", usage: "[--store DIR]", run: rulesRecover},
	{name: "gen", summary: "generate synthetic discharge records (and the full-scale synthetic rule set) deterministically from a seed", usage: "--records N --seed S --out FILE [--rules NAME] [--ruleset-out DIR]", run: genCmd},
	{name: "bench", summary: "measure grouping core, end-to-end file->file, reference grouper and rule-set load on generated full-scale data", usage: "[--records N] [--json FILE]", run: benchCmd},
}

// errUsage marks an error already explained by a usage message.
var errUsage = errors.New("usage")

func main() {
	sigs := stopSignals
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		sigs = serveStopSignals // drg serve reloads on SIGHUP
	}
	ctx := watchSignals(os.Stderr, sigs)
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, stderrIsTTY: isTerminal(os.Stderr)}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// stopSignals are the signals that stop a run cleanly: Ctrl-C, and what
// schedulers, systemd, timeout(1) and a closed terminal send. Left to their
// default action, SIGTERM and SIGHUP would kill drg at once, leaving its
// temporary outputs behind and, during an import, the rule store "not
// closed cleanly".
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// serveStopSignals stop drg serve, to which SIGHUP means reload.
var serveStopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// interrupted is the cancellation cause of a run stopped by a signal.
type interrupted struct{ sig os.Signal }

func (i *interrupted) Error() string { return "interrupted by " + signalName(i.sig) }

// status is the exit status of a run stopped by the signal: 128 + its
// number, as a shell reports a process the signal killed.
func (i *interrupted) status() int {
	if s, ok := i.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return sig.String()
}

// watchSignals returns a context cancelled, with an *interrupted cause, by
// the first of stopSignals: commands then stop reading, abort their outputs
// and close the store. A second signal exits at once, removing the
// temporary outputs but not waiting for the command (an import may then
// leave the store to 'drg rules recover'). A signal the process started
// with ignored stays ignored, so that nohup and background jobs of a
// script keep running.
func watchSignals(stderr io.Writer, stop []os.Signal) context.Context {
	var sigs []os.Signal
	for _, s := range stop {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	if len(sigs) == 0 {
		return context.Background()
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, sigs...)
	go func() {
		first := <-ch
		cancel(&interrupted{first})
		var second os.Signal
		select {
		case second = <-ch:
		case <-time.After(2 * time.Second):
			// Most runs stop within milliseconds; one that does not is
			// waiting (a silent standard input, a store import).
			fmt.Fprintf(stderr, "drg: stopping after %s; send it again to exit at once\n", signalName(first))
			second = <-ch
		}
		removeTemps()
		fmt.Fprintf(stderr, "drg: second signal (%s): exiting without waiting for the command to stop\n", signalName(second))
		os.Exit((&interrupted{second}).status())
	}()
	return ctx
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// run executes drg with args and returns the exit status: 0 success, 1
// failure, 2 usage error, 128+N stopped by signal N (ctx's cause is then an
// *interrupted), as printUsage documents.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 {
			return run(ctx, e, append(args[1:], "--help"))
		}
		printUsage(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	name := args[0]
	if name == "rules" || name == "prices" {
		// "rules" is a group of commands, not one: without a subcommand it
		// lists them, as a help request or as a usage error.
		if len(args) == 1 || strings.HasPrefix(args[1], "-") {
			if len(args) > 1 && isHelpFlag(args[1]) {
				printGroupUsage(e.stdout, name)
				return 0
			}
			printGroupUsage(e.stderr, name)
			return 2
		}
		name, args = name+" "+args[1], args[1:]
	}
	for _, c := range commands {
		if c.name == name {
			err := c.run(ctx, e, args[1:])
			var intr *interrupted
			stopped := errors.As(context.Cause(ctx), &intr)
			switch {
			case err == nil:
				if stopped {
					// A command with no point at which to stop (an
					// import) finished: its work is done and kept.
					fmt.Fprintf(e.stderr, "drg %s: %s received; the command had finished its work, which is kept\n", c.name, signalName(intr.sig))
				}
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			case errors.Is(err, errSuspect):
				fmt.Fprintf(e.stderr, "drg %s: %v\n", c.name, err)
				return exitSuspect
			case stopped:
				// The command's own error is only the cancellation.
				fmt.Fprintf(e.stderr, "drg %s: %v\n", c.name, intr)
				return intr.status()
			}
			fmt.Fprintf(e.stderr, "drg %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "drg: unknown command %q\n\n", name)
	printUsage(e.stderr)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `drg groups hospital discharge records under CHS-DRG and DIP and prices them
under regional payment policies (weights, base rates, TCM policies, outliers).

Usage:
  drg COMMAND [flags] [arguments]

Commands:
`)
	for _, c := range sortedCommands() {
		fmt.Fprintf(w, "  %-17s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'drg COMMAND --help' for the flags of a command.
With no --rules, the embedded SAMPLE rule set is used (self-authored, not an
official scheme); 'drg rules import' stores real schemes such as chs-drg-1.1.

Exit status:
  0      success
  1      failure (the message on standard error says why)
  2      usage error
  3      --strict, and the run looks wrong: more 0000 or unknown codes than
         --max-0000 / --max-unknown allow (the warning says the likely cause;
         the outputs are written all the same)
  128+N  stopped by signal N: 130 SIGINT, 129 SIGHUP, 143 SIGTERM, with
         "drg COMMAND: interrupted by SIGTERM" on standard error. The run
         stops reading, writes no output (a previous file of the same name
         stays as it was) and closes the rule store; a second signal exits
         at once. A command that had finished its work when the signal came
         exits 0. What a run killed outright (SIGKILL) left unfinished is
         removed by the next run writing the same output.
`)
}

// printGroupUsage lists the commands whose names start with group, for
// "drg rules" and "drg help rules".
func printGroupUsage(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage:\n  drg %s SUBCOMMAND [flags] [arguments]\n\nSubcommands:\n", group)
	for _, c := range sortedCommands() {
		if strings.HasPrefix(c.name, group+" ") {
			fmt.Fprintf(w, "  %-17s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprintf(w, "\nRun 'drg %s SUBCOMMAND --help' for the flags of a subcommand.\n", group)
}

func sortedCommands() []*command {
	cs := append([]*command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	return cs
}

func isHelpFlag(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

// newFlags returns a flag set whose --help prints the command's synopsis and
// every flag with its explanation.
func newFlags(e *env, c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("drg "+c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: drg %s %s\n\n%s\n\nFlags:\n", c.name, c.usage, c.summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (drg group in.csv --out out.csv). --help prints to standard output.
func parseFlags(e *env, fs *flag.FlagSet, args []string) ([]string, error) {
	for _, a := range args {
		if isHelpFlag(a) {
			fs.SetOutput(e.stdout)
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
