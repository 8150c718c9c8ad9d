package scheduler

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

func page(e *env, account, cursor string, more bool, n int) connectors.Page {
	p := connectors.Page{Cursor: []byte(cursor), More: more}
	for range n {
		p.Items = append(p.Items, e.item(account, "post1"))
	}
	return p
}

func TestPollCommitsEachPage(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	c.script([]pollStep{
		{page: page(e, "fb", "c1", true, 2)},
		{page: page(e, "fb", "c2", true, 3)},
		{page: page(e, "fb", "c3", false, 1)},
	}, nil)
	e.set(acct(c))

	if err := e.pollNow("fb"); err != nil {
		t.Fatalf("poll: %v", err)
	}
	if got := string(mustCursor(t, e, "fb")); got != "c3" {
		t.Errorf("cursor = %q, want c3", got)
	}
	if want := []string{"", "c1", "c2"}; !equalCursors(c.cursors, want) {
		t.Errorf("Poll saw cursors %q, want %q", c.cursors, want)
	}
	if got := countItems(t, e, "fb"); got != 6 {
		t.Errorf("stored items = %d, want 6", got)
	}
	if got := val(e.s.m.ingested.WithLabelValues("fb")); got != 6 {
		t.Errorf("items_ingested_total = %v, want 6", got)
	}
	if got := val(e.s.m.polls.WithLabelValues("fb", "ok")); got != 1 {
		t.Errorf("polls_total{ok} = %v, want 1", got)
	}
	st := e.state("fb")
	if st.State != StateIdle || st.LastSuccessAt == nil || st.LastPollAt == nil {
		t.Errorf("state after success = %+v", st)
	}
}

// A failure mid-walk keeps the pages already committed, and the next poll
// resumes from the last committed cursor; re-reading a page is harmless.
func TestPollFailureMidWalkKeepsCommittedPages(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	p1 := page(e, "fb", "c1", true, 2)
	c.script([]pollStep{
		{page: p1},
		{err: cerr(connectors.Transient, "502 from graph")},
		{page: p1}, // the platform hands the same page again
		{page: page(e, "fb", "c2", false, 1)},
	}, nil)
	e.set(acct(c))

	err := e.pollNow("fb")
	if connectors.ClassOf(err) != connectors.Transient {
		t.Fatalf("poll = %v, want transient", err)
	}
	if got := string(mustCursor(t, e, "fb")); got != "c1" {
		t.Fatalf("cursor after failure = %q, want c1 (page 1 committed)", got)
	}
	if got := countItems(t, e, "fb"); got != 2 {
		t.Fatalf("items after failure = %d, want 2", got)
	}
	if err := e.pollNow("fb"); err != nil { // operator overrides backoff
		t.Fatalf("second poll: %v", err)
	}
	if got := string(c.cursors[2]); got != "c1" {
		t.Errorf("resumed from %q, want c1", got)
	}
	if got := countItems(t, e, "fb"); got != 3 {
		t.Errorf("items = %d, want 3 (re-read page deduplicated)", got)
	}
	if got := val(e.s.m.duplicates.WithLabelValues("fb")); got != 2 {
		t.Errorf("items_duplicate_total = %v, want 2", got)
	}
}

func TestPollStopsAtPageCap(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	c.script([]pollStep{
		{page: page(e, "fb", "c1", true, 1)},
		{page: page(e, "fb", "c2", true, 1)},
		{page: page(e, "fb", "c3", false, 1)},
	}, nil)
	a := acct(c)
	a.MaxPagesPerPoll = 2
	e.set(a)
	e.s.tick("fb")
	if got := c.pollCalls(); got != 2 {
		t.Fatalf("Poll calls = %d, want 2 (cap)", got)
	}
	if got := string(mustCursor(t, e, "fb")); got != "c2" {
		t.Fatalf("cursor = %q, want c2", got)
	}
	e.s.tick("fb")
	if got := string(mustCursor(t, e, "fb")); got != "c3" {
		t.Errorf("cursor after next run = %q, want c3", got)
	}
}

// Each error class drives the state machine, and a restart remembers it.
func TestPollErrorClassesPersistAcrossRestart(t *testing.T) {
	now := newClock().Now()
	retryAt := now.Add(7 * time.Minute)
	cases := []struct {
		name     string
		err      error
		state    string
		until    func(got *time.Time) bool
		failures int
	}{
		{"transient", cerr(connectors.Transient, "reset"), StateBackoff, between(now.Add(DefaultBackoffBase/2), now.Add(DefaultBackoffBase)), 1},
		{"unclassified", errors.New("boom"), StateBackoff, between(now.Add(DefaultBackoffBase/2), now.Add(DefaultBackoffBase)), 1},
		{"permission", cerr(connectors.Permission, "pages_read_engagement missing"), StateBackoff, between(now.Add(DefaultBackoffBase/2), now.Add(DefaultBackoffBase)), 1},
		{"not_found", cerr(connectors.NotFound, "page gone"), StateBackoff, between(now.Add(DefaultBackoffBase/2), now.Add(DefaultBackoffBase)), 1},
		{"permanent", cerr(connectors.Permanent, "refused"), StateBackoff, between(now.Add(DefaultBackoffBase/2), now.Add(DefaultBackoffBase)), 1},
		{"rate limited with reset", &connectors.Error{Class: connectors.RateLimited, Message: "429", RetryAt: retryAt}, StateRateLimited, exactly(retryAt), 0},
		{"rate limited without reset", cerr(connectors.RateLimited, "429"), StateRateLimited, exactly(now.Add(DefaultRateLimitPause)), 0},
		{"usage capped", cerr(connectors.UsageCapped, "monthly cap"), StateUsageCapped, exactly(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)), 0},
		{"auth", cerr(connectors.Auth, "token expired (190/463)"), StateNeedsReauth, isNil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			c := newConn("fb")
			c.script([]pollStep{{err: tc.err}}, nil)
			e.set(acct(c))
			e.s.tick("fb")

			check := func(when string, st store.AccountState) {
				t.Helper()
				if st.State != tc.state || !tc.until(st.PausedUntil) || st.Failures != tc.failures {
					t.Errorf("%s: state=%s paused_until=%v failures=%d; want %s, failures %d",
						when, st.State, st.PausedUntil, st.Failures, tc.state, tc.failures)
				}
				if st.LastError == nil || st.LastError.Class != string(connectors.ClassOf(tc.err)) || st.LastError.Message != tc.err.Error() {
					t.Errorf("%s: last_error = %+v", when, st.LastError)
				}
			}
			check("stored", e.state("fb"))

			c2 := newConn("fb")
			e.reopen(acct(c2))
			check("after restart", e.s.Accounts()[0])
			e.s.tick("fb") // the clock has not moved: a paused account does not poll
			if got := c2.pollCalls(); got != 0 {
				t.Errorf("polled %d times right after restart, want 0", got)
			}
		})
	}
}

func between(lo, hi time.Time) func(*time.Time) bool {
	return func(got *time.Time) bool { return got != nil && !got.Before(lo) && !got.After(hi) }
}
func exactly(want time.Time) func(*time.Time) bool {
	return func(got *time.Time) bool { return got != nil && got.Equal(want) }
}
func isNil(got *time.Time) bool { return got == nil }

func TestBackoffGrowsWithJitterAndCaps(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	for range 12 {
		c.script([]pollStep{{err: cerr(connectors.Transient, "timeout")}}, nil)
	}
	e.set(acct(c))
	for n := 1; n <= 12; n++ {
		e.s.tick("fb")
		st := e.state("fb")
		if st.State != StateBackoff || st.Failures != n {
			t.Fatalf("run %d: state %s failures %d", n, st.State, st.Failures)
		}
		wait := st.PausedUntil.Sub(e.clock.Now())
		full := min(DefaultBackoffBase<<(n-1), DefaultBackoffMax)
		if wait < full/2 || wait > full {
			t.Fatalf("run %d: waits %v, want within [%v, %v]", n, wait, full/2, full)
		}
		e.s.tick("fb") // still paused: no call
		if got := c.pollCalls(); got != n {
			t.Fatalf("run %d: %d Poll calls during the pause, want %d", n, got, n)
		}
		e.clock.Advance(wait)
	}
	e.s.tick("fb") // script exhausted: success
	if st := e.state("fb"); st.State != StateIdle || st.Failures != 0 || st.PausedUntil != nil {
		t.Errorf("after success: %+v", st)
	}
}

func TestRateLimitPauseHonoured(t *testing.T) {
	e := newEnv(t)
	c := newConn("x")
	reset := e.clock.Now().Add(15 * time.Minute)
	c.script([]pollStep{{err: &connectors.Error{Class: connectors.RateLimited, Message: "Too Many Requests", RetryAt: reset}}}, nil)
	e.set(acct(c))
	e.s.tick("x")

	e.clock.Advance(15*time.Minute - time.Second)
	e.s.tick("x")
	if err := e.s.PollNow(context.Background(), "x"); !isState(err, StateRateLimited) {
		t.Errorf("PollNow during the pause = %v, want a rate_limited StateError", err)
	}
	if got := c.pollCalls(); got != 1 {
		t.Fatalf("Poll calls before the reset = %d, want 1", got)
	}
	e.clock.Advance(time.Second)
	e.s.tick("x")
	if got := c.pollCalls(); got != 2 {
		t.Fatalf("Poll calls at the reset = %d, want 2", got)
	}
	if st := e.state("x"); st.State != StateIdle {
		t.Errorf("state after the reset = %s, want idle", st.State)
	}
}

func TestUsageCapPausedUntilResumeOrNextMonth(t *testing.T) {
	e := newEnv(t)
	c := newConn("x")
	c.script([]pollStep{{err: cerr(connectors.UsageCapped, "UsageCapExceeded")}, {err: cerr(connectors.UsageCapped, "UsageCapExceeded")}}, nil)
	e.set(acct(c))
	e.s.tick("x")
	e.clock.Advance(24 * time.Hour)
	e.s.tick("x")
	if err := e.s.PollNow(context.Background(), "x"); !isState(err, StateUsageCapped) {
		t.Errorf("PollNow while capped = %v", err)
	}
	if got := c.pollCalls(); got != 1 {
		t.Fatalf("Poll calls while capped = %d, want 1", got)
	}
	if err := e.s.Resume(context.Background(), "x"); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if st := e.state("x"); st.State != StateIdle || st.PausedUntil != nil {
		t.Fatalf("after Resume: %+v", st)
	}
	e.s.tick("x") // capped again
	if got := c.pollCalls(); got != 2 {
		t.Fatalf("Poll calls after Resume = %d, want 2", got)
	}
	e.clock.Set(time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC))
	e.s.tick("x")
	e.clock.Set(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	e.s.tick("x")
	if got := c.pollCalls(); got != 3 {
		t.Fatalf("Poll calls after the month turned = %d, want 3", got)
	}
	if st := e.state("x"); st.State != StateIdle {
		t.Errorf("state in the new month = %s", st.State)
	}
}

func TestUsageAboveThresholdStretchesPolls(t *testing.T) {
	e := newEnv(t)
	fc := newConn("fb")
	fc.usage = connectors.Usage{Percent: 90}
	c := usageConn{fc}
	e.set(acct(c))
	e.s.tick("fb") // records 90 %: every 3rd run polls from now on
	if got := val(e.s.m.usageRatio.WithLabelValues("fb")); got != 0.9 {
		t.Errorf("platform_usage_ratio = %v, want 0.9", got)
	}
	for range 6 {
		e.s.tick("fb")
	}
	if got := fc.pollCalls(); got != 3 {
		t.Fatalf("Poll calls = %d, want 3 (1 + 6 runs / 3)", got)
	}
	if pct := e.state("fb").Usage["percent"]; pct != 90.0 {
		t.Errorf("stored usage percent = %v", pct)
	}
	// A restart remembers the usage and keeps stretching.
	fc2 := newConn("fb")
	fc2.usage = connectors.Usage{Percent: 50}
	e.reopen(acct(usageConn{fc2}))
	e.s.tick("fb")
	e.s.tick("fb")
	if got := fc2.pollCalls(); got != 0 {
		t.Fatalf("polled %d times in 2 runs after restart, want 0", got)
	}
	e.s.tick("fb") // polls, learns 50 %: back to every run
	e.s.tick("fb")
	if got := fc2.pollCalls(); got != 2 {
		t.Errorf("Poll calls = %d, want 2", got)
	}
}

func TestStretchFactor(t *testing.T) {
	for _, tc := range []struct {
		pct  float64
		want int
	}{{0, 1}, {80, 1}, {80.5, 2}, {85, 2}, {86, 3}, {90, 3}, {100, 5}, {150, 8}} {
		if got := stretchFactor(tc.pct, 80); got != tc.want {
			t.Errorf("stretchFactor(%v) = %d, want %d", tc.pct, got, tc.want)
		}
	}
}

func TestPollNowRules(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	block := make(chan struct{})
	c.script([]pollStep{{err: cerr(connectors.Transient, "reset")}, {block: block, page: page(e, "fb", "c1", false, 1)}}, nil)
	e.set(acct(c))
	err := e.s.PollNow(context.Background(), "nope")
	if !errors.Is(err, ErrUnknownAccount) || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown account: %v (want ErrUnknownAccount, a store.ErrNotFound for the API)", err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.s.PollNow(cancelled, "fb"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v", err)
	}
	e.s.tick("fb") // backoff
	// The operator overrides our backoff, and PollNow returns while the
	// connector is still blocked: the poll runs on the scheduler's context.
	if err := e.s.PollNow(context.Background(), "fb"); err != nil {
		t.Fatalf("PollNow in backoff: %v", err)
	}
	if st := e.state("fb"); st.State != StatePolling {
		t.Errorf("state while polling = %s", st.State)
	}
	if err := e.s.PollNow(context.Background(), "fb"); !errors.Is(err, ErrBusy) {
		t.Errorf("concurrent PollNow = %v, want ErrBusy", err)
	}
	close(block)
	e.waitPoll("fb")
	if st := e.state("fb"); st.State != StateIdle || st.Failures != 0 {
		t.Errorf("after the poll: %+v", st)
	}
	if got := string(mustCursor(t, e, "fb")); got != "c1" {
		t.Errorf("cursor = %q", got)
	}
	e.set(Account{Name: "fb", Platform: "facebook", Schedule: "@every 1m", Connector: c, Enabled: false})
	if err := e.s.PollNow(context.Background(), "fb"); !isState(err, StateDisabled) {
		t.Errorf("disabled: %v", err)
	}
}

func TestPollPanicRecoveredAndCounted(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	c.script([]pollStep{{panic: "nil map in parser"}}, nil)
	e.set(acct(c))
	e.s.tick("fb")
	if got := val(e.s.m.panics.WithLabelValues("poll")); got != 1 {
		t.Errorf("panics_recovered_total{poll} = %v, want 1", got)
	}
	st := e.state("fb")
	if st.State != StateBackoff || st.LastError == nil || st.LastError.Class != "transient" {
		t.Errorf("state after panic = %+v", st)
	}
	// cron.Recover reports through the slog adapter, which counts too.
	clog := cronLogger{log: quietLogger(), panics: func() { e.s.m.panics.WithLabelValues("cron").Inc() }}
	recoverJob(clog, func() { panic("bug") })
	if got := val(e.s.m.panics.WithLabelValues("cron")); got != 1 {
		t.Errorf("panics_recovered_total{cron} = %v, want 1", got)
	}
}

func mustCursor(t *testing.T, e *env, account string) []byte {
	t.Helper()
	c, err := e.st.Cursor(account)
	if err != nil {
		t.Fatalf("cursor: %v", err)
	}
	return c
}

func equalCursors(got [][]byte, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if string(got[i]) != want[i] {
			return false
		}
	}
	return true
}

func countItems(t *testing.T, e *env, account string) int {
	t.Helper()
	p, err := e.st.List(store.Filter{Account: account, Limit: 200, Statuses: []inbox.Status{inbox.StatusNew}})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	return len(p.Items)
}

// Replies the account wrote on the platform directly reach the store with
// their page and answer the item they reply to.
func TestPollPassesExternalReplies(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	it := e.item("fb", "post9")
	c.script([]pollStep{
		{page: connectors.Page{Items: []inbox.Item{it}, Cursor: []byte("c1")}},
		{page: connectors.Page{Cursor: []byte("c2"), External: []inbox.ExternalReply{{
			Channel: chFacebook, Account: "fb", ExternalID: "post9_reply1",
			ParentExternalID: it.ExternalID, ThreadID: "post9", Text: "Sudah kami tindak lanjuti.",
			CreatedAt: e.clock.Now()}}}},
	}, nil)
	e.set(acct(c))
	e.s.tick("fb")
	e.s.tick("fb")
	p, err := e.st.List(store.Filter{Account: "fb", Statuses: []inbox.Status{inbox.StatusAnswered}})
	if err != nil || len(p.Items) != 1 || p.Items[0].ExternalID != it.ExternalID {
		t.Fatalf("answered items = %+v, %v", p.Items, err)
	}
	if v := val(e.s.m.externalReplies.WithLabelValues("fb")); v != 1 {
		t.Errorf("external_replies_total = %v", v)
	}
}

// gatedConn is a connector whose request budget is spent until a time.
type gatedConn struct {
	*fakeConn
	until  time.Time
	polled chan bool // IsOperatorPoll of each Poll
}

func (g *gatedConn) PollAvailableAt(now time.Time) time.Time {
	if now.Before(g.until) {
		return g.until
	}
	return now
}

func (g *gatedConn) Poll(ctx context.Context, cursor []byte) (connectors.Page, error) {
	g.polled <- connectors.IsOperatorPoll(ctx)
	return g.fakeConn.Poll(ctx, cursor)
}

// "Poll now" on a spent budget answers when it becomes possible, without a
// Poll call; once possible, the poll runs marked as an operator's.
func TestPollNowWaitsForTheBudget(t *testing.T) {
	e := newEnv(t)
	until := e.clock.Now().Add(7 * time.Minute)
	g := &gatedConn{fakeConn: newConn("x"), until: until, polled: make(chan bool, 1)}
	a := acct(g.fakeConn)
	a.Connector = g
	e.set(a)
	err := e.s.PollNow(context.Background(), "x")
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Class != connectors.RateLimited || !ce.RetryAt.Equal(until) {
		t.Fatalf("PollNow with the budget spent = %v, want rate_limited until %v", err, until)
	}
	if g.pollCalls() != 0 {
		t.Fatal("a Poll ran with the budget spent")
	}
	e.clock.Advance(7 * time.Minute)
	if err := e.s.PollNow(context.Background(), "x"); err != nil {
		t.Fatalf("PollNow once possible: %v", err)
	}
	if op := <-g.polled; !op {
		t.Fatal("the operator's poll was not marked as one")
	}
}
