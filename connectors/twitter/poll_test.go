package twitter

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
)

// apis runs a test against both API versions (and v2 with OAuth 2.0).
var apis = []struct {
	name                 string
	opts                 []envOpt
	mentions, dms        xapi.Endpoint
	createPost, createDM xapi.Endpoint
	pageSize             int
}{
	{"v2", nil, xapi.Mentions, xapi.DMEvents, xapi.CreateTweet, xapi.SendDM, 100},
	{"v2-oauth2", []envOpt{withOAuth2}, xapi.Mentions, xapi.DMEvents, xapi.CreateTweet, xapi.SendDM, 100},
	{"v1.1", []envOpt{withV1}, xapi.V1Mentions, xapi.V1DMList, xapi.V1Update, xapi.V1DMNew, 200},
}

func decoded(t *testing.T, raw []byte) cursor {
	t.Helper()
	c, err := decodeCursor(raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPollMentionsPagesThenAdvancesSinceID(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			e := newEnv(t, append(api.opts, func(c *Config, _ *xapi.Options) { c.MaxPagesPerPoll = 1; c.Sources = []string{SourceMentions} })...)
			const n = 250
			var want []string
			for i := range n {
				m := e.fake.AddMention(xapi.Mention{AuthorID: budiID, Text: fmt.Sprintf("laporan %d", i), At: t0.Add(-time.Duration(n-i) * time.Minute)})
				want = append(want, m.ID)
			}
			newest := want[n-1]

			// First page: a walk starts, since_id is not advanced yet.
			p1 := e.poll()
			if !slices.IsSortedFunc(p1.Items, func(a, b inbox.Item) int { return a.CreatedAt.Compare(b.CreatedAt) }) {
				t.Fatal("page items are not oldest first")
			}
			if !p1.More || len(p1.Items) != api.pageSize {
				t.Fatalf("first page: %d items, More=%v; want %d, true", len(p1.Items), p1.More, api.pageSize)
			}
			c := decoded(t, e.cursor)
			if c.Mentions.SinceID != "" || c.Mentions.Walk.Target != newest || c.Mentions.Walk.Token == "" {
				t.Fatalf("cursor after page 1 = %+v; want no since_id, walk target %s and a token", c.Mentions, newest)
			}
			afterPage1 := e.cursor

			// A mention arriving mid-walk is not part of this walk.
			late := e.fake.AddMention(xapi.Mention{AuthorID: sitiID, Text: "susulan"})

			for c.Mentions.Walk.Token != "" {
				if c.Mentions.SinceID != "" {
					t.Fatalf("since_id advanced to %s before the walk ended", c.Mentions.SinceID)
				}
				e.poll()
				c = decoded(t, e.cursor)
			}
			if c.Mentions.SinceID != newest {
				t.Fatalf("since_id after the walk = %q, want the first page's newest %s", c.Mentions.SinceID, newest)
			}
			// Replaying from the cursor of page 1 (a crash before the next
			// commit) resumes the walk instead of starting over.
			e2 := *e
			e2.cursor = afterPage1
			p2 := e2.poll()
			if len(p2.Items) == 0 || slices.Contains(ids(p2.Items, func(it inbox.Item) string { return it.ExternalID }), newest) {
				t.Fatalf("resumed walk returned %d items (first page again?)", len(p2.Items))
			}

			// The whole walk, collected again from scratch, is every mention once, oldest first, backfill.
			e3 := newEnvLike(t, e, api.opts)
			all := e3.drain()
			// Each page is oldest first; the walk itself goes newest first.
			got := ids(all.Items, func(it inbox.Item) string { return it.ExternalID })
			slices.SortFunc(got, compareID)
			if want := append(slices.Clone(want), late.ID); !slices.Equal(got, want) {
				t.Fatalf("walk returned %d items, want the %d mentions oldest first", len(got), len(want))
			}
			for _, it := range all.Items {
				if !it.Backfill {
					t.Fatalf("item %s of the first walk is not marked backfill", it.ExternalID)
				}
			}

			// The next poll picks up the late mention, no longer backfill.
			p := e.poll()
			if len(p.Items) != 1 || p.Items[0].ExternalID != late.ID || p.Items[0].Backfill {
				t.Fatalf("after the walk: %+v; want the late mention only, not backfill", p.Items)
			}
		})
	}
}

// newEnvLike is a second connector (fresh cursor) on the same fake.
func newEnvLike(t *testing.T, e *env, _ []envOpt) *env {
	e2 := *e
	e2.cursor = nil
	e2.conn = e.newConnector(e.cfg)
	return &e2
}

func TestPollNormalisesMentions(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			e := newEnv(t, api.opts...)
			root := e.fake.AddMention(xapi.Mention{AuthorID: budiID, Text: "@humas_sleman jalan Kaliurang km 7 berlubang & bahaya",
				Media: []xapi.Media{{Type: "photo", URL: "https://pbs.twimg.com/media/FjX1.jpg"}}, At: t0.Add(-time.Hour)})
			reply := e.fake.AddMention(xapi.Mention{AuthorID: sitiID, Text: "@budi_s @humas_sleman betul, sudah 2 minggu", InReplyTo: root.ID, At: t0.Add(-30 * time.Minute)})
			p := e.poll()
			if len(p.Items) != 2 {
				t.Fatalf("got %d items, want 2", len(p.Items))
			}
			r, c := p.Items[0], p.Items[1]
			want := inbox.Item{
				Channel: Channel, Account: "humas", Kind: inbox.KindMention,
				ExternalID: root.ID, ThreadID: root.ID,
				Author:      inbox.Author{ID: budiID, Name: "Budi Santoso", Handle: "budi_s"},
				Text:        "@humas_sleman jalan Kaliurang km 7 berlubang & bahaya",
				Attachments: []inbox.Attachment{{Type: "image", URL: "https://pbs.twimg.com/media/FjX1.jpg"}},
				Permalink:   "https://x.com/budi_s/status/" + root.ID,
				CreatedAt:   t0.Add(-time.Hour), Status: inbox.StatusNew, Priority: inbox.PriorityNormal, Backfill: true,
			}
			if !equalItem(r, want) {
				t.Errorf("root mention:\n got %+v\nwant %+v", r, want)
			}
			if c.ExternalID != reply.ID || c.ParentID != root.ID || c.ThreadID != root.ID ||
				c.Author != (inbox.Author{ID: sitiID, Name: "Siti Aminah", Handle: "siti_a"}) ||
				c.Permalink != "https://x.com/siti_a/status/"+reply.ID || !c.CreatedAt.Equal(t0.Add(-30*time.Minute)) {
				t.Errorf("reply mention = %+v", c)
			}
		})
	}
}

func equalItem(a, b inbox.Item) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestPollDMsStopAtLastSeenEvent(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			e := newEnv(t, append(api.opts, func(c *Config, _ *xapi.Options) { c.Sources = []string{SourceDirectMessages} })...)
			for i := range 3 {
				e.fake.AddDM(xapi.DM{SenderID: budiID, Text: fmt.Sprintf("pesan %d", i), At: t0.Add(time.Duration(i-10) * time.Minute)})
			}
			own := e.fake.AddDM(xapi.DM{SenderID: accountID, RecipientID: budiID, Text: "Terima kasih, kami teruskan ke DPUPKP.", At: t0.Add(-5 * time.Minute)})

			p := e.poll()
			if len(p.Items) != 3 || len(p.External) != 1 {
				t.Fatalf("first poll: %d items, %d external; want 3 and 1", len(p.Items), len(p.External))
			}
			for _, it := range p.Items {
				if it.Kind != inbox.KindMessage || it.ThreadID != xapi.ConversationID(accountID, budiID) || it.Author.ID != budiID || !it.Backfill {
					t.Fatalf("DM item = %+v", it)
				}
			}
			if x := p.External[0]; x.ExternalID != own.ID || x.ThreadID != xapi.ConversationID(accountID, budiID) || x.Text != own.Text {
				t.Fatalf("own DM = %+v", x)
			}

			// Quiet poll: one request, nothing new.
			e.fake.ResetRequests()
			if p := e.poll(); len(p.Items)+len(p.External) != 0 || p.More {
				t.Fatalf("quiet poll brought %+v", p)
			}
			if n := e.fake.Requests(api.dms); n != 1 {
				t.Fatalf("quiet poll made %d DM requests, want 1", n)
			}

			// Two new DMs: read until the last seen event, no further.
			a := e.fake.AddDM(xapi.DM{SenderID: sitiID, Text: "Mohon info jadwal vaksin", At: t0.Add(time.Minute)})
			b := e.fake.AddDM(xapi.DM{SenderID: budiID, Text: "Sudah diperbaiki?", At: t0.Add(2 * time.Minute)})
			e.fake.ResetRequests()
			p = e.poll()
			if got := ids(p.Items, func(it inbox.Item) string { return it.ExternalID }); !slices.Equal(got, []string{a.ID, b.ID}) {
				t.Fatalf("new DMs = %v, want [%s %s] oldest first", got, a.ID, b.ID)
			}
			if p.Items[0].Backfill || p.Items[0].ThreadID != xapi.ConversationID(accountID, sitiID) {
				t.Fatalf("new DM = %+v", p.Items[0])
			}
			if n := e.fake.Requests(api.dms); n != 2 {
				t.Fatalf("made %d DM requests for 2 new events, want 2 (1 then 10)", n)
			}

			// The last seen event is deleted: stop at events older than its time.
			e.fake.DeleteDM(b.ID)
			c := e.fake.AddDM(xapi.DM{SenderID: sitiID, Text: "Halo?", At: t0.Add(3 * time.Minute)})
			p = e.poll()
			if got := ids(p.Items, func(it inbox.Item) string { return it.ExternalID }); !slices.Equal(got, []string{c.ID}) {
				t.Fatalf("after deleting the watermark event: %v, want [%s]", got, c.ID)
			}
			if p := e.poll(); len(p.Items) != 0 {
				t.Fatalf("re-poll brought %d items", len(p.Items))
			}
		})
	}
}

func TestPollSameSecondDMsAtBoundary(t *testing.T) {
	e := newEnv(t, func(c *Config, _ *xapi.Options) { c.Sources = []string{SourceDirectMessages} })
	at := t0.Add(-time.Minute)
	first := e.fake.AddDM(xapi.DM{SenderID: budiID, Text: "satu", At: at})
	e.poll()
	// Same millisecond as the watermark, but a new event.
	second := e.fake.AddDM(xapi.DM{SenderID: sitiID, Text: "dua", At: at})
	e.fake.DeleteDM(first.ID) // and the watermark event is gone
	p := e.poll()
	if len(p.Items) != 1 || p.Items[0].ExternalID != second.ID {
		t.Fatalf("got %+v, want the second same-second DM", p.Items)
	}
	if p := e.poll(); len(p.Items) != 0 {
		t.Fatalf("boundary event repeated: %+v", p.Items)
	}
}

func TestQuietPollIsOneRequestPerSource(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			e := newEnv(t, api.opts...)
			e.fake.AddMention(xapi.Mention{AuthorID: budiID, Text: "halo", At: t0.Add(-time.Hour)})
			e.fake.AddDM(xapi.DM{SenderID: sitiID, Text: "halo", At: t0.Add(-time.Hour)})
			e.drain()
			e.fake.ResetRequests()
			p := e.poll()
			if len(p.Items)+len(p.External) != 0 || p.More {
				t.Fatalf("quiet poll brought %+v", p)
			}
			if n := e.fake.TotalRequests(); n != 2 {
				t.Fatalf("quiet poll made %d requests, want 2 (one per source)", n)
			}
			if e.fake.Requests(api.mentions) != 1 || e.fake.Requests(api.dms) != 1 {
				t.Fatalf("requests: mentions %d, dms %d", e.fake.Requests(api.mentions), e.fake.Requests(api.dms))
			}
		})
	}
}

func TestPollReportsOwnPostsAsExternal(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			e := newEnv(t, api.opts...)
			m := e.fake.AddMention(xapi.Mention{AuthorID: budiID, Text: "lampu jalan mati", At: t0.Add(-time.Hour)})
			// The operator answered from the X app, and the answer mentions
			// the account itself, so X lists it among the mentions.
			own := e.fake.AddPost(accountID, "@budi_s sudah kami laporkan, info lanjut di @humas_sleman", m.ID, t0.Add(-30*time.Minute))
			p := e.poll()
			if len(p.Items) != 1 || p.Items[0].ExternalID != m.ID {
				t.Fatalf("items = %+v, want only the citizen's mention", p.Items)
			}
			if len(p.External) != 1 || p.External[0].ExternalID != own.ID || p.External[0].ParentExternalID != m.ID || p.External[0].ThreadID != m.ID {
				t.Fatalf("external = %+v", p.External)
			}
		})
	}
}

func TestUsageCountsReadsPerUTCDay(t *testing.T) {
	e := newEnv(t, func(c *Config, _ *xapi.Options) { c.Sources = []string{SourceMentions} })
	for i := range 3 {
		e.fake.AddMention(xapi.Mention{AuthorID: budiID, Text: fmt.Sprint("m", i), At: t0.Add(-time.Hour)})
	}
	e.poll()
	u := e.conn.Usage()
	// 3 posts and their one author were returned.
	if u.ReadsToday != 4 || u.ReadsDay != "2026-03-10" {
		t.Fatalf("usage = %+v, want 4 reads on 2026-03-10", u)
	}
	if u.RateLimit != 300 || u.RateRemaining != 299 || !u.RateResetAt.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("rate usage = %+v", u)
	}
	e.clock.Advance(24 * time.Hour)
	if u := e.conn.Usage(); u.ReadsToday != 0 || u.ReadsDay != "2026-03-11" {
		t.Fatalf("next day usage = %+v", u)
	}
}

func TestPollDMWalkAcrossPolls(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			e := newEnv(t, append(api.opts, func(c *Config, _ *xapi.Options) {
				c.Sources = []string{SourceDirectMessages}
				c.MaxPagesPerPoll = 1
			})...)
			seen := map[string]bool{}
			collect := func(p []inbox.Item) {
				for _, it := range p {
					if seen[it.ExternalID] {
						t.Fatalf("DM %s returned twice", it.ExternalID)
					}
					seen[it.ExternalID] = true
				}
			}
			for i := range 120 {
				e.fake.AddDM(xapi.DM{SenderID: budiID, Text: fmt.Sprint("lama ", i), At: t0.Add(time.Duration(i-200) * time.Minute)})
			}
			collect(e.drain().Items)
			if len(seen) != 120 {
				t.Fatalf("backfill brought %d DMs, want 120", len(seen))
			}

			var newest xapi.DMEvent
			for i := range 30 {
				newest = e.fake.AddDM(xapi.DM{SenderID: sitiID, Text: fmt.Sprint("baru ", i), At: t0.Add(time.Duration(i) * time.Second)})
			}
			// Pages grow 1, 10, 100: three polls, the last one reaching the watermark.
			var sizes []int
			for {
				p := e.poll()
				collect(p.Items)
				sizes = append(sizes, len(p.Items))
				c := decoded(t, e.cursor)
				if !p.More {
					if c.DMs.LastID != newest.ID || c.DMs.Walk.Active {
						t.Fatalf("after the walk: cursor %+v, want last id %s", c.DMs, newest.ID)
					}
					break
				}
				if c.DMs.LastID == newest.ID {
					t.Fatal("watermark moved before the walk reached the old one")
				}
			}
			if !slices.Equal(sizes, []int{1, 10, 19}) || len(seen) != 150 {
				t.Fatalf("walk pages brought %v (%d DMs in all), want [1 10 19]", sizes, len(seen))
			}
		})
	}
}
