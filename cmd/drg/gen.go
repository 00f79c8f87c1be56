package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"text/tabwriter"

	"github.com/medpay/drg/bench"
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/internal/synth"
)

func genCmd(ctx context.Context, e *env, args []string) error {
	c := &command{name: "gen", usage: "--records N --seed S --out FILE [--rules NAME] [--ruleset-out DIR]", summary: "Generate synthetic discharge records for a rule set: skewed diagnosis frequencies, 0-15 secondary\ndiagnoses, 0-6 procedures, some TCM-coded and day-ward records, and --dirty/--invalid fractions of\ndirty-but-fixable and invalid records. The same seed gives the same bytes."}
	fl := newFlags(e, c)
	n := fl.Int("records", 10000, "number of records")
	seed := fl.Uint64("seed", 1, "random seed (records and, for the full-scale set, its rules)")
	out := fl.String("out", "", "output file: .csv, .tsv or .jsonl, optionally .zst (required unless --ruleset-out)")
	rules := fl.String("rules", fullScaleRef, "rule set to draw codes from: "+fullScaleRef+" (synthetic, national shape, from --seed), sample, a stored NAME or a table directory")
	storeDirFlag := storeFlag(fl)
	dirty := fl.Float64("dirty", 0.03, "fraction of records with dirty but fixable codes (lower case, missing dots, full-width)")
	invalid := fl.Float64("invalid", 0.01, "fraction of invalid records that the reader must reject")
	rsOut := fl.String("ruleset-out", "", "also write the rule set's tables to this directory (for 'drg rules import')")
	if _, err := parseFlags(e, fl, args); err != nil {
		return err
	}
	if *out == "" && *rsOut == "" {
		fl.Usage()
		return errUsage
	}
	if err := checkRulesRef(*rules); err != nil {
		return err
	}
	rs, err := loadRulesSeed(*rules, *storeDirFlag, *seed)
	if err != nil {
		return err
	}
	status := e.stdout
	if *out == "-" {
		status = e.stderr // standard output holds the records
	}
	if *rsOut != "" {
		if err := rs.WriteTables(*rsOut); err != nil {
			return err
		}
		fmt.Fprintf(status, "wrote rule set %s tables to %s\n", rs.Name, *rsOut)
	}
	if *out == "" {
		return nil
	}
	counts, err := writeRecords(ctx, e, *out, rs, *seed, *n, synth.DirtyOptions{Dirty: *dirty, Invalid: *invalid})
	if err != nil {
		return err
	}
	fmt.Fprintf(status, "wrote %d records to %s", *n, *out)
	var defects []string
	invalidN := 0
	for d, k := range counts {
		if d != synth.Clean {
			defects = append(defects, fmt.Sprintf("%s %d", d, k))
		}
		if d.Rejected() {
			invalidN += k
		}
	}
	sort.Strings(defects)
	if len(defects) > 0 {
		// The invalid count is what 'drg validate' rejects in the file:
		// every other record, dirty or clean, reads back.
		fmt.Fprintf(status, " (%d invalid; defects: %v)", invalidN, defects)
	}
	fmt.Fprintln(status)
	return nil
}

// writeRecords writes n generated records for rs to path, as 'drg group'
// writes its output: under a temporary name renamed into place at the end,
// so that a failed or interrupted run (a full disk, a signal) leaves no
// file under the target's name cut mid-record. It returns how many records
// got each defect.
func writeRecords(ctx context.Context, e *env, path string, rs *grouper.RuleSet, seed uint64, n int, dirty synth.DirtyOptions) (map[synth.Defect]int, error) {
	out, err := createOutputFile(e, path)
	if err != nil {
		return nil, err
	}
	defer out.abort()
	format := record.FormatOf(path)
	if format == record.FormatAuto {
		format = record.FormatCSV
	}
	w := record.NewWriter(out, format)
	counts := map[synth.Defect]int{}
	i := 0
	err = synth.DirtyRecords(rs, seed, n, dirty, func(rec *record.Record, d synth.Defect) error {
		counts[d]++
		// The generator has no other point at which to stop: a signal is
		// noticed here, every 4096 records.
		if i++; i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return w.Write(rec)
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		// One error, once: the writer's error is sticky, so closing it
		// would repeat it; abort drops the temporary file and that error.
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := out.commit(); err != nil {
		return nil, err // commit names the file
	}
	return counts, nil
}

func benchCmd(ctx context.Context, e *env, args []string) error {
	c := &command{name: "bench", usage: "[--records N] [--json FILE]", summary: "In one run, on the same generated full-scale data (26 MDCs, ~400 ADRGs, ~630 DRGs, ~30 000\ndiagnoses, ~10 000 DIP groups): the grouping core on in-memory records (records/s per core,\nallocs/record), end-to-end 'drg group' file -> file with zstd CSV in and out (records/s, MB/s,\npeak RSS, as a child process), the simple reference grouper on the same records (and the ratio),\nand rule-set open + compile from the store. Medians of --repeats runs."}
	fl := newFlags(e, c)
	n := fl.Int("records", 1_000_000, "records for the end-to-end run (the in-memory core run uses at most 500 000)")
	seed := fl.Uint64("seed", 1, "seed of the synthetic rule set and records")
	workers := fl.Int("workers", 0, "workers of the end-to-end run (default: all CPUs)")
	repeats := fl.Int("repeats", 3, "repetitions per stage; medians are reported")
	refN := fl.Int("reference-records", 2000, "records for the reference grouper (it is slow by design)")
	determinism := fl.Bool("determinism", true, "also run end-to-end with --workers 1 and compare output hashes")
	jsonOut := fl.String("json", "", "also write the report as JSON to this file ('-' = standard output)")
	dir := fl.String("dir", "", "scratch directory (default: a temporary directory, removed afterwards)")
	rules := fl.String("rules", "", "measure a stored rule set (e.g. chs-drg-1.1) instead of the generated full-scale one: records are generated from its codes")
	prices := fl.String("prices", "", "with --rules: price the end-to-end run with this stored price list (default: the rule set's own weights under the sample policy, if it has them)")
	exeFlag := fl.String("exe", "", "the drg executable the end-to-end runs start (default: this one)")
	var storeFlag string
	fl.StringVar(&storeFlag, "store", "", "rule store directory for --rules and --prices (default $DRG_STORE, else the user's data directory)")
	if _, err := parseFlags(e, fl, args); err != nil {
		return err
	}
	exe := *exeFlag
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return err
		}
	}
	var err error
	cfg := bench.Config{Records: *n, Seed: *seed, Workers: *workers, Repeats: *repeats, DRGExe: exe,
		Dir: *dir, Determinism: *determinism, ReferenceN: *refN, Log: e.stderr, Rules: *rules, Prices: *prices}
	if *prices != "" && *rules == "" {
		return fmt.Errorf("--prices needs --rules: the generated full-scale rule set has no stored price list")
	}
	if *rules != "" {
		if cfg.Store, err = storeDir(storeFlag); err != nil {
			return err
		}
	}
	r, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "machine\t%d CPUs, %s %s/%s\n", r.Machine.CPUs, r.Machine.GoVersion, r.Machine.GOOS, r.Machine.GOARCH)
	fmt.Fprintf(tw, "rule set\t%d MDCs, %d ADRGs, %d DRGs, %d diagnoses, %d procedures, %d CC/MCC, %d DIP groups\n",
		r.RuleSet.MDCs, r.RuleSet.ADRGs, r.RuleSet.DRGs, r.RuleSet.Diagnoses, r.RuleSet.Procedures, r.RuleSet.CC, r.RuleSet.DIPGroups)
	fmt.Fprintf(tw, "open + compile\t%.0f ms (compile alone %.0f ms; target < 300 ms)\n", r.Compile.OpenCompileMS, r.Compile.CompileOnlyMS)
	fmt.Fprintf(tw, "grouping core\t%.0f records/s per core, %.0f on all cores, %.3f allocs/record (%d records in memory)\n",
		r.Core.RecordsPerSecCore, r.Core.RecordsPerSecAll, r.Core.AllocsPerRecord, r.Core.Records)
	fmt.Fprintf(tw, "reference grouper\t%.0f records/s; bitmap %.0f records/s on the same %d records: %.0fx (%d disagreements)\n",
		r.Reference.RecordsPerSec, r.Reference.BitmapPerSec, r.Reference.Records, r.Reference.Ratio, r.Reference.Disagreements)
	det := "not checked"
	if r.EndToEnd.Deterministic != nil {
		det = fmt.Sprintf("identical with --workers 1: %t", *r.EndToEnd.Deterministic)
	}
	fmt.Fprintf(tw, "end to end\t%.0f records/s, %.0f MB/s, %.2f s for %d records, peak RSS %.0f MB, %d workers, payment %t, %s\n",
		r.EndToEnd.RecordsPerSec, r.EndToEnd.MBPerSec, r.EndToEnd.Seconds, r.EndToEnd.Records, r.EndToEnd.PeakRSSMB, r.EndToEnd.Workers, r.EndToEnd.Payment, det)
	if f := r.Floor; f.Records > 0 {
		paid := fmt.Sprintf("with payments: encode %.3f, price %.3f = %.3f", f.EncodePaidUS, f.PriceUS, f.FloorPaidUS)
		paidRatio := fmt.Sprintf("with payments %.3f = %.2fx (target <= 1.45)", f.EndToEndPaidUS, f.RatioPaid)
		if f.FloorPaidUS == 0 {
			paid, paidRatio = "no payments (the rule set has no weights: --prices LIST)", "with payments: not measured"
		}
		fmt.Fprintf(tw, "floor (CPU-µs a record, each stage alone on one core)\tdecode %.3f + split %.3f + encode %.3f + group %.3f = %.3f; %s\n",
			f.DecodeUS, f.SplitUS, f.EncodeDRGUS, f.GroupUS, f.FloorDRGUS, paid)
		fmt.Fprintf(tw, "end to end over the floor\tDRG only %.3f CPU-µs a record = %.2fx the floor (target <= 1.3); %s\n",
			f.EndToEndDRGUS, f.RatioDRG, paidRatio)
		if b := f.Busy; b != nil {
			busyPaid := fmt.Sprintf("with payments %.3f, end to end %.2fx", b.FloorPaidUS, b.RatioPaid)
			if b.FloorPaidUS == 0 {
				busyPaid = "with payments: not measured"
			}
			fmt.Fprintf(tw, "floor with every CPU busy\tdecode %.3f + split %.3f + encode %.3f + group %.3f = %.3f, end to end %.2fx; %s\n",
				b.DecodeUS, b.SplitUS, b.EncodeDRGUS, b.GroupUS, b.FloorDRGUS, b.RatioDRG, busyPaid)
		}
		busyGroup := ""
		if f.Busy != nil {
			busyGroup = fmt.Sprintf(", %.2fx with every CPU busy", f.Busy.GroupRatio)
		}
		paidAllocs := fmt.Sprintf("%.3f with payments", f.AllocsPerRecordPaid)
		if f.FloorPaidUS == 0 {
			paidAllocs = "with payments not measured"
		}
		fmt.Fprintf(tw, "grouping in the pipeline\t%.3f CPU-µs a record = %.2fx in memory%s (target <= 1.1); allocations a record: %.3f DRG only, %s\n",
			f.PipelineGroupUS, f.GroupRatio, busyGroup, f.AllocsPerRecordDRG, paidAllocs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		b = append(b, '\n')
		if *jsonOut == "-" {
			_, err = e.stdout.Write(b)
			return err
		}
		return os.WriteFile(*jsonOut, b, 0o644)
	}
	return nil
}
