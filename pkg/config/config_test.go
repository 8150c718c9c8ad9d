package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo

	"github.com/inboxd/inboxd/pkg/inbox"
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
			name: "unknown key on an account",
			yaml: "accounts:" + fbAccount + "    page_tokn: x\n",
			env:  []string{"FB_PAGE_TOKEN", "t"},
			want: []string{"c.yaml:6: accounts[0].page_tokn: unknown key"},
		},
		{
			name: "missing env var",
			yaml: "accounts:" + fbAccount,
			want: []string{"c.yaml:5: accounts[0].page_token: environment variable FB_PAGE_TOKEN is not set"},
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
			name: "bad schedule",
			yaml: "accounts:" + fbAccount + "    schedule: \"61 * * * *\"\n",
			env:  []string{"FB_PAGE_TOKEN", "t"},
			want: []string{"c.yaml:6: accounts[0].schedule: invalid schedule \"61 * * * *\""},
		},
		{
			name: "schedule that makes robfig/cron panic",
			yaml: "accounts:" + fbAccount + "    schedule: CRON_TZ=UTC\n",
			env:  []string{"FB_PAGE_TOKEN", "t"},
			want: []string{"c.yaml:6: accounts[0].schedule: invalid schedule"},
		},
		{
			name: "duplicate account name",
			yaml: "accounts:" + fbAccount + fbAccount,
			env:  []string{"FB_PAGE_TOKEN", "t"},
			want: []string{`c.yaml:7: accounts[1].name: duplicate account name "pemkab-fb" (first used on line 2)`},
		},
		{
			name: "unknown platform",
			yaml: "accounts:\n  - name: ig\n    platform: instagram\n",
			want: []string{`c.yaml:3: accounts[0].platform: unknown platform "instagram"`},
		},
		{
			name: "missing platform",
			yaml: "accounts:\n  - name: ig\n",
			want: []string{"c.yaml:2: accounts[0].platform: is required"},
		},
		{
			name: "other platform's key",
			yaml: "accounts:\n  - name: x\n    platform: twitter\n    user_id: \"42\"\n    page_id: \"1\"\n    oauth2: {client_id: c, refresh_token: r}\n",
			want: []string{"c.yaml:5: accounts[0].page_id: is a facebook key; this account's platform is twitter"},
		},
		{
			name: "facebook required keys",
			yaml: "accounts:\n  - name: fb\n    platform: facebook\n",
			want: []string{"c.yaml:2: accounts[0].page_id: is required", "c.yaml:2: accounts[0].page_token: is required"},
		},
		{
			name: "page id that is a name",
			yaml: "accounts:\n  - name: fb\n    platform: facebook\n    page_id: pemkab\n    page_token: t\n",
			want: []string{"c.yaml:4: accounts[0].page_id: \"pemkab\" must be the Page's numeric id"},
		},
		{
			name: "twitter without credentials",
			yaml: "accounts:\n  - name: x\n    platform: twitter\n    user_id: \"42\"\n",
			want: []string{"c.yaml:2: accounts[0]: a twitter account needs oauth1 or oauth2"},
		},
		{
			name: "twitter with both oauth1 and oauth2",
			yaml: "accounts:\n  - name: x\n    platform: twitter\n    user_id: \"42\"\n" +
				"    oauth1: {consumer_key: a, consumer_secret: b, access_token: c, access_secret: d}\n" +
				"    oauth2: {client_id: c, refresh_token: r}\n",
			want: []string{"c.yaml:5: accounts[0]: set only one of oauth1 and oauth2"},
		},
		{
			name: "incomplete oauth1",
			yaml: "accounts:\n  - name: x\n    platform: twitter\n    user_id: \"42\"\n    oauth1:\n      consumer_key: a\n",
			want: []string{"c.yaml:5: accounts[0].oauth1.consumer_secret: is required", "accounts[0].oauth1.access_secret: is required"},
		},
		{
			name: "oauth2 without client id or tokens",
			yaml: "accounts:\n  - name: x\n    platform: twitter\n    user_id: \"42\"\n    oauth2:\n      client_secret: s\n",
			want: []string{"c.yaml:5: accounts[0].oauth2.client_id: is required", "c.yaml:5: accounts[0].oauth2.refresh_token: oauth2 needs a refresh_token"},
		},
		{
			name: "v1.1 needs oauth1",
			yaml: "accounts:\n  - name: x\n    platform: twitter\n    api: v1.1\n    user_id: \"42\"\n    oauth2: {client_id: c, refresh_token: r}\n",
			want: []string{"c.yaml:6: accounts[0].api: api v1.1 needs oauth1 credentials"},
		},
		{
			name: "unknown key inside oauth2",
			yaml: "accounts:\n  - name: x\n    platform: twitter\n    user_id: \"42\"\n    oauth2:\n      client_id: c\n      refresh_token: r\n      scope: tweet.read\n",
			want: []string{"c.yaml:8: accounts[0].oauth2.scope: unknown key"},
		},
		{
			name: "bad account name",
			yaml: "accounts:\n  - name: Pemkab FB\n    platform: facebook\n    page_id: \"1\"\n    page_token: t\n",
			want: []string{`c.yaml:2: accounts[0].name: "Pemkab FB" must be 1-64 characters`},
		},
		{
			name: "unknown source",
			yaml: "accounts:\n  - name: x\n    platform: twitter\n    user_id: \"42\"\n    sources: [mentions, comments]\n    oauth2: {client_id: c, refresh_token: r}\n",
			want: []string{`c.yaml:5: accounts[0].sources[1]: unknown twitter source "comments"`},
		},
		{
			name: "bad durations and numbers",
			yaml: "backoff_max: 10\naccounts:" + fbAccount + "    lookback: -1h\n    max_pages_per_poll: 0\n",
			env:  []string{"FB_PAGE_TOKEN", "t"},
			want: []string{
				`c.yaml:1: backoff_max: "10" is not a duration`,
				"c.yaml:7: accounts[0].lookback: must be positive",
				"c.yaml:8: accounts[0].max_pages_per_poll: must be between 1 and 1000, not 0",
			},
		},
		{
			name: "bad urls",
			yaml: "accounts:" + fbAccount + "    graph_url: ftp://graph.example\n",
			env:  []string{"FB_PAGE_TOKEN", "t"},
			want: []string{`c.yaml:6: accounts[0].graph_url: "ftp://graph.example" must be an http or https URL`},
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

// TestAllErrorsReported checks that parsing does not stop at the first
// mistake, and that errors come in file order.
func TestAllErrorsReported(t *testing.T) {
	y := "accounts:\n  - name: a\n    platform: myspace\n  - name: a\n    platform: facebook\nbogus: 1\n"
	_, err := Parse("c.yaml", []byte(y), nil)
	if err == nil {
		t.Fatal("want errors")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		"c.yaml:3: accounts[0].platform: unknown platform",
		"c.yaml:4: accounts[1].name: duplicate account name",
		"c.yaml:4: accounts[1].page_id: is required",
		"c.yaml:4: accounts[1].page_token: is required",
		"c.yaml:6: bogus: unknown key",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d = %q, want prefix %q", i, lines[i], w)
		}
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

	y := "accounts:" + fbAccount + `  - name: x
    platform: twitter
    user_id: "42"
    oauth2: {client_id: c, refresh_token: r}
`
	cfg, err := Parse("c.yaml", []byte(y), env("FB_PAGE_TOKEN", "t"))
	if err != nil {
		t.Fatal(err)
	}
	fb := cfg.Accounts[0]
	wantFB := &Facebook{GraphURL: "https://graph.facebook.com/", GraphVersion: "v25.0", PageID: "1234567890",
		PageToken: "t", Lookback: 72 * time.Hour, MaxPagesPerPoll: 10}
	if fb.Schedule != "@every 1m" || !fb.Enabled || !reflect.DeepEqual(fb.Sources, []string{"messages", "comments", "tagged"}) ||
		!reflect.DeepEqual(fb.Facebook, wantFB) || fb.Twitter != nil {
		t.Errorf("facebook account = %+v %+v", fb, fb.Facebook)
	}
	x := cfg.Accounts[1]
	if x.Platform != inbox.ChannelTwitter || !reflect.DeepEqual(x.Sources, []string{"mentions", "direct_messages"}) ||
		x.Facebook != nil || x.Twitter.API != "v2" || x.Twitter.APIURL != "https://api.x.com" ||
		x.Twitter.OAuth2.TokenURL != "https://api.x.com/2/oauth2/token" || x.Twitter.OAuth1 != nil {
		t.Errorf("twitter account = %+v %+v %+v", x, x.Twitter, x.Twitter.OAuth2)
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
accounts:
  - name: pemkab_fb
    platform: facebook
    schedule: "*/2 * * * *"
    sources: [comments, messages]
    enabled: false
    graph_url: http://127.0.0.1:9000
    graph_version: v24.0
    page_id: 1234567890
    page_token: ${FB_PAGE_TOKEN}
    app_secret: "${FB_APP_SECRET:-}"
    lookback: 24h
    human_agent: true
    max_pages_per_poll: 1000
  - name: pemkab-x
    platform: twitter
    schedule: "@every 90s"
    sources: [mentions]
    api: v1.1
    api_url: http://127.0.0.1:9001/
    user_id: "1600000000000000000"
    oauth1:
      consumer_key: ${X_CONSUMER_KEY}
      consumer_secret: ${X_CONSUMER_SECRET}
      access_token: ${X_ACCESS_TOKEN}
      access_secret: ${X_ACCESS_SECRET}
  - name: pemkab-x2
    platform: twitter
    user_id: "1600000000000000001"
    oauth2:
      client_id: abc
      client_secret: ${X_CLIENT_SECRET}
      refresh_token: ${X_REFRESH_TOKEN}
      token_url: http://127.0.0.1:9001/2/oauth2/token
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
		Accounts: []Account{
			{Name: "pemkab_fb", Platform: "facebook", Schedule: "*/2 * * * *", Sources: []string{"comments", "messages"},
				Facebook: &Facebook{GraphURL: "http://127.0.0.1:9000/", GraphVersion: "v24.0", PageID: "1234567890",
					PageToken: "EAAB$x{y}", Lookback: 24 * time.Hour, HumanAgent: true, MaxPagesPerPoll: 1000}},
			{Name: "pemkab-x", Platform: "twitter", Schedule: "@every 90s", Sources: []string{"mentions"}, Enabled: true,
				Twitter: &Twitter{API: "v1.1", APIURL: "http://127.0.0.1:9001", UserID: "1600000000000000000",
					OAuth1: &OAuth1{ConsumerKey: "ck", ConsumerSecret: "cs", AccessToken: "at", AccessSecret: "as"}}},
			{Name: "pemkab-x2", Platform: "twitter", Schedule: DefaultXSchedule, Sources: []string{"mentions", "direct_messages"}, Enabled: true,
				Twitter: &Twitter{API: "v2", APIURL: "https://api.x.com", UserID: "1600000000000000001",
					OAuth2: &OAuth2{ClientID: "abc", RefreshToken: "rt", TokenURL: "http://127.0.0.1:9001/2/oauth2/token"}}},
		},
	}
	if cfg.Location == nil || cfg.Location.String() != "Asia/Makassar" {
		t.Errorf("Location = %v", cfg.Location)
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %#v\nwant %#v", cfg, want)
		for i := range cfg.Accounts {
			t.Logf("account %d: %+v fb=%+v x=%+v", i, cfg.Accounts[i], cfg.Accounts[i].Facebook, cfg.Accounts[i].Twitter)
		}
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

	// The example's commented accounts are complete: uncommented, with their
	// env vars set, they load.
	data, err := os.ReadFile(filepath.Join(root, "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	uncommented := uncommentAccounts(string(data))
	getenv := env("FB_PAGE_TOKEN", "fb", "FB_APP_SECRET", "s", "X_CONSUMER_KEY", "a", "X_CONSUMER_SECRET", "b",
		"X_ACCESS_TOKEN", "c", "X_ACCESS_SECRET", "d", "INBOXD_ADMIN_TOKEN", "0123456789abcdef0123")
	cfg, err = Parse(filepath.Join(root, "config.example.yaml"), []byte(uncommented), getenv)
	if err != nil {
		t.Fatalf("example with accounts uncommented: %v\n%s", err, uncommented)
	}
	if len(cfg.Accounts) != 2 || cfg.Accounts[0].Platform != inbox.ChannelFacebook || cfg.Accounts[1].Platform != inbox.ChannelTwitter {
		t.Errorf("uncommented example accounts = %+v", cfg.Accounts)
	}
}

// uncommentAccounts removes the leading "# " of every line after the
// example's top-level "accounts:" key, as its comment tells an operator to.
func uncommentAccounts(s string) string {
	var b strings.Builder
	inAccounts := false
	for line := range strings.Lines(s) {
		switch {
		case strings.HasPrefix(line, "accounts:"):
			inAccounts = true
		case inAccounts && strings.HasPrefix(line, "# "):
			line = line[2:]
		case inAccounts && strings.TrimSpace(line) == "#":
			line = "\n"
		}
		b.WriteString(line)
	}
	return b.String()
}

func TestOAuth2TokenURLFollowsAPIURL(t *testing.T) {
	const doc = `accounts:
  - name: x
    platform: twitter
    api_url: http://127.0.0.1:9999
    user_id: "42"
    oauth2:
      client_id: abc
      refresh_token: rt
`
	cfg, err := Parse("t.yaml", []byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Accounts[0].Twitter.OAuth2.TokenURL; got != "http://127.0.0.1:9999/2/oauth2/token" {
		t.Fatalf("token_url = %q; an account pointed at a fake must not refresh against api.x.com", got)
	}
}

func TestURLErrorsNeverShowCredentials(t *testing.T) {
	for _, v := range []string{"ftp://user:s3cr3t@example.com/", "http://user:s3cr3t@/x", "http://user:s3cr3t@exa mple.com/%zz"} {
		doc := "accounts:\n  - name: fb\n    platform: facebook\n    page_id: \"1\"\n    page_token: t\n    graph_url: \"" + v + "\"\n"
		_, err := Parse("t.yaml", []byte(doc), nil)
		if err == nil {
			t.Fatalf("%s accepted", v)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestXRequestBudgets(t *testing.T) {
	const doc = `accounts:
  - name: x
    platform: twitter
    user_id: "42"
    rate_budget: {direct_messages: 300, mentions: 450}
    dm_send_budget: {per_15min: 5, per_day: 100}
    oauth2: {client_id: abc, refresh_token: rt}
`
	cfg, err := Parse("t.yaml", []byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	x := cfg.Accounts[0]
	if x.Schedule != DefaultXSchedule || x.Twitter.RateBudget["direct_messages"] != 300 || x.Twitter.RateBudget["mentions"] != 450 ||
		x.Twitter.DMSendPer15Min != 5 || x.Twitter.DMSendPerDay != 100 {
		t.Fatalf("account = %+v %+v", x, x.Twitter)
	}
	for bad, want := range map[string]string{
		"rate_budget: {comments: 5}":    "accounts[0].rate_budget.comments: unknown source",
		"rate_budget: {mentions: 0}":    "accounts[0].rate_budget.mentions: must be at least 1",
		"dm_send_budget: {per_hour: 5}": "accounts[0].dm_send_budget.per_hour",
		"dm_send_budget: {per_day: -1}": "accounts[0].dm_send_budget.per_day: must be at least 1",
		"rate_budget: {mentions: lots}": "accounts[0].rate_budget.mentions",
	} {
		doc := "accounts:\n  - name: x\n    platform: twitter\n    user_id: \"42\"\n    " + bad + "\n    oauth2: {client_id: abc, refresh_token: rt}\n"
		if _, err := Parse("t.yaml", []byte(doc), nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want it to name %q", bad, err, want)
		}
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
