package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// outboxLoop wakes each account's delivery when a reply is queued (Notify)
// and when the earliest retry, verification or pause end comes due.
func (s *Scheduler) outboxLoop(ctx context.Context) {
	defer s.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	kickAll := true
	for {
		now := s.now()
		var next time.Time
		for _, a := range s.allAccounts() {
			a.mu.Lock()
			due := !a.nextAt.IsZero() && !now.Before(a.nextAt)
			at := a.nextAt
			a.mu.Unlock()
			if kickAll || due {
				s.kick(ctx, a)
				continue
			}
			next = earliest(next, at)
		}
		if next.IsZero() {
			timer.Stop()
		} else {
			timer.Reset(max(next.Sub(s.now()), 0))
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
			kickAll = true
		case <-s.recalc:
			kickAll = false
		case <-timer.C:
			kickAll = false
		}
	}
}

// kick starts the account's drain, or asks a running one to go once more.
func (s *Scheduler) kick(ctx context.Context, a *account) {
	a.mu.Lock()
	if a.removed {
		a.mu.Unlock()
		return
	}
	if a.draining {
		a.dirty = true
		a.mu.Unlock()
		return
	}
	a.draining, a.dirty, a.nextAt = true, false, time.Time{}
	a.mu.Unlock()
	s.wg.Add(1) // the loop holds a count, so this never races Stop's Wait
	go s.drainLoop(ctx, a)
}

func (s *Scheduler) drainLoop(ctx context.Context, a *account) {
	defer s.wg.Done()
	for {
		var next time.Time
		select {
		case s.sendSlots <- struct{}{}:
			next = s.drain(ctx, a)
			<-s.sendSlots
		case <-ctx.Done():
		}
		a.mu.Lock()
		if a.dirty && ctx.Err() == nil {
			a.dirty = false
			a.mu.Unlock()
			continue
		}
		a.draining, a.dirty, a.nextAt = false, false, next
		a.mu.Unlock()
		select {
		case s.recalc <- struct{}{}:
		default:
		}
		return
	}
}

// drain delivers the account's due replies one at a time, in the store's
// order, after resolving its unknown ones. It returns when it wants to look
// again (zero: only when woken). Tests call it directly.
func (s *Scheduler) drain(ctx context.Context, a *account) time.Time {
	idle := 0 // passes that claimed nothing though a reply looked due
	for ctx.Err() == nil {
		conn, name, hold, ok := s.sendable(a)
		if !ok {
			return hold
		}
		verifyNext, stopped := s.resolveUnknown(ctx, a, name, conn)
		if stopped || ctx.Err() != nil {
			continue // the gate above says why
		}
		if _, _, _, ok := s.sendable(a); !ok {
			// Removed by a reload (or stopped) while Verify ran: claim
			// nothing through the old connector; the gate above says why.
			continue
		}
		c, ok, err := s.store.ClaimNext(name)
		if err != nil {
			s.log.Error("claim next reply", "account", name, "err", err)
			return s.now().Add(s.opts.Recheck)
		}
		if !ok {
			due, found := s.nextDue(name)
			if found && !due.After(s.now()) && idle < 3 {
				idle++ // it came due between ClaimNext and NextDue: claim it now
				continue
			}
			if found && !due.After(s.now()) {
				// Due but never claimable (held back by its thread):
				// look again after Recheck, or when woken.
				due = s.now().Add(s.opts.Recheck)
			}
			return earliest(verifyNext, due)
		}
		idle = 0
		s.deliver(a, name, conn, c)
	}
	return time.Time{}
}

// sendable says whether the account may send now; if not, until when
// (zero: until Resume or a reload).
func (s *Scheduler) sendable(a *account) (conn connectors.Connector, name string, hold time.Time, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.removed || a.cfg.Connector == nil {
		return nil, "", time.Time{}, false
	}
	now := s.now()
	if held, until := sendHeld(&a.st, now); held {
		return nil, "", until, false
	}
	if now.Before(a.sendHold) {
		return nil, "", a.sendHold, false
	}
	return a.cfg.Connector, a.cfg.Name, time.Time{}, true
}

// nextDue is when the account's earliest claimable queued reply comes due.
func (s *Scheduler) nextDue(name string) (time.Time, bool) {
	at, ok, err := s.store.NextDue(name)
	if err != nil {
		s.log.Error("next due reply", "account", name, "err", err)
		return s.now().Add(s.opts.Recheck), true
	}
	return at, ok
}

// deliver sends one claimed (already "sending") reply and records the outcome.
func (s *Scheduler) deliver(a *account, name string, conn connectors.Connector, c store.Claim) {
	r := c.Reply
	log := s.log.With("account", name, "reply_id", r.ID, "item_id", r.ItemID, "attempt", r.Attempts)
	out := connectors.Outgoing{Item: c.Item, Reply: r, LastInboundAt: c.LastInboundAt}

	ctx, cancel := context.WithTimeout(s.sendCtx, s.opts.SendTimeout)
	if r.Auto {
		// People first: an acknowledgement leaves the budgets' reserve.
		ctx = connectors.WithPriority(ctx, connectors.Automatic)
	}
	externalID, err := s.safeSend(ctx, conn, out)
	cancel()
	now := s.now()
	s.recordUsageLocked(a, conn)

	if err == nil {
		if _, merr := s.store.MarkSent(r.ID, externalID); merr != nil {
			// Posted but not recorded: it stays "sending", which the next
			// start turns into "unknown" and verifies. Never re-sent blindly.
			log.Error("reply posted but recording it failed", "external_id", externalID, "err", merr)
			return
		}
		s.m.deliveries.WithLabelValues(name, deliverySent).Inc()
		s.m.deliveryLatency.WithLabelValues(name).Observe(now.Sub(r.CreatedAt).Seconds())
		log.Info("reply sent", "external_id", externalID)
		return
	}

	class := connectors.ClassOf(err)
	reason := s.opts.ErrorText(err)
	var outcome string
	var serr error
	switch {
	case stopsAccount(class):
		// The platform refused the account, not this reply: it waits in
		// queued (due now) while the account is stopped.
		s.accountFailed(a, err, now)
		_, serr = s.store.RetryAt(r.ID, now, reason)
		outcome = deliveryAccountStopped
	case class == connectors.RateLimited && r.Auto:
		// The budget is short for acknowledgements: this one waits, and
		// the account's other replies (people's, which have a reserve)
		// go on.
		until := connectors.RetryAtOf(err)
		if until.IsZero() {
			until = now.Add(s.opts.RateLimitPause)
		}
		_, serr = s.store.RetryAt(r.ID, until, reason)
		outcome = deliveryRetry
	case class == connectors.RateLimited:
		until := connectors.RetryAtOf(err)
		if until.IsZero() {
			until = now.Add(s.opts.RateLimitPause)
		}
		a.mu.Lock()
		if until.After(a.sendHold) {
			a.sendHold = until
		}
		a.mu.Unlock()
		_, serr = s.store.RetryAt(r.ID, until, reason)
		outcome = deliveryRetry
	case class == connectors.Permanent || class == connectors.Permission || class == connectors.NotFound:
		_, serr = s.store.MarkFailed(r.ID, reason)
		outcome = deliveryFailed
	case connectors.MayHaveReached(err):
		_, serr = s.store.MarkUnknown(r.ID, reason)
		outcome = deliveryUnknown
	default: // did not reach the platform: safe to send again later
		_, serr = s.store.RetryAt(r.ID, now.Add(s.backoff(r.Attempts)), reason)
		outcome = deliveryRetry
	}
	s.m.deliveries.WithLabelValues(name, outcome).Inc()
	log.Warn("reply not sent", "outcome", outcome, "class", class, "err", err)
	if serr != nil {
		log.Error("record delivery outcome", "outcome", outcome, "err", serr)
	}
}

// resolveUnknown verifies the account's unknown replies whose turn has
// come. It returns the earliest next verification, and stopped when the
// platform refused the account meanwhile.
func (s *Scheduler) resolveUnknown(ctx context.Context, a *account, name string, conn connectors.Connector) (next time.Time, stopped bool) {
	v, ok := conn.(connectors.Verifier)
	if !ok {
		return time.Time{}, false // stays unknown for an operator
	}
	claims, err := s.store.Unknown(name)
	if err != nil {
		s.log.Error("list unknown replies", "account", name, "err", err)
		return s.now().Add(s.opts.Recheck), false
	}
	live := make(map[string]bool, len(claims))
	defer func() { // forget replies no longer unknown (sent, requeued or dropped)
		a.mu.Lock()
		for id := range a.verifyAt {
			if !live[id] {
				delete(a.verifyAt, id)
			}
		}
		for id := range a.verifyTries {
			if !live[id] {
				delete(a.verifyTries, id)
			}
		}
		a.mu.Unlock()
	}()
	for _, c := range claims {
		r := c.Reply
		if r.NeedsDecision {
			continue // given up: waits for an operator's retry or drop
		}
		live[r.ID] = true
		a.mu.Lock()
		at, waiting := a.verifyAt[r.ID]
		a.mu.Unlock()
		if waiting && s.now().Before(at) {
			next = earliest(next, at)
			continue
		}
		if ctx.Err() != nil {
			return next, false
		}
		since := r.CreatedAt
		if r.AttemptedAt != nil {
			since = *r.AttemptedAt
		}
		out := connectors.Outgoing{Item: c.Item, Reply: r, LastInboundAt: c.LastInboundAt}
		vctx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
		externalID, found, err := s.safeVerify(vctx, v, out, since)
		cancel()
		now := s.now()
		log := s.log.With("account", name, "reply_id", r.ID, "item_id", r.ItemID)
		retryAt := time.Time{}
		switch {
		case err != nil && ctx.Err() != nil:
			return next, false
		case err != nil:
			class := connectors.ClassOf(err)
			if stopsAccount(class) {
				s.accountFailed(a, err, now)
				return next, true
			}
			retryAt = now.Add(s.opts.VerifyRetry)
			if ra := connectors.RetryAtOf(err); class == connectors.RateLimited && ra.After(retryAt) {
				retryAt = ra
			}
			log.Warn("verify failed; will try again", "class", class, "err", err, "at", retryAt)
		case found:
			if _, merr := s.store.MarkVerified(r.ID, externalID); merr != nil {
				log.Error("record verified reply", "err", merr)
				retryAt = now.Add(s.opts.Recheck)
				break
			}
			s.m.deliveries.WithLabelValues(name, deliveryVerifiedSent).Inc()
			s.m.deliveryLatency.WithLabelValues(name).Observe(now.Sub(r.CreatedAt).Seconds())
			log.Info("unknown reply found on the platform: sent", "external_id", externalID)
		case now.Before(since.Add(s.opts.VerifyGrace)):
			retryAt = since.Add(s.opts.VerifyGrace) // the platform may not show it yet
		default:
			// Only if it is still unknown: while Verify ran, the reply may
			// have been requeued, dropped or claimed by another delivery
			// (a reload re-adding the account); pulling it out of sending
			// would post it twice.
			_, merr := s.store.RetryUnknownAt(r.ID, now, "not found on the platform after the send; sending again")
			var moved *inbox.ReplyStateError
			if errors.As(merr, &moved) {
				log.Info("unknown reply moved on while it was verified; left as it is", "state", moved.From)
				break
			}
			if merr != nil {
				log.Error("requeue unverified reply", "err", merr)
				retryAt = now.Add(s.opts.Recheck)
				break
			}
			s.m.deliveries.WithLabelValues(name, deliveryVerifiedAbsent).Inc()
			log.Info("unknown reply not on the platform: queued again")
		}
		if !retryAt.IsZero() && s.giveUpVerify(a, r, since, now, log) {
			retryAt = time.Time{}
		}
		a.mu.Lock()
		if retryAt.IsZero() {
			delete(a.verifyAt, r.ID)
		} else {
			a.verifyAt[r.ID] = retryAt
		}
		a.mu.Unlock()
		next = earliest(next, retryAt)
	}
	return next, false
}

// giveUpVerify counts a Verify that left r unresolved and, once the
// attempts or the time since the send are spent, marks r as needing an
// operator's decision. It reports whether it gave up.
func (s *Scheduler) giveUpVerify(a *account, r inbox.Reply, since, now time.Time, log *slog.Logger) bool {
	a.mu.Lock()
	a.verifyTries[r.ID]++
	tries := a.verifyTries[r.ID]
	a.mu.Unlock()
	if tries < s.opts.VerifyMaxAttempts && now.Sub(since) < s.opts.VerifyMaxTime {
		return false
	}
	reason := fmt.Sprintf("not verified after %d attempts over %s: needs an operator's decision (check the platform, then retry or drop it)",
		tries, now.Sub(since).Round(time.Second))
	if _, err := s.store.MarkNeedsDecision(r.ID, reason); err != nil {
		var moved *inbox.ReplyStateError
		if !errors.As(err, &moved) {
			log.Error("mark reply as needing a decision", "err", err)
			return false
		}
		return true // moved on meanwhile: nothing left to verify
	}
	s.m.deliveries.WithLabelValues(a.cfg.Name, deliveryNeedsDecision).Inc()
	log.Warn("unknown reply not verified; stopped trying: needs an operator's decision",
		"verify_attempts", tries, "since_send", now.Sub(since).Round(time.Second).String())
	return true
}

// accountFailed applies an account-stopping error met by a send or verify.
func (s *Scheduler) accountFailed(a *account, err error, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s.applyFailure(&a.st, err, now)
	s.persist(a)
	s.log.Warn("account stopped", "account", a.cfg.Name, "state", a.st.State, "err", err)
}

func (s *Scheduler) recordUsageLocked(a *account, conn connectors.Connector) {
	if _, ok := conn.(connectors.UsageReporter); !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s.recordUsage(a, conn)
}

func (s *Scheduler) safeSend(ctx context.Context, c connectors.Connector, out connectors.Outgoing) (id string, err error) {
	defer func() {
		if r := recover(); r != nil {
			// The panic may have come after the request went out: verify.
			perr := s.recovered("send", out.Item.Account, r)
			err = &connectors.Error{Class: connectors.Transient, Op: "send", Message: perr.Error(), MayHaveReached: true}
		}
	}()
	return c.Send(ctx, out)
}

func (s *Scheduler) safeVerify(ctx context.Context, v connectors.Verifier, out connectors.Outgoing, since time.Time) (id string, found bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.recovered("verify", out.Item.Account, r)
		}
	}()
	return v.Verify(ctx, out, since)
}

// earliest of two times, zero meaning "never".
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	case b.Before(a):
		return b
	}
	return a
}
