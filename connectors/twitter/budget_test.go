package twitter

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
)

// withXLimits runs the fake with X's Basic limits and the connector with
// its default budgets.
func withXLimits(c *Config, o *xapi.Options) {
	c.RateBudget, c.SendBudget = RateBudget{}, SendBudget{} // defaults
	o.Limits = map[xapi.Endpoint]int{xapi.DMEvents: DefaultDMReadBudget, xapi.Mentions: DefaultMentionsBudget, xapi.SendDM: DefaultDMSendBudget}
}

// count429 wraps the fake's handler to count its 429 answers.
func (e *env) count429(n *atomic.Int64) {
	e.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		e.fake.ServeHTTP(rec, r)
		if rec.status == http.StatusTooManyRequests {
			n.Add(1)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func TestBudgetCountsEveryRequestAndRefusesBeforeX(t *testing.T) {
	var tooMany atomic.Int64
	e := newEnv(t, withXLimits)
	e.count429(&tooMany)
	e.cfg.Sources = []string{SourceDirectMessages}
	e.conn = e.newConnector(e.cfg)
	ctx := connectors.WithOperatorPoll(context.Background()) // no scheduled-share skips here
	for i := range DefaultDMReadBudget {
		if _, err := e.conn.Poll(ctx, e.cursor); err != nil {
			t.Fatalf("poll %d: %v", i, err)
		}
	}
	_, err := e.conn.Poll(ctx, e.cursor)
	ce := classified(t, err)
	if ce.Class != connectors.RateLimited || !ce.RetryAt.Equal(t0.Add(Window)) || !strings.Contains(ce.Message, "budget") {
		t.Fatalf("16th DM read = %v (retry %v); want refused until %v", err, ce.RetryAt, t0.Add(Window))
	}
	if at := e.conn.PollAvailableAt(e.clock.Now()); !at.Equal(t0.Add(Window)) {
		t.Fatalf("PollAvailableAt = %v", at)
	}
	if n := e.fake.Requests(xapi.DMEvents); n != DefaultDMReadBudget {
		t.Fatalf("X saw %d DM reads, want %d: the refusal must not reach X", n, DefaultDMReadBudget)
	}
	// Verify's DM lookups share the budget.
	out := connectors.Outgoing{Item: inbox.Item{Kind: inbox.KindMessage, Author: inbox.Author{ID: budiID}}, Reply: inbox.Reply{Text: "x", Private: true}}
	if _, _, err := e.conn.Verify(context.Background(), out, t0); connectors.ClassOf(err) != connectors.RateLimited {
		t.Fatalf("Verify with the budget spent: %v", err)
	}
	if tooMany.Load() != 0 {
		t.Fatalf("%d 429s from X", tooMany.Load())
	}
}

func TestScheduledPollsKeepAThirdOfTheBudget(t *testing.T) {
	e := newEnv(t, withXLimits)
	e.cfg.Sources = []string{SourceDirectMessages}
	e.conn = e.newConnector(e.cfg)
	for range 15 { // one scheduled poll a minute for 15 minutes
		e.poll()
		e.clock.Advance(time.Minute)
	}
	// 15 minutes / (2/3 of 15) = one DM read per 90 s at most.
	if n := e.fake.Requests(xapi.DMEvents); n > 10 {
		t.Fatalf("scheduled polls made %d DM reads in 15 minutes; at most 10 (two thirds of 15)", n)
	}
	// The operator's poll may use the rest.
	if at := e.conn.PollAvailableAt(e.clock.Now()); at.After(e.clock.Now()) {
		t.Fatalf("poll now refused at %v with budget left", at)
	}
}

func TestDMSendBudgetHoldsSends(t *testing.T) {
	var tooMany atomic.Int64
	e := newEnv(t, withXLimits)
	e.count429(&tooMany)
	out := connectors.Outgoing{Item: inbox.Item{Kind: inbox.KindMessage, ExternalID: "1", Author: inbox.Author{ID: budiID}}}
	for i := range DefaultDMSendBudget {
		out.Reply = inbox.Reply{Text: fmt.Sprintf("balasan %d", i), Private: true}
		if _, err := e.conn.Send(context.Background(), out); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		e.clock.Advance(10 * time.Second)
	}
	out.Reply.Text = "satu lagi"
	_, err := e.conn.Send(context.Background(), out)
	ce := classified(t, err)
	if ce.Class != connectors.RateLimited || !ce.RetryAt.Equal(t0.Add(Window)) || ce.MayHaveReached {
		t.Fatalf("16th DM in 15 minutes = %v (retry %v)", err, ce.RetryAt)
	}
	if tooMany.Load() != 0 || e.fake.Requests(xapi.SendDM) != DefaultDMSendBudget {
		t.Fatalf("429s %d, sends that reached X %d", tooMany.Load(), e.fake.Requests(xapi.SendDM))
	}
}

// A simulated day on a fake clock, at the default schedule (@every 2m) with
// X's Basic limits enforced by the fake: 300 mentions and 80 DMs, half of
// each in two one-hour bursts; operators answer 40 DMs and 60 mentions.
// The test plays the cron timer (a poll at every firing, pages while the
// walk says More, as the scheduler does) and the outbox (retry at
// RetryAt). Zero 429s; every item arrives within max(schedule,
// window/budget) plus one interval.
func TestSimulatedDay(t *testing.T) {
	var tooMany atomic.Int64
	e := newEnv(t, withXLimits)
	e.count429(&tooMany)
	day := t0.Truncate(24 * time.Hour)
	e.clock.Advance(day.Sub(e.clock.Now()))
	const schedule = 2 * time.Minute // config.DefaultXSchedule
	rnd := rand.New(rand.NewPCG(11, 12))
	at := func(i, n int) time.Time { // half in bursts at 09:00 and 19:00, the rest spread over the day
		switch {
		case i < n/4:
			return day.Add(9*time.Hour + time.Duration(rnd.Int64N(int64(time.Hour))))
		case i < n/2:
			return day.Add(19*time.Hour + time.Duration(rnd.Int64N(int64(time.Hour))))
		}
		return day.Add(time.Duration(rnd.Int64N(int64(24*time.Hour - 10*time.Minute))))
	}
	type arrival struct {
		at      time.Time
		mention bool
		n       int
	}
	var traffic []arrival
	for i := range 300 {
		traffic = append(traffic, arrival{at(i, 300).Truncate(time.Second), true, i})
	}
	for i := range 80 {
		traffic = append(traffic, arrival{at(i, 80).Truncate(time.Second), false, i})
	}
	slices.SortFunc(traffic, func(a, b arrival) int { return a.at.Compare(b.at) })

	created := map[string]time.Time{} // external id -> when it was written
	seen := map[string]time.Time{}
	type pending struct {
		due time.Time
		out connectors.Outgoing
	}
	var outbox []pending
	dmReplies, mentionReplies := 0, 0
	worst := map[inbox.Kind]time.Duration{}
	next := day
	for now := day; now.Before(day.Add(24 * time.Hour)); now = now.Add(time.Second) {
		e.clock.Advance(now.Sub(e.clock.Now()))
		for len(traffic) > 0 && !traffic[0].at.After(now) {
			a := traffic[0]
			traffic = traffic[1:]
			if a.mention {
				tw := e.fake.AddMention(xapi.Mention{AuthorID: budiID, Text: fmt.Sprintf("lampu jalan mati (%d)", a.n), At: now})
				created[tw.ID] = now
			} else {
				ev := e.fake.AddDM(xapi.DM{SenderID: sitiID, Text: fmt.Sprintf("mohon info (%d)", a.n), At: now})
				created[ev.ID] = now
			}
		}
		if !now.Before(next) { // the cron firing
			next = next.Add(schedule)
			for range 10 { // MaxPagesPerPoll pages at most, like the scheduler
				p, err := e.conn.Poll(context.Background(), e.cursor)
				if err != nil {
					if connectors.ClassOf(err) != connectors.RateLimited {
						t.Fatalf("%s: poll: %v", now.Format("15:04:05"), err)
					}
					break
				}
				e.cursor = p.Cursor
				for _, it := range p.Items {
					if _, dup := seen[it.ExternalID]; dup {
						continue
					}
					seen[it.ExternalID] = now
					if lag := now.Sub(created[it.ExternalID]); lag > worst[it.Kind] {
						worst[it.Kind] = lag
					}
					switch {
					case it.Kind == inbox.KindMessage && dmReplies < 40 && rnd.IntN(2) == 0:
						dmReplies++
						outbox = append(outbox, pending{now.Add(3 * time.Minute), connectors.Outgoing{Item: it, Reply: inbox.Reply{Text: "Terima kasih, kami cek.", Private: true}}})
					case it.Kind == inbox.KindMention && mentionReplies < 60 && rnd.IntN(4) == 0:
						mentionReplies++
						outbox = append(outbox, pending{now.Add(3 * time.Minute), connectors.Outgoing{Item: it, Reply: inbox.Reply{Text: fmt.Sprintf("Terima kasih, sudah diteruskan (%d).", mentionReplies)}}})
					}
				}
				if !p.More {
					break
				}
			}
		}
		for i := 0; i < len(outbox); i++ {
			if outbox[i].due.After(now) {
				continue
			}
			_, err := e.conn.Send(context.Background(), outbox[i].out)
			if err != nil {
				var ce *connectors.Error
				if !errors.As(err, &ce) || ce.Class != connectors.RateLimited || ce.RetryAt.IsZero() {
					t.Fatalf("%s: send: %v", now.Format("15:04:05"), err)
				}
				outbox[i].due = ce.RetryAt // the outbox holds it: next_attempt_at
				continue
			}
			outbox = slices.Delete(outbox, i, i+1)
			i--
		}
	}
	if tooMany.Load() != 0 {
		t.Errorf("X answered 429 %d times", tooMany.Load())
	}
	if len(seen) != 380 || len(outbox) != 0 || dmReplies != 40 || mentionReplies != 60 {
		t.Errorf("seen %d of 380 items; %d replies left unsent; %d DM and %d mention replies", len(seen), len(outbox), dmReplies, mentionReplies)
	}
	bound := func(budget int) time.Duration { return max(schedule, Window/time.Duration(budget)) + schedule }
	if worst[inbox.KindMessage] > bound(DefaultDMReadBudget) || worst[inbox.KindMention] > bound(DefaultMentionsBudget) {
		t.Errorf("slowest arrival: DM %v (bound %v), mention %v (bound %v)",
			worst[inbox.KindMessage], bound(DefaultDMReadBudget), worst[inbox.KindMention], bound(DefaultMentionsBudget))
	}
	t.Logf("slowest arrival: DM %v, mention %v; DM reads %d, mention reads %d, DMs sent %d, posts %d",
		worst[inbox.KindMessage], worst[inbox.KindMention], e.fake.Requests(xapi.DMEvents), e.fake.Requests(xapi.Mentions),
		e.fake.Requests(xapi.SendDM), e.fake.Requests(xapi.CreateTweet))
}

// Automatic acknowledgements share the DM send budget with operators'
// replies but leave them its last third: with 15 sends per 15 minutes,
// acknowledgements get 10, and operators still send the other 5.
func TestAutoAcksLeaveTheSendBudgetsReserveToPeople(t *testing.T) {
	var tooMany atomic.Int64
	e := newEnv(t, withXLimits)
	e.count429(&tooMany)
	out := connectors.Outgoing{Item: inbox.Item{Kind: inbox.KindMessage, ExternalID: "1", Author: inbox.Author{ID: budiID}}}
	auto := connectors.WithPriority(context.Background(), connectors.Automatic)
	reserve := connectors.ReserveFor(DefaultDMSendBudget)
	for i := range DefaultDMSendBudget - reserve {
		out.Reply = inbox.Reply{Text: fmt.Sprintf("pesan otomatis %d", i), Private: true, Auto: true}
		if _, err := e.conn.Send(auto, out); err != nil {
			t.Fatalf("acknowledgement %d: %v", i, err)
		}
	}
	out.Reply = inbox.Reply{Text: "pesan otomatis lagi", Private: true, Auto: true}
	_, err := e.conn.Send(auto, out)
	if ce := classified(t, err); ce.Class != connectors.RateLimited || !strings.Contains(ce.Message, "automatic") {
		t.Fatalf("acknowledgement into the reserve = %v", err)
	}
	for i := range reserve {
		out.Reply = inbox.Reply{Text: fmt.Sprintf("balasan petugas %d", i), Private: true}
		if _, err := e.conn.Send(context.Background(), out); err != nil {
			t.Fatalf("operator's reply %d within the reserve: %v", i, err)
		}
	}
	out.Reply = inbox.Reply{Text: "satu lagi", Private: true}
	if ce := classified(t, nilOr(e.conn.Send(context.Background(), out))); ce.Class != connectors.RateLimited {
		t.Fatalf("past the whole budget: %v", ce)
	}
	if tooMany.Load() != 0 || e.fake.Requests(xapi.SendDM) != DefaultDMSendBudget {
		t.Fatalf("429s %d, sends that reached X %d", tooMany.Load(), e.fake.Requests(xapi.SendDM))
	}
}

func nilOr(_ string, err error) error { return err }
