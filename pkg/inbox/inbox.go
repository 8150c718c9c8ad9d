// Package inbox is the domain of inboxd: the normalised queue item, its
// replies, notes and audit trail, the status rules and the per-platform text
// limits. It imports nothing of the project and does no I/O, so every other
// package (store, api, connectors, scheduler) can share these types.
package inbox

import (
	"fmt"
	"time"
)

// Channel is the platform an item came from; its replies go back there.
// Each connector package declares its own (facebook.Channel,
// twitter.Channel, …) and registers it with its reply table
// (connectors/registry); this package names no platform. The channels
// inboxd knows are ReplyRules.Channels.
type Channel string

// Kind says how the citizen wrote to the account.
type Kind string

const (
	KindMessage Kind = "message" // private: Messenger, X DM
	KindComment Kind = "comment" // Facebook comment (or reply to a comment)
	KindMention Kind = "mention" // X mention, Facebook post that tags the Page
)

// Kinds lists every known kind in a stable order.
var Kinds = []Kind{KindMessage, KindComment, KindMention}

func (k Kind) Valid() bool { return k == KindMessage || k == KindComment || k == KindMention }

// Priority orders the work of operators; the default is normal.
type Priority string

const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists every priority from lowest to highest.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

func (p Priority) Valid() bool {
	switch p {
	case PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent:
		return true
	}
	return false
}

// Author is the person who wrote an item, as the platform identifies them.
type Author struct {
	ID     string `json:"id"`               // page-scoped id (Facebook) or user id (X)
	Name   string `json:"name,omitempty"`   // display name
	Handle string `json:"handle,omitempty"` // X @username; empty on Facebook
}

// Attachment is a picture, video, file or link attached to an item.
type Attachment struct {
	Type string `json:"type"` // image, video, audio, file, link, ...
	URL  string `json:"url,omitempty"`
}

// Item is one inbound message from a citizen, normalised across platforms.
type Item struct {
	ID          string       `json:"id"` // ULID, time-ordered, assigned by the store
	Channel     Channel      `json:"channel"`
	Account     string       `json:"account"` // account name from config
	Kind        Kind         `json:"kind"`
	ExternalID  string       `json:"external_id"`         // the platform's id of this message
	ThreadID    string       `json:"thread_id,omitempty"` // post id, conversation id
	ParentID    string       `json:"parent_id,omitempty"` // parent comment / replied-to post
	Author      Author       `json:"author"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments,omitempty"`
	Permalink   string       `json:"permalink,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`  // the platform's time
	ReceivedAt  time.Time    `json:"received_at"` // when inboxd stored it
	Status      Status       `json:"status"`
	Assignee    string       `json:"assignee,omitempty"`
	Unit        string       `json:"unit,omitempty"` // the government office (OPD) responsible
	Tags        []string     `json:"tags,omitempty"`
	Priority    Priority     `json:"priority"`
	// Backfill marks items imported by an account's first poll look-back:
	// they were not waiting on inboxd, so response-time figures leave them out.
	Backfill bool `json:"backfill,omitempty"`
	// AnsweredAt is when the first reply to this item (sent through inboxd,
	// or written on the platform directly) was seen as sent.
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	// Ticket is the case's number (FormatTicket), shared by a citizen's
	// messages in one thread while the case is open; empty for spam.
	Ticket string `json:"ticket,omitempty"`
	// ExternalRef is an operator-set reference in another system, e.g. a
	// SP4N-LAPOR! tracking id.
	ExternalRef string `json:"external_ref,omitempty"`
	// FirstResponseDueAt and ResolutionDueAt are the deadlines of the SLA
	// policy matching the item, counted in office time from CreatedAt;
	// nil without a policy.
	FirstResponseDueAt *time.Time `json:"first_response_due_at,omitempty"`
	ResolutionDueAt    *time.Time `json:"resolution_due_at,omitempty"`
	// FirstResponseAt is when a person first answered: the first sent
	// human reply, or the first human status change to answered or closed.
	FirstResponseAt *time.Time `json:"first_response_at,omitempty"`
	// Overdue names the deadline the item has missed, kept current by the
	// daemon: OverdueFirstResponse, OverdueResolution or "".
	Overdue string `json:"overdue,omitempty"`
	// ReplyWindowEndsAt is when the platform stops accepting an answer to
	// this item (Messenger's 24 hours, or 7 days with Meta's Human Agent
	// permission), counted from the citizen's latest message in the
	// thread; nil where no window applies (a public comment reply, X).
	// The connector sets it from the item's own time at ingest; the item
	// endpoint moves it on to the thread's latest inbound message.
	ReplyWindowEndsAt *time.Time `json:"reply_window_ends_at,omitempty"`

	// RoutedBy names the routing rule that set this new item's unit, tags,
	// priority, assignee or status before ingest; the store writes the
	// rule's effect to the audit trail as actor "rule:<name>". Not stored
	// in the item itself: the audit trail keeps it.
	RoutedBy string `json:"-"`
}

// Values of Item.Overdue.
const (
	OverdueFirstResponse = "first_response"
	OverdueResolution    = "resolution"
)

// OverdueAt is what Item.Overdue should be at time now: the resolution
// deadline once passed while the item is not closed, else the first-response
// deadline once passed with no first response; "" otherwise (and always for
// closed and ignored items).
func (it Item) OverdueAt(now time.Time) string {
	if it.Status == StatusClosed || it.Status == StatusIgnored {
		return ""
	}
	if it.ResolutionDueAt != nil && !now.Before(*it.ResolutionDueAt) {
		return OverdueResolution
	}
	if it.FirstResponseAt == nil && it.FirstResponseDueAt != nil && !now.Before(*it.FirstResponseDueAt) {
		return OverdueFirstResponse
	}
	return ""
}

// NextDue is the next instant at which OverdueAt may change, or nil when
// no deadline is ahead of the item's current overdue state.
func (it Item) NextDue() *time.Time {
	if it.Status == StatusClosed || it.Status == StatusIgnored || it.Overdue == OverdueResolution {
		return nil
	}
	if it.Overdue == "" && it.FirstResponseAt == nil && it.FirstResponseDueAt != nil {
		if it.ResolutionDueAt == nil || it.FirstResponseDueAt.Before(*it.ResolutionDueAt) {
			return it.FirstResponseDueAt
		}
	}
	return it.ResolutionDueAt
}

// DedupKey identifies an item across polls: channel + account + platform id.
func (it Item) DedupKey() string {
	return string(it.Channel) + "\x00" + it.Account + "\x00" + it.ExternalID
}

// Waiting reports whether the item still waits for an answer.
func (it Item) Waiting() bool { return it.Status.Waiting() }

// Validate checks what a connector must fill in before the store takes an item.
func (it Item) Validate() error {
	switch {
	case it.Channel == "":
		return fmt.Errorf("item %q: channel is empty", it.ExternalID)
	case !it.Kind.Valid():
		return fmt.Errorf("item %q: unknown kind %q", it.ExternalID, it.Kind)
	case it.Account == "":
		return fmt.Errorf("item %q: account is empty", it.ExternalID)
	case it.ExternalID == "":
		return fmt.Errorf("item from %s/%s: external_id is empty", it.Channel, it.Account)
	case it.CreatedAt.IsZero():
		return fmt.Errorf("item %q: created_at is zero", it.ExternalID)
	}
	return nil
}

// ExternalReply is an answer the account wrote on the platform directly, not
// through inboxd. The store shows it in the thread and marks what it answers
// as answered. At least one of ParentExternalID and ThreadID is set.
type ExternalReply struct {
	Channel          Channel   `json:"channel"`
	Account          string    `json:"account"`
	ExternalID       string    `json:"external_id"`                  // the reply's own platform id
	ParentExternalID string    `json:"parent_external_id,omitempty"` // the item it answers, when known
	ThreadID         string    `json:"thread_id,omitempty"`          // its conversation/post
	Text             string    `json:"text"`
	CreatedAt        time.Time `json:"created_at"`
}

// Note is an internal remark on an item; it is never sent to a platform.
type Note struct {
	ID        string    `json:"id"`
	ItemID    string    `json:"item_id"`
	Text      string    `json:"text"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
}

// AuditEntry records one change an operator (or the daemon) made to an item.
type AuditEntry struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Field string    `json:"field"`
	From  string    `json:"from"`
	To    string    `json:"to"`
}

// Role is what an API token may do.
type Role string

const (
	RoleViewer   Role = "viewer"   // reads items and stats
	RoleOperator Role = "operator" // also triages, notes and replies
	RoleAdmin    Role = "admin"    // also manages tokens and backups
)

func (r Role) Valid() bool { return r == RoleViewer || r == RoleOperator || r == RoleAdmin }

// Allows reports whether a token with role r may act as need.
func (r Role) Allows(need Role) bool { return r.rank() >= need.rank() && need.Valid() }

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleOperator:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// People's sessions and sign-in throttling: the defaults of the config's
// sessions keys (docs/USERS.md).
const (
	DefaultSessionIdle       = 12 * time.Hour     // a session unused this long ends
	DefaultSessionAbsolute   = 7 * 24 * time.Hour // a session ends this long after sign-in
	DefaultSignInMaxFailures = 10                 // failed sign-ins in a row before a lock
	DefaultSignInLockout     = 15 * time.Minute   // how long the lock lasts
)
