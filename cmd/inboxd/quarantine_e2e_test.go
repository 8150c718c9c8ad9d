package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// xConfig is a config with one X account (OAuth 1.0a, mentions only) on
// apiURL, polled only when asked.
func xConfig(t *testing.T, apiURL string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	writeFile(t, path, fmt.Sprintf(`data_dir: %q
log:
  level: debug
http:
  listen: 127.0.0.1:0
  bootstrap_admin_token: ${%s}
accounts:
  - name: %s
    platform: twitter
    schedule: "@every 1h"
    sources: [mentions]
    api_url: %q
    user_id: %q
    oauth1:
      consumer_key: %q
      consumer_secret: %q
      access_token: %q
      access_secret: %q
`, filepath.Join(dir, "data"), tAdminTokenEnv, xAccount, apiURL, tXUserID, tConsumerKey, tConsumerSec, tAccessToken, tAccessSecret))
	return path
}

// End to end through serve: X's mentions page holds 99 good posts and one
// whose created_at is not a time. The 99 arrive, the bad one is
// quarantined (API, account summary, metric), and the next poll moves on
// past it. Before the quarantine the whole page failed, every poll.
func TestOneMalformedAmongNinetyNineIsQuarantined(t *testing.T) {
	const first = 1899000000000000000
	badID := fmt.Sprint(first + 50)
	var (
		mu     sync.Mutex
		since  []string
		newest = fmt.Sprint(first + 99)
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !strings.HasSuffix(r.URL.Path, "/mentions") {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		since = append(since, r.URL.Query().Get("since_id"))
		mu.Unlock()
		if r.URL.Query().Get("since_id") != "" {
			_, _ = w.Write([]byte(`{"meta":{"result_count":0}}`))
			return
		}
		var posts []string
		at := time.Now().UTC().Add(-time.Hour)
		for i := 99; i >= 0; i-- { // newest first, as X answers
			created := at.Add(time.Duration(i) * time.Second).Format("2006-01-02T15:04:05.000Z")
			if i == 50 {
				created = "kemarin sore"
			}
			posts = append(posts, fmt.Sprintf(`{"id":"%d","text":"@%s laporan %d","author_id":"77%d","created_at":%q,"conversation_id":"%d"}`,
				first+i, tXUsername, i, i, created, first+i))
		}
		fmt.Fprintf(w, `{"data":[%s],"meta":{"newest_id":%q,"oldest_id":"%d","result_count":100}}`, strings.Join(posts, ","), newest, first)
	}))
	defer srv.Close()

	d := startDaemon(t, xConfig(t, srv.URL))
	d.pollSucceeded(xAccount)
	items := d.items("account=" + xAccount)
	if len(items) != 99 {
		t.Fatalf("%d items, want 99", len(items))
	}
	for _, it := range items {
		if it.ExternalID == badID {
			t.Fatalf("the malformed post became an item: %+v", it)
		}
	}
	var q struct {
		Records []struct {
			Account, Source, Reason, Raw string
			ExternalID                   string `json:"external_id"`
		} `json:"records"`
	}
	d.getJSON("/api/v1/quarantine?account="+xAccount, &q)
	if len(q.Records) != 1 || q.Records[0].ExternalID != badID || q.Records[0].Source != "mentions" ||
		!strings.Contains(q.Records[0].Reason, "created_at") || !strings.Contains(q.Records[0].Raw, "kemarin sore") {
		t.Fatalf("quarantine: %+v", q)
	}
	var accts struct {
		Accounts []struct {
			Name       string
			Quarantine struct {
				Count      int    `json:"count"`
				LastReason string `json:"last_reason"`
			} `json:"quarantine"`
		} `json:"accounts"`
	}
	d.getJSON("/api/v1/accounts", &accts)
	if a := accts.Accounts[0]; a.Quarantine.Count != 1 || !strings.Contains(a.Quarantine.LastReason, badID) {
		t.Fatalf("account quarantine: %+v", accts)
	}
	if got := d.metrics()[metric("inboxd_records_quarantined_total", "account", xAccount)]; got != 1 {
		t.Fatalf("inboxd_records_quarantined_total = %v, want 1", got)
	}

	// The next poll moves on: since_id is past the bad post, nothing is
	// read twice, nothing new is quarantined.
	d.pollSucceeded(xAccount)
	mu.Lock()
	last := since[len(since)-1]
	mu.Unlock()
	if last != newest {
		t.Fatalf("next poll asked since_id %q, want %s", last, newest)
	}
	if n := len(d.items("account=" + xAccount)); n != 99 {
		t.Fatalf("%d items after the next poll, want 99", n)
	}
	d.getJSON("/api/v1/quarantine", &q)
	if len(q.Records) != 1 {
		t.Fatalf("%d quarantined after the next poll, want 1", len(q.Records))
	}
	d.checkNoErrors()
}
