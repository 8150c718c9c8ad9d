package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// Token commands work on the data file directly, so the daemon must be
// stopped; while it runs, the API manages tokens.

func tokenCreate(_ context.Context, e env, args []string) error {
	const usage = "--config FILE --name NAME --role admin|operator|viewer [--unit UNIT]"
	fs := newFlags("token create")
	path := configFlag(fs)
	name := fs.String("name", "", "token `NAME`: who or what uses it (shown in the audit trail)")
	role := fs.String("role", "", "`ROLE`: admin, operator or viewer")
	unit := fs.String("unit", "", "restrict the token to the items of this `UNIT` (optional)")
	cfg, err := commandConfig(fs, e, usage, args, path, func() error {
		switch {
		case *name == "":
			flagUsage(fs, e.stderr, usage)
			return usageErrorf(e.stderr, "token create: --name is required")
		case !inbox.Role(*role).Valid():
			flagUsage(fs, e.stderr, usage)
			return usageErrorf(e.stderr, "token create: --role must be admin, operator or viewer, not %q", *role)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if codes := cfg.UnitCodes(); codes != nil && *unit != "" && !slices.Contains(codes, *unit) {
		return usageErrorf(e.stderr, "token create: --unit %q is not a configured unit (units: %s)", *unit, strings.Join(codes, ", "))
	}
	var secret string
	err = onStore(cfg, e, true, "create tokens through the API (POST /api/v1/tokens) or stop the daemon",
		func(st *store.Store) error {
			var err error
			if secret, _, err = st.CreateToken(*name, inbox.Role(*role), *unit); err != nil {
				return fmt.Errorf("create token %q: %w", *name, err)
			}
			return nil
		})
	if err != nil {
		return err
	}
	// The secret alone, so scripts can capture it: TOKEN=$(inboxd token create ...).
	fmt.Fprintln(e.stdout, secret)
	return nil
}

func tokenList(_ context.Context, e env, args []string) error {
	const usage = "--config FILE"
	fs := newFlags("token list")
	path := configFlag(fs)
	cfg, err := commandConfig(fs, e, usage, args, path, nil)
	if err != nil {
		return err
	}
	var tokens []store.Token
	err = onStore(cfg, e, false, "list tokens through the API (GET /api/v1/tokens) or stop the daemon",
		func(st *store.Store) error {
			var err error
			if tokens, err = st.Tokens(); err != nil {
				return fmt.Errorf("list tokens: %w", err)
			}
			return nil
		})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tUNIT\tCREATED\tLAST USED")
	for _, t := range tokens {
		unit := t.Unit
		if unit == "" {
			unit = "(all)"
		}
		lastUsed := "never"
		if t.LastUsedAt != nil {
			lastUsed = formatTime(*t.LastUsedAt, cfg.Location)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Role, unit, formatTime(t.CreatedAt, cfg.Location), lastUsed)
	}
	return tw.Flush()
}

func formatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

func tokenRevoke(_ context.Context, e env, args []string) error {
	const usage = "--config FILE NAME"
	fs := newFlags("token revoke")
	path := configFlag(fs)
	pos, err := parse(fs, e, usage, args)
	if err != nil {
		return err
	}
	if err := requireConfig(fs, e, usage, *path); err != nil {
		return err
	}
	if len(pos) != 1 {
		flagUsage(fs, e.stderr, usage)
		return usageErrorf(e.stderr, "token revoke: give exactly one token NAME")
	}
	name := pos[0]
	cfg, err := loadConfig(*path, e.getenv)
	if err != nil {
		return err
	}
	err = onStore(cfg, e, false, "revoke tokens through the API (DELETE /api/v1/tokens/"+name+") or stop the daemon",
		func(st *store.Store) error { return st.RevokeToken(name) })
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no token named %q (see inboxd token list)", name)
	}
	if err != nil {
		return fmt.Errorf("revoke token %q: %w", name, err)
	}
	fmt.Fprintf(e.stdout, "revoked token %s\n", name)
	return nil
}
