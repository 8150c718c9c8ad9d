package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/password"
	"github.com/inboxd/inboxd/pkg/store"
)

// Admins manage people through /api/v1/users. Every change is written to
// the user's audit trail with the admin's name; changing a role, unit or
// disabling ends the user's sessions and open streams at once.

type newUser struct {
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Role        inbox.Role `json:"role"`
	Unit        string     `json:"unit"`
}

type userPatch struct {
	DisplayName *string     `json:"display_name"`
	Role        *inbox.Role `json:"role"`
	Unit        *string     `json:"unit"`
	Disabled    *bool       `json:"disabled"`
}

type passwordLink struct {
	URL       string    `json:"set_password_url"`
	ExpiresAt time.Time `json:"set_password_expires_at"`
}

type createdUser struct {
	User store.User `json:"user"`
	passwordLink
}

type userList struct {
	Users []store.User `json:"users"`
}

// newPasswordLink makes a one-time code and its link on public_url.
func (s *Server) newPasswordLink() (passwordLink, store.PasswordCode, error) {
	code, hash, err := password.NewCode()
	if err != nil {
		return passwordLink{}, store.PasswordCode{}, err
	}
	exp := s.now().UTC().Add(password.CodeTTL)
	return passwordLink{URL: password.Link(s.publicURL, code), ExpiresAt: exp}, store.PasswordCode{Hash: hash, ExpiresAt: exp}, nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var body newUser
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	var v validationErrors
	s.checkUnit(&v, "unit", strings.TrimSpace(body.Unit))
	if err := v.err(); err != nil {
		return err
	}
	if err := s.checkUnitField(body.Unit); err != nil {
		return err
	}
	link, code, err := s.newPasswordLink()
	if err != nil {
		return err
	}
	u, err := s.store.CreateUser(actor(r), store.NewUser{Username: body.Username, DisplayName: body.DisplayName,
		Role: body.Role, Unit: body.Unit}, &code)
	if errors.Is(err, store.ErrConflict) {
		return problem(http.StatusConflict, "conflict", "a user named "+strconv.Quote(body.Username)+" exists",
			FieldError{Field: "username", Message: "already exists"})
	}
	if err != nil {
		return err
	}
	s.logInfo(r, "user created", "username", u.Username, "role", u.Role, "unit", u.Unit, "actor", actor(r))
	w.Header().Set("Location", "/api/v1/users/"+u.Username)
	return writeJSON(w, http.StatusCreated, createdUser{User: u, passwordLink: link})
}

func (s *Server) listUsers(w http.ResponseWriter, _ *http.Request) error {
	us, err := s.store.Users()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userList{Users: us})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("username")
	d, err := s.store.User(name)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("user " + strconv.Quote(name))
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request) error {
	var body userPatch
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if body == (userPatch{}) {
		return invalid("", "give at least one of display_name, role, unit, disabled")
	}
	if body.Unit != nil {
		var v validationErrors
		s.checkUnit(&v, "unit", strings.TrimSpace(*body.Unit))
		if err := v.err(); err != nil {
			return err
		}
	}
	if body.Unit != nil {
		if err := s.checkUnitField(*body.Unit); err != nil {
			return err
		}
	}
	return s.changeUser(w, r, store.UserChange{DisplayName: body.DisplayName, Role: body.Role, Unit: body.Unit, Disabled: body.Disabled})
}

func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) error {
	yes := true
	return s.changeUser(w, r, store.UserChange{Disabled: &yes})
}

func (s *Server) enableUser(w http.ResponseWriter, r *http.Request) error {
	no := false
	return s.changeUser(w, r, store.UserChange{Disabled: &no})
}

func (s *Server) changeUser(w http.ResponseWriter, r *http.Request, ch store.UserChange) error {
	name := r.PathValue("username")
	u, ended, err := s.store.UpdateUser(actor(r), name, ch)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("user " + strconv.Quote(name))
	}
	if err != nil {
		return err
	}
	s.endUserStreamsIf(name, ch)
	s.logInfo(r, "user changed", "username", name, "role", u.Role, "unit", u.Unit, "disabled", u.Disabled,
		"sessions_ended", ended, "actor", actor(r))
	return writeJSON(w, http.StatusOK, u)
}

// endUserStreamsIf ends the user's streams when the change ends sessions
// (the store deleted them in the same write).
func (s *Server) endUserStreamsIf(name string, ch store.UserChange) {
	if ch.Role != nil || ch.Unit != nil || (ch.Disabled != nil && *ch.Disabled) {
		s.endUserStreams(name, nil)
	}
}

func (s *Server) resetUserPassword(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("username")
	link, code, err := s.newPasswordLink()
	if err != nil {
		return err
	}
	ended, err := s.store.ResetPassword(actor(r), name, code)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("user " + strconv.Quote(name))
	}
	if err != nil {
		return err
	}
	s.endUserStreams(name, nil)
	s.logInfo(r, "password reset", "username", name, "sessions_ended", ended, "actor", actor(r))
	s.metrics.auth("reset_password", "ok")
	return writeJSON(w, http.StatusOK, link)
}

// endUserSessions signs a user out everywhere.
func (s *Server) endUserSessions(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("username")
	if _, err := s.store.User(name); errors.Is(err, store.ErrNotFound) {
		return errNotFound("user " + strconv.Quote(name))
	} else if err != nil {
		return err
	}
	n, err := s.store.DeleteUserSessions(name)
	if err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	s.endUserStreams(name, nil)
	s.logInfo(r, "signed out everywhere", "username", name, "sessions", n, "actor", actor(r))
	w.WriteHeader(http.StatusNoContent)
	return nil
}
