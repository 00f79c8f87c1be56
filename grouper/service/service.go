package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
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
	h.e.Store(e)
	return h
}

// Load returns the engine in use.
func (h *Holder) Load() *Engine { return h.e.Load() }

// Swap puts e in use; requests in flight finish on the old one.
func (h *Holder) Swap(e *Engine) { h.e.Store(e) }

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
		s.requests.WithLabelValues(pattern, fmt.Sprint(code)).Inc()
		s.latency.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
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
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.opts.MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, false, &httpError{code: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("request body over %d bytes", s.opts.MaxBody)}
	}
	if err != nil {
		return nil, false, &httpError{code: http.StatusBadRequest, Msg: err.Error()}
	}
	var lines [][]byte
	var format record.Format
	batch := false
	switch ct := r.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "text/csv"):
		format, batch = record.FormatCSV, true
		lines = [][]byte{body}
	default:
		format = record.FormatJSONL
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) > 0 && trimmed[0] == '[' {
			batch = true
			var n int
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
	rd, err := record.NewReader(bytes.NewReader(bytes.Join(lines, []byte{'\n'})), record.Options{Format: format, RejectUnknownFields: true})
	if err != nil {
		return nil, batch, &httpError{code: http.StatusBadRequest, Msg: err.Error()}
	}
	var recs []record.Record
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

// answer groups and prices rec with e.
func (s *service) answer(e *Engine, rec *record.Record, tr *grouper.Trace, names bool) (Result, error) {
	out := Result{ID: rec.ID, Rules: e.Rules}
	if e.Payment != nil {
		if d := rec.DischargeDate; d != 0 && !e.Payment.Valid().Contains(d) {
			s.rejects.WithLabelValues("not_in_force").Inc()
			return out, &httpError{code: http.StatusUnprocessableEntity, Msg: fmt.Sprintf("record %s: discharged %s, outside the price list's period %s", rec.ID, d, e.Payment.Valid()),
				Record: rec.ID, Field: "discharge_date", Reason: "not_in_force"}
		}
	}
	out.Result = e.Grouper.GroupScheme(rec, grouper.SchemeDRG, tr)
	if e.Payment != nil {
		var pay weights.Payment
		e.Payment.Compute(rec, &out.Result, grouper.SchemeDRG, &pay)
		v := pay.View()
		out.Payment = &v
	}
	if names {
		out.Names = map[string]string{}
		for _, c := range []string{out.Result.MDC, out.Result.ADRG, out.Result.DRG} {
			if n := e.Grouper.Name(c); n != "" {
				out.Names[c] = n
			}
		}
	}
	s.records.WithLabelValues(out.Result.Status.String()).Inc()
	return out, nil
}

func (s *service) group(w http.ResponseWriter, r *http.Request) (int, error) {
	e := s.h.Load()
	recs, batch, err := s.readRecords(r, s.opts.MaxBatch)
	if err != nil {
		return 0, err
	}
	names := r.URL.Query().Get("names") == "true"
	out := make([]Result, len(recs))
	for i := range recs {
		if out[i], err = s.answer(e, &recs[i], nil, names); err != nil {
			return 0, err
		}
	}
	if !batch {
		return writeJSON(w, http.StatusOK, out[0])
	}
	return writeJSON(w, http.StatusOK, map[string]any{"results": out})
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
	res, err := s.answer(e, &recs[0], new(grouper.Trace), true)
	if err != nil {
		return 0, err
	}
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
// tracking strings and nesting, with no decoding. ok is false when the
// array is not closed; n counts the elements.
func splitArray(b []byte) (elems [][]byte, n int, ok bool) {
	depth, inStr, esc, start, entered := 0, false, false, -1, false
	for i, c := range b {
		if !entered {
			switch {
			case c <= ' ':
				continue
			case c != '[':
				return nil, 0, false
			}
			entered = true
		}
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		if depth == 1 && start < 0 && c > ' ' && c != ',' && c != ']' {
			start = i
		}
		switch c {
		case '"':
			inStr = true
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		}
		if start >= 0 && (depth == 1 && c == ',' || depth == 0) {
			elems = append(elems, oneLine(bytes.TrimSpace(b[start:i])))
			start = -1
		}
		if depth == 0 {
			return elems, len(elems), len(bytes.TrimSpace(b[i+1:])) == 0
		}
	}
	return nil, 0, false
}
