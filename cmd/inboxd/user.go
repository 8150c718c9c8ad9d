package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/password"
	"github.com/inboxd/inboxd/pkg/store"
)

// User commands work on the data file directly, so the daemon must be
// stopped; while it runs, admins use /api/v1/users.

// cliActor is the audit trail's actor for changes made with these commands.
const cliActor = "cli"

// maxPasswordInput bounds what --password-stdin reads.
const maxPasswordInput = 4 << 10

func userCreate(ctx context.Context, e env, args []string) error {
	const usage = "--config FILE --username NAME --role admin|operator|viewer [--unit CODE] [--display-name TEXT] [--password-stdin]"
	fs := newFlags("user create")
	path := configFlag(fs)
	username := fs.String("username", "", "`NAME` the person signs in with (a-z, 0-9, '.', '_', '-')")
	role := fs.String("role", "", "`ROLE`: admin, operator or viewer")
	unit := fs.String("unit", "", "limit the user to the items of this unit `CODE` (optional)")
	display := fs.String("display-name", "", "the person's name as shown to colleagues (`TEXT`)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input instead of printing a set-password link")
	cfg, err := commandConfig(fs, e, usage, args, path, func() error {
		switch {
		case *username == "":
			flagUsage(fs, e.stderr, usage)
			return usageErrorf(e.stderr, "user create: --username is required")
		case !inbox.Role(*role).Valid():
			flagUsage(fs, e.stderr, usage)
			return usageErrorf(e.stderr, "user create: --role must be admin, operator or viewer, not %q", *role)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if codes := cfg.UnitCodes(); codes != nil && *unit != "" && !slices.Contains(codes, *unit) {
		return usageErrorf(e.stderr, "user create: --unit %q is not a configured unit (units: %s)", *unit, strings.Join(codes, ", "))
	}
	nu := store.NewUser{Username: *username, DisplayName: *display, Role: inbox.Role(*role), Unit: *unit}
	if *fromStdin {
		if nu.PasswordHash, err = passwordFromStdin(ctx, e, *username); err != nil {
			return err
		}
	}
	var code string
	err = onStore(cfg, e, true, "create users through the API (POST /api/v1/users) or stop the daemon",
		func(st *store.Store) error {
			var pc *store.PasswordCode
			if !*fromStdin {
				var c store.PasswordCode
				if code, c, err = newPasswordCode(); err != nil {
					return err
				}
				pc = &c
			}
			if _, err := st.CreateUser(cliActor, nu, pc); err != nil {
				return fmt.Errorf("create user %q: %w", *username, err)
			}
			return nil
		})
	if err != nil {
		return err
	}
	if *fromStdin {
		fmt.Fprintf(e.stdout, "created user %s\n", *username)
		return nil
	}
	printLink(e, cfg, *username, code)
	return nil
}

// passwordFromStdin reads the password (one trailing newline stripped),
// checks the rules and hashes it.
func passwordFromStdin(ctx context.Context, e env, username string) (string, error) {
	if e.stdin == nil {
		return "", errors.New("--password-stdin: no standard input")
	}
	raw, err := io.ReadAll(io.LimitReader(e.stdin, maxPasswordInput+1))
	if err != nil {
		return "", fmt.Errorf("--password-stdin: read: %w", err)
	}
	if len(raw) > maxPasswordInput {
		return "", fmt.Errorf("--password-stdin: more than %d bytes", maxPasswordInput)
	}
	pw := string(raw)
	if p, ok := strings.CutSuffix(pw, "\n"); ok {
		pw = strings.TrimSuffix(p, "\r")
	}
	if err := password.Check(username, pw); err != nil {
		return "", fmt.Errorf("refused: %w", err)
	}
	h, err := password.NewHasher(password.DefaultParams, password.MaxConcurrent).Hash(ctx, pw)
	if err != nil {
		return "", err
	}
	return h, nil
}

func newPasswordCode() (string, store.PasswordCode, error) {
	code, hash, err := password.NewCode()
	if err != nil {
		return "", store.PasswordCode{}, err
	}
	return code, store.PasswordCode{Hash: hash, ExpiresAt: time.Now().Add(password.CodeTTL)}, nil
}

// printLink writes the set-password link alone on stdout (so scripts can
// capture it) and what to do with it on stderr.
func printLink(e env, cfg *config.Config, username, code string) {
	fmt.Fprintln(e.stdout, password.Link(cfg.PublicURL, code))
	hint := ""
	if cfg.PublicURL == "" {
		hint = " (public_url is not set: put inboxd's address in front of it)"
	}
	fmt.Fprintf(e.stderr, "Give %s this one-time link to set a password%s; it works once, for %s.\n",
		username, hint, password.CodeTTL)
}

func userList(_ context.Context, e env, args []string) error {
	const usage = "--config FILE [--username NAME]"
	fs := newFlags("user list")
	path := configFlag(fs)
	only := fs.String("username", "", "list only this user (`NAME`)")
	cfg, err := commandConfig(fs, e, usage, args, path, nil)
	if err != nil {
		return err
	}
	var users []store.User
	err = onStore(cfg, e, false, "list users through the API (GET /api/v1/users) or stop the daemon",
		func(st *store.Store) error {
			var err error
			if users, err = st.Users(); err != nil {
				return fmt.Errorf("list users: %w", err)
			}
			return nil
		})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tDISPLAY NAME\tROLE\tUNIT\tSTATUS\tCREATED\tLAST SIGN-IN")
	for _, u := range users {
		if *only != "" && u.Username != *only {
			continue
		}
		unit := u.Unit
		if unit == "" {
			unit = "(all)"
		}
		status := "active"
		switch {
		case u.Disabled:
			status = "disabled"
		case !u.PasswordSet:
			status = "no password yet"
		}
		last := "never"
		if u.LastSignInAt != nil {
			last = formatTime(*u.LastSignInAt, cfg.Location)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, u.Role, unit, status,
			formatTime(u.CreatedAt, cfg.Location), last)
	}
	return tw.Flush()
}

// userCommand is the shape of disable, enable and reset-password: one
// --username, an action on the store, a message.
func userCommand(name, apiHint string, act func(st *store.Store, cfg *config.Config, username string) error) func(context.Context, env, []string) error {
	return func(_ context.Context, e env, args []string) error {
		const usage = "--config FILE --username NAME"
		fs := newFlags("user " + name)
		path := configFlag(fs)
		username := fs.String("username", "", "the user's `NAME`")
		cfg, err := commandConfig(fs, e, usage, args, path, func() error {
			if *username == "" {
				flagUsage(fs, e.stderr, usage)
				return usageErrorf(e.stderr, "user %s: --username is required", name)
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = onStore(cfg, e, false, apiHint+" or stop the daemon", func(st *store.Store) error {
			return act(st, cfg, *username)
		})
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user named %q (see inboxd user list)", *username)
		}
		if err != nil {
			return fmt.Errorf("user %s %q: %w", name, *username, err)
		}
		return nil
	}
}

func setDisabled(e env, disabled bool) func(*store.Store, *config.Config, string) error {
	return func(st *store.Store, _ *config.Config, username string) error {
		if _, _, err := st.UpdateUser(cliActor, username, store.UserChange{Disabled: &disabled}); err != nil {
			return err
		}
		if disabled {
			fmt.Fprintf(e.stdout, "disabled user %s (signed out everywhere)\n", username)
		} else {
			fmt.Fprintf(e.stdout, "enabled user %s\n", username)
		}
		return nil
	}
}

func userDisable(ctx context.Context, e env, args []string) error {
	return userCommand("disable", "disable users through the API (POST /api/v1/users/NAME/disable)", setDisabled(e, true))(ctx, e, args)
}

func userEnable(ctx context.Context, e env, args []string) error {
	return userCommand("enable", "enable users through the API (POST /api/v1/users/NAME/enable)", setDisabled(e, false))(ctx, e, args)
}

func userResetPassword(ctx context.Context, e env, args []string) error {
	return userCommand("reset-password", "reset passwords through the API (POST /api/v1/users/NAME/reset-password)",
		func(st *store.Store, cfg *config.Config, username string) error {
			code, pc, err := newPasswordCode()
			if err != nil {
				return err
			}
			if _, err := st.ResetPassword(cliActor, username, pc); err != nil {
				return err
			}
			printLink(e, cfg, username, code)
			return nil
		})(ctx, e, args)
}
