package grouper

// DIPResult is the DIP grouping of one record.
type DIPResult struct {
	Group string
}

type dipIndex struct{}

func (c *compiler) dip() error { return nil }

// ProcedureClass is the DIP procedure class used by comprehensive groups.
type ProcedureClass uint8

// Procedure classes, from least to most intensive.
const (
	ClassConservative ProcedureClass = iota + 1
	ClassDiagnostic
	ClassTherapeutic
	ClassSurgical
)

var classNames = [...]string{ClassConservative: "conservative", ClassDiagnostic: "diagnostic", ClassTherapeutic: "therapeutic", ClassSurgical: "surgical"}

func (c ProcedureClass) String() string {
	if int(c) < len(classNames) && classNames[c] != "" {
		return classNames[c]
	}
	return "unknown"
}

// ParseProcedureClass parses a class name as written in the tables.
func ParseProcedureClass(s string) (ProcedureClass, bool) {
	for i, n := range classNames {
		if n != "" && n == s {
			return ProcedureClass(i), true
		}
	}
	return 0, false
}
