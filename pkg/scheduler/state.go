package scheduler

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/store"
)

// The values of store.AccountState.State (and of /api/v1/accounts' state).
const (
	StateIdle        = "idle"
	StatePolling     = "polling"
	StateBackoff     = "backoff"
	StateRateLimited = "rate_limited"
	StateUsageCapped = "usage_capped"
	StateNeedsReauth = "needs_reauth"
	StateDisabled    = "disabled"
)

// States lists every account state, for the state gauge.
var States = []string{StateIdle, StatePolling, StateBackoff, StateRateLimited, StateUsageCapped, StateNeedsReauth, StateDisabled}

// Errors PollNow and Resume return; the API maps them to status codes.
var (
	// ErrUnknownAccount wraps store.ErrNotFound, so callers mapping store
	// errors to 404 need no second case.
	ErrUnknownAccount = fmt.Errorf("unknown account: %w", store.ErrNotFound)
	ErrBusy           = errors.New("a poll of this account is already running")
	ErrStopped        = errors.New("scheduler is stopped")
)

// StateError refuses a poll the account's state does not allow now.
type StateError struct {
	Account string
	State   string
	Until   *time.Time // when the pause ends by itself; nil when it does not
}

func (e *StateError) Error() string {
	msg := fmt.Sprintf("account %q is %s", e.Account, e.State)
	switch e.State {
	case StateNeedsReauth:
		msg += ": fix its token in the config and reload, or resume it after re-authorising"
	case StateDisabled:
		msg += " in the config"
	}
	if e.Until != nil {
		msg += " until " + e.Until.UTC().Format(time.RFC3339)
	}
	return msg
}

// pollRefusal says why an account may not poll at now, or nil. An operator's
// poll (PollNow) overrides our own backoff, never a platform's pause.
func pollRefusal(st *store.AccountState, now time.Time, operator bool) error {
	refuse := func() error {
		return &StateError{Account: st.Name, State: st.State, Until: copyTime(st.PausedUntil)}
	}
	switch st.State {
	case StateDisabled, StateNeedsReauth:
		return refuse()
	case StateUsageCapped, StateRateLimited:
		if st.PausedUntil == nil || now.Before(*st.PausedUntil) {
			return refuse()
		}
	case StateBackoff:
		if !operator && st.PausedUntil != nil && now.Before(*st.PausedUntil) {
			return refuse()
		}
	case StatePolling:
		return ErrBusy
	}
	return nil
}

// sendHeld reports whether the account's state stops sends, and until when
// (zero: until an operator or a reload lifts it).
func sendHeld(st *store.AccountState, now time.Time) (bool, time.Time) {
	switch st.State {
	case StateDisabled, StateNeedsReauth:
		return true, time.Time{}
	case StateUsageCapped:
		if st.PausedUntil == nil {
			return true, time.Time{}
		}
		if now.Before(*st.PausedUntil) {
			return true, *st.PausedUntil
		}
	}
	return false, time.Time{}
}

// stopsAccount reports whether an error class stops the whole account (polls
// and sends), not only the call that met it.
func stopsAccount(c connectors.Class) bool {
	return c == connectors.Auth || c == connectors.UsageCapped
}

// applyFailure moves an account's state after a failed call.
func (s *Scheduler) applyFailure(st *store.AccountState, err error, now time.Time) {
	class := connectors.ClassOf(err)
	st.LastError = s.lastError(err, now)
	switch class {
	case connectors.Auth:
		st.State, st.PausedUntil = StateNeedsReauth, nil
	case connectors.UsageCapped:
		until := firstOfNextMonthUTC(now)
		st.State, st.PausedUntil = StateUsageCapped, &until
	case connectors.RateLimited:
		until := connectors.RetryAtOf(err)
		if until.IsZero() {
			until = now.Add(s.opts.RateLimitPause)
		}
		st.State, st.PausedUntil = StateRateLimited, &until
	default: // transient, permission, not_found, permanent: retry later
		st.Failures++
		until := now.Add(s.backoff(st.Failures))
		st.State, st.PausedUntil = StateBackoff, &until
	}
}

// applySuccess records a poll that reached its end.
func applySuccess(st *store.AccountState, now time.Time) {
	st.State, st.PausedUntil, st.Failures = StateIdle, nil, 0
	st.LastSuccessAt = &now
}

// backoff is the wait after the n-th consecutive failure: BackoffBase doubled
// per failure, capped at BackoffMax, with "equal jitter" (half fixed, half
// random) so accounts failing together do not retry together.
func (s *Scheduler) backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := s.opts.BackoffMax
	if exp := float64(s.opts.BackoffBase) * math.Pow(2, float64(n-1)); exp < float64(d) {
		d = time.Duration(exp)
	}
	half := d / 2
	return half + s.randDuration(d-half)
}

// stretchFactor says how many cron runs make one poll at a usage percentage:
// 1 at or below the threshold, then one more per 5 points, at most 8.
func stretchFactor(percent, above float64) int {
	if percent <= above {
		return 1
	}
	k := 1 + int(math.Ceil((percent-above)/5))
	return min(k, 8)
}

func firstOfNextMonthUTC(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
}

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

func (s *Scheduler) lastError(err error, now time.Time) *store.AccountError {
	return &store.AccountError{Class: string(connectors.ClassOf(err)), Message: s.opts.ErrorText(err), At: now}
}
