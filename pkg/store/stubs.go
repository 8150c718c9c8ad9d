package store

// Placeholder bodies: the store implementation replaces this file.

import (
	"context"
	"io"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Store is the bbolt-backed queue.
type Store struct{}

// Open opens (creating if needed, mode 0600) the data file at path.
func Open(path string, opts Options) (*Store, error) { panic("todo") }

// Close closes the data file.
func (s *Store) Close() error { panic("todo") }

// Path is the data file's path.
func (s *Store) Path() string { panic("todo") }

// --- ingest and cursors

// Ingest stores one poll page in ONE transaction: new items (dedup on
// channel+account+external_id), external replies, indexes, counters and the
// account's cursor. A page with nothing new and an unchanged cursor opens no
// write transaction.
func (s *Store) Ingest(account string, items []inbox.Item, external []inbox.ExternalReply, cursor []byte) (IngestResult, error) {
	panic("todo")
}

// Cursor returns the account's committed poll cursor (nil if none).
func (s *Store) Cursor(account string) ([]byte, error) { panic("todo") }

// --- queries

// List returns a page of decoded items.
func (s *Store) List(f Filter) (ListPage, error) { panic("todo") }

// ListRaw returns a page of items as stored JSON, for serving as-is.
func (s *Store) ListRaw(f Filter) (ListPage, error) { panic("todo") }

// Get returns one item.
func (s *Store) Get(id string) (inbox.Item, error) { panic("todo") }

// Detail returns an item with its thread, replies, notes and audit trail.
func (s *Store) Detail(id string) (Detail, error) { panic("todo") }

// Thread returns every item of a thread of an account, oldest first.
func (s *Store) Thread(channel inbox.Channel, account, threadID string) ([]inbox.Item, error) {
	panic("todo")
}

// --- mutations (validated, audited with actor)

// Update applies a partial change; a refused status move is *inbox.TransitionError.
func (s *Store) Update(id, actor string, ch Change) (inbox.Item, error) { panic("todo") }

// AddNote adds an internal note to an item.
func (s *Store) AddNote(id, actor, text string) (inbox.Note, error) { panic("todo") }

// --- outbox

// EnqueueReply queues a reply. An idempotency key seen before for the same
// item returns the existing reply with created=false (ErrConflict if the
// text or privacy differ).
func (s *Store) EnqueueReply(itemID string, r NewReply) (reply inbox.Reply, created bool, err error) {
	panic("todo")
}

// ClaimNext moves the account's next due reply to sending (attempts+1,
// attempted_at=now) and returns it; ok=false when none is due. Replies of a
// thread go in order: one in backoff, sending or unknown holds back later
// replies of its own thread only.
func (s *Store) ClaimNext(account string) (c Claim, ok bool, err error) { panic("todo") }

// NextDue returns when the account's earliest queued reply becomes due.
func (s *Store) NextDue(account string) (at time.Time, ok bool, err error) { panic("todo") }

// MarkSent records the platform id, answers the item (and earlier waiting
// items of the same thread from the same author) and feeds the
// first-response counters.
func (s *Store) MarkSent(replyID, externalID string) (inbox.Reply, error) { panic("todo") }

// MarkFailed records a permanent failure with the reason an operator can act on.
func (s *Store) MarkFailed(replyID, reason string) (inbox.Reply, error) { panic("todo") }

// MarkUnknown records that the reply may or may not have been posted.
func (s *Store) MarkUnknown(replyID, reason string) (inbox.Reply, error) { panic("todo") }

// RetryAt puts a sending/unknown reply back in the queue, due at the given time.
func (s *Store) RetryAt(replyID string, at time.Time, reason string) (inbox.Reply, error) {
	panic("todo")
}

// Requeue is an operator's retry of a failed or unknown reply.
func (s *Store) Requeue(replyID, actor string) (inbox.Reply, error) { panic("todo") }

// Cancel withdraws a queued reply or drops an unknown one.
func (s *Store) Cancel(replyID, actor string) (inbox.Reply, error) { panic("todo") }

// Reply returns one reply.
func (s *Store) Reply(id string) (inbox.Reply, error) { panic("todo") }

// Replies lists replies, newest first.
func (s *Store) Replies(f ReplyFilter) (ReplyPage, error) { panic("todo") }

// Unknown returns the account's replies in state unknown, oldest first.
func (s *Store) Unknown(account string) ([]Claim, error) { panic("todo") }

// --- stats

// Stats reads the counters; unit "" is the whole office.
func (s *Store) Stats(unit string) (Stats, error) { panic("todo") }

// Monthly returns first-response figures for a calendar month in Options.Location.
func (s *Store) Monthly(unit string, year int, month time.Month) (MonthReport, error) {
	panic("todo")
}

// --- tokens

// CreateToken makes a new token and returns its secret once.
func (s *Store) CreateToken(name string, role inbox.Role, unit string) (secret string, t Token, err error) {
	panic("todo")
}

// LookupToken finds the token for a secret (constant-time on the hash).
func (s *Store) LookupToken(secret string) (Token, error) { panic("todo") }

// Tokens lists tokens by name.
func (s *Store) Tokens() ([]Token, error) { panic("todo") }

// RevokeToken deletes a token by name.
func (s *Store) RevokeToken(name string) error { panic("todo") }

// TouchTokens records last-used times in one transaction (batched by the API).
func (s *Store) TouchTokens(used map[string]time.Time) error { panic("todo") }

// --- accounts

// AccountState returns an account's pipeline state (ErrNotFound if none yet).
func (s *Store) AccountState(name string) (AccountState, error) { panic("todo") }

// AccountStates returns every stored account state by name.
func (s *Store) AccountStates() ([]AccountState, error) { panic("todo") }

// PutAccountState stores an account's pipeline state.
func (s *Store) PutAccountState(st AccountState) error { panic("todo") }

// AccountValue reads a small per-account value (e.g. rotated OAuth tokens).
func (s *Store) AccountValue(account, key string) ([]byte, error) { panic("todo") }

// PutAccountValue writes a small per-account value durably.
func (s *Store) PutAccountValue(account, key string, value []byte) error { panic("todo") }

// --- backup

// Backup writes a consistent copy of the data file to w. The read
// transaction copies into a local temporary file first, so a slow w never
// holds it open. It returns the bytes written.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) { panic("todo") }

// BackupSize is a helper for serving Content-Length: it makes the temp copy
// and returns it opened, with its size; the caller closes (and so removes) it.
func (s *Store) BackupFile(ctx context.Context) (f io.ReadCloser, size int64, err error) {
	panic("todo")
}
