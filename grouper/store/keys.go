package store

import (
	"github.com/medpay/drg/grouper/record"

	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/internal/compressio"
)

// Key layout (see doc.go). Revisions are written as 8 decimal digits so that
// Badger's byte order is revision order within a name.
const (
	rsPrefix    = "rs/"
	plPrefix    = "pl/"
	seqPrefix   = "seq/"
	metaSuffix  = "meta"
	tableInfix  = "t/"
	revDigits   = 8
	maxRevision = 99_999_999
)

// space is a key space of named, revisioned file sets: rule sets under
// "rs/", price lists under "pl/". Each has its own revision counters
// ("seq/<name>" for rule sets, as stores have always had them, and
// "seq/pl/<name>": names hold no '/', so the two never meet).
type space struct {
	prefix, seq string
}

var (
	ruleSets   = space{rsPrefix, seqPrefix}
	priceLists = space{plPrefix, seqPrefix + plPrefix}
)

// namePrefix is "rs/<name>/": every key of every revision of name.
func (sp space) namePrefix(name string) []byte { return []byte(sp.prefix + name + "/") }

// revPrefix is "rs/<name>/<rev>/": every key of one revision.
func (sp space) revPrefix(name string, rev int) []byte {
	return fmt.Appendf(nil, "%s%s/%0*d/", sp.prefix, name, revDigits, rev)
}

func (sp space) metaKey(name string, rev int) []byte {
	return append(sp.revPrefix(name, rev), metaSuffix...)
}

func (sp space) tablePrefix(name string, rev int) []byte {
	return append(sp.revPrefix(name, rev), tableInfix...)
}

func (sp space) tableKey(name string, rev int, file string) []byte {
	return append(sp.tablePrefix(name, rev), file...)
}

func (sp space) seqKey(name string) []byte { return []byte(sp.seq + name) }

// The rule-set space's keys, by their old names.
func revPrefix(name string, rev int) []byte          { return ruleSets.revPrefix(name, rev) }
func metaKey(name string, rev int) []byte            { return ruleSets.metaKey(name, rev) }
func tableKey(name string, rev int, f string) []byte { return ruleSets.tableKey(name, rev, f) }

// parseRevKey reads the revision from a key that starts with namePrefix(name)
// (of length n).
func parseRevKey(key []byte, n int) (int, bool) {
	if len(key) < n+revDigits+1 || key[n+revDigits] != '/' {
		return 0, false
	}
	rev := 0
	for _, c := range key[n : n+revDigits] {
		if c < '0' || c > '9' {
			return 0, false
		}
		rev = rev*10 + int(c-'0')
	}
	return rev, rev > 0
}

// checkName reports whether name can be stored and referred to: non-empty
// UTF-8 without '/', '@' or control characters, at most 200 bytes.
func checkName(name string) error {
	if name == "" || len(name) > 200 || !utf8.ValidString(name) {
		return fmt.Errorf("%w: name must be 1 to 200 bytes of UTF-8", ErrInvalidRef)
	}
	for _, r := range name {
		if r == '/' || r == '@' || r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: name contains %q", ErrInvalidRef, r)
		}
	}
	return nil
}

// checkFile reports whether a table file name can be stored: a plain file
// name, as package grouper reads them from a directory. Errors wrap
// grouper.ErrRuleSet.
func checkFile(file string) error {
	if file == "" || file == "." || file == ".." || strings.ContainsAny(file, "/\\\x00") {
		return fmt.Errorf("%w: table file name %q", grouper.ErrRuleSet, file)
	}
	return nil
}

// parseRef splits "name" (rev 0: the latest) or "name@N" (N >= 1).
func parseRef(ref string) (name string, rev int, on record.Date, err error) {
	name, n, hasRev := strings.Cut(ref, "@")
	if err := checkName(name); err != nil {
		return "", 0, 0, err
	}
	if !hasRev {
		return name, 0, 0, nil
	}
	if len(n) == len("2006-01-02") && n[4] == '-' {
		d, err := record.ParseDate(n)
		if err != nil {
			return "", 0, 0, fmt.Errorf("%w: %q is not a revision number or a date: %w", ErrInvalidRef, n, err)
		}
		return name, 0, d, nil
	}
	if n == "" || n[0] < '1' || n[0] > '9' {
		return "", 0, 0, fmt.Errorf("%w: revision %q is not a number from 1 or a date (YYYY-MM-DD)", ErrInvalidRef, n)
	}
	rev, err = strconv.Atoi(n)
	if err != nil || rev > maxRevision {
		return "", 0, 0, fmt.Errorf("%w: revision %q is not a number from 1 to %d", ErrInvalidRef, n, maxRevision)
	}
	return name, rev, 0, nil
}

// Value encoding of a table: one codec byte, then the payload.
const (
	codecRaw  byte = 0 // payload is the table as is: compression did not shrink it
	codecZstd byte = 1 // payload is one zstd frame
)

// encodeValue compresses data where it pays.
func encodeValue(data []byte) []byte {
	v := compressio.EncodeZstd(append(make([]byte, 0, 1+len(data)/3), codecZstd), data)
	if len(v) < 1+len(data) {
		return v
	}
	v = append(v[:0], codecRaw)
	return append(v, data...)
}

// decodeValue returns the table encoded in v, in a new slice.
func decodeValue(v []byte) ([]byte, error) {
	if len(v) == 0 {
		return nil, fmt.Errorf("%w: empty value", ErrCorrupt)
	}
	switch v[0] {
	case codecRaw:
		return append([]byte(nil), v[1:]...), nil
	case codecZstd:
		data, err := compressio.DecodeZstd(v[1:])
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return data, nil
	}
	return nil, fmt.Errorf("%w: unknown codec %d", ErrCorrupt, v[0])
}
