package scrub

import (
	"bytes"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

func TestCleanRemovesSecretsAndShapes(t *testing.T) {
	s := New(0)
	s.Add("ck-consumer-1", "at/with+plus=", "x", "") // too short ones are ignored
	cases := []struct{ in, gone, keep string }{
		{"401 body: consumer ck-consumer-1 refused", "ck-consumer-1", "401 body: consumer [redacted] refused"},
		{"query oauth_token=at%2Fwith%2Bplus%3D&x=1", "at%2Fwith", "oauth_token=[redacted]"},
		{`Authorization: OAuth oauth_consumer_key="unregistered-ck", oauth_token="unregistered-at"`, "unregistered", "Authorization: [redacted]"},
		{`{"headers":{"Authorization":["Bearer abcdefghijklmnop"]}}`, "abcdefghijklmnop", `"Authorization":["[redacted]`},
		{`{"echo":"Authorization: OAuth oauth_consumer_key=\"k123456\", oauth_nonce=\"n\""}`, "k123456", "[redacted]"},
		{"Get \"https://graph.example/v25.0/me?access_token=EAAG123secret&fields=id\": timeout", "EAAG123secret", "access_token=[redacted]&fields=id"},
		{`{"access_token":"tok-12345","refresh_token":"ref-12345","token_type":"bearer"}`, "12345", `"access_token":"[redacted]"`},
		{"Post https://api.telegram.org/bot123456:ABC-def_ghi/sendMessage: 502", "ABC-def", "/bot[redacted]/sendMessage"},
		{"client_secret=cs-99999&grant_type=refresh_token", "cs-99999", "grant_type=refresh_token"},
		{"a sentence about x and tokens", "", "a sentence about x and tokens"},
	}
	for _, c := range cases {
		got := s.Clean(c.in)
		if (c.gone != "" && strings.Contains(got, c.gone)) || !strings.Contains(got, c.keep) {
			t.Errorf("Clean(%q) = %q; want no %q and %q kept", c.in, got, c.gone, c.keep)
		}
	}
	if got := s.Clean(url.PathEscape("at/with+plus=")); strings.Contains(got, "with") {
		t.Errorf("path-escaped secret survived: %q", got)
	}
}

func TestStringIsBounded(t *testing.T) {
	s := New(20)
	got := s.String(strings.Repeat("é", 30))
	if len(got) > 20 || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "éé") {
		t.Fatalf("String = %q (%d bytes)", got, len(got))
	}
	if got := s.Error(errors.New("short")); got != "short" {
		t.Fatalf("Error = %q", got)
	}
	if s.Error(nil) != "" {
		t.Fatal("Error(nil) not empty")
	}
}

type printable struct{ v string }

func (p printable) String() string { return p.v }

func TestHandlerCleansEveryAttribute(t *testing.T) {
	s := New(0)
	s.Add("secret-token-1")
	var buf bytes.Buffer
	log := slog.New(s.Handler(slog.NewTextHandler(&buf, nil))).With("ctx", "with secret-token-1")
	log.WithGroup("g").Info("msg secret-token-1", "err", errors.New("echo secret-token-1"), "s", "secret-token-1",
		"str", printable{"secret-token-1"}, "list", []string{"secret-token-1"}, "any", map[string]string{"k": "secret-token-1"},
		slog.Group("inner", "v", "secret-token-1"), "n", 3)
	out := buf.String()
	if strings.Contains(out, "secret-token-1") || strings.Count(out, Redacted) != 8 || !strings.Contains(out, "g.n=3") {
		t.Fatalf("log line: %s", out)
	}
}
