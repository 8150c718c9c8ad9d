package store

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// The store names no platform: it takes the channels of the reply tables
// it was opened with (the registry's, in the daemon), refuses others at
// ingest and in a filter, and, opened without tables (tests, tools), takes
// any non-empty channel.
func TestChannelsAreTheRegisteredTables(t *testing.T) {
	e := newEnv(t)
	at := e.clock.Now()
	res, err := e.s.IngestPage("acct", Page{Items: []inbox.Item{fbComment("c1", "p1", "u1", at), item("myspace", inbox.KindComment, "m1", "p1", "u1", at)}})
	if err != nil || res.New != 1 || res.Quarantined != 1 {
		t.Fatalf("IngestPage: %+v, %v; want 1 new, 1 quarantined", res, err)
	}
	if recs, _ := quarantineAll(t, e.s, "acct"); len(recs) != 1 || !strings.Contains(recs[0].Reason, `unknown channel "myspace"`) {
		t.Fatalf("quarantine %+v", recs)
	}
	if _, err := e.s.List(Filter{Channel: "myspace"}); err == nil || !strings.Contains(err.Error(), "unknown channel") {
		t.Fatalf("List(channel=myspace): %v", err)
	}
	if _, err := e.s.Ingest("acct", []inbox.Item{item("", inbox.KindComment, "e1", "p1", "u1", at)}, nil, nil); err == nil {
		t.Fatal("took an item without a channel")
	}

	bare, err := Open(filepath.Join(t.TempDir(), "bare.db"), Options{Now: e.clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	if res, err := bare.Ingest("acct", []inbox.Item{item("myspace", inbox.KindComment, "m1", "p1", "u1", at)}, nil, nil); err != nil || res.New != 1 {
		t.Fatalf("a store without tables: %+v, %v", res, err)
	}
	if page, err := bare.List(Filter{Kind: inbox.KindComment}); err != nil || len(page.Items) != 1 {
		t.Fatalf("kind filter over the indexed channels: %+v, %v", page, err)
	}
}
