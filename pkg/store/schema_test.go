package store

import (
	"encoding/binary"
	"fmt"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// toSchema1 rewrites the file as schema 1 wrote it (the old layout code,
// kept only here): ix_ticket held ticket|id16 for every ticketed item, and
// there was no ticket_first.
func toSchema1(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		old, err := tx.CreateBucket(bIxTicket)
		if err != nil {
			return err
		}
		err = tx.Bucket(bItems).ForEach(func(k, v []byte) error {
			it, err := getItem(tx, k)
			if err != nil || it.Ticket == "" {
				return err
			}
			return old.Put(withID(prefix(it.Ticket), k), nil)
		})
		if err != nil {
			return err
		}
		if err := tx.DeleteBucket(bTicketFirst); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put([]byte("schema"), binary.BigEndian.AppendUint32(nil, 1))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ticketLists lists every ticket's items, oldest first, as "ticket: ids".
func ticketLists(t *testing.T, s *Store, tickets []string) []string {
	t.Helper()
	var out []string
	for _, tk := range tickets {
		page := must[ListPage](t)(s.List(Filter{Ticket: tk, Order: OldestFirst, Limit: MaxLimit}))
		line := tk + ":"
		for _, it := range page.Items {
			line += " " + it.ID
		}
		out = append(out, line)
	}
	return out
}

// A file written with schema 1 (one ix_ticket key per item) opens as
// schema 2: ticket_first holds each ticket's first item, ix_ticket is gone,
// and every ticket lists the same items as before.
func TestMigrateSchema1TicketIndex(t *testing.T) {
	e := newEnv(t)
	at := e.clock.Now()
	var ids []string
	for i := range 30 {
		author := []string{"ani", "budi", "citra", "dewi"}[i%4]
		ids = append(ids, e.ingest(fbComment(extID(i), []string{"p1", "p2", "p3"}[i%3], author, at))...)
		if i == 12 { // closes ani's first case on p1: her next message there opens another
			for _, id := range ids {
				if it := e.get(id); it.Author.ID == "ani" && it.ThreadID == "p1" {
					must[inbox.Item](t)(e.s.Update(id, "op", Change{Status: ptr(inbox.StatusClosed)}))
				}
			}
		}
	}
	ids = append(ids, e.ingest(item(chTwitter, inbox.KindMention, "x1", "", "ani", at))...)
	seen := map[string]bool{}
	var tickets []string
	for _, id := range ids {
		if tk := e.get(id).Ticket; !seen[tk] {
			seen[tk] = true
			tickets = append(tickets, tk)
		}
	}
	before := ticketLists(t, e.s, tickets)
	var first map[string]string
	err := e.s.db.View(func(tx *bolt.Tx) error {
		first = map[string]string{}
		return tx.Bucket(bTicketFirst).ForEach(func(k, v []byte) error { first[string(k)] = idString(v); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(tickets) || len(tickets) < 10 {
		t.Fatalf("%d tickets, %d ticket_first keys", len(tickets), len(first))
	}

	toSchema1(t, e.s)
	e.reopen()

	err = e.s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get([]byte("schema")); binary.BigEndian.Uint32(v) != schemaVersion {
			return fmt.Errorf("schema %x after open, want %d", v, schemaVersion)
		}
		if tx.Bucket(bIxTicket) != nil {
			return fmt.Errorf("ix_ticket still there")
		}
		got := map[string]string{}
		if err := tx.Bucket(bTicketFirst).ForEach(func(k, v []byte) error { got[string(k)] = idString(v); return nil }); err != nil {
			return err
		}
		if fmt.Sprint(got) != fmt.Sprint(first) {
			return fmt.Errorf("ticket_first after the migration:\n got %v\nwant %v", got, first)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := ticketLists(t, e.s, tickets); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("ticket lists after the migration:\n got %v\nwant %v", after, before)
	}
	checkConsistent(t, e.s)
	// New items keep numbering and listing as before.
	next := e.ingest(fbComment("new", "p2", "budi", at))
	if tk := e.get(next[0]).Ticket; !seen[tk] {
		t.Errorf("budi's open case on p2 should lend its ticket, got %q", tk)
	}
	checkConsistent(t, e.s)
}

// A ticket's list walks only its own case: another citizen's messages in
// the same thread, and the case's messages under a later ticket, are not
// in it, in either order and from a cursor.
func TestTicketListIsItsCase(t *testing.T) {
	e := newEnv(t)
	at := e.clock.Now()
	a := e.ingest(fbComment("a1", "p1", "ani", at), fbComment("b1", "p1", "budi", at), fbComment("a2", "p1", "ani", at))
	for _, id := range []string{a[0], a[2]} {
		must[inbox.Item](t)(e.s.Update(id, "op", Change{Status: ptr(inbox.StatusClosed)}))
	}
	b := e.ingest(fbComment("a3", "p1", "ani", at), fbComment("a4", "p1", "ani", at))
	t1, t2 := e.get(a[0]).Ticket, e.get(b[0]).Ticket
	if t1 == t2 || e.get(b[1]).Ticket != t2 {
		t.Fatalf("tickets %q %q %q", t1, t2, e.get(b[1]).Ticket)
	}
	list := func(f Filter) []string {
		var out []string
		for _, it := range must[ListPage](t)(e.s.List(f)).Items {
			out = append(out, it.ID)
		}
		return out
	}
	if got := list(Filter{Ticket: t1, Order: OldestFirst}); fmt.Sprint(got) != fmt.Sprint([]string{a[0], a[2]}) {
		t.Errorf("ticket 1 oldest first: %v", got)
	}
	if got := list(Filter{Ticket: t2}); fmt.Sprint(got) != fmt.Sprint([]string{b[1], b[0]}) {
		t.Errorf("ticket 2 newest first: %v", got)
	}
	page := must[ListPage](t)(e.s.List(Filter{Ticket: t1, Limit: 1}))
	if len(page.Items) != 1 || page.Items[0].ID != a[2] || page.NextCursor == "" {
		t.Fatalf("first page: %+v", page)
	}
	if got := list(Filter{Ticket: t1, Limit: 1, Cursor: page.NextCursor}); fmt.Sprint(got) != fmt.Sprint([]string{a[0]}) {
		t.Errorf("second page: %v", got)
	}
	if got := list(Filter{Ticket: "UP4-2026-999999"}); len(got) != 0 {
		t.Errorf("unknown ticket: %v", got)
	}
	checkConsistent(t, e.s)
}
