package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/national"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/grouper/store"
	"github.com/medpay/drg/internal/synth"
	"github.com/medpay/drg/weights"
)

func rulesRecover(ctx context.Context, e *env, args []string) error {
	c := &command{name: "rules recover", usage: "[--store DIR]", summary: "Make a store readable again after a 'drg rules import' (or another writer) was killed before it closed the store: readers then fail with 'not closed cleanly'. Recovering replays the writer's log: every import that printed 'imported' is kept (imports are synced to disk before they print it), and an interrupted one is either whole or absent, never partial. Run it when no other drg process uses the store; on a clean store it changes nothing."}
	fl := newFlags(e, c)
	dirFlag := storeFlag(fl)
	pos, err := parseFlags(e, fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		fl.Usage()
		return errUsage
	}
	dir, err := storeDir(dirFlag.dir)
	if err != nil {
		return err
	}
	if err := store.Recover(dir); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "recovered %s\n", dir)
	return nil
}

// storeFlags are the flags that find and open the rule store, --store and
// --store-wait, and where a wait for the store is announced.
type storeFlags struct {
	dir, wait string
	stderr    io.Writer
}

// storeFlag adds --store and --store-wait to fs; a wait is announced on
// fs's output, standard error.
func storeFlag(fs *flag.FlagSet) *storeFlags {
	f := &storeFlags{stderr: fs.Output()}
	registerStoreFlags(fs, &f.dir, &f.wait)
	return f
}

// registerStoreFlags adds --store and --store-wait to fl (a *flag.FlagSet,
// or what 'drg group' registers its flags with), into dir and wait.
func registerStoreFlags(fl interface {
	StringVar(p *string, name, value, usage string)
}, dir, wait *string) {
	fl.StringVar(dir, "store", "", "rule store directory (default $DRG_STORE, else the user's data directory, e.g. ~/.local/share/drg/store)")
	fl.StringVar(wait, "store-wait", "", "how long to wait while another drg process holds the rule store (a reader waits for an import, an import for readers), e.g. 30s; 0 fails at once (default $DRG_STORE_WAIT, else "+defaultStoreWait.String()+")")
}

// defaultStoreWait is --store-wait's default: an import of the national
// tables holds the store for about a second, and a batch for the tenth of a
// second it takes to load its rule set, so that a wait this long ends only
// when a process holds the store for far longer than drg ever does.
const defaultStoreWait = 2 * time.Minute

// lockWait returns --store-wait, else $DRG_STORE_WAIT, else the default.
func (f storeFlags) lockWait() (time.Duration, error) {
	v, src := f.wait, "--store-wait"
	if v == "" {
		v, src = os.Getenv("DRG_STORE_WAIT"), "DRG_STORE_WAIT"
	}
	if v == "" {
		return defaultStoreWait, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s %q: not a duration such as 30s, 2m or 0", src, v)
	}
	return d, nil
}

// open opens the store in dir, as the flags say: when another drg process
// holds it, it says so on standard error and waits up to --store-wait for
// it, then opens what that process committed. A stop signal ends the wait:
// the helpers that open the store are called without the command's
// context.
func (f storeFlags) open(dir string, readOnly bool) (*store.Store, error) {
	wait, err := f.lockWait()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	var sigs []os.Signal
	for _, s := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		if !signal.Ignored(s) { // a nohup'd job keeps ignoring them
			sigs = append(sigs, s)
		}
	}
	if len(sigs) > 0 { // none would mean every signal
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, sigs...)
		defer stop()
	}
	stderr := f.stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	return store.OpenContext(ctx, dir, store.Options{ReadOnly: readOnly, LockWait: wait, Waiting: func() {
		fmt.Fprintf(stderr, "drg: the rule store %s is in use by another process; waiting up to %s for it (--store-wait)\n", dir, wait)
	}})
}

func storeDir(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	return store.DefaultDir()
}

// readRuleDir reads a rule set directory in the project's table format or,
// when it holds a national CHS-DRG extraction (1.1 or 2.0), converts it.
func readRuleDir(dir string) (*grouper.RuleSet, []*grouper.Problem, error) {
	fsys := os.DirFS(dir)
	if rs, ok, err := readNational(fsys); ok {
		if err != nil {
			return nil, nil, err
		}
		if _, err := grouper.Compile(rs); err != nil {
			return nil, nil, err
		}
		return rs, nil, nil
	}
	return grouper.ReadTables(fsys)
}

func rulesImport(ctx context.Context, e *env, args []string) error {
	c := &command{name: "rules import", usage: "DIR --name NAME [--store DIR]", summary: "Import a rule set from a directory of tables (the project's format, see README, or the national CHS-DRG 1.1 or 2.0 extraction, detected by its files). Every problem is reported with file, line and column; warnings do not stop the import."}
	fl := newFlags(e, c)
	name := fl.String("name", "", "name to store the rule set under (default: the name in ruleset.tsv)")
	validFrom := fl.String("valid-from", "", "first discharge date the rule set is in force, YYYY-MM-DD (default: ruleset.tsv's valid_from, else open); 'drg group --rules NAME@date' groups each record under the revision in force on its discharge date")
	validTo := fl.String("valid-to", "", "last discharge date the rule set is in force, YYYY-MM-DD (default: ruleset.tsv's valid_to, else open)")
	dirFlag := storeFlag(fl)
	pos, err := parseFlags(e, fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fl.Usage()
		return errUsage
	}
	valid, err := parsePeriod(*validFrom, *validTo)
	if err != nil {
		return err
	}
	start := time.Now()
	rs, problems, err := readRuleDir(pos[0])
	for _, p := range problems {
		if p.Warning {
			fmt.Fprintln(e.stderr, p.Error())
		}
	}
	if err != nil {
		var ie *grouper.ImportError
		if errors.As(err, &ie) {
			for _, p := range ie.Problems {
				fmt.Fprintln(e.stderr, p.Error())
			}
			return fmt.Errorf("%s: %d error(s); nothing imported", pos[0], len(ie.Problems))
		}
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	// The weight table is stored as text and parsed by every payment run:
	// parse it now, so that its errors stop the import rather than the
	// first nightly run, and name the rows no group of the rule set can
	// ever use.
	warnings := len(problems)
	if table, err := weights.TableFromRuleSet(rs); err == nil {
		for _, r := range table.Unreachable(rs) {
			fmt.Fprintf(e.stderr, "%s line %d: warning: %s group %s is not a group of this rule set; the row is never used\n", weights.TableFile, r.Line, r.Scheme, r.Group)
			warnings++
		}
	} else if !errors.Is(err, weights.ErrNoTable) {
		fmt.Fprintln(e.stderr, err)
		return fmt.Errorf("%s: %s: 1 error(s); nothing imported", pos[0], weights.TableFile)
	}
	if *name != "" {
		rs.Name = *name
	}
	if valid.From != 0 {
		rs.Valid.From = valid.From
	}
	if valid.To != 0 {
		rs.Valid.To = valid.To
	}
	if rs.Valid.From != 0 && rs.Valid.To != 0 && rs.Valid.To < rs.Valid.From {
		return fmt.Errorf("valid to %s is before valid from %s", rs.Valid.To, rs.Valid.From)
	}
	dir, err := storeDir(dirFlag.dir)
	if err != nil {
		return err
	}
	st, err := dirFlag.open(dir, false)
	if err != nil {
		return err
	}
	defer st.Close()
	info, err := st.Put(rs)
	if err != nil {
		return err
	}
	in := ""
	if rs.Valid != (record.Period{}) {
		in = ", in force " + rs.Valid.String()
	}
	fmt.Fprintf(e.stdout, "imported %s@%d%s: %d MDCs, %d ADRGs, %d DRGs, %d list codes, %d CC/MCC, %d diagnoses, %d procedures, %d DIP groups (%d warnings) in %s\n",
		info.Name, info.Revision, in, len(rs.MDCs), len(rs.ADRGs), len(rs.DRGs), len(rs.Lists), len(rs.CC), len(rs.Diagnoses), len(rs.Procedures),
		len(rs.DIP.Core)+len(rs.DIP.Comprehensive), warnings, time.Since(start).Round(time.Millisecond))
	return nil
}

func rulesList(ctx context.Context, e *env, args []string) error {
	c := &command{name: "rules list", usage: "[--store DIR]", summary: "List every rule set and revision in the store, and the embedded sample."}
	fl := newFlags(e, c)
	dirFlag := storeFlag(fl)
	if _, err := parseFlags(e, fl, args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tREVISION\tVERSION\tIN FORCE\tIMPORTED\tMDCs\tADRGs\tDRGs\tDESCRIPTION")
	fmt.Fprintf(tw, "%s\t(embedded)\t\t\t\t\t\t\t%s\n", grouper.SampleName, "built-in SAMPLE rule set, used when --rules is not given")
	infos, err := listStore(*dirFlag, (*store.Store).List)
	if err != nil {
		return err
	}
	for _, i := range infos {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", i.Name, i.Revision, i.Version, i.Period(), i.Imported.Format(time.DateTime), i.MDCs, i.ADRGs, i.DRGs, i.Description)
	}
	return tw.Flush()
}

func rulesExport(ctx context.Context, e *env, args []string) error {
	c := &command{name: "rules export", usage: "NAME[@REVISION] DIR [--store DIR]", summary: "Write a stored rule set's tables to DIR; importing them again gives a byte-identical export. NAME 'sample' without a stored 'sample' exports the embedded sample."}
	fl := newFlags(e, c)
	dirFlag := storeFlag(fl)
	pos, err := parseFlags(e, fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fl.Usage()
		return errUsage
	}
	rs, err := loadRules(pos[0], *dirFlag)
	if err != nil {
		return err
	}
	if err := rs.WriteTables(pos[1]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "exported %s to %s\n", rs.Name, pos[1])
	return nil
}

// fullScaleRef names the synthetic full-scale rule set on the command line
// (synth.FullScaleRuleSet, generated from a seed; nothing is stored).
const fullScaleRef = "fullscale"

func isFullScale(ref string) bool { return ref == fullScaleRef || ref == synth.FullScaleName }

// loadRulesSeed is loadRules that also knows the synthetic full-scale rule
// set, generated from seed.
func loadRulesSeed(ref string, sf storeFlags, seed uint64) (*grouper.RuleSet, error) {
	if isFullScale(ref) {
		return synth.FullScaleRuleSet(seed), nil
	}
	return loadRules(ref, sf)
}

// loadGrouper finds and compiles a rule set, compiling it once: a table
// directory, a stored NAME[@REVISION], "fullscale", or the embedded sample
// (store.LoadRef).
func loadGrouper(ref string, sf storeFlags) (*grouper.Grouper, error) {
	// A directory of the project's tables named "fullscale" is read as
	// the tables it is; any other "fullscale" is the synthetic set.
	if isFullScale(ref) {
		if fi, err := os.Stat(ref); err != nil || !fi.IsDir() || national.Detect(os.DirFS(ref)) {
			return grouper.Compile(synth.FullScaleRuleSet(1))
		}
	}
	return store.LoadRef(context.Background(), ref, sf.refOptions())
}

// loadRules finds a rule set: a directory of tables, a stored rule set
// (NAME or NAME@REVISION), or the embedded sample (store.GetRef).
func loadRules(ref string, sf storeFlags) (*grouper.RuleSet, error) {
	return store.GetRef(context.Background(), ref, sf.refOptions())
}

// refOptions are the options that find a rule set reference as the flags
// say: the store in --store, opened as open does, the national layout
// detected, and a rule set found nowhere explained with importHint.
func (f storeFlags) refOptions() store.RefOptions {
	return store.RefOptions{
		Dir:     f.dir,
		Open:    func(_ context.Context, dir string) (*store.Store, error) { return f.open(dir, true) },
		ReadDir: readNational,
		Hint:    importHint,
	}
}

// readNational reads a national CHS-DRG extraction (1.1 or 2.0), when fsys holds
// it (store.RefOptions.ReadDir).
func readNational(fsys fs.FS) (*grouper.RuleSet, bool, error) {
	if !national.Detect(fsys) {
		return nil, false, nil
	}
	rs, err := national.Read(fsys)
	return rs, true, err
}

// importHint says how to store the rule set named name: under its name
// alone, since an import numbers the revision itself.
func importHint(name string) string {
	return "import it with 'drg rules import DIR --name " + name + "'"
}

// parsePeriod reads --valid-from and --valid-to (either may be blank).
func parsePeriod(from, to string) (record.Period, error) {
	var p record.Period
	var err error
	if from != "" {
		if p.From, err = record.ParseDate(from); err != nil {
			return p, fmt.Errorf("--valid-from: %w", err)
		}
	}
	if to != "" {
		if p.To, err = record.ParseDate(to); err != nil {
			return p, fmt.Errorf("--valid-to: %w", err)
		}
	}
	return p, nil
}

// listStore lists the store's rule sets or price lists (list), read-only;
// none when there is no store yet.
func listStore(sf storeFlags, list func(*store.Store) ([]store.Info, error)) ([]store.Info, error) {
	dir, err := storeDir(sf.dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	st, err := sf.open(dir, true)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return list(st)
}
