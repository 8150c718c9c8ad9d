package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/rules"
	"github.com/inboxd/inboxd/pkg/store"
)

// Defaults for Options' zero values.
const (
	DefaultBackoffBase       = 10 * time.Second
	DefaultBackoffMax        = 15 * time.Minute
	DefaultRateLimitPause    = 5 * time.Minute
	DefaultUsageStretchAbove = 80.0
	DefaultMaxJitter         = 15 * time.Second
	DefaultPageTimeout       = time.Minute
	DefaultSendTimeout       = 30 * time.Second
	DefaultVerifyGrace       = 2 * time.Minute
	DefaultVerifyRetry       = time.Minute
	DefaultVerifyMaxAttempts = 10
	DefaultVerifyMaxTime     = time.Hour
	DefaultRecheck           = time.Minute
	DefaultMaxParallelSends  = 4
	DefaultMaxPagesPerPoll   = 10
)

// Options configure New. Only Store is required.
type Options struct {
	Store    Store
	Logger   *slog.Logger          // default slog.Default()
	Now      func() time.Time      // default time.Now; every pause and grace is read on it
	Registry prometheus.Registerer // where metrics go; nil: a private registry
	Rand     *rand.Rand            // jitter source; default seeded from the clock
	Location *time.Location        // time zone of five-field schedules; default UTC
	// Deadlines, when set, gives new items their SLA due times before
	// they are stored (the office calendar and policies; reloads swap it).
	Deadlines *calendar.Live
	// Rules route new items before they are stored (nil: no routing); a
	// config reload swaps the set inside.
	Rules *rules.Live
	// AfterIngest, when set, is called with the ids of each page's new
	// items once they are stored (the daemon queues automatic
	// acknowledgements with it). It runs on the poll's goroutine.
	AfterIngest func(ctx context.Context, account string, newIDs []string)

	BackoffBase       time.Duration // first backoff after a failure
	BackoffMax        time.Duration // config backoff_max
	RateLimitPause    time.Duration // when a rate limit comes without a reset time
	UsageStretchAbove float64       // usage percent above which polls are stretched
	MaxJitter         time.Duration // largest per-account schedule offset
	PageTimeout       time.Duration // one Poll call
	SendTimeout       time.Duration // one Send or Verify call
	VerifyGrace       time.Duration // how long after a send the platform may take to show it
	VerifyRetry       time.Duration // wait after a failed Verify
	// An unknown reply still unresolved after VerifyMaxAttempts Verify
	// calls, or VerifyMaxTime after its send, stays unknown and is marked
	// as needing an operator's decision: no more Verify, never re-sent.
	VerifyMaxAttempts int
	VerifyMaxTime     time.Duration
	Recheck           time.Duration // look again at a due reply held back by its thread
	MaxParallelSends  int           // accounts delivering at the same time
	// ErrorText turns a platform error into the text stored in an
	// account's last_error and a reply's last_error: the daemon passes its
	// credential scrubber (pkg/scrub). Default: err.Error().
	ErrorText func(error) string
}

// Account is one configured account the scheduler runs.
type Account struct {
	Name            string
	Platform        string // facebook, twitter
	Schedule        string // robfig/cron spec or @every
	Connector       connectors.Connector
	MaxPagesPerPoll int // pages per poll; default DefaultMaxPagesPerPoll
	Enabled         bool
	// ConfigHash identifies the connector's configuration (tokens
	// included, hashed by the caller). SetAccounts keeps the running
	// connector while it is unchanged and swaps it (lifting needs_reauth)
	// when it changes. Empty: the Connector values are compared instead.
	ConfigHash string
}

// Scheduler polls the accounts on their schedules and delivers the outbox.
type Scheduler struct {
	opts  Options
	store Store
	log   *slog.Logger
	now   func() time.Time
	m     *metrics
	cron  *cron.Cron

	randMu sync.Mutex
	rnd    *rand.Rand

	mu       sync.Mutex // guards accounts, started, stopped
	accounts map[string]*account
	started  bool
	stopped  bool

	// runCtx ends at Stop: no new poll or send starts, running polls abort.
	runCtx    context.Context
	cancelRun context.CancelFunc
	// sendCtx ends only when Stop gives up waiting: a send in flight is
	// let finish, so a clean shutdown leaves no reply in doubt.
	sendCtx    context.Context
	cancelSend context.CancelFunc
	stopParent func() bool

	wg        sync.WaitGroup // PollNow calls, the outbox loop and its drains
	wake      chan struct{}  // Notify: kick every account's outbox
	recalc    chan struct{}  // a drain finished: re-arm the timer
	sendSlots chan struct{}  // bounds accounts delivering in parallel
}

// account is the scheduler's view of one configured account.
type account struct {
	pollMu sync.Mutex // one poll at a time (cron run or PollNow)

	mu       sync.Mutex // guards everything below
	cfg      Account
	entry    cron.EntryID
	removed  bool
	st       store.AccountState
	usagePct float64
	skipped  int // cron runs skipped by the usage stretch

	sendHold    time.Time            // a send was rate limited: no sends before
	draining    bool                 // a drain goroutine runs
	dirty       bool                 // woken while draining: drain once more
	nextAt      time.Time            // when the outbox wants to look again
	verifyAt    map[string]time.Time // unknown reply id → next Verify
	verifyTries map[string]int       // unknown reply id → Verify calls that did not resolve it
}

// New builds a scheduler; add accounts with SetAccounts, then Start.
func New(opts Options) (*Scheduler, error) {
	if opts.Store == nil {
		return nil, errors.New("scheduler: Options.Store is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ErrorText == nil {
		opts.ErrorText = func(err error) string { return err.Error() }
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Rand == nil {
		seed := uint64(opts.Now().UnixNano())
		opts.Rand = rand.New(rand.NewPCG(seed, seed>>1|1))
	}
	setDefault(&opts.BackoffBase, DefaultBackoffBase)
	setDefault(&opts.BackoffMax, DefaultBackoffMax)
	setDefault(&opts.RateLimitPause, DefaultRateLimitPause)
	setDefault(&opts.UsageStretchAbove, DefaultUsageStretchAbove)
	setDefault(&opts.MaxJitter, DefaultMaxJitter)
	setDefault(&opts.PageTimeout, DefaultPageTimeout)
	setDefault(&opts.SendTimeout, DefaultSendTimeout)
	setDefault(&opts.VerifyGrace, DefaultVerifyGrace)
	setDefault(&opts.VerifyRetry, DefaultVerifyRetry)
	setDefault(&opts.VerifyMaxAttempts, DefaultVerifyMaxAttempts)
	setDefault(&opts.VerifyMaxTime, DefaultVerifyMaxTime)
	setDefault(&opts.Recheck, DefaultRecheck)
	setDefault(&opts.MaxParallelSends, DefaultMaxParallelSends)
	if opts.BackoffBase > opts.BackoffMax {
		opts.BackoffBase = opts.BackoffMax
	}

	m, err := newMetrics(opts.Registry)
	if err != nil {
		return nil, err
	}
	s := &Scheduler{
		opts:      opts,
		store:     opts.Store,
		log:       opts.Logger.With("component", "scheduler"),
		now:       opts.Now,
		m:         m,
		rnd:       opts.Rand,
		accounts:  map[string]*account{},
		wake:      make(chan struct{}, 1),
		recalc:    make(chan struct{}, 1),
		sendSlots: make(chan struct{}, opts.MaxParallelSends),
	}
	s.runCtx, s.cancelRun = context.WithCancel(context.Background())
	s.sendCtx, s.cancelSend = context.WithCancel(context.Background())
	s.stopParent = func() bool { return true }
	clog := cronLogger{log: s.log, panics: func() { m.panics.WithLabelValues("cron").Inc() }}
	s.cron = cron.New(
		cron.WithLogger(clog),
		cron.WithLocation(opts.Location),
		cron.WithChain(cron.Recover(clog), cron.SkipIfStillRunning(clog)),
	)
	return s, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Start runs the cron jobs and the outbox worker until Stop (or until ctx
// ends, which stops new work the same way; Stop must still be called to
// wait for it).
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return ErrStopped
	}
	if s.started {
		return errors.New("scheduler: already started")
	}
	s.started = true
	s.stopParent = context.AfterFunc(ctx, s.cancelRun)
	s.cron.Start()
	s.wg.Add(1)
	go s.outboxLoop(s.runCtx)
	s.log.Info("scheduler started", "accounts", len(s.accounts))
	return nil
}

// Stop stops polling and delivery and waits, until ctx ends, for running
// polls and sends. Polls are cancelled at once (their committed pages stay);
// a send in flight is let finish unless ctx ends first, in which case it is
// cancelled and Stop waits briefly (stopAfterCancel) for it to record its
// outcome, so the store may be closed once Stop returns.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil
	}
	s.stopped = true
	s.mu.Unlock()

	s.stopParent()
	s.cancelRun()
	cronDone := s.cron.Stop()
	done := make(chan struct{})
	go func() {
		<-cronDone.Done()
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancelSend()
		return nil
	case <-ctx.Done():
		s.cancelSend() // a send still running now may end unknown; it is verified at the next start
		// A cancelled send returns at once and records its outcome: wait
		// for that (briefly), so the caller may close the store after Stop
		// without a send writing to it afterwards.
		wait := time.NewTimer(stopAfterCancel)
		defer wait.Stop()
		select {
		case <-done:
			return nil
		case <-wait.C:
			return fmt.Errorf("scheduler stop: %w", ctx.Err())
		}
	}
}

// stopAfterCancel bounds how long Stop waits, once its context ended, for
// cancelled sends to record their outcome (a connector ignoring its context
// must not hold a shutdown up).
const stopAfterCancel = 500 * time.Millisecond

// Notify wakes the outbox worker (a reply was queued, requeued or an
// account resumed). It never blocks, so the store's event hook may call it.
func (s *Scheduler) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// HandleEvent is a store.Options.Notify hook: it wakes the outbox worker on
// reply events that may have made a reply due.
func (s *Scheduler) HandleEvent(ev store.Event) {
	switch ev.Type {
	case store.EventReplyQueued, store.EventReplyUpdated:
		s.Notify()
	}
}

// SetAccounts makes the given accounts the running set: new ones are
// scheduled (their stored state read back), missing ones removed, changed
// schedules re-scheduled and changed connectors swapped, without touching
// the queue. An invalid list is refused whole and the running set kept.
func (s *Scheduler) SetAccounts(ctx context.Context, accounts []Account) error {
	scheds := make(map[string]cron.Schedule, len(accounts))
	for i, a := range accounts {
		switch {
		case a.Name == "":
			return fmt.Errorf("accounts[%d]: name is empty", i)
		case scheds[a.Name] != nil:
			return fmt.Errorf("accounts[%d]: duplicate account name %q", i, a.Name)
		case a.Enabled && a.Connector == nil:
			return fmt.Errorf("account %q: no connector", a.Name)
		}
		sched, err := parseSchedule(a.Schedule, s.opts.Location)
		if err != nil {
			return fmt.Errorf("account %q: schedule %q: %w", a.Name, a.Schedule, err)
		}
		scheds[a.Name] = sched
	}

	// Read the stored state of accounts we do not run yet, before locking.
	s.mu.Lock()
	var fresh []string
	for _, a := range accounts {
		if _, ok := s.accounts[a.Name]; !ok {
			fresh = append(fresh, a.Name)
		}
	}
	s.mu.Unlock()
	loaded := make(map[string]store.AccountState, len(fresh))
	for _, name := range fresh {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := s.store.AccountState(name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			st = store.AccountState{Name: name, State: StateIdle}
		case err != nil:
			return fmt.Errorf("account %q: read state: %w", name, err)
		}
		loaded[name] = st
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	keep := make(map[string]bool, len(accounts))
	for _, cfg := range accounts {
		keep[cfg.Name] = true
		if a, ok := s.accounts[cfg.Name]; ok {
			s.updateAccount(a, cfg, scheds[cfg.Name])
			continue
		}
		st, ok := loaded[cfg.Name]
		if !ok { // added by a concurrent SetAccounts since we looked
			st = store.AccountState{Name: cfg.Name, State: StateIdle}
		}
		s.accounts[cfg.Name] = s.addAccount(cfg, scheds[cfg.Name], st)
	}
	for name, a := range s.accounts {
		if keep[name] {
			continue
		}
		a.mu.Lock()
		a.removed = true
		s.cron.Remove(a.entry)
		a.mu.Unlock()
		delete(s.accounts, name)
		s.m.forget(name)
		s.log.Info("account removed", "account", name)
	}
	s.Notify()
	return nil
}

// addAccount builds and schedules a new account from its stored state.
// Called with s.mu held.
func (s *Scheduler) addAccount(cfg Account, sched cron.Schedule, st store.AccountState) *account {
	a := &account{cfg: cfg, verifyAt: map[string]time.Time{}, verifyTries: map[string]int{}}
	s.m.account(cfg.Name)
	before := st
	st.Name, st.Platform = cfg.Name, cfg.Platform
	switch {
	case !cfg.Enabled:
		st.State = StateDisabled
	case st.State == StateDisabled || st.State == StatePolling || st.State == "":
		// polling: we crashed mid-poll; its committed pages are kept.
		st.State = StateIdle
	}
	if p, ok := st.Usage["percent"].(float64); ok {
		a.usagePct = p
	}
	a.st = st
	if !reflect.DeepEqual(before, st) {
		s.persist(a)
	}
	a.entry = s.schedule(cfg.Name, sched)
	s.log.Info("account scheduled", "account", cfg.Name, "platform", cfg.Platform,
		"schedule", cfg.Schedule, "state", st.State)
	return a
}

// updateAccount applies a reloaded config to a running account. Called
// with s.mu held.
func (s *Scheduler) updateAccount(a *account, cfg Account, sched cron.Schedule) {
	a.mu.Lock()
	defer a.mu.Unlock()
	old := a.cfg
	if old.Schedule != cfg.Schedule {
		s.cron.Remove(a.entry)
		a.entry = s.schedule(cfg.Name, sched)
		s.log.Info("account rescheduled", "account", cfg.Name, "schedule", cfg.Schedule)
	}
	newConnector := !sameConnector(old, cfg)
	if !newConnector {
		cfg.Connector = old.Connector // keep its in-memory state (usage, rotated tokens)
	}
	a.cfg = cfg
	changed := false
	if a.st.Platform != cfg.Platform {
		a.st.Platform, changed = cfg.Platform, true
	}
	switch {
	case !cfg.Enabled && a.st.State != StateDisabled:
		a.st.State, changed = StateDisabled, true
	case cfg.Enabled && a.st.State == StateDisabled:
		a.st.State, changed = StateIdle, true
	case cfg.Enabled && newConnector && a.st.State == StateNeedsReauth:
		// A new token: try again. The next poll or send tells.
		a.st.State, a.st.PausedUntil, changed = StateIdle, nil, true
		s.log.Info("account has a new connector configuration, leaving needs_reauth", "account", cfg.Name)
	}
	if changed {
		s.persist(a)
	}
}

func sameConnector(old, cfg Account) bool {
	if old.ConfigHash != "" || cfg.ConfigHash != "" {
		return old.ConfigHash == cfg.ConfigHash
	}
	if old.Connector == nil || cfg.Connector == nil {
		return old.Connector == cfg.Connector
	}
	t := reflect.TypeOf(old.Connector)
	if t != reflect.TypeOf(cfg.Connector) || !t.Comparable() {
		return false
	}
	return old.Connector == cfg.Connector
}

func (s *Scheduler) schedule(name string, sched cron.Schedule) cron.EntryID {
	return s.cron.Schedule(newJittered(sched, s.jitterFor(sched)),
		cron.FuncJob(func() { s.tick(name) }))
}

// Resume lifts a pause: usage_capped, needs_reauth (after re-authorising),
// rate_limited or backoff become idle, and held replies are looked at again.
// It is a no-op for a running account; a disabled one is refused.
func (s *Scheduler) Resume(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a := s.account(name)
	if a == nil {
		return fmt.Errorf("%w: %q", ErrUnknownAccount, name)
	}
	a.mu.Lock()
	switch a.st.State {
	case StateDisabled:
		a.mu.Unlock()
		return &StateError{Account: name, State: StateDisabled}
	case StateUsageCapped, StateNeedsReauth, StateRateLimited, StateBackoff:
		from := a.st.State
		a.st.State, a.st.PausedUntil, a.st.Failures = StateIdle, nil, 0
		s.persist(a)
		s.log.Info("account resumed", "account", name, "from", from)
	}
	a.sendHold = time.Time{}
	a.skipped = 0
	a.mu.Unlock()
	s.Notify()
	return nil
}

// Accounts returns the running accounts' states, for /readyz and the API.
func (s *Scheduler) Accounts() []store.AccountState {
	s.mu.Lock()
	list := make([]*account, 0, len(s.accounts))
	for _, a := range s.accounts {
		list = append(list, a)
	}
	s.mu.Unlock()
	out := make([]store.AccountState, 0, len(list))
	for _, a := range list {
		a.mu.Lock()
		out = append(out, cloneState(a.st))
		a.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b store.AccountState) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (s *Scheduler) account(name string) *account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[name]
}

func (s *Scheduler) allAccounts() []*account {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]*account, 0, len(s.accounts))
	for _, a := range s.accounts {
		list = append(list, a)
	}
	return list
}

// persist writes the account's state; called with a.mu held, so writes of
// one account are ordered. A failed write is logged: the in-memory state
// still governs this process.
func (s *Scheduler) persist(a *account) {
	if err := s.store.PutAccountState(cloneState(a.st)); err != nil {
		s.log.Error("persist account state", "account", a.st.Name, "err", err)
	}
}

func cloneState(st store.AccountState) store.AccountState {
	st.LastPollAt = copyTime(st.LastPollAt)
	st.LastSuccessAt = copyTime(st.LastSuccessAt)
	st.PausedUntil = copyTime(st.PausedUntil)
	if st.LastError != nil {
		e := *st.LastError
		st.LastError = &e
	}
	if st.Usage != nil {
		u := make(map[string]any, len(st.Usage))
		for k, v := range st.Usage {
			u[k] = v
		}
		st.Usage = u
	}
	return st
}

func (s *Scheduler) randDuration(limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	s.randMu.Lock()
	defer s.randMu.Unlock()
	return time.Duration(s.rnd.Int64N(int64(limit)))
}
