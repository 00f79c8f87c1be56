package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/medpay/drg/grouper/service"
	"github.com/medpay/drg/weights"
)

func serveCmd(ctx context.Context, e *env, args []string) error {
	c := &command{name: "serve", usage: "[--addr 127.0.0.1:8080] [--rules NAME] [--prices NAME] [flags]",
		summary: "Serve grouping and pricing over HTTP for payment systems: POST /v1/group (a JSON record, a JSON array or\nCSV), POST /v1/explain, GET /v1/rulesets, GET /healthz, GET /metrics (Prometheus); see\ngrouper/service/openapi.yaml. Bad input gets a 4xx JSON error naming the record and field. SIGTERM or\nSIGINT stops accepting requests and lets those in flight finish (up to --shutdown-wait)."}
	fl := newFlags(e, c)
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on (loopback by default)")
	rules := fl.String("rules", "", "rule set: a stored NAME, NAME@REVISION, NAME@YYYY-MM-DD or a directory of tables (default: the embedded SAMPLE)")
	prices := fl.String("prices", "", "price list from the store; without it, the rule set's own weights under the sample policy, if it has weights")
	maxBatch := fl.Int("max-batch", 1000, "most records in one request")
	maxBody := fl.Int64("max-body", 8<<20, "most bytes in one request body")
	timeout := fl.Duration("timeout", 30*time.Second, "longest a request may take to read and answer")
	shutdownWait := fl.Duration("shutdown-wait", 30*time.Second, "how long requests in flight may take to finish after a stop signal")
	var sf storeFlags
	registerStoreFlags(fl, &sf.dir, &sf.wait)
	sf.stderr = e.stderr
	if _, err := parseFlags(e, fl, args); err != nil {
		return err
	}
	if err := checkRulesRef(*rules); err != nil {
		return err
	}
	g, err := loadGrouper(*rules, sf)
	if err != nil {
		return err
	}
	var calc *weights.Calculator
	if *prices != "" {
		if calc, err = loadPrices(*prices, sf, g.RuleSet()); err != nil {
			return err
		}
	} else if calc, err = paymentCalculator(g.RuleSet(), "sample"); err != nil {
		return err
	}
	ref := *rules
	if ref == "" {
		ref = g.RuleSet().Name
	}
	h := service.NewHolder(&service.Engine{Grouper: g, Payment: calc, Rules: ref, Prices: *prices})
	srv := &http.Server{Handler: service.Handler(h, service.Options{MaxBatch: *maxBatch, MaxBody: *maxBody}),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: *timeout, WriteTimeout: *timeout, IdleTimeout: 2 * time.Minute}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "drg serve: serving %s on http://%s\n", ref, ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// A stop signal: stop accepting, let requests in flight finish.
	sctx, cancel := context.WithTimeout(context.Background(), *shutdownWait)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return ctx.Err()
}
