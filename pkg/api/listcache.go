package api

import (
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/inboxd/inboxd/pkg/store"
)

// List cache bounds (Options.ListCacheEntries / ListCacheBytes override).
const (
	DefaultListCacheEntries = 512
	DefaultListCacheBytes   = 16 << 20
	// A body above this share of the byte budget is not worth evicting
	// others for.
	listCacheEntryShare = 8
)

// listCache holds GET /api/v1/items bodies for one store generation.
//
// A body is tagged with the store's generation taken BEFORE its read, and
// served only while Store.Generation still returns that tag: any write
// committed since (ingest, triage, a reply, a token, account state) makes
// every entry stale, and a write racing the read bumps the generation past
// the tag, so a possibly stale body is never served. Item bodies hold no
// clock-dependent field, so nothing else ages them. Stats are not cached:
// their ages and windows move with the clock, not only with writes.
//
// The cache keeps one generation: the first request seeing a newer one
// drops everything, so stale bodies never hold memory. Eviction within a
// generation is random (Go's map order), which is enough for a bounded
// set of hot filters.
type listCache struct {
	maxEntries int
	maxBytes   int

	mu      sync.Mutex
	gen     uint64
	entries map[string][]byte
	bytes   int // keys and bodies

	hits, misses prometheus.Counter
}

func newListCache(maxEntries, maxBytes int, reg prometheus.Registerer) (*listCache, error) {
	c := &listCache{maxEntries: maxEntries, maxBytes: maxBytes, entries: map[string][]byte{}}
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "inboxd_api_list_cache_requests_total",
		Help: "GET /api/v1/items answers from the list cache (hit) or the store (miss).",
	}, []string{"result"})
	if err := reg.Register(vec); err != nil {
		return nil, err
	}
	c.hits, c.misses = vec.WithLabelValues("hit"), vec.WithLabelValues("miss")
	return c, nil
}

// get returns the body stored under key for generation gen.
func (c *listCache) get(key string, gen uint64) ([]byte, bool) {
	c.mu.Lock()
	if gen != c.gen {
		if gen > c.gen {
			c.reset(gen)
		}
		c.mu.Unlock()
		c.misses.Inc()
		return nil, false
	}
	b, ok := c.entries[key]
	c.mu.Unlock()
	if ok {
		c.hits.Inc()
	} else {
		c.misses.Inc()
	}
	return b, ok
}

// put stores body, built from a read that began under generation gen; the
// cache owns body from now on and never modifies it.
func (c *listCache) put(key string, gen uint64, body []byte) {
	size := len(key) + len(body)
	if size > c.maxBytes/listCacheEntryShare {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case gen < c.gen:
		return // a write has committed since the read began
	case gen > c.gen:
		c.reset(gen)
	}
	if old, ok := c.entries[key]; ok {
		c.bytes -= len(key) + len(old)
		delete(c.entries, key)
	}
	for k, v := range c.entries {
		if len(c.entries) < c.maxEntries && c.bytes+size <= c.maxBytes {
			break
		}
		delete(c.entries, k)
		c.bytes -= len(k) + len(v)
	}
	c.entries[key] = body
	c.bytes += size
}

// reset drops every entry and moves to generation gen (mu held).
func (c *listCache) reset(gen uint64) {
	clear(c.entries)
	c.bytes = 0
	c.gen = gen
}

// size reports the entries held and their bytes (for tests).
func (c *listCache) size() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}

// listCacheKey names a list's result: the caller's unit scope and the
// parsed filter, so equivalent query strings share an entry and tokens of
// different scopes never do. Validated filter values hold no control
// characters (statuses no comma), so 0x00 separates a fixed number of
// fields unambiguously.
func listCacheKey(scopeUnit string, f *store.Filter) string {
	var b strings.Builder
	b.Grow(64 + len(f.Query) + len(f.Cursor))
	b.WriteString(scopeUnit)
	b.WriteByte(0)
	for i, st := range f.Statuses { // a fixed field count: statuses as one
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(st))
	}
	for _, s := range []string{string(f.Channel), f.Account, string(f.Kind), f.Unit, f.Assignee, f.Tag, f.Query, string(f.Order), f.Cursor} {
		b.WriteByte(0)
		b.WriteString(s)
	}
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(f.Limit))
	return b.String()
}
