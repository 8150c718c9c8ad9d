package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim"
	"github.com/inboxd/inboxd/pkg/sim/graphapi"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
	"github.com/inboxd/inboxd/pkg/store"
)

// TestDaemonFaults drives the daemon through the platforms' failure modes,
// one after another on one running daemon: rate limits with a reset, server
// errors, ambiguous sends, slow answers, an expired token fixed by a config
// reload, and an invalid reload. At the end nothing is lost, nothing is
// duplicated, and no reply was posted twice.
func TestDaemonFaults(t *testing.T) {
	f := newFakes(t)
	cfgPath := f.writeDaemonConfig(t, tPageToken, "@every 1h")
	d := startDaemon(t, cfgPath)
	book := newReplyBook(d, f)
	gen := sim.NewGenerator(7)

	emitEach(t, f.world, gen, 3)
	d.pollSucceeded(fbAccount)
	d.pollSucceeded(xAccount)
	checkExactlyOnce(t, f.world, d.items(""))

	t.Log("X: a burst of 429s on mentions with x-rate-limit-reset 2-3 s ahead")
	reset := time.Now().Add(3 * time.Second).Truncate(time.Second) // whole seconds, as X sends it
	f.x.Inject(xapi.Mentions, xapi.Fault{Kind: xapi.FaultRateLimited, Reset: reset, Times: 3})
	emitShapes(t, f.world, gen, 2, xShapes...)
	d.pollAccepted(xAccount)
	a := d.account(xAccount)
	if a.State != "rate_limited" || a.PausedUntil == nil || !a.PausedUntil.Equal(reset) ||
		a.LastError == nil || a.LastError.Class != "rate_limited" {
		t.Fatalf("after a 429: %+v (last error %+v), want rate_limited until %s", a, a.LastError, reset)
	}
	reads := f.x.Requests(xapi.Mentions) + f.x.Requests(xapi.DMEvents)
	refused := 0
	waitFor(t, "the X reset time", func() bool {
		if time.Now().After(reset.Add(-300 * time.Millisecond)) {
			return true
		}
		if code := d.pollNow(xAccount); code != http.StatusConflict {
			t.Errorf("poll while rate limited = %d, want 409", code)
		}
		refused++
		if n := f.x.Requests(xapi.Mentions) + f.x.Requests(xapi.DMEvents); n != reads {
			t.Fatalf("X read endpoints called %d times while paused (was %d)", n, reads)
		}
		return false
	})
	if refused == 0 {
		t.Error("no poll was tried during the pause")
	}
	// The rest of the burst: each poll after the reset meets one more 429
	// (with a reset now in the past) until X answers again.
	d.pollSucceeded(xAccount)
	if a := d.account(xAccount); a.State != "idle" {
		t.Errorf("X after the burst: %s", a.State)
	}
	checkExactlyOnce(t, f.world, d.items(""))

	t.Log("X: a 429 on the reply holds sends until the reset")
	reset = time.Now().Add(3 * time.Second).Truncate(time.Second)
	f.x.Inject(xapi.CreateTweet, xapi.Fault{Kind: xapi.FaultRateLimited, Reset: reset})
	r := book.answer(twitter.Channel, inbox.KindMention)
	waitFor(t, "the rate-limited send recorded", func() bool {
		r = d.reply(r.ID)
		return r.State == inbox.ReplyQueued && r.Attempts >= 1
	})
	if r.NextAttemptAt == nil || r.NextAttemptAt.Before(reset) || r.LastError == "" {
		t.Errorf("rate-limited reply: next attempt %v, last error %q; want not before %s", r.NextAttemptAt, r.LastError, reset)
	}
	creates := f.x.Requests(xapi.CreateTweet)
	waitFor(t, "the X reset time", func() bool {
		if time.Now().After(reset.Add(-300 * time.Millisecond)) {
			return true
		}
		if n := f.x.Requests(xapi.CreateTweet); n != creates {
			t.Fatalf("POST /2/tweets called %d times while held (was %d)", n, creates)
		}
		return false
	})
	book.waitState(r.ID, inbox.ReplySent)

	t.Log("Facebook: rate limits with codes 4, 17, 32 and 613 and usage headers")
	for _, code := range []int{4, 17, 32, 613} {
		f.graph.Fail(graphapi.EndpointConversations, graphapi.Fault{Kind: graphapi.FaultRateLimit, Code: code, RegainMinutes: 1})
		emitShapes(t, f.world, gen, 1, fbShapes...)
		d.pollAccepted(fbAccount)
		a := d.account(fbAccount)
		if a.State != "rate_limited" || a.PausedUntil == nil || time.Until(*a.PausedUntil) < 30*time.Second ||
			time.Until(*a.PausedUntil) > 90*time.Second {
			t.Fatalf("code %d: account %+v, want rate_limited for about the minute Graph asked", code, a)
		}
		calls := f.graph.RequestCount("")
		if c := d.pollNow(fbAccount); c != http.StatusConflict {
			t.Errorf("code %d: poll while rate limited = %d, want 409", code, c)
		}
		if n := f.graph.RequestCount(""); n != calls {
			t.Errorf("code %d: Graph called while paused (%d → %d)", code, calls, n)
		}
		if c, body := d.do("POST", "/api/v1/accounts/"+fbAccount+"/resume", nil); c != http.StatusAccepted {
			t.Fatalf("resume = %d %s", c, body)
		}
		d.pollSucceeded(fbAccount)
		checkExactlyOnce(t, f.world, d.items(""))
	}
	if got := d.metrics()[metric("inboxd_polls_total", "account", fbAccount, "outcome", "rate_limited")]; got != 4 {
		t.Errorf("facebook rate-limited polls = %v, want 4", got)
	}

	t.Log("500s on polls: backoff, then recovery with nothing lost")
	f.graph.Fail(graphapi.EndpointFeed, graphapi.Fault{Kind: graphapi.FaultServerError, Times: 2})
	f.graph.Fail(graphapi.EndpointFeed, graphapi.Fault{Kind: graphapi.FaultBadGateway})
	f.x.Inject(xapi.DMEvents, xapi.Fault{Kind: xapi.FaultServerError, Times: 2})
	emitEach(t, f.world, gen, 2)
	for _, acc := range []string{fbAccount, xAccount} {
		d.pollAccepted(acc)
		if a := d.account(acc); a.State != "backoff" || a.PausedUntil == nil || a.LastError == nil || a.LastError.Class != "transient" {
			t.Errorf("%s after a 500: %+v (last error %+v), want backoff", acc, a, a.LastError)
		}
	}
	// An operator's poll overrides the backoff; each meets the next fault
	// until the platform answers again.
	d.pollSucceeded(fbAccount)
	d.pollSucceeded(xAccount)
	checkExactlyOnce(t, f.world, d.items(""))
	// A connector keeps what it read before a failing page and goes on
	// within the same poll, so polls failed and faults met need not match;
	// every fault is used up once the polls succeed.
	m := d.metrics()
	for _, acc := range []string{fbAccount, xAccount} {
		if got := m[metric("inboxd_polls_total", "account", acc, "outcome", "transient")]; got < 1 {
			t.Errorf("transient polls (%s) = %v, want at least 1", acc, got)
		}
	}

	t.Log("ambiguous sends: the platform applied the post but the client saw a 500 or a reset")
	f.x.Inject(xapi.CreateTweet, xapi.Fault{Kind: xapi.FaultServerError, AfterEffect: true})
	f.x.Inject(xapi.SendDM, xapi.Fault{Kind: xapi.FaultServerError, AfterEffect: true})
	f.graph.Fail(graphapi.EndpointPostComment, graphapi.Fault{Kind: graphapi.FaultReset})
	f.graph.Fail(graphapi.EndpointSend, graphapi.Fault{Kind: graphapi.FaultReset})
	for _, r := range []inbox.Reply{
		book.answer(twitter.Channel, inbox.KindMention),
		book.answer(twitter.Channel, inbox.KindMessage),
		book.answer(facebook.Channel, inbox.KindComment),
		book.answer(facebook.Channel, inbox.KindMessage),
	} {
		// Verified on the platform, never sent a second time.
		book.waitState(r.ID, inbox.ReplySent)
	}
	// The outbox counts a verified delivery just after the store records
	// it: wait for the counters rather than read them once.
	for _, acc := range []string{fbAccount, xAccount} {
		waitFor(t, acc+" deliveries: unknown 2, verified_sent 2", func() bool {
			m := d.metrics()
			u, v := m[metric("inboxd_deliveries_total", "account", acc, "outcome", "unknown")],
				m[metric("inboxd_deliveries_total", "account", acc, "outcome", "verified_sent")]
			return u == 2 && v == 2
		})
	}

	t.Log("a 500 that did not apply the post: unknown until an operator retries it")
	f.graph.Fail(graphapi.EndpointPostComment, graphapi.Fault{Kind: graphapi.FaultServerError})
	r = book.answer(facebook.Channel, inbox.KindComment)
	book.waitState(r.ID, inbox.ReplyUnknown)
	unknown := d.replies(inbox.ReplyUnknown)
	if len(unknown) != 1 || unknown[0].ID != r.ID {
		t.Errorf("GET /api/v1/replies?state=unknown = %+v, want just %s", unknown, r.ID)
	}
	if n := onPlatform(f, book.text[r.ID]); n != 0 {
		t.Fatalf("the refused comment is on the platform %d times", n)
	}
	if c, body := d.do("POST", "/api/v1/replies/"+r.ID+"/retry", nil); c != http.StatusOK {
		t.Fatalf("retry = %d %s", c, body)
	}
	book.waitState(r.ID, inbox.ReplySent)

	t.Log("slow answers: a send held by the platform, a poll held by the platform")
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	f.graph.Fail(graphapi.EndpointPostComment, graphapi.Fault{Kind: graphapi.FaultSlow, Release: release, Arrived: arrived})
	slow := book.answer(facebook.Channel, inbox.KindComment)
	select {
	case <-arrived:
	case <-time.After(waitDeadline):
		t.Fatal("the held comment never reached Graph")
	}
	behind := book.answer(facebook.Channel, inbox.KindMessage) // waits: one send at a time per account
	other := book.answer(twitter.Channel, inbox.KindMessage)   // another account is not held up
	book.waitState(other.ID, inbox.ReplySent)
	if s := d.reply(slow.ID).State; s != inbox.ReplySending {
		t.Errorf("held reply is %s, want sending", s)
	}
	if s := d.reply(behind.ID).State; s != inbox.ReplyQueued {
		t.Errorf("reply behind the held one is %s, want queued", s)
	}
	close(release)
	book.waitState(slow.ID, inbox.ReplySent)
	book.waitState(behind.ID, inbox.ReplySent)

	pollRelease := make(chan struct{})
	pollArrived := make(chan struct{}, 1)
	f.x.Inject(xapi.Mentions, xapi.Fault{Kind: xapi.FaultSlow, Release: pollRelease, Arrived: pollArrived})
	emitShapes(t, f.world, gen, 2, xShapes...)
	before := d.account(xAccount).LastSuccessAt
	if c := d.pollNow(xAccount); c != http.StatusAccepted {
		t.Fatalf("poll = %d", c)
	}
	select {
	case <-pollArrived:
	case <-time.After(waitDeadline):
		t.Fatal("the held poll never reached X")
	}
	if c := d.pollNow(xAccount); c != http.StatusConflict {
		t.Errorf("second poll while one is held = %d, want 409", c)
	}
	close(pollRelease)
	waitFor(t, "the held poll to finish", func() bool {
		a := d.account(xAccount)
		return a.State == "idle" && a.LastSuccessAt != nil && (before == nil || a.LastSuccessAt.After(*before))
	})
	checkExactlyOnce(t, f.world, d.items(""))

	t.Log("Graph says the token expired (190/463): needs_reauth until resumed")
	f.graph.Fail(graphapi.EndpointConversations, graphapi.Fault{Kind: graphapi.FaultExpiredToken})
	d.pollAccepted(fbAccount)
	if a := d.account(fbAccount); a.State != "needs_reauth" || a.LastError == nil || a.LastError.Class != "auth" {
		t.Fatalf("after 190/463: %+v", a)
	}
	if c, _ := d.do("POST", "/api/v1/accounts/"+fbAccount+"/resume", nil); c != http.StatusAccepted {
		t.Fatalf("resume = %d", c)
	}
	d.pollSucceeded(fbAccount)

	t.Log("a wrong Page token loaded by SIGHUP: Facebook stops, X keeps working")
	writeFile(t, cfgPath, f.configBody(dataDirOf(cfgPath), "revoked-page-token", "@every 1h"))
	d.sighup("config reloaded", 1)
	emitEach(t, f.world, gen, 1)
	d.pollAccepted(fbAccount)
	if a := d.account(fbAccount); a.State != "needs_reauth" {
		t.Fatalf("facebook with a refused token: %+v", a)
	}
	held := book.answer(facebook.Channel, inbox.KindComment)
	checkReady := func(wantFB string) {
		t.Helper()
		var ready struct {
			Status   string
			Accounts []struct{ Name, State string }
		}
		d.getJSON("/readyz", &ready) // getJSON wants 200: readiness holds
		states := map[string]string{}
		for _, a := range ready.Accounts {
			states[a.Name] = a.State
		}
		if ready.Status != "ready" || states[fbAccount] != wantFB || states[xAccount] != "idle" {
			t.Errorf("/readyz = %+v, want ready with %s %s and %s idle", ready, fbAccount, wantFB, xAccount)
		}
		var stats struct{ Accounts []store.AccountState }
		d.getJSON("/api/v1/stats", &stats)
		for _, a := range stats.Accounts {
			if a.Name == fbAccount && a.State != wantFB {
				t.Errorf("stats show %s %s, want %s", a.Name, a.State, wantFB)
			}
		}
	}
	checkReady("needs_reauth")
	if got := d.metrics()[metric("inboxd_account_state", "account", fbAccount, "platform", "facebook", "state", "needs_reauth")]; got != 1 {
		t.Errorf("account state gauge (facebook needs_reauth) = %v, want 1", got)
	}
	if c := d.pollNow(fbAccount); c != http.StatusConflict {
		t.Errorf("poll of a needs_reauth account = %d, want 409", c)
	}
	d.pollSucceeded(xAccount)
	book.waitState(book.answer(twitter.Channel, inbox.KindMention).ID, inbox.ReplySent)
	if r := d.reply(held.ID); r.State != inbox.ReplyQueued || onPlatform(f, book.text[held.ID]) != 0 {
		t.Errorf("facebook reply while needs_reauth: %s, want queued and not posted", r.State)
	}

	t.Log("an invalid config on SIGHUP is refused; the running one stays")
	writeFile(t, cfgPath, strings.Replace(f.configBody(dataDirOf(cfgPath), tPageToken, "@every 1h"), "@every 1h", "sometimes", 1))
	d.sighup("config reload refused", 1)
	if a := d.account(fbAccount); a.State != "needs_reauth" {
		t.Errorf("facebook after a refused reload: %s", a.State)
	}
	emitShapes(t, f.world, gen, 1, xShapes...)
	d.pollSucceeded(xAccount)

	t.Log("the right token by SIGHUP: Facebook recovers, the held reply goes out, items arrive")
	writeFile(t, cfgPath, f.configBody(dataDirOf(cfgPath), tPageToken, "@every 1h"))
	d.sighup("config reloaded", 2)
	waitFor(t, "facebook out of needs_reauth", func() bool { return d.account(fbAccount).State != "needs_reauth" })
	book.waitState(held.ID, inbox.ReplySent)
	d.pollSucceeded(fbAccount)
	d.pollSucceeded(xAccount)
	checkReady("idle")

	checkExactlyOnce(t, f.world, d.items(""))
	book.checkAllOnce()
	if n := len(d.replies("")); n != len(book.ids) {
		t.Errorf("%d replies listed, %d queued", n, len(book.ids))
	}
}

// TestRateLimitPauseOnSchedule lets the cron schedule (every second) drive
// the polls: a 429 pauses the X account, no scheduled poll calls X until
// the reset, and polling resumes by itself after it, while Facebook keeps
// polling on its schedule throughout.
func TestRateLimitPauseOnSchedule(t *testing.T) {
	f := newFakes(t)
	d := startDaemon(t, f.writeDaemonConfig(t, tPageToken, "@every 1s"))
	gen := sim.NewGenerator(11)
	emitEach(t, f.world, gen, 1)
	waitFor(t, "the first scheduled polls", func() bool { return len(d.items("")) == len(fbXShapes) })

	reset := time.Now().Add(4 * time.Second).Truncate(time.Second)
	f.x.Inject(xapi.Mentions, xapi.Fault{Kind: xapi.FaultRateLimited, Reset: reset})
	waitFor(t, "X rate limited by a scheduled poll", func() bool { return d.account(xAccount).State == "rate_limited" })
	reads := f.x.Requests(xapi.Mentions) + f.x.Requests(xapi.DMEvents)
	fbFeed := f.graph.RequestCount(graphapi.EndpointFeed)
	emitEach(t, f.world, gen, 1)
	waitFor(t, "the X reset time", func() bool {
		if n := f.x.Requests(xapi.Mentions) + f.x.Requests(xapi.DMEvents); n != reads {
			t.Fatalf("X read endpoints called while paused (%d → %d)", reads, n)
		}
		return time.Now().After(reset.Add(-200 * time.Millisecond))
	})
	if n := f.graph.RequestCount(graphapi.EndpointFeed); n == fbFeed {
		t.Error("Facebook did not poll during X's pause of 2-4 s on a 1 s schedule")
	}
	waitFor(t, "X back after the reset, by schedule", func() bool {
		a := d.account(xAccount)
		return a.State == "idle" && len(d.items("")) == 2*len(fbXShapes)
	})
	checkExactlyOnce(t, f.world, d.items(""))
}

// TestOtherAccountStops covers the X side of account-stopping errors: a 401
// puts X in needs_reauth and a usage-cap 429 in usage_capped, while
// Facebook keeps polling and sending; resume lifts both.
func TestOtherAccountStops(t *testing.T) {
	f := newFakes(t)
	d := startDaemon(t, f.writeDaemonConfig(t, tPageToken, "@every 1h"))
	book := newReplyBook(d, f)
	gen := sim.NewGenerator(5)
	emitEach(t, f.world, gen, 2)
	d.pollSucceeded(fbAccount)
	d.pollSucceeded(xAccount)

	for _, tc := range []struct {
		fault xapi.FaultKind
		state string
	}{
		{xapi.FaultUnauthorized, "needs_reauth"},
		{xapi.FaultUsageCapped, "usage_capped"},
	} {
		f.x.Inject(xapi.Mentions, xapi.Fault{Kind: tc.fault})
		d.pollAccepted(xAccount)
		if a := d.account(xAccount); a.State != tc.state {
			t.Fatalf("X after fault %d: %+v, want %s", tc.fault, a, tc.state)
		}
		// X sends wait; Facebook works on.
		held := book.answer(twitter.Channel, inbox.KindMessage)
		emitShapes(t, f.world, gen, 1, fbShapes...)
		d.pollSucceeded(fbAccount)
		book.waitState(book.answer(facebook.Channel, inbox.KindMessage).ID, inbox.ReplySent)
		if r := d.reply(held.ID); r.State != inbox.ReplyQueued || onPlatform(f, book.text[held.ID]) != 0 {
			t.Errorf("X reply while %s: %s", tc.state, r.State)
		}
		if c := d.pollNow(xAccount); c != http.StatusConflict {
			t.Errorf("poll while %s = %d, want 409", tc.state, c)
		}
		if c, body := d.do("POST", "/api/v1/accounts/"+xAccount+"/resume", nil); c != http.StatusAccepted {
			t.Fatalf("resume = %d %s", c, body)
		}
		book.waitState(held.ID, inbox.ReplySent)
		d.pollSucceeded(xAccount)
	}
	checkExactlyOnce(t, f.world, d.items(""))
	book.checkAllOnce()
}

// TestRestartRemembersAccountState stops and restarts the daemon on the
// same data file: an account that needed re-authorisation still does (the
// same config still has the refused token), a rate-limit pause still holds,
// and the queue is intact.
func TestRestartRemembersAccountState(t *testing.T) {
	f := newFakes(t)
	cfgPath := f.writeDaemonConfig(t, "refused-page-token", "@every 1h")
	d := startDaemon(t, cfgPath)
	gen := sim.NewGenerator(9)
	emitEach(t, f.world, gen, 1)
	d.pollAccepted(fbAccount)
	reset := time.Now().Add(time.Hour).Truncate(time.Second)
	f.x.Inject(xapi.Mentions, xapi.Fault{Kind: xapi.FaultRateLimited, Reset: reset})
	d.pollAccepted(xAccount)
	if fb, x := d.account(fbAccount), d.account(xAccount); fb.State != "needs_reauth" || x.State != "rate_limited" {
		t.Fatalf("before the restart: facebook %s, x %s", fb.State, x.State)
	}
	d.stop()

	d = startDaemon(t, cfgPath)
	fb, x := d.account(fbAccount), d.account(xAccount)
	if fb.State != "needs_reauth" || x.State != "rate_limited" || x.PausedUntil == nil || !x.PausedUntil.Equal(reset) {
		t.Errorf("after the restart: facebook %+v, x %+v; want needs_reauth and rate_limited until %s", fb, x, reset)
	}
	calls := f.graph.RequestCount("") + f.x.TotalRequests()
	for _, acc := range []string{fbAccount, xAccount} {
		if c := d.pollNow(acc); c != http.StatusConflict {
			t.Errorf("poll of %s after the restart = %d, want 409", acc, c)
		}
	}
	if n := f.graph.RequestCount("") + f.x.TotalRequests(); n != calls {
		t.Errorf("platforms called after the restart (%d → %d)", calls, n)
	}
}

// TestReloadAddsAndRemovesAccounts: a reload that drops an account stops it
// and hides it from the API without touching its items; adding it back
// resumes from its stored cursor with nothing imported twice.
func TestReloadAddsAndRemovesAccounts(t *testing.T) {
	f := newFakes(t)
	cfgPath := f.writeDaemonConfig(t, tPageToken, "@every 1h")
	d := startDaemon(t, cfgPath)
	gen := sim.NewGenerator(13)
	emitEach(t, f.world, gen, 2)
	d.pollSucceeded(fbAccount)
	d.pollSucceeded(xAccount)

	full := f.configBody(dataDirOf(cfgPath), tPageToken, "@every 1h")
	fbOnly := full[:strings.Index(full, "  - name: "+xAccount)]
	writeFile(t, cfgPath, fbOnly)
	d.sighup("config reloaded", 1)
	if accs := d.accounts(); len(accs) != 1 || accs[0].Name != fbAccount {
		t.Errorf("accounts after removing X: %+v", accs)
	}
	if c := d.pollNow(xAccount); c != http.StatusNotFound {
		t.Errorf("poll of a removed account = %d, want 404", c)
	}
	xCalls := f.x.TotalRequests()
	emitEach(t, f.world, gen, 1)
	d.pollSucceeded(fbAccount)
	if n := len(d.items("channel=twitter")); n != 2*2 {
		t.Errorf("%d X items after the account was removed, want the 4 stored", n)
	}
	if n := f.x.TotalRequests(); n != xCalls {
		t.Errorf("X called %d times after its account was removed", n-xCalls)
	}

	writeFile(t, cfgPath, full)
	d.sighup("config reloaded", 2)
	d.pollSucceeded(xAccount)
	checkExactlyOnce(t, f.world, d.items(""))
}

// TestReloadDuringSend reloads the config, swapping the Facebook connector
// (a changed setting), while the platform holds one of its replies: the
// held send completes and is recorded once, and the next reply goes out
// through the new connector, once.
func TestReloadDuringSend(t *testing.T) {
	f := newFakes(t)
	cfgPath := f.writeDaemonConfig(t, tPageToken, "@every 1h")
	d := startDaemon(t, cfgPath)
	book := newReplyBook(d, f)
	emitShapes(t, f.world, sim.NewGenerator(17), 3, sim.FacebookComment, sim.FacebookMessage)
	d.pollSucceeded(fbAccount)

	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	f.graph.Fail(graphapi.EndpointPostComment, graphapi.Fault{Kind: graphapi.FaultSlow, Release: release, Arrived: arrived})
	held := book.answer(facebook.Channel, inbox.KindComment)
	select {
	case <-arrived:
	case <-time.After(waitDeadline):
		close(release)
		t.Fatal("the reply never reached Graph")
	}
	behind := book.answer(facebook.Channel, inbox.KindMessage)

	body := f.configBody(dataDirOf(cfgPath), tPageToken, "@every 1h")
	writeFile(t, cfgPath, strings.Replace(body, "lookback: 1h", "lookback: 2h", 1))
	d.sighup("config reloaded", 1)
	close(release)
	book.waitState(held.ID, inbox.ReplySent)
	book.waitState(behind.ID, inbox.ReplySent)
	book.waitState(book.answer(facebook.Channel, inbox.KindComment).ID, inbox.ReplySent)
	d.pollSucceeded(fbAccount)
	checkExactlyOnce(t, f.world, d.items(""))
	book.checkAllOnce()
	d.checkNoErrors()
}

// TestXOAuth2TokensSurviveRestart: X rotates the refresh token at every
// refresh and retires the old one, so the pair in the config file is dead
// after the first refresh. A restarted daemon must use the rotated pair it
// stored, not fall back to the config's and need re-authorisation.
func TestXOAuth2TokensSurviveRestart(t *testing.T) {
	x := xapi.New(xapi.Options{
		UserID: tXUserID, Username: tXUsername, Name: "Pemkab Sukamaju",
		BearerToken: "initial-access", ClientID: "test-client", ClientSecret: "test-client-secret",
		RefreshToken: "initial-refresh", AccessTokenTTL: time.Second, // every call refreshes
	})
	xs := httptest.NewServer(x)
	defer xs.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	writeFile(t, cfgPath, fmt.Sprintf(`data_dir: %q
log:
  level: debug
http:
  listen: 127.0.0.1:0
  bootstrap_admin_token: ${%s}
accounts:
  - name: %s
    platform: twitter
    schedule: "@every 1h"
    api_url: %q
    user_id: %q
    oauth2:
      client_id: test-client
      client_secret: test-client-secret
      access_token: initial-access
      refresh_token: initial-refresh
`, filepath.Join(dir, "data"), tAdminTokenEnv, xAccount, xs.URL, tXUserID))

	d := startDaemon(t, cfgPath)
	x.AddUser(xapi.User{ID: "1500000000000000042", Username: "warga42", Name: "Warga"})
	for i := range 3 {
		x.AddMention(xapi.Mention{AuthorID: "1500000000000000042", Text: fmt.Sprintf("Jalan rusak di desa %d", i)})
		d.pollSucceeded(xAccount)
	}
	waitFor(t, "a refresh", func() bool {
		if x.RefreshToken() != "initial-refresh" {
			return true
		}
		d.pollSucceeded(xAccount)
		return false
	})
	d.stop()

	d = startDaemon(t, cfgPath)
	x.AddMention(xapi.Mention{AuthorID: "1500000000000000042", Text: "Jalan rusak lagi"})
	d.pollAccepted(xAccount)
	if a := d.account(xAccount); a.State != "idle" {
		t.Fatalf("X after a restart with a rotated refresh token: %+v (last error %+v)", a, a.LastError)
	}
	if n := len(d.items("")); n != 4 {
		t.Errorf("%d items, want 4", n)
	}

	// The office authorises the app again in X (the stored pair dies):
	// needs_reauth, then the new refresh token pasted into the config and
	// a SIGHUP bring the account back.
	rt := x.Authorize()
	waitFor(t, "X refusing the stored pair", func() bool {
		if d.account(xAccount).State == "needs_reauth" {
			return true
		}
		d.pollNow(xAccount)
		return false
	})
	body, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, cfgPath, strings.Replace(string(body), "refresh_token: initial-refresh", "refresh_token: "+rt, 1))
	d.sighup("config reloaded", 1)
	x.AddMention(xapi.Mention{AuthorID: "1500000000000000042", Text: "Masih rusak"})
	d.pollSucceeded(xAccount)
	if n := len(d.items("")); n != 5 {
		t.Errorf("%d items after re-authorisation, want 5", n)
	}
}

// TestFacebookWalkKeepsThreadsThatMove: Graph lists conversations (and the
// feed) by last update, newest first, and a walk over several pages can
// span polls (max_pages_per_poll, or a page error that resumes at the next
// poll). A conversation or post still on an unread page that gets a new
// message moves to the top, above what the walk already read; the next walk
// used to read only what is newer than this walk's watermark, and the
// thread's earlier unread messages were never imported.
//
// Found by TestDaemonCrash with INBOXD_DAEMON_CRASH_ROUNDS=200; fixed in
// connectors/facebook: a thread that moved since the watermark is read
// back to the start of the last multi-page walks (its cursor's Lag).
func TestFacebookWalkKeepsThreadsThatMove(t *testing.T) {
	for _, source := range []string{"messages", "comments"} {
		t.Run(source, func(t *testing.T) {
			f := newFakesNoLimits(t)
			cfgPath := f.writeDaemonConfig(t, tPageToken, "@every 1h")
			body := f.configBody(dataDirOf(cfgPath), tPageToken, "@every 1h")
			// One page per poll, so the walk spans polls as a long one does.
			body = strings.Replace(body, "    lookback: 1h\n", "    lookback: 1h\n    max_pages_per_poll: 1\n    sources: ["+source+"]\n", 1)
			writeFile(t, cfgPath, body)

			// 60 threads with one citizen message each, a second apart:
			// three pages of 25.
			base := time.Now().Add(-20 * time.Minute).Truncate(time.Second)
			person := func(i int) graphapi.Actor { return graphapi.Actor{ID: fmt.Sprintf("24%013d", i+1), Name: "Warga"} }
			var want, threads []string
			for i := range 60 {
				at := base.Add(time.Duration(i) * time.Second)
				if source == "messages" {
					conv, id := f.graph.AddMessage(person(i), fmt.Sprintf("pesan %d", i), at)
					want, threads = append(want, id), append(threads, conv)
					continue
				}
				post := f.graph.AddPost(graphapi.Actor{}, fmt.Sprintf("kabar %d", i), at)
				id, err := f.graph.AddComment(post, "", person(i), fmt.Sprintf("komentar %d", i), at.Add(500*time.Millisecond))
				if err != nil {
					t.Fatal(err)
				}
				want, threads = append(want, id), append(threads, post)
			}
			d := startDaemon(t, cfgPath)
			d.pollAccepted(fbAccount) // the walk's first page: the 25 newest threads

			// The oldest thread, on the last page, gets a new message.
			if source == "messages" {
				_, id := f.graph.AddMessage(person(0), "pesan baru", time.Now())
				want = append(want, id)
			} else {
				id, err := f.graph.AddComment(threads[0], "", person(99), "komentar baru", time.Now())
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, id)
			}
			for range 8 { // the rest of this walk and the next one
				d.pollAccepted(fbAccount)
			}
			seen := map[string]bool{}
			for _, it := range d.items("") {
				seen[it.ExternalID] = true
			}
			for _, id := range want {
				if !seen[id] {
					t.Errorf("%s %s was never imported", source, id)
				}
			}
		})
	}
}
