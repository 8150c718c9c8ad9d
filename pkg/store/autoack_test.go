package store

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func ack(name string) AutoAck {
	return AutoAck{Text: "Terima kasih, pesan Bapak/Ibu kami terima.", Template: name, QuietPeriod: 24 * time.Hour}
}

// An acknowledgement, queued and sent, changes nothing of what counts as
// an answer: status, answered_at, first_response_at, the response-time
// histograms and the stats stay as they were; a person's reply afterwards
// is still the first response.
func TestAutoAckIsNeverAnAnswer(t *testing.T) {
	e := newEnv(t)
	dm := item(chFacebook, inbox.KindMessage, "m1", "t1", "u1", e.clock.Now())
	id := e.ingest(dm)[0]
	before := e.get(id)
	statsBefore, err := e.s.Stats("")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	r, err := e.s.EnqueueAutoAck(id, ack("diterima"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Auto || r.Template != "diterima" || r.Author != ActorAutoAck || !r.Private {
		t.Fatalf("ack %+v", r)
	}
	c, ok, err := e.s.ClaimNext("acct")
	if err != nil || !ok || c.Reply.ID != r.ID {
		t.Fatalf("claim %v %v %+v", err, ok, c)
	}
	if _, err := e.s.MarkSent(r.ID, "mid.ack"); err != nil {
		t.Fatal(err)
	}
	after := e.get(id)
	if after.Status != before.Status || after.AnsweredAt != nil || after.FirstResponseAt != nil || !after.Waiting() {
		t.Errorf("after the ack: status %s answered_at %v first_response_at %v", after.Status, after.AnsweredAt, after.FirstResponseAt)
	}
	statsAfter, err := e.s.Stats("")
	if err != nil {
		t.Fatal(err)
	}
	if statsAfter.AutoReplies[inbox.ReplySent] != 1 || statsAfter.Replies[inbox.ReplySent] != 0 {
		t.Errorf("the ack counts as auto_replies only: replies %v auto %v", statsAfter.Replies, statsAfter.AutoReplies)
	}
	for name, pair := range map[string][2]any{
		"replies":                {statsBefore.Replies, statsAfter.Replies},
		"by_status":              {statsBefore.ByStatus, statsAfter.ByStatus},
		"waiting":                {statsBefore.Waiting, statsAfter.Waiting},
		"first_response":         {statsBefore.FirstResponse, statsAfter.FirstResponse},
		"first_response_working": {statsBefore.FirstResponseWorking, statsAfter.FirstResponseWorking},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s changed: %v -> %v", name, pair[0], pair[1])
		}
	}
	// The monthly report counts it as automatic, not as a person's reply.
	now := e.clock.Now()
	rep, err := e.s.MonthlyReport(now.Year(), now.Month(), "")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.AutomaticRepliesSent != 1 || rep.Total.RepliesSent != 0 || rep.Total.Answered != 0 || rep.Total.FirstResponse.Count != 0 {
		t.Errorf("report: automatic %d, people's %d, answered %d, first responses %d", rep.Total.AutomaticRepliesSent,
			rep.Total.RepliesSent, rep.Total.Answered, rep.Total.FirstResponse.Count)
	}
	// The person's reply is the first response.
	e.clock.Advance(time.Hour)
	h, _, err := e.s.EnqueueReply(id, NewReply{Text: "Sudah kami teruskan ke Dinas PU.", Author: "rina"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := e.s.ClaimNext("acct"); !ok {
		t.Fatal("human reply not claimable")
	}
	if _, err := e.s.MarkSent(h.ID, "mid.human"); err != nil {
		t.Fatal(err)
	}
	done := e.get(id)
	if done.Status != inbox.StatusAnswered || done.FirstResponseAt == nil || !done.FirstResponseAt.Equal(e.clock.Now()) {
		t.Errorf("after the person's reply: %s %v", done.Status, done.FirstResponseAt)
	}
	st, _ := e.s.Stats("")
	if st.FirstResponse["24h"].Count != statsBefore.FirstResponse["24h"].Count+1 {
		t.Errorf("first response count %d, want %d", st.FirstResponse["24h"].Count, statsBefore.FirstResponse["24h"].Count+1)
	}
	// The audit trail says it was automatic.
	d, err := e.s.Detail(id)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range d.Audit {
		if a.Actor == ActorAutoAck && a.Field == "auto_ack" {
			found = true
		}
	}
	if !found {
		t.Errorf("no auto_ack audit entry: %+v", d.Audit)
	}
}

func skipped(t *testing.T, err error, want string) {
	t.Helper()
	var s *AckSkipped
	if !errors.As(err, &s) || s.Reason != want {
		t.Errorf("got %v, want skipped: %s", err, want)
	}
}

func TestAutoAckNeverTwiceAndHumanFirst(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	ids := e.ingest(
		item(chFacebook, inbox.KindMessage, "m1", "t1", "u1", now),
		item(chFacebook, inbox.KindMessage, "m2", "t1", "u1", now.Add(time.Second)),
		item(chFacebook, inbox.KindMessage, "m3", "t2", "u2", now),
		item(chFacebook, inbox.KindMessage, "m4", "t3", "u3", now),
	)
	if _, err := e.s.EnqueueAutoAck(ids[0], ack("diterima")); err != nil {
		t.Fatal(err)
	}
	_, err := e.s.EnqueueAutoAck(ids[0], ack("diterima"))
	skipped(t, err, SkipAcknowledged)
	_, err = e.s.EnqueueAutoAck(ids[1], ack("diterima"))
	skipped(t, err, SkipQuiet)
	// Past the quiet period the case may be acknowledged again, the first
	// item still never twice.
	e.clock.Advance(25 * time.Hour)
	_, err = e.s.EnqueueAutoAck(ids[0], ack("diterima"))
	skipped(t, err, SkipAcknowledged)

	// A person replied in the case: no acknowledgement.
	if _, _, err := e.s.EnqueueReply(ids[2], NewReply{Text: "Baik, kami cek.", Author: "rina"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.EnqueueAutoAck(ids[2], ack("diterima"))
	skipped(t, err, SkipHumanReplied)

	// A person's reply cancels the thread's queued acknowledgement (it
	// would otherwise go first and hold the person's reply back).
	a, err := e.s.EnqueueAutoAck(ids[3], ack("diterima-luar-jam"))
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := e.s.EnqueueReply(ids[3], NewReply{Text: "Baik, kami cek.", Author: "rina"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.Reply(a.ID); got.State != inbox.ReplyCancelled {
		t.Errorf("queued ack is %s after a person's reply", got.State)
	}
	for {
		c, ok, err := e.s.ClaimNext("acct")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Fatal("the person's reply was never claimed")
		}
		if c.Reply.ID == h.ID {
			break
		}
		if _, err := e.s.MarkSent(c.Reply.ID, "x"+c.Reply.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAutoAckNotForIgnoredOrAnswered(t *testing.T) {
	e := newEnv(t)
	spam := item(chFacebook, inbox.KindMessage, "m1", "t1", "u1", e.clock.Now())
	spam.Status = inbox.StatusIgnored
	spam.RoutedBy = "spam"
	ids := e.ingest(spam, item(chFacebook, inbox.KindMessage, "m2", "t2", "u2", e.clock.Now()))
	_, err := e.s.EnqueueAutoAck(ids[0], ack("diterima"))
	skipped(t, err, SkipIgnored)
	st := inbox.StatusClosed
	if _, err := e.s.Update(ids[1], "rina", Change{Status: &st}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.EnqueueAutoAck(ids[1], ack("diterima"))
	skipped(t, err, SkipNotWaiting)
}
