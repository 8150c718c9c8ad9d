package config

import (
	"strings"
	"testing"
)

// The messages a sysadmin meets first: each says what to do.

// A required secret whose variable is unset is one error naming the
// variable to set; it used to be two, the second suggesting ${X:-}, which
// would only trade the error for an empty required key.
func TestMissingRequiredSecretReportedOnce(t *testing.T) {
	_, err := Parse("c.yaml", []byte("accounts:"+fbAccount), nil, testPlatforms()...)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d errors, want 1:\n%s", len(lines), msg)
	}
	if !strings.Contains(msg, "c.yaml:5: accounts[0].page_token:") || !strings.Contains(msg, "set FB_PAGE_TOKEN") ||
		strings.Contains(msg, ":-}") || strings.Contains(msg, "is required for") {
		t.Errorf("error = %q, want one line naming FB_PAGE_TOKEN to set", msg)
	}
	// An optional key keeps the hint.
	_, err = Parse("c.yaml", []byte("http:\n  cors_origins: [\"${ORIGIN}\"]\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "${ORIGIN:-}") {
		t.Errorf("optional key error = %v, want the ${ORIGIN:-} hint", err)
	}
}

func TestTabIndentation(t *testing.T) {
	_, err := Parse("c.yaml", []byte("log:\n\tlevel: debug\n"), nil)
	if err == nil || err.Error() != "c.yaml:2: tabs are not allowed for indentation in YAML; use spaces" {
		t.Errorf("error = %v", err)
	}
	// Other syntax errors keep the parser's words.
	_, err = Parse("c.yaml", []byte("log: [\n"), nil)
	if err == nil || strings.Contains(err.Error(), "tabs") || !strings.Contains(err.Error(), "invalid YAML") {
		t.Errorf("error = %v", err)
	}
}

func TestEmptyConfigWarns(t *testing.T) {
	for _, body := range []string{"", "# nothing yet\n", "{}\n"} {
		cfg, err := Parse("c.yaml", []byte(body), nil)
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "c.yaml is empty") ||
			!strings.Contains(cfg.Warnings[0], "no accounts") || !strings.Contains(cfg.Warnings[0], "relative data_dir ./data") {
			t.Errorf("%q: warnings %q", body, cfg.Warnings)
		}
	}
	cfg, err := Parse("c.yaml", []byte("data_dir: /var/lib/inboxd\n"), nil)
	if err != nil || len(cfg.Warnings) != 0 {
		t.Errorf("a non-empty config: %v, warnings %q", err, cfg.Warnings)
	}
}

func TestBootstrapTokenSetButUnusedWarns(t *testing.T) {
	env := func(kv ...string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}
	const tok = "0123456789abcdef0123"
	cases := []struct {
		name, yaml string
		env        func(string) (string, bool)
		warn       bool
	}{
		{"set, config ignores it", "data_dir: d\n", env("INBOXD_ADMIN_TOKEN", tok), true},
		{"set and used", "data_dir: d\nhttp:\n  bootstrap_admin_token: ${INBOXD_ADMIN_TOKEN}\n", env("INBOXD_ADMIN_TOKEN", tok), false},
		{"set, optional use", "data_dir: d\nhttp:\n  bootstrap_admin_token: ${INBOXD_ADMIN_TOKEN:-}\n", env("INBOXD_ADMIN_TOKEN", tok), false},
		{"unset", "data_dir: d\n", env(), false},
		{"set empty", "data_dir: d\n", env("INBOXD_ADMIN_TOKEN", ""), false},
	}
	for _, c := range cases {
		cfg, err := Parse("c.yaml", []byte(c.yaml), c.env)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := strings.Join(cfg.Warnings, "\n")
		if c.warn != strings.Contains(got, "INBOXD_ADMIN_TOKEN is set in the environment, but c.yaml does not use it") {
			t.Errorf("%s: warnings %q", c.name, got)
		}
		if strings.Contains(got, tok) {
			t.Errorf("%s: a warning shows the token", c.name)
		}
	}
}
