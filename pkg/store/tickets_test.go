package store

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func (e *env) tickets(ids []string) []string {
	e.t.Helper()
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = e.get(id).Ticket
	}
	return out
}

func TestTicketCaseRule(t *testing.T) {
	e := newEnv(t)
	at := e.clock.Now()
	// Two citizens on one post: two cases.
	first := e.ingest(fbComment("c1", "post1", "ani", at), fbComment("c2", "post1", "budi", at))
	if got := e.tickets(first); got[0] != "UP4-2026-000001" || got[1] != "UP4-2026-000002" {
		t.Fatalf("two citizens on one post: %v", got)
	}
	// Ani writes again, in the same page as a message elsewhere: her case keeps its ticket.
	again := e.ingest(fbComment("c3", "post1", "ani", at), fbComment("c4", "post2", "ani", at))
	if got := e.tickets(again); got[0] != "UP4-2026-000001" || got[1] != "UP4-2026-000003" {
		t.Fatalf("later messages: %v", got)
	}
	// Still while answered.
	must[inbox.Item](t)(e.s.Update(first[0], "op", Change{Status: ptr(inbox.StatusAnswered)}))
	if got := e.tickets(e.ingest(fbComment("c5", "post1", "ani", at))); got[0] != "UP4-2026-000001" {
		t.Fatalf("after answered: %v", got)
	}
	// Closed: her next message opens a new case.
	for _, id := range []string{first[0], again[0]} {
		must[inbox.Item](t)(e.s.Update(id, "op", Change{Status: ptr(inbox.StatusClosed)}))
	}
	latest := e.ingest(fbComment("c6", "post1", "ani", at))
	// c5 (answered) is her latest ticketed message and still holds the case
	// open; close it too, as an operator closing the case would.
	if got := e.tickets(latest); got[0] != "UP4-2026-000001" {
		t.Fatalf("case with an answered message: %v", got)
	}
	all := must[ListPage](t)(e.s.List(Filter{Ticket: "UP4-2026-000001", Limit: MaxLimit}))
	for _, it := range all.Items {
		must[inbox.Item](t)(e.s.Update(it.ID, "op", Change{Status: ptr(inbox.StatusClosed)}))
	}
	if got := e.tickets(e.ingest(fbComment("c7", "post1", "ani", at))); got[0] != "UP4-2026-000004" {
		t.Fatalf("after close: %v", got)
	}
	// Ignored likewise ends a case.
	must[inbox.Item](t)(e.s.Update(first[1], "op", Change{Status: ptr(inbox.StatusIgnored)}))
	if got := e.tickets(e.ingest(fbComment("c8", "post1", "budi", at))); got[0] != "UP4-2026-000005" {
		t.Fatalf("after ignored: %v", got)
	}
	// A direct message without a thread is a case of its own.
	dm := item(chTwitter, inbox.KindMention, "x1", "", "ani", at)
	if got := e.tickets(e.ingest(dm)); got[0] != "UP4-2026-000006" {
		t.Fatalf("no thread: %v", got)
	}
	checkConsistent(t, e.s)
}

// TestTicketYearInTimezone: the year is received_at's in the office's zone
// (Asia/Jakarta by default, UTC+7), and each year counts from 1.
func TestTicketYearInTimezone(t *testing.T) {
	e := newEnv(t)
	e.clock.t = time.Date(2026, 12, 31, 16, 59, 0, 0, time.UTC) // 23:59 WIB
	a := e.ingest(fbComment("a", "p", "u1", e.clock.Now()), fbComment("b", "p", "u2", e.clock.Now()))
	e.clock.Advance(time.Minute) // 2027-01-01 00:00 WIB, still 2026 in UTC
	b := e.ingest(fbComment("c", "p", "u3", e.clock.Now()))
	// The 2026 case of u1 goes on in 2027 under its 2026 ticket.
	c := e.ingest(fbComment("d", "p", "u1", e.clock.Now()), fbComment("e", "p", "u4", e.clock.Now()))
	got := append(append(e.tickets(a), e.tickets(b)...), e.tickets(c)...)
	want := []string{"UP4-2026-000001", "UP4-2026-000002", "UP4-2027-000001", "UP4-2026-000001", "UP4-2027-000002"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("tickets %v, want %v", got, want)
	}
	checkConsistent(t, e.s)
}

func TestTicketPrefixOption(t *testing.T) {
	e := newEnv(t)
	e.s.Close()
	s, err := Open(e.path, Options{Now: e.clock.Now, Logger: slog.New(slog.DiscardHandler), TicketPrefix: "LAPOR"})
	if err != nil {
		t.Fatal(err)
	}
	e.s = s
	if got := e.tickets(e.ingest(fbComment("a", "p", "u1", e.clock.Now()))); got[0] != "LAPOR-2026-000001" {
		t.Fatalf("prefix: %v", got)
	}
}

func TestTicketAndExternalRefFilters(t *testing.T) {
	e := newEnv(t)
	at := e.clock.Now()
	ids := e.ingest(fbComment("a", "p", "ani", at), fbComment("b", "p", "budi", at), fbComment("c", "p", "ani", at))
	page := must[ListPage](t)(e.s.List(Filter{Ticket: "UP4-2026-000001", Order: OldestFirst}))
	if got := strings.Join(idsOf(page.Items), ","); got != ids[0]+","+ids[2] {
		t.Fatalf("ticket filter: %v", got)
	}
	// Combined with another filter.
	page = must[ListPage](t)(e.s.List(Filter{Ticket: "UP4-2026-000001", Statuses: []inbox.Status{inbox.StatusOpen}}))
	if len(page.Items) != 0 {
		t.Fatalf("ticket+status: %v", idsOf(page.Items))
	}

	it := must[inbox.Item](t)(e.s.Update(ids[1], "rina", Change{ExternalRef: ptr("  LAPOR-123456 ")}))
	if it.ExternalRef != "LAPOR-123456" {
		t.Fatalf("external_ref = %q", it.ExternalRef)
	}
	page = must[ListPage](t)(e.s.List(Filter{ExternalRef: "LAPOR-123456"}))
	if len(page.Items) != 1 || page.Items[0].ID != ids[1] {
		t.Fatalf("external_ref filter: %v", idsOf(page.Items))
	}
	d := must[Detail](t)(e.s.Detail(ids[1]))
	last := d.Audit[len(d.Audit)-1]
	if last.Field != "external_ref" || last.To != "LAPOR-123456" || last.Actor != "rina" {
		t.Fatalf("audit %+v", last)
	}
	must[inbox.Item](t)(e.s.Update(ids[1], "rina", Change{ExternalRef: ptr("")}))
	if page = must[ListPage](t)(e.s.List(Filter{ExternalRef: "LAPOR-123456"})); len(page.Items) != 0 {
		t.Fatalf("cleared external_ref still found")
	}
	_, err := e.s.Update(ids[1], "rina", Change{ExternalRef: ptr(strings.Repeat("x", inbox.MaxExternalRefLen+1))})
	wantValidation(t, err, "external_ref")
	_, err = e.s.Update(ids[1], "rina", Change{ExternalRef: ptr("a\x00b")})
	wantValidation(t, err, "external_ref")
	checkConsistent(t, e.s)
}

func idsOf(items []inbox.Item) []string { return ids(items) }

// stripTickets turns the file back into one written before tickets
// existed: items without ticket, no counters, no index, no marker.
func stripTickets(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bItems)
		var keys, vals [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			keys, vals = append(keys, clone(k)), append(vals, clone(v))
			return nil
		}); err != nil {
			return err
		}
		for i, k := range keys {
			it, err := getItem(tx, k)
			if err != nil {
				return err
			}
			it.Ticket = ""
			raw, _ := marshalItem(&it)
			if bytes.Equal(raw, vals[i]) {
				continue
			}
			if err := b.Put(k, raw); err != nil {
				return err
			}
		}
		for _, name := range [][]byte{bTickets, bTicketFirst} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bMeta)
		if err := meta.Delete(metaTicketsDone); err != nil {
			return err
		}
		return meta.Delete(metaTicketsAt)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTicketMigration(t *testing.T) {
	e := newEnv(t)
	var all []string
	e.clock.t = time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC)
	for i := range 23 {
		author := []string{"ani", "budi", "citra"}[i%3]
		if i == 13 {
			e.clock.t = time.Date(2026, 12, 31, 17, 30, 0, 0, time.UTC) // 2027 in Jakarta
		}
		all = append(all, e.ingest(fbComment(extID(i), []string{"p1", "p2"}[i%2], author, e.clock.Now()))...)
	}
	must[inbox.Item](t)(e.s.Update(all[4], "op", Change{Status: ptr(inbox.StatusIgnored)}))
	must[inbox.Item](t)(e.s.Update(all[0], "op", Change{Status: ptr(inbox.StatusClosed)}))
	stripTickets(t, e.s)
	var logs bytes.Buffer
	e.s.Close()
	s, err := Open(e.path, Options{Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.s = s
	// Case = (thread, author) = i mod 6. Numbered in received order with
	// today's statuses: all[0] is closed, so all[6] opens a new case; the
	// ignored all[4] gets none; every case exists before the items
	// received in 2027 (i >= 13), which keep their 2026 tickets.
	n := []int{1, 2, 3, 4, 0, 5, 6, 2, 3, 4, 7, 5, 6, 2, 3, 4, 7, 5, 6, 2, 3, 4, 7}
	got := e.tickets(all)
	for i, k := range n {
		want := ""
		if k > 0 {
			want = inbox.FormatTicket("UP4", 2026, uint64(k))
		}
		if got[i] != want {
			t.Errorf("item %d: ticket %q, want %q", i, got[i], want)
		}
	}
	if !strings.Contains(logs.String(), "ticket migration") || !strings.Contains(logs.String(), "numbered=22") {
		t.Errorf("no progress logged: %s", logs.String())
	}
	checkConsistent(t, e.s)

	// New items are numbered after the migrated ones.
	if next := e.tickets(e.ingest(fbComment("new", "p1", "ani", e.clock.Now()), fbComment("new2", "p9", "dewi", e.clock.Now()))); next[0] != "UP4-2026-000006" || next[1] != "UP4-2027-000001" {
		t.Errorf("after the migration: %v", next)
	}

	// Batches: a second pass in batches of 4 gives the same numbers as one
	// pass.
	once := e.tickets(all)
	stripTickets(t, e.s)
	if err := e.s.migrateTickets(4); err != nil {
		t.Fatal(err)
	}
	if batched := e.tickets(all); strings.Join(batched, " ") != strings.Join(once, " ") {
		t.Errorf("batched migration:\n got %v\nwant %v", batched, once)
	}
	checkConsistent(t, e.s)
	// Once done, it does nothing more.
	if err := e.s.migrateTickets(4); err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, e.s)
}

// Spam a routing rule files as ignored at ingest uses up no ticket number
// and gets no deadline; the next real case takes the next number.
func TestSpamGetsNoTicket(t *testing.T) {
	e := newEnv(t)
	at := e.clock.Now()
	due := at.Add(time.Hour)
	spam := fbComment("s1", "post", "bot", at)
	spam.Status, spam.RoutedBy = inbox.StatusIgnored, "spam"
	spam.FirstResponseDueAt, spam.ResolutionDueAt = &due, &due
	ids := e.ingest(fbComment("c1", "post", "ani", at), spam, fbComment("c2", "post", "budi", at))
	got := e.tickets(ids)
	if got[0] != "UP4-2026-000001" || got[1] != "" || got[2] != "UP4-2026-000002" {
		t.Fatalf("tickets %v", got)
	}
	if it := e.get(ids[1]); it.Status != inbox.StatusIgnored || it.FirstResponseDueAt != nil || it.ResolutionDueAt != nil {
		t.Fatalf("spam item %+v", it)
	}
	checkConsistent(t, e.s)
}
