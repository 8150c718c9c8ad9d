package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(crashChild())
	}
	if os.Getenv(searchCrashChildEnv) != "" {
		os.Exit(searchCrashChild())
	}
	goleak.VerifyTestMain(m)
}

// clock is an injected, hand-advanced clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// events records Notify calls.
type events struct {
	mu  sync.Mutex
	evs []Event
}

func (e *events) add(ev Event) {
	e.mu.Lock()
	e.evs = append(e.evs, ev)
	e.mu.Unlock()
}

func (e *events) take() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.evs
	e.evs = nil
	return out
}

type env struct {
	t     *testing.T
	s     *Store
	clock *clock
	ev    *events
	path  string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: newClock(), ev: &events{}, path: filepath.Join(t.TempDir(), "inboxd.db")}
	e.open()
	t.Cleanup(func() { e.s.Close() })
	return e
}

func (e *env) open() {
	e.t.Helper()
	s, err := Open(e.path, Options{Replies: testRules, Now: e.clock.Now, Notify: e.ev.add, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	e.s = s
}

func (e *env) reopen() {
	e.t.Helper()
	if err := e.s.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

func item(ch inbox.Channel, kind inbox.Kind, ext, thread, author string, created time.Time) inbox.Item {
	return inbox.Item{
		Channel:    ch,
		Account:    "acct",
		Kind:       kind,
		ExternalID: ext,
		ThreadID:   thread,
		Author:     inbox.Author{ID: author, Name: "Citizen " + author},
		Text:       "hello from " + author + " " + ext,
		CreatedAt:  created,
	}
}

func fbComment(ext, thread, author string, created time.Time) inbox.Item {
	return item(chFacebook, inbox.KindComment, ext, thread, author, created)
}

// ingest stores items for account "acct" and returns their ids.
func (e *env) ingest(items ...inbox.Item) []string {
	e.t.Helper()
	res, err := e.s.Ingest("acct", items, nil, nil)
	if err != nil {
		e.t.Fatalf("Ingest: %v", err)
	}
	return res.NewIDs
}

func (e *env) get(id string) inbox.Item {
	e.t.Helper()
	it, err := e.s.Get(id)
	if err != nil {
		e.t.Fatalf("Get %s: %v", id, err)
	}
	return it
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantValidation(t *testing.T, err error, field string) {
	t.Helper()
	var ve *ValidationError
	var fe inbox.FieldError
	switch {
	case errors.As(err, &ve):
		if ve.Field != field {
			t.Fatalf("ValidationError field = %q, want %q (%v)", ve.Field, field, err)
		}
	case errors.As(err, &fe):
		if fe.FieldName() != field {
			t.Fatalf("inbox.FieldError field = %q, want %q (%v)", fe.FieldName(), field, err)
		}
	default:
		t.Fatalf("want a validation error on %q, got %v", field, err)
	}
}

func ptr[T any](v T) *T { return &v }

func ids(items []inbox.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func extID(i int) string { return fmt.Sprintf("m%05d", i) }

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

func isValidation(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve)
}

// testRules are reply tables shaped like the connectors' (the store knows no
// platform, so its tests declare their own): small limits make the length
// checks easy to reach.
var testRules = inbox.MustReplyRules(
	inbox.ReplyTable{Channel: chFacebook, Kinds: []inbox.ReplyKind{
		{Item: inbox.KindMessage, SendsPrivately: true, Limit: inbox.TextLimit{Name: "message", Max: 2000}},
		{Item: inbox.KindMessage, Private: true, SendsPrivately: true, Limit: inbox.TextLimit{Name: "message", Max: 2000}},
		{Item: inbox.KindComment, Limit: inbox.TextLimit{Name: "comment", Max: 8000}},
		{Item: inbox.KindComment, Private: true, SendsPrivately: true, OnePerItem: true, Limit: inbox.TextLimit{Name: "private reply", Max: 2000}},
		{Item: inbox.KindMention, Limit: inbox.TextLimit{Name: "comment", Max: 8000}},
		{Item: inbox.KindMention, Private: true, Refused: "not privately"},
	}},
	inbox.ReplyTable{Channel: chTwitter, Kinds: []inbox.ReplyKind{
		{Item: inbox.KindMention, Limit: inbox.TextLimit{Name: "post", Max: 280}},
		{Item: inbox.KindMention, Private: true, SendsPrivately: true, Limit: inbox.TextLimit{Name: "dm", Max: 10000}},
		{Item: inbox.KindMessage, SendsPrivately: true, Limit: inbox.TextLimit{Name: "dm", Max: 10000}},
		{Item: inbox.KindMessage, Private: true, SendsPrivately: true, Limit: inbox.TextLimit{Name: "dm", Max: 10000}},
	}},
)
