package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo
)

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

const fbAccount = `
  - name: pemkab-fb
    platform: facebook
    page_id: "1234567890"
    page_token: ${FB_PAGE_TOKEN}
`

// TestErrorsNameKeyAndLine checks that each kind of mistake is reported
// with the file, the line and the full key path.
func TestErrorsNameKeyAndLine(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  []string
		want []string // substrings of the error, each must appear
	}{
		{
			name: "unknown top-level key",
			yaml: "data_dir: ./d\nlisten: :8080\n",
			want: []string{"c.yaml:2: listen: unknown key"},
		},
		{
			name: "verify bounds",
			yaml: "verify:\n  max_attempts: 0\n  max_time: -1m\n  tries: 3\n",
			want: []string{"c.yaml:2: verify.max_attempts: must be between 1 and 10000, not 0",
				"c.yaml:3: verify.max_time: must be positive", "c.yaml:4: verify.tries: unknown key"},
		},
		{
			name: "unknown nested key",
			yaml: "http:\n  listen: 127.0.0.1:1\n  cors: [x]\n",
			want: []string{"c.yaml:3: http.cors: unknown key"},
		},
		{
			name: "missing env var in a nested secret",
			yaml: "http:\n  bootstrap_admin_token: ${INBOXD_ADMIN_TOKEN}\n",
			want: []string{"c.yaml:2: http.bootstrap_admin_token: environment variable INBOXD_ADMIN_TOKEN is not set"},
		},
		{
			name: "public_url not a URL people open",
			yaml: "public_url: inbox.example.go.id\n",
			want: []string{"c.yaml:1: public_url: \"inbox.example.go.id\" must be an http or https URL"},
		},
		{
			name: "public_url with a query",
			yaml: "public_url: https://inbox.example.go.id/?x=1\n",
			want: []string{"c.yaml:1: public_url: must not have a query"},
		},
		{
			name: "trusted origin with a path",
			yaml: "http:\n  trusted_origins: [https://inbox.example.go.id/console]\n",
			want: []string{"c.yaml:2: http.trusted_origins[0]: \"https://inbox.example.go.id/console\" must be an origin"},
		},
		{
			name: "sessions idle longer than absolute",
			yaml: "sessions:\n  idle_timeout: 200h\n  max_failures: 0\n  lockout: soon\n",
			want: []string{"c.yaml:2: sessions: idle_timeout (200h0m0s) must not be longer than absolute_timeout (168h0m0s)",
				"c.yaml:3: sessions.max_failures: must be between 1 and 1000", "c.yaml:4: sessions.lockout: \"soon\" is not a duration"},
		},
		{
			name: "bad http section",
			yaml: "http:\n  listen: localhost\n  cors_origins:\n    - https://ok.example\n    - https://bad.example/path\n  metrics_public: maybe\n  bootstrap_admin_token: short\n",
			want: []string{
				"c.yaml:2: http.listen:",
				"c.yaml:5: http.cors_origins[1]:",
				`c.yaml:6: http.metrics_public: must be true or false, not "maybe"`,
				"c.yaml:7: http.bootstrap_admin_token: must be at least 16 characters",
			},
		},
		{
			name: "bad log and timezone",
			yaml: "timezone: Mars/Olympus\nlog:\n  level: verbose\n  format: xml\n",
			want: []string{
				`c.yaml:1: timezone: unknown time zone "Mars/Olympus"`,
				`c.yaml:3: log.level: must be debug, info, warn or error, not "verbose"`,
				`c.yaml:4: log.format: must be text or json, not "xml"`,
			},
		},
		{
			name: "duplicate key",
			yaml: "data_dir: a\ndata_dir: b\n",
			want: []string{"c.yaml:2: data_dir: duplicate key (first on line 1)"},
		},
		{
			name: "wrong node kind",
			yaml: "accounts:\n  name: fb\n",
			want: []string{"c.yaml:2: accounts: must be a list of accounts"},
		},
		{
			name: "yaml syntax error",
			yaml: "http:\n  listen: \"unterminated\n",
			want: []string{"c.yaml:", "invalid YAML"},
		},
		{
			name: "unterminated reference",
			yaml: "data_dir: ${DATA\n",
			want: []string{"c.yaml:1: data_dir: unterminated ${"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("c.yaml", []byte(tt.yaml), env(tt.env...))
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want errors %q", cfg, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("error %v holds no *config.Error", err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	for _, doc := range []string{"", "# nothing\n", "accounts: []\n", "data_dir: ''\nlog:\n"} {
		cfg, err := Parse("c.yaml", []byte(doc), nil)
		if err != nil {
			t.Fatalf("Parse(%q): %v", doc, err)
		}
		if cfg.DataDir != DefaultDataDir || cfg.Timezone != DefaultTimezone || cfg.Location.String() != "Asia/Jakarta" ||
			cfg.BackoffMax != 15*time.Minute || cfg.Log.Level != "info" || cfg.Log.Format != "text" ||
			cfg.HTTP.Listen != "127.0.0.1:8080" || cfg.HTTP.MetricsPublic || cfg.HTTP.BootstrapAdminToken.IsSet() ||
			len(cfg.Accounts) != 0 {
			t.Errorf("Parse(%q) = %+v, want defaults", doc, cfg)
		}
	}

}

func TestFullConfig(t *testing.T) {
	y := `
data_dir: ${STATE_DIRECTORY:-/var/lib/inboxd}
timezone: Asia/Makassar
backoff_max: 30m
log: {level: debug, format: json}
http:
  listen: 0.0.0.0:0
  metrics_public: true
  cors_origins: [https://console.example.go.id/, "http://localhost:5173"]
  trusted_origins: [https://inbox.example.go.id]
  bootstrap_admin_token: ${INBOXD_ADMIN_TOKEN}
public_url: https://inbox.example.go.id/
sessions: {idle_timeout: 8h, absolute_timeout: 72h, max_failures: 5, lockout: 30m}
`
	getenv := env("INBOXD_ADMIN_TOKEN", "0123456789abcdef0123", "FB_PAGE_TOKEN", "EAAB$x{y}",
		"X_CONSUMER_KEY", "ck", "X_CONSUMER_SECRET", "cs", "X_ACCESS_TOKEN", "at", "X_ACCESS_SECRET", "as",
		"X_CLIENT_SECRET", "", "X_REFRESH_TOKEN", "rt")
	cfg, err := Parse("c.yaml", []byte(y), getenv)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		DataDir:      "/var/lib/inboxd",
		Timezone:     "Asia/Makassar",
		Location:     cfg.Location,
		Calendar:     cfg.Calendar, // calendar_test.go checks calendars
		BackoffMax:   30 * time.Minute,
		TicketPrefix: DefaultTicketPrefix,
		Log:          Log{Level: "debug", Format: "json"},
		HTTP: HTTP{Listen: "0.0.0.0:0", MetricsPublic: true,
			CORSOrigins:         []string{"https://console.example.go.id", "http://localhost:5173"},
			TrustedOrigins:      []string{"https://inbox.example.go.id"},
			BootstrapAdminToken: "0123456789abcdef0123",
			MaxConnections:      DefaultMaxConnections, MaxStreams: DefaultMaxStreams, MaxStreamsPerToken: DefaultMaxStreamsPerToken,
			MaxTokens: DefaultMaxTokens, AuthFailureLimit: DefaultAuthFailureLimit, AuthFailureWindow: DefaultAuthFailureWindow},
		PublicURL: "https://inbox.example.go.id",
		Sessions:  Sessions{IdleTimeout: 8 * time.Hour, AbsoluteTimeout: 72 * time.Hour, MaxFailures: 5, Lockout: 30 * time.Minute},
	}
	if cfg.Location == nil || cfg.Location.String() != "Asia/Makassar" {
		t.Errorf("Location = %v", cfg.Location)
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %#v\nwant %#v", cfg, want)
	}
}

func TestExpand(t *testing.T) {
	getenv := env("A", "alpha", "EMPTY", "")
	tests := []struct {
		in, want, err string
	}{
		{in: "plain $value", want: "plain $value"},
		{in: "${A}", want: "alpha"},
		{in: "x-${A}-${A}", want: "x-alpha-alpha"},
		{in: "${EMPTY}", want: ""},
		{in: "${EMPTY:-d}", want: "d"},
		{in: "${UNSET:-}", want: ""},
		{in: "${UNSET:-a b}", want: "a b"},
		{in: "${A:-d}", want: "alpha"},
		{in: "$${A}", want: "${A}"},
		{in: "${UNSET}", err: "environment variable UNSET is not set"},
		{in: "${1X}", err: "invalid environment variable name"},
		{in: "${}", err: "invalid environment variable name"},
		{in: "${A", err: "unterminated"},
	}
	for _, tt := range tests {
		got, err := expand(tt.in, getenv)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("expand(%q) = %q, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestSecretNotInErrors checks that a bad secret value is never echoed.
func TestSecretNotInErrors(t *testing.T) {
	y := "http:\n  bootstrap_admin_token: ${T}\n"
	_, err := Parse("c.yaml", []byte(y), env("T", "hunter2-short"))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v; want an error without the secret", err)
	}
}

func TestParseSchedule(t *testing.T) {
	for _, ok := range []string{"@every 1m", "@every 1s", "@hourly", "*/5 * * * *", "0 8 * * 1-5", "CRON_TZ=Asia/Jakarta 0 8 * * *"} {
		if _, err := ParseSchedule(ok); err != nil {
			t.Errorf("ParseSchedule(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "@every 500ms", "@every", "@often", "* * * * * *", "60 * * * *", "CRON_TZ=UTC", "TZ=Nowhere/City * * * * *"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) succeeded", bad)
		}
	}
}

// TestShippedConfigs loads the configs shipped with the repository: the
// example (which must work with no environment at all, as the README's run
// command promises) and the container's default.
func TestShippedConfigs(t *testing.T) {
	root := filepath.Join("..", "..")
	cfg, err := Load(filepath.Join(root, "config.example.yaml"), nil)
	if err != nil {
		t.Fatalf("config.example.yaml with an empty environment: %v", err)
	}
	if cfg.DataDir != "./data" || cfg.HTTP.Listen != DefaultListen {
		t.Errorf("example: data_dir %q listen %q", cfg.DataDir, cfg.HTTP.Listen)
	}
	if cfg.Verify.MaxAttempts != 10 || cfg.Verify.MaxTime != time.Hour {
		t.Errorf("example: verify %+v, want 10 attempts over 1h", cfg.Verify)
	}

	docker := filepath.Join(root, "docker", "config.yaml")
	cfg, err = Load(docker, nil)
	if err != nil {
		t.Fatalf("docker/config.yaml with an empty environment: %v", err)
	}
	if cfg.DataDir != "/data" || cfg.HTTP.Listen != "0.0.0.0:8080" || cfg.HTTP.BootstrapAdminToken.IsSet() {
		t.Errorf("docker: %+v", cfg)
	}
	cfg, err = Load(docker, env("INBOXD_ADMIN_TOKEN", "0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.BootstrapAdminToken.Reveal() != "0123456789abcdef0123456789abcdef" {
		t.Errorf("docker: bootstrap token not taken from INBOXD_ADMIN_TOKEN")
	}

}

func TestQuarantineLimits(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte("quarantine:\n  max_records: 50\n  max_age: 24h\n  max_raw_bytes: 4096\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if q := cfg.Quarantine; q.MaxRecords != 50 || q.MaxAge != 24*time.Hour || q.MaxRawBytes != 4096 {
		t.Fatalf("quarantine = %+v", q)
	}
	for doc, want := range map[string]string{
		"quarantine:\n  max_records: 0\n":         "t.yaml:2: quarantine.max_records: must be at least 1",
		"quarantine:\n  max_age: soon\n":          "t.yaml:2: quarantine.max_age: \"soon\" is not a duration",
		"quarantine:\n  max_raw_bytes: 2000000\n": "t.yaml:2: quarantine.max_raw_bytes: must be between 1 and 1048576",
		"quarantine:\n  max_bytes: 1\n":           "t.yaml:2: quarantine.max_bytes: unknown key",
	} {
		_, err := Parse("t.yaml", []byte(doc), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", doc, err, want)
		}
	}
}
