package scheduler

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
	"github.com/inboxd/inboxd/pkg/store"
)

// A simulated day of an X account through the scheduler, on the fake clock:
// the test plays the cron timer (tick at each firing of the default
// "@every 2m") and the outbox timer (drain when due), against the X fake
// with X's Basic limits enforced and the real connector with its default
// budgets. Traffic: 300 mentions and 80 DMs, half of them in two one-hour
// bursts; operators answer 40 DMs and 60 mentions. There are zero 429s, every
// reply is sent, and every item arrives within max(schedule, window/budget)
// plus one interval.
func TestSimulatedXDay(t *testing.T) {
	e := newEnv(t)
	const userID, citizen1, citizen2 = "1460000000000000001", "2244994945", "783214"
	fake := xapi.New(xapi.Options{UserID: userID, Username: "pemkab", BearerToken: "tok", AccessTokenTTL: 48 * time.Hour, Now: e.clock.Now,
		Limits: map[xapi.Endpoint]int{xapi.DMEvents: twitter.DefaultDMReadBudget, xapi.Mentions: twitter.DefaultMentionsBudget, xapi.SendDM: twitter.DefaultDMSendBudget}})
	fake.AddUser(xapi.User{ID: citizen1, Username: "budi", Name: "Budi"})
	fake.AddUser(xapi.User{ID: citizen2, Username: "siti", Name: "Siti"})
	var tooMany atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &codeRecorder{ResponseWriter: w}
		fake.ServeHTTP(rec, r)
		if rec.code == http.StatusTooManyRequests {
			tooMany.Add(1)
		}
	}))
	t.Cleanup(srv.Close)
	conn, err := twitter.New(twitter.Config{Name: "x", UserID: userID, APIURL: srv.URL,
		OAuth2: &twitter.OAuth2Config{ClientID: "c", AccessToken: "tok", RefreshToken: "unused"}},
		twitter.Options{HTTPClient: srv.Client(), Now: e.clock.Now, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	const spec = "@every 2m" // config.DefaultXSchedule
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		t.Fatal(err)
	}
	e.set(Account{Name: "x", Platform: "twitter", Schedule: spec, Connector: conn, Enabled: true, MaxPagesPerPoll: 10})

	var created []string // items the store took, in order
	hook := e.s.HandleEvent
	record := func(ev store.Event) {
		if ev.Type == store.EventItemCreated {
			created = append(created, ev.ItemID)
		}
		hook(ev)
	}
	e.notify.Store(&record)

	day := e.clock.Now()
	rnd := rand.New(rand.NewPCG(3, 4))
	when := func(i, n int) time.Time { // half in bursts at +2 h and +10 h, the rest spread over the day
		switch {
		case i < n/4:
			return day.Add(2*time.Hour + time.Duration(rnd.Int64N(int64(time.Hour))))
		case i < n/2:
			return day.Add(10*time.Hour + time.Duration(rnd.Int64N(int64(time.Hour))))
		}
		return day.Add(time.Duration(rnd.Int64N(int64(23 * time.Hour))))
	}
	type arrival struct {
		at      time.Time
		mention bool
	}
	var traffic []arrival
	for i := range 300 {
		traffic = append(traffic, arrival{when(i, 300).Truncate(time.Second), true})
	}
	for i := range 80 {
		traffic = append(traffic, arrival{when(i, 80).Truncate(time.Second), false})
	}
	slices.SortFunc(traffic, func(a, b arrival) int { return a.at.Compare(b.at) })

	type draft struct {
		due    time.Time
		itemID string
		nr     store.NewReply
	}
	var drafts []draft
	dmReplies, mentionReplies, dmsSeen, mentionsSeen := 0, 0, 0, 0
	worst := map[inbox.Kind]time.Duration{}
	nextTick := sched.Next(day)
	var nextDrain time.Time
	for now := day; now.Before(day.Add(24 * time.Hour)); now = now.Add(time.Second) {
		e.clock.Set(now)
		for len(traffic) > 0 && !traffic[0].at.After(now) {
			if traffic[0].mention {
				fake.AddMention(xapi.Mention{AuthorID: citizen1, Text: "lampu jalan mati", At: now})
			} else {
				fake.AddDM(xapi.DM{SenderID: citizen2, Text: "mohon info", At: now})
			}
			traffic = traffic[1:]
		}
		if !now.Before(nextTick) {
			nextTick = sched.Next(now)
			e.s.tick("x")
			for _, id := range created {
				it, err := e.st.Get(id)
				if err != nil {
					t.Fatal(err)
				}
				if lag := now.Sub(it.CreatedAt); lag > worst[it.Kind] {
					worst[it.Kind] = lag
				}
				switch { // an operator answers every 2nd DM and every 5th mention, three minutes later
				case it.Kind == inbox.KindMessage:
					if dmsSeen++; dmsSeen%2 != 0 {
						break
					}
					dmReplies++
					drafts = append(drafts, draft{now.Add(3 * time.Minute), id, store.NewReply{Text: "Terima kasih, kami cek.", Author: "op"}})
				case it.Kind == inbox.KindMention:
					if mentionsSeen++; mentionsSeen%5 != 0 {
						break
					}
					mentionReplies++
					drafts = append(drafts, draft{now.Add(3 * time.Minute), id, store.NewReply{Text: fmt.Sprintf("Sudah diteruskan (%d).", mentionReplies), Author: "op"}})
				}
			}
			created = created[:0]
		}
		for len(drafts) > 0 && !drafts[0].due.After(now) {
			if _, _, err := e.st.EnqueueReply(drafts[0].itemID, drafts[0].nr); err != nil {
				t.Fatal(err)
			}
			drafts = drafts[1:]
			nextDrain = now
		}
		if !nextDrain.IsZero() && !now.Before(nextDrain) {
			nextDrain = e.drain("x")
		}
	}
	st := e.state("x")
	sent, err := e.st.Replies(store.ReplyFilter{State: inbox.ReplySent, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	if tooMany.Load() != 0 {
		t.Errorf("X answered 429 %d times", tooMany.Load())
	}
	if dmsSeen != 80 || mentionsSeen != 300 || dmReplies != 40 || mentionReplies != 60 || len(sent.Replies) != 100 {
		t.Errorf("arrived %d DMs and %d mentions; %d DM and %d mention replies drafted, %d sent", dmsSeen, mentionsSeen, dmReplies, mentionReplies, len(sent.Replies))
	}
	if st.State != StateIdle || st.Failures != 0 {
		t.Errorf("account state at the end: %+v", st)
	}
	if st.LastError != nil {
		t.Logf("last error of the day: %+v", *st.LastError)
	}
	schedule := 2 * time.Minute
	bound := func(budget int) time.Duration { return max(schedule, twitter.Window/time.Duration(budget)) + schedule }
	if worst[inbox.KindMessage] > bound(twitter.DefaultDMReadBudget) || worst[inbox.KindMention] > bound(twitter.DefaultMentionsBudget) {
		t.Errorf("slowest arrival: DM %v (bound %v), mention %v (bound %v)", worst[inbox.KindMessage], bound(twitter.DefaultDMReadBudget),
			worst[inbox.KindMention], bound(twitter.DefaultMentionsBudget))
	}
	t.Logf("slowest arrival: DM %v, mention %v; requests: DM reads %d, mention reads %d, DM sends %d, posts %d",
		worst[inbox.KindMessage], worst[inbox.KindMention], fake.Requests(xapi.DMEvents), fake.Requests(xapi.Mentions),
		fake.Requests(xapi.SendDM), fake.Requests(xapi.CreateTweet))
}

type codeRecorder struct {
	http.ResponseWriter
	code int
}

func (r *codeRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}
