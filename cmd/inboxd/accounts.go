package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/api"
	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/scheduler"
	"github.com/inboxd/inboxd/pkg/scrub"
	"github.com/inboxd/inboxd/pkg/store"
)

// accountSecrets are an account's credentials as they may appear in a
// platform's error: as configured, and OAuth 2.0 client credentials as the
// Basic header carries them.
func accountSecrets(a config.Account) []string {
	var out []string
	if f := a.Facebook; f != nil {
		out = append(out, f.PageToken.Reveal(), f.AppSecret.Reveal())
	}
	if x := a.Twitter; x != nil {
		if o := x.OAuth1; o != nil {
			out = append(out, o.ConsumerKey.Reveal(), o.ConsumerSecret.Reveal(), o.AccessToken.Reveal(), o.AccessSecret.Reveal())
		}
		if o := x.OAuth2; o != nil {
			out = append(out, o.ClientSecret.Reveal(), o.AccessToken.Reveal(), o.RefreshToken.Reveal())
			if o.ClientSecret.Reveal() != "" {
				basic := url.QueryEscape(o.ClientID) + ":" + url.QueryEscape(o.ClientSecret.Reveal())
				out = append(out, base64.StdEncoding.EncodeToString([]byte(basic)))
			}
		}
	}
	return out
}

// newConnector builds the platform connector of one configured account.
// Secrets leave their redacting config.Secret wrapper only here, and are
// registered with the scrubber here (so are the tokens a connector
// rotates later).
func newConnector(a config.Account, st *store.Store, logger *slog.Logger, scr *scrub.Scrubber, client *http.Client) (connectors.Connector, error) {
	log := logger.With("account", a.Name, "platform", string(a.Platform))
	scr.Add(accountSecrets(a)...)
	switch a.Platform {
	case inbox.ChannelFacebook:
		f := a.Facebook
		if f == nil {
			return nil, fmt.Errorf("account %s: no facebook settings", a.Name)
		}
		return facebook.New(facebook.Config{
			Name:            a.Name,
			PageID:          f.PageID,
			PageToken:       f.PageToken.Reveal(),
			AppSecret:       f.AppSecret.Reveal(),
			GraphURL:        f.GraphURL,
			GraphVersion:    f.GraphVersion,
			Sources:         a.Sources,
			Lookback:        f.Lookback,
			MaxPagesPerPoll: f.MaxPagesPerPoll,
			HumanAgent:      f.HumanAgent,
		}, facebook.Options{HTTPClient: client, Logger: log})
	case inbox.ChannelTwitter:
		x := a.Twitter
		if x == nil {
			return nil, fmt.Errorf("account %s: no twitter settings", a.Name)
		}
		cfg := twitter.Config{Name: a.Name, API: x.API, APIURL: x.APIURL, UserID: x.UserID, Sources: a.Sources,
			RateBudget: twitter.RateBudget{Mentions: x.RateBudget[twitter.SourceMentions], DirectMessages: x.RateBudget[twitter.SourceDirectMessages]},
			SendBudget: twitter.SendBudget{PerWindow: x.DMSendPer15Min, PerDay: x.DMSendPerDay}}
		if o := x.OAuth1; o != nil {
			cfg.OAuth1 = &twitter.OAuth1Config{
				ConsumerKey: o.ConsumerKey.Reveal(), ConsumerSecret: o.ConsumerSecret.Reveal(),
				AccessToken: o.AccessToken.Reveal(), AccessSecret: o.AccessSecret.Reveal(),
			}
		}
		if o := x.OAuth2; o != nil {
			cfg.OAuth2 = &twitter.OAuth2Config{
				ClientID: o.ClientID, ClientSecret: o.ClientSecret.Reveal(),
				AccessToken: o.AccessToken.Reveal(), RefreshToken: o.RefreshToken.Reveal(), TokenURL: o.TokenURL,
			}
		}
		return twitter.New(cfg, twitter.Options{HTTPClient: client, Logger: log, Tokens: tokenStore{st}, Secrets: scr.Add})
	}
	return nil, fmt.Errorf("account %s: unknown platform %q", a.Name, a.Platform)
}

// tokenStore adapts the store's per-account values to the X connector's
// TokenStore, whose "nothing stored" is (nil, nil).
type tokenStore struct{ st *store.Store }

func (t tokenStore) AccountValue(account, key string) ([]byte, error) {
	v, err := t.st.AccountValue(account, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

func (t tokenStore) PutAccountValue(account, key string, value []byte) error {
	return t.st.PutAccountValue(account, key, value)
}

// accountHash identifies an account's connector settings, secrets included,
// so a reload swaps a connector exactly when an operator changed something
// (a pasted new token lifts needs_reauth). Only the hash is kept.
func accountHash(a config.Account) string {
	view := map[string]any{"platform": a.Platform, "sources": a.Sources}
	if f := a.Facebook; f != nil {
		view["facebook"] = []any{f.GraphURL, f.GraphVersion, f.PageID, f.PageToken.Reveal(), f.AppSecret.Reveal(),
			f.Lookback, f.HumanAgent, f.MaxPagesPerPoll}
	}
	if x := a.Twitter; x != nil {
		view["twitter"] = []any{x.API, x.APIURL, x.UserID}
		if o := x.OAuth1; o != nil {
			view["oauth1"] = []string{o.ConsumerKey.Reveal(), o.ConsumerSecret.Reveal(), o.AccessToken.Reveal(), o.AccessSecret.Reveal()}
		}
		if o := x.OAuth2; o != nil {
			view["oauth2"] = []string{o.ClientID, o.ClientSecret.Reveal(), o.AccessToken.Reveal(), o.RefreshToken.Reveal(), o.TokenURL}
		}
	}
	b, _ := json.Marshal(view) // plain values only: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// buildAccounts turns the configured accounts into scheduler accounts and
// the API's account list.
func buildAccounts(cfg *config.Config, st *store.Store, logger *slog.Logger, scr *scrub.Scrubber, client *http.Client) ([]scheduler.Account, []api.AccountInfo, error) {
	var (
		accounts []scheduler.Account
		infos    []api.AccountInfo
		errs     []error
	)
	for _, a := range cfg.Accounts {
		infos = append(infos, api.AccountInfo{Name: a.Name, Platform: string(a.Platform)})
		conn, err := newConnector(a, st, logger, scr, client)
		if err != nil {
			errs = append(errs, fmt.Errorf("account %s: %w", a.Name, err))
			continue
		}
		pages := 0
		if a.Facebook != nil {
			pages = a.Facebook.MaxPagesPerPoll
		}
		accounts = append(accounts, scheduler.Account{
			Name:            a.Name,
			Platform:        string(a.Platform),
			Schedule:        a.Schedule,
			Connector:       conn,
			MaxPagesPerPoll: pages,
			Enabled:         a.Enabled,
			ConfigHash:      accountHash(a),
		})
	}
	return accounts, infos, errors.Join(errs...)
}
