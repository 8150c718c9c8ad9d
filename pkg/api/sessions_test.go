package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/password"
	"github.com/inboxd/inboxd/pkg/store"
)

const goodPassword = "kopi tubruk pagi hari"

// browser is a person's cookie jar against the env's handler.
type browser struct {
	e      *env
	cookie *http.Cookie // the session cookie, once signed in
	addr   string       // client address (RemoteAddr)
	hdr    []string     // extra headers on every request
}

func (e *env) browser() *browser { return &browser{e: e, addr: "192.0.2.10:5555"} }

func (b *browser) do(method, path string, body any, hdr ...string) *httptest.ResponseRecorder {
	b.e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(mustJSON(b.e.t, body))
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = b.addr
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	all := append(append([]string{}, b.hdr...), hdr...)
	for i := 0; i+1 < len(all); i += 2 {
		req.Header.Set(all[i], all[i+1])
	}
	rec := httptest.NewRecorder()
	b.e.srv.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookiePlain || c.Name == sessionCookieSecure {
			if c.MaxAge < 0 {
				b.cookie = nil
			} else {
				b.cookie = c
			}
		}
	}
	return rec
}

func (b *browser) signIn(username, pw string) *httptest.ResponseRecorder {
	b.e.t.Helper()
	return b.do("POST", "/api/v1/session", map[string]string{"username": username, "password": pw})
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// createUser makes a user through the API as the admin token and returns
// the code of its set-password link.
func (e *env) createUser(username string, role inbox.Role, unit string) string {
	e.t.Helper()
	rec := e.do(asAdmin, "POST", "/api/v1/users", map[string]string{"username": username, "display_name": "Petugas " + username,
		"role": string(role), "unit": unit})
	if rec.Code != http.StatusCreated {
		e.t.Fatalf("create user: %d %s", rec.Code, rec.Body)
	}
	var cu createdUser
	if err := json.Unmarshal(rec.Body.Bytes(), &cu); err != nil {
		e.t.Fatal(err)
	}
	return linkCode(e.t, cu.URL)
}

func linkCode(t testing.TB, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Path != password.SetPasswordPath || u.Query().Get("code") == "" {
		t.Fatalf("set-password link %q", link)
	}
	return u.Query().Get("code")
}

// person creates a user with a password and a signed-in browser.
func (e *env) person(username string, role inbox.Role, unit string) *browser {
	e.t.Helper()
	code := e.createUser(username, role, unit)
	b := e.browser()
	if rec := b.do("POST", "/api/v1/session/set-password", map[string]string{"code": code, "password": goodPassword}); rec.Code != http.StatusNoContent {
		e.t.Fatalf("set password: %d %s", rec.Code, rec.Body)
	}
	if rec := b.signIn(username, goodPassword); rec.Code != http.StatusNoContent {
		e.t.Fatalf("sign in: %d %s", rec.Code, rec.Body)
	}
	return b
}

func TestUserLifecycleThroughTheAPI(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.PublicURL = "http://inbox.example.go.id" })
	rec := e.do(asAdmin, "POST", "/api/v1/users", map[string]string{"username": "siti", "display_name": "Siti Rahma", "role": "operator", "unit": unitA})
	if rec.Code != http.StatusCreated || rec.Header().Get("Location") != "/api/v1/users/siti" {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	cu := decodeJSONBody[createdUser](t, rec)
	if !strings.HasPrefix(cu.URL, "http://inbox.example.go.id/set-password?code=") || !cu.ExpiresAt.Equal(testNow.Add(24*time.Hour)) ||
		cu.User.PasswordSet || cu.User.Role != inbox.RoleOperator || cu.User.Unit != unitA {
		t.Fatalf("created %+v", cu)
	}
	code := linkCode(t, cu.URL)
	if rec := e.do(asAdmin, "POST", "/api/v1/users", map[string]string{"username": "siti", "role": "viewer"}); rec.Code != http.StatusConflict {
		t.Fatalf("duplicate: %d", rec.Code)
	}
	if rec := e.do(asAdmin, "POST", "/api/v1/users", map[string]string{"username": "Siti Rahma", "role": "chief"}); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad user: %d %s", rec.Code, rec.Body)
	}

	b := e.browser()
	// No password yet: signing in fails like a wrong password.
	if rec := b.signIn("siti", goodPassword); rec.Code != http.StatusUnauthorized {
		t.Fatalf("sign in before a password: %d", rec.Code)
	}
	// A refused password says why, and leaves the code usable.
	rec = b.do("POST", "/api/v1/session/set-password", map[string]string{"code": code, "password": "password1234"})
	if p := decodeProblem(t, rec); rec.Code != http.StatusUnprocessableEntity || !p.names("password") || !strings.Contains(p.Detail, "common") {
		t.Fatalf("common password: %d %+v", rec.Code, p)
	}
	if rec := b.do("POST", "/api/v1/session/set-password", map[string]string{"code": code, "password": goodPassword}); rec.Code != http.StatusNoContent {
		t.Fatalf("set password: %d %s", rec.Code, rec.Body)
	}
	// The link works once.
	rec = b.do("POST", "/api/v1/session/set-password", map[string]string{"code": code, "password": "another good passphrase"})
	if p := decodeProblem(t, rec); rec.Code != http.StatusBadRequest || !p.names("code") {
		t.Fatalf("second use of the link: %d %+v", rec.Code, p)
	}

	rec = b.signIn("Siti", goodPassword) // usernames are matched in lower case
	if rec.Code != http.StatusNoContent || b.cookie == nil {
		t.Fatalf("sign in: %d %s", rec.Code, rec.Body)
	}
	c := b.cookie
	if c.Name != sessionCookiePlain || !c.HttpOnly || c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" ||
		c.MaxAge != int(inbox.DefaultSessionAbsolute/time.Second) || len(c.Value) != 43 {
		t.Fatalf("session cookie %+v", c)
	}
	rec = b.do("GET", "/api/v1/session", nil)
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"username":"siti","display_name":"Siti Rahma","role":"operator","unit":"dinas-pu"}` {
		t.Fatalf("whoami: %d %s", rec.Code, rec.Body)
	}
	// The cookie works on the API, and the audit trail names the person.
	id := e.items["aComment"].ID
	if rec := b.do("PATCH", "/api/v1/items/"+id, map[string]any{"status": "open"}); rec.Code != http.StatusOK {
		t.Fatalf("patch as siti: %d %s", rec.Code, rec.Body)
	}
	d, err := e.st.Detail(id)
	if err != nil {
		t.Fatal(err)
	}
	if last := d.Audit[len(d.Audit)-1]; last.Actor != "siti" {
		t.Fatalf("audit actor %q, want siti", last.Actor)
	}

	// Admin changes: each is audited with the admin's name.
	if rec := e.do(asAdmin, "PATCH", "/api/v1/users/siti", map[string]any{"display_name": "Siti R."}); rec.Code != http.StatusOK {
		t.Fatalf("rename: %d %s", rec.Code, rec.Body)
	}
	if rec := b.do("GET", "/api/v1/session", nil); rec.Code != http.StatusOK {
		t.Fatalf("a new display name must not end sessions: %d", rec.Code)
	}
	if rec := e.do(asAdmin, "PATCH", "/api/v1/users/siti", map[string]any{"role": "viewer"}); rec.Code != http.StatusOK {
		t.Fatalf("role: %d %s", rec.Code, rec.Body)
	}
	if rec := b.do("GET", "/api/v1/session", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("session after a role change: %d", rec.Code)
	}
	for _, path := range []string{"/api/v1/users/siti/disable", "/api/v1/users/siti/enable"} {
		if rec := e.do(asAdmin, "POST", path, nil); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	rec = e.do(asAdmin, "POST", "/api/v1/users/siti/reset-password", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("reset: %d %s", rec.Code, rec.Body)
	}
	newCode := linkCode(t, decodeJSONBody[passwordLink](t, rec).URL)
	if rec := b.signIn("siti", goodPassword); rec.Code != http.StatusUnauthorized {
		t.Fatalf("old password after a reset: %d", rec.Code)
	}
	if rec := b.do("POST", "/api/v1/session/set-password", map[string]string{"code": newCode, "password": "teh manis hangat sore"}); rec.Code != http.StatusNoContent {
		t.Fatalf("set password after reset: %d %s", rec.Code, rec.Body)
	}
	if rec := b.signIn("siti", "teh manis hangat sore"); rec.Code != http.StatusNoContent {
		t.Fatalf("sign in with the new password: %d", rec.Code)
	}

	rec = e.do(asAdmin, "GET", "/api/v1/users/siti", nil)
	detail := decodeJSONBody[store.UserDetail](t, rec)
	var trail []string
	for _, a := range detail.Audit {
		trail = append(trail, a.Actor+":"+a.Field+"="+a.To)
	}
	want := "admin:created=operator of dinas-pu siti:password=set with link admin:display_name=Siti R. admin:role=viewer " +
		"admin:disabled=true admin:disabled=false admin:password=reset siti:password=set with link"
	if got := strings.Join(trail, " "); got != want {
		t.Fatalf("audit trail\n got %s\nwant %s", got, want)
	}
	if detail.LastSignInAt == nil {
		t.Fatal("no last sign-in time")
	}
	list := decodeJSONBody[userList](t, e.do(asAdmin, "GET", "/api/v1/users", nil))
	found := false
	for _, u := range list.Users {
		found = found || u.Username == "siti"
	}
	if !found {
		t.Fatalf("siti not listed: %+v", list)
	}

	// Sign out: 204, the cookie is cleared and the old session is gone.
	old := b.cookie
	if rec := b.do("DELETE", "/api/v1/session", nil); rec.Code != http.StatusNoContent || b.cookie != nil {
		t.Fatalf("sign out: %d cookie %+v", rec.Code, b.cookie)
	}
	b.cookie = old
	if rec := b.do("GET", "/api/v1/items", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("a signed-out session still works: %d", rec.Code)
	}
	if rec := e.do(asAdmin, "GET", "/api/v1/users/nobody", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown user: %d", rec.Code)
	}
}

func TestSetPasswordLinkExpires(t *testing.T) {
	e := newEnv(t)
	code := e.createUser("budi", inbox.RoleViewer, "")
	e.clock.advance(password.CodeTTL)
	rec := e.browser().do("POST", "/api/v1/session/set-password", map[string]string{"code": code, "password": goodPassword})
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("expired link: %d %s", rec.Code, rec.Body)
	}
	// A new link replaces it and works.
	rec = e.do(asAdmin, "POST", "/api/v1/users/budi/reset-password", nil)
	code2 := linkCode(t, decodeJSONBody[passwordLink](t, rec).URL)
	if rec := e.browser().do("POST", "/api/v1/session/set-password", map[string]string{"code": code2, "password": goodPassword}); rec.Code != http.StatusNoContent {
		t.Fatalf("new link: %d %s", rec.Code, rec.Body)
	}
}

// A wrong password and an unknown user get the same answer.
func TestSignInSameAnswerForUnknownUser(t *testing.T) {
	e := newEnv(t)
	e.person("siti", inbox.RoleViewer, "")
	answer := func(user string) string {
		before := e.srv.hasher.Runs()
		rec := e.browser().signIn(user, "not her password at all")
		if runs := e.srv.hasher.Runs() - before; runs != 1 {
			t.Errorf("signing in as %q ran argon2 %d times, want 1 (the same work for every answer)", user, runs)
		}
		p := decodeProblem(t, rec)
		return fmt.Sprintf("%d %s %s %s %s %v", rec.Code, p.Type, p.Title, p.Detail, rec.Header().Get("Set-Cookie"), p.Errors)
	}
	wrong, unknown := answer("siti"), answer("nobody")
	if wrong != unknown || !strings.HasPrefix(wrong, "401 ") {
		t.Fatalf("wrong password: %s\nunknown user:   %s", wrong, unknown)
	}
	// Disabled users get it too, even with the right password.
	e.do(asAdmin, "POST", "/api/v1/users/siti/disable", nil)
	rec := e.browser().signIn("siti", goodPassword)
	p := decodeProblem(t, rec)
	if got := fmt.Sprintf("%d %s %s %s %s %v", rec.Code, p.Type, p.Title, p.Detail, rec.Header().Get("Set-Cookie"), p.Errors); got != wrong {
		t.Fatalf("disabled: %s, want %s", got, wrong)
	}
}

func TestSignInThrottling(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SignInMaxFailures = 5; o.SignInLockout = 10 * time.Minute })
	e.person("siti", inbox.RoleViewer, "")
	b := e.browser()
	// Two failures pass straight on; from the third, each waits 1 s, 2 s...
	for i := 1; i <= 2; i++ {
		if rec := b.signIn("siti", "wrong guess number"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, rec.Code)
		}
	}
	if rec := b.signIn("siti", "wrong guess number"); rec.Code != http.StatusUnauthorized {
		t.Fatalf("failure 3: %d", rec.Code)
	}
	rec := b.signIn("siti", goodPassword)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("right password during backoff: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	e.clock.advance(time.Second)
	b.signIn("siti", "wrong guess number") // 4th: 2 s
	e.clock.advance(time.Second)
	if rec := b.signIn("siti", "wrong guess number"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("during the 2 s backoff: %d", rec.Code)
	}
	e.clock.advance(time.Second)
	b.signIn("siti", "wrong guess number") // 5th: locked for 10 min
	rec = b.signIn("siti", goodPassword)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "600" {
		t.Fatalf("locked: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	// Another address is locked out of siti too (per username)...
	other := e.browser()
	other.addr = "198.51.100.7:4444"
	if rec := other.signIn("siti", goodPassword); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("other address during the lock: %d", rec.Code)
	}
	e.clock.advance(10 * time.Minute)
	if rec := b.signIn("siti", goodPassword); rec.Code != http.StatusNoContent {
		t.Fatalf("after the lock: %d %s", rec.Code, rec.Body)
	}
	// Success forgets the username's failures.
	if rec := b.signIn("siti", "wrong guess number"); rec.Code != http.StatusUnauthorized {
		t.Fatalf("after success: %d", rec.Code)
	}

	// Per address: guessing across many usernames from one address locks
	// the address (5 x max_failures), even for a right password.
	e2 := newEnv(t, func(o *Options) { o.SignInMaxFailures = 2; o.SignInLockout = time.Minute })
	e2.person("ani", inbox.RoleViewer, "")
	g := e2.browser()
	g.addr = "203.0.113.9:1000"
	for i := range 10 {
		if rec := g.signIn(fmt.Sprintf("user%d", i), "some guess here"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, rec.Code)
		}
	}
	if rec := g.signIn("ani", goodPassword); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("address after 10 failures: %d", rec.Code)
	}
	fresh := e2.browser()
	fresh.addr = "203.0.113.10:1000"
	if rec := fresh.signIn("ani", goodPassword); rec.Code != http.StatusNoContent {
		t.Fatalf("another address: %d", rec.Code)
	}
	if got := testutil.ToFloat64(e.srv.metrics.authEvents.WithLabelValues("sign_in", "throttled")); got != 4 {
		t.Fatalf("throttled sign-ins counted %v, want 4", got)
	}
	if got := testutil.ToFloat64(e.srv.metrics.authEvents.WithLabelValues("sign_in", "failed")); got != 6 {
		t.Fatalf("failed sign-ins counted %v, want 6", got)
	}
}

func TestSessionIdleAndAbsoluteExpiry(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SessionIdle = 2 * time.Hour; o.SessionAbsolute = 5 * time.Hour })
	b := e.person("siti", inbox.RoleViewer, "")
	// Used every 90 minutes, the session lives past the idle limit...
	for range 3 {
		e.clock.advance(90 * time.Minute)
		if rec := b.do("GET", "/api/v1/items", nil); rec.Code != http.StatusOK {
			t.Fatalf("active session at +%s: %d", e.clock.now().Sub(testNow), rec.Code)
		}
	}
	// ...but not past the absolute one (5 h after sign-in).
	e.clock.advance(30 * time.Minute)
	if rec := b.do("GET", "/api/v1/items", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("session at the absolute limit: %d", rec.Code)
	}

	b2 := e.person("budi", inbox.RoleViewer, "")
	e.clock.advance(2*time.Hour - time.Second)
	if rec := b2.do("GET", "/api/v1/items", nil); rec.Code != http.StatusOK {
		t.Fatalf("just inside idle: %d", rec.Code)
	}
	e.clock.advance(2 * time.Hour)
	if rec := b2.do("GET", "/api/v1/items", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("idle session: %d", rec.Code)
	}
}

// openPersonStream opens the event stream with a person's cookie.
func (e *env) openPersonStream(ts *httptest.Server, b *browser) *stream {
	e.t.Helper()
	e.cookies["person"] = b.cookie.Value
	defer delete(e.cookies, "person")
	return e.openStream(ts, "person", "")
}

func TestDisablingEndsSessionsAndStream(t *testing.T) {
	e := newEnv(t)
	ts := e.server()
	b := e.person("siti", inbox.RoleOperator, "")
	other := e.browser()
	if rec := other.signIn("siti", goodPassword); rec.Code != http.StatusNoContent {
		t.Fatal(rec.Code)
	}
	s := e.openPersonStream(ts, b)
	if rec := e.do(asAdmin, "POST", "/api/v1/users/siti/disable", nil); rec.Code != http.StatusOK {
		t.Fatalf("disable: %d", rec.Code)
	}
	if _, err := io.Copy(io.Discard, s.rd); err != nil {
		t.Fatalf("the stream did not end: %v", err)
	}
	for _, br := range []*browser{b, other} {
		if rec := br.do("GET", "/api/v1/items", nil); rec.Code != http.StatusUnauthorized {
			t.Fatalf("session of a disabled user: %d", rec.Code)
		}
	}
}

func TestSignOutEverywhereEndsStreams(t *testing.T) {
	e := newEnv(t)
	ts := e.server()
	b := e.person("siti", inbox.RoleViewer, "")
	b2 := e.browser()
	b2.signIn("siti", goodPassword)
	s := e.openPersonStream(ts, b2)
	if rec := b.do("DELETE", "/api/v1/session?everywhere=true", nil); rec.Code != http.StatusNoContent {
		t.Fatalf("sign out everywhere: %d %s", rec.Code, rec.Body)
	}
	if _, err := io.Copy(io.Discard, s.rd); err != nil {
		t.Fatalf("the stream did not end: %v", err)
	}
	if rec := b2.do("GET", "/api/v1/session", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("other session after sign out everywhere: %d", rec.Code)
	}
	// An admin can do it for a user, and a unit change ends streams too.
	b3 := e.browser()
	b3.signIn("siti", goodPassword)
	s3 := e.openPersonStream(ts, b3)
	if rec := e.do(asAdmin, "PATCH", "/api/v1/users/siti", map[string]any{"unit": unitB}); rec.Code != http.StatusOK {
		t.Fatalf("unit change: %d %s", rec.Code, rec.Body)
	}
	if _, err := io.Copy(io.Discard, s3.rd); err != nil {
		t.Fatalf("the stream did not end on a unit change: %v", err)
	}
	b3.signIn("siti", goodPassword)
	if rec := e.do(asAdmin, "DELETE", "/api/v1/users/siti/sessions", nil); rec.Code != http.StatusNoContent {
		t.Fatalf("admin sign out everywhere: %d", rec.Code)
	}
	if rec := b3.do("GET", "/api/v1/session", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("session after admin sign out everywhere: %d", rec.Code)
	}
}

func TestCrossSiteRequestsWithTheCookie(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.TrustedOrigins = []string{"https://inbox.example.go.id"}
		o.CORSOrigins = []string{"https://evil.example"}
	})
	b := e.person("siti", inbox.RoleOperator, "")
	id := e.items["aComment"].ID
	note := map[string]string{"text": "cek lokasi"}
	crossSite := []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}

	rec := b.do("POST", "/api/v1/items/"+id+"/notes", note, crossSite...)
	if p := decodeProblem(t, rec); rec.Code != http.StatusForbidden || !strings.HasSuffix(p.Type, "cross-origin") {
		t.Fatalf("cross-site POST with the cookie: %d %+v", rec.Code, p)
	}
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("cors_origins applied to a cookie request")
	}
	// The same POST with a bearer token works (and gets CORS headers).
	rec = e.do(asOp, "POST", "/api/v1/items/"+id+"/notes", note, crossSite...)
	if rec.Code != http.StatusCreated || rec.Header().Get("Access-Control-Allow-Origin") != "https://evil.example" {
		t.Fatalf("cross-site POST with a bearer token: %d %s", rec.Code, rec.Body)
	}
	// Same-origin and no-browser requests with the cookie work.
	if rec := b.do("POST", "/api/v1/items/"+id+"/notes", note, "Sec-Fetch-Site", "same-origin"); rec.Code != http.StatusCreated {
		t.Fatalf("same-origin POST: %d %s", rec.Code, rec.Body)
	}
	// A plain-HTTP browser behind a proxy that rewrote Host: only the
	// trusted origin passes.
	if rec := b.do("POST", "/api/v1/items/"+id+"/notes", note, "Origin", "https://inbox.example.go.id"); rec.Code != http.StatusCreated {
		t.Fatalf("trusted origin: %d %s", rec.Code, rec.Body)
	}
	if rec := b.do("POST", "/api/v1/items/"+id+"/notes", note, "Origin", "https://other.example.go.id"); rec.Code != http.StatusForbidden {
		t.Fatalf("untrusted origin: %d", rec.Code)
	}
	// A cross-site GET is allowed (safe), but gets no CORS headers.
	if rec := b.do("GET", "/api/v1/items", nil, crossSite...); rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("cross-site GET: %d ACAO %q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
	}
	// Signing in and out from another site is refused too.
	if rec := e.browser().do("POST", "/api/v1/session", map[string]string{"username": "siti", "password": goodPassword}, crossSite...); rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site sign-in: %d", rec.Code)
	}
	if rec := b.do("DELETE", "/api/v1/session", nil, crossSite...); rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site sign-out: %d", rec.Code)
	}
}

func TestSecureCookieBehindHTTPS(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.PublicURL = "https://inbox.example.go.id" })
	b := e.person("siti", inbox.RoleViewer, "")
	c := b.cookie
	if c.Name != sessionCookieSecure || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie %+v", c)
	}
	if rec := b.do("GET", "/api/v1/session", nil); rec.Code != http.StatusOK {
		t.Fatalf("__Host- cookie: %d", rec.Code)
	}
}

// Nothing secret reaches a log line: not a password, a session id or a
// set-password code. Every sign-in, failure, sign-out and password change
// is logged with the username, client address and request id.
func TestNoSecretsInLogs(t *testing.T) {
	e := newEnv(t)
	code := e.createUser("siti", inbox.RoleViewer, "")
	b := e.browser()
	b.do("POST", "/api/v1/session/set-password", map[string]string{"code": code, "password": "short"})
	b.do("POST", "/api/v1/session/set-password", map[string]string{"code": code, "password": goodPassword})
	b.signIn("siti", "my wrong password 1")
	b.signIn("siti", goodPassword)
	sid := b.cookie.Value
	b.do("GET", "/api/v1/items", nil)
	b.do("DELETE", "/api/v1/session", nil, "X-Request-Id", "req-signout-1")
	rec := e.do(asAdmin, "POST", "/api/v1/users/siti/reset-password", nil)
	code2 := linkCode(t, decodeJSONBody[passwordLink](t, rec).URL)

	logs := e.logs.String()
	for _, secret := range []string{goodPassword, "my wrong password 1", sid, code, code2, url.QueryEscape(code)} {
		if strings.Contains(logs, secret) {
			t.Fatalf("a secret %q reached the log:\n%s", secret, logs)
		}
	}
	for _, want := range []string{
		`msg="password change" outcome=refused username=siti client=192.0.2.10`,
		`msg="password change" outcome=ok username=siti client=192.0.2.10`,
		`msg=sign-in outcome=wrong_password username=siti client=192.0.2.10`,
		`msg=sign-in outcome=ok username=siti client=192.0.2.10`,
		`msg=sign-out outcome=ok username=siti client=192.0.2.10 request_id=`,
		`client_request_id=req-signout-1`,
		`msg="password reset" username=siti`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// Unit scope through the cookie: the role x route x unit matrix covers
// every route with cookie principals (TestAuthMatrix); here the stream of
// a unit-scoped person gets only its unit's events.
func TestCookieStreamUnitScope(t *testing.T) {
	e := newEnv(t)
	ts := e.server()
	s := e.openStream(ts, asCViewerA, "")
	u := unitB
	if _, err := e.st.Update(e.items["noneXDM"].ID, "test", store.Change{Unit: &u}); err != nil {
		t.Fatal(err)
	}
	u = unitA
	if _, err := e.st.Update(e.items["noneXDM"].ID, "test", store.Change{Unit: &u}); err != nil {
		t.Fatal(err)
	}
	ev := s.nextEvent()
	if ev.event != "item.updated" || !strings.Contains(ev.data, `"unit":"`+unitA+`"`) {
		t.Fatalf("first event for a unit-A person: %+v", ev)
	}
}

// A person's event streams count against the same cap as a token's, over
// all of their sessions; another principal is not affected.
func TestStreamCapPerUser(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxStreamsPerToken, o.MaxStreams = 1, 10 })
	ts := e.server()
	first := e.person("siti", inbox.RoleViewer, "")
	second := e.browser()
	if rec := second.signIn("siti", goodPassword); rec.Code != http.StatusNoContent {
		t.Fatal(rec.Code)
	}
	e.openPersonStream(ts, first)
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/events", nil)
	req.AddCookie(second.cookie)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second stream of one user: %d, want 429 with Retry-After", resp.StatusCode)
	}
	e.openStream(ts, asViewer, "") // a token's own cap is separate
	e.openPersonStream(ts, e.person("budi", inbox.RoleViewer, ""))
}

// Behind a trusted proxy, sign-in throttling and logs use the client
// address from X-Forwarded-For, not the proxy's.
func TestSignInThrottleBehindTrustedProxy(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.SignInMaxFailures = 2
		proxies, err := ParseTrustedProxies([]string{"192.0.2.0/24"})
		if err != nil {
			t.Fatal(err)
		}
		o.TrustedProxies = proxies
	})
	e.person("ani", inbox.RoleViewer, "")
	guesser := e.browser() // 192.0.2.10: the proxy
	guesser.hdr = []string{"X-Forwarded-For", "203.0.113.1"}
	for i := range 2 * addressFactor {
		if rec := guesser.signIn(fmt.Sprintf("user%d", i), "some guess here"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, rec.Code)
		}
	}
	if rec := guesser.signIn("ani", goodPassword); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("the guessing client: %d, want 429", rec.Code)
	}
	colleague := e.browser() // same proxy, another client
	colleague.hdr = []string{"X-Forwarded-For", "203.0.113.2"}
	if rec := colleague.signIn("ani", goodPassword); rec.Code != http.StatusNoContent {
		t.Fatalf("another client behind the same proxy: %d", rec.Code)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "msg=sign-in outcome=unknown_user username=user0 client=203.0.113.1 ") {
		t.Fatalf("sign-in logs do not name the forwarded client:\n%s", logs)
	}
}
