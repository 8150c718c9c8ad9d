package instagram

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testToken  = "EAAGinstagramPageToken0123"
	testSecret = "instagram-app-secret"
	testPageID = "102030405060708"
	testIGUser = "17841400000000001"
)

// testNow is the fake clock: 2026-12-02 09:00 UTC.
var testNow = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// request is one request the fake got.
type request struct {
	Method, Path, RawQuery, Auth string
	Body                         string
}

// fake is a Graph API stand-in: canned answers by "METHOD path", in order
// (the last one repeats), shaped like Meta's documented JSON.
type fake struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	answers  map[string][]answer
	requests []request
}

type answer struct {
	status int
	body   string
	header map[string]string
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t, answers: map[string][]answer{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: string(body)})
	key := r.Method + " " + strings.TrimPrefix(r.URL.Path, "/v25.0/")
	as := f.answers[key]
	var a answer
	switch {
	case len(as) == 0:
		a = answer{status: 400, body: `{"error":{"message":"Unsupported get request.","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"AbCd"}}`}
	case len(as) == 1:
		a = as[0]
	default:
		a, f.answers[key] = as[0], as[1:]
	}
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"error":{"message":"An active access token must be used to query information about the current user.","type":"OAuthException","code":2500}}`)
		return
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	b := strings.ReplaceAll(a.body, "GRAPH/", f.srv.URL+"/")
	_, _ = io.WriteString(w, strings.ReplaceAll(b, "access_token=TOKEN", "access_token="+testToken))
}

// on queues answers to "METHOD path" (path without the version).
func (f *fake) on(key string, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[key] = append(f.answers[key], answer{status: status, body: body})
}

func (f *fake) reset(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.answers, key)
}

func (f *fake) got() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.requests...)
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

type testConn struct {
	*Connector
	logs *syncBuffer
	now  *time.Time
}

func newConn(t *testing.T, f *fake, mutate ...func(*Config)) testConn {
	t.Helper()
	now := testNow
	logs := &syncBuffer{}
	cfg := Config{Name: "pemkab-ig", PageID: testPageID, IGUserID: testIGUser, PageToken: testToken, AppSecret: testSecret,
		GraphURL: f.srv.URL, Sources: []string{SourceComments}}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg, Options{HTTPClient: f.srv.Client(), Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return testConn{Connector: c, logs: logs, now: &now}
}

// formBody decodes a Send API request's form, its object parameters
// (recipient, message) from their JSON.
func formBody(t *testing.T, r request) map[string]any {
	t.Helper()
	form, err := url.ParseQuery(r.Body)
	if err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	m := map[string]any{}
	for k := range form {
		v := form.Get(k)
		var obj map[string]any
		if strings.HasPrefix(v, "{") && json.Unmarshal([]byte(v), &obj) == nil {
			m[k] = obj
			continue
		}
		m[k] = v
	}
	return m
}
