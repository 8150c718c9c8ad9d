package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/inboxd/inboxd"
	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/registry"
	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/scheduler"
	"github.com/inboxd/inboxd/pkg/sim"
	"github.com/inboxd/inboxd/pkg/store"
)

// The tokens each demo run makes, by name.
const (
	demoOperatorToken = "demo-operator"
	demoAdminToken    = "demo-admin"
)

// demoConfig is the configuration the demo runs with, written as YAML and
// parsed like a real one, so the demo exercises validation and defaults.
const demoConfig = `data_dir: %q
log:
  level: %s
http:
  listen: %q
ticket_prefix: UP4
templates_file: templates/id.yaml
calendar:
  holidays:
    - {date: 2026-12-24, name: "Cuti bersama Kelahiran Yesus Kristus", kind: cuti_bersama}
    - {date: 2026-12-25, name: "Kelahiran Yesus Kristus", kind: libur_nasional}
sla:
  - match: {priority: urgent}
    first_response: 30m
    resolution: 1d
  - first_response: 2h
    resolution: 3d
`

// demoAutoAck is the demo accounts' automatic acknowledgement.
const demoAutoAck = "    auto_ack: {office_hours_template: diterima, after_hours_template: diterima-luar-jam, kinds: [message]}\n"

// exampleBlocks returns the given top-level keys of a YAML config, each with
// everything indented under it, in file order: the demo runs the units and
// routing rules config.example.yaml ships, without copying them.
func exampleBlocks(yaml []byte, keys ...string) string {
	var b strings.Builder
	in := false
	for line := range strings.Lines(string(yaml)) {
		if line != "" && line[0] != ' ' && line[0] != '#' && line[0] != '\n' {
			key, _, _ := strings.Cut(line, ":")
			in = slices.Contains(keys, key)
		}
		if in {
			b.WriteString(line)
		}
	}
	return b.String()
}

type demoFlags struct {
	listen, data, schedule, logLevel string
	rate                             float64
	burst                            int
	noLimits                         bool
	seed                             uint64
	progress                         time.Duration
	cpuProfile                       string
}

func demo(ctx context.Context, e env, args []string) error {
	const usage = "[--listen ADDR] [--data DIR] [--rate N] [--burst N] [--schedule SPEC] [--no-limits] [--seed N] [--log-level LEVEL] [--progress D] [--cpuprofile FILE]"
	fs := newFlags("demo")
	var f demoFlags
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "API listen address `ADDR` (port 0 picks a free one)")
	fs.StringVar(&f.data, "data", "inboxd-demo", "folder `DIR` of the demo's data file, reused across runs")
	fs.Float64Var(&f.rate, "rate", 0.1, "`N` citizen messages a second after the first burst (0: the burst only)")
	fs.IntVar(&f.burst, "burst", 12, "`N` messages written at start, so the queue is not empty")
	fs.StringVar(&f.schedule, "schedule", "@every 5s", "poll schedule `SPEC` of both demo accounts (@every 5s, or a cron spec)")
	fs.BoolVar(&f.noLimits, "no-limits", false, "fakes drop their rate limits and the page cap is raised (load runs)")
	fs.Uint64Var(&f.seed, "seed", 0, "generator seed `N`, to replay a run (0: from the start time, printed)")
	fs.StringVar(&f.logLevel, "log-level", "info", "`LEVEL`: debug, info, warn or error")
	fs.DurationVar(&f.progress, "progress", 0, "log messages generated vs items queued every `D`, e.g. 10s (load runs; 0: off)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to `FILE` (load runs)")
	if _, err := parseNoArgs(fs, e, usage, args); err != nil {
		return err
	}
	if f.seed == 0 {
		f.seed = uint64(time.Now().UnixNano())
	}
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	return runDemo(ctx, e, f)
}

// startCPUProfile profiles the whole demo run (for finding a load run's
// bottleneck); stop writes the profile out.
func startCPUProfile(path string) (stop func(), err error) {
	out, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		_ = out.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = out.Close()
	}, nil
}

func runDemo(ctx context.Context, e env, f demoFlags) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	fakes, err := sim.StartFakes(f.noLimits)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer fakes.Close()

	pages := facebook.DefaultMaxPagesPerPoll
	if f.noLimits {
		pages = facebook.MaxPagesPerPollLimit
	}
	yaml := fmt.Sprintf(demoConfig, f.data, f.logLevel, f.listen) + exampleBlocks(inboxd.ExampleConfig, "units", "routing", "office_name") +
		fakes.AccountsYAML(f.schedule, pages)
	// The demo acknowledges Messenger messages and X DMs (auto_ack is a key
	// of every account).
	yaml = strings.ReplaceAll(yaml, "    platform: facebook\n", "    platform: facebook\n"+demoAutoAck)
	yaml = strings.ReplaceAll(yaml, "    platform: twitter\n", "    platform: twitter\n"+demoAutoAck)
	cfg, err := config.Parse("demo config", []byte(yaml), nil, registry.Config()...)
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	logger, scr := newLogger(e.stderr, cfg)

	world := sim.NewWorld(fakes.Graph, fakes.X, nil)
	gen := sim.NewGenerator(f.seed)
	var genDone sync.WaitGroup
	defer genDone.Wait()
	defer cancel() // stops the generator before waiting for it

	started := func(ctx context.Context, baseURL string, st *store.Store, sched poller) error {
		tokens, err := demoTokens(st)
		if err != nil {
			return err
		}
		users, err := demoUsers(ctx, st, cfg)
		if err != nil {
			return err
		}
		names := make([]string, len(cfg.Accounts))
		for i, a := range cfg.Accounts {
			names[i] = a.Name
		}
		// Messages written before an account's first poll are its
		// look-back backfill, which response-time figures leave out; so
		// inboxd polls first, the demo's citizens write their burst, and
		// inboxd polls once more before the help is printed: the list
		// command it prints finds them at once.
		pollOnce(ctx, logger, st, sched, names)
		if f.progress > 0 {
			genDone.Add(1)
			go func() {
				defer genDone.Done()
				logProgress(ctx, logger, st, world, f.progress)
			}()
		}
		for range f.burst {
			if err := world.Emit(ctx, gen.Next()); err != nil {
				if ctx.Err() != nil {
					return nil // stopped while starting
				}
				return fmt.Errorf("demo: first messages: %w", err)
			}
		}
		pollOnce(ctx, logger, st, sched, names)
		printDemoHelp(e, baseURL, fakes.GraphURL, fakes.XURL, filepath.Join(cfg.DataDir, dataFileName), tokens, users, f)
		genDone.Add(1)
		go func() {
			defer genDone.Done()
			n, err := gen.Run(ctx, f.rate, 0, nil, world.Emit)
			if err != nil {
				logger.Error("message generator stopped", "err", err, "sent", n+f.burst)
			}
		}()
		return nil
	}
	return runDaemon(ctx, e, cfg, logger, scr, daemonHooks{started: started})
}

// pollOnce polls every account now and returns once each poll started
// after the call succeeded, or after a bound (a failing account must not
// keep the demo silent), or when ctx ends.
func pollOnce(ctx context.Context, logger *slog.Logger, st *store.Store, sched poller, names []string) {
	const bound = 30 * time.Second
	since := time.Now()
	deadline := time.After(bound)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	pending := map[string]bool{} // polls not yet started
	for _, n := range names {
		pending[n] = true
	}
	for {
		for n := range pending {
			// Busy: a scheduled poll runs; this one starts after it.
			if err := sched.PollNow(ctx, n); err == nil || !errors.Is(err, scheduler.ErrBusy) {
				delete(pending, n)
			}
		}
		states, err := st.AccountStates()
		done := 0
		for _, s := range states {
			if s.LastSuccessAt != nil && s.LastSuccessAt.After(since) || s.LastError != nil && s.LastError.At.After(since) {
				done++
			}
		}
		if err != nil || (len(pending) == 0 && done >= len(names)) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline:
			logger.Warn("demo: the first polls did not finish in time; going on", "waited", bound.String())
			return
		case <-tick.C:
		}
	}
}

// logProgress logs, every interval, how many citizen messages the
// generator wrote and how many of them are queued: a lag that keeps growing
// means inboxd does not keep up. Items already stored before the generator
// started (a reused data file) are left out.
func logProgress(ctx context.Context, logger *slog.Logger, st *store.Store, world *sim.World, every time.Duration) {
	queued := func() (int64, error) {
		s, err := st.Stats("")
		var n int64
		for _, c := range s.ByAccount {
			n += c
		}
		return n, err
	}
	base, err := queued()
	if err != nil {
		logger.Warn("demo progress", "err", err)
	}
	start := time.Now()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var emitted int64
		for _, n := range world.Emitted() {
			emitted += int64(n)
		}
		n, err := queued()
		if err != nil {
			logger.Warn("demo progress", "err", err)
			continue
		}
		logger.Info("demo progress", "elapsed_s", int(time.Since(start).Seconds()),
			"generated", emitted, "queued", n-base, "lag", emitted-(n-base))
	}
}

// demoTokenSet are the tokens each demo run makes.
type demoTokenSet struct{ operator, admin string }

// demoTokens makes fresh operator and admin tokens for this run (the data
// file is reused, so an earlier run's tokens are replaced: their secrets
// were not kept).
func demoTokens(st *store.Store) (demoTokenSet, error) {
	var t demoTokenSet
	for _, tok := range []struct {
		name   string
		role   inbox.Role
		secret *string
	}{{demoOperatorToken, inbox.RoleOperator, &t.operator}, {demoAdminToken, inbox.RoleAdmin, &t.admin}} {
		if err := st.RevokeToken(tok.name); err != nil && !errors.Is(err, store.ErrNotFound) {
			return t, fmt.Errorf("demo token: %w", err)
		}
		secret, _, err := st.CreateToken(tok.name, tok.role, "")
		if err != nil {
			return t, fmt.Errorf("demo token: %w", err)
		}
		*tok.secret = secret
	}
	return t, nil
}

func printDemoHelp(e env, api, graphURL, xURL, dataPath string, tokens demoTokenSet, users []demoUser, f demoFlags) {
	var b strings.Builder
	fmt.Fprintf(&b, `
inboxd demo is running: citizens write to a simulated Facebook Page, Instagram
account and X account; inboxd polls them (schedule %q) and queues what they write. Ctrl-C stops everything.

Open the console in a browser and sign in (passwords are new each run):
  %s/
`, f.schedule, api)
	for _, u := range users {
		who := "admin: every unit, users, tokens and templates"
		if u.Unit != "" {
			who = "officer of unit " + u.Unit + ": sees that unit's items only"
		}
		fmt.Fprintf(&b, "  user %-16s password %s   (%s)\n", u.Username, u.Password, who)
	}
	fmt.Fprintf(&b, `
  API                %s
  Graph API fake     %s
  X API fake         %s
  data file          %s
  citizen messages   %d at start, then %g a second (seed %d)

Tokens for this run: TOKEN is an operator's (triage and reply), ADMIN_TOKEN an
admin's (also tokens and backups: use it as TOKEN for those examples).

  export INBOXD=%s
  export TOKEN=%s        # operator
  export ADMIN_TOKEN=%s  # admin

List new items:
  curl -s -H "Authorization: Bearer $TOKEN" "$INBOXD/api/v1/items?status=new&limit=5"

Reply to the newest one (the reply appears on the fake platform, and the item becomes answered):
  ITEM=$(curl -s -H "Authorization: Bearer $TOKEN" "$INBOXD/api/v1/items?status=new&limit=1" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
  curl -s -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
    -d '{"text":"Terima kasih atas laporannya. Sudah kami teruskan ke dinas terkait."}' "$INBOXD/api/v1/items/$ITEM/replies"

Every item carries its case's ticket (UP4-YYYY-NNNNNN) and deadlines counted in office
hours (Mon-Thu 07:30-16:00, Fri 07:30-16:30, Jakarta): first_response_due_at, resolution_due_at.
Find a case, and the items past a deadline:
  curl -s -H "Authorization: Bearer $TOKEN" "$INBOXD/api/v1/items?ticket=UP4-$(date +%%Y)-000001"
  curl -s -H "Authorization: Bearer $TOKEN" "$INBOXD/api/v1/items?overdue=true&limit=5"

Show the queue's stats (overdue counts and first responses in office hours included):
  curl -s -H "Authorization: Bearer $TOKEN" "$INBOXD/api/v1/stats"

`, api, graphURL, xURL, dataPath, f.burst, f.rate, f.seed, api, tokens.operator, tokens.admin)
	_, _ = fmt.Fprint(e.stdout, b.String())
}
