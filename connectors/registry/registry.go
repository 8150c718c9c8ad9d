// Package registry lists the platforms inboxd speaks to and what each
// connector package declares about itself: its config block (keys,
// defaults, sources, decoder), its reply table (reply kinds and text
// limits) and how to build its connector. A new platform adds its line to
// the table here; nothing in pkg/config, pkg/api, pkg/store or
// pkg/scheduler changes. cmd/inboxd (and the load tools) build the values
// once and pass them down.
package registry

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/instagram"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// Platform is one line of the table.
type Platform struct {
	Config  config.Platform
	Replies inbox.ReplyTable
	// New builds the connector of one configured account (its Settings
	// are the Config's decoder's).
	New func(a config.Account, d Deps) (connectors.Connector, error)
}

// Deps are what the daemon lends a connector.
type Deps struct {
	HTTPClient *http.Client // nil: a plain client
	Logger     *slog.Logger // tagged with the account already
	// Tokens persists rotated OAuth tokens (X OAuth 2.0); may be nil.
	Tokens twitter.TokenStore
	// Secrets learns credentials a connector obtains later, for the scrubber.
	Secrets func(...string)
}

// Settings is what every platform's settings tell the daemon.
type Settings interface {
	// Secrets are the credentials as they may appear in the platform's
	// errors, for the scrubber (and the account's config hash).
	Secrets() []string
}

// Platforms is the table, in a stable order.
func Platforms() []Platform {
	return []Platform{
		{
			Config:  facebook.Platform(),
			Replies: facebook.Replies(),
			New: func(a config.Account, d Deps) (connectors.Connector, error) {
				s, err := settings[*facebook.Settings](a)
				if err != nil {
					return nil, err
				}
				return facebook.New(s.Config(a.Name, a.Sources), facebook.Options{HTTPClient: d.HTTPClient, Logger: d.Logger})
			},
		},
		{
			Config:  instagram.Platform(),
			Replies: instagram.Replies(),
			New: func(a config.Account, d Deps) (connectors.Connector, error) {
				s, err := settings[*instagram.Settings](a)
				if err != nil {
					return nil, err
				}
				return instagram.New(s.Config(a.Name, a.Sources), instagram.Options{HTTPClient: d.HTTPClient, Logger: d.Logger})
			},
		},
		{
			Config:  twitter.Platform(),
			Replies: twitter.Replies(),
			New: func(a config.Account, d Deps) (connectors.Connector, error) {
				s, err := settings[*twitter.Settings](a)
				if err != nil {
					return nil, err
				}
				return twitter.New(s.Config(a.Name, a.Sources), twitter.Options{HTTPClient: d.HTTPClient, Logger: d.Logger, Tokens: d.Tokens, Secrets: d.Secrets})
			},
		},
	}
}

// settings is an account's Settings as its platform's type.
func settings[T any](a config.Account) (T, error) {
	s, ok := a.Settings.(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("account %s: no %s settings (the config was read without its platforms)", a.Name, a.Platform)
	}
	return s, nil
}

// Config is every platform's config block, for config.Load.
func Config() []config.Platform {
	ps := Platforms()
	out := make([]config.Platform, len(ps))
	for i, p := range ps {
		out[i] = p.Config
	}
	return out
}

// Lookup returns the platform of a channel.
func Lookup(ch inbox.Channel) (Platform, bool) {
	ps := Platforms()
	i := slices.IndexFunc(ps, func(p Platform) bool { return p.Config.Channel == ch })
	if i < 0 {
		return Platform{}, false
	}
	return ps[i], true
}

// New builds the connector of one configured account.
func New(a config.Account, d Deps) (connectors.Connector, error) {
	p, ok := Lookup(a.Platform)
	if !ok {
		return nil, fmt.Errorf("account %s: unknown platform %q", a.Name, a.Platform)
	}
	return p.New(a, d)
}

// Secrets are an account's credentials as they may appear in its
// platform's errors.
func Secrets(a config.Account) []string {
	if s, ok := a.Settings.(Settings); ok {
		return s.Secrets()
	}
	return nil
}

// Replies collects every connector's reply table.
func Replies() inbox.ReplyRules {
	ps := Platforms()
	tables := make([]inbox.ReplyTable, len(ps))
	for i, p := range ps {
		tables[i] = p.Replies
	}
	// The tables are fixed at compile time; a bad one is a programming
	// error that every test run would show.
	return inbox.MustReplyRules(tables...)
}
