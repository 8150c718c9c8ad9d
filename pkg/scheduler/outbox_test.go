package scheduler

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

func TestOutboxSendsInOrderPerAccount(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	e.set(acct(c))
	r1 := e.queue("fb", "post1", "Terima kasih, laporan diteruskan ke Dinas PU.")
	r2 := e.queue("fb", "post2", "Mohon kirim lokasi tepatnya.")
	r3 := e.queue("fb", "post1", "Perbaikan dijadwalkan minggu depan.")

	if next := e.drain("fb"); !next.IsZero() {
		t.Errorf("drain wants to come back at %v with nothing left", next)
	}
	if got, want := c.sendCalls(), []string{r1.ID, r2.ID, r3.ID}; !slices.Equal(got, want) {
		t.Fatalf("send order %v, want %v", got, want)
	}
	for _, r := range []inbox.Reply{r1, r2, r3} {
		got := e.reply(r.ID)
		if got.State != inbox.ReplySent || got.ExternalID != c.posted[r.ID] || got.Attempts != 1 {
			t.Errorf("reply %s: %+v", r.ID, got)
		}
		it, _ := e.st.Get(r.ItemID)
		if it.Status != inbox.StatusAnswered {
			t.Errorf("item %s status %s, want answered", it.ID, it.Status)
		}
	}
	if got := val(e.s.m.deliveries.WithLabelValues("fb", deliverySent)); got != 3 {
		t.Errorf("deliveries_total{sent} = %v", got)
	}
	if got := histCount(t, e, "inboxd_delivery_latency_seconds"); got != 3 {
		t.Errorf("delivery latency observations = %d, want 3", got)
	}
}

// An ambiguous send becomes unknown, is found by Verify and is marked sent
// with the found id — one post on the platform, one Send call.
func TestAmbiguousSendVerifiedFound(t *testing.T) {
	e := newEnv(t)
	c := &verifyConn{fakeConn: newConn("fb")}
	c.script(nil, []sendStep{{err: &connectors.Error{Class: connectors.Transient, Message: "timeout after writing", MayHaveReached: true}, reached: true}})
	e.set(acct(c))
	r := e.queue("fb", "post1", "Sudah kami teruskan.")
	e.drain("fb")

	got := e.reply(r.ID)
	if got.State != inbox.ReplySent || got.ExternalID != c.posted[r.ID] {
		t.Fatalf("reply = %+v, want sent with %s", got, c.posted[r.ID])
	}
	if n := len(c.sendCalls()); n != 1 {
		t.Errorf("Send calls = %d, want 1", n)
	}
	if c.landed(r.ID) != 1 {
		t.Errorf("posted %d times", c.landed(r.ID))
	}
	if len(c.since) != 1 || !c.since[0].Equal(*got.AttemptedAt) {
		t.Errorf("Verify since = %v, want attempted_at %v", c.since, got.AttemptedAt)
	}
	if v := val(e.s.m.deliveries.WithLabelValues("fb", deliveryUnknown)); v != 1 {
		t.Errorf("deliveries_total{unknown} = %v", v)
	}
	if v := val(e.s.m.deliveries.WithLabelValues("fb", deliveryVerifiedSent)); v != 1 {
		t.Errorf("deliveries_total{verified_sent} = %v", v)
	}
}

// Not found: it waits out the grace period, then is sent again, once.
func TestAmbiguousSendNotFoundResentAfterGrace(t *testing.T) {
	e := newEnv(t)
	c := &verifyConn{fakeConn: newConn("fb")}
	c.script(nil, []sendStep{{err: &connectors.Error{Class: connectors.Transient, Message: "502 on POST", MayHaveReached: true}}})
	e.set(acct(c))
	r := e.queue("fb", "post1", "Sudah kami teruskan.")
	attempted := e.clock.Now()

	next := e.drain("fb")
	if got := e.reply(r.ID); got.State != inbox.ReplyUnknown {
		t.Fatalf("state after ambiguous send = %s", got.State)
	}
	if want := attempted.Add(DefaultVerifyGrace); !next.Equal(want) {
		t.Errorf("next look at %v, want %v (grace)", next, want)
	}
	e.clock.Advance(DefaultVerifyGrace - time.Second)
	e.drain("fb")
	if got := e.reply(r.ID); got.State != inbox.ReplyUnknown || len(c.sendCalls()) != 1 {
		t.Fatalf("within grace: state %s, %d sends", got.State, len(c.sendCalls()))
	}
	e.clock.Advance(time.Second)
	e.drain("fb")
	got := e.reply(r.ID)
	if got.State != inbox.ReplySent || got.Attempts != 2 {
		t.Fatalf("after grace: %+v", got)
	}
	if n := len(c.sendCalls()); n != 2 || c.landed(r.ID) != 1 {
		t.Errorf("Send calls %d, posted %d; want 2 and 1", n, c.landed(r.ID))
	}
	if v := val(e.s.m.deliveries.WithLabelValues("fb", deliveryVerifiedAbsent)); v != 1 {
		t.Errorf("deliveries_total{verified_absent} = %v", v)
	}
}

func TestAmbiguousSendWithoutVerifierStaysUnknown(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	c.script(nil, []sendStep{{err: &connectors.Error{Class: connectors.Transient, Message: "connection reset after write", MayHaveReached: true}, reached: true}})
	e.set(acct(c))
	r := e.queue("fb", "post1", "Sudah kami teruskan.")
	later := e.queue("fb", "post1", "Tambahan informasi.") // same thread: held behind the unknown one
	other := e.queue("fb", "post2", "Balasan lain.")
	e.drain("fb")
	for range 3 {
		e.clock.Advance(time.Hour)
		e.drain("fb")
	}
	if got := e.reply(r.ID); got.State != inbox.ReplyUnknown || !strings.Contains(got.LastError, "connection reset") {
		t.Errorf("reply = %+v, want unknown with the reason", got)
	}
	if got := e.reply(later.ID); got.State != inbox.ReplyQueued {
		t.Errorf("later reply of the same thread = %s, want queued (held back)", got.State)
	}
	if got := e.reply(other.ID); got.State != inbox.ReplySent {
		t.Errorf("other thread = %s, want sent", got.State)
	}
	if got := c.sendCalls(); !slices.Equal(got, []string{r.ID, other.ID}) {
		t.Errorf("sends %v", got)
	}
}

func TestSendErrorClasses(t *testing.T) {
	reset := newClock().Now().Add(20 * time.Minute)
	cases := []struct {
		name    string
		err     error
		state   inbox.ReplyState
		due     func(now time.Time) (lo, hi time.Time) // for queued
		account string
	}{
		{"permanent", cerr(connectors.Permanent, "outside the 24 h messaging window"), inbox.ReplyFailed, nil, StateIdle},
		{"permission", cerr(connectors.Permission, "pages_messaging not granted"), inbox.ReplyFailed, nil, StateIdle},
		{"not found", cerr(connectors.NotFound, "comment was deleted"), inbox.ReplyFailed, nil, StateIdle},
		{"transient not reached", cerr(connectors.Transient, "dial tcp: connection refused"), inbox.ReplyQueued,
			func(now time.Time) (time.Time, time.Time) {
				return now.Add(DefaultBackoffBase / 2), now.Add(DefaultBackoffBase)
			}, StateIdle},
		{"rate limited", &connectors.Error{Class: connectors.RateLimited, Message: "429", RetryAt: reset}, inbox.ReplyQueued,
			func(time.Time) (time.Time, time.Time) { return reset, reset }, StateIdle},
		{"auth", cerr(connectors.Auth, "token revoked"), inbox.ReplyQueued,
			func(now time.Time) (time.Time, time.Time) { return now, now }, StateNeedsReauth},
		{"usage capped", cerr(connectors.UsageCapped, "cap"), inbox.ReplyQueued,
			func(now time.Time) (time.Time, time.Time) { return now, now }, StateUsageCapped},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			c := newConn("fb")
			c.script(nil, []sendStep{{err: tc.err}})
			e.set(acct(c))
			r := e.queue("fb", "post1", "Balasan.")
			other := e.queue("fb", "post2", "Balasan lain.")
			now := e.clock.Now()
			e.drain("fb")

			got := e.reply(r.ID)
			if got.State != tc.state || !strings.Contains(got.LastError, tc.err.Error()) || got.Attempts != 1 {
				t.Fatalf("reply = %+v, want %s with the reason", got, tc.state)
			}
			if tc.due != nil {
				lo, hi := tc.due(now)
				if got.NextAttemptAt == nil || got.NextAttemptAt.Before(lo) || got.NextAttemptAt.After(hi) {
					t.Errorf("next_attempt_at = %v, want in [%v, %v]", got.NextAttemptAt, lo, hi)
				}
			}
			if st := e.state("fb"); st.State != tc.account {
				t.Errorf("account state = %s, want %s", st.State, tc.account)
			}
			// An account-level stop or a rate limit holds the account's other replies too.
			wantOther := inbox.ReplySent
			if tc.account != StateIdle || connectors.ClassOf(tc.err) == connectors.RateLimited {
				wantOther = inbox.ReplyQueued
			}
			if got := e.reply(other.ID); got.State != wantOther {
				t.Errorf("other reply = %s, want %s", got.State, wantOther)
			}
		})
	}
}

func TestRateLimitedSendHoldsAccountUntilReset(t *testing.T) {
	e := newEnv(t)
	c := newConn("x")
	reset := e.clock.Now().Add(10 * time.Minute)
	c.script(nil, []sendStep{{err: &connectors.Error{Class: connectors.RateLimited, Message: "429", RetryAt: reset}}})
	e.set(acct(c))
	r1 := e.queue("x", "t1", "Satu.")
	r2 := e.queue("x", "t2", "Dua.")
	if next := e.drain("x"); !next.Equal(reset) {
		t.Errorf("next look = %v, want the reset %v", next, reset)
	}
	e.clock.Set(reset.Add(-time.Second))
	e.drain("x")
	if n := len(c.sendCalls()); n != 1 {
		t.Fatalf("sends before reset = %d, want 1", n)
	}
	e.clock.Set(reset)
	e.drain("x")
	// r2 (another thread) has been due longer than r1's retry: it goes first.
	if got := c.sendCalls(); !slices.Equal(got, []string{r1.ID, r2.ID, r1.ID}) {
		t.Errorf("sends = %v", got)
	}
	if e.reply(r1.ID).State != inbox.ReplySent || e.reply(r2.ID).State != inbox.ReplySent {
		t.Errorf("not both sent")
	}
}

// Auth on one account stops its polls and sends; the other account keeps
// polling and sending; a new connector config brings the first one back.
func TestAuthOnOneAccountLeavesOthersRunning(t *testing.T) {
	e := newEnv(t)
	bad, good := newConn("fb"), newConn("x")
	bad.script([]pollStep{{err: cerr(connectors.Auth, "Error validating access token (190/463)")}}, nil)
	a := acct(bad)
	a.ConfigHash = "token-1"
	e.set(a, acct(good))

	e.s.tick("fb")
	e.s.tick("x")
	rb := e.queue("fb", "post1", "Untuk fb.")
	rg := e.queue("x", "t1", "Untuk x.")
	e.drain("fb")
	e.drain("x")
	e.s.tick("fb")
	e.s.tick("x")

	if st := e.state("fb"); st.State != StateNeedsReauth {
		t.Fatalf("fb state = %s", st.State)
	}
	if st := e.state("x"); st.State != StateIdle {
		t.Errorf("x state = %s", st.State)
	}
	if bad.pollCalls() != 1 || len(bad.sendCalls()) != 0 {
		t.Errorf("stopped account: %d polls, %d sends; want 1, 0", bad.pollCalls(), len(bad.sendCalls()))
	}
	if good.pollCalls() != 2 || e.reply(rg.ID).State != inbox.ReplySent {
		t.Errorf("other account: %d polls, reply %s", good.pollCalls(), e.reply(rg.ID).State)
	}
	if got := e.reply(rb.ID).State; got != inbox.ReplyQueued {
		t.Errorf("stopped account's reply = %s, want queued", got)
	}

	// Reload with the same config: still stopped. With a new token: back.
	e.set(a, acct(good))
	if st := e.state("fb"); st.State != StateNeedsReauth {
		t.Errorf("same config lifted needs_reauth: %s", st.State)
	}
	fixed := newConn("fb")
	a.Connector, a.ConfigHash = fixed, "token-2"
	e.set(a, acct(good))
	if st := e.state("fb"); st.State != StateIdle {
		t.Fatalf("after new token: %s", st.State)
	}
	e.drain("fb")
	e.s.tick("fb")
	if fixed.pollCalls() != 1 || !slices.Equal(fixed.sendCalls(), []string{rb.ID}) {
		t.Errorf("new connector: %d polls, sends %v", fixed.pollCalls(), fixed.sendCalls())
	}
}

func TestSendAuthStopsAccountUntilResume(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	c.script(nil, []sendStep{{err: cerr(connectors.Auth, "session expired")}})
	e.set(acct(c))
	r := e.queue("fb", "post1", "Balasan.")
	e.drain("fb")
	e.s.tick("fb")
	if c.pollCalls() != 0 || e.reply(r.ID).State != inbox.ReplyQueued {
		t.Fatalf("after auth: %d polls, reply %s", c.pollCalls(), e.reply(r.ID).State)
	}
	if err := e.s.Resume(context.Background(), "fb"); err != nil {
		t.Fatal(err)
	}
	e.drain("fb")
	if got := e.reply(r.ID); got.State != inbox.ReplySent || got.Attempts != 2 {
		t.Errorf("after resume: %+v", got)
	}
}

// A reply left sending by a crash is unknown after reopening and is
// verified, never re-sent blindly.
func TestCrashWhileSendingIsVerifiedNotResent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		landed bool
		want   inbox.ReplyState
		sends  int
	}{{"landed", true, inbox.ReplySent, 0}, {"never landed", false, inbox.ReplySent, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			c := &verifyConn{fakeConn: newConn("fb")}
			e.set(acct(c))
			r := e.queue("fb", "post1", "Balasan.")
			if _, ok, err := e.st.ClaimNext("fb"); !ok || err != nil { // the process dies right after the claim
				t.Fatalf("claim: %v %v", ok, err)
			}
			if tc.landed {
				c.posted[r.ID], c.postings[r.ID] = "fb-post-early", 1
			}
			e.reopen(acct(c))
			if got := e.reply(r.ID).State; got != inbox.ReplyUnknown {
				t.Fatalf("after reopen = %s, want unknown", got)
			}
			e.clock.Advance(DefaultVerifyGrace)
			e.drain("fb")
			got := e.reply(r.ID)
			if got.State != tc.want || len(c.sendCalls()) != tc.sends || c.landed(r.ID) != 1 {
				t.Errorf("reply %+v, %d sends, posted %d times", got, len(c.sendCalls()), c.landed(r.ID))
			}
			if tc.landed && got.ExternalID != "fb-post-early" {
				t.Errorf("external id = %q", got.ExternalID)
			}
		})
	}
}

func TestVerifyErrorRetriedLater(t *testing.T) {
	e := newEnv(t)
	c := &verifyConn{fakeConn: newConn("fb")}
	calls := 0
	c.verifyFn = func() error {
		calls++
		if calls == 1 {
			return cerr(connectors.Transient, "graph 500")
		}
		return nil
	}
	c.script(nil, []sendStep{{err: &connectors.Error{Class: connectors.Transient, MayHaveReached: true, Message: "timeout"}, reached: true}})
	e.set(acct(c))
	r := e.queue("fb", "post1", "Balasan.")
	if next := e.drain("fb"); !next.Equal(e.clock.Now().Add(DefaultVerifyRetry)) {
		t.Errorf("next = %v", next)
	}
	e.drain("fb") // too early: no Verify call
	if c.verifies.Load() != 1 {
		t.Fatalf("verifies = %d", c.verifies.Load())
	}
	e.clock.Advance(DefaultVerifyRetry)
	e.drain("fb")
	if got := e.reply(r.ID); got.State != inbox.ReplySent || len(c.sendCalls()) != 1 {
		t.Errorf("reply %+v after %d sends", got, len(c.sendCalls()))
	}
}

func TestSendPanicIsUnknownAndCounted(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	c.script(nil, []sendStep{{panic: "index out of range"}})
	e.set(acct(c))
	r := e.queue("fb", "post1", "Balasan.")
	e.drain("fb")
	if got := e.reply(r.ID).State; got != inbox.ReplyUnknown {
		t.Errorf("reply after a panicking Send = %s, want unknown", got)
	}
	if got := val(e.s.m.panics.WithLabelValues("send")); got != 1 {
		t.Errorf("panics_recovered_total{send} = %v", got)
	}
}

func histCount(t *testing.T, e *env, name string) uint64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}

// The worker's timer (not a Notify) brings a reply in backoff back: run on
// the wall clock with a millisecond backoff, waiting on the fake's channel.
func TestOutboxTimerRetriesWithoutNotify(t *testing.T) {
	e := newEnvWith(t, func(o *Options) { o.BackoffBase = time.Millisecond; o.BackoffMax = 2 * time.Millisecond })
	e.clock.real = true
	c := newConn("fb")
	c.sent = make(chan string, 2)
	c.script(nil, []sendStep{{err: cerr(connectors.Transient, "dial tcp: i/o timeout")}})
	e.set(acct(c))
	r := e.queue("fb", "p1", "Balasan.")
	e.notify.Store(nil) // the store's events no longer wake the worker: only its timer can
	if err := e.s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := waitFor(t, c.sent); got != r.ID {
		t.Fatalf("sent %s", got)
	}
	if got := c.sendCalls(); len(got) != 2 {
		t.Errorf("Send calls = %v, want 2 (one failure, one retry)", got)
	}
}

func TestUsageRecordedFromSendsAndPolls(t *testing.T) {
	e := newEnv(t)
	fc := newConn("x")
	reset := e.clock.Now().Add(10 * time.Minute)
	fc.usage = connectors.Usage{RateRemaining: 42, RateLimit: 75, RateResetAt: reset, ReadsToday: 1234, ReadsDay: "2026-11-20"}
	e.set(Account{Name: "x", Platform: "twitter", Schedule: "@every 1m", Connector: usageConn{fc}, Enabled: true})
	e.s.tick("x")
	u := e.state("x").Usage
	if u["rate_remaining"] != 42.0 || u["rate_limit"] != 75.0 || u["reads_today"] != 1234.0 ||
		u["reads_day"] != "2026-11-20" || u["rate_reset_at"] != reset.Format(time.RFC3339) {
		t.Errorf("stored usage = %v", u)
	}
	if v := val(e.s.m.rateRemaining.WithLabelValues("x")); v != 42 {
		t.Errorf("platform_rate_limit_remaining = %v", v)
	}
	fc.mu.Lock()
	fc.usage.RateRemaining, fc.usage.ReadsToday = 41, 1240
	fc.mu.Unlock()
	e.queue("x", "t1", "Balasan.")
	e.drain("x")
	if v := val(e.s.m.rateRemaining.WithLabelValues("x")); v != 41 {
		t.Errorf("after a send: platform_rate_limit_remaining = %v, want 41", v)
	}
	if v := val(e.s.m.reads.WithLabelValues("x")); v != 1240 {
		t.Errorf("platform_reads_total = %v, want 1240 (1234 then 6 more the same day)", v)
	}
	fc.mu.Lock()
	fc.usage.ReadsToday, fc.usage.ReadsDay = 5, "2026-11-21" // a new UTC day starts over
	fc.mu.Unlock()
	e.queue("x", "t1", "Balasan 2.")
	e.drain("x")
	if v := val(e.s.m.reads.WithLabelValues("x")); v != 1245 {
		t.Errorf("platform_reads_total after the day changed = %v, want 1245", v)
	}
}

// verifyingDrain sets up an account whose reply went unknown past the
// verify grace, and starts a drain of it that blocks inside Verify: it
// returns once Verify runs. Closing release makes Verify answer "not
// found"; done closes when that drain returns.
func verifyingDrain(e *env, c *verifyConn) (r inbox.Reply, release, done chan struct{}) {
	e.t.Helper()
	inVerify := make(chan struct{})
	release, done = make(chan struct{}), make(chan struct{})
	c.verifyFn = func() error {
		close(inVerify)
		<-release
		return nil // the platform view has not seen it: not found
	}
	e.set(acct(c))
	r = e.queue(c.name, "post1", "Balasan.")
	if _, ok, err := e.st.ClaimNext(c.name); !ok || err != nil {
		e.t.Fatalf("claim: %v %v", ok, err)
	}
	if _, err := e.st.MarkUnknown(r.ID, "timeout after writing"); err != nil {
		e.t.Fatal(err)
	}
	e.clock.Advance(DefaultVerifyGrace)
	a := e.s.account(c.name)
	go func() { defer close(done); e.s.drain(context.Background(), a) }()
	<-inVerify
	return r, release, done
}

// A reload that removes an account and adds it back while its drain is
// verifying leaves two drains on the same replies for a moment. The old
// drain's "not found" must not requeue a reply the new drain is sending
// right now: that requeue made the reply go out a second time.
func TestStaleVerifyDoesNotRequeueAReplyBeingSent(t *testing.T) {
	e := newEnv(t)
	old := &verifyConn{fakeConn: newConn("fb")}
	r, release, oldDone := verifyingDrain(e, old)

	e.set() // SIGHUP without the account ...
	fresh := &verifyConn{fakeConn: newConn("fb")}
	sending := make(chan struct{})
	fresh.started = make(chan string, 1)
	fresh.script(nil, []sendStep{{reached: true, block: sending}})
	e.set(acct(fresh)) // ... and with it again
	newDone := make(chan struct{})
	go func() { defer close(newDone); e.s.drain(context.Background(), e.s.account("fb")) }()

	<-fresh.started // the new drain verified (absent), requeued and is sending it
	close(release)  // the old drain's Verify answers "not found" now
	<-oldDone
	close(sending)
	<-newDone

	// Both connectors post to the same platform account.
	if n := old.landed(r.ID) + fresh.landed(r.ID); n != 1 {
		t.Errorf("reply posted %d times (old connector %d, new %d), want 1", n, old.landed(r.ID), fresh.landed(r.ID))
	}
	if got := e.reply(r.ID); got.State != inbox.ReplySent {
		t.Errorf("reply state %s (%s), want sent", got.State, got.LastError)
	}
}

// An account removed by a reload while its drain is verifying sends
// nothing more through the removed connector.
func TestAccountRemovedWhileVerifyingSendsNothing(t *testing.T) {
	e := newEnv(t)
	c := &verifyConn{fakeConn: newConn("fb")}
	r, release, done := verifyingDrain(e, c)
	e.set() // the account leaves the config
	close(release)
	<-done

	if sends := c.sendCalls(); len(sends) != 0 {
		t.Errorf("removed account sent %v", sends)
	}
	if got := e.reply(r.ID); got.State != inbox.ReplyQueued {
		t.Errorf("reply state %s, want queued (waiting for the account to come back)", got.State)
	}
}

// An operator retries an unknown reply while the drain is verifying it, and
// Verify then finds it on the platform: the reply is recorded sent with the
// found id, not claimed and posted a second time.
func TestReplyRequeuedDuringVerifyIsNotSentAgain(t *testing.T) {
	e := newEnv(t)
	c := &verifyConn{fakeConn: newConn("fb")}
	r, release, done := verifyingDrain(e, c)
	if _, err := e.st.Requeue(r.ID, "siti"); err != nil {
		t.Fatal(err)
	}
	// Verify holds c.mu until release; this write happens before the close
	// that lets it read the map, so it needs no lock.
	c.posted[r.ID] = "fb-reply-1"
	close(release)
	<-done

	if sends := c.sendCalls(); len(sends) != 0 {
		t.Errorf("the reply was posted again: %v", sends)
	}
	if got := e.reply(r.ID); got.State != inbox.ReplySent || got.ExternalID != "fb-reply-1" {
		t.Errorf("reply = %s %q, want sent with the id Verify found", got.State, got.ExternalID)
	}
}

// A reply left unknown whose Verify never resolves (the platform does not
// know the thread: "not_found (100/33)") is verified a bounded number of
// times, then stays unknown, marked as needing an operator's decision, and
// is never verified or sent again by the outbox. Before the bound existed
// it was verified every VerifyRetry, forever.
func TestUnresolvedVerifyGivesUpAfterAttempts(t *testing.T) {
	e, c, r := unresolvedReply(t, 3, 24*time.Hour, cerr(connectors.Permanent, "verify comment reply: not_found (100/33)"))
	for i := 0; i < 10; i++ {
		e.clock.Advance(DefaultVerifyRetry)
		e.drain("fb")
	}
	if n := c.verifies.Load(); n != 3 {
		t.Errorf("Verify ran %d times, want 3 (the bound)", n)
	}
	got := e.reply(r.ID)
	if got.State != inbox.ReplyUnknown || !got.NeedsDecision || !strings.Contains(got.LastError, "operator's decision") {
		t.Errorf("reply = %s needs_decision=%v %q, want unknown, needing a decision", got.State, got.NeedsDecision, got.LastError)
	}
	if len(c.sendCalls()) != 1 {
		t.Errorf("%d sends, want 1: a reply given up on is never re-sent", len(c.sendCalls()))
	}
	st, err := e.st.Stats("")
	if err != nil || st.RepliesNeedingDecision != 1 || st.Replies[inbox.ReplyUnknown] != 1 {
		t.Errorf("stats: %d needing a decision, %d unknown (%v), want 1 and 1", st.RepliesNeedingDecision, st.Replies[inbox.ReplyUnknown], err)
	}
	if v := deliveries(t, e, "fb", deliveryNeedsDecision); v != 1 {
		t.Errorf("inboxd_deliveries_total{outcome=needs_decision} = %v, want 1", v)
	}

	// The operator's retry clears the mark and sends it again.
	if _, err := e.st.Requeue(r.ID, "siti"); err != nil {
		t.Fatal(err)
	}
	st, _ = e.st.Stats("")
	if got := e.reply(r.ID); got.NeedsDecision || st.RepliesNeedingDecision != 0 {
		t.Errorf("after retry: needs_decision=%v, counted %d", got.NeedsDecision, st.RepliesNeedingDecision)
	}
}

// The time bound alone also ends verification: one failed Verify after
// VerifyMaxTime since the send is the last.
func TestUnresolvedVerifyGivesUpAfterTime(t *testing.T) {
	e, c, r := unresolvedReply(t, 1000, 10*time.Minute, cerr(connectors.Transient, "graph 500"))
	e.clock.Advance(10 * time.Minute)
	e.drain("fb")
	before := c.verifies.Load()
	e.clock.Advance(time.Hour)
	e.drain("fb")
	if got := e.reply(r.ID); !got.NeedsDecision || got.State != inbox.ReplyUnknown {
		t.Errorf("reply = %s needs_decision=%v, want unknown needing a decision", got.State, got.NeedsDecision)
	}
	if c.verifies.Load() != before || before != 2 {
		t.Errorf("Verify calls: %d then %d, want 2 and no more", before, c.verifies.Load())
	}
}

// unresolvedReply queues a reply whose send times out (it may have reached
// the platform) on an account whose Verify always fails with verifyErr,
// and drains it once: the reply is unknown, verified once.
func unresolvedReply(t *testing.T, attempts int, maxTime time.Duration, verifyErr error) (*env, *verifyConn, inbox.Reply) {
	e := newEnvWith(t, func(o *Options) { o.VerifyMaxAttempts = attempts; o.VerifyMaxTime = maxTime })
	c := &verifyConn{fakeConn: newConn("fb")}
	c.verifyFn = func() error { return verifyErr }
	c.script(nil, []sendStep{{err: &connectors.Error{Class: connectors.Transient, MayHaveReached: true, Message: "timeout"}, reached: false}})
	e.set(acct(c))
	r := e.queue("fb", "post1", "Balasan.")
	e.drain("fb")
	return e, c, r
}

func deliveries(t *testing.T, e *env, account, outcome string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "inboxd_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["account"] == account && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
