package facebook

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/sim/graphapi"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testPageID    = "102030405060708"
	testToken     = "EAAGtestPAGEtoken0123456789secret"
	testAppSecret = "app-secret-5f4dcc3b5aa765d61d8327de"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// clock is a settable clock shared by the fake and the connector.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

type env struct {
	t     testing.TB
	fake  *graphapi.Server
	srv   *httptest.Server
	conn  *Connector
	clock *clock
	logs  *syncBuffer
}

var (
	alice = graphapi.Actor{ID: "6011122233344455", Name: "Alice Warga"}
	budi  = graphapi.Actor{ID: "6022233344455566", Name: "Budi Santoso"}
	citra = graphapi.Actor{ID: "6033344455566677", Name: "Citra Lestari"}
)

// newEnv starts a fake Graph API and a connector pointed at it.
func newEnv(t testing.TB, mutate func(*Config), fakeOpts ...func(*graphapi.Options)) *env {
	t.Helper()
	return newEnvWrapped(t, mutate, nil, fakeOpts...)
}

// newEnvWrapped is newEnv with wrap (if set) in front of the fake.
func newEnvWrapped(t testing.TB, mutate func(*Config), wrap func(http.Handler) http.Handler, fakeOpts ...func(*graphapi.Options)) *env {
	t.Helper()
	clk := &clock{now: t0}
	fo := graphapi.Options{PageID: testPageID, PageName: "Pemkab Contoh", PageToken: testToken, Now: clk.Now}
	for _, f := range fakeOpts {
		f(&fo)
	}
	fake := graphapi.New(fo)
	var h http.Handler = fake
	if wrap != nil {
		h = wrap(fake)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	fake.SetBaseURL(srv.URL + "/")
	cfg := Config{Name: "pemkab-fb", PageID: testPageID, PageToken: testToken, GraphURL: srv.URL + "/"}
	if mutate != nil {
		mutate(&cfg)
	}
	logs := &syncBuffer{}
	conn, err := New(cfg, Options{
		HTTPClient: srv.Client(),
		Now:        clk.Now,
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, fake: fake, srv: srv, conn: conn, clock: clk, logs: logs}
}

// poll runs one Poll and fails the test on error.
func (e *env) poll(cursor []byte) connectors.Page {
	e.t.Helper()
	p, err := e.conn.Poll(context.Background(), cursor)
	if err != nil {
		e.t.Fatalf("poll: %v", err)
	}
	return p
}

// drain polls until More is false and returns all pages' items and the last cursor.
func (e *env) drain(cursor []byte) (connectors.Page, []byte) {
	e.t.Helper()
	var all connectors.Page
	for i := 0; ; i++ {
		if i > 100 {
			e.t.Fatal("poll walk does not end")
		}
		p := e.poll(cursor)
		all.Items = append(all.Items, p.Items...)
		all.External = append(all.External, p.External...)
		cursor = p.Cursor
		if !p.More {
			return all, cursor
		}
	}
}

func ids(p connectors.Page) []string {
	var out []string
	for _, it := range p.Items {
		out = append(out, it.ExternalID)
	}
	return out
}

func mustComment(t *testing.T, f *graphapi.Server, postID, parentID string, from graphapi.Actor, text string, at time.Time) string {
	t.Helper()
	id, err := f.AddComment(postID, parentID, from, text, at)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
