package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

func explainCmd(ctx context.Context, e *env, args []string) error {
	c := &command{name: "explain", usage: "[--json LINE | --pdx CODE ...] [--rules NAME]", summary: "Group one record and print its trace: the TCM mapping, each code the rule set does not\nknow (or knows only by its category), each secondary diagnosis counted or excluded as CC/MCC,\neach MDC and ADRG condition tried and why it held or failed, the DRG split, and the DIP group.\nThe record comes from --json (one JSON line with the record's field names), from standard\ninput when --json is '-', or from the field flags."}
	fl := newFlags(e, c)
	jsonLine := fl.String("json", "", "the record as one JSON object (field names as in the record format); '-' reads it from standard input")
	rules := fl.String("rules", "", "rule set: stored NAME[@REVISION] or a table directory (default: embedded SAMPLE)")
	storeDirFlag := storeFlag(fl)
	scheme := fl.String("scheme", "both", "scheme to explain: drg, dip or both (dip needs a DIP catalogue)")
	fields := map[string]*string{}
	for _, f := range []struct{ name, help string }{
		{"id", "record id"}, {"pdx", "principal diagnosis (ICD-10)"}, {"sdx", "secondary diagnoses, '|'-separated"},
		{"proc", "procedures, '|'-separated; the first is the main one"}, {"tcm", "TCM principal diagnosis"},
		{"syndrome", "TCM syndrome"}, {"sex", "1 male, 2 female, 9 unknown"}, {"age", "age in years"},
		{"age-days", "age in days (infants)"}, {"weight", "birth weight in grams"}, {"vent", "ventilation hours"},
		{"discharge", "discharge method 1-5, 9"}, {"los", "length of stay in days"},
	} {
		fields[f.name] = fl.String(f.name, "", f.help)
	}
	if _, err := parseFlags(e, fl, args); err != nil {
		return err
	}
	line := *jsonLine
	if line == "-" {
		b, err := io.ReadAll(e.stdin)
		if err != nil {
			return err
		}
		line = strings.TrimSpace(string(b))
	}
	if line == "" {
		obj := map[string]string{"id": "explain"}
		keys := map[string]string{"id": "id", "pdx": "principal_dx", "sdx": "secondary_dx", "proc": "procedures", "tcm": "tcm_principal_dx",
			"syndrome": "tcm_syndrome", "sex": "sex", "age": "age_years", "age-days": "age_days", "weight": "birth_weight_g",
			"vent": "vent_hours", "discharge": "discharge_method", "los": "los_days"}
		for flagName, v := range fields {
			if *v != "" {
				obj[keys[flagName]] = *v
			}
		}
		if obj["principal_dx"] == "" && obj["tcm_principal_dx"] == "" {
			fl.Usage()
			return errUsage
		}
		b, _ := json.Marshal(obj)
		line = string(b)
	}
	rd, err := record.NewReader(strings.NewReader(line+"\n"), record.Options{Format: record.FormatJSONL})
	if err != nil {
		return err
	}
	var rec record.Record
	if err := rd.Read(&rec); err != nil {
		var bad *record.Error
		if errors.As(err, &bad) {
			return fmt.Errorf("record rejected: %w", bad)
		}
		return err
	}
	g, err := loadGrouper(*rules, *storeDirFlag)
	if err != nil {
		return err
	}
	rs := g.RuleSet()
	sc, err := grouper.ParseScheme(*scheme)
	if err != nil {
		return err
	}
	if !g.HasDIP() {
		sc &^= grouper.SchemeDIP
	}
	if sc == 0 {
		return fmt.Errorf("rule set %s has no DIP catalogue", rs.Name)
	}
	res := g.GroupScheme(&rec, sc, new(grouper.Trace))
	fmt.Fprintf(e.stdout, "record %s under %s %s\n\n", rec.ID, rs.Name, rs.Version)
	fmt.Fprint(e.stdout, res.Trace.String())
	fmt.Fprintln(e.stdout)
	if sc&grouper.SchemeDRG != 0 {
		fmt.Fprintf(e.stdout, "DRG  %s%s  (status %s", res.DRG, named(g.Name(res.DRG)), res.Status)
		if res.Reason != "" {
			fmt.Fprintf(e.stdout, ", reason %s", res.Reason)
		}
		fmt.Fprintf(e.stdout, "; MDC %s%s, ADRG %s%s)\n", res.MDC, named(g.Name(res.MDC)), res.ADRG, named(g.Name(res.ADRG)))
	}
	fmt.Fprintf(e.stdout, "principal %s", res.PrincipalDx)
	if res.TCMSource != "" {
		fmt.Fprintf(e.stdout, " (from TCM %s, mapping line %d)", res.TCMSource, res.TCMLine)
	}
	fmt.Fprintf(e.stdout, "; complication level %s", res.CCLevel)
	if res.CCCode != "" {
		fmt.Fprintf(e.stdout, " set by %s", res.CCCode)
	}
	fmt.Fprintln(e.stdout)
	if sc&grouper.SchemeDIP != 0 {
		if res.DIP.Group != "" {
			fmt.Fprintf(e.stdout, "DIP  %s%s  (%s, score %g, severity %s)\n", res.DIP.Group, named(g.DIPName(res.DIP.Group)), res.DIP.Kind, res.DIP.Score, res.DIP.Severity)
		} else {
			fmt.Fprintf(e.stdout, "DIP  none (%s)\n", res.DIP.Reason)
		}
	}
	return nil
}

// named returns " name" for a name, "" for none: the name printed after its code.
func named(name string) string {
	if name == "" {
		return ""
	}
	return " " + name
}
