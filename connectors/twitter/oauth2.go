package twitter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/inboxd/inboxd/connectors"
)

// tokensKey is the per-account key the rotated OAuth 2.0 pair is stored under.
const tokensKey = "twitter.oauth2.tokens"

// expiryMargin refreshes an access token a little before X expires it.
const expiryMargin = time.Minute

// storedTokens is what is persisted after every refresh. Seed is a hash of
// the config's refresh_token this lineage started from: when an operator
// pastes a new refresh_token into the config, the hashes differ and the
// config wins over the stored pair.
type storedTokens struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scope        string    `json:"scope,omitempty"`
	Seed         string    `json:"seed"`
}

// tokenSource hands out a valid OAuth 2.0 access token, refreshing it
// (and persisting the rotated pair at once) when it expires or X refuses it.
type tokenSource struct {
	account string
	conf    *oauth2.Config
	client  *http.Client // for the token endpoint
	store   TokenStore
	now     func() time.Time
	log     *slog.Logger

	secrets func(...string) // learns each pair in use (Options.Secrets); never nil

	mu    sync.Mutex
	cur   storedTokens
	dirty bool // refreshed but not yet persisted
}

// use makes t the pair in use and tells the scrubber about it.
func (ts *tokenSource) use(t storedTokens) {
	ts.cur = t
	ts.secrets(t.AccessToken, t.RefreshToken)
}

func seedOf(refreshToken string) string {
	sum := sha256.Sum256([]byte("inboxd-x-refresh:" + refreshToken))
	return hex.EncodeToString(sum[:])
}

func newTokenSource(account string, c *OAuth2Config, client *http.Client, store TokenStore, now func() time.Time, log *slog.Logger, secrets func(...string)) (*tokenSource, error) {
	if secrets == nil {
		secrets = func(...string) {}
	}
	style := oauth2.AuthStyleInParams // public client: client_id in the body
	if c.ClientSecret != "" {
		style = oauth2.AuthStyleInHeader // confidential client: HTTP Basic
	}
	ts := &tokenSource{
		account: account,
		conf: &oauth2.Config{
			ClientID:     c.ClientID,
			ClientSecret: c.ClientSecret,
			Endpoint:     oauth2.Endpoint{TokenURL: c.TokenURL, AuthStyle: style},
		},
		client:  client,
		store:   store,
		now:     now,
		log:     log,
		secrets: secrets,
	}
	seed := seedOf(c.RefreshToken)
	ts.use(storedTokens{AccessToken: c.AccessToken, RefreshToken: c.RefreshToken, Seed: seed})
	if store == nil {
		log.Warn("no token store: rotated X OAuth 2.0 tokens will not survive a restart", "account", account)
		return ts, nil
	}
	raw, err := store.AccountValue(account, tokensKey)
	if err != nil {
		return nil, fmt.Errorf("twitter account %q: reading the stored OAuth 2.0 tokens: %w", account, err)
	}
	if len(raw) == 0 {
		return ts, nil
	}
	var st storedTokens
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("twitter account %q: the stored OAuth 2.0 tokens do not decode: %w", account, err)
	}
	if st.Seed == seed && st.RefreshToken != "" {
		ts.use(st) // the stored pair is the newest of this lineage
	} else {
		log.Info("config has a new X refresh token; using it instead of the stored pair", "account", account)
	}
	return ts, nil
}

// token returns a valid access token, refreshing when needed.
func (ts *tokenSource) token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.dirty {
		ts.persistLocked()
	}
	if ts.validLocked() {
		return ts.cur.AccessToken, nil
	}
	if ts.adoptStoredLocked() && ts.validLocked() {
		return ts.cur.AccessToken, nil
	}
	if err := ts.refreshLocked(ctx); err != nil {
		return "", err
	}
	return ts.cur.AccessToken, nil
}

func (ts *tokenSource) validLocked() bool {
	return ts.cur.AccessToken != "" && (ts.cur.Expiry.IsZero() || ts.now().Before(ts.cur.Expiry.Add(-expiryMargin)))
}

// adoptStoredLocked takes the stored pair when another connector of this
// account rotated it since we read it (after a reload the old connector
// may still finish a poll or send): X has retired the refresh token we
// hold, and refreshing with it would put the account in needs_reauth.
func (ts *tokenSource) adoptStoredLocked() bool {
	if ts.store == nil || ts.dirty {
		return false // nothing shared, or our newer pair is not stored yet
	}
	raw, err := ts.store.AccountValue(ts.account, tokensKey)
	if err != nil || len(raw) == 0 {
		return false // refresh with what we hold
	}
	var st storedTokens
	if json.Unmarshal(raw, &st) != nil || st.Seed != ts.cur.Seed || st.RefreshToken == "" || st.RefreshToken == ts.cur.RefreshToken {
		return false
	}
	ts.use(st)
	ts.log.Info("using the X OAuth 2.0 tokens another connector of this account rotated", "account", ts.account)
	return true
}

// refused forgets an access token X answered 401 to, so the next call
// refreshes (unless a concurrent call already replaced it).
func (ts *tokenSource) refused(access string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.cur.AccessToken == access {
		ts.cur.AccessToken = ""
	}
}

func (ts *tokenSource) refreshLocked(ctx context.Context) error {
	const op = "refresh OAuth 2.0 token"
	ctx = context.WithValue(ctx, oauth2.HTTPClient, ts.client)
	tok, err := ts.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: ts.cur.RefreshToken}).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 {
			reason := re.ErrorCode
			if re.ErrorDescription != "" {
				reason += ": " + re.ErrorDescription
			}
			return &connectors.Error{Class: connectors.Auth, Op: op, Code: fmt.Sprint(re.Response.StatusCode),
				Message: "X refused the OAuth 2.0 refresh token (" + reason + "); authorise the account again and put the new refresh_token in the config"}
		}
		return &connectors.Error{Class: connectors.Transient, Op: op, Message: "cannot reach the X token endpoint: " + redactURLError(err)}
	}
	next := storedTokens{
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		Seed:         ts.cur.Seed,
	}
	if next.RefreshToken == "" {
		next.RefreshToken = ts.cur.RefreshToken
	}
	// expires_in is applied to the injected clock, not the library's.
	if v, ok := tok.Extra("expires_in").(float64); ok && v > 0 {
		next.Expiry = ts.now().Add(time.Duration(v) * time.Second)
	} else if !tok.Expiry.IsZero() {
		next.Expiry = tok.Expiry
	}
	if s, ok := tok.Extra("scope").(string); ok {
		next.Scope = s
	}
	ts.use(next)
	ts.dirty = true
	ts.persistLocked()
	ts.log.Info("refreshed X OAuth 2.0 access token", "account", ts.account, "expires", next.Expiry)
	return nil
}

// persistLocked writes the current pair; a failure is retried on the next
// call (the pair stays in memory meanwhile: the old refresh token is dead).
func (ts *tokenSource) persistLocked() {
	if ts.store == nil {
		ts.dirty = false
		return
	}
	raw, err := json.Marshal(ts.cur)
	if err != nil {
		return
	}
	if err := ts.store.PutAccountValue(ts.account, tokensKey, raw); err != nil {
		ts.log.Error("cannot persist the rotated X OAuth 2.0 tokens; retrying on the next call", "account", ts.account, "err", err)
		return
	}
	ts.dirty = false
}

// scope returns the scopes X granted with the last refresh, if known.
func (ts *tokenSource) scope() string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.cur.Scope
}
