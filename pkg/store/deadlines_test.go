package store

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// deadlineEnv is a store whose caller computes deadlines with the default
// office calendar (Jakarta) and the policies, as the daemon does.
type deadlineEnv struct {
	*env
	cal  *calendar.Calendar
	pols calendar.Policies
}

func newDeadlineEnv(t *testing.T) *deadlineEnv {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	cal := calendar.Default(loc)
	span := func(s string) calendar.Span {
		sp, err := calendar.ParseSpan(s)
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	e := &env{t: t, clock: newClock(), ev: &events{}, path: filepath.Join(t.TempDir(), "inboxd.db")}
	// Monday 2026-12-07 09:00 WIB.
	e.clock.t = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	s, err := Open(e.path, Options{Now: e.clock.Now, Notify: e.ev.add, Logger: slog.New(slog.DiscardHandler), Location: loc, WorkingTime: cal.WorkingTimeBetween})
	if err != nil {
		t.Fatal(err)
	}
	e.s = s
	t.Cleanup(func() { e.s.Close() })
	return &deadlineEnv{env: e, cal: cal, pols: calendar.Policies{
		{Match: calendar.Match{Unit: "bpbd"}, FirstResponse: span("2h"), Resolution: span("1d")},
		{FirstResponse: span("4h"), Resolution: span("2d")},
	}}
}

// deadlines is the caller's computation (the scheduler's at ingest, the
// API's on a change).
func (d *deadlineEnv) deadlines(it inbox.Item) (*time.Time, *time.Time) {
	dl := d.cal.Deadlines(d.pols, calendar.Attrs{Unit: it.Unit, Kind: string(it.Kind), Channel: string(it.Channel), Priority: string(it.Priority)}, it.CreatedAt)
	var fr, res *time.Time
	if !dl.FirstResponse.IsZero() {
		fr = &dl.FirstResponse
	}
	if !dl.Resolution.IsZero() {
		res = &dl.Resolution
	}
	return fr, res
}

func (d *deadlineEnv) withDeadlines(it inbox.Item) inbox.Item {
	it.FirstResponseDueAt, it.ResolutionDueAt = d.deadlines(it)
	return it
}

func (d *deadlineEnv) sweep() int {
	d.t.Helper()
	n, err := d.s.SweepOverdue(100)
	if err != nil {
		d.t.Fatal(err)
	}
	return n
}

func wantTime(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil || !got.Equal(want) {
		t.Errorf("%s = %v, want %s", what, got, want)
	}
}

func TestOverdueSweepAcrossAFixedClock(t *testing.T) {
	d := newDeadlineEnv(t)
	jkt := d.cal.Location()
	wib := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, jkt)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	created := wib("2026-12-07 08:30")
	id := d.ingest(d.withDeadlines(fbComment("c1", "post", "ani", created)))[0]
	plain := d.ingest(fbComment("c2", "post", "budi", created))[0] // no deadlines: never overdue
	it := d.get(id)
	wantTime(t, "first_response_due_at", it.FirstResponseDueAt, wib("2026-12-07 12:30"))
	wantTime(t, "resolution_due_at", it.ResolutionDueAt, wib("2026-12-09 16:00"))
	d.ev.take()

	if n := d.sweep(); n != 0 {
		t.Fatalf("swept %d before any deadline", n)
	}
	d.clock.t = wib("2026-12-07 12:29")
	if n := d.sweep(); n != 0 {
		t.Fatalf("swept %d a minute early", n)
	}
	d.clock.t = wib("2026-12-07 12:30")
	if n := d.sweep(); n != 1 {
		t.Fatalf("swept %d at the deadline", n)
	}
	if it = d.get(id); it.Overdue != inbox.OverdueFirstResponse {
		t.Fatalf("overdue = %q", it.Overdue)
	}
	if evs := d.ev.take(); len(evs) != 1 || evs[0].Type != EventItemOverdue || evs[0].ItemID != id {
		t.Fatalf("events %+v", evs)
	}
	st := must[Stats](t)(d.s.Stats(""))
	if st.Overdue[inbox.OverdueFirstResponse] != 1 || st.OverdueByUnit[""] != 1 {
		t.Errorf("stats overdue %v by unit %v", st.Overdue, st.OverdueByUnit)
	}
	yes, no := true, false
	if p := must[ListPage](t)(d.s.List(Filter{Overdue: &yes})); len(p.Items) != 1 || p.Items[0].ID != id {
		t.Errorf("?overdue=true: %v", idsOf(p.Items))
	}
	if p := must[ListPage](t)(d.s.List(Filter{Overdue: &no})); len(p.Items) != 1 || p.Items[0].ID != plain {
		t.Errorf("?overdue=false: %v", idsOf(p.Items))
	}
	if p := must[ListPage](t)(d.s.List(Filter{Overdue: &yes, Statuses: []inbox.Status{inbox.StatusNew}, Account: "acct"})); len(p.Items) != 1 {
		t.Errorf("?overdue=true combined: %v", idsOf(p.Items))
	}
	if n := d.sweep(); n != 0 {
		t.Fatalf("swept %d twice", n)
	}
	checkConsistent(t, d.s)

	// A human answers late: first response recorded, overdue cleared.
	d.clock.t = wib("2026-12-07 14:00")
	it = must[inbox.Item](t)(d.s.Update(id, "rina", Change{Status: ptr(inbox.StatusAnswered)}))
	wantTime(t, "first_response_at", it.FirstResponseAt, wib("2026-12-07 14:00"))
	if it.Overdue != "" {
		t.Fatalf("answered item still overdue %q", it.Overdue)
	}
	st = must[Stats](t)(d.s.Stats(""))
	if st.Overdue[inbox.OverdueFirstResponse] != 0 || st.FirstResponseWithinDeadline["24h"].Count != 1 || st.FirstResponseWithinDeadline["24h"].Within != 0 {
		t.Errorf("after a late answer: overdue %v within %+v", st.Overdue, st.FirstResponseWithinDeadline)
	}
	// 08:30 to 14:00 is 5.5 office hours; the histogram is within ±9 %.
	if w := st.FirstResponseWorking["24h"]; w.Count != 1 || w.P50Seconds < 5.5*3600*0.9 || w.P50Seconds > 5.5*3600*1.1 {
		t.Errorf("working-hours first response %+v", w)
	}
	// The resolution deadline still runs: Wednesday's closing.
	d.clock.t = wib("2026-12-09 16:00")
	if n := d.sweep(); n != 1 {
		t.Fatalf("resolution sweep changed %d", n)
	}
	if it = d.get(id); it.Overdue != inbox.OverdueResolution {
		t.Fatalf("overdue = %q", it.Overdue)
	}
	checkConsistent(t, d.s)
	// Closing ends it: out of the counts and the index.
	must[inbox.Item](t)(d.s.Update(id, "rina", Change{Status: ptr(inbox.StatusClosed)}))
	st = must[Stats](t)(d.s.Stats(""))
	if st.Overdue[inbox.OverdueResolution] != 0 || len(st.OverdueByUnit) != 0 {
		t.Errorf("closed item still counted: %v %v", st.Overdue, st.OverdueByUnit)
	}
	checkConsistent(t, d.s)
}

func TestDeadlinesRecomputedOnUnitChange(t *testing.T) {
	d := newDeadlineEnv(t)
	created := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC) // Mon 09:00 WIB
	id := d.ingest(d.withDeadlines(fbComment("c1", "post", "ani", created)))[0]
	wantTime(t, "default first response", d.get(id).FirstResponseDueAt, created.Add(4*time.Hour))

	d.clock.Advance(time.Hour) // recomputed from created_at, not from now
	it := must[inbox.Item](t)(d.s.Update(id, "rina", Change{Unit: ptr("bpbd"), Deadlines: d.deadlines}))
	wantTime(t, "bpbd first response", it.FirstResponseDueAt, created.Add(2*time.Hour))
	wantTime(t, "bpbd resolution", it.ResolutionDueAt, time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)) // Tue 16:00 WIB
	audit := map[string]inbox.AuditEntry{}
	for _, a := range must[Detail](t)(d.s.Detail(id)).Audit {
		audit[a.Field] = a
	}
	if a := audit["first_response_due_at"]; a.Actor != "rina" || a.From != "2026-12-07T13:00:00+07:00" || a.To != "2026-12-07T11:00:00+07:00" {
		t.Errorf("audit of the recomputation: %+v", a)
	}
	if _, ok := audit["resolution_due_at"]; !ok {
		t.Error("resolution_due_at change not audited")
	}
	// A change that touches neither unit, kind nor priority keeps them.
	it = must[inbox.Item](t)(d.s.Update(id, "rina", Change{Assignee: ptr("budi"), Deadlines: func(inbox.Item) (*time.Time, *time.Time) {
		t.Error("recomputed on an assignee change")
		return nil, nil
	}}))
	wantTime(t, "kept", it.FirstResponseDueAt, created.Add(2*time.Hour))

	// Past the new deadline: overdue; set ignored: no deadlines, no count.
	d.clock.t = created.Add(3 * time.Hour)
	if n := d.sweep(); n != 1 {
		t.Fatalf("sweep %d", n)
	}
	it = must[inbox.Item](t)(d.s.Update(id, "rina", Change{Status: ptr(inbox.StatusIgnored)}))
	if it.Overdue != "" || it.FirstResponseDueAt != nil || it.ResolutionDueAt != nil {
		t.Errorf("ignored item keeps deadlines: %+v", it)
	}
	if st := must[Stats](t)(d.s.Stats("bpbd")); st.Overdue[inbox.OverdueFirstResponse] != 0 {
		t.Errorf("ignored item still counted overdue: %v", st.Overdue)
	}
	checkConsistent(t, d.s)
}

func TestIngestIgnoredAndLateItems(t *testing.T) {
	d := newDeadlineEnv(t)
	// Polled five days late: overdue from the first moment.
	old := d.withDeadlines(fbComment("old", "post", "ani", d.clock.Now().Add(-120*time.Hour)))
	id := d.ingest(old)[0]
	if it := d.get(id); it.Overdue != inbox.OverdueResolution {
		t.Errorf("late item overdue = %q", it.Overdue)
	}
	var overdueEvents int
	for _, ev := range d.ev.take() {
		if ev.Type == EventItemOverdue {
			overdueEvents++
		}
	}
	if overdueEvents != 1 {
		t.Errorf("%d item.overdue events at ingest", overdueEvents)
	}
	checkConsistent(t, d.s)
}

func TestFirstResponseByReply(t *testing.T) {
	d := newDeadlineEnv(t)
	id := d.ingest(d.withDeadlines(fbComment("c1", "post", "ani", d.clock.Now())))[0]
	d.clock.Advance(30 * time.Minute)
	ext := inbox.ExternalReply{Channel: chFacebook, Account: "acct", ExternalID: "r1", ParentExternalID: "c1", Text: "Baik, kami cek", CreatedAt: d.clock.Now()}
	if _, err := d.s.Ingest("acct", nil, []inbox.ExternalReply{ext}, nil); err != nil {
		t.Fatal(err)
	}
	it := d.get(id)
	wantTime(t, "first_response_at", it.FirstResponseAt, d.clock.Now())
	if st := must[Stats](t)(d.s.Stats("")); st.FirstResponseWithinDeadline["7d"].Within != 1 || st.FirstResponseWithinDeadline["7d"].Share != 1 {
		t.Errorf("within deadline: %+v", st.FirstResponseWithinDeadline)
	}
	checkConsistent(t, d.s)
}

// A reload with other policies recomputes the items in progress, in
// batches, audited as "config"; closed items keep theirs.
func TestRecomputeDeadlinesAfterReload(t *testing.T) {
	d := newDeadlineEnv(t)
	created := d.clock.Now()
	var ids []string
	for i := range 7 {
		ids = append(ids, d.ingest(d.withDeadlines(fbComment(extID(i), "post", extID(i), created)))...)
	}
	closed := must[inbox.Item](t)(d.s.Update(ids[6], "rina", Change{Status: ptr(inbox.StatusClosed)}))
	must[inbox.Item](t)(d.s.Update(ids[5], "rina", Change{Status: ptr(inbox.StatusOpen)}))

	d.pols[1].FirstResponse = calendar.Span{Time: time.Hour} // the default policy tightens
	n, err := d.s.RecomputeDeadlines(t.Context(), d.deadlines, 2)
	if err != nil || n != 6 {
		t.Fatalf("recomputed %d, %v; want 6", n, err)
	}
	for _, id := range ids[:6] {
		wantTime(t, "first_response_due_at", d.get(id).FirstResponseDueAt, created.Add(time.Hour))
	}
	if got := d.get(ids[6]); !sameTime(got.FirstResponseDueAt, closed.FirstResponseDueAt) {
		t.Errorf("closed item recomputed: %v", got.FirstResponseDueAt)
	}
	last := must[Detail](t)(d.s.Detail(ids[0])).Audit
	if a := last[len(last)-1]; a.Actor != ActorConfig || a.Field != "first_response_due_at" {
		t.Errorf("audit %+v", a)
	}
	// Nothing changed: nothing written.
	if n, err := d.s.RecomputeDeadlines(t.Context(), d.deadlines, 2); err != nil || n != 0 {
		t.Errorf("second pass %d, %v", n, err)
	}
	checkConsistent(t, d.s)
}
