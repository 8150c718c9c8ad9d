package store

// This file fixes the store's exported surface, which pkg/api, pkg/scheduler
// and cmd/inboxd code against. Change a signature only together with its
// callers.
//
// Besides the methods in the other files, (*Store).Generation (store.go)
// reports a counter that grows after every committed write transaction, so a
// cache of read results can tell whether it is still current (pkg/api's list
// cache). See "Write generation" in doc.go.

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Errors callers branch on (wrapped with %w; test with errors.Is / errors.As).
var (
	ErrNotFound      = errors.New("not found")
	ErrConflict      = errors.New("conflict")            // e.g. same idempotency key, different body
	ErrLocked        = errors.New("data file is in use") // another process holds the bbolt lock
	ErrNewerSchema   = errors.New("data file is newer")  // written by a newer inboxd
	ErrInvalidCursor = errors.New("invalid cursor")      // a list cursor that does not decode
	ErrClosed        = errors.New("store is closed")
	ErrBackupRunning = errors.New("a backup is already running") // one temporary copy at a time
	ErrTokenLimit    = errors.New("token limit reached")         // Options.MaxTokens
)

// NoSpaceError says a backup's temporary copy would not fit in the data
// file's directory.
type NoSpaceError struct {
	Need, Free uint64 // bytes
}

func (e *NoSpaceError) Error() string {
	return fmt.Sprintf("not enough free space for the backup copy: it needs %d bytes, %d are free", e.Need, e.Free)
}

// ValidationError names the field that is wrong and why.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

// Options configure Open. The zero value is usable: UTC clock, Asia/Jakarta
// month boundaries, 1 s lock timeout, slog.Default.
type Options struct {
	Location    *time.Location   // month boundaries of the monthly report; default Asia/Jakarta
	LockTimeout time.Duration    // how long to wait for another process's lock; default 1s
	Now         func() time.Time // injected clock
	Logger      *slog.Logger
	// Notify, when set, is called after each committed change, outside the
	// transaction, in commit order (one goroutine at a time per store).
	// It must not call the store's write methods (the next writer waits for
	// it, so such a call deadlocks) and should return quickly; reads are fine.
	Notify func(Event)
	// DiskFree reports the bytes available in a directory (for tests; the
	// default asks the file system, or skips the check where it cannot).
	DiskFree func(dir string) (uint64, error)
	// MaxTokens caps how many API tokens may exist (0: no cap).
	MaxTokens int
	// WorkingTime, when set, measures office time between two instants
	// (the calendar's), for the working-hours first-response figures.
	WorkingTime func(from, to time.Time) time.Duration
	// TicketPrefix starts ticket numbers; default inbox.DefaultTicketPrefix.
	// The year in them is received_at's in Location.
	TicketPrefix string
	// Replies are the connectors' reply tables (how each item kind is
	// answered, the text limits); EnqueueReply checks every reply against
	// them. cmd/inboxd builds them; a store without them refuses replies.
	Replies inbox.ReplyRules
	// Quarantine bounds the quarantine of unusable poll records; zero
	// fields take the defaults.
	Quarantine QuarantineLimits
}

// EventType names what changed; the API's event stream uses these names.
type EventType string

const (
	EventItemCreated  EventType = "item.created"
	EventItemUpdated  EventType = "item.updated"
	EventReplyQueued  EventType = "reply.queued"
	EventReplySent    EventType = "reply.sent"
	EventReplyFailed  EventType = "reply.failed"  // failed or unknown
	EventReplyUpdated EventType = "reply.updated" // any other reply state move
	EventItemOverdue  EventType = "item.overdue"  // an item missed a deadline (Item.Overdue set)
)

// Event is a committed change, for live streams and the outbox worker.
type Event struct {
	Type    EventType
	ItemID  string
	ReplyID string // reply events
	Account string
	Unit    string // the item's unit after the change (for unit-scoped streams)
	// FromUnit is the unit the item left when this change moved it to
	// another ("" when it did not move), so that unit's streams learn it.
	FromUnit string
	At       time.Time
}

// IngestResult says what one Ingest did.
type IngestResult struct {
	New             int
	Duplicates      int
	ExternalApplied int      // external replies recorded (not seen before)
	Quarantined     int      // records quarantined (IngestPage)
	NewIDs          []string // ids of the new items, in page order
}

// Order of a list.
type Order string

const (
	NewestFirst Order = "newest"
	OldestFirst Order = "oldest"
)

// Filter selects items for List. Empty fields do not filter. Statuses are
// OR-ed ("waiting" is new+open); the other fields are AND-ed.
type Filter struct {
	Statuses    []inbox.Status
	Channel     inbox.Channel
	Account     string
	Kind        inbox.Kind
	Unit        string // "-" selects items with no unit
	Assignee    string
	Tag         string
	Ticket      string // the items of one case
	Overdue     *bool  // true: overdue items only; false: the others
	ExternalRef string
	Query       string // words of text, author, ticket or notes (see MinPrefixLen; docs/SEARCH.md)
	Order       Order  // default NewestFirst
	Limit       int    // default 50, max 200
	Cursor      string // opaque, from ListPage.NextCursor
	// MaxScan bounds how many items a Query may examine in one call; the
	// page then comes back short with a NextCursor to continue. Default 5000.
	MaxScan int
}

// ListPage is one page of items. Raw holds each item's JSON exactly as the
// API serves it (no decode/encode round trip); Items the decoded form.
// Only the one asked for is filled (see List and ListRaw).
type ListPage struct {
	Items      []inbox.Item
	Raw        [][]byte
	NextCursor string // empty when there is nothing more
}

// Detail is an item with everything attached to it.
type Detail struct {
	Item    inbox.Item         `json:"item"`
	Thread  []inbox.Item       `json:"thread"` // other items of the same thread, oldest first
	Replies []inbox.Reply      `json:"replies"`
	Notes   []inbox.Note       `json:"notes"`
	Audit   []inbox.AuditEntry `json:"audit"`
}

// Change is a partial update of an item; nil fields stay as they are.
type Change struct {
	Status      *inbox.Status
	Assignee    *string
	Unit        *string
	Tags        *[]string
	Priority    *inbox.Priority
	ExternalRef *string
	// Deadlines, when set, computes the item's deadlines under the policy
	// that matches it; called inside the transaction when its unit, kind
	// or priority changes (pure: no I/O, no store calls).
	Deadlines func(inbox.Item) (firstResponse, resolution *time.Time)
	// Scope, when set, is the only unit the item may be in, checked inside
	// the write transaction (ErrNotFound otherwise): a unit-scoped caller's
	// earlier check cannot race a concurrent move to another unit.
	Scope string
}

// NewReply is what an operator asks to send.
type NewReply struct {
	Text           string
	Private        bool
	Author         string // the token's name
	IdempotencyKey string // optional; scoped to the item and IdempotencyOwner
	// IdempotencyOwner is who the key belongs to (the API's principal,
	// "token:NAME"), so two operators sending the same key to one item do
	// not collide; "" shares the key among everyone (the layout before).
	IdempotencyOwner string
	Scope            string // as Change.Scope: the unit the item must be in
	Template         string // the template the text was rendered from ("" typed)
}

// ReplyFilter selects replies for Replies.
type ReplyFilter struct {
	State   inbox.ReplyState // empty: all
	ItemID  string
	Account string
	Unit    string // restrict to replies of items of this unit (scoped tokens)
	Limit   int    // default 50, max 200
	Cursor  string
}

// ReplyPage is one page of replies, newest first.
type ReplyPage struct {
	Replies    []inbox.Reply
	NextCursor string
}

// Claim is a reply handed to the outbox worker, with what Send needs.
type Claim struct {
	Reply         inbox.Reply
	Item          inbox.Item
	LastInboundAt time.Time // the author's latest message in the thread
}

// Stats is the queue's state, read from counters (never a scan).
type Stats struct {
	Unit      string                  `json:"unit,omitempty"` // set for unit-scoped stats
	ByStatus  map[inbox.Status]int64  `json:"by_status"`
	ByChannel map[inbox.Channel]int64 `json:"by_channel"`
	ByAccount map[string]int64        `json:"by_account"`
	ByUnit    map[string]int64        `json:"by_unit"` // "" is items with no unit
	// ByUnitStatus is items per unit and status ("" is items with no
	// unit), from the same read transaction as everything else: a
	// dashboard's unit × status grid in one call. Units with no items are
	// absent; a unit's absent status is 0.
	ByUnitStatus  map[string]inbox.StatusCounts `json:"by_unit_status"`
	Waiting       int64                         `json:"waiting"`
	OldestWaiting *time.Time                    `json:"oldest_waiting_received_at,omitempty"`
	OldestAgeSec  float64                       `json:"oldest_waiting_age_seconds"`
	FirstResponse map[string]ResponseWindow     `json:"first_response"` // "24h", "7d", "30d"
	Replies       map[inbox.ReplyState]int64    `json:"replies"`        // people's replies
	// AutoReplies are the automatic acknowledgements per state, counted
	// apart from people's replies.
	AutoReplies map[inbox.ReplyState]int64 `json:"auto_replies"`
	// RepliesNeedingDecision are unknown replies the outbox gave up
	// verifying: an operator retries or drops each.
	RepliesNeedingDecision int64 `json:"replies_needing_decision"`
	// Overdue counts the items past a deadline by which one
	// (first_response, resolution); OverdueByUnit the office's per unit.
	Overdue       map[string]int64 `json:"overdue"`
	OverdueByUnit map[string]int64 `json:"overdue_by_unit,omitempty"`
	// FirstResponseWorking is first-response time in office time, from
	// created_at (the deadlines' origin); FirstResponse is clock time from
	// received_at.
	FirstResponseWorking        map[string]ResponseWindow `json:"first_response_working"`
	FirstResponseWithinDeadline map[string]DeadlineWindow `json:"first_response_within_deadline"`
}

// ResponseWindow summarises first-response times over a window.
type ResponseWindow struct {
	Count      int64   `json:"count"`
	P50Seconds float64 `json:"p50_seconds"`
	P90Seconds float64 `json:"p90_seconds"`
	// SumSeconds is the total, estimated from the histogram's buckets
	// (quarter-octave midpoints): a Prometheus summary needs one.
	SumSeconds float64 `json:"-"`
}

// MonthReport is the monthly first-response figure for one unit (or all).
type MonthReport struct {
	Month      string  `json:"month"` // 2026-11, in Options.Location
	Unit       string  `json:"unit,omitempty"`
	Count      int64   `json:"count"`
	P50Seconds float64 `json:"p50_seconds"`
	P90Seconds float64 `json:"p90_seconds"`
}

// Token is an API token's record; the secret itself is never stored.
type Token struct {
	Name       string     `json:"name"`
	Role       inbox.Role `json:"role"`
	Unit       string     `json:"unit,omitempty"` // scope; empty: all units
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// AccountState is the pipeline's per-account record, persisted so a restart
// remembers a pause or a needed re-authorisation.
type AccountState struct {
	Name          string         `json:"name"`
	Platform      string         `json:"platform"`
	State         string         `json:"state"` // idle, polling, backoff, rate_limited, usage_capped, needs_reauth, disabled
	LastPollAt    *time.Time     `json:"last_poll_at,omitempty"`
	LastSuccessAt *time.Time     `json:"last_success_at,omitempty"`
	LastError     *AccountError  `json:"last_error,omitempty"`
	PausedUntil   *time.Time     `json:"paused_until,omitempty"`
	Failures      int            `json:"failures,omitempty"` // consecutive, for backoff
	Usage         map[string]any `json:"usage,omitempty"`
}

// AccountError is the last failure of an account.
type AccountError struct {
	Class   string    `json:"class"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}
