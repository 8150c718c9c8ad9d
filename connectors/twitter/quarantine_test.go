package twitter

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// bodyConnector is a connector on a server that answers X's list
// endpoints with fixed bodies, for shapes the fake never produces.
func bodyConnector(t *testing.T, api string, mentions, dms []byte) *Connector {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(r.URL.Path, "mentions") {
			_, _ = w.Write(mentions)
			return
		}
		_, _ = w.Write(dms)
	}))
	t.Cleanup(srv.Close)
	c := staticConnector(t, api, srv.URL)
	c.cfg.MaxPagesPerPoll = 3
	return c
}

const (
	emptyV2 = `{"meta":{"result_count":0}}`
	emptyV1 = `[]`
	emptyDM = `{"events":[]}`
)

// checkUsable asserts what every poll of a readable body must give: valid
// items, rejected records with a reason, and a cursor to commit.
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
// normalisation, x_v2_mentions_default_fields.json (no created_at) and
// x_v2_partial_errors.json failed the whole poll.
func TestRecordedSamplesNeverStall(t *testing.T) {
	files, err := filepath.Glob("testdata/samples/x_*.json")
	if err != nil || len(files) < 6 {
		t.Fatalf("samples: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			api, m, d := APIv2, []byte(emptyV2), []byte(emptyV2)
			if strings.Contains(f, "_v1_") {
				api, m, d = APIv11, []byte(emptyV1), []byte(emptyDM)
			}
			if strings.Contains(f, "dm_events") {
				d = body
			} else {
				m = body
			}
			p, err := bodyConnector(t, api, m, d).Poll(context.Background(), nil)
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

// The defects of issue 9, each of which failed the whole poll before.
func TestOneBadPostDoesNotFailThePage(t *testing.T) {
	cases := []struct {
		name, body   string
		items        []string
		rejected     []string
		reason       string
		sinceIDAfter string
	}{
		{
			name: "one of two posts lacks created_at and has a pre-snowflake id",
			body: `{"data":[{"id":"1899016312894423041","text":"@humas_sleman jalan rusak","author_id":"` + budiID + `","created_at":"2026-03-10T07:12:45.000Z","conversation_id":"1899016312894423041"},
				{"id":"777","text":"@humas_sleman halo","author_id":"` + sitiID + `"}],
				"meta":{"newest_id":"1899016312894423041","oldest_id":"777","result_count":2}}`,
			items: []string{"1899016312894423041"}, rejected: []string{"777"}, reason: "has no created_at",
			sinceIDAfter: "1899016312894423041",
		},
		{
			name: "a post with an empty id",
			body: `{"data":[{"id":"","text":"x","author_id":"` + budiID + `","created_at":"2026-03-10T07:12:45.000Z"},
				{"id":"1899016312894423041","text":"ok","author_id":"` + budiID + `","created_at":"2026-03-10T07:12:45.000Z"}],
				"meta":{"result_count":2}}`,
			items: []string{"1899016312894423041"}, rejected: []string{""}, reason: "has no id",
			sinceIDAfter: "1899016312894423041",
		},
		{
			name: "the newest post is bad: since_id still moves past it",
			body: `{"data":[{"id":"1899016312894423099","text":"x","author_id":"` + budiID + `","created_at":"yesterday"}],
				"meta":{"newest_id":"1899016312894423099","result_count":1}}`,
			rejected: []string{"1899016312894423099"}, reason: "is not a time",
			sinceIDAfter: "1899016312894423099",
		},
		{
			name: "a record of the wrong type, a garbage newest_id",
			body: `{"data":[{"id":17,"text":"x"},{"id":"1899016312894423041","text":"ok","author_id":"` + budiID + `","created_at":"2026-03-10T07:12:45.000Z"}],
				"meta":{"newest_id":"../../x","result_count":2}}`,
			items: []string{"1899016312894423041"}, rejected: []string{""}, reason: "not in X's shape",
			sinceIDAfter: "1899016312894423041",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := bodyConnector(t, APIv2, []byte(tc.body), []byte(emptyV2))
			p, err := c.Poll(context.Background(), nil)
			if err != nil {
				t.Fatalf("Poll: %v", err)
			}
			checkUsable(t, p)
			if got := ids(p.Items, func(it inbox.Item) string { return it.ExternalID }); strings.Join(got, ",") != strings.Join(tc.items, ",") {
				t.Fatalf("items %v, want %v", got, tc.items)
			}
			if got := ids(p.Rejected, func(r connectors.Rejected) string { return r.ExternalID }); strings.Join(got, ",") != strings.Join(tc.rejected, ",") {
				t.Fatalf("rejected %v, want %v", got, tc.rejected)
			}
			if !strings.Contains(p.Rejected[0].Reason, tc.reason) || len(p.Rejected[0].Raw) == 0 {
				t.Fatalf("rejected %+v, want reason %q and the raw record", p.Rejected[0], tc.reason)
			}
			if cur := decoded(t, p.Cursor); cur.Mentions.SinceID != tc.sinceIDAfter {
				t.Fatalf("since_id %q, want %q", cur.Mentions.SinceID, tc.sinceIDAfter)
			}
		})
	}
}

// X's errors[] next to data[] is not a failure of the page: the data is
// kept and the errors are logged at debug level.
func TestPartialErrorsAreLoggedAtDebug(t *testing.T) {
	body := `{"data":[{"id":"1899016312894423041","text":"ok","author_id":"` + budiID + `","created_at":"2026-03-10T07:12:45.000Z"}],
		"errors":[{"resource_id":"456","resource_type":"tweet","title":"Not Found Error","detail":"Could not find tweet with id: [456].","type":"https://api.x.com/2/problems/resource-not-found"}],
		"meta":{"newest_id":"1899016312894423041","result_count":1}}`
	var logs strings.Builder
	c := bodyConnector(t, APIv2, []byte(body), []byte(emptyV2))
	c.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := c.Poll(context.Background(), nil)
	if err != nil || len(p.Items) != 1 || len(p.Rejected) != 0 {
		t.Fatalf("Poll: %+v, %v", p, err)
	}
	if !strings.Contains(logs.String(), "level=DEBUG msg=\"X returned partial errors\"") || !strings.Contains(logs.String(), "resource_id=456") {
		t.Fatalf("partial errors not logged at debug:\n%s", logs.String())
	}
}
