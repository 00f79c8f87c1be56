package service_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/service"
)

// Example serves the SAMPLE rule set (grouping only) and groups one claim
// over HTTP, as a payment system would call drg serve.
func Example() {
	rs, _ := grouper.Sample()
	g, err := grouper.Compile(rs)
	if err != nil {
		log.Fatal(err)
	}
	h := service.NewHolder(&service.Engine{Grouper: g, Rules: "sample"})
	srv := httptest.NewServer(service.Handler(h, service.Options{}))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/v1/group", "application/json",
		strings.NewReader(`{"id":"R1","sex":1,"age_years":50,"principal_dx":"K80.100","procedures":["51.2300"]}`))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.TrimSpace(string(b)))
	// Output:
	// 200 {"id":"R1","rules":"sample","result":{"status":"OK","unknown_codes":0,"mdc":"H","adrg":"HC2","drg":"HC25","principal_dx":"K80.100","cc_level":"none","dip":{"group":"","kind":"none","score":0,"class":"","severity":"none"}}}
}
