package metagraph

import (
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strings"
	"time"
)

// CursorVersion stays 1: the fields added since (Lag, Split, Floor) are
// optional, and a cursor without them behaves exactly as before.
const CursorVersion = 1

// LagWalks is how many multi-page walks back a moved thread is re-read;
// see Source.Lag.
const LagWalks = 3

// Cursor is what Page.Cursor holds: one state per source.
type Cursor struct {
	V       int                `json:"v"`
	Sources map[string]*Source `json:"sources"`
}

// Source follows the contract's rule for newest-first lists.
type Source struct {
	// Watermark is the newest created_time a finished Walk reached:
	// everything older, and the Boundary ids at that very second, was read.
	Watermark time.Time `json:"watermark"`
	Boundary  []string  `json:"boundary,omitempty"`
	// Walk is the Walk in progress, nil between walks.
	Walk *Walk `json:"walk,omitempty"`
	// Lag holds the start watermarks of the last walks (at most LagWalks,
	// oldest first) whose listing of conversations or posts took more than
	// one page. Graph lists threads by last update, so a thread on a page
	// not read yet that gets a new entry meanwhile jumps above the pages
	// already read and that Walk never sees it, although it may hold
	// entries older than the walk's target (the next watermark). The next
	// Walk visits it (it is newer than the watermark) and, because it
	// moved, reads it down to the floor (Lag[0] minus a second)
	// instead of the watermark; the store drops what it already has.
	//
	// A Walk whose listing took one page saw every moved thread at one
	// instant and read it down to the floor, so it clears Lag. A thread
	// skipped by up to LagWalks multi-page walks in a row is therefore
	// safe; one skipped by more (it has to get a new entry while it sits
	// on an unread listing page LagWalks+1 walks in a row: a long backlog
	// and a very active thread) can still lose entries older than the
	// oldest start kept. Bounding Lag bounds the cursor and how deep a
	// moved thread is re-read.
	Lag []time.Time `json:"lag,omitempty"`
}

// Walk is one pass from the newest entry down to the watermark.
type Walk struct {
	// Target becomes the watermark when the Walk ends: the newest
	// created_time seen, with the ids seen at that second.
	Target    time.Time `json:"target"`
	TargetIDs []string  `json:"target_ids,omitempty"`
	// Pending are the pages still to read, in order. Their URLs are
	// relative to graph_url and carry no access_token.
	Pending []Step `json:"pending"`
	// Backfill marks the first Walk of an account (the look-back import).
	Backfill bool `json:"backfill,omitempty"`
	// Split says the listing took more than one page, so a thread may have
	// moved past the part read: the walk's start goes into Lag.
	Split bool `json:"split,omitempty"`
}

// Step is one page to fetch.
type Step struct {
	Kind   string `json:"kind"`             // the connector's own names: conversations, messages, feed, comments, ...
	Thread string `json:"thread,omitempty"` // conversation or post id of a messages/comments page
	URL    string `json:"url"`
	// Floor is how far down a moved thread's further messages or comments
	// are read, the same floor as its first page; zero: the watermark.
	Floor time.Time `json:"floor,omitzero"`
}

// DecodeCursor reads a cursor; nil for none.
func DecodeCursor(b []byte) (*Cursor, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var pc Cursor
	if err := json.Unmarshal(b, &pc); err != nil {
		return nil, err
	}
	if pc.V != CursorVersion {
		return nil, fmt.Errorf("cursor version %d, want %d", pc.V, CursorVersion)
	}
	return &pc, nil
}

// Encode is the cursor as Page.Cursor holds it.
func (pc *Cursor) Encode() []byte {
	b, err := json.Marshal(pc)
	if err != nil { // only plain types inside: cannot happen
		panic(err)
	}
	return b
}

// IsNew reports whether an entry created at t with id was not read before.
func (st *Source) IsNew(t time.Time, id string) bool {
	return t.After(st.Watermark) || (t.Equal(st.Watermark) && !slices.Contains(st.Boundary, id))
}

// Below reports whether t is older than the watermark (the Walk may stop).
func (st *Source) Below(t time.Time) bool { return t.Before(st.Watermark) }

// LagFloor is how far down a thread that moved since the watermark is
// read: the watermark itself unless a recent Walk may have skipped it.
func (st *Source) LagFloor() time.Time {
	if len(st.Lag) == 0 {
		return st.Watermark
	}
	// A skipped entry is newer than the watermark its Walk started from
	// (everything older had been read), so Lag[0] is deep enough; a second
	// less keeps entries of that very second, which Graph times to the
	// second. No wider margin: a hot thread is re-read down to here on
	// every poll while walks keep splitting, and each second more costs
	// re-reading its entries of that second.
	return minTime(st.Lag[0].Add(-time.Second), st.Watermark)
}

// Finish commits the walk: its target becomes the watermark, and its start
// goes into Lag if the listing took several pages (any moved thread was
// read in full otherwise, so Lag empties).
func (st *Source) Finish() {
	if st.Walk.Split {
		st.Lag = append(st.Lag, st.Watermark)
		st.Lag = st.Lag[max(0, len(st.Lag)-LagWalks):]
	} else {
		st.Lag = nil
	}
	st.Watermark, st.Boundary, st.Walk = st.Walk.Target, st.Walk.TargetIDs, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// ThreadFilter decides which entries of one thread (a conversation's
// messages, a post's comments) a Walk reads and returns.
type ThreadFilter struct {
	st    *Source
	floor time.Time // read down to here; the watermark unless the thread moved
}

// ThreadFilter is the filter for a thread with the given update time and
// id whose newest entries are sampled by newest (each time, id): a thread
// with anything new since the watermark may have been skipped by an
// earlier walk, so it is read down to lagFloor.
func (st *Source) ThreadFilter(updated time.Time, id string, newest iter.Seq2[time.Time, string]) ThreadFilter {
	moved := st.IsNew(updated, id)
	for t, eid := range newest {
		if moved || st.Below(t) {
			break
		}
		moved = st.IsNew(t, eid)
	}
	if !moved {
		return ThreadFilter{st: st, floor: st.Watermark}
	}
	return ThreadFilter{st: st, floor: st.LagFloor()}
}

// Resumed is the filter of a thread's further page.
func (st *Source) Resumed(floor time.Time) ThreadFilter {
	if floor.IsZero() || floor.After(st.Watermark) {
		floor = st.Watermark
	}
	return ThreadFilter{st: st, floor: floor}
}

// Source is the source state the filter reads.
func (f ThreadFilter) Source() *Source { return f.st }

// Done reports whether t and everything older lies below the floor.
func (f ThreadFilter) Done(t time.Time) bool { return t.Before(f.floor) }

// Keep reports whether the entry is returned: new since the watermark, or
// (in a moved thread) at or above the floor; the store drops duplicates.
func (f ThreadFilter) Keep(t time.Time, id string) bool {
	return f.st.IsNew(t, id) || (f.floor.Before(f.st.Watermark) && !t.Before(f.floor))
}

// StepFloor is what the thread's further pages carry (zero: the watermark).
func (f ThreadFilter) StepFloor() time.Time {
	if f.floor.Before(f.st.Watermark) {
		return f.floor
	}
	return time.Time{}
}

// Saw moves the walk's target up to an entry at or above the watermark.
func (w *Walk) Saw(t time.Time, id string) {
	switch {
	case t.After(w.Target):
		w.Target, w.TargetIDs = t, []string{id}
	case t.Equal(w.Target) && !slices.Contains(w.TargetIDs, id):
		w.TargetIDs = append(w.TargetIDs, id)
	}
}

// RelativeURL turns a Graph paging link into the relative form the cursor
// stores and the client fetches: base's host only (the token goes nowhere
// else), version prefix and access_token/appsecret_proof removed.
func RelativeURL(base *url.URL, next string) (string, error) {
	u, err := url.Parse(next)
	if err != nil {
		return "", fmt.Errorf("paging link is not a URL")
	}
	if u.Scheme != base.Scheme || u.Host != base.Host || !strings.HasPrefix(u.Path, base.Path) {
		return "", fmt.Errorf("paging link points outside graph_url (%s://%s%s)", u.Scheme, u.Host, u.Path)
	}
	p := strings.TrimPrefix(u.Path, base.Path)
	if first, rest, ok := strings.Cut(p, "/"); ok && ValidVersion(first) {
		p = rest
	}
	q := u.Query()
	for _, k := range []string{"access_token", "appsecret_proof", "format"} {
		q.Del(k)
	}
	if len(q) == 0 {
		return p, nil
	}
	return p + "?" + q.Encode(), nil
}
