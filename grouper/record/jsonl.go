package record

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/medpay/drg/internal/rowscan"
)

// jsonState is a JSONL Reader's per-record scratch. Values are laid out in
// r.vals as the standard columns, then the KeepColumns.
type jsonState struct {
	slots map[string]int // column name -> first slot with that name
	names []string       // slot names
	alias []int          // slot -> slot it copies (a kept standard column), or -1
	got   []bool         // a key gave the slot its value
	bad   []error        // the slot's value had the wrong JSON type
	buf   []byte         // unescaped strings and joined arrays
}

// standardJSON is the slot table of a JSON reader without KeepColumns,
// built once and never written.
var standardJSON = sync.OnceValue(func() *jsonState {
	js := &jsonState{slots: make(map[string]int, numColumns)}
	for c := range numColumns {
		js.names = append(js.names, c.String())
		js.slots[c.String()] = int(c)
		js.alias = append(js.alias, -1)
	}
	return js
})

func (r *Reader) initJSON() {
	for c := range numColumns {
		r.colIdx[c] = int(c)
	}
	if len(r.opts.KeepColumns) == 0 {
		// The common case shares one read-only slot table: a service
		// opens a reader per request, and building the map was most of
		// a one-record request's garbage.
		std := standardJSON()
		js := &jsonState{slots: std.slots, names: std.names, alias: std.alias}
		js.got = make([]bool, len(js.names))
		js.bad = make([]error, len(js.names))
		r.json = js
		r.header = js.names
		return
	}
	js := &jsonState{slots: make(map[string]int)}
	for c := range numColumns {
		js.names = append(js.names, c.String())
		js.slots[c.String()] = int(c)
	}
	for _, k := range r.opts.KeepColumns {
		slot := len(js.names)
		r.keepIdx = append(r.keepIdx, slot)
		name := strings.ToLower(strings.TrimSpace(k))
		js.names = append(js.names, name)
		from := -1
		if first, ok := js.slots[name]; ok {
			from = first
		} else if c, ok := r.columnOf(name); ok && c != colIgnored {
			from = int(c) // kept under one of its aliases
		} else {
			js.slots[name] = slot
		}
		js.alias = append(js.alias, from)
	}
	// Standard columns copy nothing.
	js.alias = append(make([]int, numColumns), js.alias...)
	for c := range numColumns {
		js.alias[c] = -1
	}
	js.got = make([]bool, len(js.names))
	js.bad = make([]error, len(js.names))
	r.json = js
	r.header = js.names
}

// slotOf returns the slot of r.vals a JSON key fills: by the column map
// first (Options.ColumnNames), then as spelled, then lower-cased and
// trimmed (standard names and KeepColumns), then by the standard names'
// aliases. The usual key, a standard name as spelled, is one map probe.
func (r *Reader) slotOf(key string) (int, bool) {
	js := r.json
	ignored := false
	if r.local != nil {
		c, ok := r.local[headerKey(key)]
		if ok && c != colIgnored {
			return int(c), true
		}
		ignored = ok
	}
	slot, ok := js.slots[key]
	if !ok {
		slot, ok = js.slots[strings.ToLower(strings.TrimSpace(key))]
	}
	if ignored {
		// Not a standard column, but it may still be kept.
		return slot, ok && slot >= int(numColumns)
	}
	if ok {
		return slot, true
	}
	if c, ok := builtinColumns[headerKey(key)]; ok {
		return int(c), true
	}
	return 0, false
}

// scanJSONL reads the next non-blank line as one JSON object into r.vals.
//
// It scans the object itself rather than through encoding/json: string
// values without escapes are sliced from the line's one string, so a
// record costs one allocation, as in CSV (none in a ChunkParser, whose
// lines are slices of the chunk's one string).
func (r *Reader) scanJSONL() error {
	r.raw, r.rawB = "", nil
	for {
		line, n, err := r.nextLine()
		if err != nil {
			return err
		}
		r.line++
		r.recLine = r.line
		if rowscan.IsBlank(line, ' ') {
			r.in.Consume(n)
			continue
		}
		r.raw = r.lineString(line)
		r.in.Consume(n)
		if !utf8.ValidString(r.raw) {
			return r.reject("", errBadUTF8)
		}
		return r.parseObject(r.raw)
	}
}

// parseObject parses one JSON object into r.vals.
//
// Two keys naming the same column (the same key twice, or two spellings
// that match it case-insensitively, like ID and id) reject the record:
// JSON readers keep one of the values, and which one differs from reader
// to reader, so the record would not mean the same thing to everyone who
// reads it. A "\u0000" in any key or string rejects it as a NUL in a CSV
// field does. Both checks cost next to nothing on a clean line, a flag per
// column and one for a NUL, which only a string with escapes can hold;
// where they are is found again on the rejected line only.
func (r *Reader) parseObject(s string) error {
	js := r.json
	vals := r.vals[:0]
	for range js.names {
		vals = append(vals, "")
	}
	r.vals = vals
	clear(js.got)
	clear(js.bad)
	js.buf = js.buf[:0]

	p := jsonParser{s: s}
	var (
		dup     = -1 // the first slot given twice
		dupKey  string
		unknown string // the first key that names no column, with RejectUnknownFields
		strict  = r.opts.RejectUnknownFields
	)
	err := p.object(func(key string) error {
		slot, ok := r.slotOf(key)
		if !ok && strict && unknown == "" {
			unknown = key
			if unknown == "" {
				unknown = `""`
			}
		}
		if ok && js.got[slot] {
			if dup < 0 {
				dup, dupKey = slot, key
			}
			ok = false // reported once the whole line is read
		}
		if !ok {
			return p.skip(0)
		}
		js.got[slot] = true
		list := slot == int(colSecondaryDx) || slot == int(colProcedures)
		v, err := p.value(list, &js.buf)
		switch {
		case errors.Is(err, errJSONType):
			js.bad[slot], v = err, ""
		case err != nil:
			return err
		}
		vals[slot] = v
		return nil
	})
	if err != nil {
		return r.reject("", fmt.Errorf("%w: invalid JSON: %v", ErrSyntax, err))
	}
	for slot, from := range js.alias {
		if from >= 0 {
			vals[slot], js.bad[slot] = vals[from], js.bad[from]
		}
	}
	// withID names the record in a reject of the value in slot (-1: of
	// no column) when its id is readable.
	withID := func(e *Error, slot int) *Error {
		if id := vals[colID]; slot != int(colID) && js.bad[colID] == nil && strings.IndexByte(id, 0) < 0 {
			e.ID = trim(id)
		}
		return e
	}
	if p.nul {
		slot, key := r.nulAt(s)
		if slot >= 0 {
			return withID(r.reject(js.names[slot], errNUL), slot)
		}
		// A key that is no column: name it as spelled, with the NUL made
		// visible (a rejects file would carry it on otherwise).
		return withID(r.reject(strings.ReplaceAll(key, "\x00", `\u0000`), errNUL), -1)
	}
	if dup >= 0 {
		first := r.keyOf(s, dup)
		var err error
		if first == dupKey {
			err = fmt.Errorf("%w: key %q given twice (JSON readers keep only one of the values)", ErrSyntax, dupKey)
		} else {
			err = fmt.Errorf("%w: keys %q and %q both name column %s (JSON readers keep only one of the values)", ErrSyntax, first, dupKey, js.names[dup])
		}
		return withID(r.reject(js.names[dup], err), dup)
	}
	if unknown != "" {
		return withID(r.reject(unknown, fmt.Errorf("%w: %q is not a record field", ErrUnknownColumn, unknown)), -1)
	}
	for slot, err := range js.bad {
		if err != nil {
			return withID(r.reject(js.names[slot], fmt.Errorf("%w: %v", ErrInvalidValue, err)), slot)
		}
	}
	return nil
}

// nulAt returns where the first "\u0000" of the object s, a line
// parseObject has read, is: the column whose value holds it, or -1 and the
// key that holds it or whose value does. For a reject only, so that the
// clean path need not track it.
func (r *Reader) nulAt(s string) (slot int, key string) {
	p := jsonParser{s: s}
	slot = -1
	seen := make([]bool, len(r.json.names))
	var scratch []byte
	p.object(func(k string) error {
		if p.nul {
			if key == "" && slot < 0 {
				key = k
			}
			return p.skip(0)
		}
		i, ok := r.slotOf(k)
		if !ok || seen[i] {
			// No column, or one given again, whose value is not read.
			err := p.skip(0)
			if p.nul && key == "" && slot < 0 {
				key = k
			}
			return err
		}
		seen[i] = true
		if _, err := p.value(true, &scratch); err != nil && !errors.Is(err, errJSONType) {
			return err
		}
		if p.nul && key == "" && slot < 0 {
			slot = i
		}
		return nil
	})
	return slot, key
}

// keyOf returns the first key of the object s, a line parseObject has
// read, that names slot, as spelled: for the message of a reject only, so
// that the clean path need not keep the keys.
func (r *Reader) keyOf(s string, slot int) string {
	p := jsonParser{s: s}
	first := ""
	p.object(func(key string) error {
		k, ok := r.slotOf(key)
		if ok && k == slot && first == "" {
			first = key
		}
		return p.skip(0)
	})
	return first
}

// errJSONType reports a well-formed JSON value of a type a column cannot
// hold (an object, or an array outside a list column).
var errJSONType = errors.New("wrong JSON type")

// jsonParser scans JSON text in s from position i.
type jsonParser struct {
	s   string
	i   int
	nul bool // a string read so far held "\u0000"
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("byte %d: %s", p.i+1, fmt.Sprintf(format, args...))
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// next returns the next non-space byte without consuming it, or 0 at the end.
func (p *jsonParser) next() byte {
	p.ws()
	if p.i == len(p.s) {
		return 0
	}
	return p.s[p.i]
}

// object parses a whole line holding one object, calling member for each
// key with the parser at the key's value, which member must consume.
func (p *jsonParser) object(member func(key string) error) error {
	if p.next() != '{' {
		return p.errorf("want a JSON object")
	}
	p.i++
	if p.next() == '}' {
		p.i++
	} else {
		for {
			if p.next() != '"' {
				return p.errorf("want a key")
			}
			var scratch []byte
			key, err := p.str(&scratch)
			if err != nil {
				return err
			}
			if p.next() != ':' {
				return p.errorf("want ':' after a key")
			}
			p.i++
			p.ws()
			if err := member(key); err != nil {
				return err
			}
			c := p.next()
			p.i++
			if c == '}' {
				break
			}
			if c != ',' {
				p.i--
				return p.errorf("want ',' or '}'")
			}
		}
	}
	if p.next() != 0 {
		return p.errorf("text after the object")
	}
	return nil
}

// value returns the text of the value at p.i as a CSV field would hold it:
// a string's contents, a number as written, true or false, "" for null. In
// a list column an array of strings and numbers gives its non-empty items
// joined with ListSeparator. Other types give errJSONType, with the value
// consumed.
func (p *jsonParser) value(list bool, buf *[]byte) (string, error) {
	switch c := p.next(); {
	case c == '"':
		return p.str(buf)
	case c == '{':
		if err := p.skip(0); err != nil {
			return "", err
		}
		return "", fmt.Errorf("%w: an object, want a string or number", errJSONType)
	case c == '[':
		if !list {
			if err := p.skip(0); err != nil {
				return "", err
			}
			return "", fmt.Errorf("%w: an array, want a string or number", errJSONType)
		}
		return p.array(buf)
	case c == 't', c == 'f', c == 'n':
		return p.literal()
	default:
		return p.number()
	}
}

// array joins the items of an array of strings and numbers.
func (p *jsonParser) array(buf *[]byte) (string, error) {
	p.i++ // '['
	start := len(*buf)
	var (
		single  string
		items   int
		typeErr error
	)
	if p.next() == ']' {
		p.i++
		return "", nil
	}
	for {
		var (
			item string
			err  error
		)
		switch c := p.next(); {
		case c == '"':
			item, err = p.str(buf)
		case c == '{' || c == '[':
			err = p.skip(0)
			if err == nil && typeErr == nil {
				typeErr = fmt.Errorf("%w: a list item must be a string or number", errJSONType)
			}
		case c == 't', c == 'f', c == 'n':
			item, err = p.literal()
			if err == nil && item != "" && typeErr == nil {
				typeErr = fmt.Errorf("%w: a list item must be a string or number", errJSONType)
			}
		default:
			item, err = p.number()
		}
		if err != nil {
			return "", err
		}
		if item != "" {
			items++
			if items == 1 {
				single = item
			} else {
				if items == 2 {
					*buf = append((*buf)[:start], single...)
				}
				*buf = append(*buf, ListSeparator)
				*buf = append(*buf, item...)
			}
		}
		c := p.next()
		p.i++
		if c == ']' {
			break
		}
		if c != ',' {
			p.i--
			return "", p.errorf("want ',' or ']' in an array")
		}
	}
	if typeErr != nil {
		return "", typeErr
	}
	if items <= 1 {
		return single, nil
	}
	return string((*buf)[start:]), nil
}

// str returns the contents of the string at p.i. Without escapes it is a
// substring of p.s; with them it is built in buf.
func (p *jsonParser) str(buf *[]byte) (string, error) {
	p.i++ // opening quote
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			p.i++
			return p.s[start : p.i-1], nil
		case c == '\\':
			return p.escapedStr(start, buf)
		case c < 0x20:
			return "", p.errorf("control character in a string")
		default:
			p.i++
		}
	}
	return "", p.errorf("unterminated string")
}

// escapedStr continues str for a string with escapes, unescaping it at the
// end of buf (whose earlier content, an array being joined, it keeps).
func (p *jsonParser) escapedStr(start int, buf *[]byte) (string, error) {
	mark := len(*buf)
	b := append(*buf, p.s[start:p.i]...)
	defer func() { *buf = b[:mark] }()
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b[mark:]), nil
		case c < 0x20:
			return "", p.errorf("control character in a string")
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 == len(p.s) {
			break
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r1, ok := p.hex4()
			if !ok {
				return "", p.errorf("bad \\u escape")
			}
			if utf16.IsSurrogate(r1) {
				r2 := utf8.RuneError
				if save := p.i; strings.HasPrefix(p.s[p.i:], `\u`) {
					p.i += 2
					if r, ok := p.hex4(); ok && utf16.DecodeRune(r1, r) != utf8.RuneError {
						r2 = r
					} else {
						p.i = save
					}
				}
				r1 = utf16.DecodeRune(r1, r2)
			}
			if r1 == 0 {
				p.nul = true
			}
			b = utf8.AppendRune(b, r1)
		default:
			return "", p.errorf("bad escape \\%c", e)
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	p.i += 4
	return r, true
}

// literal reads true, false or null; null gives "".
func (p *jsonParser) literal() (string, error) {
	for _, lit := range []string{"true", "false", "null"} {
		if strings.HasPrefix(p.s[p.i:], lit) {
			p.i += len(lit)
			if lit == "null" {
				return "", nil
			}
			return lit, nil
		}
	}
	return "", p.errorf("invalid literal")
}

// number reads a JSON number and returns its text.
func (p *jsonParser) number() (string, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	switch n := digits(); {
	case n == 0:
		return "", p.errorf("invalid value")
	case n > 1 && p.s[p.i-n] == '0':
		return "", p.errorf("leading zero in a number")
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return "", p.errorf("no digits after the decimal point")
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return "", p.errorf("no digits in the exponent")
		}
	}
	return p.s[start:p.i], nil
}

// maxJSONDepth bounds the nesting of skipped values.
const maxJSONDepth = 100

// skip consumes any JSON value.
func (p *jsonParser) skip(depth int) error {
	if depth > maxJSONDepth {
		return p.errorf("nested deeper than %d", maxJSONDepth)
	}
	var scratch []byte
	switch c := p.next(); {
	case c == '"':
		_, err := p.str(&scratch)
		return err
	case c == 't', c == 'f', c == 'n':
		_, err := p.literal()
		return err
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		p.i++
		if p.next() == closer {
			p.i++
			return nil
		}
		for {
			if c == '{' {
				if p.next() != '"' {
					return p.errorf("want a key")
				}
				if _, err := p.str(&scratch); err != nil {
					return err
				}
				if p.next() != ':' {
					return p.errorf("want ':' after a key")
				}
				p.i++
			}
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			d := p.next()
			p.i++
			if d == closer {
				return nil
			}
			if d != ',' {
				p.i--
				return p.errorf("want ',' or '%c'", closer)
			}
		}
	default:
		_, err := p.number()
		return err
	}
}
