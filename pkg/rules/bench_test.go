package rules_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/api"
	"github.com/inboxd/inboxd/pkg/inbox"

	"github.com/inboxd/inboxd/pkg/rules"
	"github.com/inboxd/inboxd/pkg/sim/workload"
	"github.com/inboxd/inboxd/pkg/store"
	"github.com/inboxd/inboxd/pkg/store/storebench"
)

// benchRules is 100 rules over the realistic workload's 40 units: the
// shipped rules of config.example.yaml (20 units), two per district unit
// (workload.Units' kec-*), and channel-specific rules until there are 100.
func benchRules(tb testing.TB) *rules.Set {
	tb.Helper()
	cfgRules := shippedRuleList(tb)
	for _, u := range workload.Units {
		if len(cfgRules) >= 100 {
			break
		}
		name, ok := cutPrefix(u, "kec-")
		if !ok {
			continue
		}
		cfgRules = append(cfgRules,
			rules.Rule{Name: u + "-a", AnyWords: []string{"kecamatan " + name, "kec " + name, name + " kota"}, AllWords: []string{"camat"}, Unit: u},
			rules.Rule{Name: u + "-b", Regex: `\b` + name + `\b.*\b(kantor|pelayanan)\b`, Unit: u})
	}
	for i := 0; len(cfgRules) < 100; i++ {
		cfgRules = append(cfgRules, rules.Rule{Name: fmt.Sprintf("pad-%d", i), Channel: "twitter", AnyWords: []string{fmt.Sprintf("kode%d", i)}, Tags: []string{"x"}})
	}
	set, err := rules.Compile(cfgRules, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if set.Len() != 100 {
		tb.Fatalf("%d rules", set.Len())
	}
	return set
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

// BenchmarkMatch is one realistic message (80-400 characters) through 100
// rules: normalising it and finding the first match.
func BenchmarkMatch(b *testing.B) {
	set := benchRules(b)
	w, err := workload.New(workload.Realistic, 1, 10_000)
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	for k := range 20 {
		for _, it := range w.Page(k).Items {
			texts = append(texts, it.Text)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		set.Match(rules.Input{Text: texts[i%len(texts)], Channel: "facebook", Kind: "comment"})
	}
}

// BenchmarkIngestWithRules fills two fresh stores with the realistic
// workload (INBOXD_BENCH_ITEMS items, default 20,000; the figure is
// at 100,000), in durable 100-item pages, in the same run: once as the
// workload gives the items (a unit already set, no rules), once routing
// every item with 100 rules first (the unit comes from the rule, or from
// the workload for the few no rule matches, and every item gets its audit
// entry). ratio is rules ÷ plain items/s.
func BenchmarkIngestWithRules(b *testing.B) {
	items, err := storebench.ItemsFromEnv(20_000)
	if err != nil {
		b.Fatal(err)
	}
	set := benchRules(b)
	w, err := workload.New(workload.Realistic, 1, items)
	if err != nil {
		b.Fatal(err)
	}
	fill := func(i int, route bool) (time.Duration, int) {
		st, err := store.Open(filepath.Join(b.TempDir(), fmt.Sprintf("%d-%v.db", i, route)), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		var spent time.Duration
		matched := 0
		for k := range w.Pages() {
			p := w.Page(k)
			start := time.Now()
			if route {
				for j := range p.Items {
					unit := p.Items[j].Unit
					p.Items[j].Unit = ""
					if set.Route(&p.Items[j]) && p.Items[j].Unit != "" {
						matched++
					} else {
						p.Items[j].Unit, p.Items[j].RoutedBy = unit, "fallback"
					}
				}
			}
			if _, err := st.Ingest(p.Account, p.Items, nil, p.Cursor); err != nil {
				b.Fatal(err)
			}
			spent += time.Since(start)
		}
		return spent, matched
	}
	var plain, routed time.Duration
	matched := 0
	for i := range b.N {
		// Alternate which goes first, so neither always meets a warmer cache.
		if i%2 == 0 {
			p, _ := fill(i, false)
			r, m := fill(i, true)
			plain, routed, matched = plain+p, routed+r, m
		} else {
			r, m := fill(i, true)
			p, _ := fill(i, false)
			plain, routed, matched = plain+p, routed+r, m
		}
	}
	n := float64(w.Pages() * workload.PageSize * b.N)
	b.ReportMetric(n/plain.Seconds(), "plain-items/s")
	b.ReportMetric(n/routed.Seconds(), "rules-items/s")
	b.ReportMetric(plain.Seconds()/routed.Seconds(), "ratio")
	b.ReportMetric(100*float64(matched)/float64(w.Pages()*workload.PageSize), "%matched")
}

// BenchmarkRoutingTestHTTP is POST /api/v1/routing/test with 100 rules,
// through HTTP on loopback with a keep-alive client, one request at a time;
// it reports the p50 and p99 latency the client sees, and those of GET
// /healthz (no auth, no body) interleaved in the same run: the floor the
// machine and the HTTP stack set.
func BenchmarkRoutingTestHTTP(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "inboxd.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	live := &rules.Live{}
	live.Store(benchRules(b))
	srv, err := api.New(api.Options{Store: st, Rules: live, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	ts := httptest.NewServer(srv)
	defer ts.Close()
	secret, _, err := st.CreateToken("bench", inbox.RoleOperator, "")
	if err != nil {
		b.Fatal(err)
	}
	w, err := workload.New(workload.Realistic, 1, 2_000)
	if err != nil {
		b.Fatal(err)
	}
	var bodies [][]byte
	for k := range w.Pages() {
		for _, it := range w.Page(k).Items {
			body, _ := json.Marshal(map[string]string{"text": it.Text, "channel": string(it.Channel), "kind": string(it.Kind)})
			bodies = append(bodies, body)
		}
	}
	client := ts.Client()
	lat := make([]time.Duration, 0, b.N)
	floor := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		resp, err := client.Get(ts.URL + "/healthz")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		floor = append(floor, time.Since(start))

		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/routing/test", bytes.NewReader(bodies[i%len(bodies)]))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		start = time.Now()
		resp, err = client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(floor)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(floor[len(floor)/2].Microseconds()), "healthz-p50-µs")
	b.ReportMetric(float64(floor[len(floor)*99/100].Microseconds()), "healthz-p99-µs")
}
