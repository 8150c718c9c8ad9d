package twitter

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// serveFiles answers each path with a testdata file and records the queries.
func serveFiles(t *testing.T, files map[string]string) (*httptest.Server, func(path string) url.Values) {
	t.Helper()
	var mu sync.Mutex
	queries := map[string]url.Values{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		queries[r.URL.Path] = r.URL.Query()
		mu.Unlock()
		b, err := os.ReadFile("testdata/" + f)
		if err != nil {
			t.Errorf("testdata: %v", err)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, func(p string) url.Values {
		mu.Lock()
		defer mu.Unlock()
		return queries[p]
	}
}

func staticConnector(t *testing.T, api, apiURL string) *Connector {
	t.Helper()
	c, err := New(Config{
		Name: "humas", API: api, APIURL: apiURL, UserID: accountID,
		OAuth1: &OAuth1Config{ConsumerKey: "ck", ConsumerSecret: "cs", AccessToken: "at", AccessSecret: "as"},
	}, Options{Now: func() time.Time { return t0 }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	rinaID   = "1180450961029849088"
	jakalID  = "3130981450"
	rootID   = "1899011123442118656"
	replyID  = "1899016312894423041"
	dmInID   = "1899018840918048773"
	dmOutID  = "1899020570321911812"
	rinaConv = rinaID + "-" + accountID
)

func wantMentions(v1 bool) []inbox.Item {
	video := inbox.Attachment{Type: "video", URL: "https://pbs.twimg.com/ext_tw_video_thumb/1899016298151436288/pu/img/k3v9Qx1.jpg"}
	root := inbox.Item{
		Channel: Channel, Account: "humas", Kind: inbox.KindMention,
		ExternalID: rootID, ThreadID: rootID,
		Author:      inbox.Author{ID: jakalID, Name: "Warga Jakal", Handle: "warga_jkl"},
		Text:        "@humas_sleman Jalan Kaliurang km 9 berlubang, sudah 2 motor jatuh. Mohon segera diperbaiki 🙏 https://t.co/Xm3pQ7aLz1",
		Attachments: []inbox.Attachment{{Type: "image", URL: "https://pbs.twimg.com/media/GlqZ2xWaQAA8Hc1.jpg"}},
		Permalink:   "https://x.com/warga_jkl/status/" + rootID,
		CreatedAt:   time.Date(2026, 3, 10, 6, 52, 8, 0, time.UTC),
		Status:      inbox.StatusNew, Priority: inbox.PriorityNormal, Backfill: true,
	}
	reply := inbox.Item{
		Channel: Channel, Account: "humas", Kind: inbox.KindMention,
		ExternalID: replyID, ThreadID: rootID, ParentID: rootID,
		Author:      inbox.Author{ID: rinaID, Name: "Rina Kusuma", Handle: "rinakusuma_"},
		Text:        "@warga_jkl @humas_sleman Betul, lampu PJU di Jl. Godean km 5 juga mati > 1 minggu",
		Attachments: []inbox.Attachment{video},
		Permalink:   "https://x.com/rinakusuma_/status/" + replyID,
		CreatedAt:   time.Date(2026, 3, 10, 7, 12, 45, 0, time.UTC),
		Status:      inbox.StatusNew, Priority: inbox.PriorityNormal, Backfill: true,
	}
	if v1 {
		reply.Attachments = nil // this v1.1 sample carries no media on the reply
	}
	return []inbox.Item{root, reply}
}

func wantDMs(v1 bool) ([]inbox.Item, []inbox.ExternalReply) {
	in := inbox.Item{
		Channel: Channel, Account: "humas", Kind: inbox.KindMessage,
		ExternalID: dmInID, ThreadID: rinaConv,
		Author:      inbox.Author{ID: rinaID, Name: "Rina Kusuma", Handle: "rinakusuma_"},
		Text:        "Selamat pagi, Puskesmas Mlati tutup padahal jadwal buka. Ini fotonya",
		Attachments: []inbox.Attachment{{Type: "image", URL: "https://pbs.twimg.com/dm_img/1899018826493120512/aZ81QpLx.jpg"}},
		Permalink:   "https://x.com/messages/" + rinaConv,
		CreatedAt:   time.Date(2026, 3, 10, 7, 24, 27, 0, time.UTC),
		Status:      inbox.StatusNew, Priority: inbox.PriorityNormal, Backfill: true,
	}
	if v1 { // v1.1 events name only the sender id, and DM media live on ton.twitter.com
		in.Author = inbox.Author{ID: rinaID}
		in.Attachments = []inbox.Attachment{{Type: "image", URL: "https://ton.twitter.com/1.1/ton/data/dm/1899018840918048773/1899018826493120512/aZ81QpLx.jpg"}}
	}
	out := inbox.ExternalReply{
		Channel: Channel, Account: "humas", ExternalID: dmOutID, ThreadID: rinaConv,
		Text: "Baik Bu, laporan Anda kami teruskan ke Dinas Kesehatan.", CreatedAt: time.Date(2026, 3, 10, 7, 31, 20, 0, time.UTC),
	}
	return []inbox.Item{in}, []inbox.ExternalReply{out}
}

func TestNormaliseV2Testdata(t *testing.T) {
	srv, query := serveFiles(t, map[string]string{
		"/2/users/" + accountID + "/mentions": "v2_mentions.json",
		"/2/dm_events":                        "v2_dm_events.json",
	})
	c := staticConnector(t, APIv2, srv.URL)
	p, err := c.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	items, external := wantDMs(false)
	checkPage(t, p, append(wantMentions(false), items...), external)

	q := query("/2/users/" + accountID + "/mentions")
	for k, v := range map[string]string{
		"max_results": "100", "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,attachments",
		"expansions": "author_id,attachments.media_keys", "user.fields": "username,name", "media.fields": "url,preview_image_url,type",
	} {
		if q.Get(k) != v {
			t.Errorf("mentions %s = %q, want %q", k, q.Get(k), v)
		}
	}
	q = query("/2/dm_events")
	if q.Get("event_types") != "MessageCreate" || q.Get("dm_event.fields") != "id,text,created_at,sender_id,dm_conversation_id,attachments" ||
		q.Get("expansions") != "sender_id,attachments.media_keys" {
		t.Errorf("dm_events query = %v", q)
	}
	// 2 posts + 2 users + 2 media, 2 events + 2 users + 1 medium.
	if u := c.Usage(); u.ReadsToday != 11 {
		t.Errorf("reads = %d, want 11", u.ReadsToday)
	}
}

func TestNormaliseV1Testdata(t *testing.T) {
	srv, query := serveFiles(t, map[string]string{
		"/1.1/statuses/mentions_timeline.json":  "v1_mentions_timeline.json",
		"/1.1/direct_messages/events/list.json": "v1_dm_events_list.json",
	})
	c := staticConnector(t, APIv11, srv.URL)
	c.cfg.Sources = []string{SourceDirectMessages}
	p, err := c.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	items, external := wantDMs(true)
	checkPage(t, p, items, external)

	// Mentions: the static file never runs empty, so read one page directly.
	pg, err := c.api.mentions(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if q := query("/1.1/statuses/mentions_timeline.json"); q.Get("count") != "200" || q.Get("tweet_mode") != "extended" {
		t.Errorf("mentions_timeline query = %v", q)
	}
	want := wantMentions(true)
	for i, p := range []post{pg.Posts[1], pg.Posts[0]} {
		got := c.mentionItem(p, true)
		if want[i].ExternalID == replyID {
			want[i].ThreadID = rootID // v1.1: threaded under the replied-to post
		}
		if !equalItem(got, want[i]) {
			t.Errorf("v1.1 mention %d:\n got %+v\nwant %+v", i, got, want[i])
		}
	}
	if pg.NewestID != replyID || pg.Next != "1899011123442118655" {
		t.Errorf("page newest %q next %q", pg.NewestID, pg.Next)
	}
}

func TestPartialErrorsKeepData(t *testing.T) {
	srv, _ := serveFiles(t, map[string]string{"/2/users/" + accountID + "/mentions": "v2_mentions_partial_errors.json"})
	c := staticConnector(t, APIv2, srv.URL)
	c.cfg.Sources = []string{SourceMentions}
	p, err := c.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 || p.Items[0].ExternalID != "1899030011223344556" || p.Items[0].Author.Handle != "warga_jkl" {
		t.Fatalf("items = %+v", p.Items)
	}
	if c := decoded(t, p.Cursor); c.Mentions.SinceID != "1899030011223344556" {
		t.Fatalf("since_id = %q", c.Mentions.SinceID)
	}
}

func checkPage(t *testing.T, p connectors.Page, items []inbox.Item, external []inbox.ExternalReply) {
	t.Helper()
	if len(p.Items) != len(items) {
		t.Fatalf("got %d items, want %d: %+v", len(p.Items), len(items), p.Items)
	}
	for i := range items {
		if !equalItem(p.Items[i], items[i]) {
			t.Errorf("item %d:\n got %+v\nwant %+v", i, p.Items[i], items[i])
		}
	}
	if len(p.External) != len(external) {
		t.Fatalf("got %d external, want %d", len(p.External), len(external))
	}
	for i := range external {
		if p.External[i] != external[i] {
			t.Errorf("external %d:\n got %+v\nwant %+v", i, p.External[i], external[i])
		}
	}
}

func TestErrorsOnlyInA200IsAFailure(t *testing.T) {
	srv, _ := serveFiles(t, map[string]string{"/2/users/" + accountID + "/mentions": "v2_user_not_found.json"})
	c := staticConnector(t, APIv2, srv.URL)
	_, err := c.Poll(context.Background(), nil)
	if ce := classified(t, err); ce.Class != connectors.NotFound || !strings.Contains(ce.Message, "Could not find user") {
		t.Fatalf("got %v, want not_found", err)
	}
}

func TestBadCursorIsPermanent(t *testing.T) {
	c := staticConnector(t, APIv2, "http://127.0.0.1:1")
	for _, raw := range []string{"{", `{"v":99}`} {
		_, err := c.Poll(context.Background(), []byte(raw))
		if ce := classified(t, err); ce.Class != connectors.Permanent {
			t.Fatalf("cursor %q: %v", raw, err)
		}
	}
	if c.Name() != "humas" {
		t.Fatalf("Name = %q", c.Name())
	}
}
