package scheduler

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// budgetConn sends through one shared request budget, taken with the
// request's priority, as the X connector does with its send budgets.
type budgetConn struct {
	*fakeConn
	budget *connectors.Budget
	now    func() time.Time
}

func (c *budgetConn) Send(ctx context.Context, out connectors.Outgoing) (string, error) {
	if ok, at := c.budget.Take(c.now(), connectors.PriorityOf(ctx)); !ok {
		return "", &connectors.Error{Class: connectors.RateLimited, Op: "send", RetryAt: at, Message: "send budget spent"}
	}
	return c.fakeConn.Send(ctx, out)
}

// Acknowledgements and operators' replies share the send budget; when it
// runs short, the acknowledgements wait (without holding the account) and
// the operators' replies go out of the reserve.
func TestHumanRepliesFirstWhenTheBudgetIsShort(t *testing.T) {
	e := newEnv(t)
	conn := &budgetConn{fakeConn: newConn("fb"), now: e.clock.Now,
		budget: &connectors.Budget{Limit: 3, Window: 15 * time.Minute, Reserve: 1}}
	e.set(acct(conn))
	var acks []inbox.Reply
	for i := range 3 {
		res, err := e.st.Ingest("fb", []inbox.Item{e.item("fb", fmt.Sprintf("dm%d", i))}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.st.EnqueueAutoAck(res.NewIDs[0], store.AutoAck{Text: "Pesan Bapak/Ibu kami terima.", Template: "diterima", QuietPeriod: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		acks = append(acks, r)
		e.clock.Advance(time.Second)
	}
	human := e.queue("fb", "other", "Sudah kami teruskan ke Dinas PU.")
	e.drain("fb")
	if got := e.reply(acks[0].ID).State; got != inbox.ReplySent {
		t.Errorf("first ack %s", got)
	}
	if got := e.reply(acks[1].ID).State; got != inbox.ReplySent {
		t.Errorf("second ack %s", got)
	}
	third := e.reply(acks[2].ID)
	if third.State != inbox.ReplyQueued || third.NextAttemptAt == nil || !third.NextAttemptAt.After(e.clock.Now()) {
		t.Errorf("third ack: %s next %v, want waiting for the budget", third.State, third.NextAttemptAt)
	}
	if got := e.reply(human.ID); got.State != inbox.ReplySent || got.Auto {
		t.Errorf("the operator's reply is %s, want sent out of the reserve", got.State)
	}
	// Sent acknowledgements answered nothing.
	for _, r := range acks[:2] {
		it, err := e.st.Get(r.ItemID)
		if err != nil {
			t.Fatal(err)
		}
		if it.Status != inbox.StatusNew || it.FirstResponseAt != nil {
			t.Errorf("acknowledged item %s: %s, first response %v", it.ID, it.Status, it.FirstResponseAt)
		}
	}
}

func TestAfterIngestGetsTheNewItems(t *testing.T) {
	var mu sync.Mutex
	var got []string
	e := newEnvWith(t, func(o *Options) {
		o.AfterIngest = func(_ context.Context, account string, ids []string) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, account+":"+fmt.Sprint(len(ids)))
		}
	})
	conn := newConn("fb")
	conn.script([]pollStep{{page: connectors.Page{Items: []inbox.Item{e.item("fb", "t1"), e.item("fb", "t2")}, Cursor: []byte("c1")}},
		{page: connectors.Page{Items: []inbox.Item{e.item("fb", "t1")}, Cursor: []byte("c2")}}}, nil)
	e.set(acct(conn))
	for range 2 {
		if err := e.pollNow("fb"); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(got) != "[fb:2 fb:1]" {
		t.Errorf("AfterIngest calls %v", got)
	}
}
