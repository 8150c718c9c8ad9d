package scheduler

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/store"
)

// tick is the cron job of an account: poll unless the state machine or the
// usage stretch says to wait. Tests call it directly instead of waiting
// for cron.
func (s *Scheduler) tick(name string) {
	if s.runCtx.Err() != nil {
		return
	}
	a := s.account(name)
	if a == nil {
		return
	}
	a.mu.Lock()
	if k := stretchFactor(a.usagePct, s.opts.UsageStretchAbove); k > 1 {
		a.skipped++
		if a.skipped < k {
			a.mu.Unlock()
			s.log.Debug("poll skipped: platform usage high", "account", name, "usage_percent", a.usagePct, "every", k)
			return
		}
	}
	a.skipped = 0
	a.mu.Unlock()

	err := s.poll(s.runCtx, a, false)
	var se *StateError
	if errors.As(err, &se) || errors.Is(err, ErrBusy) {
		s.log.Debug("poll skipped", "account", name, "reason", err)
	}
}

// PollNow starts a poll of an account at once and returns when it runs
// (the API answers 202): the outcome lands in the account's state, items
// in the queue. The poll runs on the scheduler's context, so a caller
// going away does not cut it short; Stop does. It is refused with a
// *StateError while the platform paused the account, it needs
// re-authorisation or is disabled, and with ErrBusy while a poll runs; an
// operator's poll does override the scheduler's own backoff.
func (s *Scheduler) PollNow(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return ErrStopped
	}
	a := s.accounts[name]
	if a == nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrUnknownAccount, name)
	}
	s.wg.Add(1)
	s.mu.Unlock()

	// A connector with request budgets says when a poll can read again:
	// refuse now with that time rather than spend the reserve on a 429.
	a.mu.Lock()
	conn := a.cfg.Connector
	a.mu.Unlock()
	if g, ok := conn.(connectors.PollGate); ok {
		now := s.now()
		if at := g.PollAvailableAt(now); at.After(now) {
			s.wg.Done()
			return &connectors.Error{Class: connectors.RateLimited, Op: "poll now", RetryAt: at,
				Message: "the account's request budget is spent; a poll becomes possible at " + at.UTC().Format(time.RFC3339)}
		}
	}
	cfg, err := s.beginPoll(a, true)
	if err != nil {
		s.wg.Done()
		return err
	}
	go func() {
		defer s.wg.Done()
		// An operator's poll may use the share of the budget scheduled
		// polls leave free.
		_ = s.finishPoll(connectors.WithOperatorPoll(s.runCtx), a, cfg) // logged and recorded in the state
	}()
	return nil
}

// poll runs one poll of an account: pages until the walk is done or the
// page cap, each committed with its cursor, then the state machine.
func (s *Scheduler) poll(ctx context.Context, a *account, operator bool) error {
	cfg, err := s.beginPoll(a, operator)
	if err != nil {
		return err
	}
	return s.finishPoll(ctx, a, cfg)
}

// beginPoll takes the account's poll lock and moves it to polling, or says
// why it may not poll now. On success the caller must call finishPoll.
func (s *Scheduler) beginPoll(a *account, operator bool) (Account, error) {
	if !a.pollMu.TryLock() {
		return Account{}, ErrBusy
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := s.now()
	if err := pollRefusal(&a.st, now, operator); err != nil {
		a.pollMu.Unlock()
		return Account{}, err
	}
	a.st.State = StatePolling
	a.st.LastPollAt = &now
	s.persist(a)
	return a.cfg, nil
}

// finishPoll walks the pages and applies the outcome; it releases the
// account's poll lock.
func (s *Scheduler) finishPoll(ctx context.Context, a *account, cfg Account) error {
	defer a.pollMu.Unlock()
	started := time.Now() // wall clock: for the duration metric only
	pages, newItems, err := s.walk(ctx, cfg)
	outcome := "ok"
	switch {
	case err != nil && ctx.Err() != nil:
		outcome = "cancelled"
	case err != nil:
		outcome = string(connectors.ClassOf(err))
	}
	s.m.polls.WithLabelValues(cfg.Name, outcome).Inc()
	s.m.pollDuration.WithLabelValues(cfg.Name, outcome).Observe(time.Since(started).Seconds())

	a.mu.Lock()
	defer a.mu.Unlock()
	now := s.now()
	s.recordUsage(a, cfg.Connector)
	// Somebody (a send meeting auth, Resume, a reload) moved the state
	// while we polled: theirs stands, unless we too found the account stopped.
	moved := a.st.State != StatePolling
	switch {
	case outcome == "cancelled":
		if !moved {
			a.st.State = StateIdle
		}
	case err != nil:
		if !moved || (stopsAccount(connectors.ClassOf(err)) && a.st.State != StateDisabled) {
			s.applyFailure(&a.st, err, now)
		} else {
			a.st.LastError = s.lastError(err, now)
		}
	default:
		if moved {
			a.st.LastSuccessAt = &now
		} else {
			applySuccess(&a.st, now)
		}
	}
	s.persist(a)

	log := s.log.With("account", cfg.Name, "pages", pages, "new", newItems)
	switch outcome {
	case "ok":
		log.Debug("poll done")
	case "cancelled":
		log.Info("poll cancelled")
	default:
		log.Warn("poll failed", "class", outcome, "err", err, "state", a.st.State,
			"paused_until", a.st.PausedUntil, "failures", a.st.Failures)
	}
	return err
}

// walk fetches and commits pages. It returns how many pages and new items
// were committed and the error that ended it early.
func (s *Scheduler) walk(ctx context.Context, cfg Account) (pages, newItems int, err error) {
	maxPages := cfg.MaxPagesPerPoll
	if maxPages <= 0 {
		maxPages = DefaultMaxPagesPerPoll
	}
	cursor, err := s.store.Cursor(cfg.Name)
	if err != nil {
		return 0, 0, connectors.Errorf(connectors.Transient, "read cursor", "store: %w", err)
	}
	for pages < maxPages {
		if err := ctx.Err(); err != nil {
			return pages, newItems, err
		}
		pctx, cancel := context.WithTimeout(ctx, s.opts.PageTimeout)
		page, err := s.safePoll(pctx, cfg.Connector, cursor)
		cancel()
		if err != nil {
			return pages, newItems, err
		}
		if set := s.opts.Rules.Load(); set != nil {
			for i := range page.Items {
				set.Route(&page.Items[i])
			}
		}
		if s.opts.Deadlines.Load() != nil {
			// After routing (unit, priority, ignored): the policy matches
			// what will be stored.
			for i := range page.Items {
				it := &page.Items[i]
				it.FirstResponseDueAt, it.ResolutionDueAt = s.opts.Deadlines.ItemDeadlines(*it)
			}
		}
		res, err := s.store.IngestPage(cfg.Name, storePage(page))
		if err != nil {
			// Not the platform's fault, but retrying later is all we can do.
			return pages, newItems, connectors.Errorf(connectors.Transient, "ingest page", "store: %w", err)
		}
		pages++
		newItems += res.New
		s.m.ingested.WithLabelValues(cfg.Name).Add(float64(res.New))
		s.m.duplicates.WithLabelValues(cfg.Name).Add(float64(res.Duplicates))
		s.m.externalReplies.WithLabelValues(cfg.Name).Add(float64(res.ExternalApplied))
		s.m.quarantined.WithLabelValues(cfg.Name).Add(float64(res.Quarantined))
		if res.Quarantined > 0 {
			s.log.Warn("records quarantined: the platform sent what inboxd cannot use; the poll moved past them (GET /api/v1/quarantine lists them)",
				"account", cfg.Name, "count", res.Quarantined)
		}
		if res.New > 0 {
			s.log.Info("items ingested", "account", cfg.Name, "new", res.New,
				"duplicates", res.Duplicates, "ids", res.NewIDs)
			if s.opts.AfterIngest != nil {
				s.opts.AfterIngest(ctx, cfg.Name, res.NewIDs)
			}
		}
		cursor = page.Cursor
		if !page.More {
			break
		}
	}
	return pages, newItems, nil
}

// storePage hands a connector's page to the store as plain values.
func storePage(p connectors.Page) store.Page {
	out := store.Page{Items: p.Items, External: p.External, Cursor: p.Cursor}
	for _, r := range p.Rejected {
		out.Rejected = append(out.Rejected, store.Rejected(r))
	}
	return out
}

// safePoll calls the connector, turning a panic into a transient error so
// the state machine records it and the daemon stays up.
func (s *Scheduler) safePoll(ctx context.Context, c connectors.Connector, cursor []byte) (page connectors.Page, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.recovered("poll", c.Name(), r)
		}
	}()
	return c.Poll(ctx, cursor)
}

func (s *Scheduler) recovered(where, account string, r any) error {
	s.m.panics.WithLabelValues(where).Inc()
	s.log.Error("connector panicked", "where", where, "account", account, "panic", fmt.Sprint(r),
		"stack", string(debug.Stack()))
	return connectors.Errorf(connectors.Transient, where, "connector panicked: %v", r)
}

// recordUsage copies the connector's quota view into the state and gauges.
// Called with a.mu held.
func (s *Scheduler) recordUsage(a *account, c connectors.Connector) {
	ur, ok := c.(connectors.UsageReporter)
	if !ok {
		return
	}
	u := ur.Usage()
	a.usagePct = u.Percent
	a.st.Usage = usageMap(u)
	s.m.setUsage(a.cfg.Name, u)
}

func usageMap(u connectors.Usage) map[string]any {
	m := map[string]any{"percent": u.Percent}
	if u.RateLimit > 0 || u.RateRemaining > 0 {
		m["rate_remaining"] = u.RateRemaining
		m["rate_limit"] = u.RateLimit
	}
	if !u.RateResetAt.IsZero() {
		m["rate_reset_at"] = u.RateResetAt.UTC().Format(time.RFC3339)
	}
	if u.ReadsDay != "" {
		m["reads_today"] = u.ReadsToday
		m["reads_day"] = u.ReadsDay
		m["posts_today"] = u.PostsToday
		m["url_posts_today"] = u.URLPostsToday
	}
	return m
}
