package api

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// doFrom sends a request from the given TCP peer, with extra headers.
func (e *env) doFrom(peer, as, method, path string, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = peer
	if as != asNone {
		req.Header.Set("Authorization", "Bearer "+e.tokens[as])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

// Before issue 10 a refused request left no log line and no metric.
func TestAuthFailuresAreLoggedAndCounted(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		as, method, path string
		status           int
		route, reason    string
	}{
		{asNone, "GET", "/api/v1/items", 401, "GET /api/v1/items", reasonMissing},
		{asBad, "GET", "/api/v1/items", 401, "GET /api/v1/items", reasonUnknown},
		{asViewer, "GET", "/api/v1/tokens", 403, "GET /api/v1/tokens", reasonRole},
		{asAdminA, "GET", "/api/v1/tokens", 403, "GET /api/v1/tokens", reasonScope},
	} {
		rec := e.doFrom("198.51.100.7:4321", tc.as, tc.method, tc.path, "X-Request-Id", "client-7")
		if rec.Code != tc.status {
			t.Fatalf("%s %s as %q: %d, want %d", tc.method, tc.path, tc.as, rec.Code, tc.status)
		}
		id := decodeProblem(t, rec).RequestID
		var line string
		for _, l := range strings.Split(e.logs.String(), "\n") {
			if strings.Contains(l, "request_id="+id) {
				line = l
			}
		}
		for _, want := range []string{"route=\"" + tc.route + "\"", "reason=" + tc.reason, "client=198.51.100.7",
			"peer=198.51.100.7:4321", "client_request_id=client-7", "status=" + strconv.Itoa(tc.status)} {
			if !strings.Contains(line, want) {
				t.Errorf("log line %q lacks %s", line, want)
			}
		}
		if got := testutil.ToFloat64(e.srv.metrics.authFailures.WithLabelValues(tc.route, tc.reason)); got < 1 {
			t.Errorf("metric %s/%s = %v", tc.route, tc.reason, got)
		}
	}
	if logs := e.logs.String(); strings.Contains(logs, e.tokens[asBad]) || strings.Contains(logs, e.tokens[asViewer]) {
		t.Fatal("a presented token reached the log")
	}
}

func TestRepeatedAuthFailuresAreThrottled(t *testing.T) {
	c := &clock{t: testNow}
	e := newEnv(t, func(o *Options) {
		o.Now = c.now
		o.AuthFailureLimit = 3
		o.AuthFailureWindow = time.Minute
	})
	const attacker, neighbour = "203.0.113.9:5000", "203.0.113.10:5000"
	for i := 0; i < 3; i++ {
		if rec := e.doFrom(attacker, asBad, "GET", "/api/v1/items"); rec.Code != 401 {
			t.Fatalf("failure %d: %d", i+1, rec.Code)
		}
	}
	rec := e.doFrom(attacker, asBad, "GET", "/api/v1/items")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "60" {
		t.Fatalf("4th failure: %d Retry-After=%q, want 429 and 60", rec.Code, rec.Header().Get("Retry-After"))
	}
	decodeProblem(t, rec)
	// Guessing stops for the window even with a valid token; others and
	// public routes are untouched.
	if rec := e.doFrom(attacker, asViewer, "GET", "/api/v1/items"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("valid token from the throttled address: %d", rec.Code)
	}
	if rec := e.doFrom(attacker, asNone, "GET", "/healthz"); rec.Code != 200 {
		t.Fatalf("/healthz from the throttled address: %d", rec.Code)
	}
	if rec := e.doFrom(neighbour, asViewer, "GET", "/api/v1/items"); rec.Code != 200 {
		t.Fatalf("another address: %d", rec.Code)
	}
	if got := testutil.ToFloat64(e.srv.metrics.authFailures.WithLabelValues("GET /api/v1/items", reasonThrottled)); got != 2 {
		t.Fatalf("throttled count %v, want 2", got)
	}
	if n := strings.Count(e.logs.String(), "throttling failed authentication"); n != 1 {
		t.Fatalf("throttle engaged log lines: %d, want 1", n)
	}
	c.advance(30 * time.Second)
	if rec := e.doFrom(attacker, asViewer, "GET", "/api/v1/items"); rec.Header().Get("Retry-After") != "30" {
		t.Fatalf("half-way: %d Retry-After=%q", rec.Code, rec.Header().Get("Retry-After"))
	}
	c.advance(30 * time.Second)
	if rec := e.doFrom(attacker, asViewer, "GET", "/api/v1/items"); rec.Code != 200 {
		t.Fatalf("after the window: %d", rec.Code)
	}
}

func TestClientAddrTrustsOnlyConfiguredProxies(t *testing.T) {
	proxies, err := ParseTrustedProxies([]string{"10.0.0.0/8", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{trustedProxies: proxies}
	for _, tc := range []struct{ peer, xff, want string }{
		{"198.51.100.7:1", "203.0.113.5", "198.51.100.7"},               // not a proxy: its header is the client's claim
		{"10.1.1.1:1", "203.0.113.5", "203.0.113.5"},                    // trusted proxy
		{"10.1.1.1:1", "1.2.3.4, 203.0.113.5, 10.2.2.2", "203.0.113.5"}, // nearest untrusted hop; 1.2.3.4 is spoofable
		{"10.1.1.1:1", "", "10.1.1.1"},                                  // no header
		{"10.1.1.1:1", "not-an-ip", "10.1.1.1"},                         // garbage
		{"[::1]:1", "2001:db8::7", "2001:db8::7"},                       // IPv6 proxy
		{"[::ffff:10.0.0.3]:1", "203.0.113.5", "203.0.113.5"},           // v4-mapped peer
		{"10.1.1.1:1", "10.3.3.3, 10.2.2.2", "10.3.3.3"},                // every hop trusted: the farthest
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := s.clientAddr(r); got != tc.want {
			t.Errorf("peer %s XFF %q: %s, want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
	if _, err := ParseTrustedProxies([]string{"10.0.0.0/33"}); err == nil {
		t.Fatal("bad prefix accepted")
	}
}

func TestThrottleBehindTrustedProxyIsPerClient(t *testing.T) {
	proxies, _ := ParseTrustedProxies([]string{"10.0.0.1"})
	e := newEnv(t, func(o *Options) {
		o.AuthFailureLimit = 2
		o.AuthFailureWindow = time.Minute
		o.TrustedProxies = proxies
	})
	const proxy = "10.0.0.1:8443"
	for i := 0; i < 2; i++ {
		e.doFrom(proxy, asBad, "GET", "/api/v1/items", "X-Forwarded-For", "203.0.113.66")
	}
	if rec := e.doFrom(proxy, asViewer, "GET", "/api/v1/items", "X-Forwarded-For", "203.0.113.66"); rec.Code != 429 {
		t.Fatalf("throttled client via proxy: %d", rec.Code)
	}
	if rec := e.doFrom(proxy, asViewer, "GET", "/api/v1/items", "X-Forwarded-For", "203.0.113.67"); rec.Code != 200 {
		t.Fatalf("another client via the same proxy: %d", rec.Code)
	}
	// An untrusted peer cannot dodge its throttle by sending the header.
	for i := 0; i < 2; i++ {
		e.doFrom("198.51.100.1:1", asBad, "GET", "/api/v1/items", "X-Forwarded-For", "192.0.2."+string(rune('1'+i)))
	}
	if rec := e.doFrom("198.51.100.1:1", asViewer, "GET", "/api/v1/items", "X-Forwarded-For", "192.0.2.9"); rec.Code != 429 {
		t.Fatalf("untrusted peer with a forged header: %d", rec.Code)
	}
}

// Before this test, a wrong password (401), a cross-origin cookie request
// (403) and a scoped token moving an item out of its unit (403) were not
// logged with route, reason and peer nor counted by route and reason.
func TestEveryRefusalIsLoggedAndCounted(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.AuthFailureLimit = 2; o.AuthFailureWindow = time.Minute })
	e.person("siti", inbox.RoleOperator, "")
	b := e.browser()
	for _, tc := range []struct {
		rec           *httptest.ResponseRecorder
		status        int
		route, reason string
	}{
		{b.signIn("siti", "wrong guess number"), 401, "POST /api/v1/session", reasonBadCredentials},
		{b.do("POST", "/api/v1/session", map[string]string{"username": "siti", "password": goodPassword},
			"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"), 403, "POST /api/v1/session", reasonCrossOrigin},
		{e.do(asOpA, "PATCH", "/api/v1/items/"+e.items["aComment"].ID, map[string]string{"unit": unitB}), 403,
			"PATCH /api/v1/items/{id}", reasonScope},
	} {
		if tc.rec.Code != tc.status {
			t.Fatalf("%s: %d %s, want %d", tc.route, tc.rec.Code, tc.rec.Body, tc.status)
		}
		id := decodeProblem(t, tc.rec).RequestID
		var line string
		for _, l := range strings.Split(e.logs.String(), "\n") {
			if strings.Contains(l, "request_id="+id) && strings.Contains(l, "route=") {
				line = l
			}
		}
		for _, want := range []string{"route=\"" + tc.route + "\"", "reason=" + tc.reason, "peer=", "status=" + strconv.Itoa(tc.status)} {
			if !strings.Contains(line, want) {
				t.Errorf("%s: log line %q lacks %s", tc.route, line, want)
			}
		}
		if got := testutil.ToFloat64(e.srv.metrics.authFailures.WithLabelValues(tc.route, tc.reason)); got != 1 {
			t.Errorf("metric %s/%s = %v, want 1", tc.route, tc.reason, got)
		}
	}
	// Wrong passwords have their own throttle (per username and address):
	// they do not lock the address out of its valid tokens.
	b.signIn("siti", "wrong guess number")
	if rec := e.doFrom(b.addr, asOp, "GET", "/api/v1/items"); rec.Code != 200 {
		t.Fatalf("token from an address with wrong passwords: %d", rec.Code)
	}
}
