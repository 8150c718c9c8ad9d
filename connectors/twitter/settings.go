package twitter

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strings"

	"github.com/inboxd/inboxd/pkg/config"
)

// DefaultSchedule keeps an X account's scheduled polls within two thirds
// of its DM read budget (15 per 15 minutes on X's Basic and pay-per-use
// access: 7.5 polls of 10 allowed).
const DefaultSchedule = "@every 2m"

// tokenPath is where token_url defaults to under api_url.
const tokenPath = "/2/oauth2/token"

// AllSources are the sources an X account polls by default, in order.
var AllSources = []string{SourceMentions, SourceDirectMessages}

// Settings are an X account's keys in inboxd's config.
type Settings struct {
	API    string // v2 or v1.1
	APIURL string
	UserID string
	OAuth1 *OAuth1Settings // exactly one of OAuth1 and OAuth2 is set
	OAuth2 *OAuth2Settings
	// RateBudget overrides the read requests per 15 minutes of a source
	// (rate_budget: {direct_messages: 15, mentions: 300}); absent: X's
	// documented default.
	RateBudget map[string]int
	// DMSendPer15Min and DMSendPerDay override the DMs the account may
	// send (dm_send_budget: {per_15min: 15, per_day: 1440}); 0: the default.
	DMSendPer15Min, DMSendPerDay int
}

// OAuth1Settings is OAuth 1.0a user context.
type OAuth1Settings struct {
	ConsumerKey    config.Secret
	ConsumerSecret config.Secret
	AccessToken    config.Secret
	AccessSecret   config.Secret
}

// OAuth2Settings is OAuth 2.0 user context with refresh.
type OAuth2Settings struct {
	ClientID     string
	ClientSecret config.Secret // optional (public clients)
	AccessToken  config.Secret
	RefreshToken config.Secret
	TokenURL     string
}

var (
	keys       = []string{"api", "api_url", "user_id", "oauth1", "oauth2", "rate_budget", "dm_send_budget"}
	oauth1Keys = []string{"consumer_key", "consumer_secret", "access_token", "access_secret"}
	oauth2Keys = []string{"client_id", "client_secret", "access_token", "refresh_token", "token_url"}
)

// Platform is the X part of the configuration: its keys, defaults and
// sources.
func Platform() config.Platform {
	return config.Platform{Channel: Channel, Sources: AllSources, Schedule: DefaultSchedule, Keys: keys, Decode: decodeSettings,
		PublicAutoAck: "on X would be automated public replies, which X's automation rules restrict (docs/TEMPLATES.md)"}
}

func decodeSettings(b *config.Block) any {
	tw := &Settings{API: APIv2, APIURL: DefaultAPIURL}
	var oauthNode config.Key // first oauth key, for the "exactly one" error
	for _, k := range b.Keys() {
		if (k.Name == "oauth1" || k.Name == "oauth2") && oauthNode.Node == nil && !b.IsNull(k) {
			oauthNode = k
		}
		tw.decodeKey(b, k)
	}
	if tw.OAuth2 != nil && tw.OAuth2.TokenURL == "" {
		// Under api_url, not at X: an account pointed at a fake or a proxy
		// must never refresh its tokens against the real X.
		tw.OAuth2.TokenURL = tw.APIURL + tokenPath
	}
	if tw.UserID == "" {
		b.Required("user_id", "is required for a twitter account (the account's numeric id)")
	}
	switch {
	case tw.OAuth1 == nil && tw.OAuth2 == nil:
		b.Errorf(nil, b.Path(""), "a twitter account needs oauth1 or oauth2 credentials")
	case tw.OAuth1 != nil && tw.OAuth2 != nil:
		b.Errorf(oauthNode.Node, b.Path(""), "set only one of oauth1 and oauth2")
	case tw.API == APIv11 && tw.OAuth1 == nil:
		b.Errorf(oauthNode.Node, b.Path("api"), "api v1.1 needs oauth1 credentials")
	}
	return tw
}

func (tw *Settings) decodeKey(b *config.Block, k config.Key) {
	switch k.Name {
	case "api":
		if b.String(k, &tw.API) && tw.API != APIv2 && tw.API != APIv11 {
			b.Errorf(k.Value, k.Path, "must be %s or %s, not %q", APIv2, APIv11, tw.API)
		}
	case "api_url":
		if b.URL(k, &tw.APIURL) {
			tw.APIURL = strings.TrimRight(tw.APIURL, "/") // paths are appended as /2/...
		}
	case "user_id":
		if b.String(k, &tw.UserID) && tw.UserID != "" && !config.IsNumericID(tw.UserID) {
			b.Errorf(k.Value, k.Path, "%q must be the account's numeric user id, not its @handle", tw.UserID)
		}
	case "rate_budget":
		tw.RateBudget = map[string]int{}
		for _, be := range b.Mapping(k) {
			if !slices.Contains(AllSources, be.Name) {
				b.Errorf(be.Node, be.Path, "unknown source %q (use %s)", be.Name, strings.Join(AllSources, " or "))
				continue
			}
			var n int
			if b.Int(be, &n) {
				if n < 1 {
					b.Errorf(be.Value, be.Path, "must be at least 1 request per 15 minutes, not %d", n)
				}
				tw.RateBudget[be.Name] = n
			}
		}
	case "dm_send_budget":
		for _, be := range b.Mapping(k) {
			var dst *int
			switch be.Name {
			case "per_15min":
				dst = &tw.DMSendPer15Min
			case "per_day":
				dst = &tw.DMSendPerDay
			default:
				b.Unknown(be, []string{"per_15min", "per_day"})
				continue
			}
			if b.Int(be, dst) && *dst < 1 {
				b.Errorf(be.Value, be.Path, "must be at least 1, not %d", *dst)
			}
		}
	case "oauth1":
		if b.IsNull(k) {
			return
		}
		o := &OAuth1Settings{}
		for _, oe := range b.Mapping(k) {
			switch oe.Name {
			case "consumer_key":
				b.Secret(oe, &o.ConsumerKey)
			case "consumer_secret":
				b.Secret(oe, &o.ConsumerSecret)
			case "access_token":
				b.Secret(oe, &o.AccessToken)
			case "access_secret":
				b.Secret(oe, &o.AccessSecret)
			default:
				b.Unknown(oe, oauth1Keys)
			}
		}
		for _, f := range []struct {
			key string
			v   config.Secret
		}{{"consumer_key", o.ConsumerKey}, {"consumer_secret", o.ConsumerSecret}, {"access_token", o.AccessToken}, {"access_secret", o.AccessSecret}} {
			if !f.v.IsSet() {
				b.Errorf(k.Node, k.Path+"."+f.key, "is required for oauth1")
			}
		}
		tw.OAuth1 = o
	case "oauth2":
		if b.IsNull(k) {
			return
		}
		o := &OAuth2Settings{} // TokenURL defaults under api_url, once that is known
		for _, oe := range b.Mapping(k) {
			switch oe.Name {
			case "client_id":
				b.String(oe, &o.ClientID)
			case "client_secret":
				b.Secret(oe, &o.ClientSecret)
			case "access_token":
				b.Secret(oe, &o.AccessToken)
			case "refresh_token":
				b.Secret(oe, &o.RefreshToken)
			case "token_url":
				b.URL(oe, &o.TokenURL)
			default:
				b.Unknown(oe, oauth2Keys)
			}
		}
		if o.ClientID == "" {
			b.Errorf(k.Node, k.Path+".client_id", "is required for oauth2")
		}
		if !o.RefreshToken.IsSet() && !o.AccessToken.IsSet() {
			b.Errorf(k.Node, k.Path+".refresh_token", "oauth2 needs a refresh_token (or at least an access_token, which expires in 2 h)")
		}
		tw.OAuth2 = o
	}
}

// Secrets are the account's credentials as they may appear in X's
// errors: as configured, and OAuth 2.0 client credentials as the Basic
// header carries them.
func (tw *Settings) Secrets() []string {
	var out []string
	if o := tw.OAuth1; o != nil {
		out = append(out, o.ConsumerKey.Reveal(), o.ConsumerSecret.Reveal(), o.AccessToken.Reveal(), o.AccessSecret.Reveal())
	}
	if o := tw.OAuth2; o != nil {
		out = append(out, o.ClientSecret.Reveal(), o.AccessToken.Reveal(), o.RefreshToken.Reveal())
		if o.ClientSecret.Reveal() != "" {
			basic := url.QueryEscape(o.ClientID) + ":" + url.QueryEscape(o.ClientSecret.Reveal())
			out = append(out, base64.StdEncoding.EncodeToString([]byte(basic)))
		}
	}
	return out
}

// RotatesTokens reports whether the account's tokens rotate on use (OAuth
// 2.0 refresh tokens), so that only one process may hold them.
func (tw *Settings) RotatesTokens() bool { return tw.OAuth2 != nil }

// Config is the connector's Config for the account, secrets revealed.
func (tw *Settings) Config(name string, sources []string) Config {
	cfg := Config{Name: name, API: tw.API, APIURL: tw.APIURL, UserID: tw.UserID, Sources: sources,
		RateBudget: RateBudget{Mentions: tw.RateBudget[SourceMentions], DirectMessages: tw.RateBudget[SourceDirectMessages]},
		SendBudget: SendBudget{PerWindow: tw.DMSendPer15Min, PerDay: tw.DMSendPerDay}}
	if o := tw.OAuth1; o != nil {
		cfg.OAuth1 = &OAuth1Config{
			ConsumerKey: o.ConsumerKey.Reveal(), ConsumerSecret: o.ConsumerSecret.Reveal(),
			AccessToken: o.AccessToken.Reveal(), AccessSecret: o.AccessSecret.Reveal(),
		}
	}
	if o := tw.OAuth2; o != nil {
		cfg.OAuth2 = &OAuth2Config{
			ClientID: o.ClientID, ClientSecret: o.ClientSecret.Reveal(),
			AccessToken: o.AccessToken.Reveal(), RefreshToken: o.RefreshToken.Reveal(), TokenURL: o.TokenURL,
		}
	}
	return cfg
}

// OwnID is the account's user id: what it writes is the office's own.
func (s *Settings) OwnID() string { return s.UserID }
