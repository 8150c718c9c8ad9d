package api

import (
	"errors"
	"net/http"

	"github.com/inboxd/inboxd/pkg/store"
)

// quarantineList is GET /api/v1/quarantine's body.
type quarantineList struct {
	Records    []store.QuarantineRecord `json:"records"`
	NextCursor string                   `json:"next_cursor"`
}

// listQuarantine lists the records polls could not use, newest first: raw
// platform payloads, so unscoped admins only (the route table says so).
func (s *Server) listQuarantine(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v validationErrors
	account, cursor := q.Get("account"), q.Get("cursor")
	checkText(&v, "account", account, maxFilterLen)
	checkText(&v, "cursor", cursor, maxFilterLen)
	limit, err := parseLimit(q.Get("limit"))
	if p := (*Problem)(nil); errors.As(err, &p) {
		v = append(v, p.Errors...)
	}
	if err := v.err(); err != nil {
		return err
	}
	recs, next, err := s.store.Quarantine(account, cursor, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, quarantineList{Records: recs, NextCursor: next})
}

// accountView is an account as GET /api/v1/accounts shows it: its pipeline
// state and what its quarantine holds.
type accountView struct {
	store.AccountState
	Quarantine store.QuarantineSummary `json:"quarantine"`
}
