package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Users are people who sign in with a password (pkg/password hashes it;
// the store only keeps the encoded hash). Their sessions and one-time
// set-password codes are kept by the SHA-256 of the secret, never the
// secret itself. Expiry is the caller's policy: the store records times
// and deletes what it is told to.

// User is a person who signs in, as the API and CLI show it.
type User struct {
	Username     string     `json:"username"`
	DisplayName  string     `json:"display_name"`
	Role         inbox.Role `json:"role"`
	Unit         string     `json:"unit,omitempty"` // scope; empty: all units
	Disabled     bool       `json:"disabled"`
	PasswordSet  bool       `json:"password_set"`
	CreatedAt    time.Time  `json:"created_at"`
	LastSignInAt *time.Time `json:"last_sign_in_at,omitempty"`
}

// UserDetail is a user with the audit trail of changes to it.
type UserDetail struct {
	User
	Audit []inbox.AuditEntry `json:"audit"`
}

// PasswordCode is a one-time set-password code: the SHA-256 of the code
// that travels in the link, and when it stops working.
type PasswordCode struct {
	Hash      []byte
	ExpiresAt time.Time
}

// Session is a signed-in browser, stored by the hash of its id.
type Session struct {
	Username   string    `json:"username"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

type userRecord struct {
	User
	PasswordHash string    `json:"password_hash,omitempty"`
	CodeHash     []byte    `json:"code_hash,omitempty"`
	CodeExpires  time.Time `json:"code_expires_at,omitzero"`
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

const maxDisplayName = 100

// NewUser is what CreateUser needs; PasswordHash may be empty (the user
// sets it through the code).
type NewUser struct {
	Username     string
	DisplayName  string
	Role         inbox.Role
	Unit         string
	PasswordHash string
}

func checkUsername(name string) error {
	if !usernameRE.MatchString(name) {
		return &ValidationError{Field: "username", Message: fmt.Sprintf("%q must be 1-64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit", name)}
	}
	return nil
}

func checkDisplayName(v string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case len([]rune(v)) > maxDisplayName:
		return "", &ValidationError{Field: "display_name", Message: fmt.Sprintf("is longer than %d characters", maxDisplayName)}
	case !validText(v):
		return "", &ValidationError{Field: "display_name", Message: "must not hold control characters"}
	}
	return v, nil
}

func checkScopeUnit(unit string) (string, error) {
	if unit != "" && strings.TrimSpace(unit) == "" {
		return "", &ValidationError{Field: "unit", Message: "is blank; leave it out for every unit"}
	}
	return checkName("unit", unit)
}

// CreateUser stores a new user; code, when non-nil, is its first
// set-password code. actor is written to the user's audit trail.
func (s *Store) CreateUser(actor string, nu NewUser, code *PasswordCode) (User, error) {
	var u User
	if err := checkUsername(nu.Username); err != nil {
		return u, err
	}
	if !nu.Role.Valid() {
		return u, &ValidationError{Field: "role", Message: fmt.Sprintf("unknown role %q; one of admin, operator, viewer", nu.Role)}
	}
	display, err := checkDisplayName(nu.DisplayName)
	if err != nil {
		return u, err
	}
	unit, err := checkScopeUnit(nu.Unit)
	if err != nil {
		return u, err
	}
	err = s.write(func(w *wctx) error {
		if w.tx.Bucket(bUsers).Get([]byte(nu.Username)) != nil {
			return fmt.Errorf("user %q already exists: %w", nu.Username, ErrConflict)
		}
		rec := userRecord{User: User{Username: nu.Username, DisplayName: display, Role: nu.Role, Unit: unit,
			CreatedAt: w.now, PasswordSet: nu.PasswordHash != ""}, PasswordHash: nu.PasswordHash}
		if code != nil {
			if err := setCode(w.tx, &rec, *code); err != nil {
				return err
			}
		}
		u = rec.User
		if err := putUser(w.tx, rec); err != nil {
			return err
		}
		return w.userAudit(nu.Username, actor, "created", "", string(nu.Role)+unitSuffix(unit))
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

func unitSuffix(unit string) string {
	if unit == "" {
		return ""
	}
	return " of " + unit
}

func putUser(tx *bolt.Tx, rec userRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return tx.Bucket(bUsers).Put([]byte(rec.Username), v)
}

func getUser(tx *bolt.Tx, name string) (userRecord, error) {
	var rec userRecord
	v := tx.Bucket(bUsers).Get([]byte(name))
	if v == nil {
		return rec, fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	if err := json.Unmarshal(v, &rec); err != nil {
		return rec, fmt.Errorf("user %q: %w", name, err)
	}
	return rec, nil
}

// setCode replaces the user's set-password code (an older link stops
// working).
func setCode(tx *bolt.Tx, rec *userRecord, code PasswordCode) error {
	codes := tx.Bucket(bUserCodes)
	if rec.CodeHash != nil {
		if err := codes.Delete(rec.CodeHash); err != nil {
			return err
		}
	}
	rec.CodeHash, rec.CodeExpires = bytes.Clone(code.Hash), code.ExpiresAt.UTC()
	return codes.Put(rec.CodeHash, []byte(rec.Username))
}

func clearCode(tx *bolt.Tx, rec *userRecord) error {
	if rec.CodeHash == nil {
		return nil
	}
	if err := tx.Bucket(bUserCodes).Delete(rec.CodeHash); err != nil {
		return err
	}
	rec.CodeHash, rec.CodeExpires = nil, time.Time{}
	return nil
}

func (w *wctx) userAudit(username, actor, field, from, to string) error {
	e := inbox.AuditEntry{At: w.now, Actor: actor, Field: field, From: from, To: to}
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return w.tx.Bucket(bUserAudit).Put(withID(prefix(username), w.s.newID(w.now)), raw)
}

// Users lists users by username.
func (s *Store) Users() ([]User, error) {
	out := []User{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bUsers).ForEach(func(k, v []byte) error {
			var rec userRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("user %q: %w", k, err)
			}
			out = append(out, rec.User)
			return nil
		})
	})
	return out, err
}

// User returns one user with its audit trail.
func (s *Store) User(name string) (UserDetail, error) {
	var d UserDetail
	err := s.view(func(tx *bolt.Tx) error {
		rec, err := getUser(tx, name)
		if err != nil {
			return err
		}
		d.User = rec.User
		d.Audit, err = auditUnder(tx.Bucket(bUserAudit), prefix(name))
		return err
	})
	return d, err
}

// auditUnder reads the audit entries stored under p (a user's, a
// template's), oldest first; never nil.
func auditUnder(b *bolt.Bucket, p []byte) ([]inbox.AuditEntry, error) {
	out := []inbox.AuditEntry{}
	err := forEachUnder(b, p, func(v []byte) error {
		var a inbox.AuditEntry
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// UserCredentials returns the user and its encoded password hash ("" when
// none is set yet), for signing in.
func (s *Store) UserCredentials(name string) (User, string, error) {
	var rec userRecord
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		rec, err = getUser(tx, name)
		return err
	})
	return rec.User, rec.PasswordHash, err
}

// UserChange is a partial change of a user; nil fields stay.
type UserChange struct {
	DisplayName *string
	Role        *inbox.Role
	Unit        *string // "" removes the scope
	Disabled    *bool
}

// UpdateUser applies ch, audits each changed field and, when the role,
// unit or disabled flag changed, deletes the user's sessions (their
// number is returned: the caller ends live streams too).
func (s *Store) UpdateUser(actor, name string, ch UserChange) (User, int, error) {
	var (
		u     User
		ended int
	)
	if ch.Role != nil && !ch.Role.Valid() {
		return u, 0, &ValidationError{Field: "role", Message: fmt.Sprintf("unknown role %q; one of admin, operator, viewer", *ch.Role)}
	}
	var display, unit string
	var err error
	if ch.DisplayName != nil {
		if display, err = checkDisplayName(*ch.DisplayName); err != nil {
			return u, 0, err
		}
	}
	if ch.Unit != nil {
		if unit, err = checkScopeUnit(*ch.Unit); err != nil {
			return u, 0, err
		}
	}
	err = s.write(func(w *wctx) error {
		rec, err := getUser(w.tx, name)
		if err != nil {
			return err
		}
		endSessions := false
		type change struct{ field, from, to string }
		var changes []change
		if ch.DisplayName != nil && display != rec.DisplayName {
			changes = append(changes, change{"display_name", rec.DisplayName, display})
			rec.DisplayName = display
		}
		if ch.Role != nil && *ch.Role != rec.Role {
			changes = append(changes, change{"role", string(rec.Role), string(*ch.Role)})
			rec.Role, endSessions = *ch.Role, true
		}
		if ch.Unit != nil && unit != rec.Unit {
			changes = append(changes, change{"unit", rec.Unit, unit})
			rec.Unit, endSessions = unit, true
		}
		if ch.Disabled != nil && *ch.Disabled != rec.Disabled {
			changes = append(changes, change{"disabled", fmt.Sprint(rec.Disabled), fmt.Sprint(*ch.Disabled)})
			rec.Disabled = *ch.Disabled
			endSessions = endSessions || rec.Disabled
		}
		u = rec.User
		if len(changes) == 0 {
			w.noop = true
			return nil
		}
		for _, c := range changes {
			if err := w.userAudit(name, actor, c.field, c.from, c.to); err != nil {
				return err
			}
		}
		if endSessions {
			if ended, err = deleteUserSessions(w.tx, name); err != nil {
				return err
			}
		}
		return putUser(w.tx, rec)
	})
	if err != nil {
		return User{}, 0, err
	}
	return u, ended, nil
}

// ResetPassword removes the user's password, ends its sessions and sets a
// new one-time code (the old password and any older link stop working).
func (s *Store) ResetPassword(actor, name string, code PasswordCode) (int, error) {
	var ended int
	err := s.write(func(w *wctx) error {
		rec, err := getUser(w.tx, name)
		if err != nil {
			return err
		}
		ended, err = w.replacePassword(rec, "", &code, actor, "reset")
		return err
	})
	return ended, err
}

// replacePassword stores a new password hash ("" none) and set-password
// code (nil none) for the user, ends its sessions and audits the change.
func (w *wctx) replacePassword(rec userRecord, hash string, code *PasswordCode, actor, audit string) (int, error) {
	var err error
	if code != nil {
		err = setCode(w.tx, &rec, *code)
	} else {
		err = clearCode(w.tx, &rec)
	}
	if err != nil {
		return 0, err
	}
	rec.PasswordHash, rec.PasswordSet = hash, hash != ""
	ended, err := deleteUserSessions(w.tx, rec.Username)
	if err != nil {
		return 0, err
	}
	if err := w.userAudit(rec.Username, actor, "password", "", audit); err != nil {
		return 0, err
	}
	return ended, putUser(w.tx, rec)
}

// codeUser finds the user of a code still valid at now.
func codeUser(tx *bolt.Tx, codeHash []byte, now time.Time) (userRecord, error) {
	name := tx.Bucket(bUserCodes).Get(codeHash)
	if name == nil {
		return userRecord{}, fmt.Errorf("set-password code: %w", ErrNotFound)
	}
	rec, err := getUser(tx, string(name))
	if err != nil {
		return rec, err
	}
	if !bytes.Equal(rec.CodeHash, codeHash) || !now.Before(rec.CodeExpires) {
		return rec, fmt.Errorf("set-password code: %w", ErrNotFound)
	}
	return rec, nil
}

// PasswordCodeUser returns the user a set-password code belongs to, or
// ErrNotFound when the code is unknown, used, replaced or expired at now.
func (s *Store) PasswordCodeUser(codeHash []byte, now time.Time) (User, error) {
	var u User
	err := s.view(func(tx *bolt.Tx) error {
		rec, err := codeUser(tx, codeHash, now)
		u = rec.User
		return err
	})
	return u, err
}

// UsePasswordCode sets the password of the code's user and spends the
// code, re-checking it inside the write so it works once. The user's
// sessions end (a new password signs everyone out).
func (s *Store) UsePasswordCode(codeHash []byte, now time.Time, passwordHash string) (User, int, error) {
	var (
		u     User
		ended int
	)
	err := s.write(func(w *wctx) error {
		rec, err := codeUser(w.tx, codeHash, now)
		if err != nil {
			return err
		}
		u = rec.User
		u.PasswordSet = true
		ended, err = w.replacePassword(rec, passwordHash, nil, rec.Username, "set with link")
		return err
	})
	return u, ended, err
}

// --- sessions

func sessionIndexKey(username string, hash []byte) []byte { return withID(prefix(username), hash) }

// CreateSession stores a session for an enabled user and records the
// sign-in time.
func (s *Store) CreateSession(hash []byte, username string, at time.Time) error {
	at = at.UTC()
	return s.write(func(w *wctx) error {
		rec, err := getUser(w.tx, username)
		if err != nil {
			return err
		}
		if rec.Disabled {
			return fmt.Errorf("user %q is disabled: %w", username, ErrConflict)
		}
		v, err := json.Marshal(Session{Username: username, CreatedAt: at, LastSeenAt: at})
		if err != nil {
			return err
		}
		if err := w.tx.Bucket(bSessions).Put(hash, v); err != nil {
			return err
		}
		if err := w.tx.Bucket(bUserSessions).Put(sessionIndexKey(username, hash), nil); err != nil {
			return err
		}
		rec.LastSignInAt = &at
		return putUser(w.tx, rec)
	})
}

// Session returns a session and its user; ErrNotFound when the session is
// unknown or its user is gone or disabled.
func (s *Store) Session(hash []byte) (Session, User, error) {
	var (
		sess Session
		u    User
	)
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bSessions).Get(hash)
		if v == nil {
			return fmt.Errorf("session: %w", ErrNotFound)
		}
		if err := json.Unmarshal(v, &sess); err != nil {
			return fmt.Errorf("session: %w", err)
		}
		rec, err := getUser(tx, sess.Username)
		if err != nil {
			return err
		}
		if rec.Disabled {
			return fmt.Errorf("session: user disabled: %w", ErrNotFound)
		}
		u = rec.User
		return nil
	})
	return sess, u, err
}

// TouchSession records activity on a session (an unknown one is skipped).
func (s *Store) TouchSession(hash []byte, at time.Time) error {
	return s.write(func(w *wctx) error {
		b := w.tx.Bucket(bSessions)
		v := b.Get(hash)
		if v == nil {
			w.noop = true
			return nil
		}
		var sess Session
		if err := json.Unmarshal(v, &sess); err != nil {
			return err
		}
		if !at.After(sess.LastSeenAt) {
			w.noop = true
			return nil
		}
		sess.LastSeenAt = at.UTC()
		nv, err := json.Marshal(sess)
		if err != nil {
			return err
		}
		return b.Put(hash, nv)
	})
}

// DeleteSession removes one session (signing out); an unknown one is no
// error.
func (s *Store) DeleteSession(hash []byte) error {
	return s.write(func(w *wctx) error {
		v := w.tx.Bucket(bSessions).Get(hash)
		if v == nil {
			w.noop = true
			return nil
		}
		var sess Session
		if err := json.Unmarshal(v, &sess); err != nil {
			return err
		}
		if err := w.tx.Bucket(bUserSessions).Delete(sessionIndexKey(sess.Username, hash)); err != nil {
			return err
		}
		return w.tx.Bucket(bSessions).Delete(hash)
	})
}

// DeleteUserSessions removes every session of a user (sign out
// everywhere) and returns how many there were.
func (s *Store) DeleteUserSessions(username string) (int, error) {
	var n int
	err := s.write(func(w *wctx) error {
		var err error
		n, err = deleteUserSessions(w.tx, username)
		if n == 0 {
			w.noop = true
		}
		return err
	})
	return n, err
}

func deleteUserSessions(tx *bolt.Tx, username string) (int, error) {
	p := prefix(username)
	ix := tx.Bucket(bUserSessions)
	var keys [][]byte
	c := ix.Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	sessions := tx.Bucket(bSessions)
	for _, k := range keys {
		if err := sessions.Delete(k[len(p):]); err != nil {
			return 0, err
		}
		if err := ix.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}
