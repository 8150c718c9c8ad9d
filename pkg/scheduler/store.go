package scheduler

import (
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// Store is the part of *store.Store the scheduler uses.
type Store interface {
	IngestPage(account string, p store.Page) (store.IngestResult, error)
	Cursor(account string) ([]byte, error)

	AccountState(name string) (store.AccountState, error)
	PutAccountState(st store.AccountState) error

	ClaimNext(account string) (c store.Claim, ok bool, err error)
	NextDue(account string) (at time.Time, ok bool, err error)
	MarkSent(replyID, externalID string) (inbox.Reply, error)
	MarkVerified(replyID, externalID string) (inbox.Reply, error)
	MarkFailed(replyID, reason string) (inbox.Reply, error)
	MarkUnknown(replyID, reason string) (inbox.Reply, error)
	RetryAt(replyID string, at time.Time, reason string) (inbox.Reply, error)
	RetryUnknownAt(replyID string, at time.Time, reason string) (inbox.Reply, error)
	MarkNeedsDecision(replyID, reason string) (inbox.Reply, error)
	Unknown(account string) ([]store.Claim, error)
}
