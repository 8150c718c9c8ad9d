package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestHTTPLimits(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte("log:\n  level: info\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := cfg.HTTP
	if h.MaxConnections != DefaultMaxConnections || h.MaxStreams != DefaultMaxStreams || h.MaxStreamsPerToken != DefaultMaxStreamsPerToken ||
		h.MaxTokens != DefaultMaxTokens || h.AuthFailureLimit != DefaultAuthFailureLimit || h.AuthFailureWindow != DefaultAuthFailureWindow ||
		h.TrustedProxies != nil {
		t.Fatalf("defaults: %+v", h)
	}
	cfg, err = Parse("c.yaml", []byte("http:\n  max_connections: 100\n  max_streams: 50\n  max_streams_per_token: 5\n  max_tokens: 7\n"+
		"  auth_failure_limit: 3\n  auth_failure_window: 10m\n  trusted_proxies: [10.0.0.0/8, 192.0.2.1, \"::1\"]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	h = cfg.HTTP
	if h.MaxConnections != 100 || h.MaxStreams != 50 || h.MaxStreamsPerToken != 5 || h.MaxTokens != 7 || h.AuthFailureLimit != 3 ||
		h.AuthFailureWindow != 10*time.Minute || !reflect.DeepEqual(h.TrustedProxies, []string{"10.0.0.0/8", "192.0.2.1", "::1"}) {
		t.Fatalf("parsed: %+v", h)
	}
	for yaml, want := range map[string]string{
		"http:\n  max_streams: 0\n":                      "c.yaml:2: http.max_streams: must be at least 1, not 0",
		"http:\n  max_streams_per_token: many\n":         `c.yaml:2: http.max_streams_per_token: must be a whole number, not "many"`,
		"http:\n  max_connections: 1000\n":               "c.yaml:2: http.max_connections: must be at least max_streams + 32 (1032)",
		"http:\n  trusted_proxies: [10.0.0.0/40]\n":      `c.yaml:2: http.trusted_proxies[0]: "10.0.0.0/40" is not a CIDR prefix`,
		"http:\n  trusted_proxies:\n    - proxy.local\n": `c.yaml:3: http.trusted_proxies[0]: "proxy.local" is not an IP address`,
		"http:\n  auth_failure_window: 0s\n":             "c.yaml:2: http.auth_failure_window: must be positive",
		"http:\n  max_tokens: -1\n":                      "c.yaml:2: http.max_tokens: must be at least 1",
	} {
		_, err := Parse("c.yaml", []byte(yaml), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", yaml, err, want)
		}
	}
}
