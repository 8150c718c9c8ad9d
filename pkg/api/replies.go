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
