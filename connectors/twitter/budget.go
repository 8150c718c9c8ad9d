package twitter

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/inboxd/inboxd/connectors"
)

// X's request budgets, per user and 15-minute window unless said otherwise,
// for the pay-per-use and legacy Basic access (docs.x.com/x-api/fundamentals/rate-limits
// and developer.x.com/en/docs/twitter-api/rate-limits, "X API v2 Basic rate
// limits"). The DM lookup endpoints (GET /2/dm_events and the
// per-conversation ones) share one budget, documented as low as 15 per 15
// minutes on Basic; newer tables show 300 (raise it with rate_budget).
const (
	Window                    = 15 * time.Minute
	DefaultMentionsBudget     = 300   // GET /2/users/:id/mentions
	DefaultDMReadBudget       = 15    // GET /2/dm_events (+ per-conversation lookups)
	DefaultOwnPostsBudget     = 900   // GET /2/users/:id/tweets (Verify of reply posts)
	DefaultPostCreateBudget   = 100   // POST /2/tweets
	DefaultDMSendBudget       = 15    // POST /2/dm_conversations/...: per 15 minutes
	DefaultDMSendBudgetPerDay = 1_440 // and per 24 hours
	// ScheduledShare is the part of a read budget scheduled polls may use;
	// the rest is kept for multi-page walks, Verify and "poll now".
	ScheduledShareNum, ScheduledShareDen = 2, 3
)

// RateBudget overrides the per-window request budgets of an account's
// sources (config rate_budget); zero keeps the default.
type RateBudget struct {
	Mentions       int // per 15 minutes
	DirectMessages int // per 15 minutes, shared by every DM lookup
}

// SendBudget is the DM send allowance (config dm_send_budget).
type SendBudget struct {
	PerWindow int // per 15 minutes
	PerDay    int // per 24 hours
}

// budgets are one account's request budgets, keyed by what they guard.
type budgets struct {
	reads      map[string]*connectors.Budget // SourceMentions, SourceDirectMessages, "own_posts"
	postCreate *connectors.Budget
	dmSend     []*connectors.Budget // 15-minute and daily
	// lastScheduled is when each source last began a scheduled poll.
	lastScheduled map[string]time.Time
}

func newBudgets(rb RateBudget, sb SendBudget) *budgets {
	b := &budgets{
		reads: map[string]*connectors.Budget{
			SourceMentions:       connectors.NewBudget(rb.Mentions, Window),
			SourceDirectMessages: connectors.NewBudget(rb.DirectMessages, Window),
			"own_posts":          connectors.NewBudget(DefaultOwnPostsBudget, Window),
		},
		postCreate:    connectors.NewBudget(DefaultPostCreateBudget, Window),
		dmSend:        []*connectors.Budget{connectors.NewBudget(sb.PerWindow, Window), connectors.NewBudget(sb.PerDay, 24*time.Hour)},
		lastScheduled: map[string]time.Time{},
	}
	// Automatic acknowledgements leave a third of every send budget to
	// operators' replies.
	for _, sb := range append([]*connectors.Budget{b.postCreate}, b.dmSend...) {
		sb.Reserve = connectors.ReserveFor(sb.Limit)
	}
	return b
}

// budgetFor maps a request (API path or v1.1 key) to its budget.
func (b *budgets) budgetFor(method, path string) []*connectors.Budget {
	switch {
	case strings.HasSuffix(path, "/mentions") || path == "statuses/mentions_timeline":
		return []*connectors.Budget{b.reads[SourceMentions]}
	case method == "GET" && (strings.Contains(path, "dm_events") || path == "direct_messages/events/list"):
		return []*connectors.Budget{b.reads[SourceDirectMessages]}
	case method == "GET" && (strings.HasSuffix(path, "/tweets") || path == "statuses/user_timeline"):
		return []*connectors.Budget{b.reads["own_posts"]}
	case method != "GET" && (strings.Contains(path, "dm_conversations") || path == "direct_messages/events/new"):
		return b.dmSend
	case method != "GET" && (path == "/2/tweets" || path == "statuses/update"):
		return []*connectors.Budget{b.postCreate}
	}
	return nil
}

// MinScheduledInterval is how often a scheduled poll may read a source
// whose budget is perWindow requests: using at most two thirds of it.
func MinScheduledInterval(perWindow int) time.Duration {
	share := perWindow * ScheduledShareNum / ScheduledShareDen
	if share <= 0 {
		return Window
	}
	return Window / time.Duration(share)
}

// takeBudget counts one request against its budgets, or refuses it
// (rate_limited, with the time it becomes possible) without a request.
// Requests made for an automatic acknowledgement (connectors.PriorityOf)
// leave each budget's Reserve to people.
func (c *Connector) takeBudget(ctx context.Context, op, method, path string) error {
	now := c.now()
	prio := connectors.PriorityOf(ctx)
	for _, b := range c.budgets.budgetFor(method, path) {
		if ok, at := b.Take(now, prio); !ok {
			what := "request budget"
			if prio == connectors.Automatic {
				what = "share of the request budget automatic acknowledgements may use"
			}
			if b.Window >= 24*time.Hour {
				what = "daily request budget"
			}
			return &connectors.Error{Class: connectors.RateLimited, Op: op, RetryAt: at,
				Message: fmt.Sprintf("X %s for %s spent (%d per %s); held until %s", what, op, b.Limit, b.Window, at.UTC().Format(time.RFC3339))}
		}
	}
	return nil
}

// scheduledSkip reports whether a scheduled poll should leave src alone
// this time: its last scheduled read was less than its share of the
// budget ago and no walk is in progress. An operator's poll never skips.
func (c *Connector) scheduledSkip(ctx context.Context, src string, walking bool) bool {
	if walking || connectors.IsOperatorPoll(ctx) {
		return false
	}
	b := c.budgets.reads[src]
	if b == nil || b.Limit <= 0 {
		return false
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if last, ok := c.budgets.lastScheduled[src]; ok && now.Sub(last) < MinScheduledInterval(b.Limit) {
		return true
	}
	c.budgets.lastScheduled[src] = now
	return false
}

// PollAvailableAt is when an operator's poll could read at least one
// configured source: now, or when the first spent budget frees up.
func (c *Connector) PollAvailableAt(now time.Time) time.Time {
	var at time.Time
	for _, src := range c.cfg.Sources {
		t := c.budgets.reads[src].AvailableAt(now)
		if !t.After(now) {
			return now
		}
		if at.IsZero() || t.Before(at) {
			at = t
		}
	}
	if at.IsZero() {
		return now
	}
	return at
}
