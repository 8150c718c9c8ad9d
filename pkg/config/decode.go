package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
)

// decoder walks the YAML node tree, collecting every error with its line.
type decoder struct {
	file     string
	getenv   func(string) (string, bool)
	readFile func(string) ([]byte, error) // for files the config names (holidays_file)
	errs     []*Error
	unset    map[string]string // key path → the unset environment variable it named
	// platforms decode the accounts' platform keys; nil leaves them undecoded.
	platforms []Platform
	warnings  []string
}

// channels are the registered platforms' channels; nil when the config is
// read without its platforms (then a channel is not checked).
func (d *decoder) channels() []inbox.Channel {
	if d.platforms == nil {
		return nil
	}
	out := make([]inbox.Channel, len(d.platforms))
	for i, p := range d.platforms {
		out[i] = p.Channel
	}
	return out
}

// platform is the registered platform of ch; the zero Platform when the
// config is read without its platforms or ch is unknown.
func (d *decoder) platform(ch inbox.Channel) Platform {
	for _, p := range d.platforms {
		if p.Channel == ch {
			return p
		}
	}
	return Platform{}
}

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// tabIndented reports whether line (1-based) of data is indented with a
// tab, which YAML forbids and the parser reports obscurely.
func tabIndented(data []byte, line int) bool {
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		return false
	}
	l := lines[line-1]
	indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
	return strings.Contains(indent, "\t")
}

// yamlLineErr matches go.yaml.in/yaml/v3's syntax errors, to report them in
// the same file:line form as every other error.
var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (d *decoder) document(data []byte) *Config {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		if m := yamlLineErr.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			msg := "invalid YAML: " + m[2]
			if tabIndented(data, line) {
				msg = "tabs are not allowed for indentation in YAML; use spaces"
			}
			d.errs = append(d.errs, &Error{File: d.file, Line: line, Msg: msg})
		} else {
			d.errs = append(d.errs, &Error{File: d.file, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")})
		}
		return nil
	}
	var top *yaml.Node
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		top = root.Content[0]
	}
	if top == nil || (top.Kind == yaml.MappingNode && len(top.Content) == 0) {
		d.warnings = append(d.warnings, fmt.Sprintf("%s is empty: inboxd runs with no accounts, and its data goes to the relative data_dir %s (from the directory it is started in); see config.example.yaml",
			d.file, DefaultDataDir))
	}

	cfg := &Config{
		DataDir:    DefaultDataDir,
		Timezone:   DefaultTimezone,
		BackoffMax: DefaultBackoffMax,
		Log:        Log{Level: DefaultLogLevel, Format: DefaultLogFormat},
		HTTP: HTTP{Listen: DefaultListen, MaxConnections: DefaultMaxConnections, MaxStreams: DefaultMaxStreams,
			MaxStreamsPerToken: DefaultMaxStreamsPerToken, MaxTokens: DefaultMaxTokens,
			AuthFailureLimit: DefaultAuthFailureLimit, AuthFailureWindow: DefaultAuthFailureWindow},

		TicketPrefix: DefaultTicketPrefix,
		Sessions: Sessions{IdleTimeout: inbox.DefaultSessionIdle, AbsoluteTimeout: inbox.DefaultSessionAbsolute,
			MaxFailures: inbox.DefaultSignInMaxFailures, Lockout: inbox.DefaultSignInLockout},
	}
	var tzNode, routingNode, slaNode, templatesNode *yaml.Node
	var calSpec *calendarSpec
	for _, e := range d.entries(top, "") {
		switch e.key {
		case "data_dir":
			d.str(e.val, e.key, &cfg.DataDir)
		case "timezone":
			d.str(e.val, e.key, &cfg.Timezone)
			tzNode = e.val
		case "backoff_max":
			d.duration(e.val, e.key, &cfg.BackoffMax)
		case "verify":
			d.verify(e.val, e.key, &cfg.Verify)
		case "log":
			d.log(e.val, e.key, &cfg.Log)
		case "http":
			d.http(e.val, e.key, &cfg.HTTP)
		case "public_url":
			if d.url(e.val, e.key, &cfg.PublicURL) {
				cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
				if u, _ := url.Parse(cfg.PublicURL); u != nil && (u.RawQuery != "" || u.Fragment != "") {
					d.errorf(e.val, e.key, "must not have a query or fragment: it is the address people open, e.g. https://inbox.example.go.id")
				}
			}
		case "sessions":
			d.sessions(e.val, e.key, &cfg.Sessions)
		case "quarantine":
			d.quarantine(e.val, e.key, &cfg.Quarantine)
		case "accounts":
			cfg.Accounts = d.accounts(e.val, e.key)
		case "calendar":
			calSpec = d.calendar(e.val, e.key)
		case "sla":
			slaNode = e.val // checked once the units are known
		case "ticket_prefix":
			d.ticketPrefix(e.val, e.key, &cfg.TicketPrefix)
		case "units":
			cfg.Units = d.units(e.val, e.key)
		case "routing":
			routingNode = e.val // checked once the units are known
		case "office_name":
			d.officeName(e.val, e.key, &cfg.OfficeName)
		case "templates_file":
			if d.str(e.val, e.key, &cfg.TemplatesFile) && cfg.TemplatesFile != "" {
				templatesNode = e.val // read once the units are known
			}
		default:
			d.unknown(e, "", slices.Concat(topKeys, unitTopKeys, reportTopKeys, templateTopKeys))
		}
	}
	if routingNode != nil {
		cfg.Routing = d.routing(routingNode, "routing", cfg.UnitCodes())
	}
	if slaNode != nil {
		cfg.SLA = d.sla(slaNode, "sla", cfg.UnitCodes())
	}
	if templatesNode != nil {
		cfg.Templates = d.templatesFile(templatesNode, "templates_file", cfg.TemplatesFile, cfg.UnitCodes())
	}
	d.autoAckTemplates(cfg)
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		d.errorf(tzNode, "timezone", "unknown time zone %q (use an IANA name such as Asia/Jakarta)", cfg.Timezone)
		loc = time.UTC // only to go on finding errors: this config is refused
	}
	cfg.Location = loc
	cfg.Calendar = d.buildCalendar(calSpec, loc)
	return cfg
}

var (
	topKeys    = []string{"data_dir", "timezone", "backoff_max", "verify", "public_url", "log", "http", "sessions", "quarantine", "accounts", "calendar", "sla", "ticket_prefix"}
	verifyKeys = []string{"max_attempts", "max_time"}
	// unitKeys are the units and routing keys (kept apart: many issues add top-level keys).
	unitTopKeys = []string{"units", "routing"}
	// reportTopKeys are the monthly report's.
	reportTopKeys = []string{"office_name"}
	// templateTopKeys are the reply templates' keys.
	templateTopKeys = []string{"templates_file"}
	sessionKeys     = []string{"idle_timeout", "absolute_timeout", "max_failures", "lockout"}
	quarKeys        = []string{"max_records", "max_age", "max_raw_bytes"}
	logKeys         = []string{"level", "format"}
	httpKeys        = []string{"listen", "metrics_public", "cors_origins", "trusted_origins", "bootstrap_admin_token", "max_connections", "max_streams",
		"max_streams_per_token", "max_tokens", "auth_failure_limit", "auth_failure_window", "trusted_proxies"}
	commonKeys = []string{"name", "platform", "schedule", "sources", "enabled", "auto_ack"}
)

func (d *decoder) log(n *yaml.Node, path string, l *Log) {
	for _, e := range d.entries(n, path) {
		p := join(path, e.key)
		switch e.key {
		case "level":
			if d.str(e.val, p, &l.Level) && !slices.Contains([]string{"debug", "info", "warn", "error"}, l.Level) {
				d.errorf(e.val, p, "must be debug, info, warn or error, not %q", l.Level)
			}
		case "format":
			if d.str(e.val, p, &l.Format) && l.Format != "text" && l.Format != "json" {
				d.errorf(e.val, p, "must be text or json, not %q", l.Format)
			}
		default:
			d.unknown(e, path, logKeys)
		}
	}
}

func (d *decoder) quarantine(n *yaml.Node, path string, q *Quarantine) {
	for _, e := range d.entries(n, path) {
		p := join(path, e.key)
		switch e.key {
		case "max_records":
			if d.integer(e.val, p, &q.MaxRecords) && q.MaxRecords < 1 {
				d.errorf(e.val, p, "must be at least 1, not %d", q.MaxRecords)
			}
		case "max_age":
			d.duration(e.val, p, &q.MaxAge)
		case "max_raw_bytes":
			if d.integer(e.val, p, &q.MaxRawBytes) && (q.MaxRawBytes < 1 || q.MaxRawBytes > MaxQuarantineRawBytes) {
				d.errorf(e.val, p, "must be between 1 and %d, not %d", MaxQuarantineRawBytes, q.MaxRawBytes)
			}
		default:
			d.unknown(e, path, quarKeys)
		}
	}
}

func (d *decoder) http(n *yaml.Node, path string, h *HTTP) {
	var connNode *yaml.Node
	for _, e := range d.entries(n, path) {
		p := join(path, e.key)
		switch e.key {
		case "max_connections":
			connNode = e.val
			d.positive(e.val, p, &h.MaxConnections)
		case "max_streams":
			d.positive(e.val, p, &h.MaxStreams)
		case "max_streams_per_token":
			d.positive(e.val, p, &h.MaxStreamsPerToken)
		case "max_tokens":
			d.positive(e.val, p, &h.MaxTokens)
		case "auth_failure_limit":
			d.positive(e.val, p, &h.AuthFailureLimit)
		case "auth_failure_window":
			d.duration(e.val, p, &h.AuthFailureWindow)
		case "trusted_proxies":
			for i, o := range d.list(e.val, p) {
				if err := checkProxy(o.value); err != nil {
					d.errorf(o.node, fmt.Sprintf("%s[%d]", p, i), "%v", err)
					continue
				}
				h.TrustedProxies = append(h.TrustedProxies, o.value)
			}
		case "listen":
			if d.str(e.val, p, &h.Listen) {
				if err := checkListen(h.Listen); err != nil {
					d.errorf(e.val, p, "%v", err)
				}
			}
		case "metrics_public":
			d.boolean(e.val, p, &h.MetricsPublic)
		case "cors_origins":
			for i, o := range d.list(e.val, p) {
				op := fmt.Sprintf("%s[%d]", p, i)
				origin, err := checkOrigin(o.value)
				if err != nil {
					d.errorf(o.node, op, "%v", err)
					continue
				}
				h.CORSOrigins = append(h.CORSOrigins, origin)
			}
		case "trusted_origins":
			for i, o := range d.list(e.val, p) {
				origin, err := checkOrigin(o.value)
				if err != nil {
					d.errorf(o.node, fmt.Sprintf("%s[%d]", p, i), "%v", err)
					continue
				}
				h.TrustedOrigins = append(h.TrustedOrigins, origin)
			}
		case "bootstrap_admin_token":
			if d.secret(e.val, p, &h.BootstrapAdminToken) && h.BootstrapAdminToken.IsSet() &&
				len(h.BootstrapAdminToken.Reveal()) < MinBootstrapTokenLen {
				d.errorf(e.val, p, "must be at least %d characters (e.g. the output of: openssl rand -hex 32)", MinBootstrapTokenLen)
			}
		default:
			d.unknown(e, path, httpKeys)
		}
	}
	if h.MaxStreamsPerToken > h.MaxStreams {
		h.MaxStreamsPerToken = h.MaxStreams
	}
	if h.MaxConnections < h.MaxStreams+MinConnectionHeadroom {
		d.errorf(connNode, join(path, "max_connections"), "must be at least max_streams + %d (%d), so held event streams leave room for other requests; it is %d",
			MinConnectionHeadroom, h.MaxStreams+MinConnectionHeadroom, h.MaxConnections)
	}
}

// positive reads a whole number of at least 1.
func (d *decoder) positive(n *yaml.Node, path string, dst *int) {
	v := *dst
	if d.integer(n, path, &v) {
		if v < 1 {
			d.errorf(n, path, "must be at least 1, not %d", v)
			return
		}
		*dst = v
	}
}

// checkProxy accepts an IP address or a CIDR prefix.
func checkProxy(s string) error {
	if strings.Contains(s, "/") {
		if _, err := netip.ParsePrefix(s); err != nil {
			return fmt.Errorf("%q is not a CIDR prefix (e.g. 10.0.0.0/8)", s)
		}
		return nil
	}
	if _, err := netip.ParseAddr(s); err != nil {
		return fmt.Errorf("%q is not an IP address or CIDR prefix (e.g. 10.0.0.1 or 10.0.0.0/8)", s)
	}
	return nil
}

// verify reads the bounds of verifying an unknown reply; zero keeps the
// scheduler's defaults.
func (d *decoder) verify(n *yaml.Node, path string, v *Verify) {
	for _, e := range d.entries(n, path) {
		p := join(path, e.key)
		switch e.key {
		case "max_attempts":
			if d.integer(e.val, p, &v.MaxAttempts) && (v.MaxAttempts < 1 || v.MaxAttempts > 10000) {
				d.errorf(e.val, p, "must be between 1 and 10000, not %d", v.MaxAttempts)
			}
		case "max_time":
			d.duration(e.val, p, &v.MaxTime)
		default:
			d.unknown(e, path, verifyKeys)
		}
	}
}

func (d *decoder) sessions(n *yaml.Node, path string, s *Sessions) {
	for _, e := range d.entries(n, path) {
		p := join(path, e.key)
		switch e.key {
		case "idle_timeout":
			d.duration(e.val, p, &s.IdleTimeout)
		case "absolute_timeout":
			d.duration(e.val, p, &s.AbsoluteTimeout)
		case "max_failures":
			if d.integer(e.val, p, &s.MaxFailures) && (s.MaxFailures < 1 || s.MaxFailures > 1000) {
				d.errorf(e.val, p, "must be between 1 and 1000, not %d", s.MaxFailures)
			}
		case "lockout":
			d.duration(e.val, p, &s.Lockout)
		default:
			d.unknown(e, path, sessionKeys)
		}
	}
	if s.IdleTimeout > s.AbsoluteTimeout {
		d.errorf(n, path, "idle_timeout (%s) must not be longer than absolute_timeout (%s)", s.IdleTimeout, s.AbsoluteTimeout)
	}
}

var accountName = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

func (d *decoder) accounts(n *yaml.Node, path string) []Account {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "must be a list of accounts (each item starting with \"- name: ...\")")
		return nil
	}
	seen := map[string]int{} // name -> line
	accounts := make([]Account, 0, len(n.Content))
	for i, an := range n.Content {
		a := d.account(an, fmt.Sprintf("%s[%d]", path, i), seen)
		accounts = append(accounts, a)
	}
	return accounts
}

func (d *decoder) account(n *yaml.Node, path string, seen map[string]int) Account {
	a := Account{Schedule: DefaultSchedule, Enabled: true}
	n = resolve(n)
	if isNull(n) || n.Kind != yaml.MappingNode {
		d.errorf(n, path, "must be a mapping with name, platform and the platform's keys")
		return a
	}
	entries := d.entries(n, path)

	// The platform decides which other keys are allowed, so read it first.
	var nameNode, sourcesNode, autoAckNode *yaml.Node
	var plat *Platform
	for _, e := range entries {
		if e.key != "platform" {
			continue
		}
		var p string
		if d.str(e.val, join(path, e.key), &p) {
			a.Platform = inbox.Channel(p)
			i := slices.IndexFunc(d.platforms, func(pl Platform) bool { return pl.Channel == a.Platform })
			switch {
			case p == "":
				d.errorf(e.val, join(path, e.key), "is required (%s)", platformNames(d.platforms))
			case i >= 0:
				plat = &d.platforms[i]
			case d.platforms != nil:
				d.errorf(e.val, join(path, e.key), "unknown platform %q (use %s)", p, platformNames(d.platforms))
			}
		}
	}
	if plat != nil && plat.Schedule != "" {
		a.Schedule = plat.Schedule
	}

	var own []Key // the platform's keys, for its decoder
	for _, e := range entries {
		p := join(path, e.key)
		switch {
		case e.key == "platform":
		case e.key == "name":
			nameNode = e.val
			if d.str(e.val, p, &a.Name) {
				switch {
				case a.Name == "":
					d.errorf(e.val, p, "is required")
				case !accountName.MatchString(a.Name):
					d.errorf(e.val, p, "%q must be 1-64 characters of a-z, 0-9, _ and -", a.Name)
				}
			}
		case e.key == "schedule":
			if d.str(e.val, p, &a.Schedule) {
				if _, err := ParseSchedule(a.Schedule); err != nil {
					d.errorf(e.val, p, "%v", err)
				}
			}
		case e.key == "sources":
			sourcesNode = e.val
			for _, s := range d.list(e.val, p) {
				a.Sources = append(a.Sources, s.value)
			}
			if a.Sources == nil {
				a.Sources = []string{} // listed but empty: reported below
			}
		case e.key == "enabled":
			d.boolean(e.val, p, &a.Enabled)
		case e.key == "auto_ack":
			autoAckNode = e.val // decoded once the platform is known
		case plat != nil && slices.Contains(plat.Keys, e.key):
			own = append(own, Key{Name: e.key, Path: p, Node: e.keyNode, Value: e.val})
		case d.platforms == nil:
			// No platform decoders: the platform keys are left undecoded.
		default:
			if other := d.platformOf(e.key); other != "" {
				if plat != nil {
					d.errorf(e.keyNode, p, "is a %s key; this account's platform is %s", other, plat.Channel)
				}
				continue // an unknown platform is reported once, not each of its keys
			}
			known := slices.Clone(commonKeys)
			if plat != nil {
				known = append(known, plat.Keys...)
			} else {
				for _, pl := range d.platforms {
					known = append(known, pl.Keys...)
				}
			}
			d.unknown(e, path, known)
		}
	}

	if nameNode == nil {
		d.errorf(n, join(path, "name"), "is required")
	} else if a.Name != "" {
		if line, dup := seen[a.Name]; dup {
			d.errorf(nameNode, join(path, "name"), "duplicate account name %q (first used on line %d)", a.Name, line)
		} else {
			seen[a.Name] = nameNode.Line
		}
	}
	if a.Platform == "" {
		d.errorf(n, join(path, "platform"), "is required (%s)", platformNames(d.platforms))
	}
	if plat != nil {
		d.sources(&a, plat.Sources, sourcesNode, join(path, "sources"))
		a.Settings = plat.Decode(&Block{d: d, node: n, path: path, keys: own, Account: a.Name, Platform: a.Platform, Schedule: a.Schedule})
	}
	if autoAckNode != nil {
		a.AutoAck = d.autoAck(autoAckNode, join(path, "auto_ack"), a.Platform)
	}
	return a
}

// platformOf names the platform that owns an account key ("" for none).
func (d *decoder) platformOf(key string) inbox.Channel {
	for _, pl := range d.platforms {
		if slices.Contains(pl.Keys, key) {
			return pl.Channel
		}
	}
	return ""
}

func (d *decoder) sources(a *Account, known []string, n *yaml.Node, path string) {
	if a.Sources == nil {
		a.Sources = slices.Clone(known)
		return
	}
	if len(a.Sources) == 0 {
		d.errorf(n, path, "lists no source (omit the key to poll all, or set enabled: false)")
		return
	}
	seen := map[string]bool{}
	for i, s := range a.Sources {
		p := fmt.Sprintf("%s[%d]", path, i)
		if !slices.Contains(known, s) {
			d.errorf(n, p, "unknown %s source %q (use %s)", a.Platform, s, strings.Join(known, ", "))
		} else if seen[s] {
			d.errorf(n, p, "source %q listed twice", s)
		}
		seen[s] = true
	}
}

// --- generic node helpers

type entry struct {
	key     string
	keyNode *yaml.Node
	val     *yaml.Node
}

// entries returns a mapping's key/value pairs in file order, reporting a
// node that is not a mapping and duplicate keys. A null node has no entries.
func (d *decoder) entries(n *yaml.Node, path string) []entry {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "must be a mapping of keys to values, not %s", kindName(n))
		return nil
	}
	out := make([]entry, 0, len(n.Content)/2)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k.Kind != yaml.ScalarNode {
			d.errorf(n.Content[i], path, "keys must be plain names")
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.errorf(k, join(path, k.Value), "duplicate key (first on line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, entry{key: k.Value, keyNode: k, val: n.Content[i+1]})
	}
	return out
}

func (d *decoder) unknown(e entry, path string, known []string) {
	d.errorf(e.keyNode, join(path, e.key), "unknown key (known keys here: %s)", strings.Join(known, ", "))
}

// scalar returns a scalar's value with ${VAR} expanded; ok is false when an
// error was reported. A null node is "".
func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	n = resolve(n)
	if isNull(n) {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "must be a single value, not %s", kindName(n))
		return "", false
	}
	v, err := expand(n.Value, d.getenv)
	if err != nil {
		if ue, ok := err.(*unsetEnvError); ok {
			if d.unset == nil {
				d.unset = map[string]string{}
			}
			d.unset[path] = ue.name
		}
		d.errorf(n, path, "%v", err)
		return "", false
	}
	return v, true
}

// str sets *dst unless the value is empty (keeping the default).
func (d *decoder) str(n *yaml.Node, path string, dst *string) bool {
	v, ok := d.scalar(n, path)
	if ok && v != "" {
		*dst = v
	}
	return ok
}

func (d *decoder) secret(n *yaml.Node, path string, dst *Secret) bool {
	v, ok := d.scalar(n, path)
	if ok {
		*dst = Secret(v)
	}
	return ok
}

func (d *decoder) boolean(n *yaml.Node, path string, dst *bool) bool {
	v, ok := d.scalar(n, path)
	if !ok || v == "" {
		return ok
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		d.errorf(n, path, "must be true or false, not %q", v)
		return false
	}
	*dst = b
	return true
}

func (d *decoder) integer(n *yaml.Node, path string, dst *int) bool {
	v, ok := d.scalar(n, path)
	if !ok || v == "" {
		return false
	}
	i, err := strconv.Atoi(v)
	if err != nil {
		d.errorf(n, path, "must be a whole number, not %q", v)
		return false
	}
	*dst = i
	return true
}

func (d *decoder) duration(n *yaml.Node, path string, dst *time.Duration) bool {
	v, ok := d.scalar(n, path)
	if !ok || v == "" {
		return false
	}
	dur, err := time.ParseDuration(v)
	if err != nil {
		d.errorf(n, path, "%q is not a duration (write e.g. 90s, 15m or 72h)", v)
		return false
	}
	if dur <= 0 {
		d.errorf(n, path, "must be positive, not %s", v)
		return false
	}
	*dst = dur
	return true
}

func (d *decoder) url(n *yaml.Node, path string, dst *string) bool {
	v, ok := d.scalar(n, path)
	if !ok || v == "" {
		return false
	}
	// Errors show the URL without any user:password in it: a config error
	// is logged (a refused SIGHUP reload), and no secret may reach a log.
	u, err := url.Parse(v)
	switch {
	case err != nil:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the whole value
		}
		d.errorf(n, path, "not a valid URL: %v", err)
		return false
	case u.Scheme != "http" && u.Scheme != "https":
		d.errorf(n, path, "%q must be an http or https URL", u.Redacted())
		return false
	case u.Host == "":
		d.errorf(n, path, "%q has no host", u.Redacted())
		return false
	case u.User != nil:
		d.errorf(n, path, "must not carry credentials; put them in their own keys")
		return false
	}
	*dst = v
	return true
}

type listItem struct {
	value string
	node  *yaml.Node
}

// list returns a sequence of scalars; null is an absent list (nil).
func (d *decoder) list(n *yaml.Node, path string) []listItem {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "must be a list, e.g. [a, b], not %s", kindName(n))
		return nil
	}
	out := make([]listItem, 0, len(n.Content))
	for i, c := range n.Content {
		v, ok := d.scalar(c, fmt.Sprintf("%s[%d]", path, i))
		if ok {
			out = append(out, listItem{value: v, node: resolve(c)})
		}
	}
	return out
}

func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "an empty value"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q must be host:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080", addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%q: port must be a number from 0 to 65535", addr)
	}
	return nil
}

// checkOrigin accepts scheme://host[:port] (a trailing slash is dropped),
// which is what browsers send in the Origin header.
func checkOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q must be an origin like https://console.example.go.id (scheme://host[:port], no path)", s)
	}
	return u.Scheme + "://" + u.Host, nil
}

// scheduleParser accepts 5-field cron specs and descriptors (@every 1m,
// @hourly, ...); the scheduler must parse with the same options.
var scheduleParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses an account's schedule exactly as the scheduler does:
// a 5-field cron spec (minute hour day-of-month month day-of-week, optionally
// prefixed with CRON_TZ=Zone) or a descriptor such as "@every 1m".
func ParseSchedule(spec string) (s cron.Schedule, err error) {
	// robfig/cron panics on some malformed specs (e.g. "CRON_TZ=UTC" alone).
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("invalid schedule %q", spec)
		}
	}()
	if every, ok := strings.CutPrefix(spec, "@every "); ok {
		if dur, perr := time.ParseDuration(strings.TrimSpace(every)); perr == nil && dur < time.Second {
			return nil, fmt.Errorf("invalid schedule %q: @every needs at least 1s", spec)
		}
	}
	s, err = scheduleParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %v (use e.g. \"@every 1m\" or \"*/5 * * * *\")", spec, err)
	}
	return s, nil
}
