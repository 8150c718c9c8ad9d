package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// routingTestBody is POST /api/v1/routing/test: a message as a connector
// would deliver it; only text is required.
type routingTestBody struct {
	Text         *string `json:"text"`
	Channel      string  `json:"channel"`
	Kind         string  `json:"kind"`
	Account      string  `json:"account"`
	AuthorHandle string  `json:"author_handle"`
	// CreatedAt is when the citizen wrote (RFC 3339); default now.
	CreatedAt string `json:"created_at"`
}

// routingResult is exactly what ingest would store for the message.
type routingResult struct {
	Unit     string   `json:"unit"`
	Rule     string   `json:"rule"`
	Tags     []string `json:"tags"`
	Priority string   `json:"priority"`
	Assignee string   `json:"assignee"`
	Status   string   `json:"status"`
	// The SLA deadlines ingest would set for a message written at
	// created_at, RFC 3339 with the office time zone's offset; absent
	// without a matching policy (so the answer without sla: is as before).
	FirstResponseDueAt string `json:"first_response_due_at,omitempty"`
	ResolutionDueAt    string `json:"resolution_due_at,omitempty"`
}

// maxRoutingTextLen bounds the text of a dry run (longer than any platform
// allows, so every real message fits).
const maxRoutingTextLen = 20_000

func (s *Server) routingTest(w http.ResponseWriter, r *http.Request) error {
	var body routingTestBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	var v validationErrors
	switch {
	case body.Text == nil:
		v.add("text", "is required")
	case (inbox.TextLimit{}).Count(*body.Text) > maxRoutingTextLen:
		v.add("text", "is longer than %d characters", maxRoutingTextLen)
	}
	if body.Channel != "" && !slices.Contains(s.channels, inbox.Channel(body.Channel)) {
		v.add("channel", "unknown channel %q; use %s", body.Channel, joinEnum(s.channels))
	}
	if body.Kind != "" && !inbox.Kind(body.Kind).Valid() {
		v.add("kind", "unknown kind %q; use %s", body.Kind, joinEnum(inbox.Kinds))
	}
	checkText(&v, "account", body.Account, maxNameLen)
	checkText(&v, "author_handle", body.AuthorHandle, maxNameLen)
	created := s.now()
	if body.CreatedAt != "" {
		t, err := time.Parse(time.RFC3339, body.CreatedAt)
		if err != nil {
			v.add("created_at", "must be an RFC 3339 time, e.g. 2026-12-04T10:00:00+07:00")
		}
		created = t
	}
	if err := v.err(); err != nil {
		return err
	}
	// Route a would-be item exactly as ingest does, so the answer is what
	// would be stored.
	it := inbox.Item{Text: *body.Text, Channel: inbox.Channel(body.Channel), Kind: inbox.Kind(body.Kind),
		Account: body.Account, Author: inbox.Author{Handle: body.AuthorHandle},
		Status: inbox.StatusNew, Priority: inbox.PriorityNormal, CreatedAt: created}
	s.rules.Load().Route(&it)
	out := routingResult{Unit: it.Unit, Rule: it.RoutedBy, Tags: it.Tags, Priority: string(it.Priority),
		Assignee: it.Assignee, Status: string(it.Status)}
	// Deadlines after routing, from the policy matching the routed item,
	// exactly as the scheduler computes them at ingest.
	fr, res := s.deadlines.ItemDeadlines(it)
	out.FirstResponseDueAt, out.ResolutionDueAt = s.officeTime(fr), s.officeTime(res)
	if out.Tags == nil {
		out.Tags = []string{}
	}
	return writeJSON(w, http.StatusOK, out)
}

func joinEnum[T ~string](vals []T) string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return strings.Join(out, ", ")
}

// officeTime formats a due time in RFC 3339 with the office time zone's
// offset; "" for none.
func (s *Server) officeTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	if o := s.deadlines.Load(); o != nil && o.Calendar != nil {
		return t.In(o.Calendar.Location()).Format(time.RFC3339)
	}
	return t.Format(time.RFC3339)
}
