package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/inboxd/inboxd/connectors/registry"
	"log/slog"
	"net/http"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/api"
	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/scheduler"
	"github.com/inboxd/inboxd/pkg/scrub"
	"github.com/inboxd/inboxd/pkg/store"
)

// newConnector builds the platform connector of one configured account
// from connectors/registry's table. Secrets leave their redacting
// config.Secret wrapper only in the platform's builder, and are registered
// with the scrubber here (so are the tokens a connector rotates later).
func newConnector(a config.Account, st *store.Store, logger *slog.Logger, scr *scrub.Scrubber, client *http.Client) (connectors.Connector, error) {
	log := logger.With("account", a.Name, "platform", string(a.Platform))
	scr.Add(registry.Secrets(a)...)
	d := registry.Deps{HTTPClient: client, Logger: log, Secrets: scr.Add}
	if st != nil {
		d.Tokens = tokenStore{st}
	}
	return registry.New(a, d)
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
	// Settings marshal with their secrets redacted; the revealed secrets
	// are added beside them.
	view := map[string]any{"platform": a.Platform, "sources": a.Sources, "settings": a.Settings, "secrets": registry.Secrets(a)}
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
		if p, ok := a.Settings.(interface{ PagesPerPoll() int }); ok {
			pages = p.PagesPerPoll()
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
