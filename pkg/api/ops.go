package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type readyAccount struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

type readiness struct {
	Status   string         `json:"status"`
	Reason   string         `json:"reason,omitempty"`
	Accounts []readyAccount `json:"accounts"`
}

// readyz is 200 while the store answers and the server is not shutting
// down. Accounts' states are reported, never judged: one account needing
// re-authorisation must not take the others out of a load balancer.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	body := readiness{Status: "ready", Accounts: []readyAccount{}}
	states, err := s.accountStates()
	var werr error
	if err == nil && !s.shuttingDown.Load() {
		werr = s.storeWritable(r.Context())
	}
	switch {
	case s.shuttingDown.Load():
		body.Status, body.Reason = "unavailable", "shutting down"
	case err != nil:
		s.log.Warn("readiness: store", "err", err)
		body.Status, body.Reason = "unavailable", "the store does not answer"
	case werr != nil:
		s.log.Warn("readiness: the store cannot write", "err", werr)
		body.Status, body.Reason = "unavailable", "the store cannot write: "+werr.Error()
	case s.ready != nil && !s.ready():
		body.Status, body.Reason = "unavailable", "not ready"
	}
	for _, st := range states {
		body.Accounts = append(body.Accounts, readyAccount{Name: st.Name, State: st.State})
	}
	if body.Status != "ready" {
		return writeJSON(w, http.StatusServiceUnavailable, body)
	}
	return writeJSON(w, http.StatusOK, body)
}

// accountStates merges the configured accounts with the stored pipeline
// states, in configuration order; an account never polled is idle.
// Stored states of accounts no longer configured are left out.
func (s *Server) accountStates() ([]store.AccountState, error) {
	stored, err := s.store.AccountStates()
	if err != nil {
		return nil, err
	}
	byName := make(map[string]store.AccountState, len(stored))
	for _, st := range stored {
		byName[st.Name] = st
	}
	accounts := s.accountList()
	out := make([]store.AccountState, 0, len(accounts))
	for _, a := range accounts {
		st, ok := byName[a.Name]
		if !ok {
			st = store.AccountState{Name: a.Name, State: "idle"}
		}
		st.Platform = a.Platform
		if st.State == "" {
			st.State = "idle"
		}
		out = append(out, st)
	}
	return out, nil
}

// scopedErrorText is the last_error message a unit-scoped token sees: the
// platform's words (even scrubbed) are for the office's administrators;
// a unit's staff only need to know which kind of trouble it is.
var scopedErrorText = map[string]string{
	"auth":         "The platform refused the account's credentials; an administrator must renew them.",
	"permission":   "The account lacks a permission on the platform; an administrator must grant it.",
	"rate_limited": "The platform asked inboxd to slow down; polling resumes by itself.",
	"usage_capped": "The account's platform quota is spent; an administrator can resume it.",
}

// errorsForScope replaces each account's last_error message by its class's
// generic text for a unit-scoped token (unit != "").
func errorsForScope(states []store.AccountState, unit string) []store.AccountState {
	if unit == "" {
		return states
	}
	out := make([]store.AccountState, len(states))
	for i, st := range states {
		if e := st.LastError; e != nil {
			msg, ok := scopedErrorText[e.Class]
			if !ok {
				msg = "The account's last poll or reply failed; inboxd retries it. An administrator can see the details."
			}
			st.LastError = &store.AccountError{Class: e.Class, Message: msg, At: e.At}
		}
		out[i] = st
	}
	return out
}

type accountList struct {
	Accounts []accountView `json:"accounts"`
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) error {
	states, err := s.accountStates()
	if err != nil {
		return err
	}
	states = errorsForScope(states, scope(r))
	quarantine, err := s.store.QuarantineSummaries()
	if err != nil {
		return err
	}
	out := make([]accountView, len(states))
	for i, st := range states {
		out[i] = accountView{AccountState: st, Quarantine: quarantine[st.Name]}
	}
	return writeJSON(w, http.StatusOK, accountList{Accounts: out})
}

type accountAction struct {
	Account string `json:"account"`
	Action  string `json:"action"`
	Status  string `json:"status"`
}

func (s *Server) pollAccount(w http.ResponseWriter, r *http.Request) error {
	return s.accountAction(w, r, "poll", func(c AccountControl) func(context.Context, string) error { return c.PollNow })
}

func (s *Server) resumeAccount(w http.ResponseWriter, r *http.Request) error {
	return s.accountAction(w, r, "resume", func(c AccountControl) func(context.Context, string) error { return c.Resume })
}

func (s *Server) accountAction(w http.ResponseWriter, r *http.Request, action string, pick func(AccountControl) func(context.Context, string) error) error {
	name := r.PathValue("name")
	known := false
	for _, a := range s.accountList() {
		known = known || a.Name == name
	}
	if !known {
		return errNotFound("account " + strconv.Quote(name))
	}
	if s.control == nil {
		return problem(http.StatusServiceUnavailable, "scheduler-not-running",
			"the scheduler is not running in this process, so accounts cannot be polled or resumed from the API")
	}
	if err := pick(s.control)(r.Context(), name); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("account " + strconv.Quote(name))
		}
		var wait interface{ RetryTime() time.Time }
		if errors.As(err, &wait) && wait.RetryTime().After(s.now()) {
			at := wait.RetryTime()
			p := problem(http.StatusTooManyRequests, "budget-spent", fmt.Sprintf("%s %s: %v", action, name, err))
			p.RetryAt = &at
			p.header = http.Header{"Retry-After": {strconv.Itoa(int(math.Ceil(at.Sub(s.now()).Seconds())))}}
			return p
		}
		s.log.Warn("account action refused", "account", name, "action", action, "err", err)
		return problem(http.StatusConflict, "account-action", fmt.Sprintf("%s %s: %v", action, name, err))
	}
	s.log.Info("account action", "account", name, "action", action, "actor", actor(r))
	return writeJSON(w, http.StatusAccepted, accountAction{Account: name, Action: action, Status: "accepted"})
}

// statsResponse is the store's counters plus the accounts.
type statsResponse struct {
	store.Stats
	Accounts []store.AccountState `json:"accounts"`
}

func (s *Server) stats(w http.ResponseWriter, r *http.Request) error {
	unit := r.URL.Query().Get("unit")
	var v validationErrors
	checkText(&v, "unit", unit, maxNameLen)
	if err := v.err(); err != nil {
		return err
	}
	unit, err := scopedUnit(r, unit)
	if err != nil {
		return err
	}
	st, err := s.store.Stats(unit)
	if err != nil {
		return err
	}
	accounts, err := s.accountStates()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, statsResponse{Stats: st, Accounts: errorsForScope(accounts, scope(r))})
}

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) error {
	return writeBody(w, http.StatusOK, "application/json", s.openapi)
}

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) error {
	s.metrics.handler.ServeHTTP(w, r)
	return nil
}

// --- tokens

type newToken struct {
	Name string     `json:"name"`
	Role inbox.Role `json:"role"`
	Unit string     `json:"unit"`
}

type createdToken struct {
	Token  store.Token `json:"token"`
	Secret string      `json:"secret"`
}

type tokenList struct {
	Tokens     []store.Token `json:"tokens"`
	NextCursor string        `json:"next_cursor"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var body newToken
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	var v validationErrors
	if err := inbox.CheckTokenName(body.Name); err != nil {
		v.add("name", "%v", err)
	}
	if !body.Role.Valid() {
		v.add("role", "must be viewer, operator or admin")
	}
	checkText(&v, "unit", body.Unit, maxNameLen)
	if body.Unit == "-" {
		v.add("unit", `"-" is not a unit`)
	} else {
		s.checkUnit(&v, "unit", strings.TrimSpace(body.Unit))
	}
	if err := v.err(); err != nil {
		return err
	}
	secret, t, err := s.store.CreateToken(body.Name, body.Role, body.Unit)
	if errors.Is(err, store.ErrConflict) {
		return problem(http.StatusConflict, "conflict", "a token named "+strconv.Quote(body.Name)+" exists; revoke it first",
			FieldError{Field: "name", Message: "already exists"})
	}
	if err != nil {
		return err
	}
	s.log.Info("token created", "name", t.Name, "role", t.Role, "unit", t.Unit, "actor", actor(r))
	return writeJSON(w, http.StatusCreated, createdToken{Token: t, Secret: secret})
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := parseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	var after string
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || inbox.CheckTokenName(string(b)) != nil {
			return badRequest("cursor", "invalid cursor; start again without it")
		}
		after = string(b)
	}
	ts, next, err := s.store.TokensPage(after, limit)
	if err != nil {
		return err
	}
	out := tokenList{Tokens: ts}
	if next != "" {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	err := s.store.RevokeToken(name)
	s.tokens.clear() // before answering: the revoked token must stop working now
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("token " + strconv.Quote(name))
	}
	if err != nil {
		return err
	}
	s.log.Info("token revoked", "name", name, "actor", actor(r))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- debug

type freedMemory struct {
	HeapSys      uint64 `json:"heap_sys_bytes"`
	HeapInuse    uint64 `json:"heap_inuse_bytes"`
	HeapReleased uint64 `json:"heap_released_bytes"`
}

// freeMemory returns freed pages to the OS now, so a measurement of the
// process's resident memory (docs/LIMITS.md) need not wait for the
// scavenger.
func (s *Server) freeMemory(w http.ResponseWriter, r *http.Request) error {
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.log.Info("freed memory on request", "actor", actor(r), "heap_inuse_bytes", m.HeapInuse, "heap_released_bytes", m.HeapReleased)
	return writeJSON(w, http.StatusOK, freedMemory{HeapSys: m.HeapSys, HeapInuse: m.HeapInuse, HeapReleased: m.HeapReleased})
}

// --- backup

// backup streams a temporary copy of the data file, so a slow client holds
// no transaction open.
func (s *Server) backup(w http.ResponseWriter, r *http.Request) error {
	f, size, err := s.store.BackupFile(r.Context())
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(backupWriteTimeout))
	name := "inboxd-" + strings.ReplaceAll(s.now().UTC().Format("20060102T150405Z"), ":", "") + ".db"
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	n, err := io.Copy(w, f)
	if err != nil || n != size {
		// Headers are gone; the short Content-Length tells the client.
		s.log.Warn("backup download ended early", append(requestIDs(r.Context()), "bytes", n, "size", size, "err", err)...)
		return nil
	}
	s.log.Info("backup served", "bytes", n, "actor", actor(r))
	return nil
}
