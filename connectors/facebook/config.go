package facebook

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/connectors/metagraph"
)

// Defaults for Config's zero values.
const (
	DefaultGraphURL        = metagraph.DefaultURL
	DefaultGraphVersion    = metagraph.DefaultVersion
	DefaultLookback        = metagraph.DefaultLookback
	DefaultMaxPagesPerPoll = metagraph.DefaultMaxPagesPerPoll
	DefaultHTTPTimeout     = 30 * time.Second
)

// Sources a Page can be polled for.
const (
	SourceMessages = "messages" // Messenger conversations
	SourceComments = "comments" // comments on the Page's posts
	SourceTagged   = "tagged"   // posts elsewhere that tag the Page
)

// AllSources is the default set, in polling order.
var AllSources = []string{SourceMessages, SourceComments, SourceTagged}

// Config is one Facebook account from inboxd's config, with secrets revealed.
type Config struct {
	Name            string // account name
	PageID          string
	PageToken       string // a Page access token
	AppSecret       string // optional: enables appsecret_proof
	GraphURL        string // default DefaultGraphURL
	GraphVersion    string // default DefaultGraphVersion
	Sources         []string
	Lookback        time.Duration // how far back the first poll reaches
	MaxPagesPerPoll int           // pages per source per poll
	HumanAgent      bool          // the app has Meta's Human Agent permission
	HTTPTimeout     time.Duration
}

// Options are the connector's collaborators.
type Options struct {
	HTTPClient *http.Client     // base client (transport, proxies); default a plain client
	Now        func() time.Time // clock; default time.Now
	Logger     *slog.Logger     // default slog.Default(); the caller tags it with the account (as for every connector)
}

// Connector is a Facebook Page account.
type Connector struct {
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	session *fb.Session
	base    *url.URL // GraphURL parsed

	mu    sync.Mutex
	usage connectors.Usage
}

var (
	_ connectors.Connector     = (*Connector)(nil)
	_ connectors.Verifier      = (*Connector)(nil)
	_ connectors.Prober        = (*Connector)(nil)
	_ connectors.UsageReporter = (*Connector)(nil)
)

// New checks cfg, fills in defaults and returns a connector.
func New(cfg Config, opts Options) (*Connector, error) {
	if cfg.GraphURL == "" {
		cfg.GraphURL = DefaultGraphURL
	}
	if !strings.HasSuffix(cfg.GraphURL, "/") {
		cfg.GraphURL += "/" // huandu's BaseURL needs the trailing slash
	}
	if cfg.GraphVersion == "" {
		cfg.GraphVersion = DefaultGraphVersion
	}
	if len(cfg.Sources) == 0 {
		cfg.Sources = AllSources
	}
	if cfg.Lookback == 0 {
		cfg.Lookback = DefaultLookback
	}
	if cfg.MaxPagesPerPoll == 0 {
		cfg.MaxPagesPerPoll = DefaultMaxPagesPerPoll
	}
	if cfg.HTTPTimeout == 0 {
		cfg.HTTPTimeout = DefaultHTTPTimeout
	}
	var errs []error
	if cfg.Name == "" {
		errs = append(errs, errors.New("name is empty"))
	}
	if cfg.PageID == "" {
		errs = append(errs, errors.New("page_id is empty"))
	}
	if cfg.PageToken == "" {
		errs = append(errs, errors.New("page_token is empty (set it to ${FB_PAGE_TOKEN})"))
	}
	base, err := url.Parse(cfg.GraphURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		errs = append(errs, fmt.Errorf("graph_url %q is not an absolute http(s) URL", cfg.GraphURL))
	}
	seen := map[string]bool{}
	for _, s := range cfg.Sources {
		switch s {
		case SourceMessages, SourceComments, SourceTagged:
			if seen[s] {
				errs = append(errs, fmt.Errorf("sources lists %q twice", s))
			}
			seen[s] = true
		default:
			errs = append(errs, fmt.Errorf("sources: unknown source %q (want messages, comments or tagged)", s))
		}
	}
	if cfg.Lookback < 0 {
		errs = append(errs, fmt.Errorf("lookback %s is negative", cfg.Lookback))
	}
	if cfg.MaxPagesPerPoll < 0 {
		errs = append(errs, fmt.Errorf("max_pages_per_poll %d is negative", cfg.MaxPagesPerPoll))
	}
	if cfg.HTTPTimeout < 0 {
		errs = append(errs, fmt.Errorf("http timeout %s is negative", cfg.HTTPTimeout))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("facebook account %q: %w", cfg.Name, errors.Join(errs...))
	}

	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{}
	}

	app := fb.New("", cfg.AppSecret)
	app.EnableAppsecretProof = cfg.AppSecret != ""
	session := app.Session(cfg.PageToken)
	session.BaseURL = cfg.GraphURL
	session.Version = cfg.GraphVersion
	session.HttpClient = &recordingClient{base: client}
	session.UseAuthorizationHeader()
	_ = session.AppsecretProof() // computed once here, so copies of the session never write it

	return &Connector{
		cfg:     cfg,
		now:     opts.Now,
		log:     opts.Logger,
		session: session,
		base:    base,
	}, nil
}

// Name is the account name from config.
func (c *Connector) Name() string { return c.cfg.Name }

// Usage is the latest view of the Page's Graph quota.
func (c *Connector) Usage() connectors.Usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.usage
}
