package facebook

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
)

// A server that answers with whatever body the test sets, for shapes the
// fake never produces.
func bareConnector(t *testing.T, body string) *Connector {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(body, `"error"`) {
			w.WriteHeader(http.StatusBadRequest)
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{Name: "x", PageID: testPageID, PageToken: testToken, GraphURL: srv.URL, Sources: []string{SourceTagged}},
		Options{HTTPClient: srv.Client(), Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A body that is not a Graph object at all is a platform failure: the
// page is retried.
func TestUndocumentedShapeIsTransient(t *testing.T) {
	c := bareConnector(t, `["not","an","object"]`)
	_, err := c.Poll(t.Context(), nil)
	if connectors.ClassOf(err) != connectors.Transient || !strings.Contains(err.Error(), "not Graph JSON") {
		t.Fatalf("err = %v", err)
	}
}

// A Graph object whose data is not a list is a record inboxd cannot use:
// it is rejected (quarantined by the scheduler) and the walk moves on.
func TestDataOfTheWrongShapeIsRejected(t *testing.T) {
	c := bareConnector(t, `{"data":{"not":"a list"}}`)
	p, err := c.Poll(t.Context(), nil)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	if len(p.Rejected) != 1 || !strings.Contains(p.Rejected[0].Reason, "not a list") || p.Rejected[0].Source != SourceTagged ||
		string(p.Rejected[0].Raw) != `{"not":"a list"}` || p.Cursor == nil || p.More {
		t.Fatalf("page = %+v", p)
	}
}

func TestSecretsEchoedByFacebookAreRedacted(t *testing.T) {
	c := bareConnector(t, `{"error":{"message":"Malformed access token `+testToken+`","type":"OAuthException","code":190,"fbtrace_id":"x"}}`)
	_, err := c.Poll(t.Context(), nil)
	if connectors.ClassOf(err) != connectors.Auth || strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("err = %v", err)
	}
}
