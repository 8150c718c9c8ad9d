package calendar

import "time"

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
