package registry_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/instagram"
	"github.com/inboxd/inboxd/connectors/metagraph"
	"github.com/inboxd/inboxd/connectors/registry"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim"
)

// The connectors' config blocks, decoded through pkg/config as the daemon
// does: every platform of the registry.

func parse(name string, data []byte, getenv func(string) (string, bool)) (*config.Config, error) {
	return config.Parse(name, data, getenv, registry.Config()...)
}

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

// TestAccountErrorsNameKeyAndLine checks that each kind of mistake in an
// account is reported with the file, the line and the full key path.
func TestAccountErrorsNameKeyAndLine(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  []string
		want []string // substrings of the error, each must appear
	}{
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
			yaml: "accounts:\n  - name: ig\n    platform: myspace\n",
			want: []string{`c.yaml:3: accounts[0].platform: unknown platform "myspace"`},
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parse("c.yaml", []byte(tt.yaml), env(tt.env...))
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want errors %q", cfg, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
			var ce *config.Error
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
	_, err := parse("c.yaml", []byte(y), nil)
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
	cfg, err := parse("t.yaml", []byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Accounts[0].Settings.(*twitter.Settings).OAuth2.TokenURL; got != "http://127.0.0.1:9999/2/oauth2/token" {
		t.Fatalf("token_url = %q; an account pointed at a fake must not refresh against api.x.com", got)
	}
}

func TestURLErrorsNeverShowCredentials(t *testing.T) {
	for _, v := range []string{"ftp://user:s3cr3t@example.com/", "http://user:s3cr3t@/x", "http://user:s3cr3t@exa mple.com/%zz"} {
		doc := "accounts:\n  - name: fb\n    platform: facebook\n    page_id: \"1\"\n    page_token: t\n    graph_url: \"" + v + "\"\n"
		_, err := parse("t.yaml", []byte(doc), nil)
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
	cfg, err := parse("t.yaml", []byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	x := cfg.Accounts[0]
	xs := x.Settings.(*twitter.Settings)
	if x.Schedule != twitter.DefaultSchedule || xs.RateBudget["direct_messages"] != 300 || xs.RateBudget["mentions"] != 450 ||
		xs.DMSendPer15Min != 5 || xs.DMSendPerDay != 100 {
		t.Fatalf("account = %+v %+v", x, xs)
	}
	for bad, want := range map[string]string{
		"rate_budget: {comments: 5}":    "accounts[0].rate_budget.comments: unknown source",
		"rate_budget: {mentions: 0}":    "accounts[0].rate_budget.mentions: must be at least 1",
		"dm_send_budget: {per_hour: 5}": "accounts[0].dm_send_budget.per_hour",
		"dm_send_budget: {per_day: -1}": "accounts[0].dm_send_budget.per_day: must be at least 1",
		"rate_budget: {mentions: lots}": "accounts[0].rate_budget.mentions",
	} {
		doc := "accounts:\n  - name: x\n    platform: twitter\n    user_id: \"42\"\n    " + bad + "\n    oauth2: {client_id: abc, refresh_token: rt}\n"
		if _, err := parse("t.yaml", []byte(doc), nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want it to name %q", bad, err, want)
		}
	}
}

func TestAccountDefaults(t *testing.T) {
	y := "accounts:" + fbAccount + `  - name: x
    platform: twitter
    user_id: "42"
    oauth2: {client_id: c, refresh_token: r}
`
	cfg, err := parse("c.yaml", []byte(y), env("FB_PAGE_TOKEN", "t"))
	if err != nil {
		t.Fatal(err)
	}
	fb := cfg.Accounts[0]
	wantFB := &facebook.Settings{Graph: metagraph.Graph{GraphURL: "https://graph.facebook.com/", GraphVersion: "v25.0", PageID: "1234567890",
		PageToken: "t"}, Polling: metagraph.Polling{Lookback: 72 * time.Hour, MaxPagesPerPoll: 10}}
	if fb.Schedule != "@every 1m" || !fb.Enabled || !reflect.DeepEqual(fb.Sources, []string{"messages", "comments", "tagged"}) ||
		!reflect.DeepEqual(fb.Settings, wantFB) {
		t.Errorf("facebook account = %+v %+v", fb, fb.Settings)
	}
	x := cfg.Accounts[1]
	xs, _ := x.Settings.(*twitter.Settings)
	if x.Platform != twitter.Channel || !reflect.DeepEqual(x.Sources, []string{"mentions", "direct_messages"}) || xs == nil ||
		xs.API != "v2" || xs.APIURL != "https://api.x.com" || x.Schedule != "@every 2m" ||
		xs.OAuth2.TokenURL != "https://api.x.com/2/oauth2/token" || xs.OAuth1 != nil {
		t.Errorf("twitter account = %+v %+v", x, xs)
	}
}

func TestFullAccounts(t *testing.T) {
	y := `
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
	getenv := env("FB_PAGE_TOKEN", "EAAB$x{y}",
		"X_CONSUMER_KEY", "ck", "X_CONSUMER_SECRET", "cs", "X_ACCESS_TOKEN", "at", "X_ACCESS_SECRET", "as",
		"X_CLIENT_SECRET", "", "X_REFRESH_TOKEN", "rt")
	cfg, err := parse("c.yaml", []byte(y), getenv)
	if err != nil {
		t.Fatal(err)
	}
	want := []config.Account{
		{Name: "pemkab_fb", Platform: "facebook", Schedule: "*/2 * * * *", Sources: []string{"comments", "messages"},
			Settings: &facebook.Settings{Graph: metagraph.Graph{GraphURL: "http://127.0.0.1:9000/", GraphVersion: "v24.0", PageID: "1234567890",
				PageToken: "EAAB$x{y}"}, Polling: metagraph.Polling{Lookback: 24 * time.Hour, HumanAgent: true, MaxPagesPerPoll: 1000}}},
		{Name: "pemkab-x", Platform: "twitter", Schedule: "@every 90s", Sources: []string{"mentions"}, Enabled: true,
			Settings: &twitter.Settings{API: "v1.1", APIURL: "http://127.0.0.1:9001", UserID: "1600000000000000000",
				OAuth1: &twitter.OAuth1Settings{ConsumerKey: "ck", ConsumerSecret: "cs", AccessToken: "at", AccessSecret: "as"}}},
		{Name: "pemkab-x2", Platform: "twitter", Schedule: twitter.DefaultSchedule, Sources: []string{"mentions", "direct_messages"}, Enabled: true,
			Settings: &twitter.Settings{API: "v2", APIURL: "https://api.x.com", UserID: "1600000000000000001",
				OAuth2: &twitter.OAuth2Settings{ClientID: "abc", RefreshToken: "rt", TokenURL: "http://127.0.0.1:9001/2/oauth2/token"}}},
	}
	if !reflect.DeepEqual(cfg.Accounts, want) {
		for i := range cfg.Accounts {
			t.Errorf("account %d: %+v %+v", i, cfg.Accounts[i], cfg.Accounts[i].Settings)
		}
	}
}

// The example's commented accounts are complete: uncommented, with their
// env vars set, they load.
func TestShippedExampleAccounts(t *testing.T) {
	path := filepath.Join("..", "..", "config.example.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(path, nil, registry.Config()...); err != nil {
		t.Fatalf("config.example.yaml with an empty environment: %v", err)
	}
	uncommented := uncommentAccounts(string(data))
	getenv := env("FB_PAGE_TOKEN", "fb", "FB_APP_SECRET", "s", "X_CONSUMER_KEY", "a", "X_CONSUMER_SECRET", "b",
		"X_ACCESS_TOKEN", "c", "X_ACCESS_SECRET", "d", "INBOXD_ADMIN_TOKEN", "0123456789abcdef0123")
	cfg, err := parse(path, []byte(uncommented), getenv)
	if err != nil {
		t.Fatalf("example with accounts uncommented: %v\n%s", err, uncommented)
	}
	var got []inbox.Channel
	for _, a := range cfg.Accounts {
		got = append(got, a.Platform)
	}
	if !reflect.DeepEqual(got, []inbox.Channel{facebook.Channel, instagram.Channel, twitter.Channel}) {
		t.Errorf("uncommented example accounts = %v", got)
	}
	for _, a := range cfg.Accounts {
		if a.Platform == instagram.Channel {
			continue // the example acknowledges Messenger messages and X DMs
		}
		if a.AutoAck == nil || a.AutoAck.OfficeHoursTemplate != "diterima" || a.AutoAck.AfterHoursTemplate != "diterima-luar-jam" {
			t.Errorf("example account %s: auto_ack %+v", a.Name, a.AutoAck)
		}
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

// A required secret whose variable is unset is one error naming the
// variable to set.
func TestMissingPageTokenReportedOnce(t *testing.T) {
	_, err := parse("c.yaml", []byte("accounts:"+fbAccount), nil)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if strings.Count(strings.TrimSpace(msg), "\n") != 0 || !strings.Contains(msg, "c.yaml:5: accounts[0].page_token:") ||
		!strings.Contains(msg, "set FB_PAGE_TOKEN") || strings.Contains(msg, "is required for") {
		t.Errorf("error = %q, want one line naming FB_PAGE_TOKEN to set", msg)
	}
}

// The simulator's accounts block loads into the platforms' settings.
func TestSimFakesAccounts(t *testing.T) {
	f, err := sim.StartFakes(false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := parse("fakes.yaml", []byte(f.AccountsYAML("@every 5s", 7)), nil)
	if err != nil {
		t.Fatalf("the accounts block does not load: %v", err)
	}
	if len(cfg.Accounts) != 3 {
		t.Fatalf("%d accounts, want 3", len(cfg.Accounts))
	}
	fb, _ := cfg.Accounts[0].Settings.(*facebook.Settings)
	x, _ := cfg.Accounts[1].Settings.(*twitter.Settings)
	if fb == nil || fb.GraphURL != f.GraphURL || fb.PageID != sim.PageID || fb.PageToken.Reveal() != sim.PageToken || fb.MaxPagesPerPoll != 7 {
		t.Errorf("facebook account = %+v", fb)
	}
	if x == nil || x.APIURL != f.XURL || x.UserID != sim.AccountXUserID || x.OAuth1 == nil || x.OAuth1.AccessSecret.Reveal() != sim.AccessSecret {
		t.Errorf("x account = %+v", x)
	}
	ig, _ := cfg.Accounts[2].Settings.(*instagram.Settings)
	if ig == nil || ig.GraphURL != f.GraphURL || ig.PageID != sim.PageID || ig.IGUserID != sim.IGUserID || ig.MaxPagesPerPoll != 7 {
		t.Errorf("instagram account = %+v", ig)
	}
}

// Public acknowledgements on X need the explicit flag: the rule is the
// twitter connector's (config.Platform.PublicAutoAck), pkg/config applies it.
func TestAutoAckPublicOnXNeedsTheFlag(t *testing.T) {
	x := "accounts:\n  - name: pemkab-x\n    platform: twitter\n    user_id: \"1500000000000000001\"\n" +
		"    oauth2: {client_id: c, access_token: a, refresh_token: r}\n" +
		"    auto_ack:\n      office_hours_template: diterima\n      kinds: [message, mention]\n"
	_, err := parse("c.yaml", []byte(x), env())
	for _, w := range []string{"c.yaml:8: accounts[0].auto_ack.kinds: mention on X would be automated public replies", "i_understand_x_automation_rules: true"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q: %v", w, err)
		}
	}
	if _, err := parse("c.yaml", []byte(x+"      i_understand_x_automation_rules: true\n"), env()); err != nil {
		t.Errorf("with the flag: %v", err)
	}
	fb := strings.Replace(fbAccount, "${FB_PAGE_TOKEN}", "t", 1) + "    auto_ack:\n      office_hours_template: diterima\n      kinds: [message, comment]\n"
	if _, err := parse("c.yaml", []byte("accounts:"+fb), env()); err != nil {
		t.Errorf("facebook comments need no flag: %v", err)
	}
}
