package api

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Why a request failed authentication or authorisation: the reason label
// of inboxd_http_auth_failures_total and of the log line.
const (
	reasonMissing   = "missing_token"
	reasonMalformed = "malformed_header"
	reasonUnknown   = "unknown_token"
	reasonRole      = "role"
	reasonScope     = "unit_scope"
	reasonThrottled = "throttled"
	// reasonSessionEnded: a session cookie that is unknown, expired or
	// signed out.
	reasonSessionEnded = "session_ended"
	// reasonBadCredentials: a wrong username or password at sign-in (its
	// own throttle, sessions.go, so it does not count towards the token
	// throttle).
	reasonBadCredentials = "bad_credentials"
	// reasonCrossOrigin: a state-changing cookie request from another origin.
	reasonCrossOrigin = "cross_origin"
)

// maxThrottledAddrs bounds the throttle's memory; expired windows are
// swept when it is reached.
const maxThrottledAddrs = 10000

// authFailure is a 401/403 problem with its reason, so the route wrapper
// can log, count and throttle it without parsing the detail.
func authFailure(p *Problem, reason string) *Problem {
	p.authReason = reason
	return p
}

// noteAuthFailure logs and counts a refused request; a 401 also counts
// towards the client's throttle. The presented token never appears.
func (s *Server) noteAuthFailure(r *http.Request, route, client string, p *Problem) {
	s.metrics.authFailures.WithLabelValues(route, p.authReason).Inc()
	if p.authReason == reasonThrottled {
		return // logged once when the throttle engaged
	}
	msg := "authentication failed"
	if p.Status == http.StatusForbidden {
		msg = "access denied"
	}
	s.log.Warn(msg, append(requestIDs(r.Context()), "route", route, "status", p.Status, "reason", p.authReason,
		"client", client, "peer", r.RemoteAddr)...)
	if p.Status == http.StatusUnauthorized && p.authReason != reasonBadCredentials &&
		s.throttle != nil && s.throttle.failed(client, s.now()) {
		s.log.Warn("throttling failed authentication", "client", client, "failures", s.throttle.limit, "window", s.throttle.window)
	}
}

// throttled answers 429 when the client failed authentication too often.
func (s *Server) throttled(client string) error {
	wait, ok := s.throttle.blocked(client, s.now())
	if !ok {
		return nil
	}
	p := problem(http.StatusTooManyRequests, "auth-throttled",
		fmt.Sprintf("too many failed authentications from this address; try again in %s", wait.Round(time.Second)))
	p.header = http.Header{"Retry-After": {retryAfter(wait)}}
	return authFailure(p, reasonThrottled)
}

// retryAfter is a Retry-After value in whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	sec := int64((d + time.Second - 1) / time.Second)
	if sec < 1 {
		sec = 1
	}
	return strconv.FormatInt(sec, 10)
}

// failureThrottle counts failed authentications per client address in
// fixed windows. Principals (issue 18's users) can reuse it keyed by name.
type failureThrottle struct {
	limit  int
	window time.Duration

	mu   sync.Mutex
	addr map[string]*failWindow
}

type failWindow struct {
	start time.Time
	n     int
}

func newFailureThrottle(limit int, window time.Duration) *failureThrottle {
	return &failureThrottle{limit: limit, window: window, addr: map[string]*failWindow{}}
}

// blocked reports whether key reached the limit in its current window, and
// how long until the window ends.
func (t *failureThrottle) blocked(key string, now time.Time) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, ok := t.addr[key]
	if !ok || now.Sub(w.start) >= t.window || w.n < t.limit {
		return 0, false
	}
	return w.start.Add(t.window).Sub(now), true
}

// failed counts one failure; it reports whether this one reached the limit.
func (t *failureThrottle) failed(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, ok := t.addr[key]
	if !ok || now.Sub(w.start) >= t.window {
		if !ok && len(t.addr) >= maxThrottledAddrs {
			t.sweep(now)
			if len(t.addr) >= maxThrottledAddrs {
				return false // beyond the bound: not tracked rather than unbounded memory
			}
		}
		w = &failWindow{start: now}
		t.addr[key] = w
	}
	w.n++
	return w.n == t.limit
}

func (t *failureThrottle) sweep(now time.Time) {
	for k, w := range t.addr {
		if now.Sub(w.start) >= t.window {
			delete(t.addr, k)
		}
	}
}

// ParseTrustedProxies reads addresses and CIDR prefixes (10.0.0.1,
// 10.0.0.0/8, ::1) of reverse proxies whose X-Forwarded-For is believed.
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an IP address or CIDR prefix", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	for _, p := range s.trustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address a request comes from: the TCP peer, or, when
// the peer is a trusted proxy, the nearest X-Forwarded-For hop that is not
// itself a trusted proxy (hops further left are the client's own claims).
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if len(s.trustedProxies) == 0 || !s.trustedProxy(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: stop at the last hop a trusted proxy vouched for
		}
		peer = hop.Unmap()
		if !s.trustedProxy(peer) {
			break
		}
	}
	return peer.String()
}
