package grouper

import "fmt"

// The enumerations marshal as their names, so that a result reads as
// {"status":"OK","cc_level":"MCC",...} in JSON rather than as integers;
// UnmarshalText reads the names back (and "" as the zero value).

// MarshalText writes the name (JSON shows it).
func (s Status) MarshalText() ([]byte, error) {
	if s == 0 {
		return nil, nil
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a name MarshalText writes.
func (s *Status) UnmarshalText(b []byte) error {
	return unmarshalName(b, s, []Status{StatusOK, StatusQY, StatusUngroupable, StatusCheckFailed}, "status")
}

// MarshalText writes the name (JSON shows it).
func (l CCLevel) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a name MarshalText writes.
func (l *CCLevel) UnmarshalText(b []byte) error {
	return unmarshalName(b, l, []CCLevel{CCNone, CCLevelCC, CCLevelMCC}, "complication level")
}

// MarshalText writes the name (JSON shows it).
func (k DIPKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a name MarshalText writes.
func (k *DIPKind) UnmarshalText(b []byte) error {
	return unmarshalName(b, k, []DIPKind{DIPNone, DIPCore, DIPComprehensive}, "DIP kind")
}

// MarshalText writes the name (JSON shows it).
func (c ProcedureClass) MarshalText() ([]byte, error) {
	if c == 0 {
		return nil, nil
	}
	return []byte(c.String()), nil
}

// UnmarshalText reads a name MarshalText writes.
func (c *ProcedureClass) UnmarshalText(b []byte) error {
	return unmarshalName(b, c, []ProcedureClass{ClassConservative, ClassDiagnostic, ClassTherapeutic, ClassSurgical}, "procedure class")
}

// MarshalText writes the name (JSON shows it).
func (s Scheme) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a name MarshalText writes.
func (s *Scheme) UnmarshalText(b []byte) error {
	v, err := ParseScheme(string(b))
	if err == nil {
		*s = v
	}
	return err
}

// unmarshalName sets *v to the value among vals whose String is b ("" is
// the zero value).
func unmarshalName[T interface {
	comparable
	fmt.Stringer
}](b []byte, v *T, vals []T, what string) error {
	var zero T
	if len(b) == 0 {
		*v = zero
		return nil
	}
	for _, x := range vals {
		if x.String() == string(b) {
			*v = x
			return nil
		}
	}
	return fmt.Errorf("grouper: %q is not a %s", b, what)
}
