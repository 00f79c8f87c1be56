package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/medpay/drg/grouper/service"
	"github.com/medpay/drg/grouper/store"
	"github.com/medpay/drg/weights"
)

func serveCmd(ctx context.Context, e *env, args []string) error {
	c := &command{name: "serve", usage: "[--addr 127.0.0.1:8080] [--rules NAME] [--prices NAME] [flags]",
		summary: "Serve grouping and pricing over HTTP for payment systems: POST /v1/group (a JSON record, a JSON array or\nCSV), POST /v1/explain, GET /v1/rulesets, GET /healthz, GET /metrics (Prometheus); see\ngrouper/service/openapi.yaml. Bad input gets a 4xx JSON error naming the record and field. SIGTERM or\nSIGINT stops accepting requests and lets those in flight finish (up to --shutdown-wait); SIGHUP, and a\nnew revision in the store (--watch), reload the rule set and price list, requests in flight finishing\non the old ones."}
	fl := newFlags(e, c)
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on (loopback by default)")
	rules := fl.String("rules", "", "rule set: a stored NAME, NAME@REVISION, NAME@YYYY-MM-DD or a directory of tables (default: the embedded SAMPLE)")
	prices := fl.String("prices", "", "price list from the store; without it, the rule set's own weights under the sample policy, if it has weights")
	maxBatch := fl.Int("max-batch", 1000, "most records in one request")
	maxBody := fl.Int64("max-body", 8<<20, "most bytes in one request body")
	timeout := fl.Duration("timeout", 30*time.Second, "longest a request may take to read and answer")
	shutdownWait := fl.Duration("shutdown-wait", 30*time.Second, "how long requests in flight may take to finish after a stop signal")
	watch := fl.Duration("watch", 10*time.Second, "how often to look in the store for a new revision of the rule set or price list (given by NAME, not NAME@N), reloading when there is one; 0 = only on SIGHUP")
	var sf storeFlags
	registerStoreFlags(fl, &sf.dir, &sf.wait)
	sf.stderr = e.stderr
	if _, err := parseFlags(e, fl, args); err != nil {
		return err
	}
	if err := checkRulesRef(*rules); err != nil {
		return err
	}
	load := func() (*service.Engine, error) {
		g, err := loadGrouper(*rules, sf)
		if err != nil {
			return nil, err
		}
		var calc *weights.Calculator
		if *prices != "" {
			if calc, err = loadPrices(*prices, sf, g.RuleSet()); err != nil {
				return nil, err
			}
		} else if calc, err = paymentCalculator(g.RuleSet(), "sample"); err != nil {
			return nil, err
		}
		ref := *rules
		if ref == "" {
			ref = g.RuleSet().Name
		}
		return &service.Engine{Grouper: g, Payment: calc, Rules: ref, Prices: *prices}, nil
	}
	eng, err := load()
	if err != nil {
		return err
	}
	ref := eng.Rules
	h := service.NewHolder(eng)
	// SIGHUP reloads the rule set and price list from the store (a new
	// revision imported beside the running service): requests in flight
	// finish on the engine they took; a failed reload keeps the old one.
	hup := make(chan os.Signal, 1)
	if !signal.Ignored(syscall.SIGHUP) {
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
	}
	reload := func(why string) {
		e2, err := load()
		if err != nil {
			fmt.Fprintf(e.stderr, "drg serve: reload (%s) failed, still serving the previous rule set: %v\n", why, err)
			return
		}
		h.Swap(e2)
		fmt.Fprintf(e.stderr, "drg serve: reloaded %s (version %s) on %s\n", e2.Rules, e2.Grouper.RuleSet().Version, why)
	}
	var tick <-chan time.Time
	last := latestRevisions(sf, *rules, *prices)
	if *watch > 0 && last != "" {
		t := time.NewTicker(*watch)
		defer t.Stop()
		tick = t.C
	}
	go func() {
		for {
			select {
			case <-hup:
				reload("SIGHUP")
				last = latestRevisions(sf, *rules, *prices)
			case <-tick:
				if now := latestRevisions(sf, *rules, *prices); now != "" && now != last {
					last = now
					reload("a new revision in the store")
				}
			case <-ctx.Done():
				return
			}
		}
	}()
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

// latestRevisions names the latest revisions in the store of the rule set
// and price list given by name alone ("" when neither is, or the store is
// busy or absent): what --watch compares between looks. It never waits
// for the store: an import holding it is looked at next time.
func latestRevisions(sf storeFlags, rules, prices string) string {
	watched := func(ref string) bool { return ref != "" && !strings.Contains(ref, "@") && !isDirRef(ref) }
	if !watched(rules) && !watched(prices) {
		return ""
	}
	sf.wait = "0"
	var out strings.Builder
	for _, w := range []struct {
		ref  string
		list func(*store.Store) ([]store.Info, error)
	}{{rules, (*store.Store).List}, {prices, (*store.Store).ListPrices}} {
		if !watched(w.ref) {
			continue
		}
		infos, err := listStore(sf, w.list)
		if err != nil {
			return ""
		}
		rev := 0
		for _, i := range infos {
			if i.Name == w.ref {
				rev = max(rev, i.Revision)
			}
		}
		fmt.Fprintf(&out, "%s@%d ", w.ref, rev)
	}
	return out.String()
}

// isDirRef reports whether ref names a directory of tables.
func isDirRef(ref string) bool {
	fi, err := os.Stat(ref)
	return err == nil && fi.IsDir()
}
