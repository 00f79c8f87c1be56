package synth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/medpay/drg/codes"
	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
)

// Defect says how DirtyRecords spoilt a record.
type Defect uint8

// Defects. The Dirty* ones are sloppy spellings that a record.Reader
// normalises back to the clean record; the Invalid* ones make the Reader
// reject the record.
const (
	Clean          Defect = iota
	DirtyLowerCase        // a code in lower case: k80.000x004
	DirtyNoDot            // a code without its dot: K80000x004, 512300
	DirtyFullWidth        // a code in full-width characters: Ｋ８０．０００
	DirtySpaces           // a code padded with spaces, ideographic ones included

	InvalidMissingID   // blank id
	InvalidDxCode      // a diagnosis that is no ICD-10 code
	InvalidProcCode    // a procedure that is no ICD-9-CM-3 code
	InvalidDateOrder   // discharged before admission
	InvalidAge         // age_years out of range
	InvalidNoPrincipal // neither principal_dx nor tcm_principal_dx
	numDefects
)

var defectNames = [numDefects]string{
	Clean: "clean", DirtyLowerCase: "lower_case", DirtyNoDot: "no_dot", DirtyFullWidth: "full_width",
	DirtySpaces: "spaces", InvalidMissingID: "missing_id", InvalidDxCode: "invalid_dx_code",
	InvalidProcCode: "invalid_proc_code", InvalidDateOrder: "date_order", InvalidAge: "age_out_of_range",
	InvalidNoPrincipal: "no_principal",
}

func (d Defect) String() string {
	if d < numDefects {
		return defectNames[d]
	}
	return fmt.Sprintf("Defect(%d)", uint8(d))
}

// Rejected reports whether a record.Reader rejects a record with defect d.
func (d Defect) Rejected() bool { return d >= InvalidMissingID && d < numDefects }

// DirtyOptions sets how many records DirtyRecords spoils. A zero field takes
// its default; a negative one means none.
type DirtyOptions struct {
	Dirty   float64 // share of records with one sloppy code spelling; default 0.03
	Invalid float64 // share of records the reader must reject; default 0.01
}

func (o DirtyOptions) shares() (dirty, invalid float64) {
	dirty, invalid = o.Dirty, o.Invalid
	if dirty == 0 {
		dirty = 0.03
	}
	if invalid == 0 {
		invalid = 0.01
	}
	return max(dirty, 0), max(invalid, 0)
}

// DirtyRecords is Records with a few records spoilt: fn gets each record
// with the defect applied to it (Clean for most). The records are those
// Records generates for the same rule set and seed, in the same order,
// before spoiling; the defects come from a separate random stream.
func DirtyRecords(rs *grouper.RuleSet, seed uint64, n int, opts DirtyOptions, fn func(*record.Record, Defect) error) error {
	g, err := NewGenerator(rs, seed)
	if err != nil {
		return err
	}
	dirty, invalid := opts.shares()
	r := rand.New(rand.NewPCG(seed, 0xd1e7))
	var rec record.Record
	for range n {
		g.Next(&rec)
		d := Clean
		switch x := r.Float64(); {
		case x < invalid:
			d = InvalidMissingID + Defect(r.IntN(int(numDefects-InvalidMissingID)))
		case x < invalid+dirty:
			d = DirtyLowerCase + Defect(r.IntN(int(InvalidMissingID-DirtyLowerCase)))
		}
		spoil(r, &rec, d)
		if err := fn(&rec, d); err != nil {
			return err
		}
	}
	return nil
}

// spoil applies d to rec.
func spoil(r *rand.Rand, rec *record.Record, d Defect) {
	switch d {
	case Clean:
	case DirtyLowerCase, DirtyNoDot, DirtyFullWidth, DirtySpaces:
		// Pick one code: the principal, a secondary or a procedure.
		var slot *string
		sys := codes.SystemDiagnosis
		switch x := r.IntN(3); {
		case x == 1 && len(rec.SecondaryDx) > 0:
			slot = &rec.SecondaryDx[r.IntN(len(rec.SecondaryDx))]
		case x == 2 && len(rec.Procedures) > 0:
			slot, sys = &rec.Procedures[r.IntN(len(rec.Procedures))], codes.SystemProcedure
		case rec.PrincipalDx != "":
			slot = &rec.PrincipalDx
		default:
			slot, sys = &rec.TCMPrincipalDx, codes.SystemTCMDisease
		}
		*slot = misspell(r, *slot, sys, d)
	case InvalidMissingID:
		rec.ID = ""
	case InvalidDxCode:
		if rec.PrincipalDx != "" {
			rec.PrincipalDx = "8" + rec.PrincipalDx[1:] // the category must start with a letter
		} else {
			rec.SecondaryDx = append(rec.SecondaryDx, "K8O.000")
		}
	case InvalidProcCode:
		rec.Procedures = append(rec.Procedures, "5A.2300")
	case InvalidDateOrder:
		rec.DischargeDate = rec.AdmitDate - record.Date(1+r.IntN(5))
	case InvalidAge:
		rec.AgeYears = int16(151 + r.IntN(800))
		rec.AgeDays, rec.BirthWeightG = 0, 0
		rec.Present &^= record.HasAgeDays | record.HasBirthWeight
	case InvalidNoPrincipal:
		rec.PrincipalDx, rec.TCMPrincipalDx, rec.TCMSyndrome = "", "", ""
	}
}

// misspell returns code spelt sloppily in a way codes.Normalize undoes.
func misspell(r *rand.Rand, code string, sys codes.System, d Defect) string {
	switch d {
	case DirtyLowerCase:
		return strings.ToLower(code)
	case DirtyNoDot:
		if sys == codes.SystemTCMDisease {
			return strings.ToLower(code) // TCM codes need their dots
		}
		return strings.Replace(code, ".", "", 1)
	case DirtyFullWidth:
		var b strings.Builder
		for _, c := range code {
			if c > ' ' && c < 0x7f {
				c += 0xfee0
			}
			b.WriteRune(c)
		}
		return b.String()
	case DirtySpaces:
		pads := []string{" ", "  ", "\u3000", "\u00a0"}
		return pads[r.IntN(len(pads))] + code + pads[r.IntN(len(pads))]
	}
	return code
}

// WriteRecords writes n records generated for rs to path with
// record.Create: the format follows the extension (.csv, .tsv, .jsonl) and a
// .zst suffix compresses. With dirty non-nil the records are DirtyRecords';
// the returned counts say how many got each defect.
func WriteRecords(path string, rs *grouper.RuleSet, seed uint64, n int, dirty *DirtyOptions) (counts map[Defect]int, err error) {
	counts = map[Defect]int{}
	w, err := record.Create(path, record.FormatAuto)
	if err != nil {
		return counts, err
	}
	write := func(rec *record.Record, d Defect) error {
		counts[d]++
		return w.Write(rec)
	}
	if dirty != nil {
		err = DirtyRecords(rs, seed, n, *dirty, write)
	} else {
		err = Records(rs, seed, n, func(rec *record.Record) error { return write(rec, Clean) })
	}
	return counts, errors.Join(err, w.Close())
}
