package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/grouper/store"
	"github.com/medpay/drg/internal/reference"
	"github.com/medpay/drg/internal/synth"
	"github.com/medpay/drg/weights"
)

// Config configures Run, the measurement behind `drg bench`.
type Config struct {
	Records     int    // records to generate for the end-to-end run (and the in-memory core run, capped)
	Seed        uint64 // seed of the synthetic rule set and records
	Workers     int    // workers of the end-to-end run; 0 = GOMAXPROCS
	Repeats     int    // repetitions of each timed stage; medians are reported; 0 = 3
	DRGExe      string // path of the drg executable for the end-to-end run (measured as a child process, for its peak RSS)
	Dir         string // scratch directory; "" = a temporary one, removed afterwards
	Determinism bool   // also run end-to-end with --workers 1 and compare the output hashes
	ReferenceN  int    // records for the reference grouper comparison; 0 = 2000
	// Rules, when set, names a stored rule set (in Store) to measure in
	// place of the generated full-scale one: records are generated from
	// its codes, and its own weights, if any, price them under the sample
	// policy (or Prices, a stored price list).
	Rules, Store, Prices string
	Log                  io.Writer
}

// Report holds every figure of a run. JSON field names are stable.
type Report struct {
	Machine struct {
		CPUs      int    `json:"cpus"`
		GoVersion string `json:"go_version"`
		GOOS      string `json:"goos"`
		GOARCH    string `json:"goarch"`
	} `json:"machine"`
	RuleSet struct {
		MDCs, ADRGs, DRGs, Diagnoses, Procedures, ListCodes, CC, DIPGroups int
	} `json:"rule_set"`
	Compile struct {
		BuildMS       float64 `json:"build_ms"`        // generating the synthetic rule set
		PutMS         float64 `json:"put_ms"`          // storing it in Badger
		OpenCompileMS float64 `json:"open_compile_ms"` // median: open the store read-only, load, compile, close
		CompileOnlyMS float64 `json:"compile_only_ms"` // median: grouper.Compile of the in-memory rule set
	} `json:"compile"`
	Core struct {
		Records           int     `json:"records"`
		RecordsPerSecCore float64 `json:"records_per_sec_per_core"` // median, one goroutine
		RecordsPerSecAll  float64 `json:"records_per_sec_all_cores"`
		AllocsPerRecord   float64 `json:"allocs_per_record"`
	} `json:"core"`
	Reference struct {
		Records       int     `json:"records"`
		RecordsPerSec float64 `json:"records_per_sec"`
		BitmapPerSec  float64 `json:"bitmap_records_per_sec"` // the compiled grouper on the same records
		Ratio         float64 `json:"ratio"`                  // bitmap / reference
		Disagreements int     `json:"disagreements"`
	} `json:"reference"`
	EndToEnd struct {
		Records        int     `json:"records"`
		InputBytes     int64   `json:"input_bytes"`      // uncompressed CSV bytes
		InputZstdBytes int64   `json:"input_zstd_bytes"` // file size
		Seconds        float64 `json:"seconds"`          // median wall time of `drg group`
		RecordsPerSec  float64 `json:"records_per_sec"`
		MBPerSec       float64 `json:"mb_per_sec"`  // uncompressed input MB/s
		PeakRSSMB      float64 `json:"peak_rss_mb"` // max over repetitions
		Workers        int     `json:"workers"`
		OutputSHA256   string  `json:"output_sha256"`
		Deterministic  *bool   `json:"deterministic,omitempty"` // same output with --workers 1
		Payment        bool    `json:"payment"`
	} `json:"end_to_end"`
	// Floor holds the job's floor on the same records and the end-to-end
	// CPU over it (see Floor); zero without an end-to-end run.
	Floor Floor `json:"floor"`
}

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// Run generates the full-scale rule set and records from cfg.Seed and
// measures every stage in one run, so that ratios compare like with like.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Repeats <= 0 {
		cfg.Repeats = 3
	}
	if cfg.ReferenceN <= 0 {
		cfg.ReferenceN = 2000
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	r := &Report{}
	r.Machine.CPUs, r.Machine.GoVersion, r.Machine.GOOS, r.Machine.GOARCH = runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH
	dir := cfg.Dir
	if dir != "" {
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return nil, fmt.Errorf("bench: scratch directory: %w", err)
		}
	} else {
		d, err := os.MkdirTemp("", "drg-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}

	// Rule set: build, store, open + compile (or a stored one).
	t0 := time.Now()
	var rs *grouper.RuleSet
	var info store.Info
	storeDir := filepath.Join(dir, "store")
	if cfg.Rules != "" {
		storeDir = cfg.Store
		st, err := store.Open(storeDir, store.Options{ReadOnly: true})
		if err != nil {
			return nil, err
		}
		rs, info, err = st.Get(cfg.Rules)
		st.Close()
		if err != nil {
			return nil, err
		}
	} else {
		rs = synth.FullScaleRuleSet(cfg.Seed)
	}
	r.Compile.BuildMS = ms(time.Since(t0))
	r.RuleSet.MDCs, r.RuleSet.ADRGs, r.RuleSet.DRGs = len(rs.MDCs), len(rs.ADRGs), len(rs.DRGs)
	r.RuleSet.Diagnoses, r.RuleSet.Procedures, r.RuleSet.ListCodes = len(rs.Diagnoses), len(rs.Procedures), len(rs.Lists)
	r.RuleSet.CC, r.RuleSet.DIPGroups = len(rs.CC), len(rs.DIP.Core)+len(rs.DIP.Comprehensive)
	if cfg.Rules == "" {
		st, err := store.Open(storeDir, store.Options{})
		if err != nil {
			return nil, err
		}
		t0 = time.Now()
		info, err = st.Put(rs)
		st.Close()
		if err != nil {
			return nil, err
		}
		r.Compile.PutMS = ms(time.Since(t0))
	}
	var oc, co []float64
	var g *grouper.Grouper
	for i := 0; i < cfg.Repeats; i++ {
		t0 = time.Now()
		ro, err := store.Open(storeDir, store.Options{ReadOnly: true})
		if err != nil {
			return nil, err
		}
		g, _, err = ro.Load(info.Ref())
		ro.Close()
		if err != nil {
			return nil, err
		}
		oc = append(oc, ms(time.Since(t0)))
		t0 = time.Now()
		if _, err := grouper.Compile(rs); err != nil {
			return nil, err
		}
		co = append(co, ms(time.Since(t0)))
	}
	r.Compile.OpenCompileMS, r.Compile.CompileOnlyMS = median(oc), median(co)
	cfg.logf("rule set: %d MDCs, %d ADRGs, %d DRGs, %d diagnoses; open+compile %.0f ms", r.RuleSet.MDCs, r.RuleSet.ADRGs, r.RuleSet.DRGs, r.RuleSet.Diagnoses, r.Compile.OpenCompileMS)

	// Core: records in memory.
	coreN := min(cfg.Records, 500_000)
	recs, err := synth.RecordSlice(rs, cfg.Seed+1, coreN)
	if err != nil {
		return nil, err
	}
	r.Core.Records = coreN
	var perCore []float64
	for i := 0; i < cfg.Repeats; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t0 = time.Now()
		for j := range recs {
			g.Group(&recs[j])
		}
		perCore = append(perCore, float64(len(recs))/time.Since(t0).Seconds())
	}
	r.Core.RecordsPerSecCore = median(perCore)
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	for j := range recs {
		g.Group(&recs[j])
	}
	runtime.ReadMemStats(&ms1)
	r.Core.AllocsPerRecord = float64(ms1.Mallocs-ms0.Mallocs) / float64(len(recs))
	r.Core.RecordsPerSecAll = parallelRate(g, recs, runtime.GOMAXPROCS(0))
	cfg.logf("core: %.0f records/s per core, %.0f on %d cores, %.3f allocs/record", r.Core.RecordsPerSecCore, r.Core.RecordsPerSecAll, runtime.GOMAXPROCS(0), r.Core.AllocsPerRecord)

	// Reference grouper on the same records.
	ref, err := reference.New(rs)
	if err != nil {
		return nil, err
	}
	sub := recs[:min(cfg.ReferenceN, len(recs))]
	r.Reference.Records = len(sub)
	t0 = time.Now()
	refRes := make([]grouper.Result, len(sub))
	for j := range sub {
		refRes[j] = ref.Group(&sub[j])
	}
	r.Reference.RecordsPerSec = float64(len(sub)) / time.Since(t0).Seconds()
	var bm []float64
	for i := 0; i < cfg.Repeats; i++ {
		t0 = time.Now()
		for j := range sub {
			g.Group(&sub[j])
		}
		bm = append(bm, float64(len(sub))/time.Since(t0).Seconds())
	}
	r.Reference.BitmapPerSec = median(bm)
	r.Reference.Ratio = r.Reference.BitmapPerSec / r.Reference.RecordsPerSec
	for j := range sub {
		a := g.Group(&sub[j])
		b := refRes[j]
		if a.DRG != b.DRG || a.Status != b.Status || a.CCLevel != b.CCLevel {
			r.Reference.Disagreements++
		}
	}
	cfg.logf("reference: %.0f records/s; bitmap %.0f records/s on the same records: %.0fx", r.Reference.RecordsPerSec, r.Reference.BitmapPerSec, r.Reference.Ratio)

	// End to end: drg group file -> file, zstd CSV in and out, as a child process.
	if cfg.DRGExe == "" {
		return r, nil
	}
	in := filepath.Join(dir, "in.csv.zst")
	if _, err := synth.WriteRecords(in, rs, cfg.Seed+2, cfg.Records, &synth.DirtyOptions{Dirty: 0.02, Invalid: 0.01}); err != nil {
		return nil, err
	}
	fi, err := os.Stat(in)
	if err != nil {
		return nil, err
	}
	r.EndToEnd.Records, r.EndToEnd.InputZstdBytes, r.EndToEnd.Workers = cfg.Records, fi.Size(), cfg.Workers
	if r.EndToEnd.InputBytes, err = uncompressedSize(in); err != nil {
		return nil, err
	}
	calc, err := pricing(rs, cfg)
	if err != nil {
		return nil, err
	}
	r.EndToEnd.Payment = calc != nil
	var priceArgs []string
	if cfg.Prices != "" {
		priceArgs = []string{"--prices", cfg.Prices}
	}
	// Each repeat runs the job with payments, then DRG only (--no-payment),
	// then measures the floor on their outputs: interleaved, so that the
	// machine's drift (these shared machines' speed varies by half from one
	// minute to the next) falls on the runs and the floor alike, and each
	// repeat gives its own ratios. Reported: the medians.
	out := filepath.Join(dir, "out.csv.zst")
	outDRG := filepath.Join(dir, "out-drg.csv.zst")
	paidOut := out
	if calc == nil {
		paidOut = ""
	}
	var secs []float64
	var floors []Floor
	for i := 0; i < cfg.Repeats; i++ {
		paid, err := runGroup(ctx, cfg.DRGExe, storeDir, info.Ref(), in, out, cfg.Workers, priceArgs...)
		if err != nil {
			return nil, err
		}
		secs = append(secs, paid.secs)
		r.EndToEnd.PeakRSSMB = max(r.EndToEnd.PeakRSSMB, paid.rss)
		cfg.logf("end to end: run %d: %.2f s, %.2f CPU-s, peak RSS %.0f MB", i+1, paid.secs, paid.cpu, paid.rss)
		drg, err := runGroup(ctx, cfg.DRGExe, storeDir, info.Ref(), in, outDRG, cfg.Workers, "--no-payment")
		if err != nil {
			return nil, err
		}
		var f Floor
		if err := measureFloor(in, outDRG, paidOut, cfg.Records, g, calc, &f); err != nil {
			return nil, err
		}
		busy, err := measureFloorBusy(runtime.GOMAXPROCS(0), in, outDRG, paidOut, cfg.Records, g, calc)
		if err != nil {
			return nil, err
		}
		paidRun := &paid
		if calc == nil {
			paidRun = nil
		}
		f.setRuns(cfg.Records, &drg, paidRun)
		busy.setRuns(cfg.Records, &drg, paidRun)
		cfg.logf("floor %d: decode %.3f + split %.3f + encode %.3f + group %.3f = %.3f CPU-µs a record (%.3f with every CPU busy); end to end %.3f (%.2fx, %.2fx busy); grouping in the pipeline %.3f (%.2fx, %.2fx busy)",
			i+1, f.DecodeUS, f.SplitUS, f.EncodeDRGUS, f.GroupUS, f.FloorDRGUS, busy.FloorDRGUS, f.EndToEndDRGUS, f.RatioDRG, busy.RatioDRG, f.PipelineGroupUS, f.GroupRatio, busy.GroupRatio)
		f.Busy = &busy
		floors = append(floors, f)
	}
	r.EndToEnd.Seconds = median(secs)
	r.EndToEnd.RecordsPerSec = float64(cfg.Records) / r.EndToEnd.Seconds
	r.EndToEnd.MBPerSec = float64(r.EndToEnd.InputBytes) / 1e6 / r.EndToEnd.Seconds
	if r.EndToEnd.OutputSHA256, err = fileSHA(out); err != nil {
		return nil, err
	}
	r.Floor = medianFloor(floors)
	busy := make([]Floor, len(floors))
	for i := range floors {
		busy[i] = *floors[i].Busy
	}
	b := medianFloor(busy)
	r.Floor.Busy = &b
	if cfg.Determinism && cfg.Workers != 1 {
		out1 := filepath.Join(dir, "out1.csv.zst")
		if _, err := runGroup(ctx, cfg.DRGExe, storeDir, info.Ref(), in, out1, 1, priceArgs...); err != nil {
			return nil, err
		}
		h, err := fileSHA(out1)
		if err != nil {
			return nil, err
		}
		same := h == r.EndToEnd.OutputSHA256
		r.EndToEnd.Deterministic = &same
	}
	return r, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func parallelRate(g *grouper.Grouper, recs []record.Record, workers int) float64 {
	done := make(chan struct{})
	t0 := time.Now()
	per := (len(recs) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, len(recs))
		go func() {
			for j := lo; j < hi; j++ {
				g.Group(&recs[j])
			}
			done <- struct{}{}
		}()
	}
	for w := 0; w < workers; w++ {
		<-done
	}
	return float64(len(recs)) / time.Since(t0).Seconds()
}

// groupRun is what runGroup measured of one `drg group` run: wall time,
// CPU time (user + system of the process), peak RSS in MB, and the run's
// own --stats-json (its grouping CPU and allocations).
type groupRun struct {
	secs, cpu, rss float64
	stats          runStats
}

// runStats is the part of `drg group --stats-json` the floor reads.
type runStats struct {
	Records         int64   `json:"records"`
	GroupCPUSeconds float64 `json:"group_cpu_seconds"`
	AllocsPerRecord float64 `json:"allocs_per_record"`
}

// runGroup runs `drg group` and measures it (groupRun).
//
// The peak is the child's VmHWM from /proc, polled while it runs: the
// rusage of a child started by Go's fork+exec also counts this process's
// resident memory at the fork (the in-memory records and the reference
// grouper), which once made the end-to-end peak look 200 MB larger than it
// was. Without /proc the rusage figure is the fallback.
func runGroup(ctx context.Context, exe, storeDir, ref, in, out string, workers int, extra ...string) (groupRun, error) {
	statsPath := out + ".stats.json"
	args := append([]string{"group", in, "--out", out, "--rules", ref, "--store", storeDir,
		"--workers", strconv.Itoa(workers), "--quiet", "--rejects", out + ".rejects.csv", "--stats-json", statsPath}, extra...)
	cmd := exec.CommandContext(ctx, exe, args...)
	// Kept for errors only: the sample policy names same-level groups the
	// synthetic rule set lacks, and its warnings would repeat on every run.
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return groupRun{}, fmt.Errorf("drg group: %w", err)
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	done := make(chan struct{})
	hwm := make(chan float64, 1)
	go func() {
		var peak float64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb, ok := readHWM(status); ok && kb/1024 > peak {
				peak = kb / 1024
			}
			select {
			case <-done:
				hwm <- peak
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	peak := <-hwm
	if err != nil {
		return groupRun{}, fmt.Errorf("drg group: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	secs := time.Since(t0).Seconds()
	if peak == 0 {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			peak = float64(ru.Maxrss) / 1024 // Linux reports KiB
		}
	}
	run := groupRun{secs: secs, cpu: (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds(), rss: peak}
	b, err := os.ReadFile(statsPath)
	if err != nil {
		return groupRun{}, fmt.Errorf("drg group --stats-json: %w", err)
	}
	if err := json.Unmarshal(b, &run.stats); err != nil {
		return groupRun{}, fmt.Errorf("drg group --stats-json: %w", err)
	}
	return run, nil
}

// pricing is the calculator the end-to-end run prices with: a stored price
// list (cfg.Prices), else the rule set's weights under the sample policy,
// a record outside its period left unpaid, as drg group does; nil when
// the rule set has no weights.
func pricing(rs *grouper.RuleSet, cfg Config) (*weights.Calculator, error) {
	if cfg.Prices != "" {
		st, err := store.Open(cfg.Store, store.Options{ReadOnly: true})
		if err != nil {
			return nil, err
		}
		defer st.Close()
		files, _, err := st.Prices(cfg.Prices)
		if err != nil {
			return nil, err
		}
		return weights.PriceListCalculator(files, rs.Name)
	}
	table, err := weights.TableFromRuleSet(rs)
	if errors.Is(err, weights.ErrNoTable) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := weights.SamplePolicy()
	if err != nil {
		return nil, err
	}
	calc, err := weights.New(p, table)
	if err != nil {
		return nil, err
	}
	return calc.UnpaidOutsidePeriod(), nil
}

// readHWM returns the VmHWM line of a /proc/PID/status file, in KiB.
func readHWM(path string) (float64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb, err == nil
		}
	}
	return 0, false
}

func uncompressedSize(path string) (int64, error) {
	rd, err := record.Open(path, record.Options{NoDuplicateCheck: true})
	if err != nil {
		return 0, err
	}
	defer rd.Close()
	var rec record.Record
	for {
		err := rd.Read(&rec)
		if err == io.EOF {
			break
		}
		if _, ok := err.(*record.Error); err != nil && !ok {
			return 0, err
		}
	}
	return rd.Stats().Bytes, nil
}

func fileSHA(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// medianFloor is the median of each of fs's figures (the ratios the
// medians of each repeat's own, not ratios of medians).
func medianFloor(fs []Floor) Floor {
	m := Floor{Records: fs[0].Records}
	v := make([]float64, len(fs))
	for k, p := range m.figures() {
		for i := range fs {
			v[i] = *fs[i].figures()[k]
		}
		*p = median(v)
	}
	return m
}
