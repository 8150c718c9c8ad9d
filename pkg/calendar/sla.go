package calendar

import (
	"reflect"
	"sync/atomic"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Match selects the items a policy applies to; every non-empty field must
// equal the item's. An empty Match matches every item.
type Match struct {
	Unit     string
	Kind     string
	Channel  string
	Priority string
}

// IsZero reports a match with no key: the default policy.
func (m Match) IsZero() bool { return m == Match{} }

// Attrs are the item fields policies match on.
type Attrs struct {
	Unit     string
	Kind     string
	Channel  string
	Priority string
}

func (m Match) matches(a Attrs) bool {
	return (m.Unit == "" || m.Unit == a.Unit) &&
		(m.Kind == "" || m.Kind == a.Kind) &&
		(m.Channel == "" || m.Channel == a.Channel) &&
		(m.Priority == "" || m.Priority == a.Priority)
}

// Policy sets the deadlines of the items it matches. A zero span sets no
// deadline of that kind.
type Policy struct {
	Match         Match
	FirstResponse Span
	Resolution    Span
}

// Policies are evaluated in order; the first match wins.
type Policies []Policy

// Find returns the index of the first policy matching a, or -1.
func (p Policies) Find(a Attrs) int {
	for i, pol := range p {
		if pol.Match.matches(a) {
			return i
		}
	}
	return -1
}

// Deadlines are an item's due times; a zero time is no deadline.
type Deadlines struct {
	FirstResponse time.Time
	Resolution    time.Time
}

// IsZero reports no deadline at all.
func (d Deadlines) IsZero() bool { return d.FirstResponse.IsZero() && d.Resolution.IsZero() }

// Deadlines computes an item's due times from when the citizen wrote
// (created), under the first policy matching a. No matching policy (or no
// policy at all) is no deadline.
func (c *Calendar) Deadlines(p Policies, a Attrs, created time.Time) Deadlines {
	i := p.Find(a)
	if i < 0 || created.IsZero() {
		return Deadlines{}
	}
	return Deadlines{
		FirstResponse: c.Due(created, p[i].FirstResponse),
		Resolution:    c.Due(created, p[i].Resolution),
	}
}

// Office is the calendar and policies a daemon runs with.
type Office struct {
	Calendar *Calendar
	SLA      Policies
}

// Live holds the running Office; a config reload swaps it. The zero Live
// and a nil *Live hold none (no deadlines).
type Live struct{ p atomic.Pointer[Office] }

// NewLive returns a Live holding o.
func NewLive(o *Office) *Live {
	l := &Live{}
	l.Store(o)
	return l
}

// Store swaps in o.
func (l *Live) Store(o *Office) { l.p.Store(o) }

// Load returns the running Office (nil if none).
func (l *Live) Load() *Office {
	if l == nil {
		return nil
	}
	return l.p.Load()
}

// ItemDeadlines is what ingest and edits write: the due times of it under
// the first matching policy, counted from created_at; nil without one, and
// always for ignored items.
func (l *Live) ItemDeadlines(it inbox.Item) (firstResponse, resolution *time.Time) {
	o := l.Load()
	if o == nil || o.Calendar == nil || len(o.SLA) == 0 || it.Status == inbox.StatusIgnored {
		return nil, nil
	}
	d := o.Calendar.Deadlines(o.SLA, Attrs{Unit: it.Unit, Kind: string(it.Kind), Channel: string(it.Channel), Priority: string(it.Priority)}, it.CreatedAt)
	if !d.FirstResponse.IsZero() {
		firstResponse = &d.FirstResponse
	}
	if !d.Resolution.IsZero() {
		resolution = &d.Resolution
	}
	return firstResponse, resolution
}

// WorkingTime is the running calendar's office time between two instants
// (0 without a calendar).
func (l *Live) WorkingTime(from, to time.Time) time.Duration {
	o := l.Load()
	if o == nil || o.Calendar == nil {
		return 0
	}
	return o.Calendar.WorkingTimeBetween(from, to)
}

// Equal reports whether o computes the same deadlines as p.
func (o *Office) Equal(p *Office) bool {
	if o == nil || p == nil {
		return o == p
	}
	return o.Calendar.Equal(p.Calendar) && reflect.DeepEqual(o.SLA, p.SLA)
}
