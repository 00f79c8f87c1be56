package record

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is a record file layout.
type Format int

// The record file formats.
const (
	// FormatAuto picks the format from the file name (Open, Create) or, for a
	// Reader, from the content: a first character '{' means JSONL, a header
	// with more tabs than commas TSV, anything else CSV. A Writer given
	// FormatAuto writes CSV.
	FormatAuto Format = iota
	// FormatCSV is comma-separated values with a header row and RFC 4180
	// quoting: a field that starts with a quote may hold separators, line
	// breaks and doubled quotes. A quote inside an unquoted field is taken
	// literally.
	FormatCSV
	// FormatTSV is tab-separated values with a header row. Fields may be
	// quoted as in CSV, which writers of plain TSV never need.
	FormatTSV
	// FormatJSONL is one JSON object per line, keyed by column name.
	FormatJSONL
)

// String returns the format's name, as used on the command line.
func (f Format) String() string {
	switch f {
	case FormatAuto:
		return "auto"
	case FormatCSV:
		return "csv"
	case FormatTSV:
		return "tsv"
	case FormatJSONL:
		return "jsonl"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat returns the Format named s ("auto", "csv", "tsv", "jsonl" or
// "ndjson"; case-insensitive).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return FormatAuto, nil
	case "csv":
		return FormatCSV, nil
	case "tsv":
		return FormatTSV, nil
	case "jsonl", "ndjson":
		return FormatJSONL, nil
	}
	return FormatAuto, fmt.Errorf("record: unknown format %q (want auto, csv, tsv or jsonl)", s)
}

// FormatOf returns the format a file name implies, looking through a final
// `.zst` or `.gz`: `a.csv.zst` and `a.csv.gz` are CSV. Unknown extensions
// give FormatAuto.
func FormatOf(path string) Format {
	path = strings.ToLower(path)
	if p, ok := strings.CutSuffix(path, ".zst"); ok {
		path = p
	} else {
		path = strings.TrimSuffix(path, ".gz")
	}
	switch filepath.Ext(path) {
	case ".csv":
		return FormatCSV
	case ".tsv", ".tab":
		return FormatTSV
	case ".jsonl", ".ndjson":
		return FormatJSONL
	}
	return FormatAuto
}

// isZstdPath reports whether path names a zstd-compressed file.
func isZstdPath(path string) bool { return strings.HasSuffix(strings.ToLower(path), ".zst") }

// isGzipPath reports whether path names a gzip-compressed file.
func isGzipPath(path string) bool { return strings.HasSuffix(strings.ToLower(path), ".gz") }

// Options configures a Reader. The zero value reads UTF-8 with the format
// detected, keeps no extra columns and rejects duplicate ids.
type Options struct {
	// Format of the input; FormatAuto detects it (see FormatAuto).
	Format Format

	// Encoding of the input text: "" or "utf-8" (the default), "gbk",
	// "gb2312" or "gb18030" (all three decoded as GB18030, their superset),
	// or "auto": GB18030 when the first EncodingSniffBytes of text are
	// well-formed GB18030 and have more lines that are not UTF-8 than lines
	// of UTF-8 Chinese, else UTF-8. The choice holds for the whole input
	// (Reader.Encoding), so a GBK file is never read partly as UTF-8, and
	// one stray GBK record in a UTF-8 file is rejected rather than turning
	// the file to GB18030. Case-insensitive.
	Encoding string

	// KeepColumns names input columns whose raw (trimmed) values the Reader
	// copies into Record.Extra, in this order. Each must exist in a CSV or TSV
	// header; in JSONL a missing key gives "".
	KeepColumns []string

	// ColumnNames maps a local export's column names (CSV and TSV header
	// names, JSON keys) to standard column names, or to "-" for a column
	// that is none (one named like a standard column it does not hold). It
	// is consulted before the standard names and their built-in aliases
	// (the package doc lists them), and matches names as they do: case,
	// spaces and full-width brackets aside. ParseColumnMap reads one from
	// a file. A standard name that does not exist fails NewReader,
	// wrapping ErrColumnMap.
	ColumnNames map[string]string

	// NoDuplicateCheck turns off Read's duplicate-id check and its memory
	// (about 10-20 bytes per accepted record), for inputs known to be
	// unique. Callers of ReadChunk keep their own IDSet, which can bound its
	// memory (NewIDSet); DuplicateCheck tells them whether to.
	NoDuplicateCheck bool

	// RejectUnknownFields rejects a JSON Lines record with a key that is
	// neither a record column nor one of KeepColumns (ErrUnknownColumn,
	// naming the key), where a file reader ignores it: for a service, whose
	// callers' misspelt fields must not pass silently.
	RejectUnknownFields bool

	// IDs, when set, is the duplicate-id check's set in place of the
	// Reader's own: Readers over several inputs that share one reject an id
	// repeated from an earlier input too, and an IDSet can bound its memory.
	// Read adds accepted ids to it; a pipeline reading with ReadChunk gets
	// it from Reader.IDs. An IDSet is not safe for concurrent use: Readers
	// sharing one read one after another. The caller closes it. Ignored
	// with NoDuplicateCheck.
	IDs *IDSet
}

// column is a standard record column, in the canonical (DOMAIN.md) order.
type column uint8

const (
	colID column = iota
	colHospitalID
	colHospitalLevel
	colHospitalKind
	colSex
	colAgeYears
	colAgeDays
	colBirthWeight
	colAdmitDate
	colDischargeDate
	colLOS
	colDischargeMethod
	colPrincipalDx
	colSecondaryDx
	colTCMPrincipalDx
	colTCMSyndrome
	colProcedures
	colVentHours
	colTotalCost
	colTCMCost
	colDayWard
	numColumns
)

var columnNames = [numColumns]string{
	colID:              "id",
	colHospitalID:      "hospital_id",
	colHospitalLevel:   "hospital_level",
	colHospitalKind:    "hospital_kind",
	colSex:             "sex",
	colAgeYears:        "age_years",
	colAgeDays:         "age_days",
	colBirthWeight:     "birth_weight_g",
	colAdmitDate:       "admit_date",
	colDischargeDate:   "discharge_date",
	colLOS:             "los_days",
	colDischargeMethod: "discharge_method",
	colPrincipalDx:     "principal_dx",
	colSecondaryDx:     "secondary_dx",
	colTCMPrincipalDx:  "tcm_principal_dx",
	colTCMSyndrome:     "tcm_syndrome",
	colProcedures:      "procedures",
	colVentHours:       "vent_hours",
	colTotalCost:       "total_cost",
	colTCMCost:         "tcm_cost",
	colDayWard:         "day_ward",
}

func (c column) String() string { return columnNames[c] }

// StandardColumns returns the names of the columns a Reader understands, in
// the order a Writer writes them. The slice is the caller's.
func StandardColumns() []string { return append([]string(nil), columnNames[:]...) }

// ListSeparator separates the items of a list column (secondary_dx,
// procedures) in CSV and TSV, and in JSONL when a list is given as a string.
const ListSeparator = '|'
