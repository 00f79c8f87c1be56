package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeReloadAndStop runs drg serve as a process on loopback: it
// answers, a new revision imported beside it is served after SIGHUP (a
// request shows the new version) or found by --watch, and SIGTERM ends it
// with 143 after the requests in flight.
func TestServeReloadAndStop(t *testing.T) {
	if signal.Ignored(syscall.SIGHUP) || signal.Ignored(syscall.SIGTERM) {
		t.Skip("SIGHUP or SIGTERM is ignored in this process, and so in drg's")
	}
	exe := buildDRG(t)
	dir := t.TempDir()
	store, exp := filepath.Join(dir, "store"), filepath.Join(dir, "exp")
	if code, _, e := drg(t, "", "rules", "export", "sample", exp, "--store", store); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := drg(t, "", "rules", "import", exp, "--name", "s", "--store", store); code != 0 {
		t.Fatal(e)
	}
	errPath := filepath.Join(dir, "stderr")
	errFile, err := os.Create(errPath)
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	cmd := exec.Command(exe, "serve", "--addr", "127.0.0.1:0", "--rules", "s", "--store", store, "--watch", "100ms")
	cmd.Stderr = errFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-done
	}()
	stderr := func() string { b, _ := os.ReadFile(errPath); return string(b) }
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s within a minute; stderr %q", what, stderr())
			}
		}
	}
	addrRe := regexp.MustCompile(`serving s on (http://127\.0\.0\.1:\d+)`)
	waitFor("address", func() bool { return addrRe.MatchString(stderr()) })
	url := addrRe.FindStringSubmatch(stderr())[1]
	version := func() string {
		resp, err := http.Get(url + "/v1/rulesets")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return regexp.MustCompile(`"version":"([^"]*)"`).FindStringSubmatch(string(b))[1]
	}
	if v := version(); v != "1.0" {
		t.Fatalf("serving version %q, want 1.0", v)
	}
	// A new revision, imported while the service runs (it holds no lock
	// on the store), then SIGHUP.
	rsFile := filepath.Join(exp, "ruleset.tsv")
	b, _ := os.ReadFile(rsFile)
	os.WriteFile(rsFile, []byte(strings.Replace(string(b), "\nversion\t1.0", "\nversion\t2.0", 1)), 0o644)
	if code, _, e := drg(t, "", "rules", "import", exp, "--name", "s", "--store", store); code != 0 {
		t.Fatal(e)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor("reload", func() bool { return strings.Contains(stderr(), "reloaded s (version 2.0)") })
	if v := version(); v != "2.0" {
		t.Errorf("after SIGHUP serving version %q, want 2.0", v)
	}
	// Another revision: --watch finds it without a signal.
	os.WriteFile(rsFile, []byte(strings.Replace(string(b), "\nversion\t1.0", "\nversion\t3.0", 1)), 0o644)
	if code, _, e := drg(t, "", "rules", "import", exp, "--name", "s", "--store", store); code != 0 {
		t.Fatal(e)
	}
	waitFor("reload by --watch", func() bool {
		return strings.Contains(stderr(), "reloaded s (version 3.0) on a new revision in the store")
	})
	if v := version(); v != "3.0" {
		t.Errorf("after the watch serving version %q, want 3.0", v)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
		done <- nil
	case <-time.After(time.Minute):
		t.Fatal("drg serve did not stop within a minute of SIGTERM")
	}
	if code := cmd.ProcessState.ExitCode(); code != 143 || !strings.Contains(stderr(), "drg serve: interrupted by SIGTERM") {
		t.Errorf("exit %d, stderr %q; want 143 and the interruption", code, stderr())
	}
}
