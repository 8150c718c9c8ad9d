package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// principal is the authenticated caller: a token, or a signed-in person.
// Limits that follow a caller (event streams, idempotency keys) go by
// key(), which tells the two kinds apart.
type principal struct {
	Name        string // token name or username: the audit trail's actor
	Role        inbox.Role
	Unit        string // scope; "" is every unit
	DisplayName string // people only
	session     []byte // hash of the session id; nil for a token
}

// kind names the principal in messages.
func (p *principal) kind() string {
	if p.session != nil {
		return "user"
	}
	return "token"
}

// key names the principal uniquely across kinds.
func (p *principal) key() string {
	if p == nil {
		return "anonymous"
	}
	return p.kind() + ":" + p.Name
}

func principalFrom(r *http.Request) *principal {
	p, _ := r.Context().Value(keyPrincipal).(*principal)
	return p
}

// actor is the name written to the audit trail.
func actor(r *http.Request) string {
	if p := principalFrom(r); p != nil {
		return p.Name
	}
	return "anonymous"
}

// scope is the unit the caller is limited to ("" when none).
func scope(r *http.Request) string {
	if p := principalFrom(r); p != nil {
		return p.Unit
	}
	return ""
}

// authorize enforces the route's role and scope rule. It returns the
// principal (nil on public routes).
func (s *Server) authorize(r *http.Request, rt route) (*principal, error) {
	if rt.Need == "" || (rt.MetricsAuth && s.metricsPublic) {
		return nil, nil
	}
	if s.throttle != nil {
		if err := s.throttled(s.clientAddr(r)); err != nil {
			return nil, err
		}
	}
	p, err := s.authenticate(r)
	if err != nil {
		return nil, err
	}
	if !p.Role.Allows(rt.Need) {
		return nil, authFailure(problem(http.StatusForbidden, "forbidden",
			fmt.Sprintf("%s %q has role %s; this needs %s", p.kind(), p.Name, p.Role, rt.Need)), reasonRole)
	}
	if rt.Unscoped && p.Unit != "" {
		return nil, authFailure(problem(http.StatusForbidden, "forbidden",
			fmt.Sprintf("%s %q is scoped to unit %q; this needs access to every unit", p.kind(), p.Name, p.Unit)), reasonScope)
	}
	return p, nil
}

// authenticate reads the bearer token and finds it (the bootstrap token or
// a stored one), or else the session cookie. A request with both is a
// bearer request: the cookie's cross-origin rule does not apply to it.
// The secret itself never reaches a log or an error.
func (s *Server) authenticate(r *http.Request) (*principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if sid := sessionCookie(r); sid != "" {
			return s.sessionAuth(r, sid)
		}
		return nil, authFailure(errUnauthenticated(), reasonMissing)
	}
	scheme, secret, ok := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		p := errUnauthenticated()
		p.Detail = "the Authorization header must be: Bearer <token>"
		return nil, authFailure(p, reasonMalformed)
	}
	if s.bootstrapHash != nil {
		// Hash first so the comparison is constant-time whatever the length.
		sum := sha256.Sum256([]byte(secret))
		if subtle.ConstantTimeCompare(sum[:], s.bootstrapHash) == 1 {
			return &principal{Name: inbox.BootstrapTokenName, Role: inbox.RoleAdmin}, nil
		}
	}
	key := sha256.Sum256([]byte(secret))
	p, gen, ok := s.tokens.get(key, s.now())
	if ok {
		s.touch.used(p.Name, s.now())
		return p, nil
	}
	t, err := s.store.LookupToken(secret)
	if errors.Is(err, store.ErrNotFound) {
		p := errUnauthenticated()
		p.Detail = "the token is unknown or revoked"
		return nil, authFailure(p, reasonUnknown)
	}
	if err != nil {
		return nil, fmt.Errorf("look up token: %w", err)
	}
	p = &principal{Name: t.Name, Role: t.Role, Unit: t.Unit}
	s.tokens.put(key, p, s.now(), gen)
	s.touch.used(t.Name, s.now())
	return p, nil
}

// Token cache bounds.
const (
	tokenCacheTTL  = 10 * time.Second
	tokenCacheSize = 1024
)

// tokenCache remembers recent successful lookups by the secret's SHA-256,
// sparing a store read per request. It never holds a secret. Revoking
// through the API clears it; the CLI cannot revoke while the daemon holds
// the data file, so the TTL only bounds what nothing else invalidates.
type tokenCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]tokenCacheEntry
	// gen counts clears, so a lookup that raced a revocation is not cached.
	gen uint64
}

type tokenCacheEntry struct {
	p       *principal
	expires time.Time
}

// get returns the cached principal, or the generation to hand to put after
// a store lookup.
func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) (*principal, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.expires) {
		return nil, c.gen, false
	}
	return e.p, c.gen, true
}

func (c *tokenCache) put(key [sha256.Size]byte, p *principal, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // cleared since the lookup began
	}
	if c.entries == nil || len(c.entries) >= tokenCacheSize {
		c.entries = make(map[[sha256.Size]byte]tokenCacheEntry)
	}
	c.entries[key] = tokenCacheEntry{p: p, expires: now.Add(tokenCacheTTL)}
}

func (c *tokenCache) clear() {
	c.mu.Lock()
	c.entries = nil
	c.gen++
	c.mu.Unlock()
}

// tokenToucher batches tokens' last-used times in memory and writes them
// with one TouchTokens call per interval, so a request never writes.
type tokenToucher struct {
	store Store
	log   *slog.Logger

	mu      sync.Mutex
	pending map[string]time.Time

	quit chan struct{}
	done chan struct{}
}

func newTokenToucher(st Store, log *slog.Logger, every time.Duration) *tokenToucher {
	t := &tokenToucher{store: st, log: log, pending: map[string]time.Time{}, quit: make(chan struct{}), done: make(chan struct{})}
	go t.loop(every)
	return t
}

func (t *tokenToucher) used(name string, at time.Time) {
	t.mu.Lock()
	if at.After(t.pending[name]) {
		t.pending[name] = at
	}
	t.mu.Unlock()
}

func (t *tokenToucher) loop(every time.Duration) {
	defer close(t.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := t.flush(); err != nil {
				t.log.Warn("recording token last-used times", "err", err)
			}
		case <-t.quit:
			return
		}
	}
}

// flush writes what is pending; on failure the times are kept for the
// next flush (unless a newer use replaced them).
func (t *tokenToucher) flush() error {
	t.mu.Lock()
	batch := t.pending
	t.pending = map[string]time.Time{}
	t.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	if err := t.store.TouchTokens(batch); err != nil {
		for name, at := range batch {
			t.used(name, at)
		}
		return fmt.Errorf("touch tokens: %w", err)
	}
	return nil
}

func (t *tokenToucher) stop() error {
	close(t.quit)
	<-t.done
	return t.flush()
}
