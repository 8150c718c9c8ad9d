package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/password"
	"github.com/inboxd/inboxd/pkg/store"
)

// testReplies are the real connectors' reply tables, as cmd/inboxd wires them.
var testReplies = inbox.MustReplyRules(facebook.Replies(), twitter.Replies())

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testNow is the fixed clock of every test.
var testNow = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

const (
	unitA = "dinas-pu"        // public works
	unitB = "dinas-kesehatan" // health
)

// fakeControl records scheduler calls.
type fakeControl struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (c *fakeControl) PollNow(_ context.Context, name string) error { return c.record("poll " + name) }
func (c *fakeControl) Resume(_ context.Context, name string) error  { return c.record("resume " + name) }
func (c *fakeControl) record(call string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, call)
	return c.err
}

// env is a server over a real store on a bbolt file, with seeded items and
// one token per role and scope.
type env struct {
	t       testing.TB
	st      *store.Store
	srv     *Server
	control *fakeControl
	logs    *syncBuffer
	tokens  map[string]string // principal name -> secret (or session id)
	cookies map[string]string // cookie principal name -> session id
	items   map[string]inbox.Item
	clock   *clock // the API's clock; tests move it for session expiry
}

// fastPasswords keeps argon2 cheap in tests (the real parameters are
// tested in pkg/password).
var fastPasswords = password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Principals the tests act as.
const (
	asNone    = ""
	asBad     = "bad"
	asViewer  = "viewer"
	asOp      = "operator"
	asAdmin   = "admin"
	asViewerA = "viewer-a"
	asOpA     = "operator-a"
	asAdminA  = "admin-a"
	asBoot    = "bootstrap"

	// People signed in with a session cookie, one per role and scope.
	asCViewer  = "c-viewer"
	asCOp      = "c-operator"
	asCAdmin   = "c-admin"
	asCViewerA = "c-viewer-a"
	asCOpA     = "c-operator-a"
	asCAdminA  = "c-admin-a"
	asCBad     = "c-bad"
)

// cookiePrincipals are the people newEnv signs in.
var cookiePrincipals = []struct {
	name string
	role inbox.Role
	unit string
}{
	{asCViewer, inbox.RoleViewer, ""}, {asCOp, inbox.RoleOperator, ""}, {asCAdmin, inbox.RoleAdmin, ""},
	{asCViewerA, inbox.RoleViewer, unitA}, {asCOpA, inbox.RoleOperator, unitA}, {asCAdminA, inbox.RoleAdmin, unitA},
}

const bootstrapSecret = "bootstrap-secret-for-tests-0123456789"

func newEnv(t testing.TB, mutate ...func(*Options)) *env {
	t.Helper()
	e := &env{t: t, control: &fakeControl{}, logs: &syncBuffer{}, tokens: map[string]string{}, cookies: map[string]string{},
		items: map[string]inbox.Item{}, clock: &clock{t: testNow}}
	var srv *Server
	var publishMu sync.Mutex
	st, err := store.Open(filepath.Join(t.TempDir(), "inboxd.db"), store.Options{
		Replies: testReplies,
		Now:     func() time.Time { return testNow },
		Notify: func(ev store.Event) {
			publishMu.Lock()
			s := srv
			publishMu.Unlock()
			if s != nil {
				s.Publish(ev)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Store:               st,
		Replies:             testReplies,
		Logger:              slog.New(slog.NewTextHandler(e.logs, nil)),
		Now:                 e.clock.now,
		PasswordParams:      &fastPasswords,
		Accounts:            []AccountInfo{{Name: "fb-main", Platform: "facebook"}, {Name: "x-main", Platform: "twitter"}},
		Control:             e.control,
		BootstrapAdminToken: bootstrapSecret,
		HeartbeatInterval:   time.Hour,
		Rules:               testRules(t),
	}
	for _, m := range mutate {
		m(&opts)
	}
	srv, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	publishMu.Lock()
	e.srv = srv
	publishMu.Unlock()
	e.st = st
	t.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Errorf("store Close: %v", err)
		}
	})
	for _, tk := range []struct {
		name string
		role inbox.Role
		unit string
	}{
		{asViewer, inbox.RoleViewer, ""}, {asOp, inbox.RoleOperator, ""}, {asAdmin, inbox.RoleAdmin, ""},
		{asViewerA, inbox.RoleViewer, unitA}, {asOpA, inbox.RoleOperator, unitA}, {asAdminA, inbox.RoleAdmin, unitA},
	} {
		secret, _, err := st.CreateToken(tk.name, tk.role, tk.unit)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[tk.name] = secret
	}
	e.tokens[asBad] = "not-a-token"
	e.tokens[asBoot] = bootstrapSecret
	for _, p := range cookiePrincipals {
		if _, err := st.CreateUser("seed", store.NewUser{Username: p.name, Role: p.role, Unit: p.unit}, nil); err != nil {
			t.Fatal(err)
		}
	}
	e.signInCookiePrincipals()
	e.cookies[asCBad] = "not-a-session"
	e.tokens[asCBad] = "not-a-session"
	e.seed()
	return e
}

// seed stores one item of each channel/kind; a* items belong to unit A,
// b* to unit B, and "none" to no unit.
func (e *env) seed() {
	e.t.Helper()
	at := testNow.Add(-time.Hour)
	fb := []inbox.Item{
		{Channel: chFacebook, Account: "fb-main", Kind: inbox.KindComment, ExternalID: "123_456", ThreadID: "123",
			Author: inbox.Author{ID: "9001", Name: "Siti Rahma"}, Text: "Jalan di Jl. Merdeka berlubang besar", CreatedAt: at},
		{Channel: chFacebook, Account: "fb-main", Kind: inbox.KindMessage, ExternalID: "m_abc", ThreadID: "t_1",
			Author: inbox.Author{ID: "9002", Name: "Budi"}, Text: "Kapan jadwal vaksin?", CreatedAt: at.Add(time.Minute)},
		{Channel: chFacebook, Account: "fb-main", Kind: inbox.KindMention, ExternalID: "555_777", ThreadID: "555_777",
			Author: inbox.Author{ID: "9003", Name: "Ani"}, Text: "Puskesmas tutup hari ini @pemkab", CreatedAt: at.Add(2 * time.Minute)},
	}
	x := []inbox.Item{
		{Channel: chTwitter, Account: "x-main", Kind: inbox.KindMention, ExternalID: "1860000000000000001", ThreadID: "1860000000000000001",
			Author: inbox.Author{ID: "44", Name: "Dewi", Handle: "dewi"}, Text: "@pemkab lampu jalan mati", CreatedAt: at.Add(3 * time.Minute)},
		{Channel: chTwitter, Account: "x-main", Kind: inbox.KindMessage, ExternalID: "1860000000000000002", ThreadID: "44-99",
			Author: inbox.Author{ID: "44", Name: "Dewi", Handle: "dewi"}, Text: "halo admin", CreatedAt: at.Add(4 * time.Minute)},
	}
	names := []string{"aComment", "aMessage", "bMention", "bXMention", "noneXDM"}
	units := []string{unitA, unitA, unitB, unitB, ""}
	var ids []string
	for _, page := range []struct {
		acct  string
		items []inbox.Item
	}{{"fb-main", fb}, {"x-main", x}} {
		res, err := e.st.Ingest(page.acct, page.items, nil, []byte("c1"))
		if err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, res.NewIDs...)
	}
	for i, id := range ids {
		it, err := e.st.Get(id)
		if err != nil {
			e.t.Fatal(err)
		}
		if units[i] != "" {
			u := units[i]
			if it, err = e.st.Update(id, "seed", store.Change{Unit: &u}); err != nil {
				e.t.Fatal(err)
			}
		}
		e.items[names[i]] = it
	}
}

// signInCookiePrincipals gives each cookie principal a fresh session.
func (e *env) signInCookiePrincipals() {
	e.t.Helper()
	for _, p := range cookiePrincipals {
		sid := "session-of-" + p.name + "-0123456789abcdef"
		if err := e.st.CreateSession(password.HashCode(sid), p.name, e.clock.now()); err != nil {
			e.t.Fatal(err)
		}
		e.cookies[p.name], e.tokens[p.name] = sid, sid
	}
}

// do sends a request through the handler as the given principal.
func (e *env) do(as, method, path string, body any, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.doCtx(context.Background(), as, method, path, body, hdr...)
}

func (e *env) doCtx(ctx context.Context, as, method, path string, body any, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = strings.NewReader(string(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = strings.NewReader(string(raw))
	}
	req := httptest.NewRequestWithContext(ctx, method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if sid, ok := e.cookies[as]; ok {
		req.AddCookie(&http.Cookie{Name: sessionCookiePlain, Value: sid})
	} else if as != asNone {
		secret, ok := e.tokens[as]
		if !ok {
			e.t.Fatalf("no principal %q", as)
		}
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

// decodeProblem checks the problem+json shape and returns it.
func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) Problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d Content-Type = %q, want application/problem+json; body %s", rec.Code, ct, rec.Body)
	}
	var p Problem
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body: %v", err)
	}
	if p.Status != rec.Code || p.Type == "" || p.Title == "" {
		t.Fatalf("problem %+v does not match status %d", p, rec.Code)
	}
	if p.RequestID == "" || p.RequestID != rec.Header().Get("X-Request-Id") {
		t.Fatalf("problem request_id %q, header %q", p.RequestID, rec.Header().Get("X-Request-Id"))
	}
	return p
}

func (p Problem) names(field string) bool {
	for _, fe := range p.Errors {
		if fe.Field == field {
			return true
		}
	}
	return false
}

func decodeJSONBody[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T from %q: %v", v, rec.Body.String(), err)
	}
	return v
}

// queueReply queues a reply to the named item directly through the store.
func (e *env) queueReply(item, text string) inbox.Reply {
	e.t.Helper()
	r, _, err := e.st.EnqueueReply(e.items[item].ID, store.NewReply{Text: text, Author: "seed"})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// sendNext makes the outbox deliver the account's next reply as sent.
func (e *env) sendNext(account, externalID string) inbox.Reply {
	e.t.Helper()
	c, ok, err := e.st.ClaimNext(account)
	if err != nil || !ok {
		e.t.Fatalf("ClaimNext: ok=%v err=%v", ok, err)
	}
	r, err := e.st.MarkSent(c.Reply.ID, externalID)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) failNext(account, reason string) inbox.Reply {
	e.t.Helper()
	c, ok, err := e.st.ClaimNext(account)
	if err != nil || !ok {
		e.t.Fatalf("ClaimNext: ok=%v err=%v", ok, err)
	}
	r, err := e.st.MarkFailed(c.Reply.ID, reason)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// cancelQueued empties the outbox, so the next claim is the next reply queued.
func (e *env) cancelQueued() {
	e.t.Helper()
	page, err := e.st.Replies(store.ReplyFilter{State: inbox.ReplyQueued, Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range page.Replies {
		if _, err := e.st.Cancel(r.ID, "test"); err != nil {
			e.t.Fatal(err)
		}
	}
}

var errTest = errors.New("scheduler says no")
