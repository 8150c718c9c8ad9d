package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// The demo daemon's /metrics passes client_golang's promlint: names,
// units, types and help as Prometheus expects them (a gauge with a
// quantile label and a _count gauge once failed it).
func TestMetricsPassPromlint(t *testing.T) {
	r := startREADMEDemo(t, t.TempDir())
	code, body := r.d.do(http.MethodGet, "/metrics", nil)
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	problems, err := promlint.New(bytes.NewReader(body)).Lint()
	if err != nil {
		t.Fatalf("promlint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	for _, want := range []string{"go_goroutines", "process_cpu_seconds_total", "inboxd_build_info{",
		"inboxd_account_last_success_timestamp_seconds{", "inboxd_first_response_seconds_count{"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
