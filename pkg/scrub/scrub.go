// Package scrub is the one place where upstream errors become text: it
// removes every registered credential and anything shaped like one from a
// message, and bounds its length, before the message reaches a log, the
// stored account state, the API or a metric.
//
// cmd/inboxd builds one Scrubber, registers every configured credential of
// every account with it (again on each reload), and hands it down: the
// scheduler turns poll and send errors into stored text through it, and the
// root logger's handler runs every record through it. A connector or
// notifier that learns a new secret at run time (a rotated OAuth 2.0 token)
// registers it with Add. Nothing here is global.
package scrub

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Redacted replaces what is removed.
const Redacted = "[redacted]"

// DefaultMaxLen bounds a scrubbed message, in bytes: upstream error bodies
// can be long, and a state or log line has no use for all of it.
const DefaultMaxLen = 512

// MinSecretLen is the shortest secret taken: shorter strings would blank out
// ordinary words.
const MinSecretLen = 4

// shapes are credentials recognised by their form, whoever they belong to.
var shapes = []struct {
	re   *regexp.Regexp
	repl string
}{
	// OAuth 1.0a parameters: oauth_token="...", oauth_signature=...
	{regexp.MustCompile(`(?i)(oauth_[a-z_]+\s*=\s*\\?"?)[^"\\,&\s]*`), "${1}" + Redacted},
	// An HTTP Authorization header, echoed in text or JSON ("Authorization":
	// ["OAuth ..."]); the value runs to the end of the line or the quote
	// (after the OAuth parameters above, whose quotes it would stop at).
	{regexp.MustCompile(`(?i)(authorization\\?"?\s*[:=]\s*\[?\s*\\?"?)[^"\\\r\n\]]*`), "${1}" + Redacted},
	// Tokens in a query or form: access_token=..., refresh_token=..., ...
	{regexp.MustCompile(`(?i)\b((?:access|refresh|id|page|bearer)_token|client_secret|app_secret|appsecret_proof|code_verifier|password)(\\?"?\s*[=:]\s*\\?"?)[^"\\&\s,}]*`), "${1}${2}" + Redacted},
	// Bearer and Basic credentials outside an Authorization header.
	{regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}`), "${1} " + Redacted},
	// A bot token in a URL path (Telegram-style notifiers): /bot<id>:<secret>/
	{regexp.MustCompile(`/bot[0-9]+:[A-Za-z0-9_-]+`), "/bot" + Redacted},
}

// Scrubber removes secrets from text. The zero value is not usable; use New.
type Scrubber struct {
	maxLen int

	mu       sync.RWMutex
	secrets  map[string]bool
	replacer *strings.Replacer
}

// New returns a Scrubber that bounds messages to maxLen bytes
// (DefaultMaxLen when maxLen <= 0).
func New(maxLen int) *Scrubber {
	if maxLen <= 0 {
		maxLen = DefaultMaxLen
	}
	return &Scrubber{maxLen: maxLen, secrets: map[string]bool{}, replacer: strings.NewReplacer()}
}

// Add registers secrets to remove, with their URL-encoded forms (a token
// travels in query strings and OAuth headers percent-encoded). Strings
// shorter than MinSecretLen are ignored. Secrets stay registered: a rotated
// token may still appear in an old error.
func (s *Scrubber) Add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	for _, sec := range secrets {
		if len(sec) < MinSecretLen {
			continue
		}
		for _, v := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec)} {
			if !s.secrets[v] {
				s.secrets[v] = true
				changed = true
			}
		}
	}
	if !changed {
		return
	}
	// Longest first, so a secret containing another is removed whole.
	all := make([]string, 0, len(s.secrets))
	for v := range s.secrets {
		all = append(all, v)
	}
	slices.SortFunc(all, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(all))
	for _, v := range all {
		pairs = append(pairs, v, Redacted)
	}
	s.replacer = strings.NewReplacer(pairs...)
}

// Clean removes registered secrets and credential shapes from text, without
// bounding its length.
func (s *Scrubber) Clean(text string) string {
	s.mu.RLock()
	r := s.replacer
	s.mu.RUnlock()
	text = r.Replace(text)
	for _, sh := range shapes {
		text = sh.re.ReplaceAllString(text, sh.repl)
	}
	return text
}

// String is Clean, then bounded to the Scrubber's length.
func (s *Scrubber) String(text string) string {
	return truncate(s.Clean(text), s.maxLen)
}

// Error is the text of err as it may leave inboxd ("" for nil).
func (s *Scrubber) Error(err error) string {
	if err == nil {
		return ""
	}
	return s.String(err.Error())
}

// truncate cuts text to at most n bytes on a character boundary, marking
// the cut.
func truncate(text string, n int) string {
	if len(text) <= n {
		return text
	}
	const mark = "…"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + mark
}
