package scheduler

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

func TestNewNeedsStore(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without a store succeeded")
	}
}

func TestNewRefusesRegistryTwice(t *testing.T) {
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	if _, err := New(Options{Store: e.st, Registry: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Store: e.st, Registry: reg}); err == nil {
		t.Fatal("second scheduler on the same registry was accepted")
	}
}

func TestSetAccountsAddRemoveReplace(t *testing.T) {
	e := newEnv(t)
	fb, x := newConn("fb"), newConn("x")
	e.set(acct(fb), acct(x))
	if n := len(e.s.cron.Entries()); n != 2 {
		t.Fatalf("cron entries = %d, want 2", n)
	}
	for _, name := range []string{"fb", "x"} {
		if st := e.state(name); st.State != StateIdle || st.Platform != "facebook" {
			t.Errorf("%s stored state = %+v", name, st)
		}
	}

	t.Run("invalid lists are refused whole", func(t *testing.T) {
		for _, tc := range []struct {
			list []Account
			want string
		}{
			{[]Account{acct(fb), acct(fb)}, `duplicate account name "fb"`},
			{[]Account{acct(fb), {Name: "x", Schedule: "every minute", Connector: x, Enabled: true}}, `account "x": schedule "every minute"`},
			{[]Account{{Name: "fb", Schedule: "@every 1m", Enabled: true}}, `account "fb": no connector`},
			{[]Account{{Schedule: "@every 1m", Connector: fb, Enabled: true}}, "name is empty"},
		} {
			err := e.s.SetAccounts(context.Background(), tc.list)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SetAccounts = %v, want %q", err, tc.want)
			}
		}
		if n := len(e.s.cron.Entries()); n != 2 || len(e.s.Accounts()) != 2 {
			t.Errorf("a refused list changed the running set: %d entries", n)
		}
	})

	t.Run("reschedule", func(t *testing.T) {
		before := e.s.account("x").entry
		ax := acct(x)
		ax.Schedule = "*/5 * * * *"
		e.set(acct(fb), ax)
		after := e.s.account("x").entry
		if after == before {
			t.Fatal("entry kept after a schedule change")
		}
		entry := e.s.cron.Entry(after)
		j, ok := entry.Schedule.(jittered)
		if !ok {
			t.Fatalf("schedule %T, want jittered", entry.Schedule)
		}
		if _, ok := j.Schedule.(*cron.SpecSchedule); !ok {
			t.Errorf("inner schedule %T, want the new spec", j.Schedule)
		}
		if e.s.account("fb").entry != 1 {
			t.Errorf("unchanged account was rescheduled")
		}
	})

	t.Run("replace connector", func(t *testing.T) {
		fb2 := newConn("fb")
		e.set(acct(fb2), acct(x))
		e.s.tick("fb")
		if fb.pollCalls() != 0 || fb2.pollCalls() != 1 {
			t.Errorf("polls old %d new %d; want the new connector", fb.pollCalls(), fb2.pollCalls())
		}
		// With a config hash, an equal hash keeps the running connector.
		a := acct(fb2)
		a.ConfigHash = "h1"
		e.set(a, acct(x))
		a.Connector = newConn("fb")
		e.set(a, acct(x))
		e.s.tick("fb")
		if fb2.pollCalls() != 2 {
			t.Errorf("same config hash swapped the connector")
		}
	})

	t.Run("disable and enable", func(t *testing.T) {
		cur := e.s.account("fb").cfg
		cur.Enabled = false
		e.set(cur, acct(x))
		calls := cur.Connector.(*fakeConn).pollCalls()
		e.s.tick("fb")
		if st := e.state("fb"); st.State != StateDisabled || cur.Connector.(*fakeConn).pollCalls() != calls {
			t.Errorf("disabled: state %s", st.State)
		}
		if err := e.s.Resume(context.Background(), "fb"); !isState(err, StateDisabled) {
			t.Errorf("Resume of a disabled account = %v", err)
		}
		cur.Enabled = true
		e.set(cur, acct(x))
		if st := e.state("fb"); st.State != StateIdle {
			t.Errorf("re-enabled: %s", st.State)
		}
	})

	t.Run("remove keeps the queue", func(t *testing.T) {
		r := e.queue("x", "t1", "Balasan.")
		e.set(acct(fb))
		if n := len(e.s.cron.Entries()); n != 1 {
			t.Errorf("cron entries = %d, want 1", n)
		}
		if err := e.s.PollNow(context.Background(), "x"); !errors.Is(err, ErrUnknownAccount) {
			t.Errorf("PollNow of a removed account = %v", err)
		}
		if got := e.reply(r.ID).State; got != inbox.ReplyQueued {
			t.Errorf("removed account's reply = %s", got)
		}
		x2 := newConn("x")
		e.set(acct(fb), acct(x2))
		e.drain("x")
		if got := e.reply(r.ID).State; got != inbox.ReplySent || len(x2.sendCalls()) != 1 {
			t.Errorf("re-added account's reply = %s", got)
		}
	})
}

// A restart in the middle of a poll leaves "polling" stored; it reads as idle.
func TestRestartMidPollReadsIdle(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	e.set(acct(c))
	st := e.state("fb")
	st.State = StatePolling
	if err := e.st.PutAccountState(st); err != nil {
		t.Fatal(err)
	}
	e.reopen(acct(c))
	if got := e.state("fb").State; got != StateIdle {
		t.Errorf("state = %s, want idle", got)
	}
	e.s.tick("fb")
	if c.pollCalls() != 1 {
		t.Errorf("did not poll after restart")
	}
}

// The running daemon: a queued reply wakes the worker at once (no timer),
// Stop waits for the send in flight and leaves no goroutine (goleak).
func TestStartDeliversOnNotifyAndStopWaitsForSend(t *testing.T) {
	e := newEnv(t)
	fb, x := newConn("fb"), newConn("x")
	fb.sent, x.sent = make(chan string, 4), make(chan string, 4)
	fb.started = make(chan string, 1)
	release := make(chan struct{})
	fb.script(nil, []sendStep{{reached: true, block: release}})
	e.set(acct(fb), acct(x))
	if err := e.s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Start(context.Background()); err == nil {
		t.Error("second Start succeeded")
	}

	rx := e.queue("x", "t1", "Untuk x.")
	if got := waitFor(t, x.sent); got != rx.ID {
		t.Fatalf("x sent %s, want %s", got, rx.ID)
	}
	rf := e.queue("fb", "p1", "Untuk fb.")
	if got := waitFor(t, fb.started); got != rf.ID {
		t.Fatalf("fb started %s", got)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- e.s.Stop(context.Background()) }()
	<-e.s.runCtx.Done() // Stop has begun while the send is still in flight
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a send was in flight", err)
	default:
	}
	close(release)
	if err := waitFor(t, stopped); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	// The send in flight was let finish and recorded before Stop returned.
	if got := e.reply(rf.ID); got.State != inbox.ReplySent {
		t.Errorf("in-flight reply = %s, want sent", got.State)
	}
	if err := e.s.PollNow(context.Background(), "fb"); !errors.Is(err, ErrStopped) {
		t.Errorf("PollNow after Stop = %v", err)
	}
	if err := e.s.Start(context.Background()); !errors.Is(err, ErrStopped) {
		t.Errorf("Start after Stop = %v", err)
	}
}

// Resume wakes the worker so replies held by a stopped account go out.
func TestResumeWakesOutbox(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	c.sent = make(chan string, 2)
	c.script([]pollStep{{err: cerr(connectors.Auth, "expired")}}, nil)
	e.set(acct(c))
	e.s.tick("fb")
	r := e.queue("fb", "p1", "Balasan.")
	if err := e.s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Resume(context.Background(), "fb"); err != nil {
		t.Fatal(err)
	}
	if got := waitFor(t, c.sent); got != r.ID {
		t.Fatalf("sent %s", got)
	}
	if err := e.s.Resume(context.Background(), "nope"); !errors.Is(err, ErrUnknownAccount) {
		t.Errorf("Resume unknown = %v", err)
	}
}

// A send still running when Stop's context ends is cancelled, and Stop
// returns only after it recorded its outcome: the caller closes the store
// next, and nothing may write to it afterwards.
func TestStopDeadlineWaitsForCancelledSend(t *testing.T) {
	e := newEnv(t)
	fb := newConn("fb")
	fb.started = make(chan string, 1)
	fb.script(nil, []sendStep{{untilCancelled: true}})
	e.set(acct(fb))
	if err := e.s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := e.queue("fb", "p1", "Balasan.")
	if got := waitFor(t, fb.started); got != r.ID {
		t.Fatalf("started %s, want %s", got, r.ID)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the grace period is already over
	if err := e.s.Stop(ctx); err != nil {
		t.Fatalf("Stop = %v, want nil once the cancelled send finished", err)
	}
	if got := e.reply(r.ID); got.State != inbox.ReplyUnknown {
		t.Errorf("cancelled in-flight reply = %s, want unknown (recorded before Stop returned)", got.State)
	}
}

func TestStopCancelsRunningPoll(t *testing.T) {
	e := newEnv(t)
	c := newConn("fb")
	c.script([]pollStep{{page: page(e, "fb", "c1", true, 1)}, {block: make(chan struct{})}}, nil)
	e.set(acct(c))
	if err := e.s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.s.PollNow(context.Background(), "fb"); err != nil {
		t.Fatal(err)
	}
	for c.pollCalls() < 2 { // the second page blocks until cancelled
		runtimeGosched()
	}
	if err := e.s.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if got := val(e.s.m.polls.WithLabelValues("fb", "cancelled")); got != 1 {
		t.Errorf("polls_total{cancelled} = %v", got)
	}
	if got := string(mustCursor(t, e, "fb")); got != "c1" {
		t.Errorf("cursor = %q, want the committed c1", got)
	}
	if st := e.state("fb"); st.State != StateIdle || st.Failures != 0 {
		t.Errorf("cancelled poll left %+v", st)
	}
}

func TestJitteredSchedule(t *testing.T) {
	spec, err := parseSchedule("*/5 * * * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	j := newJittered(spec, 7*time.Second)
	at := func(h, m, s int) time.Time { return time.Date(2026, 11, 20, h, m, s, 0, time.UTC) }
	for _, tc := range []struct{ from, want time.Time }{
		{at(9, 0, 3), at(9, 0, 7)},
		{at(9, 0, 7), at(9, 5, 7)},
		{at(8, 59, 59), at(9, 0, 7)},
	} {
		if got := j.Next(tc.from); !got.Equal(tc.want) {
			t.Errorf("Next(%v) = %v, want %v", tc.from, got, tc.want)
		}
	}
	never, _ := parseSchedule("0 0 30 2 *", time.UTC)
	if got := newJittered(never, time.Second).Next(at(9, 0, 0)); !got.IsZero() {
		t.Errorf("a spec that never fires got %v", got)
	}

	// @every: the first run carries the whole offset, later runs keep the phase.
	every, _ := parseSchedule("@every 1m", time.UTC)
	je := newJittered(every, 7300*time.Millisecond)
	first := je.Next(at(9, 0, 0))
	if want := at(9, 1, 7).Add(300 * time.Millisecond); !first.Equal(want) {
		t.Errorf("first @every run = %v, want %v", first, want)
	}
	woke := first.Add(2 * time.Millisecond) // cron computes the next from its wake-up time
	if got, want := je.Next(woke), at(9, 2, 7).Add(300*time.Millisecond); !got.Equal(want) {
		t.Errorf("second @every run = %v, want %v", got, want)
	}

	s := &Scheduler{opts: Options{MaxJitter: DefaultMaxJitter}, now: newClock().Now, rnd: rand.New(rand.NewPCG(3, 4))}
	every5s, _ := parseSchedule("@every 5s", time.UTC)
	seen := map[time.Duration]bool{}
	for range 50 {
		d := s.jitterFor(every5s)
		if d < 0 || d >= 500*time.Millisecond {
			t.Fatalf("jitter %v for a 5 s schedule, want < 0.5 s", d)
		}
		seen[d] = true
	}
	if len(seen) < 2 {
		t.Error("jitter never varies")
	}
	for range 50 {
		if d := s.jitterFor(spec); d >= DefaultMaxJitter {
			t.Fatalf("jitter %v above MaxJitter", d)
		}
	}
}

func TestScheduleTimeZone(t *testing.T) {
	jakarta := time.FixedZone("WIB", 7*3600)
	from := time.Date(2026, 11, 20, 0, 30, 0, 0, time.UTC) // 07:30 WIB
	for _, tc := range []struct {
		spec string
		want time.Time
	}{
		{"0 8 * * *", time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)},             // 08:00 WIB
		{"CRON_TZ=UTC 0 8 * * *", time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)}, // its own zone wins
		{"@every 1m", time.Date(2026, 11, 20, 0, 31, 0, 0, time.UTC)},            // no zone involved
	} {
		sched, err := parseSchedule(tc.spec, jakarta)
		if err != nil {
			t.Fatalf("%s: %v", tc.spec, err)
		}
		if got := sched.Next(from); !got.Equal(tc.want) {
			t.Errorf("%s: Next = %v, want %v", tc.spec, got.UTC(), tc.want)
		}
	}
}

func waitFor[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("timed out waiting")
	}
	var zero T
	return zero
}

func TestStateErrorTellsTheOperator(t *testing.T) {
	until := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		err  StateError
		want string
	}{
		{StateError{Account: "fb", State: StateNeedsReauth}, `account "fb" is needs_reauth: fix its token in the config and reload, or resume it after re-authorising`},
		{StateError{Account: "x", State: StateUsageCapped, Until: &until}, `account "x" is usage_capped until 2026-12-01T00:00:00Z`},
		{StateError{Account: "x", State: StateDisabled}, `account "x" is disabled in the config`},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}
