package twitter

import (
	"encoding/json"
	"fmt"
	"time"
)

// cursorVersion changes when the cursor's layout does.
const cursorVersion = 1

// cursor is what Poll commits with each page. For each source it holds the
// committed watermark, which only moves when a walk reaches it, and the
// walk in progress, so a crash mid-walk resumes where it stopped. It never
// holds a credential.
type cursor struct {
	V        int            `json:"v"`
	Mentions mentionsCursor `json:"mentions"`
	DMs      dmCursor       `json:"dms"`
}

// mentionsCursor: X lists mentions newest first and filters by since_id.
// A walk pages through next_token (or max_id on v1.1) with the committed
// since_id; only when the last page is read does since_id become the walk's
// first page's newest_id.
type mentionsCursor struct {
	SinceID string       `json:"since_id,omitempty"`
	Seeded  bool         `json:"seeded,omitempty"` // the first walk (backfill) finished
	Walk    mentionsWalk `json:"walk,omitzero"`
}

type mentionsWalk struct {
	Target string `json:"target,omitempty"` // the first page's newest id: the next since_id
	Token  string `json:"token,omitempty"`  // next_token, or v1.1 max_id
}

// dmCursor: DM events come newest first with no since_id. A walk stops at
// the last seen event id or, if that event was deleted, at events older
// than its time; ids seen at that boundary time are kept so events of the
// same second are neither lost nor repeated.
type dmCursor struct {
	LastID   string    `json:"last_id,omitempty"`
	LastAt   time.Time `json:"last_at,omitzero"`
	Boundary []string  `json:"boundary,omitempty"` // ids whose created_at == LastAt
	Seeded   bool      `json:"seeded,omitempty"`
	Walk     dmWalk    `json:"walk,omitzero"`
}

type dmWalk struct {
	Active   bool      `json:"active,omitempty"`
	Page     int       `json:"page,omitempty"`      // pages read so far in this walk
	Token    string    `json:"token,omitempty"`     // next_token / v1.1 cursor
	NewestID string    `json:"newest_id,omitempty"` // becomes LastID when the walk ends
	NewestAt time.Time `json:"newest_at,omitzero"`
	Boundary []string  `json:"boundary,omitempty"`
}

func decodeCursor(raw []byte) (cursor, error) {
	var c cursor
	if len(raw) == 0 {
		return cursor{V: cursorVersion}, nil
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return cursor{}, fmt.Errorf("twitter cursor does not decode: %w", err)
	}
	if c.V != cursorVersion {
		return cursor{}, fmt.Errorf("twitter cursor has version %d, want %d", c.V, cursorVersion)
	}
	return c, nil
}

func (c cursor) encode() []byte {
	b, _ := json.Marshal(c) // plain data: cannot fail
	return b
}

// reached reports whether a DM event is at or before the committed watermark.
func (d *dmCursor) reached(id string, at time.Time) bool {
	if d.LastID == "" && d.LastAt.IsZero() {
		return false
	}
	if id == d.LastID || at.Before(d.LastAt) {
		return true
	}
	if at.Equal(d.LastAt) {
		for _, b := range d.Boundary {
			if b == id {
				return true
			}
		}
	}
	return false
}
