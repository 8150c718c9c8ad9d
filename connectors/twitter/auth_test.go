package twitter

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
)

func TestOAuth1SignatureIsVerifiedByTheFake(t *testing.T) {
	for _, api := range []struct {
		name string
		opts []envOpt
	}{{"v2", nil}, {"v1.1", []envOpt{withV1}}} {
		t.Run(api.name, func(t *testing.T) {
			e := newEnv(t, api.opts...)
			e.fake.AddMention(xapi.Mention{AuthorID: budiID, Text: "halo", At: t0.Add(-time.Minute)})
			if p := e.poll(); len(p.Items) != 1 {
				t.Fatalf("signed poll brought %d items", len(p.Items))
			}
			// A POST with a form body (v1.1 update) is signed over its body too.
			it := e.itemFor("mention")
			if _, err := e.conn.Send(context.Background(), out(it, "Baik, kami cek & tindak lanjuti.", false)); err != nil {
				t.Fatalf("signed send: %v", err)
			}

			for name, mutate := range map[string]func(*OAuth1Config){
				"wrong consumer secret": func(o *OAuth1Config) { o.ConsumerSecret = "not-cs-1" },
				"wrong access secret":   func(o *OAuth1Config) { o.AccessSecret = "not-as-1" },
			} {
				cfg := e.cfg
				o := *cfg.OAuth1
				mutate(&o)
				cfg.OAuth1 = &o
				bad := e.newConnector(cfg)
				_, err := bad.Poll(context.Background(), nil)
				if ce := classified(t, err); ce.Class != connectors.Auth {
					t.Fatalf("%s: %v, want auth", name, err)
				}
				if strings.Contains(err.Error(), "not-cs-1") || strings.Contains(err.Error(), "not-as-1") {
					t.Fatalf("%s: error leaks the secret: %v", name, err)
				}
			}
		})
	}
}

func TestOAuth2RefreshRotatesAndPersists(t *testing.T) {
	e := newEnv(t, withOAuth2)
	e.fake.AddMention(xapi.Mention{AuthorID: budiID, Text: "halo", At: t0.Add(-time.Minute)})
	e.poll() // the config's access token still works: no refresh
	if e.tokens.puts != 0 {
		t.Fatalf("stored tokens before any refresh (%d puts)", e.tokens.puts)
	}

	// The access token expires after 2 h (on the fake's clock): the next
	// call gets a 401, refreshes once and retries.
	e.clock.Advance(2*time.Hour + time.Minute)
	e.poll()
	st := e.tokens.stored(t)
	if st.RefreshToken == "" || st.RefreshToken == "refresh-0" || st.RefreshToken != e.fake.RefreshToken() {
		t.Fatalf("stored refresh token %q, fake's current %q", st.RefreshToken, e.fake.RefreshToken())
	}
	if !st.Expiry.Equal(e.clock.Now().Add(2 * time.Hour)) {
		t.Fatalf("stored expiry %v, want now + 2h on the injected clock", st.Expiry)
	}
	if !strings.Contains(st.Scope, "dm.write") {
		t.Fatalf("scope %q not kept", st.Scope)
	}
	firstRotation := st.RefreshToken

	// Before the new token expires the connector refreshes by itself,
	// without a 401 first.
	e.clock.Advance(2*time.Hour - 30*time.Second)
	e.fake.ResetRequests()
	e.poll()
	if e.fake.Requests(xapi.OAuth2Token) != 1 || e.fake.Requests(xapi.Mentions) != 1 {
		t.Fatalf("proactive refresh: token %d, mentions %d requests", e.fake.Requests(xapi.OAuth2Token), e.fake.Requests(xapi.Mentions))
	}
	if st := e.tokens.stored(t); st.RefreshToken == firstRotation || st.RefreshToken != e.fake.RefreshToken() {
		t.Fatal("second rotation not persisted")
	}

	// "After a restart": a fresh connector with the same (now stale)
	// config uses the persisted pair and keeps working.
	restarted := e.newConnector(e.cfg)
	e.fake.ResetRequests()
	if _, err := restarted.Poll(context.Background(), e.cursor); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if n := e.fake.Requests(xapi.OAuth2Token); n != 0 {
		t.Fatalf("restart refreshed %d times; the stored access token is still valid", n)
	}

	// The config's old refresh token is dead at X: without the store,
	// the account could not authenticate any more.
	lost := e.cfg
	o2 := *e.cfg.OAuth2
	o2.AccessToken = ""
	lost.OAuth2 = &o2
	c, err := New(lost, Options{HTTPClient: e.srv.Client(), Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Poll(context.Background(), nil)
	if ce := classified(t, err); ce.Class != connectors.Auth || !strings.Contains(ce.Message, "refresh token") {
		t.Fatalf("old refresh token: %v, want auth", err)
	}
	if strings.Contains(err.Error(), "refresh-0") {
		t.Fatalf("error leaks the refresh token: %v", err)
	}
}

func TestOAuth2ConfigRefreshTokenWinsWhenChanged(t *testing.T) {
	e := newEnv(t, withOAuth2)
	e.clock.Advance(3 * time.Hour)
	e.poll() // refresh: the store now holds the rotated pair of lineage "refresh-0"
	if st := e.tokens.stored(t); st.Seed != seedOf("refresh-0") {
		t.Fatal("rotated pair not stored under the config token's lineage")
	}

	// With the unchanged config, the stored pair wins.
	if c := e.newConnector(e.cfg); c.tokens.cur.RefreshToken != e.fake.RefreshToken() {
		t.Fatal("stored pair did not win over an unchanged config")
	}

	// An operator authorised the account again and pasted the new
	// refresh token into the config: the config wins over the stored pair.
	pasted := e.fake.Authorize()
	cfg := e.cfg
	o2 := *e.cfg.OAuth2
	o2.AccessToken = ""
	o2.RefreshToken = pasted
	cfg.OAuth2 = &o2
	c := e.newConnector(cfg)
	if got := c.tokens.cur.RefreshToken; got != pasted {
		t.Fatalf("config's new refresh token did not win: %q", got)
	}
	if _, err := c.Poll(context.Background(), nil); err != nil {
		t.Fatalf("poll with the pasted token: %v", err)
	}
	if st := e.tokens.stored(t); st.Seed != seedOf(pasted) || st.RefreshToken != e.fake.RefreshToken() {
		t.Fatal("the new lineage was not stored")
	}
}

// After a reload two connectors of one account exist for a while (the old
// one finishing a poll or send, the new one built from the config). When
// one rotates the pair, the other must not refresh with the refresh token
// X has just retired: that put a working account in needs_reauth.
func TestOAuth2RefreshPicksUpAPairRotatedByAnotherConnector(t *testing.T) {
	e := newEnv(t, withOAuth2)
	e.clock.Advance(3 * time.Hour)
	e.poll() // the store now holds a rotated pair
	older, newer := e.newConnector(e.cfg), e.newConnector(e.cfg)

	e.clock.Advance(2*time.Hour + time.Minute) // that pair's access token expired
	if _, err := older.Poll(context.Background(), e.cursor); err != nil {
		t.Fatalf("older connector: %v", err)
	}
	e.fake.ResetRequests()
	if _, err := newer.Poll(context.Background(), e.cursor); err != nil {
		t.Fatalf("newer connector after the older one rotated the pair: %v", err)
	}
	if n := e.fake.Requests(xapi.OAuth2Token); n != 0 {
		t.Errorf("newer connector refreshed %d times; the stored access token was fresh", n)
	}
	if st := e.tokens.stored(t); st.RefreshToken != e.fake.RefreshToken() {
		t.Error("stored refresh token is not X's current one")
	}
}

type failingStore struct{ memTokens }

func (f *failingStore) AccountValue(string, string) ([]byte, error) {
	return nil, errors.New("disk on fire")
}

func TestOAuth2StoreReadFailureStopsNew(t *testing.T) {
	e := newEnv(t, withOAuth2)
	_, err := New(e.cfg, Options{HTTPClient: e.srv.Client(), Tokens: &failingStore{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("New = %v, want the store's error", err)
	}
}

func TestProbe(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		e := newEnv(t)
		r, err := e.conn.Probe(context.Background())
		if err != nil || !r.OK() || r.AccountID != accountID || r.AccountName != "@humas_sleman (Humas Pemkab Sleman)" {
			t.Fatalf("Probe = %+v, %v", r, err)
		}
		if strings.Join(r.Permissions, ",") != "read,write,direct_messages" {
			t.Fatalf("permissions %v", r.Permissions)
		}
		if n := e.fake.TotalRequests(); n != 1 || e.fake.Requests(xapi.UsersMe) != 1 {
			t.Fatalf("probe made %d requests, want GET /2/users/me only", n)
		}
	})
	t.Run("wrong user id", func(t *testing.T) {
		e := newEnv(t, func(c *Config, _ *xapi.Options) { c.UserID = "42" })
		r, err := e.conn.Probe(context.Background())
		if err != nil || r.OK() || !strings.Contains(strings.Join(r.Problems, " "), "user_id in the config is 42") {
			t.Fatalf("Probe = %+v, %v", r, err)
		}
	})
	t.Run("bad credentials", func(t *testing.T) {
		e := newEnv(t, func(c *Config, _ *xapi.Options) { c.OAuth1.AccessSecret = "wrong" })
		r, err := e.conn.Probe(context.Background())
		if err != nil || r.OK() || !strings.Contains(r.Problems[0], "refused the credentials") {
			t.Fatalf("Probe = %+v, %v", r, err)
		}
	})
	t.Run("no DM permission", func(t *testing.T) {
		e := newEnv(t, func(_ *Config, o *xapi.Options) { o.AccessLevel = "read-write" })
		r, err := e.conn.Probe(context.Background())
		if err != nil || r.OK() || strings.Join(r.Missing, ",") != "direct_messages" {
			t.Fatalf("Probe = %+v, %v", r, err)
		}
	})
	t.Run("oauth2 scopes", func(t *testing.T) {
		e := newEnv(t, withOAuth2)
		e.clock.Advance(3 * time.Hour) // forces a refresh, which reports the scopes
		r, err := e.conn.Probe(context.Background())
		if err != nil || !r.OK() || len(r.Permissions) != 6 {
			t.Fatalf("Probe = %+v, %v", r, err)
		}
	})
	t.Run("v1.1 closed to the app", func(t *testing.T) {
		e := newEnv(t, withV1)
		if r, err := e.conn.Probe(context.Background()); err != nil || !r.OK() {
			t.Fatalf("Probe with v1.1 access = %+v, %v", r, err)
		}
		e.fake.Inject(xapi.V1Mentions, xapi.Fault{Kind: xapi.FaultForbidden453})
		r, err := e.conn.Probe(context.Background())
		if err != nil || r.OK() || !strings.Contains(strings.Join(r.Problems, " "), "api: v2") {
			t.Fatalf("Probe = %+v, %v; want the hint to switch to api: v2", r, err)
		}
	})
	t.Run("X down", func(t *testing.T) {
		e := newEnv(t)
		e.fake.Inject(xapi.UsersMe, xapi.Fault{Kind: xapi.FaultServerError})
		if _, err := e.conn.Probe(context.Background()); connectors.ClassOf(err) != connectors.Transient {
			t.Fatalf("Probe error = %v, want transient", err)
		}
	})
}

func TestConfigValidation(t *testing.T) {
	good := func() Config {
		return Config{Name: "humas", UserID: "1", OAuth1: &OAuth1Config{ConsumerKey: "a", ConsumerSecret: "b", AccessToken: "c", AccessSecret: "d"}}
	}
	for name, tc := range map[string]struct {
		mutate func(*Config)
		field  string
	}{
		"api":          {func(c *Config) { c.API = "v3" }, "api:"},
		"api_url":      {func(c *Config) { c.APIURL = "ftp://x" }, "api_url"},
		"user_id":      {func(c *Config) { c.UserID = "@humas" }, "user_id"},
		"source":       {func(c *Config) { c.Sources = []string{"timeline"} }, "sources"},
		"no auth":      {func(c *Config) { c.OAuth1 = nil }, "one of them is required"},
		"both auth":    {func(c *Config) { c.OAuth2 = &OAuth2Config{ClientID: "x", RefreshToken: "y"} }, "only one"},
		"oauth1 field": {func(c *Config) { c.OAuth1.AccessSecret = "" }, "oauth1.access_secret"},
		"v1.1 oauth2": {func(c *Config) {
			c.API, c.OAuth1, c.OAuth2 = APIv11, nil, &OAuth2Config{ClientID: "x", RefreshToken: "y"}
		}, "needs oauth1"},
		"oauth2 refresh": {func(c *Config) { c.OAuth1, c.OAuth2 = nil, &OAuth2Config{ClientID: "x"} }, "oauth2.refresh_token"},
	} {
		c := good()
		tc.mutate(&c)
		_, err := New(c, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: New = %v, want an error naming %q", name, err, tc.field)
		}
	}
	c, err := New(good(), Options{})
	if err != nil || c.cfg.API != APIv2 || c.cfg.APIURL != DefaultAPIURL || len(c.cfg.Sources) != 2 ||
		c.cfg.HTTPTimeout != DefaultHTTPTimeout || c.cfg.MaxPagesPerPoll != DefaultMaxPagesPerPoll {
		t.Fatalf("defaults: %+v, %v", c.cfg, err)
	}
}

// flakyStore fails its first write.
type flakyStore struct {
	memTokens
	failed bool
}

func (f *flakyStore) PutAccountValue(account, key string, value []byte) error {
	if !f.failed {
		f.failed = true
		return errors.New("disk full")
	}
	return f.memTokens.PutAccountValue(account, key, value)
}

func TestOAuth2PersistFailureIsRetried(t *testing.T) {
	e := newEnv(t, withOAuth2)
	store := &flakyStore{}
	cfg := e.cfg
	cfg.Sources = []string{SourceMentions} // one request per poll
	c, err := New(cfg, Options{HTTPClient: e.srv.Client(), Now: e.clock.Now, Tokens: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(3 * time.Hour)
	if _, err := c.Poll(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if !store.failed || store.puts != 0 {
		t.Fatalf("first write should have failed (failed=%v puts=%d)", store.failed, store.puts)
	}
	// The refreshed pair is kept in memory and written on the next call.
	if _, err := c.Poll(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if st := store.stored(t); st.RefreshToken != e.fake.RefreshToken() {
		t.Fatal("rotated pair not persisted on retry")
	}
}
