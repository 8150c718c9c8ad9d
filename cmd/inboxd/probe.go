package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/store"
)

// errProbeFailed makes `inboxd probe` exit non-zero after it printed why.
var errProbeFailed = errors.New("the account needs attention (see above)")

func probe(ctx context.Context, e env, args []string) error {
	const usage = "--config FILE --account NAME"
	fs := newFlags("probe")
	path := configFlag(fs)
	name := fs.String("account", "", "the account `NAME` from the config")
	cfg, err := commandConfig(fs, e, usage, args, path, func() error {
		if *name == "" {
			flagUsage(fs, e.stderr, usage)
			return usageErrorf(e.stderr, "probe: --account is required")
		}
		return nil
	})
	if err != nil {
		return err
	}
	var acc *config.Account
	var names []string
	for i := range cfg.Accounts {
		names = append(names, cfg.Accounts[i].Name)
		if cfg.Accounts[i].Name == *name {
			acc = &cfg.Accounts[i]
		}
	}
	if acc == nil {
		return fmt.Errorf("no account %q in %s (accounts: %s)", *name, *path, strings.Join(names, ", "))
	}
	logger, scr := newLogger(e.stderr, cfg)

	// An OAuth 2 account rotates its refresh token on use: the probe must
	// read and persist the same pair the daemon uses, or it would lock the
	// daemon out. Other accounts need no store.
	var st *store.Store
	if r, ok := acc.Settings.(interface{ RotatesTokens() bool }); ok && r.RotatesTokens() {
		st, err = openStore(cfg, logger, true,
			"an OAuth 2 account can only be probed while the daemon is stopped (a probe would rotate the tokens the daemon holds); see GET /api/v1/accounts instead")
		if err != nil {
			return err
		}
		defer st.Close()
	}
	conn, err := newConnector(*acc, st, logger, scr, nil)
	if err != nil {
		return err
	}
	prober, ok := conn.(connectors.Prober)
	if !ok {
		return fmt.Errorf("the %s connector cannot probe", acc.Platform)
	}
	rep, err := prober.Probe(ctx)
	printReport(e.stdout, rep, err)
	if err != nil || !rep.OK() {
		return errProbeFailed
	}
	return nil
}

// printReport writes the probe's verdict in plain words for an operator.
func printReport(w io.Writer, r connectors.Report, err error) {
	var b strings.Builder
	fmt.Fprintf(&b, "account %s (%s)\n", r.Account, r.Platform)
	if r.AccountID != "" || r.AccountName != "" {
		fmt.Fprintf(&b, "  the token belongs to: %s (id %s)\n", r.AccountName, r.AccountID)
	}
	if len(r.Permissions) > 0 {
		fmt.Fprintf(&b, "  granted: %s\n", strings.Join(r.Permissions, ", "))
	}
	if len(r.Missing) > 0 {
		fmt.Fprintf(&b, "  MISSING: %s\n", strings.Join(r.Missing, ", "))
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  problem: %s\n", p)
	}
	switch {
	case err != nil:
		fmt.Fprintf(&b, "verdict: the check itself failed: %v\n", err)
	case r.OK():
		b.WriteString("verdict: OK, inboxd can read and answer through this account.\n")
	default:
		b.WriteString("verdict: NOT READY, fix what is listed above, then run the probe again.\n")
	}
	_, _ = io.WriteString(w, b.String())
}
