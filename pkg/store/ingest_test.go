package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// lastTxID is the id of the last committed transaction: unchanged means
// nothing was written.
func lastTxID(t *testing.T, s *Store) int {
	t.Helper()
	var id int
	if err := s.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestIngestSamePageTwiceChangesNothing(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	page := []inbox.Item{
		fbComment("c1", "post1", "u1", now.Add(-3*time.Minute)),
		fbComment("c2", "post1", "u2", now.Add(-2*time.Minute)),
		item(chFacebook, inbox.KindMessage, "m1", "t_1", "u3", now.Add(-time.Minute)),
	}
	res, err := e.s.Ingest("acct", page, nil, []byte("cur1"))
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 3 || res.Duplicates != 0 || len(res.NewIDs) != 3 {
		t.Fatalf("first ingest = %+v", res)
	}
	if evs := e.ev.take(); len(evs) != 3 || evs[0].Type != EventItemCreated || evs[0].ItemID != res.NewIDs[0] {
		t.Fatalf("events = %+v", evs)
	}
	before := lastTxID(t, e.s)
	stats := must[Stats](t)(e.s.Stats(""))

	res2, err := e.s.Ingest("acct", page, nil, []byte("cur1"))
	if err != nil {
		t.Fatal(err)
	}
	if res2.New != 0 || res2.Duplicates != 3 || len(res2.NewIDs) != 0 {
		t.Fatalf("second ingest = %+v", res2)
	}
	if after := lastTxID(t, e.s); after != before {
		t.Fatalf("re-ingest with unchanged cursor wrote a transaction (%d → %d)", before, after)
	}
	if evs := e.ev.take(); len(evs) != 0 {
		t.Fatalf("re-ingest emitted %v", evs)
	}
	stats2 := must[Stats](t)(e.s.Stats(""))
	if fmt.Sprint(stats) != fmt.Sprint(stats2) {
		t.Fatalf("stats changed:\n%+v\n%+v", stats, stats2)
	}
	all := must[ListPage](t)(e.s.List(Filter{}))
	if len(all.Items) != 3 {
		t.Fatalf("%d items stored, want 3", len(all.Items))
	}

	// Same items, new cursor: only the cursor moves.
	res3, err := e.s.Ingest("acct", page, nil, []byte("cur2"))
	if err != nil || res3.New != 0 || res3.Duplicates != 3 {
		t.Fatalf("ingest with new cursor = %+v, %v", res3, err)
	}
	if c := must[[]byte](t)(e.s.Cursor("acct")); string(c) != "cur2" {
		t.Fatalf("cursor = %q", c)
	}
	// A nil cursor leaves the stored one.
	if _, err := e.s.Ingest("acct", []inbox.Item{fbComment("c9", "post1", "u1", now)}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if c := must[[]byte](t)(e.s.Cursor("acct")); string(c) != "cur2" {
		t.Fatalf("cursor after nil = %q", c)
	}
	if c := must[[]byte](t)(e.s.Cursor("other")); c != nil {
		t.Fatalf("unknown account cursor = %q", c)
	}
}

func TestIngestSetsDefaultsAndDedupsWithinPage(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	a := fbComment("c1", "post1", "u1", now.Add(-time.Hour))
	a.Status = inbox.StatusClosed // a connector cannot choose the status
	a.ReceivedAt = now.Add(-48 * time.Hour)
	a.Tags = []string{" Jalan ", "jalan", "BANJIR"}
	b := a
	res, err := e.s.Ingest("acct", []inbox.Item{a, b}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 || res.Duplicates != 1 {
		t.Fatalf("result = %+v", res)
	}
	it := e.get(res.NewIDs[0])
	if it.Status != inbox.StatusNew || it.Priority != inbox.PriorityNormal || !it.ReceivedAt.Equal(now) ||
		strings.Join(it.Tags, ",") != "jalan,banjir" || it.Account != "acct" {
		t.Fatalf("stored item = %+v", it)
	}
}

func TestIngestValidates(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	bad := []struct {
		name  string
		edit  func(*inbox.Item)
		field string
	}{
		{"no external id", func(it *inbox.Item) { it.ExternalID = "" }, "items[0]"},
		{"bad channel", func(it *inbox.Item) { it.Channel = "myspace" }, "items[0]"},
		{"bad kind", func(it *inbox.Item) { it.Kind = "poke" }, "items[0]"},
		{"no created_at", func(it *inbox.Item) { it.CreatedAt = time.Time{} }, "items[0]"},
		{"other account", func(it *inbox.Item) { it.Account = "other" }, "items[0].account"},
		{"bad priority", func(it *inbox.Item) { it.Priority = "meh" }, "items[0].priority"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			it := fbComment("c1", "p", "u", now)
			tc.edit(&it)
			_, err := e.s.Ingest("acct", []inbox.Item{it}, nil, nil)
			wantValidation(t, err, tc.field)
		})
	}
	if n := len(must[ListPage](t)(e.s.List(Filter{})).Items); n != 0 {
		t.Fatalf("a refused page stored %d items", n)
	}
}

func TestIDsIncreaseAcrossReopenAndClockSteps(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	a := e.ingest(fbComment("a", "p", "u", now))
	e.clock.Advance(-time.Hour) // the clock steps back
	e.reopen()
	b := e.ingest(fbComment("b", "p", "u", now))
	if b[0] <= a[0] {
		t.Fatalf("id after clock step back %s ≤ earlier %s", b[0], a[0])
	}
	// received_at does not step back either, so id order stays received
	// order (which the oldest-waiting figure relies on).
	ra, rb := e.get(a[0]).ReceivedAt, e.get(b[0]).ReceivedAt
	if rb.Before(ra) {
		t.Fatalf("received_at stepped back: %v after %v", rb, ra)
	}
	if st := must[Stats](t)(e.s.Stats("")); st.OldestWaiting == nil || !st.OldestWaiting.Equal(ra) {
		t.Fatalf("oldest waiting = %v, want %v", st.OldestWaiting, ra)
	}
}

func TestExternalRepliesAnswerItemsOnce(t *testing.T) {
	e := newEnv(t)
	t0 := e.clock.Now().Add(-time.Hour)
	page := []inbox.Item{
		fbComment("c1", "post1", "alice", t0),
		fbComment("c2", "post1", "alice", t0.Add(time.Minute)),
		fbComment("c3", "post1", "bob", t0.Add(2*time.Minute)),
		fbComment("c4", "post1", "alice", t0.Add(30*time.Minute)), // after the answer
	}
	got := e.ingest(page...)
	e.clock.Advance(time.Minute)
	ext := []inbox.ExternalReply{{
		Channel: chFacebook, ExternalID: "r1", ParentExternalID: "c2",
		Text: "we fixed it", CreatedAt: t0.Add(10 * time.Minute),
	}}
	res, err := e.s.Ingest("acct", nil, ext, nil)
	if err != nil || res.ExternalApplied != 1 {
		t.Fatalf("external = %+v, %v", res, err)
	}
	wantStatus := []inbox.Status{inbox.StatusAnswered, inbox.StatusAnswered, inbox.StatusNew, inbox.StatusNew}
	for i, id := range got {
		if st := e.get(id).Status; st != wantStatus[i] {
			t.Errorf("item %d status %s, want %s", i, st, wantStatus[i])
		}
	}
	d := must[Detail](t)(e.s.Detail(got[1]))
	if len(d.Replies) != 1 || !d.Replies[0].External || d.Replies[0].State != inbox.ReplySent || d.Replies[0].ExternalID != "r1" {
		t.Fatalf("replies = %+v", d.Replies)
	}
	if d.Item.AnsweredAt == nil || !d.Item.AnsweredAt.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("answered_at = %v", d.Item.AnsweredAt)
	}
	if len(d.Thread) != 3 || d.Thread[0].ID != got[0] {
		t.Fatalf("thread = %v", ids(d.Thread))
	}
	if len(d.Audit) != 1 || d.Audit[0].Actor != actorPlatform || d.Audit[0].To != "answered" {
		t.Fatalf("audit = %+v", d.Audit)
	}

	// The same external reply again: nothing written.
	before := lastTxID(t, e.s)
	res, err = e.s.Ingest("acct", nil, ext, nil)
	if err != nil || res.ExternalApplied != 0 || lastTxID(t, e.s) != before {
		t.Fatalf("repeat external = %+v, %v", res, err)
	}

	// A thread-only external reply answers the latest item written before it.
	ext2 := []inbox.ExternalReply{{Channel: chFacebook, ExternalID: "r2", ThreadID: "post1", CreatedAt: t0.Add(3 * time.Minute)}}
	if res, err = e.s.Ingest("acct", nil, ext2, nil); err != nil || res.ExternalApplied != 1 {
		t.Fatalf("thread external = %+v, %v", res, err)
	}
	if st := e.get(got[2]).Status; st != inbox.StatusAnswered {
		t.Fatalf("bob's item %s, want answered", st)
	}
	// One with no known target is skipped (and writes nothing).
	ext3 := []inbox.ExternalReply{{Channel: chFacebook, ExternalID: "r3", ParentExternalID: "nope"}}
	if res, err = e.s.Ingest("acct", nil, ext3, nil); err != nil || res.ExternalApplied != 0 {
		t.Fatalf("orphan external = %+v, %v", res, err)
	}

	// A reply inboxd sent, seen later on the platform, is not counted twice.
	r, _, err := e.s.EnqueueReply(got[3], NewReply{Text: "on it", Author: "op"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := e.s.ClaimNext("acct"); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if _, err := e.s.MarkSent(r.ID, "sent-1"); err != nil {
		t.Fatal(err)
	}
	ext4 := []inbox.ExternalReply{{Channel: chFacebook, ExternalID: "sent-1", ParentExternalID: "c4"}}
	if res, err = e.s.Ingest("acct", nil, ext4, nil); err != nil || res.ExternalApplied != 0 {
		t.Fatalf("own reply seen as external = %+v, %v", res, err)
	}
	if n := len(must[Detail](t)(e.s.Detail(got[3])).Replies); n != 1 {
		t.Fatalf("item has %d replies, want 1", n)
	}
	st := must[Stats](t)(e.s.Stats(""))
	if st.Replies[inbox.ReplySent] != 3 {
		t.Fatalf("sent replies = %d, want 3", st.Replies[inbox.ReplySent])
	}
}

// model filter for comparing List against a brute-force answer.
func modelList(all []inbox.Item, f Filter) []string {
	var out []string
	for i := range all {
		it := &all[i]
		if matches(&f, it) && (f.Query == "" || modelQuery(f.Query, it.Text, it.Author.Name, it.Author.Handle, it.Ticket)) {
			out = append(out, it.ID)
		}
	}
	slices.Sort(out)
	if f.Order != OldestFirst {
		slices.Reverse(out)
	}
	return out
}

func pageAll(t *testing.T, s *Store, f Filter) []string {
	t.Helper()
	var out []string
	for range 10_000 {
		p, err := s.ListRaw(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range p.Raw {
			// ids are the first field of the stored JSON
			out = append(out, string(raw[7:33]))
		}
		if p.NextCursor == "" {
			return out
		}
		f.Cursor = p.NextCursor
	}
	t.Fatal("pagination does not end")
	return nil
}

func TestListMatchesBruteForceForEveryFilter(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	units := []string{"", "dinkes", "dishub", "pupr"}
	statuses := []inbox.Status{inbox.StatusOpen, inbox.StatusClosed, inbox.StatusIgnored, inbox.StatusAnswered}
	var page []inbox.Item
	for i := range 120 {
		it := item(testChannels[i%2], []inbox.Kind{inbox.KindComment, inbox.KindMention, inbox.KindMessage}[i%3], extID(i), fmt.Sprintf("t%d", i%7), fmt.Sprintf("u%d", i%5), now.Add(time.Duration(i)*time.Second))
		if it.Channel == chTwitter && it.Kind == inbox.KindComment {
			it.Kind = inbox.KindMention
		}
		if i%11 == 0 {
			it.Text = "Jalan RUSAK di desa " + fmt.Sprint(i)
		}
		page = append(page, it)
	}
	idl := e.ingest(page...)
	for i, id := range idl {
		ch := Change{Unit: ptr(units[i%4])}
		if i%3 != 0 {
			ch.Status = ptr(statuses[i%4])
		}
		if i%4 == 1 {
			ch.Assignee = ptr("budi")
		}
		if i%5 == 2 {
			ch.Tags = ptr([]string{"banjir", fmt.Sprintf("rt%d", i%3)})
		}
		if _, err := e.s.Update(id, "op", ch); err != nil {
			t.Fatal(err)
		}
	}
	var other []inbox.Item
	for i := range 6 {
		it := fbComment(fmt.Sprint("o", i), "t1", "u1", now)
		it.Account = "acct2"
		other = append(other, it)
	}
	oids := must[IngestResult](t)(e.s.Ingest("acct2", other, nil, nil)).NewIDs
	if _, err := e.s.Update(oids[0], "op", Change{Status: ptr(inbox.StatusClosed)}); err != nil {
		t.Fatal(err)
	}
	all := must[ListPage](t)(e.s.List(Filter{Limit: 200}))
	if len(all.Items) != 126 {
		t.Fatalf("%d items", len(all.Items))
	}
	waiting := []inbox.Status{inbox.StatusNew, inbox.StatusOpen}
	filters := []Filter{
		{},
		{Order: OldestFirst},
		{Statuses: waiting},
		{Statuses: waiting, Unit: "dinkes"},
		{Statuses: waiting, Unit: "-"},
		{Statuses: []inbox.Status{inbox.StatusClosed}, Unit: "pupr", Order: OldestFirst},
		{Unit: "dishub"},
		{Assignee: "budi"},
		{Assignee: "budi", Statuses: waiting},
		{Tag: "BANJIR"},
		{Tag: "rt1", Unit: "dinkes"},
		{Channel: chTwitter},
		{Kind: inbox.KindMessage, Channel: chFacebook},
		{Account: "acct", Statuses: []inbox.Status{inbox.StatusIgnored}},
		{Query: "jalan rusak"},
		{Query: "citizen u3", Statuses: waiting},
		{Query: "rusak", MaxScan: 7},
		{Account: "acct2", Statuses: waiting}, // the account is the shorter walk
		{Unit: "dishub", Channel: chTwitter, MaxScan: 3},
	}
	for _, f := range filters {
		for _, limit := range []int{1, 7, 50} {
			f := f
			f.Limit = limit
			want := modelList(all.Items, f)
			got := pageAll(t, e.s, f)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("filter %+v:\n got %v\nwant %v", f, got, want)
			}
		}
		// The decoded form agrees with the raw one.
		p := must[ListPage](t)(e.s.List(f))
		r := must[ListPage](t)(e.s.ListRaw(f))
		if len(p.Items) != len(r.Raw) || p.Raw != nil || r.Items != nil || p.NextCursor != r.NextCursor {
			t.Errorf("List and ListRaw disagree for %+v", f)
		}
	}
	if _, err := e.s.List(Filter{Cursor: "!!"}); !errors.Is(err, ErrInvalidCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
	_, err := e.s.List(Filter{Statuses: []inbox.Status{"pending"}})
	wantValidation(t, err, "status")
	// A bounded text search comes back short with a cursor to continue.
	p := must[ListPage](t)(e.s.List(Filter{Query: "no such words", MaxScan: 10}))
	if len(p.Items) != 0 || p.NextCursor == "" {
		t.Fatalf("bounded scan = %d items, cursor %q", len(p.Items), p.NextCursor)
	}
}

func TestPaginationStableUnderConcurrentIngest(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	var page []inbox.Item
	for i := range 200 {
		page = append(page, fbComment(extID(i), "p", "u", now))
	}
	before := e.ingest(page...)

	for _, order := range []Order{NewestFirst, OldestFirst} {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		var ingestErr error
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := e.s.Ingest("acct", []inbox.Item{fbComment(fmt.Sprintf("%s-new-%d", order, i), "p", "u", now)}, nil, nil); err != nil {
					ingestErr = err
					return
				}
			}
		}()
		var got []string
		f := Filter{Order: order, Limit: 9, Statuses: []inbox.Status{inbox.StatusNew}}
		for {
			p, err := e.s.List(f)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(p.Items)...)
			if p.NextCursor == "" || (order == OldestFirst && len(got) >= len(before)) {
				break
			}
			f.Cursor = p.NextCursor
		}
		close(stop)
		wg.Wait()
		if ingestErr != nil {
			t.Fatal(ingestErr)
		}
		seen := map[string]bool{}
		for i, id := range got {
			if seen[id] {
				t.Fatalf("%s: %s served twice", order, id)
			}
			seen[id] = true
			if i > 0 && (order == NewestFirst) != (got[i-1] > id) {
				t.Fatalf("%s: out of order at %d", order, i)
			}
		}
		for _, id := range before {
			if !seen[id] {
				t.Fatalf("%s: item %s present before paging began was skipped", order, id)
			}
		}
		if order == NewestFirst && len(got) != len(before) {
			// Newest-first pages walk back from the first page's top.
			t.Fatalf("%s: served %d items, want the %d stored before", order, len(got), len(before))
		}
	}
}

func TestStatusTransitionsAllPairs(t *testing.T) {
	// The workflow, written out independently of pkg/inbox.
	allowed := map[[2]inbox.Status]bool{
		{"new", "open"}: true, {"new", "answered"}: true, {"new", "closed"}: true, {"new", "ignored"}: true,
		{"open", "answered"}: true, {"open", "closed"}: true, {"open", "ignored"}: true,
		{"answered", "open"}: true, {"answered", "closed"}: true,
		{"closed", "open"}:  true,
		{"ignored", "open"}: true,
	}
	e := newEnv(t)
	n := 0
	for _, from := range inbox.Statuses {
		for _, to := range inbox.Statuses {
			n++
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				id := e.ingest(fbComment(fmt.Sprintf("t%d", n), "p", "u", e.clock.Now()))[0]
				if from != inbox.StatusNew {
					if _, err := e.s.Update(id, "setup", Change{Status: ptr(from)}); err != nil {
						t.Fatal(err)
					}
				}
				auditBefore := len(must[Detail](t)(e.s.Detail(id)).Audit)
				it, err := e.s.Update(id, "op", Change{Status: ptr(to)})
				switch {
				case from == to:
					if err != nil || it.Status != from {
						t.Fatalf("same status: %v %v", it.Status, err)
					}
				case allowed[[2]inbox.Status{from, to}]:
					if err != nil || it.Status != to || e.get(id).Status != to {
						t.Fatalf("allowed move refused: %v", err)
					}
					d := must[Detail](t)(e.s.Detail(id))
					last := d.Audit[len(d.Audit)-1]
					if len(d.Audit) != auditBefore+1 || last.Actor != "op" || last.Field != "status" || last.From != string(from) || last.To != string(to) {
						t.Fatalf("audit = %+v", d.Audit)
					}
				default:
					var te *inbox.TransitionError
					if !errors.As(err, &te) || te.From != from || te.To != to {
						t.Fatalf("refused move: err = %v, want *inbox.TransitionError", err)
					}
					if e.get(id).Status != from {
						t.Fatal("a refused move changed the item")
					}
				}
			})
		}
	}
	_, err := e.s.Update(e.ingest(fbComment("x", "p", "u", e.clock.Now()))[0], "op", Change{Status: ptr(inbox.Status("pending"))})
	wantValidation(t, err, "status")
}

func TestUpdateValidatesAuditsAndNotifies(t *testing.T) {
	e := newEnv(t)
	id := e.ingest(fbComment("c1", "p", "u", e.clock.Now()))[0]
	e.ev.take()
	cases := []struct {
		ch    Change
		field string
	}{
		{Change{Priority: ptr(inbox.Priority("asap"))}, "priority"},
		{Change{Tags: ptr([]string{"ok", "  "})}, "tags"},
		{Change{Tags: ptr([]string{strings.Repeat("x", MaxTagLen+1)})}, "tags"},
		{Change{Unit: ptr("-")}, "unit"},
		{Change{Unit: ptr(strings.Repeat("u", MaxNameLen+1))}, "unit"},
		{Change{Assignee: ptr("a\x00b")}, "assignee"},
	}
	for _, tc := range cases {
		_, err := e.s.Update(id, "op", tc.ch)
		wantValidation(t, err, tc.field)
	}
	many := make([]string, MaxTags+1)
	for i := range many {
		many[i] = fmt.Sprint("t", i)
	}
	_, err := e.s.Update(id, "op", Change{Tags: &many})
	wantValidation(t, err, "tags")
	if _, err := e.s.Update("01ARZ3NDEKTSV4RRFFQ69G5FAV", "op", Change{Priority: ptr(inbox.PriorityHigh)}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown item: %v", err)
	}
	if evs := e.ev.take(); len(evs) != 0 {
		t.Fatalf("refused updates emitted %v", evs)
	}

	e.clock.Advance(time.Minute)
	it, err := e.s.Update(id, "siti", Change{
		Status: ptr(inbox.StatusOpen), Assignee: ptr(" budi "), Unit: ptr("dinkes"),
		Tags: ptr([]string{"Banjir", "banjir ", "RT05"}), Priority: ptr(inbox.PriorityUrgent),
	})
	if err != nil {
		t.Fatal(err)
	}
	if it.Status != inbox.StatusOpen || it.Assignee != "budi" || it.Unit != "dinkes" || strings.Join(it.Tags, ",") != "banjir,rt05" || it.Priority != inbox.PriorityUrgent {
		t.Fatalf("updated = %+v", it)
	}
	evs := e.ev.take()
	if len(evs) != 1 || evs[0].Type != EventItemUpdated || evs[0].Unit != "dinkes" || evs[0].ItemID != id {
		t.Fatalf("events = %+v", evs)
	}
	n, err := e.s.AddNote(id, "siti", "  called the citizen  ")
	if err != nil || n.Text != "called the citizen" || n.Author != "siti" || n.ItemID != id {
		t.Fatalf("note = %+v, %v", n, err)
	}
	_, err = e.s.AddNote(id, "siti", " \n ")
	wantValidation(t, err, "text")
	d := must[Detail](t)(e.s.Detail(id))
	fields := []string{}
	for _, a := range d.Audit {
		if a.Actor != "siti" || !a.At.Equal(e.clock.Now()) {
			t.Fatalf("audit entry %+v", a)
		}
		fields = append(fields, a.Field+":"+a.From+"→"+a.To)
	}
	want := "status:new→open assignee:→budi unit:→dinkes tags:→banjir,rt05 priority:normal→urgent note:→" + n.ID
	if strings.Join(fields, " ") != want {
		t.Fatalf("audit = %v\nwant %v", fields, want)
	}
	if len(d.Notes) != 1 || d.Notes[0].ID != n.ID {
		t.Fatalf("notes = %+v", d.Notes)
	}
	// A no-op change writes nothing.
	before := lastTxID(t, e.s)
	if _, err := e.s.Update(id, "siti", Change{Unit: ptr("dinkes")}); err != nil || lastTxID(t, e.s) != before {
		t.Fatalf("no-op update wrote: %v", err)
	}
	// The unit filter sees the move.
	if got := pageAll(t, e.s, Filter{Unit: "dinkes", Statuses: []inbox.Status{inbox.StatusOpen}}); len(got) != 1 || got[0] != id {
		t.Fatalf("unit list = %v", got)
	}
}

func TestNotifyOrderMatchesCommitOrder(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if _, err := e.s.Ingest("acct", []inbox.Item{fbComment(fmt.Sprintf("g%d-%d", g, i), "p", "u", e.clock.Now())}, nil, nil); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	evs := e.ev.take()
	if len(evs) != 100 {
		t.Fatalf("%d events", len(evs))
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].ItemID <= evs[i-1].ItemID {
			t.Fatalf("event %d (%s) delivered after a later commit (%s)", i, evs[i].ItemID, evs[i-1].ItemID)
		}
	}
}

func TestDetailShowsTheNearestPartOfALongThread(t *testing.T) {
	e := newEnv(t)
	var page []inbox.Item
	for i := range 3 * MaxDetailThread {
		page = append(page, fbComment(extID(i), "viral", fmt.Sprint("u", i), e.clock.Now().Add(time.Duration(i)*time.Second)))
	}
	idl := e.ingest(page...)
	for _, tc := range []struct{ at, first int }{{0, 1}, {150, 100}, {299, 199}} {
		d := must[Detail](t)(e.s.Detail(idl[tc.at]))
		if len(d.Thread) != MaxDetailThread {
			t.Fatalf("item %d: thread of %d items, want %d", tc.at, len(d.Thread), MaxDetailThread)
		}
		if d.Thread[0].ID != idl[tc.first] {
			t.Fatalf("item %d: thread starts at %s, want item %d", tc.at, d.Thread[0].ExternalID, tc.first)
		}
		for _, o := range d.Thread {
			if o.ID == idl[tc.at] {
				t.Fatalf("item %d is in its own thread list", tc.at)
			}
		}
	}
}

// The item endpoint counts a Messenger reply window from the citizen's
// latest message in the thread, as Meta does; the list keeps each
// message's own (its connector set it at ingest).
func TestDetailMovesReplyWindowToLatestInbound(t *testing.T) {
	e := newEnv(t)
	t0 := e.clock.Now()
	msg := func(ext string, at time.Time) inbox.Item {
		it := item(chFacebook, inbox.KindMessage, ext, "t_1", "citizen", at)
		ends := at.Add(24 * time.Hour)
		it.ReplyWindowEndsAt = &ends
		return it
	}
	other := item(chFacebook, inbox.KindMessage, "m_other", "t_1", "someone-else", t0.Add(5*time.Hour))
	ids := e.ingest(msg("m_1", t0), msg("m_2", t0.Add(3*time.Hour)), other)
	d := must[Detail](t)(e.s.Detail(ids[0]))
	if want := t0.Add(27 * time.Hour); d.Item.ReplyWindowEndsAt == nil || !d.Item.ReplyWindowEndsAt.Equal(want) {
		t.Errorf("detail window = %v, want %v (24 h after the citizen's latest message, not another author's)", d.Item.ReplyWindowEndsAt, want)
	}
	if got := e.get(ids[0]).ReplyWindowEndsAt; got == nil || !got.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("stored window = %v, want the message's own", got)
	}
	if d := must[Detail](t)(e.s.Detail(ids[2])); d.Item.ReplyWindowEndsAt != nil {
		t.Errorf("an item without a window got one: %v", d.Item.ReplyWindowEndsAt)
	}
}
