package instagram

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

func ids[T any](xs []T, id func(T) string) []string {
	var out []string
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func itemIDs(p connectors.Page) []string {
	return ids(p.Items, func(it inbox.Item) string { return it.ExternalID })
}

// Comments and replies on the account's recent media arrive once, oldest
// first; the account's own reply is an external reply; media older than
// media_max_age are not read; the media's further comments page is read
// down to the watermark.
func TestPollComments(t *testing.T) {
	f := newFake(t)
	f.on("GET "+testIGUser+"/media", 200, fixture(t, "media_comments.json"))
	f.on("GET 17895695668004550/comments", 200, fixture(t, "media_comments_page2.json"))
	c := newConn(t, f)

	p, err := c.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The look-back is 72 h: the comment of 2026-11-20 is older; the
	// old media's comment is not read (media_max_age 30 days).
	want := []string{"17870913679156700", "17870913679156800", "17870913679156914", "17873440459141021"}
	if got := itemIDs(p); !slices.Equal(got, want) {
		t.Fatalf("items %v, want %v", got, want)
	}
	it := p.Items[2]
	if it.Channel != Channel || it.Account != "pemkab-ig" || it.Kind != inbox.KindComment || it.ThreadID != "17895695668004550" ||
		it.Author != (inbox.Author{ID: "5551234567890123", Name: "warga.kotabaru"}) || it.Permalink != "https://www.instagram.com/p/DKx1aBcDeFg/" ||
		!it.CreatedAt.Equal(time.Date(2026, 12, 2, 8, 10, 2, 0, time.UTC)) || !it.Backfill || it.ParentID != "" {
		t.Errorf("comment = %+v", it)
	}
	if r := p.Items[3]; r.ParentID != "17870913679156914" || r.Author.Name != "ibu_sari" {
		t.Errorf("reply = %+v", r)
	}
	if len(p.External) != 1 || p.External[0].ExternalID != "17873440459141099" || p.External[0].ParentExternalID != "17870913679156914" {
		t.Errorf("external = %+v", p.External)
	}
	if p.More {
		t.Error("More after a finished walk")
	}
	for _, r := range f.got() {
		if strings.Contains(r.RawQuery, testToken) || strings.Contains(r.RawQuery, "access_token") {
			t.Errorf("token in a URL: %s?%s", r.Path, r.RawQuery)
		}
	}
	if strings.Contains(string(p.Cursor), testToken) || strings.Contains(string(p.Cursor), "access_token") {
		t.Errorf("token in the cursor: %s", p.Cursor)
	}

	// Nothing new: nothing returned.
	p2, err := c.Poll(context.Background(), p.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Items)+len(p2.External) != 0 {
		t.Fatalf("second poll returned %v %+v", itemIDs(p2), p2.External)
	}

	// A new comment arrives: it alone is returned, not a backfill.
	f.reset("GET " + testIGUser + "/media")
	f.on("GET "+testIGUser+"/media", 200, strings.Replace(fixture(t, "media_comments.json"), `"data": [
          {
            "id": "17870913679156914"`, `"data": [
          {
            "id": "17870913679159999",
            "text": "Jalan berlubang di depan SD 3",
            "timestamp": "2026-12-02T08:55:00+0000",
            "from": {"id": "5552223334445556", "username": "pak.rt"}
          },
          {
            "id": "17870913679156914"`, 1))
	p3, err := c.Poll(context.Background(), p2.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if got := itemIDs(p3); !slices.Equal(got, []string{"17870913679159999"}) || p3.Items[0].Backfill {
		t.Fatalf("third poll items %v %+v", got, p3.Items)
	}
}

// max_pages_per_poll bounds a walk; the rest follows on the next poll
// (More), from the cursor, without repeating anything.
func TestPollPagesAcrossPolls(t *testing.T) {
	f := newFake(t)
	f.on("GET "+testIGUser+"/media", 200, fixture(t, "media_comments.json"))
	f.on("GET 17895695668004550/comments", 200, fixture(t, "media_comments_page2.json"))
	c := newConn(t, f, func(cfg *Config) { cfg.MaxPagesPerPoll = 1 })
	p, err := c.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !p.More || len(p.Items) != 3 {
		t.Fatalf("first page: more=%v items %v", p.More, itemIDs(p))
	}
	p2, err := c.Poll(context.Background(), p.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if got := itemIDs(p2); p2.More || !slices.Equal(got, []string{"17870913679156700"}) {
		t.Fatalf("second page: more=%v items %v", p2.More, got)
	}
	last := f.got()[len(f.got())-1]
	if last.Path != "/v25.0/17895695668004550/comments" || !strings.Contains(last.RawQuery, "after=QVFIUkx1WTBpMGpJWXprYzVYaVhabEJ") {
		t.Errorf("resumed request %+v", last)
	}
}

// A record Graph sends in the wrong shape is quarantined and the rest of
// the page is used.
func TestPollRejectsABadRecord(t *testing.T) {
	f := newFake(t)
	f.on("GET "+testIGUser+"/media", 200, `{"data":[{"id":"1789","timestamp":"2026-12-02T08:00:00+0000","comments":{"data":[
		{"id":"1","text":"ok","timestamp":"2026-12-02T08:01:00+0000","from":{"id":"55","username":"a"}},
		{"id":"2","text":"no time","from":{"id":"56","username":"b"}},
		{"id":"3","text":{"oops":true},"timestamp":"2026-12-02T08:02:00+0000"}]}}]}`)
	c := newConn(t, f)
	p, err := c.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rej := ids(p.Rejected, func(r connectors.Rejected) string { return r.ExternalID })
	if got := itemIDs(p); !slices.Equal(got, []string{"1"}) || !slices.Equal(rej, []string{"3", "2"}) || p.Rejected[0].Source != SourceComments {
		t.Fatalf("items %v rejected %v %+v", got, rej, p.Rejected)
	}
}

// DMs come through the Conversations API with platform=instagram; the
// account's own message is an external reply answering the citizen's.
func TestPollMessages(t *testing.T) {
	f := newFake(t)
	f.on("GET "+testPageID+"/conversations", 200, fixture(t, "conversations.json"))
	c := newConn(t, f, func(cfg *Config) { cfg.Sources = []string{SourceMessages} })
	p, err := c.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 || len(p.External) != 1 {
		t.Fatalf("items %v external %+v", itemIDs(p), p.External)
	}
	it := p.Items[0]
	wantEnd := time.Date(2026, 12, 3, 8, 35, 0, 0, time.UTC)
	if it.Kind != inbox.KindMessage || it.ExternalID != "aWdGGiblWZ_m1" || it.Author != (inbox.Author{ID: "5551234567890123", Name: "warga.kotabaru"}) ||
		it.ReplyWindowEndsAt == nil || !it.ReplyWindowEndsAt.Equal(wantEnd) || !strings.HasPrefix(it.ThreadID, "aWdfZAG06") {
		t.Errorf("message = %+v", it)
	}
	if x := p.External[0]; x.ExternalID != "aWdGGiblWZ_m2" || x.ParentExternalID != "aWdGGiblWZ_m1" {
		t.Errorf("external = %+v", x)
	}
	q := f.got()[0].RawQuery
	if !strings.Contains(q, "platform=instagram") {
		t.Errorf("conversations query %s", q)
	}
	p2, err := c.Poll(context.Background(), p.Cursor)
	if err != nil || len(p2.Items)+len(p2.External) != 0 {
		t.Fatalf("second poll: %v %v", itemIDs(p2), err)
	}
}

// A platform error fails the poll with its class and moves nothing.
func TestPollErrorKeepsCursor(t *testing.T) {
	f := newFake(t)
	f.on("GET "+testIGUser+"/media", 400, `{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"is_transient":true,"fbtrace_id":"Ab"}}`)
	c := newConn(t, f)
	_, err := c.Poll(context.Background(), nil)
	if connectors.ClassOf(err) != connectors.RateLimited {
		t.Fatalf("err = %v", err)
	}
}
