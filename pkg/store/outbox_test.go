package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func claim(t *testing.T, s *Store) Claim {
	t.Helper()
	c, ok, err := s.ClaimNext("acct")
	if err != nil || !ok {
		t.Fatalf("ClaimNext = %v, %v", ok, err)
	}
	return c
}

func noClaim(t *testing.T, s *Store) {
	t.Helper()
	c, ok, err := s.ClaimNext("acct")
	if err != nil || ok {
		t.Fatalf("ClaimNext gave %s (%v), want nothing", c.Reply.ID, err)
	}
}

func wantStateErr(t *testing.T, err error, from, to inbox.ReplyState) {
	t.Helper()
	var se *inbox.ReplyStateError
	if !errors.As(err, &se) || se.From != from || se.To != to {
		t.Fatalf("err = %v, want ReplyStateError %s→%s", err, from, to)
	}
}

func TestEnqueueReplyValidatesAndIsIdempotent(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	ids := e.ingest(
		fbComment("c1", "post1", "u1", now),
		item(chFacebook, inbox.KindMention, "p2", "p2", "u2", now),
		item(chTwitter, inbox.KindMention, "tw1", "conv1", "u3", now),
		item(chFacebook, inbox.KindMessage, "m1", "t_9", "u4", now),
	)
	_, _, err := e.s.EnqueueReply(ids[0], NewReply{Text: "  "})
	wantValidation(t, err, "text")
	_, _, err = e.s.EnqueueReply(ids[1], NewReply{Text: "hi", Private: true})
	wantValidation(t, err, "private")
	_, _, err = e.s.EnqueueReply(ids[2], NewReply{Text: strings.Repeat("é", 280+1)})
	wantValidation(t, err, "text")
	if _, created, err := e.s.EnqueueReply(ids[2], NewReply{Text: strings.Repeat("é", 280)}); err != nil || !created {
		t.Fatalf("tweet at the limit: %v", err)
	}
	_, _, err = e.s.EnqueueReply(ids[0], NewReply{Text: "x", IdempotencyKey: strings.Repeat("k", 201)})
	wantValidation(t, err, "idempotency_key")
	if _, _, err := e.s.EnqueueReply("01ARZ3NDEKTSV4RRFFQ69G5FAV", NewReply{Text: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown item: %v", err)
	}
	// A Messenger answer is private whatever was asked.
	m, _, err := e.s.EnqueueReply(ids[3], NewReply{Text: "hello", Author: "op"})
	if err != nil || !m.Private {
		t.Fatalf("messenger reply = %+v, %v", m, err)
	}

	e.ev.take()
	r1, created, err := e.s.EnqueueReply(ids[0], NewReply{Text: "thanks", Author: "siti", IdempotencyKey: "k1"})
	if err != nil || !created || r1.State != inbox.ReplyQueued || r1.Author != "siti" || r1.ItemID != ids[0] || !r1.CreatedAt.Equal(now) {
		t.Fatalf("enqueue = %+v, %v, %v", r1, created, err)
	}
	if evs := e.ev.take(); len(evs) != 1 || evs[0].Type != EventReplyQueued || evs[0].ReplyID != r1.ID {
		t.Fatalf("events = %+v", evs)
	}
	r2, created, err := e.s.EnqueueReply(ids[0], NewReply{Text: "thanks", Author: "siti", IdempotencyKey: "k1"})
	if err != nil || created || r2.ID != r1.ID {
		t.Fatalf("same key same body = %+v, %v, %v", r2, created, err)
	}
	if _, _, err := e.s.EnqueueReply(ids[0], NewReply{Text: "other", IdempotencyKey: "k1"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("same key other body: %v", err)
	}
	if _, _, err := e.s.EnqueueReply(ids[0], NewReply{Text: "thanks", Private: true, IdempotencyKey: "k1"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("same key other privacy: %v", err)
	}
	// Keys are scoped to the item.
	if _, created, err := e.s.EnqueueReply(ids[1], NewReply{Text: "thanks", IdempotencyKey: "k1"}); err != nil || !created {
		t.Fatalf("same key other item: %v %v", created, err)
	}
	page := must[ReplyPage](t)(e.s.Replies(ReplyFilter{ItemID: ids[0]}))
	if len(page.Replies) != 1 {
		t.Fatalf("item has %d replies", len(page.Replies))
	}
}

func TestOutboxStateMachine(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	id := e.ingest(fbComment("c1", "post1", "u1", now))[0]
	r, _, _ := e.s.EnqueueReply(id, NewReply{Text: "one", Author: "op"})

	// Only sending/unknown replies may be marked sent; only sending ones failed.
	_, err := e.s.MarkSent(r.ID, "x")
	wantStateErr(t, err, inbox.ReplyQueued, inbox.ReplySent)
	_, err = e.s.MarkFailed(r.ID, "x")
	wantStateErr(t, err, inbox.ReplyQueued, inbox.ReplyFailed)
	_, err = e.s.Requeue(r.ID, "op")
	wantStateErr(t, err, inbox.ReplyQueued, inbox.ReplyQueued)

	e.clock.Advance(time.Second)
	c := claim(t, e.s)
	if c.Reply.ID != r.ID || c.Reply.State != inbox.ReplySending || c.Reply.Attempts != 1 || c.Reply.AttemptedAt == nil || !c.Reply.AttemptedAt.Equal(e.clock.Now()) {
		t.Fatalf("claim = %+v", c.Reply)
	}
	if c.Item.ID != id || !c.LastInboundAt.Equal(now) {
		t.Fatalf("claim item %s last inbound %v", c.Item.ID, c.LastInboundAt)
	}
	noClaim(t, e.s)
	_, err = e.s.Cancel(r.ID, "op")
	wantStateErr(t, err, inbox.ReplySending, inbox.ReplyCancelled)

	// A transient failure: back in the queue for later.
	e.ev.take()
	retryAt := e.clock.Now().Add(time.Minute)
	q, err := e.s.RetryAt(r.ID, retryAt, "timeout before write")
	if err != nil || q.State != inbox.ReplyQueued || q.NextAttemptAt == nil || !q.NextAttemptAt.Equal(retryAt) || q.LastError != "timeout before write" {
		t.Fatalf("RetryAt = %+v, %v", q, err)
	}
	if due, ok, err := e.s.NextDue("acct"); !ok || err != nil || !due.Equal(retryAt) {
		t.Fatalf("NextDue = %v %v %v", due, ok, err)
	}
	noClaim(t, e.s)
	e.clock.Advance(time.Minute)
	c = claim(t, e.s)
	if c.Reply.Attempts != 2 {
		t.Fatalf("attempts = %d", c.Reply.Attempts)
	}
	// It may have reached the platform: unknown, never re-sent blindly.
	u, err := e.s.MarkUnknown(r.ID, "connection reset after write")
	if err != nil || u.State != inbox.ReplyUnknown {
		t.Fatalf("MarkUnknown = %+v, %v", u, err)
	}
	noClaim(t, e.s)
	unk := must[[]Claim](t)(e.s.Unknown("acct"))
	if len(unk) != 1 || unk[0].Reply.ID != r.ID || unk[0].Item.ID != id {
		t.Fatalf("Unknown = %+v", unk)
	}
	// Verified as posted.
	e.clock.Advance(time.Minute)
	sent, err := e.s.MarkSent(r.ID, "fb_123")
	if err != nil || sent.State != inbox.ReplySent || sent.ExternalID != "fb_123" || sent.SentAt == nil || !sent.SentAt.Equal(e.clock.Now()) {
		t.Fatalf("MarkSent = %+v, %v", sent, err)
	}
	it := e.get(id)
	if it.Status != inbox.StatusAnswered || it.AnsweredAt == nil || !it.AnsweredAt.Equal(e.clock.Now()) {
		t.Fatalf("item after send = %+v", it)
	}
	types := []string{}
	for _, ev := range e.ev.take() {
		types = append(types, string(ev.Type))
	}
	if strings.Join(types, " ") != "reply.updated reply.updated reply.failed reply.sent item.updated" {
		t.Fatalf("events = %v", types)
	}
	_, err = e.s.Cancel(r.ID, "op")
	wantStateErr(t, err, inbox.ReplySent, inbox.ReplyCancelled)

	// failed → requeued by an operator → cancelled while queued.
	r2, _, _ := e.s.EnqueueReply(id, NewReply{Text: "two", Author: "op"})
	claim(t, e.s)
	if f, err := e.s.MarkFailed(r2.ID, "outside the 24 h window"); err != nil || f.State != inbox.ReplyFailed || f.LastError != "outside the 24 h window" {
		t.Fatalf("MarkFailed = %+v, %v", f, err)
	}
	if q, err := e.s.Requeue(r2.ID, "siti"); err != nil || q.State != inbox.ReplyQueued {
		t.Fatalf("Requeue = %+v, %v", q, err)
	}
	if c, err := e.s.Cancel(r2.ID, "siti"); err != nil || c.State != inbox.ReplyCancelled {
		t.Fatalf("Cancel = %+v, %v", c, err)
	}
	noClaim(t, e.s)
	d := must[Detail](t)(e.s.Detail(id))
	var replyAudit []string
	for _, a := range d.Audit {
		if strings.HasPrefix(a.Field, "reply ") {
			replyAudit = append(replyAudit, a.Actor+":"+a.From+"→"+a.To)
		}
	}
	if strings.Join(replyAudit, " ") != "siti:failed→queued siti:queued→cancelled" {
		t.Fatalf("reply audit = %v", replyAudit)
	}
	st := must[Stats](t)(e.s.Stats(""))
	if st.Replies[inbox.ReplySent] != 1 || st.Replies[inbox.ReplyCancelled] != 1 || st.Replies[inbox.ReplyQueued] != 0 {
		t.Fatalf("reply stats = %v", st.Replies)
	}
	if _, err := e.s.Reply("01ARZ3NDEKTSV4RRFFQ69G5FAV"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown reply: %v", err)
	}
	// Replies lists newest first and filters by state.
	all := must[ReplyPage](t)(e.s.Replies(ReplyFilter{Account: "acct"}))
	if len(all.Replies) != 2 || all.Replies[0].ID != r2.ID {
		t.Fatalf("Replies = %+v", all.Replies)
	}
	sentOnly := must[ReplyPage](t)(e.s.Replies(ReplyFilter{State: inbox.ReplySent, Unit: "-"}))
	if len(sentOnly.Replies) != 1 || sentOnly.Replies[0].ID != r.ID {
		t.Fatalf("sent replies = %+v", sentOnly.Replies)
	}
	if p := must[ReplyPage](t)(e.s.Replies(ReplyFilter{Unit: "dinkes"})); len(p.Replies) != 0 {
		t.Fatalf("unit filter = %+v", p.Replies)
	}
}

func TestSendingBecomesUnknownOnReopen(t *testing.T) {
	e := newEnv(t)
	id := e.ingest(fbComment("c1", "post1", "u1", e.clock.Now()))[0]
	r, _, _ := e.s.EnqueueReply(id, NewReply{Text: "one", Author: "op"})
	claim(t, e.s)
	e.reopen() // as after a crash while the connector held the reply
	got := must[inbox.Reply](t)(e.s.Reply(r.ID))
	if got.State != inbox.ReplyUnknown || got.LastError == "" {
		t.Fatalf("after reopen = %+v", got)
	}
	noClaim(t, e.s) // never re-sent by itself
	st := must[Stats](t)(e.s.Stats(""))
	if st.Replies[inbox.ReplySending] != 0 || st.Replies[inbox.ReplyUnknown] != 1 {
		t.Fatalf("reply counters = %v", st.Replies)
	}
}

func TestThreadOrderAndBackoffHoldOnlyTheirThread(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	ids := e.ingest(
		fbComment("a1", "postA", "u1", now),
		fbComment("b1", "postB", "u2", now),
		fbComment("a2", "postA", "u1", now.Add(time.Second)),
	)
	rA1, _, _ := e.s.EnqueueReply(ids[0], NewReply{Text: "A first"})
	rA2, _, _ := e.s.EnqueueReply(ids[2], NewReply{Text: "A second"})
	rB1, _, _ := e.s.EnqueueReply(ids[1], NewReply{Text: "B"})

	if c := claim(t, e.s); c.Reply.ID != rA1.ID {
		t.Fatalf("first claim %s, want A1", c.Reply.Text)
	}
	// A1 is sending: A2 waits, B goes.
	if c := claim(t, e.s); c.Reply.ID != rB1.ID {
		t.Fatalf("second claim %q, want B (A2 must wait for A1)", c.Reply.Text)
	}
	noClaim(t, e.s)
	// A1 in backoff still holds A2 back, even though A2 is due earlier.
	if _, err := e.s.RetryAt(rA1.ID, now.Add(time.Minute), "rate limited"); err != nil {
		t.Fatal(err)
	}
	noClaim(t, e.s)
	if due, ok, _ := e.s.NextDue("acct"); !ok || !due.Equal(now.Add(time.Minute)) {
		t.Fatalf("NextDue = %v %v, want A1's retry time", due, ok)
	}
	e.clock.Advance(time.Minute)
	if c := claim(t, e.s); c.Reply.ID != rA1.ID {
		t.Fatalf("after backoff claim %q, want A1", c.Reply.Text)
	}
	// Unknown holds back too.
	if _, err := e.s.MarkUnknown(rA1.ID, "reset"); err != nil {
		t.Fatal(err)
	}
	noClaim(t, e.s)
	if _, err := e.s.MarkSent(rA1.ID, "fb_a1"); err != nil {
		t.Fatal(err)
	}
	c := claim(t, e.s)
	if c.Reply.ID != rA2.ID || !c.LastInboundAt.Equal(now.Add(time.Second)) {
		t.Fatalf("claim %q last inbound %v, want A2 and u1's latest message", c.Reply.Text, c.LastInboundAt)
	}
	// A failed reply does not block its thread for ever.
	if _, err := e.s.MarkFailed(rA2.ID, "gone"); err != nil {
		t.Fatal(err)
	}
	rA3, _, _ := e.s.EnqueueReply(ids[2], NewReply{Text: "A third"})
	if c := claim(t, e.s); c.Reply.ID != rA3.ID {
		t.Fatalf("claim %q after a failed one, want A3", c.Reply.Text)
	}
	if _, ok, _ := e.s.ClaimNext("other"); ok {
		t.Fatal("another account's claim got this account's reply")
	}
}

func TestSentReplyAnswersEarlierItemsOfSameAuthorAndFeedsStats(t *testing.T) {
	e := newEnv(t)
	t0 := e.clock.Now()
	bf := fbComment("c0", "post1", "alice", t0.Add(-2*time.Hour))
	bf.Backfill = true
	ids := e.ingest(
		bf,
		fbComment("c1", "post1", "alice", t0.Add(-time.Hour)),
		fbComment("c2", "post1", "bob", t0.Add(-50*time.Minute)),
		fbComment("c3", "post1", "alice", t0.Add(-40*time.Minute)),
		fbComment("c4", "post1", "alice", t0.Add(time.Hour)), // written after the answer
	)
	if _, err := e.s.Update(ids[1], "op", Change{Unit: ptr("dinkes")}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	r, _, _ := e.s.EnqueueReply(ids[3], NewReply{Text: "done"})
	claim(t, e.s)
	e.clock.Advance(20 * time.Minute) // 30 min after receipt
	if _, err := e.s.MarkSent(r.ID, "fb_1"); err != nil {
		t.Fatal(err)
	}
	want := []inbox.Status{"answered", "answered", "new", "answered", "new"}
	for i, id := range ids {
		if st := e.get(id).Status; st != want[i] {
			t.Errorf("item %d: %s, want %s", i, st, want[i])
		}
	}
	all := must[Stats](t)(e.s.Stats(""))
	fr := all.FirstResponse["24h"]
	// c1 and c3 count (30 min each); the backfilled c0 does not.
	if fr.Count != 2 || fr.P50Seconds < 1800*0.9 || fr.P50Seconds > 1800*1.1 {
		t.Fatalf("first response 24h = %+v", fr)
	}
	if all.FirstResponse["30d"].Count != 2 || all.FirstResponse["7d"].Count != 2 {
		t.Fatalf("windows = %+v", all.FirstResponse)
	}
	unit := must[Stats](t)(e.s.Stats("dinkes"))
	if unit.FirstResponse["24h"].Count != 1 || unit.ByStatus[inbox.StatusAnswered] != 1 || unit.Unit != "dinkes" {
		t.Fatalf("unit stats = %+v", unit)
	}
	m := must[MonthReport](t)(e.s.Monthly("", 2026, time.November))
	if m.Count != 2 || m.Month != "2026-11" {
		t.Fatalf("monthly = %+v", m)
	}
	if m := must[MonthReport](t)(e.s.Monthly("dinkes", 2026, time.November)); m.Count != 1 {
		t.Fatalf("unit monthly = %+v", m)
	}
	if m := must[MonthReport](t)(e.s.Monthly("", 2026, time.October)); m.Count != 0 {
		t.Fatalf("other month = %+v", m)
	}
	// The hourly figures leave the 24 h window after a day, the monthly stay.
	e.clock.Advance(25 * time.Hour)
	if n := must[Stats](t)(e.s.Stats("")).FirstResponse["24h"].Count; n != 0 {
		t.Fatalf("24h after a day = %d", n)
	}
	if n := must[Stats](t)(e.s.Stats("")).FirstResponse["7d"].Count; n != 2 {
		t.Fatalf("7d after a day = %d", n)
	}
	e.clock.Advance(31 * 24 * time.Hour)
	if n := must[Stats](t)(e.s.Stats("")).FirstResponse["30d"].Count; n != 0 {
		t.Fatalf("30d after a month = %d", n)
	}
	if m := must[MonthReport](t)(e.s.Monthly("", 2026, time.November)); m.Count != 2 {
		t.Fatalf("monthly after a month = %+v", m)
	}
}

func TestRepliesPaginateNewestFirst(t *testing.T) {
	e := newEnv(t)
	ids := e.ingest(fbComment("c1", "post1", "u1", e.clock.Now()), fbComment("c2", "post2", "u2", e.clock.Now()))
	var want []string
	for i := range 7 {
		r, _, err := e.s.EnqueueReply(ids[i%2], NewReply{Text: "r"})
		if err != nil {
			t.Fatal(err)
		}
		want = append([]string{r.ID}, want...)
	}
	if _, ok, err := e.s.NextDue("nobody"); ok || err != nil {
		t.Fatalf("NextDue of an account without replies: %v %v", ok, err)
	}
	var got []string
	f := ReplyFilter{Limit: 3, State: inbox.ReplyQueued, Account: "acct"}
	for range 10 {
		p := must[ReplyPage](t)(e.s.Replies(f))
		for _, r := range p.Replies {
			got = append(got, r.ID)
		}
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("pages:\n got %v\nwant %v", got, want)
	}
	if p := must[ReplyPage](t)(e.s.Replies(ReplyFilter{ItemID: ids[1]})); len(p.Replies) != 3 {
		t.Fatalf("item filter: %d replies", len(p.Replies))
	}
	if _, err := e.s.Replies(ReplyFilter{Cursor: "zz"}); !errors.Is(err, ErrInvalidCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
	_, err := e.s.Replies(ReplyFilter{State: "lost"})
	wantValidation(t, err, "state")
}

func TestThreadAndOldestWaitingAge(t *testing.T) {
	e := newEnv(t)
	t0 := e.clock.Now()
	first := e.ingest(fbComment("c2", "post1", "bob", t0.Add(time.Minute)), fbComment("c1", "post1", "alice", t0))
	e.clock.Advance(time.Hour)
	e.ingest(fbComment("c3", "post1", "alice", t0.Add(2*time.Minute)), fbComment("x", "post2", "alice", t0))
	th := must[[]inbox.Item](t)(e.s.Thread(chFacebook, "acct", "post1"))
	var ext []string
	for _, it := range th {
		ext = append(ext, it.ExternalID)
	}
	if strings.Join(ext, ",") != "c1,c2,c3" {
		t.Fatalf("thread = %v, want oldest first by created_at", ext)
	}
	if th := must[[]inbox.Item](t)(e.s.Thread(chFacebook, "acct", "nope")); len(th) != 0 {
		t.Fatalf("unknown thread = %v", th)
	}
	e.clock.Advance(30 * time.Minute)
	st := must[Stats](t)(e.s.Stats(""))
	if st.OldestWaiting == nil || !st.OldestWaiting.Equal(t0) || st.OldestAgeSec != 5400 || st.Waiting != 4 {
		t.Fatalf("oldest = %v age %v waiting %d", st.OldestWaiting, st.OldestAgeSec, st.Waiting)
	}
	// Closing the two oldest moves the figure to the next waiting item.
	for _, id := range first {
		if _, err := e.s.Update(id, "op", Change{Status: ptr(inbox.StatusClosed)}); err != nil {
			t.Fatal(err)
		}
	}
	st = must[Stats](t)(e.s.Stats(""))
	if st.OldestWaiting == nil || !st.OldestWaiting.Equal(t0.Add(time.Hour)) || st.OldestAgeSec != 1800 {
		t.Fatalf("after closing: oldest = %v age %v", st.OldestWaiting, st.OldestAgeSec)
	}
	if st := must[Stats](t)(e.s.Stats("-")); st.Unit != "-" || st.ByStatus[inbox.StatusClosed] != 2 {
		t.Fatalf("no-unit stats = %+v", st)
	}
}

func TestVerifiedReplyReplacesItsExternalRecord(t *testing.T) {
	e := newEnv(t)
	id := e.ingest(fbComment("c1", "post1", "u1", e.clock.Now()))[0]
	r, _, _ := e.s.EnqueueReply(id, NewReply{Text: "answer"})
	claim(t, e.s)
	if _, err := e.s.MarkUnknown(r.ID, "timeout after write"); err != nil {
		t.Fatal(err)
	}
	// The next poll sees the reply on the platform before it is verified.
	ext := []inbox.ExternalReply{{Channel: chFacebook, ExternalID: "fb_9", ParentExternalID: "c1", Text: "answer", CreatedAt: e.clock.Now()}}
	if res, err := e.s.Ingest("acct", nil, ext, nil); err != nil || res.ExternalApplied != 1 {
		t.Fatalf("external = %+v, %v", res, err)
	}
	if _, err := e.s.MarkSent(r.ID, "fb_9"); err != nil {
		t.Fatal(err)
	}
	d := must[Detail](t)(e.s.Detail(id))
	if len(d.Replies) != 1 || d.Replies[0].ID != r.ID || d.Replies[0].External {
		t.Fatalf("replies = %+v, want only the verified one", d.Replies)
	}
	if st := must[Stats](t)(e.s.Stats("")); st.Replies[inbox.ReplySent] != 1 || st.Replies[inbox.ReplyUnknown] != 0 {
		t.Fatalf("reply counters = %v", st.Replies)
	}
	checkConsistent(t, e.s)
	// Seen once more: still one.
	if res, err := e.s.Ingest("acct", nil, ext, nil); err != nil || res.ExternalApplied != 0 {
		t.Fatalf("again = %+v, %v", res, err)
	}
}

// RetryUnknownAt requeues only a reply that is still unknown: a stale
// "not found" must not pull a reply out of sending (or revive a cancelled
// or already requeued one).
func TestRetryUnknownAtOnlyMovesUnknown(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	id := e.ingest(fbComment("c1", "post1", "u1", now))[0]
	r, _, _ := e.s.EnqueueReply(id, NewReply{Text: "one", Author: "op"})

	_, err := e.s.RetryUnknownAt(r.ID, now, "absent")
	wantStateErr(t, err, inbox.ReplyQueued, inbox.ReplyQueued)
	claim(t, e.s)
	_, err = e.s.RetryUnknownAt(r.ID, now, "absent")
	wantStateErr(t, err, inbox.ReplySending, inbox.ReplyQueued)
	if got, _ := e.s.Reply(r.ID); got.State != inbox.ReplySending {
		t.Fatalf("after a refused move: %s, want sending", got.State)
	}

	if _, err := e.s.MarkUnknown(r.ID, "reset after write"); err != nil {
		t.Fatal(err)
	}
	due := now.Add(time.Minute)
	q, err := e.s.RetryUnknownAt(r.ID, due, "not found on the platform")
	if err != nil || q.State != inbox.ReplyQueued || q.NextAttemptAt == nil || !q.NextAttemptAt.Equal(due) || q.LastError != "not found on the platform" {
		t.Fatalf("RetryUnknownAt = %+v, %v", q, err)
	}
	if at, ok, err := e.s.NextDue("acct"); !ok || err != nil || !at.Equal(due) {
		t.Fatalf("NextDue = %v %v %v", at, ok, err)
	}
}

// Change.Scope and NewReply.Scope are checked inside the write: an item
// moved to another unit after a scoped caller looked at it is not found.
func TestScopeIsCheckedInTheWrite(t *testing.T) {
	e := newEnv(t)
	id := e.ingest(fbComment("c1", "post1", "u1", e.clock.Now()))[0]
	unitB, tag := "dinas-b", []string{"a-was-here"}
	if _, err := e.s.Update(id, "admin", Change{Unit: &unitB}); err != nil {
		t.Fatal(err)
	}

	if _, err := e.s.Update(id, "op-a", Change{Tags: &tag, Scope: "dinas-a"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Update in the wrong scope = %v, want ErrNotFound", err)
	}
	if _, _, err := e.s.EnqueueReply(id, NewReply{Text: "halo", Author: "op-a", Scope: "dinas-a"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("EnqueueReply in the wrong scope = %v, want ErrNotFound", err)
	}
	d, err := e.s.Detail(id)
	if err != nil || len(d.Item.Tags) != 0 || len(d.Replies) != 0 {
		t.Fatalf("out-of-scope writes landed: tags %v, %d replies, %v", d.Item.Tags, len(d.Replies), err)
	}

	if it, err := e.s.Update(id, "op-b", Change{Tags: &tag, Scope: unitB}); err != nil || len(it.Tags) != 1 {
		t.Fatalf("Update in scope = %+v, %v", it.Tags, err)
	}
	if _, created, err := e.s.EnqueueReply(id, NewReply{Text: "halo", Author: "op-b", Scope: unitB}); err != nil || !created {
		t.Fatalf("EnqueueReply in scope = %v, %v", created, err)
	}
}

func TestMarkVerifiedTakesARequeuedReply(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	id := e.ingest(fbComment("c1", "post1", "u1", now))[0]
	r, _, _ := e.s.EnqueueReply(id, NewReply{Text: "one", Author: "op"})
	if _, ok, err := e.s.ClaimNext("acct"); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if _, err := e.s.MarkUnknown(r.ID, "timeout after writing"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Requeue(r.ID, "op"); err != nil { // the operator retries meanwhile
		t.Fatal(err)
	}
	if _, err := e.s.MarkSent(r.ID, "x1"); err == nil {
		t.Fatal("MarkSent took a queued reply")
	}
	got, err := e.s.MarkVerified(r.ID, "x1")
	if err != nil || got.State != inbox.ReplySent || got.ExternalID != "x1" {
		t.Fatalf("MarkVerified = %+v, %v", got, err)
	}
	if it, _ := e.s.Get(id); it.Status != inbox.StatusAnswered {
		t.Fatalf("item %s, want answered", it.Status)
	}
	if _, err := e.s.MarkVerified(r.ID, "x1"); err == nil {
		t.Fatal("a sent reply was marked sent again")
	}
}

// A platform that takes one private reply per comment (Meta) gets one:
// queued, sending, sent and unknown ones block a second; failed and
// cancelled ones do not, and a retried failed one is checked again.
func TestOnePrivateReplyPerComment(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	id := e.ingest(fbComment("c1", "post1", "u1", now))[0]
	wantOnePerItem := func(err error) {
		t.Helper()
		var ope *inbox.OnePerItemError
		if !errors.As(err, &ope) {
			t.Fatalf("second private reply: err = %v, want OnePerItemError", err)
		}
		wantValidation(t, err, "private")
	}
	first, _, err := e.s.EnqueueReply(id, NewReply{Text: "dm 1", Private: true})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.s.EnqueueReply(id, NewReply{Text: "dm 2", Private: true})
	wantOnePerItem(err) // queued
	if _, err := e.s.Cancel(first.ID, "op"); err != nil {
		t.Fatal(err)
	}
	second, _, err := e.s.EnqueueReply(id, NewReply{Text: "dm 2", Private: true})
	if err != nil {
		t.Fatalf("after cancelling the first: %v", err)
	}
	e.clock.Advance(time.Second)
	claim(t, e.s)
	_, _, err = e.s.EnqueueReply(id, NewReply{Text: "dm 3", Private: true})
	wantOnePerItem(err) // sending
	if _, err := e.s.MarkUnknown(second.ID, "timeout"); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.s.EnqueueReply(id, NewReply{Text: "dm 3", Private: true})
	wantOnePerItem(err) // unknown
	if _, err := e.s.MarkSent(second.ID, "m_1"); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.s.EnqueueReply(id, NewReply{Text: "dm 3", Private: true})
	wantOnePerItem(err) // sent

	// Failed ones do not count; requeueing one re-checks the rule.
	id2 := e.ingest(fbComment("c2", "post1", "u2", now))[0]
	f, _, _ := e.s.EnqueueReply(id2, NewReply{Text: "dm a", Private: true})
	e.clock.Advance(time.Second)
	claim(t, e.s)
	if _, err := e.s.MarkFailed(f.ID, "refused"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.s.EnqueueReply(id2, NewReply{Text: "dm b", Private: true}); err != nil {
		t.Fatalf("after a failed one: %v", err)
	}
	_, err = e.s.Requeue(f.ID, "op")
	wantOnePerItem(err)
	if _, _, err := e.s.EnqueueReply(id, NewReply{Text: "public is fine"}); err != nil {
		t.Fatalf("public reply beside a private one: %v", err)
	}
}

func TestEnqueueReplyRefusesControlAndInvisibleText(t *testing.T) {
	e := newEnv(t)
	id := e.ingest(fbComment("c1", "post1", "u1", e.clock.Now()))[0]
	for _, text := range []string{"a\x00b", "a\u0085b", "x\u202ey", "\u200b\u200b", " \n\t "} {
		_, _, err := e.s.EnqueueReply(id, NewReply{Text: text})
		var tre *inbox.TextRefusedError
		if !errors.As(err, &tre) {
			t.Errorf("EnqueueReply(%q): err = %v, want TextRefusedError", text, err)
		}
		wantValidation(t, err, "text")
	}
}
