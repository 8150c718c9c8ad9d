package instagram

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/connectors/metagraph"
)

// Config is one Instagram account from inboxd's config, secrets revealed.
type Config struct {
	Name            string
	PageID          string // the Facebook Page the account is linked to
	IGUserID        string // the Instagram professional account
	PageToken       string
	AppSecret       string // optional: appsecret_proof
	GraphURL        string // default metagraph.DefaultURL
	GraphVersion    string // default metagraph.DefaultVersion
	Sources         []string
	Lookback        time.Duration // how far back the first poll reaches
	MediaMaxAge     time.Duration // media older than this are not read for comments
	MaxPagesPerPoll int
	HumanAgent      bool // the app has Meta's Human Agent permission
	HTTPTimeout     time.Duration
}

// Options are the connector's collaborators.
type Options struct {
	HTTPClient *http.Client
	Now        func() time.Time
	Logger     *slog.Logger
}

// Connector is an Instagram professional account.
type Connector struct {
	cfg    Config
	now    func() time.Time
	log    *slog.Logger
	client *metagraph.Client
}

var (
	_ connectors.Connector     = (*Connector)(nil)
	_ connectors.Verifier      = (*Connector)(nil)
	_ connectors.Prober        = (*Connector)(nil)
	_ connectors.UsageReporter = (*Connector)(nil)
)

// New checks cfg, fills in defaults and returns a connector.
func New(cfg Config, opts Options) (*Connector, error) {
	if len(cfg.Sources) == 0 {
		cfg.Sources = AllSources
	}
	if cfg.Lookback == 0 {
		cfg.Lookback = metagraph.DefaultLookback
	}
	if cfg.MediaMaxAge == 0 {
		cfg.MediaMaxAge = DefaultMediaMaxAge
	}
	if cfg.MaxPagesPerPoll == 0 {
		cfg.MaxPagesPerPoll = metagraph.DefaultMaxPagesPerPoll
	}
	var errs []error
	if cfg.Name == "" {
		errs = append(errs, errors.New("name is empty"))
	}
	if cfg.PageID == "" {
		errs = append(errs, errors.New("page_id is empty"))
	}
	if cfg.IGUserID == "" {
		errs = append(errs, errors.New("ig_user_id is empty"))
	}
	for _, s := range cfg.Sources {
		if !slices.Contains(AllSources, s) {
			errs = append(errs, fmt.Errorf("sources: unknown source %q (want comments or messages)", s))
		}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	client, err := metagraph.NewClient(metagraph.ClientConfig{GraphURL: cfg.GraphURL, GraphVersion: cfg.GraphVersion, Token: cfg.PageToken,
		AppSecret: cfg.AppSecret, HTTPClient: opts.HTTPClient, Timeout: cfg.HTTPTimeout, Logger: opts.Logger, Now: opts.Now,
		Platform: "Instagram", Messaging: "Instagram"})
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("instagram account %q: %w", cfg.Name, errors.Join(errs...))
	}
	return &Connector{cfg: cfg, now: opts.Now, log: opts.Logger, client: client}, nil
}

// Name is the account name from config.
func (c *Connector) Name() string { return c.cfg.Name }

// Usage is the latest view of the account's Graph quota.
func (c *Connector) Usage() connectors.Usage { return connectors.Usage{Percent: c.client.Usage()} }
