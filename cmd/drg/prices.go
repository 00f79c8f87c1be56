package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/medpay/drg/grouper/store"
	"github.com/medpay/drg/weights"
	"github.com/medpay/drg/weights/citylist"
)

func pricesImport(ctx context.Context, e *env, args []string) error {
	c := &command{name: "prices import", usage: "FILE|DIR --rules RULESET --name NAME --region TEXT --valid-from DATE [flags]",
		summary: "Import a price list into the store, versioned like a rule set: a city's published DRG price list (CSV with its\nChinese header: the tongchuan, jilin, lanzhou and suzhou layouts), or a directory holding weights.tsv and\npolicy.json. Rows that cannot be priced (a blank RW, a group the rule set lacks) are reported with their\nline; every published standard is priced again and a standard not reproduced to the cent is reported."}
	fl := newFlags(e, c)
	rules := fl.String("rules", "", "the rule set whose groups the list prices, a stored NAME[@REVISION] or a directory of tables (required)")
	name := fl.String("name", "", "name to store the price list under (required)")
	region := fl.String("region", "", "whose price list, e.g. '吉林 2022' (required for a published list)")
	validFrom := fl.String("valid-from", "", "first discharge date the price list is in force, YYYY-MM-DD (required for a published list)")
	validTo := fl.String("valid-to", "", "last discharge date the price list is in force, YYYY-MM-DD (default: open)")
	insured := fl.String("insured", "", "the insurance fund of a list with one standard per class (tongchuan): employee (职工) or resident (居民)")
	tcmFactor := fl.Float64("tcm-factor", 0, "the uplift factor of a list's 中医优势病组 (suzhou), which the table flags without a factor (default 1: listed, no uplift)")
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
	if fi, err := os.Stat(pos[0]); err == nil && fi.IsDir() {
		// The project's own format: weights.tsv and policy.json.
		files = map[string][]byte{}
		for _, f := range []string{weights.TableFile, weights.PolicyFile} {
			if files[f], err = os.ReadFile(filepath.Join(pos[0], f)); err != nil {
				return err
			}
		}
		calc, err := weights.PriceListCalculator(files, rs.Name)
		if err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
		p := calc.Policy()
		info.Description, info.ValidFrom, info.ValidTo = p.Region, p.ValidFrom, p.ValidTo
	} else {
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
	dir, err := storeDir(dirFlag.dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return tw.Flush()
	}
	st, err := dirFlag.open(dir, true)
	if err != nil {
		return err
	}
	defer st.Close()
	infos, err := st.ListPrices()
	if err != nil {
		return err
	}
	for _, i := range infos {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", i.Name, i.Revision, i.RuleSet, i.Period(), i.Version, i.Imported.Format(time.DateTime), i.Description)
	}
	return tw.Flush()
}
