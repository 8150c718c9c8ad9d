// Package connectors holds the contract between the daemon and each platform:
// the Connector interface, the page a poll returns, the reply it sends, the
// optional capabilities, and the error classes every connector returns.
//
// The scheduler consumes these types; connectors/facebook and
// connectors/twitter implement them. A connector never touches the store:
// it turns platform JSON into inbox.Items and inbox.Replies into platform
// calls, nothing more.
package connectors

import (
	"context"
	"encoding/json"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Connector is one configured account on one platform.
type Connector interface {
	// Name is the account name from config.
	Name() string
	// Poll fetches the next page of new inbound messages after cursor
	// (nil on the first poll). The returned Page.Cursor is safe to commit
	// together with the page's items.
	Poll(ctx context.Context, cursor []byte) (Page, error)
	// Send posts a reply and returns the platform's id for it.
	Send(ctx context.Context, out Outgoing) (externalID string, err error)
}

// Page is what one poll step returns.
type Page struct {
	Items    []inbox.Item          // new inbound messages, oldest first
	External []inbox.ExternalReply // replies the account wrote outside inboxd
	// Rejected are records the platform returned that the connector could
	// not use (a missing id or time, a field of the wrong type). They are
	// quarantined with the page, and Cursor moves past them: one bad record
	// never holds the account back. A platform error is never a Rejected
	// record: it is the Poll error, and the page is retried.
	Rejected []Rejected
	Cursor   []byte // safe to commit with this page
	More     bool   // the walk is unfinished: poll again soon
}

// Rejected is one record a connector got but could not normalise.
type Rejected struct {
	Source     string // the account source it came from: "mentions", "comments", ...
	ExternalID string // the platform's id of the record, when it could be read
	Reason     string // what is wrong with it, for an operator
	Raw        []byte // the record as the platform sent it
}

// RejectedID reads a raw record's "id" when it is a string, for a
// Rejected record's ExternalID; "" when the record has none it can read.
func RejectedID(raw json.RawMessage) string {
	var r struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return ""
	}
	s, _ := r.ID.(string)
	return s
}

// Outgoing is a reply on its way to the platform.
type Outgoing struct {
	Item          inbox.Item  // what is being answered
	Reply         inbox.Reply // what to say
	LastInboundAt time.Time   // the citizen's latest message in the thread (window rules)
}

// Verifier is implemented by connectors that can tell whether a reply whose
// send may have reached the platform is actually there: the account's own
// reply on the target, created after since, with the same text.
type Verifier interface {
	Verify(ctx context.Context, out Outgoing, since time.Time) (externalID string, found bool, err error)
}

// Prober is implemented by connectors that can check, read-only, that the
// account's credentials work: token valid, permissions granted, ids right.
type Prober interface {
	Probe(ctx context.Context) (Report, error)
}

// Report is the verdict of a Probe, for an operator to act on.
type Report struct {
	Account     string   `json:"account"`
	Platform    string   `json:"platform"`
	AccountID   string   `json:"account_id,omitempty"`   // the id the token belongs to
	AccountName string   `json:"account_name,omitempty"` // its display name
	Permissions []string `json:"permissions,omitempty"`  // granted
	Missing     []string `json:"missing,omitempty"`      // needed but not granted
	Problems    []string `json:"problems,omitempty"`     // plain sentences an operator can act on
}

// OK reports whether nothing needs fixing.
func (r Report) OK() bool { return len(r.Missing) == 0 && len(r.Problems) == 0 }

// UsageReporter is implemented by connectors that read the platform's usage
// or rate-limit headers, so the scheduler can slow down before a hard limit.
type UsageReporter interface {
	Usage() Usage
}

// Usage is the latest view of an account's platform quota.
type Usage struct {
	// Percent is the highest usage percentage the platform reported
	// (Facebook X-App-Usage / X-Business-Use-Case-Usage), 0..100+.
	Percent float64 `json:"percent,omitempty"`
	// RateRemaining and RateLimit come from X's x-rate-limit-* headers of
	// the most recent call; RateResetAt is when the window resets.
	RateRemaining int       `json:"rate_remaining,omitempty"`
	RateLimit     int       `json:"rate_limit,omitempty"`
	RateResetAt   time.Time `json:"rate_reset_at,omitzero"`
	// ReadsToday counts resources read in the current UTC day (X bills
	// pay-per-use plans per resource read).
	// It is an upper bound of what is billed: X deduplicates reads of
	// the same resource within a UTC day only as a "soft guarantee".
	ReadsToday int64  `json:"reads_today,omitempty"`
	ReadsDay   string `json:"reads_day,omitempty"` // UTC date of ReadsToday, 2006-01-02
	// PostsToday counts posts created in the same UTC day, and
	// URLPostsToday those among them with a URL, which X's pay-per-use
	// pricing bills at $0.200 instead of $0.015.
	PostsToday    int64 `json:"posts_today,omitempty"`
	URLPostsToday int64 `json:"url_posts_today,omitempty"`
}
