package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/password"
	"github.com/inboxd/inboxd/pkg/store"
)

// demoActor signs the demo's own changes in the users' audit trail.
const demoActor = "demo"

// demoUser is a person the demo signs in as in the console.
type demoUser struct {
	Username, DisplayName string
	Role                  inbox.Role
	Unit                  string // "" for every unit
	Password              string // fresh each run
}

// demoUsers makes (or, on a reused data file, refreshes) the demo's
// console users: an admin and an officer of the first configured unit, each
// with a new random password printed once (the earlier run's were not kept).
func demoUsers(ctx context.Context, st *store.Store, cfg *config.Config) ([]demoUser, error) {
	users := []demoUser{{Username: "admin", DisplayName: "Admin Media Center", Role: inbox.RoleAdmin}}
	if codes := cfg.UnitCodes(); len(codes) > 0 {
		users = append(users, demoUser{Username: "petugas-" + codes[0], DisplayName: "Petugas " + codes[0],
			Role: inbox.RoleOperator, Unit: codes[0]})
	}
	hasher := password.NewHasher(password.DefaultParams, password.MaxConcurrent)
	for i := range users {
		u := &users[i]
		u.Password = demoPassword()
		hash, err := hasher.Hash(ctx, u.Password)
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", u.Username, err)
		}
		_, err = st.CreateUser(demoActor, store.NewUser{Username: u.Username, DisplayName: u.DisplayName,
			Role: u.Role, Unit: u.Unit, PasswordHash: hash}, nil)
		if errors.Is(err, store.ErrConflict) {
			err = refreshDemoUser(st, *u, hash)
		}
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", u.Username, err)
		}
	}
	return users, nil
}

// refreshDemoUser puts an existing demo user back as the demo describes it
// (a walk-through may have disabled it or changed its unit) with a new
// password, through a one-time code as any password change goes.
func refreshDemoUser(st *store.Store, u demoUser, hash string) error {
	disabled := false
	if _, _, err := st.UpdateUser(demoActor, u.Username, store.UserChange{Role: &u.Role, Unit: &u.Unit, Disabled: &disabled}); err != nil {
		return err
	}
	_, codeHash, err := password.NewCode()
	if err != nil {
		return err
	}
	now := time.Now()
	if _, err := st.ResetPassword(demoActor, u.Username, store.PasswordCode{Hash: codeHash, ExpiresAt: now.Add(time.Minute)}); err != nil {
		return err
	}
	_, _, err = st.UsePasswordCode(codeHash, now, hash)
	return err
}

// demoPassword is 16 characters from an alphabet without look-alikes
// (no 0/O, 1/l/I): easy to type from the terminal into a sign-in form.
func demoPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
