package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	reportpkg "github.com/medpay/drg/grouper/report"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/grouper/store"
	"github.com/medpay/drg/weights"
	"github.com/medpay/drg/weights/calibrate"
	"github.com/medpay/drg/weights/citylist"
)

func pricesImport(ctx context.Context, e *env, args []string) error {
	c := &command{name: "prices import", usage: "FILE|DIR --rules RULESET --name NAME --valid-from DATE [flags]",
		summary: "Import a price list into the store, versioned like a rule set: a city's published DRG price list (CSV with its\nChinese header: the tongchuan, jilin, lanzhou and suzhou layouts), a directory holding weights.tsv and\npolicy.json, or a weights.tsv (as drg prices calibrate writes it) with --policy. Rows that cannot be priced (a blank RW, a group the rule set lacks) are reported with their\nline; every published standard is priced again and a standard not reproduced to the cent is reported."}
	fl := newFlags(e, c)
	rules := fl.String("rules", "", "the rule set whose groups the list prices, a stored NAME[@REVISION] or a directory of tables (required)")
	name := fl.String("name", "", "name to store the price list under (required)")
	region := fl.String("region", "", "whose price list, e.g. '吉林 2022' (default: --name)")
	validFrom := fl.String("valid-from", "", "first discharge date the price list is in force, YYYY-MM-DD (required for a published list)")
	validTo := fl.String("valid-to", "", "last discharge date the price list is in force, YYYY-MM-DD (default: open)")
	insured := fl.String("insured", "", "the insurance fund of a list with one standard per class (tongchuan): employee (职工) or resident (居民)")
	tcmFactor := fl.Float64("tcm-factor", 0, "the uplift factor of a list's 中医优势病组 (suzhou), which the table flags without a factor (default 1: listed, no uplift)")
	policyFile := fl.String("policy", "", "with FILE a weight table (weights.tsv, as drg prices calibrate writes it): the policy JSON that prices it")
	highRatio := fl.Float64("high-ratio", 0, "the share of the cost above a list's high threshold that is paid on top of the standard (jilin publishes the thresholds only; default 0)")
	dirFlag := storeFlag(fl)
	pos, err := parseFlags(e, fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *rules == "" || *name == "" {
		fl.Usage()
		return errUsage
	}
	valid, err := parsePeriod(*validFrom, *validTo)
	if err != nil {
		return err
	}
	sf := *dirFlag
	g, err := loadGrouper(*rules, sf)
	if err != nil {
		return err
	}
	rs := g.RuleSet()
	start := time.Now()
	var files map[string][]byte
	info := store.Info{Name: *name, RuleSet: rs.Name}
	where := func(tableLine int) string { return fmt.Sprintf("%s line %d", weights.TableFile, tableLine) }
	if fi, err := os.Stat(pos[0]); err == nil && (fi.IsDir() || *policyFile != "") {
		// The project's own format: weights.tsv and policy.json, in a
		// directory or named one by one.
		tablePath, polPath := filepath.Join(pos[0], weights.TableFile), filepath.Join(pos[0], weights.PolicyFile)
		if !fi.IsDir() {
			tablePath, polPath = pos[0], *policyFile
		}
		files = map[string][]byte{}
		for f, path := range map[string]string{weights.TableFile: tablePath, weights.PolicyFile: polPath} {
			if files[f], err = os.ReadFile(path); err != nil {
				return err
			}
		}
		calc, err := weights.PriceListCalculator(files, "")
		if err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
		p := calc.Policy()
		if p.RuleSet != "" && p.RuleSet != rs.Name {
			return fmt.Errorf("%s: %w: its policy prices %s, not %s", pos[0], weights.ErrWrongRuleSet, p.RuleSet, rs.Name)
		}
		info.Description, info.ValidFrom, info.ValidTo = p.Region, p.ValidFrom, p.ValidTo
		// The stored list names the rule set it prices, whether or not the
		// policy file did, so that no run can use it with another.
		if p.RuleSet == "" {
			bound := *p
			bound.RuleSet = rs.Name
			if files, err = weights.PriceListFiles(files[weights.TableFile], &bound); err != nil {
				return err
			}
		}
	} else {
		if valid.From == 0 {
			return fmt.Errorf("%s: a published price list says nothing of when it is in force: give --valid-from YYYY-MM-DD (and --valid-to)", pos[0])
		}
		if *region == "" {
			*region = *name
		}
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		conv, err := citylist.Convert(f, citylist.Options{Region: *region, RuleSet: rs.Name, Valid: valid,
			Insured: *insured, TCMFactor: *tcmFactor, HighRatio: *highRatio})
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
		for _, p := range conv.Problems {
			if p.Line > 0 {
				fmt.Fprintf(e.stderr, "%s:%d: %s: not priced: %s\n", pos[0], p.Line, p.Group, p.Reason)
			} else {
				fmt.Fprintf(e.stderr, "%s: note: %s\n", pos[0], p.Reason)
			}
		}
		bad, err := conv.Check()
		if err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
		for _, p := range bad {
			fmt.Fprintf(e.stderr, "%s:%d: %s: warning: does not reproduce the published standard: %s\n", pos[0], p.Line, p.Group, p.Reason)
		}
		where = func(tableLine int) string {
			if i := tableLine - 2; i >= 0 && i < len(conv.SourceLines) {
				return fmt.Sprintf("%s:%d", pos[0], conv.SourceLines[i])
			}
			return pos[0]
		}
		if files, err = weights.PriceListFiles(conv.Table, conv.Policy); err != nil {
			return err
		}
		info.Description, info.Version = *region, conv.Layout
		info.ValidFrom, info.ValidTo = valid.From.String(), valid.To.String()
		fmt.Fprintf(e.stderr, "%s: %s layout, %d published standards checked, %d not reproduced\n", pos[0], conv.Layout, len(conv.Standards), len(bad))
	}
	calc, err := weights.PriceListCalculator(files, rs.Name)
	if err != nil {
		return err
	}
	// Rows for groups the rule set does not have are never used: say so,
	// naming each, as rules import does for a rule set's own weights.
	unused := 0
	for _, r := range calc.Table().Unreachable(rs) {
		fmt.Fprintf(e.stderr, "%s: %s: not priced: %s group %s is not a group of %s\n", where(r.Line), r.Group, r.Scheme, r.Group, rs.Name)
		unused++
	}
	dir, err := storeDir(sf.dir)
	if err != nil {
		return err
	}
	st, err := sf.open(dir, false)
	if err != nil {
		return err
	}
	defer st.Close()
	info, err = st.PutPrices(files, info)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported price list %s@%d for %s, in force %s: %d groups listed, %d of them not groups of %s (never used), in %s\n",
		info.Name, info.Revision, rs.Name, store.Info{ValidFrom: info.ValidFrom, ValidTo: info.ValidTo}.Period(), calc.Table().Len(), unused, rs.Name,
		time.Since(start).Round(time.Millisecond))
	return nil
}

func pricesList(ctx context.Context, e *env, args []string) error {
	c := &command{name: "prices list", usage: "[--store DIR]", summary: "List every price list and revision in the store."}
	fl := newFlags(e, c)
	dirFlag := storeFlag(fl)
	if _, err := parseFlags(e, fl, args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tREVISION\tRULE SET\tIN FORCE\tLAYOUT\tIMPORTED\tREGION")
	infos, err := listStore(*dirFlag, (*store.Store).ListPrices)
	if err != nil {
		return err
	}
	for _, i := range infos {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", i.Name, i.Revision, i.RuleSet, i.Period(), i.Version, i.Imported.Format(time.DateTime), i.Description)
	}
	return tw.Flush()
}

func pricesCalibrate(ctx context.Context, e *env, args []string) error {
	c := &command{name: "prices calibrate", usage: "GROUPED... --out weights.tsv [flags]",
		summary: "Derive each group's relative weight (DRG) or score (DIP) from a region's historical costs (权重测算): GROUPED\nare files 'drg group --costs' wrote. Cases are trimmed per group (--trim), a group with fewer than\n--min-cases kept cases takes its ADRG's pooled mean (or is flagged thin), RW = group mean / mean of all\nkept cases (or / --base). Prints per group the cases kept and trimmed, the mean and CV (flagging CV >= 1),\nand the scheme's RIV and CMI. Reads every file twice, keeping memory by groups, not cases. The weights\nfile imports as a price list: drg prices import DIR (with a policy.json beside it)."}
	fl := newFlags(e, c)
	out := fl.String("out", "", "write the weight table here (weights.tsv format) (required)")
	scheme := fl.String("scheme", "drg", "drg: weights of the drg column; dip: scores of the dip_group column")
	trim := fl.String("trim", calibrate.TrimMean, "trimming rule: mean (keep --low to --high times the group mean), sd (the mean minus --low to plus --high SDs), percentile (the --low-th to --high-th percentile, to within 0.5%), none")
	low := fl.Float64("low", 0.1, "lower trimming bound (see --trim)")
	high := fl.Float64("high", 3, "upper trimming bound (see --trim)")
	minCases := fl.Int("min-cases", 5, "fewest kept cases for a group's own mean; thinner groups take their ADRG's pooled mean when it has enough, else their own, flagged thin")
	base := fl.Float64("base", 0, "the cost of weight 1 in yuan (default: the mean of all kept cases, so the CMI is 1); for DIP scores, the yuan of one point")
	report := fl.String("report", "", "also write the per-group statistics here as CSV")
	var rf reportFlags
	fl.StringVar(&rf.html, "html", "", "also write a self-contained HTML report of the calibration (CV per group, RIV, CMI): Chinese, English with --lang en")
	fl.StringVar(&rf.summaryJSON, "summary-json", "", "also write the calibration summary as JSON ('drg report' puts it beside a run's report)")
	fl.StringVar(&rf.lang, "lang", "", "language of the HTML report: zh (default) or en")
	pos, err := parseFlags(e, fl, args)
	if err != nil {
		return err
	}
	if err := rf.parse(); err != nil {
		return err
	}
	if len(pos) == 0 || *out == "" {
		fl.Usage()
		return errUsage
	}
	if err := checkOutputs(pos, *out, *report, rf.html, rf.summaryJSON); err != nil {
		return err
	}
	column := map[string]string{"drg": "drg", "dip": "dip_group"}[*scheme]
	if column == "" {
		return fmt.Errorf("--scheme %q is not drg or dip", *scheme)
	}
	lowSet := false
	fl.Visit(func(f *flag.Flag) { lowSet = lowSet || f.Name == "low" || f.Name == "high" })
	if *trim == calibrate.TrimPercentile && !lowSet {
		*low, *high = 2.5, 97.5
	}
	cal, err := calibrate.New(calibrate.Options{Trim: *trim, Low: *low, High: *high, MinCases: *minCases, Base: *base})
	if err != nil {
		return err
	}
	for pass := 0; pass < 2; pass++ {
		for _, f := range pos {
			if err := ctx.Err(); err != nil {
				return err
			}
			r, err := record.OpenFile(f)
			if err != nil {
				return err
			}
			err = calibrate.ReadCases(r, column, cal.Observe)
			r.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
		}
		if pass == 0 {
			if err := cal.EndPass(); err != nil {
				return err
			}
		}
	}
	res, err := cal.Result()
	if err != nil {
		return err
	}
	o, err := batch.CreateOutput(*out, outputOptions(e))
	if err != nil {
		return err
	}
	defer o.Abort()
	if err := res.WriteTable(o, *scheme); err != nil {
		return err
	}
	if err := o.Commit(); err != nil {
		return err
	}
	if *report != "" {
		if err := writeCalibrationReport(e, *report, res); err != nil {
			return err
		}
	}
	printCalibration(e.stdout, res)
	return rf.write(e, &reportpkg.Summary{Inputs: pos, Calibration: reportpkg.FromCalibration(res)})
}

func printCalibration(w io.Writer, res *calibrate.Result) {
	heterogeneous, thin := 0, 0
	for _, g := range res.Groups {
		if !g.Homogeneous {
			heterogeneous++
		}
		if g.Fallback != "" {
			thin++
		}
	}
	fmt.Fprintf(w, "cases        %d usable (%d kept, %d trimmed), %d without a group or cost\n", res.Cases, res.Kept, res.Cases-res.Kept, res.Unusable)
	fmt.Fprintf(w, "groups       %d; %d with CV >= 1 (not homogeneous); %d thin (fewer kept cases than --min-cases)\n", len(res.Groups), heterogeneous, thin)
	fmt.Fprintf(w, "base         %.2f yuan for weight 1\n", res.Base)
	fmt.Fprintf(w, "RIV          %.4f\nCMI          %.4f\n\n", res.RIV, res.CMI)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "group\tcases\tkept\ttrimmed\tmean\tCV\tweight\tnote\t")
	for _, g := range res.Groups {
		note := g.Fallback
		if !g.Homogeneous {
			note = strings.TrimPrefix(note+" CV>=1", " ")
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.2f\t%.3f\t%.4f\t%s\t\n", g.Code, g.Cases, g.Kept, g.Trimmed, g.Mean, g.CV, g.Weight, note)
	}
	tw.Flush()
}

func writeCalibrationReport(e *env, path string, res *calibrate.Result) error {
	o, err := batch.CreateOutput(path, outputOptions(e))
	if err != nil {
		return err
	}
	defer o.Abort()
	w := csv.NewWriter(o)
	w.Write([]string{"group", "cases", "kept", "trimmed", "low", "high", "mean", "cv", "weight", "fallback", "homogeneous"})
	for _, g := range res.Groups {
		w.Write([]string{g.Code, strconv.Itoa(g.Cases), strconv.Itoa(g.Kept), strconv.Itoa(g.Trimmed),
			strconv.FormatFloat(g.Low, 'f', 2, 64), strconv.FormatFloat(g.High, 'f', 2, 64), strconv.FormatFloat(g.Mean, 'f', 2, 64),
			strconv.FormatFloat(g.CV, 'f', 4, 64), strconv.FormatFloat(g.Weight, 'f', 4, 64), g.Fallback, strconv.FormatBool(g.Homogeneous)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return o.Commit()
}
