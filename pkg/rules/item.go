package rules

import (
	"sync/atomic"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// InputOf is what a rule sees of an item.
func InputOf(it inbox.Item) Input {
	return Input{Text: it.Text, Channel: string(it.Channel), Account: it.Account, Kind: string(it.Kind), AuthorHandle: it.Author.Handle}
}

// Route matches a new item and, when a rule matches, sets what the rule sets
// on it and names the rule in it.RoutedBy (the store audits the change
// under that name). It reports whether a rule matched.
// A nil Set routes nothing.
func (s *Set) Route(it *inbox.Item) bool {
	r, ok := s.Match(InputOf(*it))
	if !ok {
		return false
	}
	it.RoutedBy = r.Rule
	if r.Unit != "" {
		it.Unit = r.Unit
	}
	if len(r.Tags) > 0 {
		it.Tags = r.Tags
	}
	if r.Priority != "" {
		it.Priority = inbox.Priority(r.Priority)
	}
	if r.Assignee != "" {
		it.Assignee = r.Assignee
	}
	if r.Status != "" {
		it.Status = inbox.Status(r.Status)
	}
	return true
}

// Live holds the running rule set: ingest and the API read it, a config
// reload swaps it whole. The zero value holds no rules.
type Live struct{ p atomic.Pointer[Set] }

// Load returns the running set (nil: no rules).
func (l *Live) Load() *Set {
	if l == nil {
		return nil
	}
	return l.p.Load()
}

// Store installs s.
func (l *Live) Store(s *Set) { l.p.Store(s) }
