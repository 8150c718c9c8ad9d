package connectors

import (
	"context"
	"sync"
	"time"
)

// Budget counts requests against a platform's documented allowance over a
// sliding window (e.g. 15 per 15 minutes), on an injected clock. A
// connector asks it before every request it would make, so multi-page
// walks, verifications and operator polls all count, and it refuses a
// request (classified rate_limited, with the time it becomes possible)
// instead of letting the platform answer 429.
//
// Take's priority lets later automatic senders share a budget with people:
// Automatic takes only leave Reserve requests free for Human ones.
type Budget struct {
	Limit   int           // requests per Window; 0 or less: unlimited
	Window  time.Duration // e.g. 15 minutes or 24 hours
	Reserve int           // requests per window automatic takes leave to people

	mu    sync.Mutex
	times []time.Time // when each request in the current window was made
}

// Priority orders who may use the last requests of a budget.
type Priority int

const (
	Human     Priority = iota // an operator's reply, a poll
	Automatic                 // an automatic acknowledgement
)

type priorityKey struct{}

// WithPriority marks the requests made with ctx as p's: the outbox sends
// automatic acknowledgements with Automatic, so budgets keep their Reserve
// for people.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityOf is ctx's priority (Human unless WithPriority said otherwise).
func PriorityOf(ctx context.Context) Priority {
	p, _ := ctx.Value(priorityKey{}).(Priority)
	return p
}

// ReserveFor is the part of a send budget of limit requests that
// automatic requests leave to people: a third.
func ReserveFor(limit int) int { return limit / 3 }

// NewBudget makes a budget of limit requests per window.
func NewBudget(limit int, window time.Duration) *Budget {
	return &Budget{Limit: limit, Window: window}
}

func (b *Budget) prune(now time.Time) {
	cut := 0
	for cut < len(b.times) && !b.times[cut].After(now.Add(-b.Window)) {
		cut++
	}
	b.times = b.times[cut:]
}

// Take records one request at now if the budget allows it; otherwise it
// returns false and when the next request becomes possible.
func (b *Budget) Take(now time.Time, p Priority) (ok bool, retryAt time.Time) {
	if b == nil || b.Limit <= 0 {
		return true, time.Time{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prune(now)
	limit := b.Limit
	if p == Automatic {
		limit -= b.Reserve
	}
	if len(b.times) >= limit {
		i := max(len(b.times)-limit, 0)
		if i >= len(b.times) { // limit <= 0: automatic takes never fit
			return false, now.Add(b.Window)
		}
		return false, b.times[i].Add(b.Window)
	}
	b.times = append(b.times, now)
	return true, time.Time{}
}

// AvailableAt is when one more request becomes possible (now or later),
// without taking it.
func (b *Budget) AvailableAt(now time.Time) time.Time {
	if b == nil || b.Limit <= 0 {
		return now
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prune(now)
	if len(b.times) < b.Limit {
		return now
	}
	return b.times[len(b.times)-b.Limit].Add(b.Window)
}

// Used is how many requests the current window holds.
func (b *Budget) Used(now time.Time) int {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prune(now)
	return len(b.times)
}

type manualPollKey struct{}

// WithOperatorPoll marks ctx as an operator's "poll now": a connector
// with budgets may then use the share it keeps back from its schedule.
func WithOperatorPoll(ctx context.Context) context.Context {
	return context.WithValue(ctx, manualPollKey{}, true)
}

// IsOperatorPoll reports whether ctx is an operator's "poll now".
func IsOperatorPoll(ctx context.Context) bool {
	v, _ := ctx.Value(manualPollKey{}).(bool)
	return v
}

// PollGate is implemented by connectors with request budgets: it tells
// when an operator's poll could make its first request (now, or the time
// the budget frees up).
type PollGate interface {
	PollAvailableAt(now time.Time) time.Time
}
