package twitter

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The official account and two citizens.
const (
	accountID  = "1442021562361229312"
	accountTag = "humas_sleman"
	budiID     = "2244994945"
	sitiID     = "783214"
)

var t0 = time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// memTokens is a TokenStore over a map, as the store would keep it.
type memTokens struct {
	mu   sync.Mutex
	vals map[string][]byte
	puts int
}

func (m *memTokens) AccountValue(account, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.vals[account+"/"+key]
	if !ok {
		return nil, nil
	}
	return append([]byte(nil), v...), nil
}

func (m *memTokens) PutAccountValue(account, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.vals == nil {
		m.vals = map[string][]byte{}
	}
	m.vals[account+"/"+key] = append([]byte(nil), value...)
	m.puts++
	return nil
}

func (m *memTokens) stored(t *testing.T) storedTokens {
	t.Helper()
	raw, _ := m.AccountValue("humas", tokensKey)
	var st storedTokens
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("stored tokens: %v (%q)", err, raw)
	}
	return st
}

// env is a connector wired to a fake X API on a real local HTTP server.
type env struct {
	t      *testing.T
	clock  *clock
	fake   *xapi.Server
	srv    *httptest.Server
	conn   *Connector
	cfg    Config
	tokens *memTokens
	cursor []byte
}

type envOpt func(*Config, *xapi.Options)

func withOAuth2(c *Config, o *xapi.Options) {
	c.OAuth1 = nil
	c.OAuth2 = &OAuth2Config{ClientID: "client-1", ClientSecret: "client-secret-1", AccessToken: "access-0", RefreshToken: "refresh-0"}
	o.ClientID, o.ClientSecret, o.BearerToken, o.RefreshToken = "client-1", "client-secret-1", "access-0", "refresh-0"
}

func withV1(c *Config, _ *xapi.Options) { c.API = APIv11 }

func newEnv(t *testing.T, opts ...envOpt) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{now: t0}, tokens: &memTokens{}}
	fo := xapi.Options{
		UserID: accountID, Username: accountTag, Name: "Humas Pemkab Sleman",
		ConsumerKey: "ck-1", ConsumerSecret: "cs-1", AccessToken: "at-1", AccessSecret: "as-1",
		Now: e.clock.Now,
	}
	e.cfg = Config{
		Name:   "humas",
		UserID: accountID,
		OAuth1: &OAuth1Config{ConsumerKey: "ck-1", ConsumerSecret: "cs-1", AccessToken: "at-1", AccessSecret: "as-1"},
		// These tests are about paging and classification: no budgets
		// (budget_test.go tests them).
		RateBudget: RateBudget{Mentions: -1, DirectMessages: -1},
		SendBudget: SendBudget{PerWindow: -1, PerDay: -1},
	}
	for _, o := range opts {
		o(&e.cfg, &fo)
	}
	e.fake = xapi.New(fo)
	e.fake.AddUser(xapi.User{ID: budiID, Username: "budi_s", Name: "Budi Santoso"})
	e.fake.AddUser(xapi.User{ID: sitiID, Username: "siti_a", Name: "Siti Aminah"})
	e.srv = httptest.NewServer(e.fake)
	t.Cleanup(e.srv.Close)
	e.cfg.APIURL = e.srv.URL
	e.conn = e.newConnector(e.cfg)
	return e
}

func (e *env) newConnector(cfg Config) *Connector {
	e.t.Helper()
	c, err := New(cfg, Options{
		HTTPClient: e.srv.Client(),
		Now:        e.clock.Now,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Tokens:     e.tokens,
	})
	if err != nil {
		e.t.Fatalf("New: %v", err)
	}
	return c
}

// poll runs one Poll with the env's committed cursor and commits the result.
func (e *env) poll() connectors.Page {
	e.t.Helper()
	p, err := e.conn.Poll(context.Background(), e.cursor)
	if err != nil {
		e.t.Fatalf("Poll: %v", err)
	}
	for _, it := range p.Items {
		if err := it.Validate(); err != nil {
			e.t.Fatalf("invalid item: %v", err)
		}
	}
	e.cursor = p.Cursor
	return p
}

// drain polls until the walk is finished and returns everything it brought.
func (e *env) drain() connectors.Page {
	e.t.Helper()
	var all connectors.Page
	for i := 0; i < 50; i++ {
		p := e.poll()
		all.Items = append(all.Items, p.Items...)
		all.External = append(all.External, p.External...)
		if !p.More {
			return all
		}
	}
	e.t.Fatal("walk never finished")
	return all
}

func (e *env) pollErr() error {
	e.t.Helper()
	_, err := e.conn.Poll(context.Background(), e.cursor)
	if err == nil {
		e.t.Fatal("Poll succeeded, want an error")
	}
	return err
}

func classified(t *testing.T, err error) *connectors.Error {
	t.Helper()
	var ce *connectors.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *connectors.Error", err, err)
	}
	return ce
}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}
