package scheduler

import (
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// New items are stored with the deadlines of the policy that matches them,
// counted from created_at in office time; ignored ones get none.
func TestPollSetsDeadlines(t *testing.T) {
	loc := time.FixedZone("WIB", 7*3600)
	office := calendar.NewLive(&calendar.Office{Calendar: calendar.Default(loc), SLA: calendar.Policies{
		{Match: calendar.Match{Priority: "urgent"}, FirstResponse: calendar.Span{Time: 2 * time.Hour}},
		{FirstResponse: calendar.Span{Days: 1}, Resolution: calendar.Span{Days: 5}},
	}})
	e := newEnvWith(t, func(o *Options) { o.Deadlines = office })
	c := newConn("fb")
	p := page(e, "fb", "c1", false, 2)
	created := time.Date(2026, 12, 4, 15, 0, 0, 0, loc) // Friday 15:00
	for i := range p.Items {
		p.Items[i].CreatedAt = created
	}
	p.Items[1].Priority = inbox.PriorityUrgent
	c.script([]pollStep{{page: p}}, nil)
	e.set(acct(c))
	if err := e.pollNow("fb"); err != nil {
		t.Fatal(err)
	}
	l, err := e.st.List(store.Filter{Order: store.OldestFirst})
	if err != nil || len(l.Items) != 2 {
		t.Fatalf("list: %v %d", err, len(l.Items))
	}
	normal, urgent := l.Items[0], l.Items[1]
	if normal.FirstResponseDueAt == nil || !normal.FirstResponseDueAt.Equal(time.Date(2026, 12, 7, 16, 0, 0, 0, loc)) ||
		normal.ResolutionDueAt == nil || !normal.ResolutionDueAt.Equal(time.Date(2026, 12, 11, 16, 30, 0, 0, loc)) {
		t.Errorf("default policy: %v %v", normal.FirstResponseDueAt, normal.ResolutionDueAt)
	}
	if urgent.FirstResponseDueAt == nil || !urgent.FirstResponseDueAt.Equal(time.Date(2026, 12, 7, 8, 0, 0, 0, loc)) || urgent.ResolutionDueAt != nil {
		t.Errorf("urgent policy: %v %v", urgent.FirstResponseDueAt, urgent.ResolutionDueAt)
	}
}
