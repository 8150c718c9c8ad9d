package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

type replyList struct {
	Replies    []inbox.Reply `json:"replies"`
	NextCursor string        `json:"next_cursor"`
}

func (s *Server) listReplies(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v validationErrors
	f := store.ReplyFilter{State: inbox.ReplyState(q.Get("state")), ItemID: q.Get("item_id"), Account: q.Get("account"), Cursor: q.Get("cursor"), Unit: scope(r)}
	if f.State != "" && !f.State.Valid() {
		v.add("state", "must be one of queued, sending, sent, failed, unknown, cancelled")
	}
	checkText(&v, "item_id", f.ItemID, maxFilterLen)
	checkText(&v, "account", f.Account, maxFilterLen)
	checkText(&v, "cursor", f.Cursor, maxFilterLen)
	limit, err := parseLimit(q.Get("limit"))
	if p := (*Problem)(nil); errors.As(err, &p) {
		v = append(v, p.Errors...)
	}
	if err := v.err(); err != nil {
		return err
	}
	f.Limit = limit
	page, err := s.store.Replies(f)
	if err != nil {
		return err
	}
	if page.Replies == nil {
		page.Replies = []inbox.Reply{}
	}
	return writeJSON(w, http.StatusOK, replyList{Replies: page.Replies, NextCursor: page.NextCursor})
}

// replyInScope loads a reply and hides it (404) from tokens of other units.
func (s *Server) replyInScope(r *http.Request, id string) (inbox.Reply, error) {
	notFound := errNotFound("reply " + strconv.Quote(id))
	rep, err := s.store.Reply(id)
	if errors.Is(err, store.ErrNotFound) {
		return rep, notFound
	}
	if err != nil {
		return rep, err
	}
	if sc := scope(r); sc != "" {
		it, err := s.store.Get(rep.ItemID)
		if errors.Is(err, store.ErrNotFound) || err == nil && it.Unit != sc {
			return inbox.Reply{}, notFound
		}
		if err != nil {
			return inbox.Reply{}, err
		}
	}
	return rep, nil
}

func (s *Server) getReply(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.replyInScope(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

func (s *Server) retryReply(w http.ResponseWriter, r *http.Request) error {
	return s.moveReply(w, r, s.store.Requeue)
}

func (s *Server) cancelReply(w http.ResponseWriter, r *http.Request) error {
	return s.moveReply(w, r, s.store.Cancel)
}

func (s *Server) moveReply(w http.ResponseWriter, r *http.Request, move func(id, actor string) (inbox.Reply, error)) error {
	id := r.PathValue("id")
	if _, err := s.replyInScope(r, id); err != nil {
		return err
	}
	rep, err := move(id, actor(r))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("reply " + strconv.Quote(id))
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// replyCheck is the answer of POST /api/v1/items/{id}/reply-check.
type replyCheck struct {
	Count    int            `json:"count"`
	Limit    int            `json:"limit"`
	Counting string         `json:"counting"`
	Problems []replyProblem `json:"problems"`
	Warnings []string       `json:"warnings,omitempty"` // as POST .../replies would give
}

type replyProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// checkReply counts a draft reply with the server's own rules (the same
// functions addReply and the store use) and lists what would be refused.
// It always answers 200 for a valid request and queues nothing, so the
// console can show a live remaining count.
func (s *Server) checkReply(w http.ResponseWriter, r *http.Request) error {
	var body newReply
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	it, err := s.itemInScope(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if body.Text, err = s.replyText(r, it, body); err != nil {
		return err
	}
	out := replyCheck{Counting: inbox.CountCharacters, Problems: []replyProblem{}}
	add := func(err error) {
		var fe inbox.FieldError
		if errors.As(err, &fe) {
			out.Problems = append(out.Problems, replyProblem{Field: fe.FieldName(), Detail: fe.Detail()})
		} else if err != nil {
			out.Problems = append(out.Problems, replyProblem{Field: "private", Detail: err.Error()})
		}
	}
	rk, err := s.replies.Lookup(it.Channel, it.Kind, body.Private)
	if err != nil {
		add(err)
		out.Count = inbox.TextLimit{}.Count(body.Text)
		add(inbox.CheckPlainText("text", body.Text))
		return writeJSON(w, http.StatusOK, out)
	}
	out.Count, out.Limit, out.Counting = rk.Limit.Count(body.Text), rk.Limit.Max, rk.Limit.Counting()
	if rk.Warnings != nil {
		out.Warnings = rk.Warnings(body.Text)
	}
	add(inbox.CheckText("text", body.Text, rk.Limit))
	if err := s.store.CheckOnePerItem(it.ID, rk); err != nil {
		var fe inbox.FieldError
		if !errors.As(err, &fe) {
			return err
		}
		add(err)
	}
	return writeJSON(w, http.StatusOK, out)
}
