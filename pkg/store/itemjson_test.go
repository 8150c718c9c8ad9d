package store

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// The hand-written encoder must follow inbox.Item: a new field fails here
// until appendItemJSON learns it.
func TestItemJSONKnowsEveryField(t *testing.T) {
	want := "id channel account kind external_id thread_id parent_id author text attachments permalink created_at received_at status assignee unit tags priority backfill answered_at ticket external_ref first_response_due_at resolution_due_at first_response_at overdue reply_window_ends_at"
	var got []string
	typ := reflect.TypeFor[inbox.Item]()
	for i := range typ.NumField() {
		if name := strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]; name != "-" { // "-": never serialised (RoutedBy)
			got = append(got, name)
		}
	}
	if strings.Join(got, " ") != want {
		t.Fatalf("inbox.Item fields changed:\n got %s\nwant %s\nupdate appendItemJSON", strings.Join(got, " "), want)
	}
	if n := reflect.TypeFor[inbox.Author]().NumField(); n != 3 {
		t.Fatalf("inbox.Author has %d fields; update appendItemJSON", n)
	}
	if n := reflect.TypeFor[inbox.Attachment]().NumField(); n != 2 {
		t.Fatalf("inbox.Attachment has %d fields; update appendItemJSON", n)
	}
}

func randomText(rng *rand.Rand) string {
	pieces := []string{"", "a", "Jalan", " ", "\"", "\\", "<b>", "&amp;", "\n", "\t", "\r", "\b", "\f", "\x00", "\x1f", "\x7f",
		"é", "日本", "🙂", "\u2028", "\u2029", "\xff", "\xe2\x82", "ok\xc3", "'", "/", "\u00a0", "\ufffd"}
	var sb strings.Builder
	for range rng.IntN(8) {
		sb.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return sb.String()
}

func TestItemJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	jkt := time.FixedZone("WIB", 7*3600)
	for i := range 5000 {
		s := func() string { return randomText(rng) }
		it := inbox.Item{
			ID: s(), Channel: inbox.Channel(s()), Account: s(), Kind: inbox.Kind(s()), ExternalID: s(),
			ThreadID: s(), ParentID: s(), Author: inbox.Author{ID: s(), Name: s(), Handle: s()}, Text: s(),
			Permalink: s(), Status: inbox.Status(s()), Assignee: s(), Unit: s(), Priority: inbox.Priority(s()),
			Backfill: rng.IntN(2) == 0, Ticket: s(), ExternalRef: s(),
			CreatedAt: time.Unix(rng.Int64N(1<<34), rng.Int64N(1e9)).UTC(),
		}
		it.ReceivedAt = it.CreatedAt.Add(time.Duration(rng.Int64N(1e12)))
		if i%3 == 0 {
			it.ReceivedAt = it.ReceivedAt.In(jkt)
		}
		if i%4 == 0 {
			it.CreatedAt = it.CreatedAt.Truncate(time.Second)
		}
		for range rng.IntN(3) {
			it.Attachments = append(it.Attachments, inbox.Attachment{Type: s(), URL: s()})
		}
		if i%5 == 0 {
			it.Attachments = []inbox.Attachment{} // empty, not nil: omitted too
		}
		for range rng.IntN(3) {
			it.Tags = append(it.Tags, s())
		}
		if rng.IntN(2) == 0 {
			a := it.ReceivedAt.Add(time.Minute)
			it.AnsweredAt = &a
		}
		if rng.IntN(2) == 0 {
			fr, res := it.CreatedAt.Add(time.Hour).In(jkt), it.CreatedAt.Add(48*time.Hour)
			it.FirstResponseDueAt, it.ResolutionDueAt = &fr, &res
			it.Overdue = s()
		}
		if rng.IntN(3) == 0 {
			a := it.ReceivedAt.Add(2 * time.Minute)
			it.FirstResponseAt = &a
		}
		if rng.IntN(2) == 0 {
			w := it.CreatedAt.Add(24 * time.Hour)
			it.ReplyWindowEndsAt = &w
		}
		want, err := json.Marshal(&it)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalItem(&it)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("item %d:\n got %s\nwant %s", i, got, want)
		}
	}
	// Out-of-range years take encoding/json's path and its error.
	bad := inbox.Item{CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := marshalItem(&bad); err == nil {
		t.Fatal("year 10000 encoded")
	}
}
