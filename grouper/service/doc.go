// Package service is the engine as an HTTP service for payment systems
// that are not written in Go (drg serve): per-claim grouping and pricing
// over net/http, JSON in and out.
//
//	h := service.NewHolder(&service.Engine{Grouper: g, Payment: calc, Rules: "chs-drg-1.1@2", Prices: "jilin-2022"})
//	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: service.Handler(h, service.Options{})}
//	h.Swap(newEngine) // reload: requests in flight finish on the old engine
//
// Routes (openapi.yaml describes them; a test holds the two together):
// POST /v1/group (one record as a JSON object, a batch as a JSON array or
// as CSV), POST /v1/explain, GET /v1/rulesets, GET /healthz, GET /metrics
// (Prometheus). Records are read and validated exactly as file records
// are; an unknown field, a malformed body, a field that is not valid or an
// oversize request is a 4xx JSON error naming the record and field, never
// a 500.
//
// Layer: the service, above grouping, pricing and the store; below only
// the command.
package service
