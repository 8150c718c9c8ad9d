package api

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/password"
	"github.com/inboxd/inboxd/pkg/store"
)

// People sign in with a username and password and get a session cookie;
// every /api/v1 route accepts it as it accepts a bearer token. The session
// id is 32 random bytes; the store keeps only its SHA-256. See
// docs/USERS.md.

const (
	// Cookie names: __Host- (Secure, Path=/, no Domain) where the cookie is
	// Secure; browsers refuse the prefix on plain HTTP.
	sessionCookieSecure = "__Host-inboxd_session"
	sessionCookiePlain  = "inboxd_session"

	// sessionTouchEvery bounds how often a session's last-seen time is
	// written: idle expiry is exact to this much, and a busy browser does
	// not write on every request.
	sessionTouchEvery = time.Minute
)

// sessionCookie returns the session id the request carries ("" none).
func sessionCookie(r *http.Request) string {
	for _, name := range []string{sessionCookieSecure, sessionCookiePlain} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// secureCookie says whether the cookie must be Secure: served over TLS,
// or people reach inboxd through an https public_url (a TLS proxy).
func (s *Server) secureCookie(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.publicURL, "https://")
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, sid string, maxAge int) {
	name := sessionCookiePlain
	secure := s.secureCookie(r)
	if secure {
		name = sessionCookieSecure
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: sid, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// sessionAuth authenticates a request by its session cookie. A
// state-changing request from another origin is refused (403) before the
// session is even looked up.
func (s *Server) sessionAuth(r *http.Request, sid string) (*principal, error) {
	if err := s.crossOrigin(r); err != nil {
		return nil, err
	}
	hash := password.HashCode(sid)
	sess, u, err := s.store.Session(hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSessionEnded()
	}
	if err != nil {
		return nil, fmt.Errorf("look up session: %w", err)
	}
	now := s.now()
	if s.sessionExpired(sess, now) {
		if err := s.store.DeleteSession(hash); err != nil {
			s.log.Warn("deleting an expired session", "username", sess.Username, "err", err)
		}
		return nil, errSessionEnded()
	}
	if now.Sub(sess.LastSeenAt) >= sessionTouchEvery {
		if err := s.store.TouchSession(hash, now); err != nil {
			s.log.Warn("recording session activity", "username", sess.Username, "err", err)
		}
	}
	return &principal{Name: u.Username, Role: u.Role, Unit: u.Unit, DisplayName: u.DisplayName, session: hash}, nil
}

func (s *Server) sessionExpired(sess store.Session, now time.Time) bool {
	return now.Sub(sess.LastSeenAt) >= s.sessionIdle || now.Sub(sess.CreatedAt) >= s.sessionAbsolute
}

func errSessionEnded() *Problem {
	p := errUnauthenticated()
	p.Detail = "the session has ended or expired; sign in again"
	return authFailure(p, reasonSessionEnded)
}

// crossOrigin refuses a state-changing browser request from another origin
// (Sec-Fetch-Site, else Origin against Host, else a trusted origin).
func (s *Server) crossOrigin(r *http.Request) error {
	if err := s.csrf.Check(r); err != nil {
		return authFailure(problem(http.StatusForbidden, "cross-origin",
			"a state-changing request with the session cookie must come from inboxd's own origin (or an http.trusted_origins entry)"),
			reasonCrossOrigin)
	}
	return nil
}

// --- routes

type signIn struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type setPasswordBody struct {
	Code     string `json:"code"`
	Password string `json:"password"`
}

type sessionInfo struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Unit        string `json:"unit"`
}

// errBadCredentials is the one answer for an unknown user, a wrong
// password, a disabled user and a user without a password yet.
func errBadCredentials() *Problem {
	return authFailure(problem(http.StatusUnauthorized, "bad-credentials", "wrong username or password"), reasonBadCredentials)
}

// authLog logs a sign-in, sign-out or password change: failures at warn.
func (s *Server) authLog(r *http.Request, msg, username, outcome string) {
	level := slog.LevelInfo
	if outcome != "ok" {
		level = slog.LevelWarn
	}
	s.logAt(r, level, msg, "outcome", outcome, "username", username, "client", s.clientAddr(r))
}

// logInfo logs with the request's ids.
func (s *Server) logInfo(r *http.Request, msg string, args ...any) {
	s.logAt(r, slog.LevelInfo, msg, args...)
}

func (s *Server) logAt(r *http.Request, level slog.Level, msg string, args ...any) {
	s.log.Log(r.Context(), level, msg, append(args, requestIDs(r.Context())...)...)
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := s.crossOrigin(r); err != nil {
		return err
	}
	var body signIn
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	username := strings.ToLower(strings.TrimSpace(body.Username))
	if len(username) > 64 {
		username = username[:64] // no valid username is longer; bounds the throttle's keys and logs
	}
	client := s.clientAddr(r)
	now := s.now()
	if wait := s.signIns.wait(username, client, now); wait > 0 {
		s.authLog(r, "sign-in", username, "throttled")
		s.metrics.auth("sign_in", "throttled")
		p := problem(http.StatusTooManyRequests, "throttled", "too many failed sign-ins; wait before trying again")
		p.header = http.Header{"Retry-After": {strconv.Itoa(int((wait + time.Second - 1) / time.Second))}}
		return p
	}
	u, hash, err := s.store.UserCredentials(username)
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("sign in: %w", err)
	}
	// An unknown user is checked against a dummy hash: the same work, so
	// the same answer in about the same time.
	ok, err := s.hasher.Verify(r.Context(), hash, body.Password)
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	outcome := "ok"
	switch {
	case !known:
		outcome = "unknown_user"
	case !ok:
		outcome = "wrong_password"
	case u.Disabled:
		outcome = "disabled"
	}
	if outcome != "ok" {
		s.signIns.fail(username, client, now)
		s.authLog(r, "sign-in", username, outcome)
		s.metrics.auth("sign_in", "failed")
		return errBadCredentials()
	}
	sid, err := newSessionID()
	if err != nil {
		return err
	}
	if err := s.store.CreateSession(password.HashCode(sid), username, now); err != nil {
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) { // disabled or removed meanwhile
			s.authLog(r, "sign-in", username, "disabled")
			s.metrics.auth("sign_in", "failed")
			return errBadCredentials()
		}
		return fmt.Errorf("sign in: %w", err)
	}
	s.signIns.succeed(username)
	s.setSessionCookie(w, r, sid, int(s.sessionAbsolute/time.Second))
	s.authLog(r, "sign-in", username, "ok")
	s.metrics.auth("sign_in", "ok")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func newSessionID() (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// signOut ends this browser's session (or, with ?everywhere=true, all of
// the user's sessions) and clears the cookie. Without a session it still
// answers 204: the browser is signed out either way.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	everywhere := r.URL.Query().Get("everywhere")
	if everywhere != "" && everywhere != "true" && everywhere != "false" {
		return badRequest("everywhere", "must be true or false")
	}
	sid := sessionCookie(r)
	if sid != "" {
		if err := s.crossOrigin(r); err != nil {
			return err
		}
		hash := password.HashCode(sid)
		sess, _, err := s.store.Session(hash)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if everywhere == "true" {
				return errSessionEnded()
			}
		case err != nil:
			return fmt.Errorf("sign out: %w", err)
		case everywhere == "true":
			n, err := s.store.DeleteUserSessions(sess.Username)
			if err != nil {
				return fmt.Errorf("sign out everywhere: %w", err)
			}
			s.endUserStreams(sess.Username, nil)
			s.logInfo(r, "signed out everywhere", "username", sess.Username, "sessions", n, "client", s.clientAddr(r))
			s.metrics.auth("sign_out", "everywhere")
		default:
			if err := s.store.DeleteSession(hash); err != nil {
				return fmt.Errorf("sign out: %w", err)
			}
			s.endUserStreams(sess.Username, hash)
			s.authLog(r, "sign-out", sess.Username, "ok")
			s.metrics.auth("sign_out", "ok")
		}
	} else if everywhere == "true" {
		return errUnauthenticated()
	}
	s.setSessionCookie(w, r, "", -1)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// whoAmI describes the caller: the signed-in person, or the token.
func (s *Server) whoAmI(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r)
	return writeJSON(w, http.StatusOK, sessionInfo{Username: p.Name, DisplayName: p.DisplayName, Role: string(p.Role), Unit: p.Unit})
}

// setPassword sets a password from a one-time link's code.
func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) error {
	if err := s.crossOrigin(r); err != nil {
		return err
	}
	var body setPasswordBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	hash := password.HashCode(body.Code)
	now := s.now()
	badCode := func() error {
		s.authLog(r, "password change", "", "invalid_code")
		s.metrics.auth("set_password", "invalid_code")
		return problem(http.StatusBadRequest, "invalid-code", "the set-password link is unknown, used or expired; ask an admin for a new one",
			FieldError{Field: "code", Message: "unknown, used or expired"})
	}
	if body.Code == "" {
		return badCode()
	}
	u, err := s.store.PasswordCodeUser(hash, now)
	if errors.Is(err, store.ErrNotFound) {
		return badCode()
	}
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if err := password.Check(u.Username, body.Password); err != nil {
		s.authLog(r, "password change", u.Username, "refused")
		s.metrics.auth("set_password", "refused")
		return invalid("password", "%s", strings.TrimPrefix(err.Error(), "password "))
	}
	encoded, err := s.hasher.Hash(r.Context(), body.Password)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if _, _, err := s.store.UsePasswordCode(hash, s.now(), encoded); errors.Is(err, store.ErrNotFound) {
		return badCode() // used by a concurrent request, or just expired
	} else if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	s.endUserStreams(u.Username, nil)
	s.authLog(r, "password change", u.Username, "ok")
	s.metrics.auth("set_password", "ok")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- live streams of people

// userStream is one open event stream of a signed-in person; end closes
// when their session (or all their sessions) end.
type userStream struct {
	session []byte
	end     chan struct{}
}

func (s *Server) addUserStream(username string, session []byte) *userStream {
	us := &userStream{session: session, end: make(chan struct{})}
	s.userStreamMu.Lock()
	defer s.userStreamMu.Unlock()
	if s.userStreams[username] == nil {
		s.userStreams[username] = map[*userStream]struct{}{}
	}
	s.userStreams[username][us] = struct{}{}
	return us
}

func (s *Server) removeUserStream(username string, us *userStream) {
	s.userStreamMu.Lock()
	defer s.userStreamMu.Unlock()
	delete(s.userStreams[username], us)
	if len(s.userStreams[username]) == 0 {
		delete(s.userStreams, username)
	}
}

// endUserStreams ends the open streams of one session of username, or of
// all of its sessions when session is nil.
func (s *Server) endUserStreams(username string, session []byte) {
	s.userStreamMu.Lock()
	defer s.userStreamMu.Unlock()
	for us := range s.userStreams[username] {
		if session == nil || string(us.session) == string(session) {
			close(us.end)
			delete(s.userStreams[username], us)
		}
	}
	if len(s.userStreams[username]) == 0 {
		delete(s.userStreams, username)
	}
}

// streamSessionValid re-checks a stream's session on each heartbeat, so a
// session that expired while the stream was open ends it.
func (s *Server) streamSessionValid(session []byte) bool {
	sess, _, err := s.store.Session(session)
	return err == nil && s.now().Sub(sess.CreatedAt) < s.sessionAbsolute
}
