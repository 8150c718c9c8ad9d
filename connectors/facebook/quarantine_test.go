package facebook

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
)

// bodyConnector polls every source of a Page whose Graph answers reads
// whose path holds edge ("" for every read) with body, and others with an
// empty list. Its look-back reaches the recorded samples (2021).
func bodyConnector(t *testing.T, edge string, body []byte) *Connector {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !strings.Contains(r.URL.Path, edge) {
			_, _ = w.Write([]byte(`{"data":[]}`))
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{Name: "x", PageID: testPageID, PageToken: testToken, GraphURL: srv.URL,
		Lookback: 10 * 365 * 24 * time.Hour, MaxPagesPerPoll: 3},
		Options{HTTPClient: srv.Client(), Now: func() time.Time { return t0 }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkUsable asserts what every poll of a readable body must give: valid
// items, rejected records with a reason and source, and a cursor.
func checkUsable(t *testing.T, p connectors.Page) {
	t.Helper()
	for _, it := range p.Items {
		if err := it.Validate(); err != nil {
			t.Fatalf("invalid item: %v", err)
		}
	}
	for _, r := range p.Rejected {
		if r.Reason == "" || r.Source == "" {
			t.Fatalf("rejected record without reason or source: %+v", r)
		}
	}
	if p.Cursor == nil {
		t.Fatal("no cursor")
	}
}

// Every recorded list response goes through the normaliser and yields
// items, clearly rejected records, or both. Before record-by-record
// normalisation facebook_conversations_messages.json (created_time
// "UNIX-TIMESTAMP") failed the whole poll.
func TestRecordedSamplesNeverStall(t *testing.T) {
	files, err := filepath.Glob("testdata/samples/facebook_*.json")
	if err != nil || len(files) < 3 {
		t.Fatalf("samples: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// Each sample at the edge whose list it is; the replies of a
			// comment have the shape of a tagged-posts list.
			edge := map[string]string{
				"facebook_conversations_messages.json": "/conversations",
				"facebook_feed_comments.json":          "/feed",
				"facebook_comment_replies_list.json":   "/tagged",
			}[filepath.Base(f)]
			if edge == "" {
				t.Fatalf("no edge for %s", f)
			}
			p, err := bodyConnector(t, edge, body).Poll(context.Background(), nil)
			if err != nil {
				t.Fatalf("Poll: %v", err)
			}
			checkUsable(t, p)
			if len(p.Items)+len(p.External)+len(p.Rejected) == 0 {
				t.Fatal("the sample gave neither items nor rejected records")
			}
			for _, r := range p.Rejected {
				t.Logf("rejected %s %q: %s", r.Source, r.ExternalID, r.Reason)
			}
		})
	}
}

// One comment with a time Graph never writes used to fail the whole feed
// page; now the other comments arrive and that one is rejected.
func TestOneBadCommentDoesNotFailThePage(t *testing.T) {
	body := `{"data":[{"id":"` + testPageID + `_1","created_time":"2026-03-02T07:00:00+0000","updated_time":"2026-03-02T07:30:00+0000",
		"comments":{"data":[
			{"id":"1_c2","from":{"id":"u2","name":"Siti"},"message":"jalan rusak","created_time":"2026-03-02T07:30:00+0000"},
			{"id":"1_c1","from":{"id":"u1","name":"Budi"},"message":"lampu mati","created_time":"kemarin"},
			{"id":"","from":{"id":"u3","name":"Ani"},"message":"halo","created_time":"2026-03-02T07:10:00+0000"}]}}]}`
	c := bodyConnector(t, "/feed", []byte(body))
	c.cfg.Sources = []string{SourceComments}
	p, err := c.Poll(context.Background(), nil)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	checkUsable(t, p)
	if len(p.Items) != 1 || p.Items[0].ExternalID != "1_c2" {
		t.Fatalf("items %+v", p.Items)
	}
	if len(p.Rejected) != 2 || p.Rejected[0].ExternalID != "1_c1" || !strings.Contains(p.Rejected[0].Reason, "kemarin") ||
		p.Rejected[0].Source != SourceComments || !strings.Contains(string(p.Rejected[0].Raw), `"lampu mati"`) ||
		!strings.Contains(p.Rejected[1].Reason, "has no id") {
		t.Fatalf("rejected %+v", p.Rejected)
	}
}
