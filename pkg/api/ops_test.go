package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

func TestHealthAndReadiness(t *testing.T) {
	ready := true
	e := newEnv(t, func(o *Options) { o.Ready = func() bool { return ready } })
	if err := e.st.PutAccountState(store.AccountState{Name: "x-main", Platform: "twitter", State: "needs_reauth",
		LastError: &store.AccountError{Class: "auth", Message: "token revoked", At: testNow}}); err != nil {
		t.Fatal(err)
	}
	if rec := e.do(asNone, "GET", "/healthz", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok"`) {
		t.Fatalf("healthz: %d %s", rec.Code, rec.Body)
	}
	rec := e.do(asNone, "GET", "/readyz", nil)
	body := decodeJSONBody[readiness](t, rec)
	// One account needing re-authorisation does not make the daemon unready.
	if rec.Code != 200 || body.Status != "ready" || len(body.Accounts) != 2 ||
		body.Accounts[0] != (readyAccount{"fb-main", "idle"}) || body.Accounts[1] != (readyAccount{"x-main", "needs_reauth"}) {
		t.Fatalf("readyz: %d %+v", rec.Code, body)
	}
	ready = false
	if rec := e.do(asNone, "GET", "/readyz", nil); rec.Code != 503 {
		t.Fatalf("readyz with Ready false: %d", rec.Code)
	}
	ready = true
	if err := e.srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rec := e.do(asNone, "GET", "/readyz", nil); rec.Code != 503 || !strings.Contains(rec.Body.String(), "shutting down") {
		t.Fatalf("readyz while shutting down: %d %s", rec.Code, rec.Body)
	}
}

func TestReadinessStoreClosed(t *testing.T) {
	e := newEnv(t)
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	if rec := e.do(asNone, "GET", "/readyz", nil); rec.Code != 503 {
		t.Fatalf("readyz with the store closed: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asNone, "GET", "/healthz", nil); rec.Code != 200 {
		t.Fatalf("healthz with the store closed: %d", rec.Code)
	}
}

func TestAccountsAndControl(t *testing.T) {
	e := newEnv(t)
	paused := testNow.Add(time.Hour)
	if err := e.st.PutAccountState(store.AccountState{Name: "fb-main", Platform: "facebook", State: "rate_limited", PausedUntil: &paused,
		Usage: map[string]any{"call_count": 95}}); err != nil {
		t.Fatal(err)
	}
	rec := e.do(asViewerA, "GET", "/api/v1/accounts", nil)
	l := decodeJSONBody[accountList](t, rec)
	if rec.Code != 200 || len(l.Accounts) != 2 || l.Accounts[0].State != "rate_limited" || l.Accounts[0].PausedUntil == nil ||
		l.Accounts[1].Name != "x-main" || l.Accounts[1].State != "idle" || l.Accounts[1].Platform != "twitter" {
		t.Fatalf("accounts: %d %s", rec.Code, rec.Body)
	}
	for _, action := range []string{"poll", "resume"} {
		rec := e.do(asOp, "POST", "/api/v1/accounts/x-main/"+action, nil)
		if rec.Code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", action, rec.Code, rec.Body)
		}
		if rec := e.do(asOp, "POST", "/api/v1/accounts/nope/"+action, nil); rec.Code != 404 {
			t.Fatalf("%s unknown account: %d", action, rec.Code)
		}
	}
	if got := strings.Join(e.control.calls, ";"); got != "poll x-main;resume x-main" {
		t.Fatalf("control calls = %q", got)
	}
	e.control.err = errTest
	if rec := e.do(asOp, "POST", "/api/v1/accounts/x-main/poll", nil); rec.Code != http.StatusConflict {
		t.Fatalf("control error: %d", rec.Code)
	}

	noCtl := newEnv(t, func(o *Options) { o.Control = nil })
	rec = noCtl.do(asOp, "POST", "/api/v1/accounts/fb-main/resume", nil)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(decodeProblem(t, rec).Detail, "scheduler is not running") {
		t.Fatalf("no control: %d %s", rec.Code, rec.Body)
	}
}

func TestStats(t *testing.T) {
	e := newEnv(t)
	e.queueReply("aComment", "ok")
	e.sendNext("fb-main", "123_456_reply")
	rec := e.do(asViewer, "GET", "/api/v1/stats", nil)
	if rec.Code != 200 {
		t.Fatalf("stats: %d %s", rec.Code, rec.Body)
	}
	all := decodeJSONBody[statsResponse](t, rec)
	if all.ByStatus[inbox.StatusAnswered] != 1 || all.ByStatus[inbox.StatusNew] != 4 || all.ByChannel[chTwitter] != 2 ||
		all.Replies[inbox.ReplySent] != 1 || len(all.Accounts) != 2 || all.Unit != "" || all.Waiting != 4 {
		t.Fatalf("stats = %s", rec.Body)
	}
	if all.ByUnitStatus[unitA].Get(inbox.StatusNew) != 1 || all.ByUnitStatus[unitA].Get(inbox.StatusAnswered) != 1 || all.ByUnitStatus[unitB].Get(inbox.StatusNew) != 2 {
		t.Fatalf("by_unit_status = %v", all.ByUnitStatus)
	}
	for _, key := range []string{`"by_unit"`, `"by_unit_status"`, `"first_response"`, `"24h"`, `"oldest_waiting_age_seconds"`, `"accounts"`} {
		if !strings.Contains(rec.Body.String(), key) {
			t.Errorf("stats lack %s", key)
		}
	}
	// Scoped tokens get their unit's stats, whatever they ask.
	for _, q := range []string{"", "?unit=" + unitA} {
		rec := e.do(asViewerA, "GET", "/api/v1/stats"+q, nil)
		s := decodeJSONBody[statsResponse](t, rec)
		if rec.Code != 200 || s.Unit != unitA || s.ByStatus[inbox.StatusNew] != 1 || s.ByStatus[inbox.StatusAnswered] != 1 ||
			len(s.ByUnitStatus) != 1 || s.ByUnitStatus[unitA].Get(inbox.StatusNew) != 1 {
			t.Fatalf("scoped stats%s: %d %s", q, rec.Code, rec.Body)
		}
	}
	if rec := e.do(asViewerA, "GET", "/api/v1/stats?unit="+unitB, nil); rec.Code != 404 {
		t.Fatalf("scoped stats of another unit: %d", rec.Code)
	}
	rec = e.do(asViewer, "GET", "/api/v1/stats?unit="+unitB, nil)
	if s := decodeJSONBody[statsResponse](t, rec); s.Unit != unitB || s.ByStatus[inbox.StatusNew] != 2 {
		t.Fatalf("unit B stats: %s", rec.Body)
	}
	if rec := e.do(asViewer, "GET", "/api/v1/stats?unit="+strings.Repeat("u", 101), nil); rec.Code != 422 || !decodeProblem(t, rec).names("unit") {
		t.Fatalf("long unit: %d", rec.Code)
	}
}

func TestTokensAPI(t *testing.T) {
	e := newEnv(t)
	rec := e.do(asAdmin, "POST", "/api/v1/tokens", `{"name":"dashboard","role":"viewer","unit":"`+unitB+`"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	created := decodeJSONBody[createdToken](t, rec)
	if created.Secret == "" || created.Token.Name != "dashboard" || created.Token.Unit != unitB {
		t.Fatalf("created = %+v", created)
	}
	// The new token works, with its scope.
	e.tokens["dashboard"] = created.Secret
	if l := decodeJSONBody[itemList](t, e.do("dashboard", "GET", "/api/v1/items", nil)); l.externalIDs() != "1860000000000000001,555_777" {
		t.Fatalf("new token sees %s", l.externalIDs())
	}
	rec = e.do(asAdmin, "GET", "/api/v1/tokens", nil)
	if rec.Code != 200 || strings.Contains(rec.Body.String(), created.Secret) || strings.Contains(rec.Body.String(), e.tokens[asViewer]) {
		t.Fatalf("list leaks a secret or fails: %d %s", rec.Code, rec.Body)
	}
	if l := decodeJSONBody[tokenList](t, rec); len(l.Tokens) != 7 {
		t.Fatalf("tokens listed: %d", len(l.Tokens))
	}
	for _, bad := range []struct {
		body  string
		code  int
		field string
	}{
		{`{"name":"dashboard","role":"viewer"}`, 409, "name"},
		{`{"name":"","role":"viewer"}`, 422, "name"},
		{`{"name":"has space","role":"viewer"}`, 422, "name"},
		{`{"name":"bootstrap","role":"viewer"}`, 422, "name"},
		{`{"name":"x","role":"root"}`, 422, "role"},
		{`{"name":"x","role":"viewer","secret":"mine"}`, 400, "secret"},
	} {
		rec := e.do(asAdmin, "POST", "/api/v1/tokens", bad.body)
		if rec.Code != bad.code || !decodeProblem(t, rec).names(bad.field) {
			t.Errorf("%s: %d %s", bad.body, rec.Code, rec.Body)
		}
	}
	if rec := e.do(asAdmin, "DELETE", "/api/v1/tokens/dashboard", nil); rec.Code != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("dashboard", "GET", "/api/v1/items", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("revoked token still works: %d", rec.Code)
	}
	if rec := e.do(asAdmin, "DELETE", "/api/v1/tokens/dashboard", nil); rec.Code != 404 {
		t.Fatalf("revoke twice: %d", rec.Code)
	}
}

func TestTokenLastUsedIsBatched(t *testing.T) {
	e := newEnv(t)
	before, err := e.st.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range before {
		if tk.LastUsedAt != nil {
			t.Fatalf("token %s used before any request", tk.Name)
		}
	}
	e.do(asViewer, "GET", "/api/v1/items", nil)
	e.do(asViewer, "GET", "/api/v1/stats", nil)
	// Nothing written per request...
	tokens, _ := e.st.Tokens()
	for _, tk := range tokens {
		if tk.LastUsedAt != nil {
			t.Fatalf("token %s written on a request", tk.Name)
		}
	}
	// ...until the flush.
	if err := e.srv.touch.flush(); err != nil {
		t.Fatal(err)
	}
	tokens, _ = e.st.Tokens()
	for _, tk := range tokens {
		if used := tk.LastUsedAt != nil; used != (tk.Name == asViewer) {
			t.Errorf("token %s last_used_at = %v", tk.Name, tk.LastUsedAt)
		}
	}
}

func TestBackupDownload(t *testing.T) {
	e := newEnv(t)
	rec := e.do(asAdmin, "GET", "/api/v1/backup", nil)
	if rec.Code != 200 {
		t.Fatalf("backup: %d %s", rec.Code, rec.Body)
	}
	n, err := strconv.Atoi(rec.Header().Get("Content-Length"))
	if err != nil || n != rec.Body.Len() || n == 0 {
		t.Fatalf("Content-Length %q, body %d bytes", rec.Header().Get("Content-Length"), rec.Body.Len())
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="inboxd-20261126T090000Z.db"`) {
		t.Fatalf("Content-Disposition = %q", cd)
	}
	// The download is a working data file with the same items.
	path := filepath.Join(t.TempDir(), "restored.db")
	if err := os.WriteFile(path, rec.Body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	restored, err := store.Open(path, store.Options{Replies: testReplies, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if it, err := restored.Get(e.items["aComment"].ID); err != nil || it.Text != e.items["aComment"].Text {
		t.Fatalf("restored item: %+v %v", it, err)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.do(asViewer, "GET", "/api/v1/items/"+e.items["aComment"].ID, nil)
	e.do(asViewer, "GET", "/api/v1/items/"+e.items["aMessage"].ID, nil)
	e.do(asViewer, "GET", "/no/such/path", nil)
	rec := e.do(asViewer, "GET", "/metrics", nil)
	if rec.Code != 200 {
		t.Fatalf("metrics: %d %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`inboxd_items{status="new"} 5`,
		`inboxd_items_waiting 5`,
		`inboxd_items_by_unit{unit="` + unitA + `"} 2`,
		`inboxd_first_response_seconds_count{window="24h"} 0`,
		`inboxd_replies{state="queued"} 0`,
		`inboxd_account_state{account="fb-main",platform="facebook",state="idle"} 1`,
		// Per route pattern, not per raw path: both item reads share one series.
		`inboxd_http_requests_total{code="200",route="GET /api/v1/items/{id}"} 2`,
		`inboxd_http_requests_total{code="404",route="unmatched"} 1`,
		`inboxd_http_request_duration_seconds_count{route="GET /api/v1/items/{id}"} 2`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, e.items["aComment"].ID) {
		t.Error("metrics carry a raw path")
	}
}

func TestMethodNotAllowedAndNotFound(t *testing.T) {
	e := newEnv(t)
	rec := e.do(asViewer, "PUT", "/api/v1/items", nil)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("PUT items: %d", rec.Code)
	}
	if allow := rec.Header().Get("Allow"); !strings.Contains(allow, "GET") {
		t.Fatalf("Allow = %q", allow)
	}
	decodeProblem(t, rec)
	rec = e.do(asAdmin, "POST", "/api/v1/tokens/x", nil)
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") == "" {
		t.Fatalf("POST token by name: %d Allow=%q", rec.Code, rec.Header().Get("Allow"))
	}
	rec = e.do(asViewer, "GET", "/api/v2/items", nil)
	if rec.Code != 404 {
		t.Fatalf("unknown path: %d", rec.Code)
	}
	decodeProblem(t, rec)
}

func TestPanicIsLogged500WithRequestID(t *testing.T) {
	e := newEnv(t)
	rt := route{Method: "GET", Path: "/boom", Handle: func(*Server, http.ResponseWriter, *http.Request) error { panic("kaboom") }}
	e.srv.mux.Handle("GET /boom", e.srv.routeHandler(rt))
	rec := e.do(asNone, "GET", "/boom", nil, "X-Request-Id", "req-42")
	if rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
	p := decodeProblem(t, rec)
	if p.RequestID == "" || p.RequestID == "req-42" || strings.Contains(rec.Body.String(), "kaboom") {
		t.Fatalf("problem %+v: want the server's own request id", p)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "request_id="+p.RequestID) ||
		!strings.Contains(logs, "client_request_id=req-42") || !strings.Contains(logs, "kaboom") {
		t.Fatalf("panic not logged with both request ids: %s", logs)
	}
	// A hostile request id is replaced, not echoed.
	rec = e.do(asNone, "GET", "/healthz", nil, "X-Request-Id", "a b\"<script>")
	if id := rec.Header().Get("X-Request-Id"); id == "" || strings.ContainsAny(id, " \"<") {
		t.Fatalf("X-Request-Id = %q", id)
	}
}

func TestCORS(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.CORSOrigins = []string{"https://dash.example.go.id"} })
	rec := e.do(asNone, "OPTIONS", "/api/v1/items", nil, "Origin", "https://dash.example.go.id", "Access-Control-Request-Method", "GET")
	if rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Origin") != "https://dash.example.go.id" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", rec.Code, rec.Header())
	}
	rec = e.do(asViewer, "GET", "/api/v1/items", nil, "Origin", "https://evil.example")
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS header for an origin not allowed")
	}
	off := newEnv(t)
	if rec := off.do(asViewer, "GET", "/api/v1/items", nil, "Origin", "https://dash.example.go.id"); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS on by default")
	}
}

func TestAuthHeaderForms(t *testing.T) {
	e := newEnv(t)
	for _, h := range []string{"Basic dXNlcjpwYXNz", "Bearer", "Bearer ", e.tokens[asViewer], "Token " + e.tokens[asViewer]} {
		req := httptest.NewRequest("GET", "/api/v1/items", nil)
		req.Header.Set("Authorization", h)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != 401 {
			t.Errorf("Authorization %q: %d", h, rec.Code)
		}
	}
	req := httptest.NewRequest("GET", "/api/v1/items", nil)
	req.Header.Set("Authorization", "bearer "+e.tokens[asViewer])
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("lower-case scheme: %d", rec.Code)
	}
}

func TestHTTPServerTimeouts(t *testing.T) {
	e := newEnv(t)
	srv := e.srv.HTTPServer("127.0.0.1:0")
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 || srv.Handler != e.srv {
		t.Fatalf("timeouts not set: %+v", srv)
	}
}

func TestNewNeedsStore(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without a store succeeded")
	}
}

func TestTokenTouchKeptWhenTheWriteFails(t *testing.T) {
	e := newEnv(t)
	e.do(asViewer, "GET", "/api/v1/items", nil)
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.touch.flush(); err == nil {
		t.Fatal("flush to a closed store succeeded")
	}
	e.srv.touch.mu.Lock()
	_, kept := e.srv.touch.pending[asViewer]
	clear(e.srv.touch.pending) // the store stays closed: nothing to flush at cleanup
	e.srv.touch.mu.Unlock()
	if !kept {
		t.Fatal("last-used time dropped after a failed write")
	}
}

func TestTokenCache(t *testing.T) {
	var c tokenCache
	key := [32]byte{1}
	p := &principal{Name: "a", Role: inbox.RoleViewer}
	_, gen, ok := c.get(key, testNow)
	if ok {
		t.Fatal("hit in an empty cache")
	}
	c.put(key, p, testNow, gen)
	if got, _, ok := c.get(key, testNow.Add(tokenCacheTTL-time.Nanosecond)); !ok || got != p {
		t.Fatal("miss within the TTL")
	}
	if _, _, ok := c.get(key, testNow.Add(tokenCacheTTL)); ok {
		t.Fatal("hit after the TTL")
	}
	// A lookup that started before a clear (a revocation) is not cached.
	_, gen, _ = c.get([32]byte{2}, testNow)
	c.clear()
	c.put([32]byte{2}, p, testNow, gen)
	if _, _, ok := c.get([32]byte{2}, testNow); ok {
		t.Fatal("a lookup racing a revocation was cached")
	}
	for i := 0; i <= tokenCacheSize; i++ {
		_, gen, _ := c.get([32]byte{byte(i), byte(i >> 8), 9}, testNow)
		c.put([32]byte{byte(i), byte(i >> 8), 9}, p, testNow, gen)
	}
	if n := len(c.entries); n > tokenCacheSize {
		t.Fatalf("cache holds %d entries", n)
	}
}

func TestSetAccountsOnReload(t *testing.T) {
	e := newEnv(t)
	e.srv.SetAccounts([]AccountInfo{{Name: "x-main", Platform: "twitter"}, {Name: "fb-second", Platform: "facebook"}})
	rec := e.do(asViewer, "GET", "/api/v1/accounts", nil)
	l := decodeJSONBody[accountList](t, rec)
	if len(l.Accounts) != 2 || l.Accounts[0].Name != "x-main" || l.Accounts[1].Name != "fb-second" || l.Accounts[1].State != "idle" {
		t.Fatalf("accounts after reload: %s", rec.Body)
	}
	if rec := e.do(asOp, "POST", "/api/v1/accounts/fb-main/poll", nil); rec.Code != 404 {
		t.Fatalf("poll of a removed account: %d", rec.Code)
	}
	if rec := e.do(asOp, "POST", "/api/v1/accounts/fb-second/poll", nil); rec.Code != 202 {
		t.Fatalf("poll of an added account: %d", rec.Code)
	}
}
