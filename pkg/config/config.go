// Package config loads inboxd's YAML configuration.
//
// The file is decoded node by node (go.yaml.in/yaml/v3's yaml.Node), so every
// error names the file, the line and the key path, e.g.
//
//	config.yaml:14: accounts[1].schedule: invalid cron spec "* * *": ...
//
// Scalar values may reference environment variables: ${NAME} is replaced by
// the variable's value and is an error when the variable is not set;
// ${NAME:-fallback} uses fallback when NAME is unset or empty (so ${NAME:-}
// makes a value optional); $${ is a literal "${". Expansion happens after the
// YAML is parsed, so a secret may contain any character without quoting.
//
// Unknown keys are rejected, keys of the other platform on an account are
// rejected, and all errors are reported at once (errors.Join of *Error).
// An empty value means "use the default". Secrets are held as Secret, which
// never prints its value.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/rules"
)

// Defaults, applied when a key is missing or empty.
const (
	DefaultDataDir    = "./data"
	DefaultTimezone   = "Asia/Jakarta"
	DefaultBackoffMax = 15 * time.Minute
	DefaultLogLevel   = "info"
	DefaultLogFormat  = "text"
	DefaultListen     = "127.0.0.1:8080"
	DefaultSchedule   = "@every 1m"
	// MinBootstrapTokenLen keeps a guessable bootstrap admin token out of a
	// daemon that may listen on a public address.
	MinBootstrapTokenLen = 16

	// Caps of the HTTP API (docs/LIMITS.md).
	DefaultMaxConnections     = 1200
	DefaultMaxStreams         = 1000
	DefaultMaxStreamsPerToken = 20
	DefaultMaxTokens          = 500
	DefaultAuthFailureLimit   = 20
	DefaultAuthFailureWindow  = time.Minute
	// MinConnectionHeadroom is how many connections max_connections must
	// keep beyond max_streams, so held streams never starve /healthz,
	// /readyz and ordinary requests.
	MinConnectionHeadroom = 32
)

// Verify bounds how long the outbox verifies a reply left unknown (it may
// have reached the platform) before leaving it to an operator's decision.
// Zero values mean the scheduler's defaults.
type Verify struct {
	MaxAttempts int           // Verify calls that did not resolve it
	MaxTime     time.Duration // since the send that left it unknown
}

// Config is the whole configuration, with defaults applied and validated.
type Config struct {
	DataDir    string         // where the data file lives; relative to the working directory
	Timezone   string         // IANA name: month boundaries of reports, the office calendar, ticket years
	Location   *time.Location // Timezone, loaded
	BackoffMax time.Duration  // ceiling of the retry backoff of polls and sends
	// Warnings are things a valid config may still get wrong (an empty
	// file, INBOXD_ADMIN_TOKEN set but unused); commands print them.
	Warnings   []string
	Verify     Verify // bounds of verifying a reply left unknown
	Log        Log
	HTTP       HTTP
	Quarantine Quarantine
	Accounts   []Account

	// Calendar is the office's opening hours and holidays in Location
	// (the default hours when the config sets none); never nil.
	Calendar *calendar.Calendar
	// SLA are the deadline policies, first match wins; none means items
	// get no deadlines.
	SLA calendar.Policies
	// TicketPrefix starts ticket numbers: UP4-2026-000123.
	TicketPrefix string

	// Units are the government offices items are routed to; nil when the
	// file has no units: key (units are then free text).
	Units []inbox.Unit
	// Routing is the ordered routing rules, checked (they compile with
	// rules.Compile against Units).
	Routing []rules.Rule

	// TemplatesFile is templates_file as written ("" none); Templates are
	// its reply templates, checked. They seed the store when it has none.
	TemplatesFile string
	Templates     []inbox.Template

	// PublicURL is the address people open to reach inboxd (no trailing
	// slash), e.g. https://inbox.example.go.id; set-password links are
	// built on it. Empty: links are printed as a path alone.
	PublicURL string
	Sessions  Sessions

	// OfficeName heads the monthly report's page, e.g. "UP4 Diskominfo
	// Kabupaten Kendal"; empty: the page has no office line.
	OfficeName string
}

// Sessions configures people's sign-in sessions and sign-in throttling.
type Sessions struct {
	IdleTimeout     time.Duration // a session unused this long ends
	AbsoluteTimeout time.Duration // a session ends this long after sign-in, used or not
	// MaxFailures failed sign-ins in a row (per username, and per client
	// address) lock further tries for Lockout.
	MaxFailures int
	Lockout     time.Duration
}

// UnitCodes returns the configured unit codes in file order (nil: units are
// free text).
func (c *Config) UnitCodes() []string {
	if c.Units == nil {
		return nil
	}
	codes := make([]string, len(c.Units))
	for i, u := range c.Units {
		codes[i] = u.Code
	}
	return codes
}

// Quarantine bounds the records polls could not use (GET
// /api/v1/quarantine). Zero values take the store's defaults: 10000
// records, 720h, 65536 bytes.
type Quarantine struct {
	MaxRecords  int           // all accounts together; the oldest go first
	MaxAge      time.Duration // older records go
	MaxRawBytes int           // each record's raw payload is cut to this
}

// MaxQuarantineRawBytes bounds quarantine.max_raw_bytes.
const MaxQuarantineRawBytes = 1 << 20

// Log configures log/slog.
type Log struct {
	Level  string // debug, info, warn, error
	Format string // text, json
}

// SlogLevel is Level as a slog.Level.
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// HTTP configures the API server.
type HTTP struct {
	Listen        string   // host:port; port 0 picks a free port
	MetricsPublic bool     // serve /metrics without a token
	CORSOrigins   []string // origins allowed to call the API from a browser (bearer tokens only)
	// TrustedOrigins may send cookie-authenticated state-changing requests
	// besides the request's own Host: for a reverse proxy that rewrites Host.
	TrustedOrigins []string
	// BootstrapAdminToken is accepted as an admin token, so a fresh
	// container can create its first real tokens through the API.
	BootstrapAdminToken Secret

	MaxConnections     int // connections served at once; more are answered 503
	MaxStreams         int // event streams open at once, in total
	MaxStreamsPerToken int // event streams open at once per token (per user when users log in)
	MaxTokens          int // API tokens that may exist
	// AuthFailureLimit failed authentications from one client address
	// within AuthFailureWindow make its further attempts 429s until the
	// window ends.
	AuthFailureLimit  int
	AuthFailureWindow time.Duration
	// TrustedProxies are addresses or CIDR prefixes of reverse proxies
	// whose X-Forwarded-For names the client.
	TrustedProxies []string
}

// Account is one platform account to poll and answer through.
type Account struct {
	Name     string
	Platform inbox.Channel
	Schedule string   // robfig/cron spec or descriptor, e.g. "@every 1m"
	Sources  []string // subset of the platform's sources
	Enabled  bool
	// AutoAck is the automatic acknowledgement of new items (nil: none),
	// a key of every platform's accounts.
	AutoAck *AutoAck

	// Settings are the platform's keys as its Platform.Decode returned them
	// (e.g. *facebook.Settings); nil when Parse was given no platforms.
	Settings any
}

// Error is one configuration problem, located in the file.
type Error struct {
	File string
	Line int    // 0 when unknown
	Path string // key path, e.g. accounts[1].schedule; "" for the document
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Path == "" {
		return loc + ": " + e.Msg
	}
	return loc + ": " + e.Path + ": " + e.Msg
}

// Load reads and parses the file at path. getenv resolves ${VAR}
// references (os.LookupEnv in the daemon; nil means an empty environment).
// platforms decode the accounts' platform keys (see Parse).
func Load(path string, getenv func(string) (string, bool), platforms ...Platform) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, getenv, platforms...)
}

// Parse parses a configuration; name is used in error messages. It returns
// every problem found, joined (each is an *Error, or a YAML syntax error).
//
// platforms decode the accounts' platform keys (cmd/inboxd passes
// connectors/registry's); an account naming another platform is an error.
// Without platforms, a tool that reads only the office's settings (units,
// routing, calendar) gets the accounts' common keys and leaves their
// platform keys undecoded (Settings nil).
func Parse(name string, data []byte, getenv func(string) (string, bool), platforms ...Platform) (*Config, error) {
	if getenv == nil {
		getenv = func(string) (string, bool) { return "", false }
	}
	used := map[string]bool{}
	lookup := getenv
	d := &decoder{file: name, readFile: os.ReadFile, platforms: platforms, getenv: func(n string) (string, bool) {
		used[n] = true
		return lookup(n)
	}}
	cfg := d.document(data)
	d.errs = d.requiredOnce()
	if len(d.errs) > 0 {
		// File order reads best; errors of one line keep their order.
		slices.SortStableFunc(d.errs, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
		errs := make([]error, len(d.errs))
		for i, e := range d.errs {
			errs[i] = e
		}
		return nil, errors.Join(errs...)
	}
	if v, ok := getenv(BootstrapTokenEnv); ok && v != "" && !used[BootstrapTokenEnv] {
		d.warnings = append(d.warnings, fmt.Sprintf("%s is set in the environment, but %s does not use it, so it grants nothing; "+
			"to enable the bootstrap admin token, set http.bootstrap_admin_token: ${%s}", BootstrapTokenEnv, name, BootstrapTokenEnv))
	}
	cfg.Warnings = d.warnings
	return cfg, nil
}

// BootstrapTokenEnv is the environment variable the shipped configs read
// the bootstrap admin token from.
const BootstrapTokenEnv = "INBOXD_ADMIN_TOKEN"

// requiredOnce reports a required key whose ${VAR} is not set once: the
// "is required" error goes, and the variable's error says what to set.
func (d *decoder) requiredOnce() []*Error {
	out := d.errs[:0:0]
	required := map[string]bool{}
	for _, e := range d.errs {
		if _, ok := d.unset[e.Path]; ok && strings.HasPrefix(e.Msg, "is required") {
			required[e.Path] = true
		}
	}
	for _, e := range d.errs {
		name, unset := d.unset[e.Path]
		switch {
		case unset && strings.HasPrefix(e.Msg, "is required"):
			continue
		case unset && required[e.Path] && strings.HasPrefix(e.Msg, "environment variable"):
			e.Msg = fmt.Sprintf("environment variable %s is not set; this key is required: set %s", name, name)
		}
		out = append(out, e)
	}
	return out
}

// RuleSet compiles the routing rules (Parse has checked them already).
func (c *Config) RuleSet() (*rules.Set, error) {
	return rules.Compile(c.Routing, c.UnitCodes())
}
