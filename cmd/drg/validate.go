package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/record"
)

func validateCmd(ctx context.Context, e *env, args []string) error {
	c := &command{name: "validate", usage: "FILE... [--rejects FILE]", summary: "Read record files, normalise every code and validate every record, without grouping.\nPrints records / accepted / rejected per file; rejected records go to --rejects with line, id,\nfield, reason and the original line. '-' reads standard input."}
	fl := newFlags(e, c)
	rejPath := fl.String("rejects", "", "write rejected records here (CSV: line,id,field,reason,message,original; .zst compresses), once every input has been read; default: not written, only counted")
	encoding := fl.String("encoding", "auto", encodingHelp)
	inFormat := fl.String("input-format", "", "input format: csv, tsv or jsonl (default: from each file's extension, else from its first line: { for JSON lines, more tabs than commas for TSV)")
	var columns string
	registerColumnsFlag(fl, &columns)
	files, err := parseFlags(e, fl, args)
	if err != nil {
		return err
	}
	columnMap, err := readColumnMap(columns)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fl.Usage()
		return errUsage
	}
	var rejects *record.RejectWriter
	var rejFile *outputFile
	if *rejPath != "" {
		if err := checkOutputs(files, *rejPath); err != nil {
			return err
		}
		// The rejects appear only when every input has been read.
		if rejFile, err = createOutputFile(e, *rejPath); err != nil {
			return err
		}
		defer rejFile.abort()
		rejects = record.NewRejectWriter(rejFile)
	}
	// One duplicate-id check over every input, as drg group does.
	ids := batch.NewIDSet(batch.Options{})
	defer ids.Close()
	var total record.Stats
	for _, path := range files {
		opts := record.Options{Encoding: *encoding, IDs: ids, ColumnNames: columnMap}
		if rejects != nil && len(files) > 1 {
			if err := rejects.SetFile(path); err != nil {
				return err
			}
		}
		if *inFormat != "" {
			if opts.Format, err = record.ParseFormat(*inFormat); err != nil {
				return err
			}
		}
		rd, err := openInput(e, path, opts)
		if err != nil {
			return err
		}
		var rec record.Record
		for {
			if err := ctx.Err(); err != nil {
				rd.Close()
				return err
			}
			err := rd.Read(&rec)
			if err == io.EOF {
				break
			}
			var bad *record.Error
			if errors.As(err, &bad) {
				if rejects != nil {
					if err := rejects.Write(bad); err != nil {
						rd.Close()
						return err
					}
				}
				continue
			}
			if err != nil {
				rd.Close()
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		st := rd.Stats()
		rd.Close()
		fmt.Fprintf(e.stdout, "%s: %d records, %d accepted, %d rejected\n", path, st.Records, st.Accepted, st.Rejected)
		total.Records += st.Records
		total.Accepted += st.Accepted
		total.Rejected += st.Rejected
	}
	if len(files) > 1 {
		fmt.Fprintf(e.stdout, "total: %d records, %d accepted, %d rejected\n", total.Records, total.Accepted, total.Rejected)
	}
	if rejects != nil {
		if err := rejects.Flush(); err != nil {
			return err
		}
		if err := rejFile.commit(); err != nil {
			return err
		}
	}
	return nil
}
