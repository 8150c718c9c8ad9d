package twitter

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// API versions an account can speak.
const (
	APIv2  = "v2"   // default: the typed client over net/http
	APIv11 = "v1.1" // legacy access, through github.com/dghubble/go-twitter
)

// Sources an account can poll.
const (
	SourceMentions       = "mentions"
	SourceDirectMessages = "direct_messages"
)

// Defaults of Config.
const (
	DefaultAPIURL          = "https://api.x.com"
	DefaultTokenURL        = DefaultAPIURL + tokenPath
	DefaultHTTPTimeout     = 30 * time.Second
	DefaultMaxPagesPerPoll = 10
)

// Config is one X account. Secrets are plain strings here: pkg/config
// keeps them redacted and cmd/inboxd passes the revealed values.
type Config struct {
	Name            string        // account name in inboxd
	API             string        // "v2" (default) or "v1.1"
	APIURL          string        // default https://api.x.com
	UserID          string        // the account's numeric id
	Sources         []string      // mentions, direct_messages; default both
	OAuth1          *OAuth1Config // one of OAuth1 and OAuth2
	OAuth2          *OAuth2Config
	HTTPTimeout     time.Duration // per request; default 30 s
	MaxPagesPerPoll int           // per source and poll; default 10
	// RateBudget is the read requests per 15 minutes each source may make
	// (every page of a walk, Verify and "poll now" count); SendBudget the
	// DMs it may send. Zero fields take X's documented defaults.
	RateBudget RateBudget
	SendBudget SendBudget
}

// OAuth1Config is OAuth 1.0a user context: the app's consumer key pair and
// the account's access token pair. It never expires.
type OAuth1Config struct {
	ConsumerKey    string
	ConsumerSecret string
	AccessToken    string
	AccessSecret   string
}

// OAuth2Config is OAuth 2.0 user context (Authorization Code with PKCE and
// offline.access). Access tokens live 2 h; refresh tokens rotate.
type OAuth2Config struct {
	ClientID     string
	ClientSecret string // empty for a public client
	AccessToken  string // optional: refreshed on first use when empty
	RefreshToken string
	TokenURL     string // default api_url + /2/oauth2/token (https://api.x.com/2/oauth2/token)
}

// Options are the connector's collaborators.
type Options struct {
	HTTPClient *http.Client // its Transport is the base transport; default http.DefaultTransport
	Now        func() time.Time
	Logger     *slog.Logger
	// Tokens persists rotated OAuth 2.0 token pairs; without it a refreshed
	// pair lives in memory only and a restart falls back to the config's.
	Tokens TokenStore
	// Secrets, when set, learns every OAuth 2.0 token the connector
	// obtains or reads back, so the daemon's scrubber removes rotated
	// tokens from errors as it does configured ones.
	Secrets func(secrets ...string)
}

// TokenStore keeps small per-account values durably; the store implements
// it (main adapts its not-found error). AccountValue returns (nil, nil)
// when nothing is stored under key.
type TokenStore interface {
	AccountValue(account, key string) ([]byte, error)
	PutAccountValue(account, key string, value []byte) error
}

func (c *Config) applyDefaults() {
	if c.API == "" {
		c.API = APIv2
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if len(c.Sources) == 0 {
		c.Sources = AllSources
	}
	if c.OAuth2 != nil && c.OAuth2.TokenURL == "" {
		// X's token endpoint lives under the API host; deriving it keeps a
		// connector pointed at a fake from refreshing against the real X.
		c.OAuth2.TokenURL = strings.TrimSuffix(c.APIURL, "/") + tokenPath
	}
	if c.HTTPTimeout <= 0 {
		c.HTTPTimeout = DefaultHTTPTimeout
	}
	if c.MaxPagesPerPoll <= 0 {
		c.MaxPagesPerPoll = DefaultMaxPagesPerPoll
	}
	setDefault(&c.RateBudget.Mentions, DefaultMentionsBudget)
	setDefault(&c.RateBudget.DirectMessages, DefaultDMReadBudget)
	setDefault(&c.SendBudget.PerWindow, DefaultDMSendBudget)
	setDefault(&c.SendBudget.PerDay, DefaultDMSendBudgetPerDay)
}

// setDefault fills a zero budget; a negative one means none (tests, or an
// account whose limits X raised by contract).
func setDefault(v *int, def int) {
	if *v == 0 {
		*v = def
	}
}

// validate names the field that is wrong; it never echoes a secret.
func (c *Config) validate() error {
	var errs []error
	bad := func(field, msg string) {
		errs = append(errs, fmt.Errorf("twitter account %q: %s: %s", c.Name, field, msg))
	}
	if c.Name == "" {
		bad("name", "is empty")
	}
	if c.API != APIv2 && c.API != APIv11 {
		bad("api", fmt.Sprintf("must be %q or %q, not %q", APIv2, APIv11, c.API))
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("api_url", "must be an absolute http(s) URL")
	} else if u.User != nil || u.RawQuery != "" {
		bad("api_url", "must not carry credentials or a query")
	}
	if c.UserID == "" || strings.Trim(c.UserID, "0123456789") != "" {
		bad("user_id", "must be the account's numeric id")
	}
	for _, s := range c.Sources {
		if s != SourceMentions && s != SourceDirectMessages {
			bad("sources", fmt.Sprintf("unknown source %q (want %q or %q)", s, SourceMentions, SourceDirectMessages))
		}
	}
	switch {
	case c.OAuth1 != nil && c.OAuth2 != nil:
		bad("oauth1/oauth2", "set only one of them")
	case c.OAuth1 == nil && c.OAuth2 == nil:
		bad("oauth1/oauth2", "one of them is required")
	case c.OAuth1 != nil:
		o := c.OAuth1
		for field, v := range map[string]string{"consumer_key": o.ConsumerKey, "consumer_secret": o.ConsumerSecret, "access_token": o.AccessToken, "access_secret": o.AccessSecret} {
			if v == "" {
				bad("oauth1."+field, "is empty")
			}
		}
	case c.OAuth2 != nil:
		if c.API == APIv11 {
			bad("oauth2", "API v1.1 needs oauth1 credentials; use api: v2 with OAuth 2.0")
		}
		if c.OAuth2.ClientID == "" {
			bad("oauth2.client_id", "is empty")
		}
		if c.OAuth2.RefreshToken == "" {
			bad("oauth2.refresh_token", "is empty (authorise with the offline.access scope)")
		}
		if u, err := url.Parse(c.OAuth2.TokenURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("oauth2.token_url", "must be an absolute http(s) URL")
		}
	}
	return errors.Join(errs...)
}

func (c *Config) hasSource(s string) bool {
	for _, v := range c.Sources {
		if v == s {
			return true
		}
	}
	return false
}
