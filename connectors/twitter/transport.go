package twitter

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inboxd/inboxd/connectors"
)

// usageCappedHeader is set by meterTransport on a 429 whose body is X's
// usage-cap problem, so the v1.1 path (whose library swallows the body)
// can tell a spent plan from a rate limit. It never leaves the process.
const usageCappedHeader = "X-Inboxd-Usage-Capped"

// meter holds the latest rate-limit headers and the day's read count.
type meter struct {
	mu        sync.Mutex
	limit     int
	remaining int
	reset     time.Time
	readsDay  string
	reads     int64
	posts     int64 // posts created on readsDay
	urlPosts  int64 // of which with a URL
}

func (m *meter) observe(h http.Header) {
	lim, err1 := strconv.Atoi(h.Get("x-rate-limit-limit"))
	rem, err2 := strconv.Atoi(h.Get("x-rate-limit-remaining"))
	reset, err3 := strconv.ParseInt(h.Get("x-rate-limit-reset"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.limit, m.remaining, m.reset = lim, rem, time.Unix(reset, 0).UTC()
}

// countReads adds resources read, per UTC day (X bills pay-per-use plans
// per resource returned).
func (m *meter) countReads(now time.Time, n int) {
	if n <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollDay(now)
	m.reads += int64(n)
}

// rollDay starts a new UTC day's counts; m.mu is held.
func (m *meter) rollDay(now time.Time) {
	if day := now.UTC().Format(time.DateOnly); m.readsDay != day {
		m.readsDay, m.reads, m.posts, m.urlPosts = day, 0, 0, 0
	}
}

// countPost adds a created post, apart when it carries a URL.
func (m *meter) countPost(now time.Time, withURL bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollDay(now)
	m.posts++
	if withURL {
		m.urlPosts++
	}
}

func (m *meter) usage(now time.Time) connectors.Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := connectors.Usage{RateRemaining: m.remaining, RateLimit: m.limit, RateResetAt: m.reset}
	day := now.UTC().Format(time.DateOnly)
	if m.readsDay == day {
		u.ReadsToday, u.ReadsDay = m.reads, day
		u.PostsToday, u.URLPostsToday = m.posts, m.urlPosts
	} else {
		u.ReadsDay = day
	}
	return u
}

// meterTransport records the x-rate-limit-* headers of every response.
type meterTransport struct {
	base  http.RoundTripper
	meter *meter
}

func (t *meterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	t.meter.observe(resp.Header)
	if resp.StatusCode == http.StatusTooManyRequests {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if isUsageCappedBody(body) {
			resp.Header.Set(usageCappedHeader, "1")
		}
	}
	return resp, nil
}

// rewriteTransport sends go-twitter's requests, whose base URL is fixed to
// https://api.twitter.com/1.1/, to api_url instead. It sits in front of the
// OAuth 1.0a transport so the signature covers the URL actually requested,
// and it gives the request the caller's context, which go-twitter's
// methods do not take.
type rewriteTransport struct {
	target *url.URL
	next   http.RoundTripper // the signing transport
	ctx    context.Context
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(t.ctx)
	r.URL.Scheme = t.target.Scheme
	r.URL.Host = t.target.Host
	if p := strings.TrimSuffix(t.target.Path, "/"); p != "" {
		r.URL.Path = p + r.URL.Path
		r.URL.RawPath = ""
	}
	r.Host = ""
	return t.next.RoundTrip(r)
}

// wroteTracker tells whether a request was fully written to the network,
// which decides whether a failed POST may have reached X.
type wroteTracker struct{ wrote atomic.Bool }

func (w *wroteTracker) context(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				w.wrote.Store(true)
			}
		},
	})
}
