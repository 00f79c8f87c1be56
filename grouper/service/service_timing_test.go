package service_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medpay/drg/grouper/service"
)

// BenchmarkServe is the load driver: single-record requests over loopback
// HTTP with keep-alive from 1, 16 and 64 concurrent clients (requests/s,
// p50 and p99 latency), and the batch endpoint with 1 000 records a
// request (records/s). Targets (on 2 cores, not a timed test): >= 20 000
// single requests/s at p99 < 10 ms with 64 clients; batch >= 300 000
// records/s.
func BenchmarkServe(b *testing.B) {
	srv := server(b, service.NewHolder(engine(b, "A")), service.Options{})
	for _, clients := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("single/clients=%d", clients), func(b *testing.B) {
			tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			lat := make([][]time.Duration, clients)
			var wg sync.WaitGroup
			b.ReportAllocs()
			b.ResetTimer()
			per := (b.N + clients - 1) / clients
			for c := range clients {
				wg.Go(func() {
					for range per {
						t0 := time.Now()
						resp, err := client.Post(srv.URL+"/v1/group", "application/json", strings.NewReader(chole))
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							b.Errorf("status %d", resp.StatusCode)
							return
						}
						lat[c] = append(lat[c], time.Since(t0))
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			all := slices.Concat(lat...)
			slices.Sort(all)
			if len(all) > 0 {
				b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "requests/s")
				b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(rssMB(), "rss-MB")
			}
		})
	}
	b.Run("batch/1000", func(b *testing.B) {
		var body bytes.Buffer
		body.WriteByte('[')
		for i := range 1000 {
			if i > 0 {
				body.WriteByte(',')
			}
			fmt.Fprintf(&body, `{"id":"B%d","sex":1,"age_years":50,"hospital_level":3,"principal_dx":"K80.100","procedures":["51.2300"]}`, i)
		}
		body.WriteByte(']')
		in := body.Bytes()
		b.ReportAllocs()
		for b.Loop() {
			resp, err := http.Post(srv.URL+"/v1/group", "application/json", bytes.NewReader(in))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
		b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "records/s")
		if rss := rssMB(); rss > 0 {
			b.ReportMetric(rss, "rss-MB")
		}
	})
}

// rssMB is the process's resident set in MB (VmRSS; the driver's and the
// service's together, as they share the process), 0 where /proc lacks it.
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
