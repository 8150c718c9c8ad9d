package store

import (
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func openWithQuarantine(t *testing.T, c *clock, path string, lim QuarantineLimits) *Store {
	t.Helper()
	s, err := Open(path, Options{Now: c.Now, Logger: slog.New(slog.DiscardHandler), Quarantine: lim})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A page with a record the store refuses (an empty external_id, which the
// X connector let through before) used to fail as a whole, so the account
// retried it forever. Now the good items land, the bad one is quarantined
// and the cursor moves, all in one transaction.
func TestIngestPageQuarantinesWhatTheStoreRefuses(t *testing.T) {
	e := newEnv(t)
	at := e.clock.Now().Add(-time.Hour)
	good := fbComment("c1", "p1", "u1", at)
	bad := fbComment("", "p1", "u2", at)

	if _, err := e.s.Ingest("acct", []inbox.Item{good, bad}, nil, []byte("cur-1")); err == nil {
		t.Fatal("Ingest took an item without external_id")
	}

	res, err := e.s.IngestPage("acct", Page{Items: []inbox.Item{good, bad}, Cursor: []byte("cur-1"),
		Rejected: []Rejected{{Source: "comments", ExternalID: "c9", Reason: "created_time missing", Raw: []byte(`{"id":"c9"}`)}}})
	if err != nil {
		t.Fatalf("IngestPage: %v", err)
	}
	if res.New != 1 || res.Quarantined != 2 {
		t.Fatalf("result %+v, want 1 new and 2 quarantined", res)
	}
	if c := must[[]byte](t)(e.s.Cursor("acct")); string(c) != "cur-1" {
		t.Fatalf("cursor %q, want cur-1", c)
	}
	recs, next := quarantineAll(t, e.s, "acct")
	if len(recs) != 2 || next != "" {
		t.Fatalf("got %d records (next %q), want 2", len(recs), next)
	}
	// Newest first: the store's refusal is written after the connector's.
	if r := recs[0]; r.Source != string(inbox.KindComment) || !strings.Contains(r.Reason, "external_id is empty") || !strings.Contains(r.Raw, `"author"`) {
		t.Fatalf("store-refused record %+v", r)
	}
	if r := recs[1]; r.Source != "comments" || r.ExternalID != "c9" || r.Reason != "created_time missing" || r.Raw != `{"id":"c9"}` || !r.At.Equal(e.clock.Now()) || r.Account != "acct" {
		t.Fatalf("connector-rejected record %+v", r)
	}
	sum := must[map[string]QuarantineSummary](t)(e.s.QuarantineSummaries())["acct"]
	if sum.Count != 2 || !strings.Contains(sum.LastReason, "external_id") || sum.LastAt == nil || !sum.LastAt.Equal(e.clock.Now()) {
		t.Fatalf("summary %+v", sum)
	}
}

// A page where every record is bad still commits its cursor.
func TestIngestPageAllBadStillAdvances(t *testing.T) {
	e := newEnv(t)
	res, err := e.s.IngestPage("acct", Page{Cursor: []byte("cur-2"), Rejected: []Rejected{{Source: "mentions", Reason: "no id"}}})
	if err != nil || res.Quarantined != 1 || res.New != 0 {
		t.Fatalf("IngestPage: %+v, %v", res, err)
	}
	if c := must[[]byte](t)(e.s.Cursor("acct")); string(c) != "cur-2" {
		t.Fatalf("cursor %q, want cur-2", c)
	}
}

func quarantineAll(t *testing.T, s *Store, account string) ([]QuarantineRecord, string) {
	t.Helper()
	recs, next, err := s.Quarantine(account, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return recs, next
}

func TestQuarantineBoundedByCountAgeAndSize(t *testing.T) {
	c := newClock()
	path := filepath.Join(t.TempDir(), "q.db")
	lim := QuarantineLimits{MaxRecords: 3, MaxAge: 48 * time.Hour, MaxRawBytes: 8}
	s := openWithQuarantine(t, c, path, lim)
	reject := func(account, id string) {
		t.Helper()
		// "é" straddles the 8-byte cut: the raw is cut before it, not through it.
		raw := []byte(`{"id":"é` + id + `"}`)
		if _, err := s.IngestPage(account, Page{Rejected: []Rejected{{Source: "mentions", ExternalID: id, Reason: "bad " + id, Raw: raw}}}); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Minute)
	}
	for _, id := range []string{"1", "2", "3", "4"} {
		reject("a", id)
	}
	reject("b", "5")
	recs, _ := quarantineAll(t, s, "")
	var got []string
	for _, r := range recs {
		got = append(got, r.ExternalID)
	}
	if strings.Join(got, ",") != "5,4,3" {
		t.Fatalf("kept %v, want the newest three 5,4,3", got)
	}
	if r := recs[0]; r.Raw != `{"id":"` || !r.RawTruncated {
		t.Fatalf("raw %q truncated=%v, want the first 7 bytes (no split character)", r.Raw, r.RawTruncated)
	}
	sums := must[map[string]QuarantineSummary](t)(s.QuarantineSummaries())
	if sums["a"].Count != 2 || sums["b"].Count != 1 || sums["a"].LastReason != "bad 4" {
		t.Fatalf("summaries %+v", sums)
	}

	// Past the age limit, the old records go at the next Open.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	c.Advance(48 * time.Hour)
	s = openWithQuarantine(t, c, path, lim)
	defer s.Close()
	if recs, _ := quarantineAll(t, s, ""); len(recs) != 0 {
		t.Fatalf("%d records older than max_age survived Open", len(recs))
	}
	sums = must[map[string]QuarantineSummary](t)(s.QuarantineSummaries())
	if sums["a"].Count != 0 || sums["b"].Count != 0 || sums["a"].LastReason != "bad 4" {
		t.Fatalf("summaries after expiry %+v", sums)
	}
}

func TestQuarantineListPagesByAccount(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		for _, acct := range []string{"a", "b"} {
			if _, err := e.s.IngestPage(acct, Page{Rejected: []Rejected{{Source: "s", ExternalID: extID(i), Reason: "r"}}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		recs, next, err := e.s.Quarantine("b", cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Account != "b" {
				t.Fatalf("account %q in b's list", r.Account)
			}
			got = append(got, r.ExternalID)
		}
		if next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("list does not end")
		}
		cursor = next
	}
	if strings.Join(got, ",") != "m00004,m00003,m00002,m00001,m00000" {
		t.Fatalf("b's records %v", got)
	}
	if _, _, err := e.s.Quarantine("", "nope", 2); !errors.Is(err, ErrInvalidCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
}

// A record re-read by a later poll (Facebook re-walks threads, X DMs have
// no since_id) is quarantined once.
func TestQuarantineSkipsARecordAlreadyHeld(t *testing.T) {
	e := newEnv(t)
	rec := Rejected{Source: "direct_messages", ExternalID: "17", Reason: "no created_at"}
	for i, want := range []int{1, 0} {
		res, err := e.s.IngestPage("acct", Page{Rejected: []Rejected{rec}})
		if err != nil || res.Quarantined != want {
			t.Fatalf("poll %d: %+v, %v; want %d quarantined", i, res, err, want)
		}
	}
	// Another account's record with the same id is its own.
	if res, err := e.s.IngestPage("other", Page{Rejected: []Rejected{rec}}); err != nil || res.Quarantined != 1 {
		t.Fatalf("other account: %+v, %v", res, err)
	}
	if sum := must[map[string]QuarantineSummary](t)(e.s.QuarantineSummaries()); sum["acct"].Count != 1 || sum["other"].Count != 1 {
		t.Fatalf("summaries %+v", sum)
	}
}
