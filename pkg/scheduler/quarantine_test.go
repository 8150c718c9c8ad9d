package scheduler

import (
	"strings"
	"testing"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// A page with one record the store refuses (an empty external_id) used to
// fail as a transient "ingest page" error and was retried forever, so the
// account never moved. Now the good items land, the bad records (the
// store's refusal and the connector's own rejects) are quarantined, the
// cursor moves and the poll counts as ok.
func TestPollQuarantinesBadRecordsAndMovesOn(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	good, bad := e.item("fb", "p1"), e.item("fb", "p1")
	bad.ExternalID = ""
	c.script([]pollStep{
		{page: connectors.Page{Items: []inbox.Item{good, bad}, Cursor: []byte("c1"),
			Rejected: []connectors.Rejected{{Source: "comments", ExternalID: "p1_x", Reason: "comment p1_x has no created_time", Raw: []byte(`{"id":"p1_x"}`)}}}},
		// Every record of the next page is bad: it still advances.
		{page: connectors.Page{Cursor: []byte("c2"), Rejected: []connectors.Rejected{{Source: "comments", Reason: "comment has no id"}}}},
	}, nil)
	e.set(acct(c))

	for i, want := range []string{"c1", "c2"} {
		if err := e.pollNow("fb"); err != nil {
			t.Fatalf("poll %d: %v", i, err)
		}
		if got := string(mustCursor(t, e, "fb")); got != want {
			t.Fatalf("cursor after poll %d = %q, want %q", i, got, want)
		}
	}
	if got := countItems(t, e, "fb"); got != 1 {
		t.Errorf("stored items = %d, want 1", got)
	}
	if got := val(e.s.m.quarantined.WithLabelValues("fb")); got != 3 {
		t.Errorf("records_quarantined_total = %v, want 3", got)
	}
	if got := val(e.s.m.polls.WithLabelValues("fb", "ok")); got != 2 {
		t.Errorf("polls_total{ok} = %v, want 2", got)
	}
	recs, _, err := e.st.Quarantine("fb", "", 10)
	if err != nil || len(recs) != 3 {
		t.Fatalf("quarantine: %+v, %v", recs, err)
	}
	if !strings.Contains(recs[1].Reason, "external_id is empty") || recs[2].ExternalID != "p1_x" || recs[2].Raw != `{"id":"p1_x"}` {
		t.Errorf("quarantined %+v", recs)
	}
	if st := e.state("fb"); st.State != StateIdle || st.LastError != nil {
		t.Errorf("state = %+v", st)
	}
}

// A platform error is not a record: the page is retried, nothing is
// quarantined.
func TestPollTransientErrorStillRetriesThePage(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	c.script([]pollStep{{err: cerr(connectors.Transient, "HTTP 503")}}, nil)
	e.set(acct(c))
	if err := e.pollNow("fb"); connectors.ClassOf(err) != connectors.Transient {
		t.Fatalf("poll: %v", err)
	}
	if got := val(e.s.m.quarantined.WithLabelValues("fb")); got != 0 {
		t.Errorf("records_quarantined_total = %v, want 0", got)
	}
	if c, _ := e.st.Cursor("fb"); c != nil {
		t.Errorf("cursor moved to %q", c)
	}
	if st := e.state("fb"); st.State != StateBackoff {
		t.Errorf("state = %s, want backoff", st.State)
	}
}
