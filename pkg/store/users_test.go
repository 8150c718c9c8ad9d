package store

import (
	"errors"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	s := e.s
	code := PasswordCode{Hash: hashSecret("code-1"), ExpiresAt: e.clock.Now().Add(24 * time.Hour)}
	u, err := s.CreateUser("admin", NewUser{Username: "siti", DisplayName: " Siti Rahma ", Role: inbox.RoleOperator, Unit: "dinas-pu"}, &code)
	if err != nil {
		t.Fatal(err)
	}
	if u.DisplayName != "Siti Rahma" || u.PasswordSet || u.Disabled || !u.CreatedAt.Equal(e.clock.Now()) {
		t.Fatalf("created %+v", u)
	}
	if _, err := s.CreateUser("admin", NewUser{Username: "siti", Role: inbox.RoleViewer}, nil); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate user: %v", err)
	}
	for _, bad := range []NewUser{{Username: "Siti", Role: inbox.RoleViewer}, {Username: "a b", Role: inbox.RoleViewer}, {Username: "", Role: inbox.RoleViewer}} {
		_, err := s.CreateUser("admin", bad, nil)
		wantValidation(t, err, "username")
	}
	_, err = s.CreateUser("admin", NewUser{Username: "budi", Role: "root"}, nil)
	wantValidation(t, err, "role")
	_, err = s.CreateUser("admin", NewUser{Username: "budi", Role: inbox.RoleViewer, Unit: "  "}, nil)
	wantValidation(t, err, "unit")

	// The code works once, before it expires.
	if got, err := s.PasswordCodeUser(hashSecret("code-1"), e.clock.Now()); err != nil || got.Username != "siti" {
		t.Fatalf("code user: %+v, %v", got, err)
	}
	if _, err := s.PasswordCodeUser(hashSecret("code-1"), code.ExpiresAt); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired code: %v", err)
	}
	if _, _, err := s.UsePasswordCode(hashSecret("code-1"), e.clock.Now(), "hash-1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UsePasswordCode(hashSecret("code-1"), e.clock.Now(), "hash-2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second use of a code: %v", err)
	}
	if u, h, err := s.UserCredentials("siti"); err != nil || h != "hash-1" || !u.PasswordSet {
		t.Fatalf("credentials: %+v %q %v", u, h, err)
	}

	// Sessions; changing the role ends them.
	for _, sid := range []string{"s1", "s2"} {
		if err := s.CreateSession(hashSecret(sid), "siti", e.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if sess, u, err := s.Session(hashSecret("s1")); err != nil || sess.Username != "siti" || u.Role != inbox.RoleOperator {
		t.Fatalf("session: %+v %+v %v", sess, u, err)
	}
	later := e.clock.Now().Add(time.Hour)
	if err := s.TouchSession(hashSecret("s1"), later); err != nil {
		t.Fatal(err)
	}
	if sess, _, _ := s.Session(hashSecret("s1")); !sess.LastSeenAt.Equal(later) {
		t.Fatalf("touched session %+v", sess)
	}
	if err := s.DeleteSession(hashSecret("s2")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Session(hashSecret("s2")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}
	viewer := inbox.RoleViewer
	if _, ended, err := s.UpdateUser("admin", "siti", UserChange{Role: &viewer}); err != nil || ended != 1 {
		t.Fatalf("role change: ended %d, %v", ended, err)
	}
	if _, _, err := s.Session(hashSecret("s1")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session after role change: %v", err)
	}

	// Disabled users cannot sign in; enabling does not bring sessions back.
	yes, no := true, false
	if err := s.CreateSession(hashSecret("s3"), "siti", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, ended, err := s.UpdateUser("admin", "siti", UserChange{Disabled: &yes}); err != nil || ended != 1 {
		t.Fatalf("disable: ended %d, %v", ended, err)
	}
	if err := s.CreateSession(hashSecret("s4"), "siti", e.clock.Now()); !errors.Is(err, ErrConflict) {
		t.Fatalf("session of a disabled user: %v", err)
	}
	if _, ended, err := s.UpdateUser("admin", "siti", UserChange{Disabled: &no}); err != nil || ended != 0 {
		t.Fatalf("enable: ended %d, %v", ended, err)
	}

	// A reset removes the password and ends sessions; the new code works.
	if err := s.CreateSession(hashSecret("s5"), "siti", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	code2 := PasswordCode{Hash: hashSecret("code-2"), ExpiresAt: e.clock.Now().Add(24 * time.Hour)}
	if ended, err := s.ResetPassword("admin", "siti", code2); err != nil || ended != 1 {
		t.Fatalf("reset: ended %d, %v", ended, err)
	}
	if _, h, _ := s.UserCredentials("siti"); h != "" {
		t.Fatalf("password after reset: %q", h)
	}

	// Everything survives a reopen, and the audit trail names the actors.
	e.reopen()
	d, err := e.s.User("siti")
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, a := range d.Audit {
		fields = append(fields, a.Actor+":"+a.Field+"="+a.To)
	}
	want := []string{"admin:created=operator of dinas-pu", "siti:password=set with link", "admin:role=viewer",
		"admin:disabled=true", "admin:disabled=false", "admin:password=reset"}
	if len(fields) != len(want) {
		t.Fatalf("audit %v, want %v", fields, want)
	}
	for i := range want {
		if fields[i] != want[i] {
			t.Fatalf("audit %v, want %v", fields, want)
		}
	}
	if d.LastSignInAt == nil {
		t.Fatal("no last sign-in time")
	}
	list, err := e.s.Users()
	if err != nil || len(list) != 1 || list[0].Username != "siti" {
		t.Fatalf("users: %+v %v", list, err)
	}
	if _, _, err := e.s.UsePasswordCode(hashSecret("code-2"), e.clock.Now(), "hash-3"); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteUserSessionsOnlyThatUser(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"ani", "ani.b"} {
		if _, err := e.s.CreateUser("cli", NewUser{Username: name, Role: inbox.RoleViewer, PasswordHash: "h"}, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.s.CreateSession(hashSecret(name+"-1"), name, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.s.CreateSession(hashSecret(name+"-2"), name, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := e.s.DeleteUserSessions("ani"); err != nil || n != 2 {
		t.Fatalf("sign out everywhere: %d, %v", n, err)
	}
	if _, _, err := e.s.Session(hashSecret("ani.b-1")); err != nil {
		t.Fatalf("another user's session ended too: %v", err)
	}
}
