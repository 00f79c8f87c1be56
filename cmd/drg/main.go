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

var commands []*command

func register(c *command) { commands = append(commands, c) }

// errUsage marks an error already explained by a usage message.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, stderrIsTTY: isTerminal(os.Stderr)}
	os.Exit(run(ctx, e, os.Args[1:]))
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// run executes drg with args and returns the exit status: 0 success, 1
// failure, 2 usage error.
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
	if name == "rules" {
		// "rules" is a group of commands, not one: without a subcommand it
		// lists them, as a help request or as a usage error.
		if len(args) == 1 || strings.HasPrefix(args[1], "-") {
			if len(args) > 1 && isHelpFlag(args[1]) {
				printGroupUsage(e.stdout, "rules")
				return 0
			}
			printGroupUsage(e.stderr, "rules")
			return 2
		}
		name, args = "rules "+args[1], args[1:]
	}
	for _, c := range commands {
		if c.name == name {
			err := c.run(ctx, e, args[1:])
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
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
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'drg COMMAND --help' for the flags of a command.
With no --rules, the embedded SAMPLE rule set is used (self-authored, not an
official scheme); 'drg rules import' stores real schemes such as chs-drg-1.1.
`)
}

// printGroupUsage lists the commands whose names start with group, for
// "drg rules" and "drg help rules".
func printGroupUsage(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage:\n  drg %s SUBCOMMAND [flags] [arguments]\n\nSubcommands:\n", group)
	for _, c := range sortedCommands() {
		if strings.HasPrefix(c.name, group+" ") {
			fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
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
