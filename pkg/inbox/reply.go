package inbox

import (
	"fmt"
	"time"
)

// ReplyState is where an outgoing reply stands in the outbox.
type ReplyState string

const (
	ReplyQueued    ReplyState = "queued"    // waiting to be sent (maybe in backoff)
	ReplySending   ReplyState = "sending"   // handed to the connector
	ReplySent      ReplyState = "sent"      // the platform accepted it
	ReplyFailed    ReplyState = "failed"    // refused for good; last_error says why
	ReplyUnknown   ReplyState = "unknown"   // may or may not have reached the platform
	ReplyCancelled ReplyState = "cancelled" // withdrawn by an operator
)

// ReplyStates lists every reply state in pipeline order.
var ReplyStates = []ReplyState{ReplyQueued, ReplySending, ReplySent, ReplyFailed, ReplyUnknown, ReplyCancelled}

func (s ReplyState) Valid() bool {
	for _, v := range ReplyStates {
		if v == s {
			return true
		}
	}
	return false
}

// Reply is an answer an operator wrote; the outbox delivers it.
type Reply struct {
	ID             string     `json:"id"`
	ItemID         string     `json:"item_id"`
	Text           string     `json:"text"`
	Private        bool       `json:"private"`
	State          ReplyState `json:"state"`
	Attempts       int        `json:"attempts"`
	LastError      string     `json:"last_error,omitempty"`
	ExternalID     string     `json:"external_id,omitempty"`
	Author         string     `json:"author"` // the API token's name
	CreatedAt      time.Time  `json:"created_at"`
	AttemptedAt    *time.Time `json:"attempted_at,omitempty"`
	NextAttemptAt  *time.Time `json:"next_attempt_at,omitempty"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
	IdempotencyKey string     `json:"idempotency_key,omitempty"`
	// External marks a reply the account wrote on the platform directly,
	// recorded so the thread shows it; inboxd never sends it.
	External bool `json:"external,omitempty"`
	// NeedsDecision marks an unknown reply the outbox gave up verifying
	// (bounded attempts and time): it is never sent again by itself; an
	// operator retries or drops it. Cleared when it leaves unknown.
	NeedsDecision bool `json:"needs_decision,omitempty"`
	// Auto marks an automatic acknowledgement: sent like any reply, but
	// never an answer (no answered status, first response or response
	// time). false on every reply a person wrote.
	Auto bool `json:"auto"`
	// Template names the reply template the text was rendered from.
	Template string `json:"template,omitempty"`
}

// replyMoves are the outbox state machine's allowed moves.
var replyMoves = map[ReplyState][]ReplyState{
	ReplyQueued:  {ReplySending, ReplyCancelled},
	ReplySending: {ReplySent, ReplyFailed, ReplyUnknown, ReplyQueued},
	ReplyUnknown: {ReplySent, ReplyQueued, ReplyCancelled},
	ReplyFailed:  {ReplyQueued},
}

// CanMoveReply reports whether the outbox may move a reply between states.
func CanMoveReply(from, to ReplyState) bool {
	for _, s := range replyMoves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// ReplyStateError is a refused outbox move; it names both states.
type ReplyStateError struct {
	From, To ReplyState
}

func (e *ReplyStateError) Error() string {
	return fmt.Sprintf("reply cannot move from %q to %q", e.From, e.To)
}

// BlocksAnother reports whether a reply in state s still counts against a
// platform's one-reply-per-item rule: it was sent, may have been, or will be.
func BlocksAnother(s ReplyState) bool {
	return s == ReplyQueued || s == ReplySending || s == ReplySent || s == ReplyUnknown
}

// OnePerItemError refuses a second reply of a kind the platform accepts once
// per item (Meta's private reply to a comment); field "private".
type OnePerItemError struct {
	Kind    Kind       // the item's kind
	ReplyID string     // the reply already there
	State   ReplyState // its state
}

func (e *OnePerItemError) Error() string { return "private: " + e.Detail() }

// Detail is the message without the field name.
func (e *OnePerItemError) Detail() string {
	return fmt.Sprintf("this %s already has a private reply (%s, %s); the platform accepts only one private reply per %s "+
		"(a failed or cancelled one does not count): answer publicly instead", e.Kind, e.ReplyID, e.State, e.Kind)
}
