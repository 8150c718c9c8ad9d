// Package api is inboxd's operator HTTP API: triage, routing, replies,
// stats, Prometheus metrics, a Server-Sent Events stream and an OpenAPI
// document, behind bearer tokens with roles and optional unit scopes.
//
// One route table (routes.go) drives the mux, the auth checks, the metrics
// labels and the OpenAPI document. Handlers are thin: decode, validate, call
// the store, respond; they return errors and toProblem maps every error to
// an RFC 9457 problem response.
package api

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/inboxd/inboxd/pkg/api/events"
	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/password"
	"github.com/inboxd/inboxd/pkg/rules"
)

// Defaults for Options fields left zero.
const (
	DefaultHeartbeat          = 15 * time.Second
	DefaultTokenFlushInterval = time.Minute
	MaxBodyBytes              = 64 << 10

	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	// backupWriteTimeout replaces writeTimeout for the backup download,
	// which streams a temporary copy (no transaction held) and may be large.
	backupWriteTimeout = 30 * time.Minute
)

// AccountInfo is a configured account, as the API lists it.
type AccountInfo struct {
	Name     string
	Platform string
}

// AccountControl lets operators poke the scheduler; main wires it.
type AccountControl interface {
	PollNow(ctx context.Context, name string) error
	Resume(ctx context.Context, name string) error
}

// Options configure New. Store is required.
type Options struct {
	Store Store // *store.Store in the daemon
	// Deadlines recomputes an item's SLA due times when an edit changes
	// its unit or priority (nil: no deadlines).
	Deadlines *calendar.Live
	// Replies are the connectors' reply tables: how each item kind is
	// answered and the text limits (the store is given the same value).
	Replies  inbox.ReplyRules
	Logger   *slog.Logger
	Now      func() time.Time
	Accounts []AccountInfo
	// Units are the configured government offices; nil keeps units free
	// text (no units: key in the config).
	Units []inbox.Unit
	// OfficeName heads the monthly report's page (office_name).
	OfficeName string
	// Rules are the running routing rules (the scheduler routes with the
	// same Live); nil: no rules.
	Rules *rules.Live
	// Control is optional; without it poll and resume answer 503.
	Control       AccountControl
	MetricsPublic bool
	CORSOrigins   []string // "*" allows any origin; bearer requests only, never cookie ones
	// PublicURL is the address people open (set-password links are built
	// on it; https makes the session cookie Secure).
	PublicURL string
	// TrustedOrigins may send cookie-authenticated state-changing requests
	// besides the request's own Host (a proxy that rewrites Host).
	TrustedOrigins []string
	// Sessions of people; zero values are inbox's Default* constants.
	SessionIdle       time.Duration
	SessionAbsolute   time.Duration
	SignInMaxFailures int
	SignInLockout     time.Duration
	// PasswordParams are argon2id's; nil is password.DefaultParams (tests
	// pass cheap ones).
	PasswordParams *password.Params
	// BootstrapAdminToken is accepted as an admin token named "bootstrap"
	// when non-empty (container first starts).
	BootstrapAdminToken string
	Registry            *prometheus.Registry // created (with Go and process collectors) if nil
	// AccountStates are every state an account can be in: inboxd_account_state
	// has a 0 series for each, so an alert on one sees 0 rather than nothing.
	AccountStates []string
	Ready         func() bool // optional extra readiness check

	HeartbeatInterval  time.Duration // SSE heartbeat; default 15s
	TokenFlushInterval time.Duration // how often last-used times are written; default 1m
	EventRingSize      int           // events kept for Last-Event-ID resume; default 4096
	// SearchScanLimit bounds how many items one q search examines before it
	// returns a short page with next_cursor; 0 is the store's default (5000).
	SearchScanLimit int

	// DisableListCache serves every GET /api/v1/items from the store (for
	// measuring the uncached path); by default bodies are cached until the
	// next write (see listCache).
	DisableListCache bool
	ListCacheEntries int // default DefaultListCacheEntries
	ListCacheBytes   int // keys and bodies; default DefaultListCacheBytes

	// Caps (docs/LIMITS.md); the daemon passes pkg/config's values, zero
	// leaves a cap off.
	MaxStreams         int // event streams open at once
	MaxStreamsPerToken int // event streams open at once per principal
	AuthFailureLimit   int // failed authentications per client address per window before 429s
	AuthFailureWindow  time.Duration
	TrustedProxies     []netip.Prefix // peers whose X-Forwarded-For is believed (ParseTrustedProxies)
}

// Server is the API's http.Handler.
type Server struct {
	store         Store
	deadlines     *calendar.Live
	replies       inbox.ReplyRules
	channels      []inbox.Channel // the registered platforms, from replies
	log           *slog.Logger
	now           func() time.Time
	accounts      atomic.Pointer[[]AccountInfo] // replaced whole on a config reload
	units         atomic.Pointer[unitRegistry]  // nil: units are free text
	officeName    atomic.Pointer[string]        // office_name, for the monthly report
	rules         *rules.Live
	reroute       *rerouter
	control       AccountControl
	metricsPublic bool
	corsAny       bool
	corsOrigins   map[string]bool
	bootstrapHash []byte
	ready         func() bool
	heartbeat     time.Duration
	maxScan       int

	mux        *http.ServeMux
	routes     []route
	registered []string // "METHOD /path" as given to the mux, for the OpenAPI test
	hub        *events.Hub
	metrics    *httpMetrics
	registry   *prometheus.Registry
	openapi    []byte

	knownStates []string

	publicURL       string
	csrf            *http.CrossOriginProtection
	sessionIdle     time.Duration
	sessionAbsolute time.Duration
	signIns         *signInThrottle
	hasher          *password.Hasher
	userStreamMu    sync.Mutex
	userStreams     map[string]map[*userStream]struct{} // username -> open streams

	touch   *tokenToucher
	tokens  tokenCache
	buffers sync.Pool  // *bytes.Buffer for splicing list responses
	lists   *listCache // nil when disabled

	// afterScopeCheck, set by tests, runs between a scoped request's check
	// of an item's unit and its write (where a concurrent move can land).
	afterScopeCheck func(itemID string)

	probe          writeProbe       // /readyz's write probe
	throttle       *failureThrottle // nil: failed authentications are not throttled
	trustedProxies []netip.Prefix

	shuttingDown      atomic.Bool
	streamMu          sync.Mutex
	streamsOpen       int
	streamsBy         map[string]int // open streams per principal key
	maxStreams        int
	maxStreamsPerUser int
	streamsIdle       chan struct{} // closed when streamsOpen drops to 0 during shutdown
	shutdownOnce      sync.Once
}

// New builds the API handler and starts its background token-flush loop;
// call Shutdown to stop it.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("api: Options.Store is required")
	}
	s := &Server{
		store:         opts.Store,
		deadlines:     opts.Deadlines,
		replies:       opts.Replies,
		log:           opts.Logger,
		now:           opts.Now,
		control:       opts.Control,
		rules:         opts.Rules,
		reroute:       newRerouter(),
		metricsPublic: opts.MetricsPublic,
		corsOrigins:   map[string]bool{},
		ready:         opts.Ready,
		heartbeat:     opts.HeartbeatInterval,
		registry:      opts.Registry,
		knownStates:   opts.AccountStates,
		maxScan:       opts.SearchScanLimit,
		publicURL:     opts.PublicURL,
		csrf:          http.NewCrossOriginProtection(),
		userStreams:   map[string]map[*userStream]struct{}{},

		trustedProxies:    opts.TrustedProxies,
		streamsBy:         map[string]int{},
		maxStreams:        opts.MaxStreams,
		maxStreamsPerUser: opts.MaxStreamsPerToken,
	}
	if opts.AuthFailureLimit > 0 {
		if opts.AuthFailureWindow <= 0 {
			return nil, errors.New("api: Options.AuthFailureWindow must be positive with AuthFailureLimit")
		}
		s.throttle = newFailureThrottle(opts.AuthFailureLimit, opts.AuthFailureWindow)
	}
	for _, o := range opts.TrustedOrigins {
		if err := s.csrf.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("api: trusted origin: %w", err)
		}
	}
	s.sessionIdle = cmp.Or(opts.SessionIdle, inbox.DefaultSessionIdle)
	s.sessionAbsolute = cmp.Or(opts.SessionAbsolute, inbox.DefaultSessionAbsolute)
	s.signIns = newSignInThrottle(cmp.Or(opts.SignInMaxFailures, inbox.DefaultSignInMaxFailures), cmp.Or(opts.SignInLockout, inbox.DefaultSignInLockout))
	params := password.DefaultParams
	if opts.PasswordParams != nil {
		params = *opts.PasswordParams
	}
	s.hasher = password.NewHasher(params, password.MaxConcurrent)
	s.SetAccounts(opts.Accounts)
	s.SetUnits(opts.Units)
	s.SetOfficeName(opts.OfficeName)
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.heartbeat <= 0 {
		s.heartbeat = DefaultHeartbeat
	}
	for _, o := range opts.CORSOrigins {
		if o == "*" {
			s.corsAny = true
		}
		s.corsOrigins[o] = true
	}
	if opts.BootstrapAdminToken != "" {
		h := sha256.Sum256([]byte(opts.BootstrapAdminToken))
		s.bootstrapHash = h[:]
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
		s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	var err error
	if s.metrics, err = newHTTPMetrics(s.registry); err != nil {
		return nil, err
	}
	if err := s.registry.Register(&statsCollector{s: s}); err != nil {
		return nil, fmt.Errorf("api: register stats collector: %w", err)
	}
	if !opts.DisableListCache {
		entries, size := opts.ListCacheEntries, opts.ListCacheBytes
		if entries <= 0 {
			entries = DefaultListCacheEntries
		}
		if size <= 0 {
			size = DefaultListCacheBytes
		}
		if s.lists, err = newListCache(entries, size, s.registry); err != nil {
			return nil, fmt.Errorf("api: register list cache metrics: %w", err)
		}
	}
	s.hub = events.NewHub(opts.EventRingSize, strconv.FormatInt(s.now().UnixMilli(), 36))

	s.buffers.New = func() any { return new(bytes.Buffer) }
	s.channels = s.replies.Channels()
	s.routes = routeTable(s.channels)
	s.mux = http.NewServeMux()
	for _, rt := range s.routes {
		pattern := rt.Method + " " + rt.Path
		s.mux.Handle(pattern, s.routeHandler(rt))
		s.registered = append(s.registered, pattern)
	}
	if s.openapi, err = json.Marshal(openAPIDocument(s.routes, s.channels)); err != nil {
		return nil, fmt.Errorf("api: openapi document: %w", err)
	}

	flush := opts.TokenFlushInterval
	if flush <= 0 {
		flush = DefaultTokenFlushInterval
	}
	s.touch = newTokenToucher(s.store, s.log, flush)
	return s, nil
}

// SetAccounts replaces the configured accounts (a config reload); requests
// in flight keep the list they started with.
func (s *Server) SetAccounts(accounts []AccountInfo) {
	list := slices.Clone(accounts)
	s.accounts.Store(&list)
}

func (s *Server) accountList() []AccountInfo { return *s.accounts.Load() }

// HTTPServer returns an http.Server for this handler with every timeout
// set. The event stream lifts its own write deadline; shutting the server
// down ends the streams so Shutdown does not wait on them.
func (s *Server) HTTPServer(addr string) *http.Server {
	srv := &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(func() { s.endStreams() })
	return srv
}

// Shutdown ends every event stream (waiting for them to return, or for ctx),
// stops the token-flush loop and writes the pending last-used times.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shuttingDown.Store(true)
	idle := s.endStreams()
	var err error
	select {
	case <-idle:
	case <-ctx.Done():
		err = fmt.Errorf("api: event streams still open: %w", ctx.Err())
	}
	s.shutdownOnce.Do(func() {
		s.reroute.stop()
		if ferr := s.touch.stop(); ferr != nil && err == nil {
			err = ferr
		}
	})
	return err
}

// endStreams closes the event hub and returns a channel closed once no
// stream handler is running.
func (s *Server) endStreams() <-chan struct{} {
	s.streamMu.Lock()
	if s.streamsIdle == nil {
		s.streamsIdle = make(chan struct{})
		if s.streamsOpen == 0 {
			close(s.streamsIdle)
		}
	}
	idle := s.streamsIdle
	s.streamMu.Unlock()
	s.hub.Close()
	return idle
}

// streamRetryAfter is the Retry-After of a stream refused at a cap.
const streamRetryAfter = 30 * time.Second

// streamStarted takes a stream slot for the principal (key from
// principal.key), or says why not: shutting down (503) or a cap (429).
func (s *Server) streamStarted(key string) *Problem {
	s.streamMu.Lock()
	defer s.streamMu.Unlock()
	if s.streamsIdle != nil {
		return problem(http.StatusServiceUnavailable, "unavailable", "the server is shutting down")
	}
	var p *Problem
	switch {
	case s.maxStreamsPerUser > 0 && s.streamsBy[key] >= s.maxStreamsPerUser:
		p = problem(http.StatusTooManyRequests, "too-many-streams",
			fmt.Sprintf("this token already has %d event streams open, the most allowed; close one first", s.streamsBy[key]))
		s.metrics.streamsRefused.WithLabelValues("per_token").Inc()
	case s.maxStreams > 0 && s.streamsOpen >= s.maxStreams:
		p = problem(http.StatusTooManyRequests, "too-many-streams",
			fmt.Sprintf("the server has %d event streams open, the most allowed; try again later", s.streamsOpen))
		s.metrics.streamsRefused.WithLabelValues("total").Inc()
	}
	if p != nil {
		p.header = http.Header{"Retry-After": {retryAfter(streamRetryAfter)}}
		return p
	}
	s.streamsOpen++
	s.streamsBy[key]++
	return nil
}

func (s *Server) streamEnded(key string) {
	s.streamMu.Lock()
	defer s.streamMu.Unlock()
	if s.streamsBy[key]--; s.streamsBy[key] <= 0 {
		delete(s.streamsBy, key)
	}
	s.streamsOpen--
	if s.streamsOpen == 0 && s.streamsIdle != nil {
		select {
		case <-s.streamsIdle:
		default:
			close(s.streamsIdle)
		}
	}
}

// --- request plumbing

type ctxKey int

const (
	keyState ctxKey = iota
	keyPrincipal
)

// reqState travels in the request context so the outer middleware learns
// which route served the request (for metrics) and its id (for problems).
type reqState struct {
	id       string // always the server's own
	clientID string // the caller's X-Request-Id, logged apart and never trusted as ours
	route    string
}

func requestIDFrom(ctx context.Context) string {
	if st, ok := ctx.Value(keyState).(*reqState); ok {
		return st.id
	}
	return ""
}

// requestIDs are the log attributes naming a request: the server's id and,
// when the caller sent one, its own as a separate field.
func requestIDs(ctx context.Context) []any {
	st, ok := ctx.Value(keyState).(*reqState)
	switch {
	case !ok:
		return nil
	case st.clientID != "":
		return []any{"request_id", st.id, "client_request_id", st.clientID}
	}
	return []any{"request_id", st.id}
}

// ServeHTTP runs every request: request id, panic recovery, CORS,
// problem bodies for the mux's own 404/405, and metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	st := &reqState{id: newRequestID(), clientID: clientRequestID(r.Header.Get("X-Request-Id"))}
	r = r.WithContext(context.WithValue(r.Context(), keyState, st))
	sw := &statusWriter{ResponseWriter: w}
	sw.Header().Set("X-Request-Id", st.id)

	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", append(requestIDs(r.Context()), "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))...)
			if !sw.wrote {
				writeProblem(sw, r, problem(http.StatusInternalServerError, "internal", "internal error; the request id is in the log"))
			}
		}
		route := st.route
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(route, sw.code(), time.Since(start))
	}()

	if s.cors(sw, r) {
		return
	}
	if h, _ := s.mux.Handler(r); !isRouteHandler(h) {
		// The mux answers 404 / 405 (with Allow) and its path-cleaning
		// redirects in plain text or HTML; keep its status and headers,
		// send a problem body instead.
		s.mux.ServeHTTP(&muxErrorWriter{statusWriter: sw, r: r}, r)
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// routeHTTPHandler marks the handlers of the route table, so ServeHTTP can
// tell them from the mux's own 404, 405 and redirect handlers.
type routeHTTPHandler http.HandlerFunc

func (h routeHTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h(w, r) }

func isRouteHandler(h http.Handler) bool {
	_, ok := h.(routeHTTPHandler)
	return ok
}

// routeHandler wraps one route: auth, then the handler, then error mapping.
func (s *Server) routeHandler(rt route) http.Handler {
	label := rt.Method + " " + rt.Path
	return routeHTTPHandler(func(w http.ResponseWriter, r *http.Request) {
		if st, ok := r.Context().Value(keyState).(*reqState); ok {
			st.route = label
		}
		var p *principal
		var err error
		if len(r.Header.Values("Authorization")) > 1 {
			// Proxies and servers disagree on which of two wins.
			err = badRequest("Authorization", "the header is given more than once")
		} else {
			p, err = s.authorize(r, rt)
		}
		if err == nil {
			if p != nil {
				r = r.WithContext(context.WithValue(r.Context(), keyPrincipal, p))
			}
			if err = checkQuery(r, rt); err == nil {
				err = rt.Handle(s, w, r)
			}
		}
		if err != nil {
			var pr *Problem
			if errors.As(err, &pr) && pr.authReason != "" {
				s.noteAuthFailure(r, label, s.clientAddr(r), pr)
			}
			s.fail(w, r, err)
		}
	})
}

// fail sends err as a problem (unless the response already started) and
// logs server-side failures with the request id.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := toProblem(err)
	if p.Status >= 500 {
		s.log.Error("request failed", append(requestIDs(r.Context()), "method", r.Method,
			"path", r.URL.Path, "status", p.Status, "err", err)...)
	}
	if sw, ok := w.(*statusWriter); ok && sw.wrote {
		return
	}
	writeProblem(w, r, p)
}

// newRequestID makes the server's id of a request. A caller's X-Request-Id
// is never used as it: anyone could make two requests share an id in the
// log or plant a misleading one.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// clientRequestID is the caller's X-Request-Id when it is short and plain
// (logged as client_request_id for correlation); anything else is dropped.
func clientRequestID(in string) string {
	n := len(in)
	if n == 0 || n > 64 {
		return ""
	}
	for i := 0; i < n; i++ {
		c := in[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return ""
		}
	}
	return in
}

// cors sets CORS headers for allowed origins and answers preflights; it
// reports whether the request was fully handled.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || !(s.corsAny || s.corsOrigins[origin]) {
		return false
	}
	if r.Header.Get("Authorization") == "" && sessionCookie(r) != "" {
		// cors_origins are for bearer tokens: a cookie request from
		// another origin gets no CORS headers, so its answer stays unread.
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Expose-Headers", "Location, X-Request-Id, Content-Disposition")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Request-Id")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// statusWriter remembers the status for metrics and whether the response
// started; Unwrap lets http.ResponseController reach Flush and deadlines.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if !w.wrote {
		return http.StatusOK
	}
	return w.status
}

// muxErrorWriter turns the mux's plain-text 404/405 into problems.
type muxErrorWriter struct {
	*statusWriter
	r        *http.Request
	replaced bool
}

func (w *muxErrorWriter) WriteHeader(code int) {
	switch code {
	case http.StatusNotFound:
		w.replaced = true
		writeProblem(w.statusWriter, w.r, problem(code, "not-found", "no route matches "+w.r.URL.Path))
	case http.StatusMethodNotAllowed:
		w.replaced = true
		p := problem(code, "method-not-allowed", fmt.Sprintf("%s is not allowed here; allowed: %s", w.r.Method, w.Header().Get("Allow")))
		writeProblem(w.statusWriter, w.r, p)
	case http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		// Path cleaning (//x, /a/../b): Location stays; the body says where.
		w.replaced = true
		loc := w.Header().Get("Location")
		writeProblem(w.statusWriter, w.r, problem(code, "redirect", "the path is not in canonical form; use "+loc))
	default:
		w.statusWriter.WriteHeader(code)
	}
}

func (w *muxErrorWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil
	}
	return w.statusWriter.Write(b)
}

// writeJSON sends v with the given status, encoded before anything is
// written so an encoding failure is still a clean 500.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return writeBody(w, status, "application/json", append(b, '\n'))
}

func writeBody(w http.ResponseWriter, status int, contentType string, b []byte) error {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b) // a client gone mid-write is not our error
	return nil
}
