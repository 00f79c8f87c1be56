package codes

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
)

//go:embed tcm_sample.csv
var sampleTCMMap string

// TCMMapping is one row of a TCM -> Western mapping table.
type TCMMapping struct {
	Disease  string // TCM disease code
	Syndrome string // TCM syndrome code; "" marks the disease's default row
	Western  string // ICD-10 医保版 diagnosis code used for grouping
	Note     string // free text from the table
	Line     int    // 1-based line in the source table, for audit trails
}

// TCMMap converts TCM diagnoses to Western ICD-10 codes.
//
// A row with a syndrome applies to that disease-syndrome pair; the row with a
// blank syndrome is the disease's default, used when the record has no
// syndrome or one the table does not list. A TCMMap is immutable once parsed
// and safe for concurrent use; Map does not allocate.
type TCMMap struct {
	diseases *Dict
	rows     []TCMMapping // sorted by (disease ID, syndrome); defaults first
	first    []int32      // first[diseaseID] = index of its first row
}

// DefaultTCMMap returns the embedded sample mapping table. It is a sample for
// demos and tests, not an official mapping.
func DefaultTCMMap() *TCMMap {
	m, err := ParseTCMMap(strings.NewReader(sampleTCMMap))
	if err != nil {
		panic("codes: embedded TCM sample is invalid: " + err.Error())
	}
	return m
}

// ParseTCMMap reads a mapping table in CSV form: lines starting with '#' are
// comments, then a header row `tcm_disease,tcm_syndrome,western_dx[,note]`,
// then one row per mapping. Codes are normalised; a row with an invalid code,
// a duplicate key or a missing Western code is an error that names its line.
func ParseTCMMap(r io.Reader) (*TCMMap, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("tcm map: header: %w", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // spreadsheet exports start with a BOM
	}
	want := []string{"tcm_disease", "tcm_syndrome", "western_dx"}
	if len(header) < 3 || !slices.Equal(header[:3], want) {
		line, _ := cr.FieldPos(0)
		for i := range min(len(header), 3) {
			if header[i] != want[i] {
				return nil, fmt.Errorf("tcm map: line %d: column %d of the header is %q, want %q", line, i+1, header[i], want[i])
			}
		}
		return nil, fmt.Errorf("tcm map: line %d: header is %q, want %q", line, header, append(want, "note"))
	}
	var rows []TCMMapping
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("tcm map: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < 3 {
			return nil, fmt.Errorf("tcm map: line %d: want at least 3 columns, got %d", line, len(rec))
		}
		row := TCMMapping{Line: line}
		if row.Disease, err = Normalize(SystemTCMDisease, rec[0]); err != nil {
			return nil, fmt.Errorf("tcm map: line %d: column tcm_disease: %w", line, err)
		}
		if strings.TrimSpace(rec[1]) != "" {
			if row.Syndrome, err = Normalize(SystemTCMSyndrome, rec[1]); err != nil {
				return nil, fmt.Errorf("tcm map: line %d: column tcm_syndrome: %w", line, err)
			}
		}
		if row.Western, err = Normalize(SystemDiagnosis, rec[2]); err != nil {
			return nil, fmt.Errorf("tcm map: line %d: column western_dx: %w", line, err)
		}
		if len(rec) > 3 {
			row.Note = rec[3]
		}
		rows = append(rows, row)
	}
	return NewTCMMap(rows)
}

// NewTCMMap builds a mapping from rows whose codes are canonical. It copies
// rows; a duplicate disease-syndrome key is an error naming both lines.
func NewTCMMap(rows []TCMMapping) (*TCMMap, error) {
	rows = slices.Clone(rows)
	m := &TCMMap{diseases: NewDict(SystemTCMDisease)}
	for _, r := range rows {
		m.diseases.Intern(r.Disease)
	}
	slices.SortStableFunc(rows, func(a, b TCMMapping) int {
		ia, _ := m.diseases.Lookup(a.Disease)
		ib, _ := m.diseases.Lookup(b.Disease)
		if ia != ib {
			return int(ia) - int(ib)
		}
		return strings.Compare(a.Syndrome, b.Syndrome)
	})
	m.first = make([]int32, m.diseases.Len()+2)
	for i := range m.first {
		m.first[i] = int32(len(rows))
	}
	for i := len(rows) - 1; i >= 0; i-- {
		id, _ := m.diseases.Lookup(rows[i].Disease)
		m.first[id] = int32(i)
		if i > 0 && rows[i-1].Disease == rows[i].Disease && rows[i-1].Syndrome == rows[i].Syndrome {
			return nil, fmt.Errorf("tcm map: line %d: duplicate of line %d (%s %s)", rows[i].Line, rows[i-1].Line, rows[i].Disease, rows[i].Syndrome)
		}
	}
	m.rows = rows
	return m, nil
}

// Rows returns the mapping rows in lookup order. The slice must not be modified.
func (m *TCMMap) Rows() []TCMMapping { return m.rows }

// Map converts a canonical TCM disease code and optional syndrome code. It
// returns the row that decided: the exact disease-syndrome row, else the
// disease's default row. ok is false when the disease is not in the table or
// has neither a matching syndrome row nor a default.
func (m *TCMMap) Map(disease, syndrome string) (row *TCMMapping, ok bool) {
	id, found := m.diseases.Lookup(disease)
	if !found {
		return nil, false
	}
	var def *TCMMapping
	for i := int(m.first[id]); i < len(m.rows) && m.rows[i].Disease == disease; i++ {
		r := &m.rows[i]
		switch r.Syndrome {
		case "":
			def = r
		case syndrome:
			return r, true
		}
	}
	return def, def != nil
}

// WriteCSV writes the table in the format ParseTCMMap reads.
func (m *TCMMap) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"tcm_disease", "tcm_syndrome", "western_dx", "note"}); err != nil {
		return err
	}
	for _, r := range m.rows {
		if err := cw.Write([]string{r.Disease, r.Syndrome, r.Western, r.Note}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
