package scheduler

import (
	"fmt"
	"testing"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// BenchmarkPollPage measures one poll committing a page of 100 new items
// (one store transaction) through the scheduler.
func BenchmarkPollPage(b *testing.B) {
	e := newEnv(b)
	c := newConn("fb")
	e.set(acct(c))
	steps := make([]pollStep, b.N)
	for i := range steps {
		p := connectors.Page{Cursor: fmt.Appendf(nil, "c%d", i)}
		for j := range 100 {
			it := e.item("fb", fmt.Sprintf("post%d", i))
			it.ExternalID = fmt.Sprintf("b%d_%d", i, j)
			p.Items = append(p.Items, it)
		}
		steps[i] = pollStep{page: p}
	}
	c.script(steps, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		e.s.tick("fb")
	}
	b.StopTimer()
	if n := c.pollCalls(); n != b.N {
		b.Fatalf("polled %d times, want %d", n, b.N)
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkDeliver measures claiming, sending (a no-op fake) and marking
// sent, one reply at a time.
func BenchmarkDeliver(b *testing.B) {
	e := newEnv(b)
	c := newConn("fb")
	e.set(acct(c))
	items := make([]inbox.Item, b.N)
	for i := range items {
		items[i] = e.item("fb", fmt.Sprintf("post%d", i))
	}
	res, err := e.st.Ingest("fb", items, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, id := range res.NewIDs {
		if _, _, err := e.st.EnqueueReply(id, store.NewReply{Text: "Terima kasih.", Author: "op"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	e.drain("fb")
	b.StopTimer()
	if n := len(c.sendCalls()); n != b.N {
		b.Fatalf("sent %d, want %d", n, b.N)
	}
}
