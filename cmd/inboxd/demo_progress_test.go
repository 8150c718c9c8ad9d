package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors/registry"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim"
	"github.com/inboxd/inboxd/pkg/sim/graphapi"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
	"github.com/inboxd/inboxd/pkg/store"
)

// progressHandler hands "demo progress" records to the test.
type progressHandler struct{ out chan map[string]int64 }

func (h progressHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h progressHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h progressHandler) WithGroup(string) slog.Handler            { return h }
func (h progressHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "demo progress" {
		return nil
	}
	attrs := map[string]int64{}
	r.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.Int64()
		return true
	})
	select {
	case h.out <- attrs:
	default: // the test reads the next one
	}
	return nil
}

// The load run's progress line: messages generated vs items queued since
// it started (items stored before are left out), and their difference.
func TestLogProgressCountsGeneratedAndQueued(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "inboxd.db"), store.Options{Replies: registry.Replies(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ingest := func(ids ...string) {
		t.Helper()
		var page []inbox.Item
		for _, id := range ids {
			page = append(page, inbox.Item{Channel: twitter.Channel, Kind: inbox.KindMention, ExternalID: id, CreatedAt: time.Now()})
		}
		if _, err := st.Ingest("pemkab-x", page, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	ingest("1") // from an earlier run of the same data file

	world := sim.NewWorld(graphapi.New(graphapi.Options{PageToken: "t", IGUserID: "17841400000000001"}), xapi.New(xapi.Options{UserID: "1", Username: "pemkab"}), nil)
	records := make(chan map[string]int64, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		logProgress(ctx, slog.New(progressHandler{records}), st, world, time.Millisecond)
	}()
	defer func() { cancel(); <-done }()

	next := func(generated int64) map[string]int64 {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case r := <-records:
				if r["generated"] == generated {
					return r
				}
			case <-timeout:
				t.Fatalf("no progress line with generated=%d", generated)
			}
		}
	}
	if r := next(0); r["queued"] != 0 || r["lag"] != 0 {
		t.Fatalf("at start: %v, want queued 0, lag 0", r)
	}
	gen := sim.NewGenerator(1)
	for range 3 {
		if err := world.Emit(ctx, gen.Next()); err != nil {
			t.Fatal(err)
		}
	}
	ingest("2", "3")
	r := next(3)
	for r["queued"] != 2 { // the line may have been taken between emit and ingest
		r = next(3)
	}
	if r["lag"] != 1 {
		t.Fatalf("%v, want generated 3, queued 2, lag 1", r)
	}
}
