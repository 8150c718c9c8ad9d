package facebook

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

const cursorVersion = 1

// pollCursor is what Page.Cursor holds: one state per source.
type pollCursor struct {
	V       int                     `json:"v"`
	Sources map[string]*sourceState `json:"sources"`
}

// sourceState follows the contract's rule for newest-first lists.
type sourceState struct {
	// Watermark is the newest created_time a finished walk reached:
	// everything older, and the Boundary ids at that very second, was read.
	Watermark time.Time `json:"watermark"`
	Boundary  []string  `json:"boundary,omitempty"`
	// Walk is the walk in progress, nil between walks.
	Walk *walk `json:"walk,omitempty"`
}

// walk is one pass from the newest entry down to the watermark.
type walk struct {
	// Target becomes the watermark when the walk ends: the newest
	// created_time seen, with the ids seen at that second.
	Target    time.Time `json:"target"`
	TargetIDs []string  `json:"target_ids,omitempty"`
	// Pending are the pages still to read, in order. Their URLs are
	// relative to graph_url and carry no access_token.
	Pending []step `json:"pending"`
	// Backfill marks the first walk of an account (the look-back import).
	Backfill bool `json:"backfill,omitempty"`
}

// step is one page to fetch.
type step struct {
	Kind   string `json:"kind"`             // conversations, messages, feed, comments, tagged
	Thread string `json:"thread,omitempty"` // conversation or post id of a messages/comments page
	URL    string `json:"url"`
}

// Step kinds.
const (
	stepConversations = "conversations"
	stepMessages      = "messages"
	stepFeed          = "feed"
	stepComments      = "comments"
	stepTagged        = "tagged"
)

func decodeCursor(b []byte) (*pollCursor, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var pc pollCursor
	if err := json.Unmarshal(b, &pc); err != nil {
		return nil, err
	}
	if pc.V != cursorVersion {
		return nil, fmt.Errorf("cursor version %d, want %d", pc.V, cursorVersion)
	}
	return &pc, nil
}

func (pc *pollCursor) encode() []byte {
	b, err := json.Marshal(pc)
	if err != nil { // only plain types inside: cannot happen
		panic(err)
	}
	return b
}

// isNew reports whether an entry created at t with id was not read before.
func (st *sourceState) isNew(t time.Time, id string) bool {
	return t.After(st.Watermark) || (t.Equal(st.Watermark) && !slices.Contains(st.Boundary, id))
}

// below reports whether t is older than the watermark (the walk may stop).
func (st *sourceState) below(t time.Time) bool { return t.Before(st.Watermark) }

// saw moves the walk's target up to an entry at or above the watermark.
func (w *walk) saw(t time.Time, id string) {
	switch {
	case t.After(w.Target):
		w.Target, w.TargetIDs = t, []string{id}
	case t.Equal(w.Target) && !slices.Contains(w.TargetIDs, id):
		w.TargetIDs = append(w.TargetIDs, id)
	}
}

var versionSegment = regexp.MustCompile(`^v\d+\.\d+$`)

// relativeURL turns a Graph paging link into the relative form the cursor
// stores and the session fetches: graph_url's host only (the token goes
// nowhere else), version prefix and access_token/appsecret_proof removed.
func (c *Connector) relativeURL(next string) (string, error) {
	u, err := url.Parse(next)
	if err != nil {
		return "", fmt.Errorf("paging link is not a URL")
	}
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host || !strings.HasPrefix(u.Path, c.base.Path) {
		return "", fmt.Errorf("paging link points outside graph_url (%s://%s%s)", u.Scheme, u.Host, u.Path)
	}
	p := strings.TrimPrefix(u.Path, c.base.Path)
	if first, rest, ok := strings.Cut(p, "/"); ok && versionSegment.MatchString(first) {
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
