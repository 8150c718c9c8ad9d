package metagraph

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
)

const (
	testToken  = "EAAGtesttokenvalue"
	testSecret = "appsecret-value"
)

func newTestClient(t *testing.T, h http.HandlerFunc) (*Client, *bytes.Buffer) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	c, err := NewClient(ClientConfig{GraphURL: srv.URL, Token: testToken, AppSecret: testSecret, Platform: "Instagram", Messaging: "Instagram",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return c, &logs
}

// The token travels in the Authorization header only; appsecret_proof is
// HMAC-SHA256(token) keyed with the app secret, on every call.
func TestClientTokenInHeaderAndProof(t *testing.T) {
	var got *http.Request
	c, logs := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		_, _ = w.Write([]byte(`{"id":"1"}`))
	})
	var v struct{ ID string }
	// A stored paging link may carry access_token: it is dropped.
	if err := c.Get(context.Background(), "probe", "me?fields=id&access_token=leaked", nil, &v); err != nil || v.ID != "1" {
		t.Fatalf("Get = %v %+v", err, v)
	}
	if got.URL.Path != "/v25.0/me" || got.URL.Query().Get("access_token") != "" || strings.Contains(got.URL.String(), testToken) {
		t.Errorf("request URL %s", got.URL)
	}
	if got.Header.Get("Authorization") != "Bearer "+testToken {
		t.Errorf("Authorization = %q", got.Header.Get("Authorization"))
	}
	// A known vector: echo -n abc | openssl dgst -sha256 -hmac key.
	if p := got.URL.Query().Get("appsecret_proof"); p != AppsecretProof(testToken, testSecret) || len(p) != 64 {
		t.Errorf("appsecret_proof = %q", p)
	}
	if AppsecretProof("abc", "key") != "9c196e32dc0175f86f4b1cb89289d6619de6bee699e4c378e68309ed97a1a6ab" {
		t.Errorf("AppsecretProof(abc, key) = %s", AppsecretProof("abc", "key"))
	}
	if strings.Contains(logs.String(), testToken) {
		t.Errorf("token in logs: %s", logs)
	}
}

// Graph's documented error envelope is classified; the usage headers are read.
func TestClientErrorsAndUsage(t *testing.T) {
	// Meta's "expired access token" example (Access Tokens: Debugging and Error Handling).
	body := []byte(`{"error":{"message":"Error validating access token: Session has expired on Wednesday, 14-Feb-18 18:00:00 PST.",` +
		`"type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"H2il2t5bn4e"}}`)
	status := 400
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Business-Use-Case-Usage", `{"1784":[{"type":"instagram","call_count":91,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":4}]}`)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
	err := c.Get(context.Background(), "poll comments", "1784/media", nil, nil)
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Class != connectors.Auth || ce.Code != "190/463" {
		t.Fatalf("err = %#v", err)
	}
	if c.Usage() != 91 {
		t.Errorf("usage = %v", c.Usage())
	}
	body, status = []byte(`{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4}}`), 400
	err = c.PostForm(context.Background(), "send", "1/replies", nil, nil)
	if !errors.As(err, &ce) || ce.Class != connectors.RateLimited || !ce.RetryAt.Equal(time.Date(2026, 12, 2, 9, 4, 0, 0, time.UTC)) || ce.MayHaveReached {
		t.Fatalf("rate limit err = %#v", err)
	}
	body, status = []byte(`<html>bad gateway</html>`), 502
	err = c.PostForm(context.Background(), "send", "1/replies", nil, nil)
	if !errors.As(err, &ce) || ce.Class != connectors.Transient || !ce.MayHaveReached {
		t.Fatalf("502 err = %#v", err)
	}
}
