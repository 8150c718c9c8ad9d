// Package rules routes citizens' messages: an ordered list of named rules,
// each a set of matchers (words, a regex, channel, account, kind, author)
// and what it sets (unit, tags, priority, assignee, status). The first rule
// whose matchers all match wins, and only that rule applies; a message no
// rule matches stays unrouted (the rules never guess).
//
// Words and phrases match whole words of the text after textnorm has
// normalised both the text and the rule's words. A word ending in "*"
// matches any word it starts ("sampah*" matches "sampahnya"). The package
// is pure: no I/O, and a compiled Set is safe for concurrent use.
package rules

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/textnorm"
)

// Rule is one routing rule as configured.
type Rule struct {
	Name string

	// Matchers: every one given must match.
	AnyWords     []string // at least one of these words or phrases
	AllWords     []string // every one of these
	Regex        string   // RE2, on the normalised text
	Channel      string   // facebook, twitter, ...
	Account      string   // account name from the config
	Kind         string   // message, comment, mention
	AuthorHandle string   // the author's handle, with or without @

	// Effects: at least one is set.
	Unit     string
	Tags     []string
	Priority string
	Assignee string
	Status   string // only "ignored" (spam)
}

// Input is what a rule sees of an item.
type Input struct {
	Text         string
	Channel      string
	Account      string
	Kind         string
	AuthorHandle string
}

// Result is what the matching rule sets; empty fields are left alone.
type Result struct {
	Rule     string
	Unit     string
	Tags     []string
	Priority string
	Assignee string
	Status   string
}

// Error is a problem with one rule; Index is its place in the list and
// Field the key ("" for the rule as a whole).
type Error struct {
	Index int
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("rule %d: %s", e.Index, e.Msg)
	}
	return fmt.Sprintf("rule %d: %s: %s", e.Index, e.Field, e.Msg)
}

// MaxNameLen bounds a rule name (it is written in audit entries).
const MaxNameLen = 64

var ruleName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

// Set is a compiled, ordered list of rules.
type Set struct {
	rules   []compiled
	phrases []phrase
	// byFirst finds the phrases that start with a word; prefixes the
	// one-word prefix phrases ("sampah*"), by prefix.
	byFirst  map[string][]int
	prefixes map[string][]int
	// prefixLens are the distinct prefix lengths in bytes, to look up.
	prefixLens []int
}

type phrase struct {
	words  []string
	prefix bool // the last word matches any word it starts
}

type compiled struct {
	Rule
	anyIDs, allIDs []int
	re             *regexp.Regexp
	handle         string // lower case, without @
}

// Compile checks and compiles rules. units, when not nil, lists the
// configured unit codes a rule may set; channels, when given, the channels
// a rule may match (the registered platforms: this package names none).
// Every problem is reported, joined (each an *Error).
func Compile(rs []Rule, units []string, channels ...inbox.Channel) (*Set, error) {
	s := &Set{byFirst: map[string][]int{}, prefixes: map[string][]int{}}
	phraseID := map[string]int{}
	seen := map[string]int{}
	var errs []error
	bad := func(i int, field, format string, args ...any) {
		errs = append(errs, &Error{Index: i, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	for i, r := range rs {
		c := compiled{Rule: r}
		switch {
		case r.Name == "":
			bad(i, "name", "is required")
		case len(r.Name) > MaxNameLen || !ruleName.MatchString(r.Name):
			bad(i, "name", "%q must be 1-%d characters of a-z, 0-9, -, _ and ., starting with a letter or digit", r.Name, MaxNameLen)
		default:
			if first, dup := seen[r.Name]; dup {
				bad(i, "name", "duplicate rule name %q (first is rule %d)", r.Name, first)
			}
			seen[r.Name] = i
		}
		for _, list := range []struct {
			field string
			words []string
			ids   *[]int
		}{{"any_words", r.AnyWords, &c.anyIDs}, {"all_words", r.AllWords, &c.allIDs}} {
			for j, w := range list.words {
				p, ok := parsePhrase(w)
				if !ok {
					bad(i, fmt.Sprintf("%s[%d]", list.field, j), "%q has no letters or digits to match", w)
					continue
				}
				key := strings.Join(p.words, " ")
				if p.prefix {
					key += "*"
				}
				id, known := phraseID[key]
				if !known {
					id = len(s.phrases)
					phraseID[key] = id
					s.phrases = append(s.phrases, p)
					s.index(id, p)
				}
				*list.ids = append(*list.ids, id)
			}
		}
		if r.Regex != "" {
			re, err := regexp.Compile(r.Regex)
			if err != nil {
				bad(i, "regex", "not a valid RE2 regular expression: %v", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
			c.re = re
		}
		if r.Channel != "" && channels != nil && !slices.Contains(channels, inbox.Channel(r.Channel)) {
			bad(i, "channel", "unknown channel %q (use %s)", r.Channel, joinNames(channels))
		}
		if r.Kind != "" && !inbox.Kind(r.Kind).Valid() {
			bad(i, "kind", "unknown kind %q (use %s)", r.Kind, joinNames(inbox.Kinds))
		}
		c.handle = strings.ToLower(strings.TrimPrefix(r.AuthorHandle, "@"))
		if len(r.AnyWords)+len(r.AllWords) == 0 && r.Regex == "" && r.Channel == "" && r.Account == "" && r.Kind == "" && r.AuthorHandle == "" {
			bad(i, "", "has no matcher (any_words, all_words, regex, channel, account, kind or author_handle): it would route every message")
		}
		if r.Unit == "" && len(r.Tags) == 0 && r.Priority == "" && r.Assignee == "" && r.Status == "" {
			bad(i, "", "sets nothing: give at least one of unit, tags, priority, assignee, status")
		}
		if r.Unit != "" {
			switch {
			case units != nil && !slices.Contains(units, r.Unit):
				bad(i, "unit", "unknown unit %q (configured units: %s)", r.Unit, strings.Join(units, ", "))
			case !inbox.ValidUnitCode(r.Unit) && units == nil && !plainText(r.Unit, 100):
				bad(i, "unit", "%q must be printable text of at most 100 characters", r.Unit)
			}
		}
		if len(r.Tags) > inbox.MaxTags {
			bad(i, "tags", "at most %d tags", inbox.MaxTags)
		}
		c.Tags = nil
		for j, t := range r.Tags {
			t = strings.ToLower(strings.TrimSpace(t))
			if t == "" || !plainText(t, inbox.MaxTagLen) {
				bad(i, fmt.Sprintf("tags[%d]", j), "%q must be 1-%d printable characters", r.Tags[j], inbox.MaxTagLen)
				continue
			}
			if !slices.Contains(c.Tags, t) {
				c.Tags = append(c.Tags, t)
			}
		}
		if r.Priority != "" && !inbox.Priority(r.Priority).Valid() {
			bad(i, "priority", "unknown priority %q (use %s)", r.Priority, joinNames(inbox.Priorities))
		}
		if r.Assignee != "" && !plainText(r.Assignee, 100) {
			bad(i, "assignee", "must be printable text of at most 100 characters")
		}
		if r.Status != "" && r.Status != string(inbox.StatusIgnored) {
			bad(i, "status", "only %q may be set by a rule (for spam), not %q", inbox.StatusIgnored, r.Status)
		}
		s.rules = append(s.rules, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.Sort(s.prefixLens)
	s.prefixLens = slices.Compact(s.prefixLens)
	return s, nil
}

// parsePhrase normalises a rule's word or phrase; a trailing * makes its
// last word a prefix.
func parsePhrase(w string) (phrase, bool) {
	w = strings.TrimSpace(w)
	prefix := strings.HasSuffix(w, "*")
	words := textnorm.Words(strings.TrimSuffix(w, "*"))
	if len(words) == 0 {
		return phrase{}, false
	}
	return phrase{words: words, prefix: prefix}, true
}

func (s *Set) index(id int, p phrase) {
	if p.prefix && len(p.words) == 1 {
		w := p.words[0]
		s.prefixes[w] = append(s.prefixes[w], id)
		s.prefixLens = append(s.prefixLens, len(w))
		return
	}
	s.byFirst[p.words[0]] = append(s.byFirst[p.words[0]], id)
}

// Len is the number of rules.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// Names lists the rules' names in order.
func (s *Set) Names() []string {
	if s == nil {
		return nil
	}
	out := make([]string, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.Name
	}
	return out
}

// Rules lists the rules as configured, in order (copies: the Set stays
// immutable).
func (s *Set) Rules() []Rule {
	if s == nil {
		return nil
	}
	out := make([]Rule, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.Rule
		out[i].AnyWords = slices.Clone(r.AnyWords)
		out[i].AllWords = slices.Clone(r.AllWords)
		out[i].Tags = slices.Clone(r.Tags)
	}
	return out
}

// Match returns the first rule that matches in, and what it sets. A nil
// Set matches nothing.
func (s *Set) Match(in Input) (Result, bool) {
	if s == nil || len(s.rules) == 0 {
		return Result{}, false
	}
	var words []string
	var found []bool
	var text string
	textDone := false
	handle := strings.ToLower(strings.TrimPrefix(in.AuthorHandle, "@"))
	for i := range s.rules {
		r := &s.rules[i]
		if (r.Channel != "" && r.Channel != in.Channel) || (r.Account != "" && r.Account != in.Account) ||
			(r.Kind != "" && r.Kind != in.Kind) || (r.handle != "" && r.handle != handle) {
			continue
		}
		if !textDone && (len(r.anyIDs)+len(r.allIDs) > 0 || r.re != nil) {
			words = textnorm.Words(in.Text)
			found = s.find(words)
			text = strings.Join(words, " ")
			textDone = true
		}
		if len(r.anyIDs) > 0 && !slices.ContainsFunc(r.anyIDs, func(id int) bool { return found[id] }) {
			continue
		}
		if slices.ContainsFunc(r.allIDs, func(id int) bool { return !found[id] }) {
			continue
		}
		if r.re != nil && !r.re.MatchString(text) {
			continue
		}
		return Result{Rule: r.Name, Unit: r.Unit, Tags: slices.Clone(r.Tags), Priority: r.Priority,
			Assignee: r.Assignee, Status: r.Status}, true
	}
	return Result{}, false
}

// find marks every phrase that occurs in words, in one pass over them.
func (s *Set) find(words []string) []bool {
	found := make([]bool, len(s.phrases))
	for i, w := range words {
		for _, id := range s.byFirst[w] {
			if !found[id] && s.phrases[id].at(words[i:]) {
				found[id] = true
			}
		}
		for _, n := range s.prefixLens {
			if n > len(w) {
				break
			}
			for _, id := range s.prefixes[w[:n]] {
				found[id] = true
			}
		}
	}
	return found
}

// at reports whether the phrase starts at words[0].
func (p phrase) at(words []string) bool {
	if len(words) < len(p.words) {
		return false
	}
	last := len(p.words) - 1
	for j, pw := range p.words {
		if j == last && p.prefix {
			return strings.HasPrefix(words[j], pw)
		}
		if words[j] != pw {
			return false
		}
	}
	return true
}

func plainText(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func joinNames[T ~string](vals []T) string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return strings.Join(out, ", ")
}
