package service_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/service"
	"github.com/medpay/drg/weights"
)

// engine is the SAMPLE rule set priced by the SAMPLE policy; version names
// it, so that a swap shows.
func engine(t testing.TB, version string) *service.Engine {
	t.Helper()
	rs, err := grouper.Sample()
	if err != nil {
		t.Fatal(err)
	}
	rs.Version = version
	g, err := grouper.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	tab, _ := weights.TableFromRuleSet(rs)
	pol, _ := weights.SamplePolicy()
	calc, err := weights.New(pol, tab)
	if err != nil {
		t.Fatal(err)
	}
	return &service.Engine{Grouper: g, Payment: calc, Rules: "sample@" + version, Prices: "sample"}
}

// server serves on loopback (httptest binds 127.0.0.1).
func server(t testing.TB, h *service.Holder, opts service.Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(service.Handler(h, opts))
	t.Cleanup(srv.Close)
	return srv
}

func post(t testing.TB, url, ctype, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: not JSON: %q", url, b)
	}
	return resp.StatusCode, out
}

const chole = `{"id":"R1","sex":1,"age_years":50,"hospital_level":3,"principal_dx":"k80.100","procedures":["51.2300"]}`

// TestEndpoints: every route and error, over real HTTP on loopback. HC25
// (RW 1.79) at level 3 pays 1.79 × 10 000 × 1.2 = 21 480.
func TestEndpoints(t *testing.T) {
	srv := server(t, service.NewHolder(engine(t, "A")), service.Options{MaxBatch: 2, MaxBody: 4096})
	code, out := post(t, srv.URL+"/v1/group?names=true", "application/json", chole)
	res, _ := out["result"].(map[string]any)
	pay, _ := out["payment"].(map[string]any)
	names, _ := out["names"].(map[string]any)
	if code != 200 || res["drg"] != "HC25" || res["status"] != "OK" || pay["amount"] != 21480.0 || names["HC25"] != "腹腔镜胆囊切除术，不伴并发症或合并症" || out["rules"] != "sample@A" {
		t.Errorf("group: %d %v", code, out)
	}
	code, out = post(t, srv.URL+"/v1/group", "application/json", "["+chole+`,{"id":"R2","sex":2,"age_years":40,"principal_dx":"K80.100"}]`)
	if rs, _ := out["results"].([]any); code != 200 || len(rs) != 2 {
		t.Errorf("batch: %d %v", code, out)
	}
	code, out = post(t, srv.URL+"/v1/group", "text/csv", "id,sex,age_years,principal_dx,procedures\nC1,1,50,K80.100,51.2300\n")
	if rs, _ := out["results"].([]any); code != 200 || len(rs) != 1 {
		t.Errorf("CSV batch: %d %v", code, out)
	}
	code, out = post(t, srv.URL+"/v1/explain", "application/json", chole)
	if tr, _ := out["trace"].(string); code != 200 || !strings.Contains(tr, "HC25     [腹腔镜胆囊切除术，不伴并发症或合并症]") {
		t.Errorf("explain: %d %v", code, out)
	}
	for _, tc := range []struct {
		name, ctype, body string
		code              int
		want              map[string]string
	}{
		{"malformed JSON", "application/json", `{"id":"R1",`, 400, map[string]string{}},
		{"unknown field", "application/json", `{"id":"R9","principal_dx":"K80.100","colour":"red"}`, 400, map[string]string{"record": "R9", "field": "colour", "reason": "unknown_field"}},
		{"bad code", "application/json", `{"id":"R8","principal_dx":"K8"}`, 400, map[string]string{"record": "R8", "field": "principal_dx", "reason": "invalid_code"}},
		{"oversize body", "application/json", `{"id":"R7","principal_dx":"K80.100","hospital_id":"` + strings.Repeat("x", 5000) + `"}`, 413, map[string]string{}},
		{"batch over the limit", "application/json", "[" + chole + "," + chole + "," + chole + "]", 413, map[string]string{}},
		{"out of the price list's period", "application/json", `{"id":"R6","principal_dx":"K80.100","discharge_date":"2031-01-01"}`, 422, map[string]string{"record": "R6", "field": "discharge_date", "reason": "not_in_force"}},
	} {
		code, out := post(t, srv.URL+"/v1/group", tc.ctype, tc.body)
		if code != tc.code || out["error"] == "" {
			t.Errorf("%s: %d %v, want %d with an error", tc.name, code, out, tc.code)
		}
		for k, v := range tc.want {
			if out[k] != v {
				t.Errorf("%s: %s = %v, want %s", tc.name, k, out[k], v)
			}
		}
	}
	if code, out := post(t, srv.URL+"/v1/explain", "application/json", "["+chole+"]"); code != 400 {
		t.Errorf("explain of a list: %d %v", code, out)
	}
	for path, want := range map[string]string{"/v1/rulesets": `"rules":"sample@A"`, "/healthz": `"status":"ok"`} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
		}
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`drg_requests_total{code="200",route="POST /v1/group"} 3`, `drg_records_total{status="OK"}`,
		`drg_rejects_total{reason="invalid_code"} 1`, `drg_ruleset_info{prices="sample",rules="sample@A",version="A"} 1`, `drg_request_seconds_bucket`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if resp, _ := http.Get(srv.URL + "/v1/group"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /v1/group: %d", resp.StatusCode)
	}
}

// TestReloadUnderLoad: requests from eight clients while the engine is
// swapped back and forth all succeed, each answered wholly by one engine
// (run under -race in CI).
func TestReloadUnderLoad(t *testing.T) {
	a, b := engine(t, "A"), engine(t, "B")
	h := service.NewHolder(a)
	srv := server(t, h, service.Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for c := range 8 {
		wg.Go(func() {
			for i := range 50 {
				code, out := post(t, srv.URL+"/v1/group", "application/json", chole)
				if code != 200 || (out["rules"] != "sample@A" && out["rules"] != "sample@B") {
					errs <- fmt.Errorf("client %d request %d: %d %v", c, i, code, out)
					return
				}
			}
		})
	}
	for i := range 200 {
		if i%2 == 0 {
			h.Swap(b)
		} else {
			h.Swap(a)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestOpenAPIMatchesRoutes: openapi.yaml describes exactly the routes the
// Handler serves, method by method.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	f, err := os.Open("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pathRe, methodRe := regexp.MustCompile(`^  (/\S*):\s*$`), regexp.MustCompile(`^    (get|post|put|delete|patch):\s*$`)
	var got []string
	path := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := pathRe.FindStringSubmatch(sc.Text()); m != nil {
			path = m[1]
		} else if m := methodRe.FindStringSubmatch(sc.Text()); m != nil && path != "" {
			got = append(got, strings.ToUpper(m[1])+" "+path)
		} else if !strings.HasPrefix(sc.Text(), " ") {
			path = ""
		}
	}
	want := slices.Clone(service.Routes)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("openapi.yaml describes %v, the handler serves %v", got, want)
	}
}
