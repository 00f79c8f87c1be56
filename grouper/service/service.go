package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights"
)

// Engine is what the service groups and prices with: a compiled rule set
// and, optionally, a price list's calculator, with the references they
// were loaded from.
type Engine struct {
	Grouper *grouper.Grouper
	Payment *weights.Calculator // nil: group only
	Rules   string              // the reference the rule set was loaded from, e.g. chs-drg-1.1@2
	Prices  string              // the price list's reference, "" without one
}

// Holder holds the Engine in use and swaps it atomically: a request takes
// the engine once and finishes on it, whatever is swapped in meanwhile.
type Holder struct{ e atomic.Pointer[Engine] }

// NewHolder returns a Holder of e.
func NewHolder(e *Engine) *Holder {
	h := &Holder{}
	h.e.Store(bound(e))
	return h
}

// bound returns e with its calculator bound to its grouper (weights
// Calculator.Bind: records priced by the grouper's IDs, no code look-ups).
func bound(e *Engine) *Engine {
	if e == nil || e.Payment == nil || e.Grouper == nil {
		return e
	}
	cp := *e
	cp.Payment = e.Payment.Bind(e.Grouper)
	return &cp
}

// Load returns the engine in use.
func (h *Holder) Load() *Engine { return h.e.Load() }

// Swap puts e in use; requests in flight finish on the old one.
func (h *Holder) Swap(e *Engine) { h.e.Store(bound(e)) }

// Options bound the service.
type Options struct {
	MaxBatch int   // records in one request; 0 = 1000
	MaxBody  int64 // request body bytes; 0 = 8 MiB
	// Registry receives the service's metrics; nil makes a new one, which
	// /metrics serves.
	Registry *prometheus.Registry
}

// service is one Handler's state.
type service struct {
	h        *Holder
	opts     Options
	mux      *http.ServeMux
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	records  *prometheus.CounterVec
	rejects  *prometheus.CounterVec
	// byStatus are records' counters resolved once: a label look-up per
	// record costs as much as grouping it.
	byStatus [grouper.StatusCheckFailed + 1]prometheus.Counter
	bufs     sync.Pool // *[]byte answer buffers
}

// rulesetCollector reports the engine in use at each scrape, so that the
// metric follows every Swap.
type rulesetCollector struct {
	h    *Holder
	desc *prometheus.Desc
}

func (c rulesetCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c rulesetCollector) Collect(ch chan<- prometheus.Metric) {
	e := c.h.Load()
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, 1, e.Rules, e.Grouper.RuleSet().Version, e.Prices)
}

// Handler returns the service's routes (see doc.go and openapi.yaml).
func Handler(h *Holder, opts Options) http.Handler {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1000
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 8 << 20
	}
	reg := opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s := &service{h: h, opts: opts, mux: http.NewServeMux(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "drg_requests_total", Help: "HTTP requests by route and status code."}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "drg_request_seconds", Help: "Request latency by route.",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}}, []string{"route"}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "drg_records_total", Help: "Records grouped, by status."}, []string{"status"}),
		rejects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "drg_rejects_total", Help: "Records refused, by reason."}, []string{"reason"}),
	}
	for st := grouper.StatusOK; int(st) < len(s.byStatus); st++ {
		s.byStatus[st] = s.records.WithLabelValues(st.String())
	}
	reg.MustRegister(s.requests, s.latency, s.records, s.rejects, rulesetCollector{h: h,
		desc: prometheus.NewDesc("drg_ruleset_info", "The rule set and price list in use (value 1).", []string{"rules", "version", "prices"}, nil)})
	s.route("POST /v1/group", s.group)
	s.route("POST /v1/explain", s.explain)
	s.route("GET /v1/rulesets", s.rulesets)
	s.route("GET /healthz", func(w http.ResponseWriter, _ *http.Request) (int, error) {
		return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return s.mux
}

// Routes are the service's routes, as Handler registers them: what the
// OpenAPI document must describe.
var Routes = []string{"POST /v1/group", "POST /v1/explain", "GET /v1/rulesets", "GET /healthz", "GET /metrics"}

// httpError is a 4xx answer: what is wrong, and with which record and field.
type httpError struct {
	code   int
	Msg    string `json:"error"`
	Record string `json:"record,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func (s *service) route(pattern string, fn func(http.ResponseWriter, *http.Request) (int, error)) {
	ok, latency := s.requests.WithLabelValues(pattern, "200"), s.latency.WithLabelValues(pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		code, err := fn(w, r)
		if err != nil {
			var he *httpError
			if !errors.As(err, &he) {
				he = &httpError{code: http.StatusInternalServerError, Msg: err.Error()}
			}
			code, _ = writeJSON(w, he.code, he)
		}
		if code == http.StatusOK {
			ok.Inc()
		} else {
			s.requests.WithLabelValues(pattern, strconv.Itoa(code)).Inc()
		}
		latency.Observe(time.Since(start).Seconds())
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) (int, error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	return code, json.NewEncoder(w).Encode(v)
}

func (e *httpError) Error() string { return e.Msg }

// Result is one record's answer.
type Result struct {
	ID      string               `json:"id"`
	Rules   string               `json:"rules"`
	Result  grouper.Result       `json:"result"`
	Payment *weights.PaymentView `json:"payment,omitempty"`
	Names   map[string]string    `json:"names,omitempty"`
}

// readRecords reads the request's records: a JSON object or an array of
// them (field names as in the record format; an unknown field is an
// error), or CSV with a header (Content-Type text/csv). Each record is
// normalised and validated as a file record is.
func (s *service) readRecords(r *http.Request, max int) ([]record.Record, bool, error) {
	body, err := readBody(r, s.opts.MaxBody)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, false, &httpError{code: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("request body over %d bytes", s.opts.MaxBody)}
	}
	if err != nil {
		return nil, false, &httpError{code: http.StatusBadRequest, Msg: err.Error()}
	}
	var lines [][]byte
	var format record.Format
	batch, n := false, 1
	switch ct := r.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "text/csv"):
		format, batch = record.FormatCSV, true
		n = bytes.Count(body, []byte{'\n'}) + 1
		lines = [][]byte{body}
	default:
		format = record.FormatJSONL
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) > 0 && trimmed[0] == '[' {
			batch = true
			var ok bool
			if lines, n, ok = splitArray(trimmed); !ok {
				return nil, batch, &httpError{code: http.StatusBadRequest, Msg: "malformed JSON: an array of record objects is not closed"}
			}
			if n > max {
				return nil, batch, &httpError{code: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("%d records, at most %d a request", n, max)}
			}
		} else {
			lines = [][]byte{oneLine(trimmed)}
		}
	}
	// One record needs no duplicate-id check, whose table was most of a
	// single request's garbage.
	rd, err := record.NewReader(bytes.NewReader(bytes.Join(lines, []byte{'\n'})), record.Options{Format: format, RejectUnknownFields: true, NoDuplicateCheck: !batch})
	if err != nil {
		return nil, batch, &httpError{code: http.StatusBadRequest, Msg: err.Error()}
	}
	recs := make([]record.Record, 0, min(n, max)) // a Record is large: growing the slice was most of a batch's garbage
	for {
		var rec record.Record
		err := rd.Read(&rec)
		if err == io.EOF {
			break
		}
		var bad *record.Error
		if errors.As(err, &bad) {
			s.rejects.WithLabelValues(bad.Reason()).Inc()
			return nil, batch, &httpError{code: http.StatusBadRequest, Msg: bad.Error(), Record: bad.ID, Field: bad.Field, Reason: bad.Reason()}
		}
		if err != nil {
			return nil, batch, &httpError{code: http.StatusBadRequest, Msg: err.Error()}
		}
		if len(recs) == max {
			return nil, batch, &httpError{code: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("more than %d records a request", max)}
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return nil, batch, &httpError{code: http.StatusBadRequest, Msg: "no record"}
	}
	return recs, batch, nil
}

// answer groups and prices rec with e into a.
func (s *service) answer(e *Engine, rec *record.Record, tr *grouper.Trace, names bool, a *answer) error {
	a.id, a.priced, a.names = rec.ID, false, nil
	if e.Payment != nil {
		if d := rec.DischargeDate; d != 0 && !e.Payment.Valid().Contains(d) {
			s.rejects.WithLabelValues("not_in_force").Inc()
			return &httpError{code: http.StatusUnprocessableEntity, Msg: fmt.Sprintf("record %s: discharged %s, outside the price list's period %s", rec.ID, d, e.Payment.Valid()),
				Record: rec.ID, Field: "discharge_date", Reason: "not_in_force"}
		}
	}
	a.res = e.Grouper.GroupScheme(rec, grouper.SchemeDRG, tr)
	if e.Payment != nil {
		e.Payment.Compute(rec, &a.res, grouper.SchemeDRG, &a.pay)
		a.priced = true
	}
	if names {
		a.names = map[string]string{}
		for _, c := range []string{a.res.MDC, a.res.ADRG, a.res.DRG} {
			if n := e.Grouper.Name(c); n != "" {
				a.names[c] = n
			}
		}
	}
	if int(a.res.Status) < len(s.byStatus) && s.byStatus[a.res.Status] != nil {
		s.byStatus[a.res.Status].Inc()
	} else {
		s.records.WithLabelValues(a.res.Status.String()).Inc()
	}
	return nil
}

func (s *service) group(w http.ResponseWriter, r *http.Request) (int, error) {
	e := s.h.Load()
	recs, batch, err := s.readRecords(r, s.opts.MaxBatch)
	if err != nil {
		return 0, err
	}
	names := r.URL.Query().Get("names") == "true"
	bp, _ := s.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer s.bufs.Put(bp)
	buf := (*bp)[:0]
	if need := len(recs) * 800; cap(buf) < need {
		buf = make([]byte, 0, need) // about an answer's size with payment: one allocation, not a doubling series
	}
	if batch {
		buf = append(buf, `{"results":[`...)
	}
	var a answer
	for i := range recs {
		if err := s.answer(e, &recs[i], nil, names, &a); err != nil {
			return 0, err
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		if buf, err = appendAnswer(buf, &a, e.Rules); err != nil {
			return 0, err
		}
	}
	if batch {
		buf = append(buf, "]}"...)
	}
	buf = append(buf, '\n') // as json.Encoder ends a value
	*bp = buf
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(buf)
	return http.StatusOK, err
}

func (s *service) explain(w http.ResponseWriter, r *http.Request) (int, error) {
	e := s.h.Load()
	recs, batch, err := s.readRecords(r, 1)
	if err != nil {
		return 0, err
	}
	if batch {
		return 0, &httpError{code: http.StatusBadRequest, Msg: "explain takes one record, not a list"}
	}
	var a answer
	if err := s.answer(e, &recs[0], new(grouper.Trace), true, &a); err != nil {
		return 0, err
	}
	res := a.result(e.Rules)
	return writeJSON(w, http.StatusOK, map[string]any{"result": res, "trace": res.Result.Trace.String()})
}

func (s *service) rulesets(w http.ResponseWriter, _ *http.Request) (int, error) {
	e := s.h.Load()
	rs := e.Grouper.RuleSet()
	info := map[string]any{"rules": e.Rules, "name": rs.Name, "version": rs.Version, "valid": rs.Valid.String(), "prices": e.Prices}
	if e.Payment != nil {
		info["prices_valid"] = e.Payment.Valid().String()
		info["region"] = e.Payment.Policy().Region
	}
	return writeJSON(w, http.StatusOK, info)
}

// readBody reads a request's body, at most max bytes, into a buffer of
// its declared length: io.ReadAll's doubling copied a large batch's body
// several times.
func readBody(r *http.Request, max int64) ([]byte, error) {
	src := http.MaxBytesReader(nil, r.Body, max)
	if n := r.ContentLength; n > 0 && n <= max {
		// Presized up to 256 KiB only: a client that declares 8 MiB and
		// sends nothing must not pin 8 MiB a connection (found in review).
		var buf bytes.Buffer
		buf.Grow(int(min(n, 256<<10)) + 1)
		if _, err := buf.ReadFrom(src); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return io.ReadAll(src)
}

// oneLine returns the JSON text b on one line: a newline in JSON is only
// ever whitespace between tokens (one inside a string is escaped), so it
// becomes a space.
func oneLine(b []byte) []byte {
	if !bytes.ContainsAny(b, "\r\n") {
		return b
	}
	return bytes.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, b)
}

// splitArray cuts the JSON array b into its elements, each on one line,
// for the record reader to parse and validate: one pass over the bytes,
// tracking strings and nesting, with no decoding. The inside of a string
// is skipped to its next quote or backslash at once. ok is false when the
// array is not closed; n counts the elements.
func splitArray(b []byte) (elems [][]byte, n int, ok bool) {
	i := 0
	for i < len(b) && b[i] <= ' ' {
		i++
	}
	if i == len(b) || b[i] != '[' {
		return nil, 0, false
	}
	depth, start, lineEnd := 0, -1, false
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' {
			if depth == 1 && start < 0 {
				start = i
			}
			// To the closing quote, stepping over escapes.
			for i++; ; i++ {
				if i >= len(b) {
					return nil, 0, false
				}
				j := bytes.IndexAny(b[i:], "\"\\\n\r")
				if j < 0 {
					return nil, 0, false
				}
				i += j
				switch b[i] {
				case '\\':
					i++
					continue
				case '\n', '\r':
					lineEnd = true
					continue
				}
				break
			}
			continue
		}
		if c == '\n' || c == '\r' {
			lineEnd = true
		}
		if depth == 1 && start < 0 && c > ' ' && c != ',' && c != ']' {
			start = i
		}
		switch c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		}
		if start >= 0 && (depth == 1 && c == ',' || depth == 0) {
			e := bytes.TrimSpace(b[start:i])
			if lineEnd {
				e = oneLine(e)
			}
			elems = append(elems, e)
			start, lineEnd = -1, false
		}
		if depth == 0 {
			return elems, len(elems), len(bytes.TrimSpace(b[i+1:])) == 0
		}
	}
	return nil, 0, false
}
