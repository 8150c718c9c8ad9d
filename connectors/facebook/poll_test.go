package facebook

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/graphapi"
)

func TestPollMessages(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{SourceMessages} })
	conv1, m1 := e.fake.AddMessage(alice, "Jalan di RT 03 berlubang", t0.Add(-3*time.Hour), graphapi.Attachment{Type: "image", URL: "https://cdn.example/lubang.jpg"})
	_, staff := e.fake.AddPageMessage(alice, "Terima kasih, kami teruskan ke Dinas PU", t0.Add(-2*time.Hour))
	conv2, m2 := e.fake.AddMessage(budi, "Kapan pembuatan KTP dibuka?", t0.Add(-time.Hour))
	e.fake.AddMessage(citra, "pesan lama", t0.Add(-100*time.Hour)) // older than the 72 h look-back

	p := e.poll(nil)
	if p.More {
		t.Fatal("More = true on a small inbox")
	}
	if got, want := ids(p), []string{m1, m2}; !slices.Equal(got, want) {
		t.Fatalf("items = %v, want %v (oldest first, staff message and old message left out)", got, want)
	}
	it := p.Items[0]
	windowEnds := t0.Add(-3 * time.Hour).Add(StandardWindow)
	want := inbox.Item{
		Channel: Channel, Account: "pemkab-fb", Kind: inbox.KindMessage, ExternalID: m1, ThreadID: conv1,
		Author: alice2author(alice), Text: "Jalan di RT 03 berlubang", CreatedAt: t0.Add(-3 * time.Hour), Backfill: true,
		Attachments:       []inbox.Attachment{{Type: "image", URL: "https://cdn.example/lubang.jpg"}},
		ReplyWindowEndsAt: &windowEnds,
	}
	if fmt.Sprint(it) != fmt.Sprint(want) {
		t.Errorf("item =\n %+v\nwant\n %+v", it, want)
	}
	if p.Items[1].ThreadID != conv2 || p.Items[1].Author.Name != "Budi Santoso" {
		t.Errorf("second item = %+v", p.Items[1])
	}
	if len(p.External) != 1 || p.External[0].ExternalID != staff || p.External[0].ThreadID != conv1 ||
		p.External[0].ParentExternalID != m1 || p.External[0].Text != "Terima kasih, kami teruskan ke Dinas PU" {
		t.Errorf("external = %+v, want the staff message answering %s", p.External, m1)
	}
	for _, it := range p.Items {
		if err := it.Validate(); err != nil {
			t.Error(err)
		}
	}

	// After the first poll, new messages are not backfill.
	e.clock.Add(time.Minute)
	_, m3 := e.fake.AddMessage(alice, "Ada update?", e.clock.Now())
	p2 := e.poll(p.Cursor)
	if got := ids(p2); !slices.Equal(got, []string{m3}) || p2.Items[0].Backfill {
		t.Fatalf("second poll = %v backfill=%v, want [%s] not backfill", got, p2.Items[0].Backfill, m3)
	}
}

func alice2author(a graphapi.Actor) inbox.Author { return inbox.Author{ID: a.ID, Name: a.Name} }

func TestPollComments(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{SourceComments} })
	post := e.fake.AddPost(graphapi.Actor{}, "Jadwal vaksinasi minggu ini", t0.Add(-10*time.Hour))
	c1 := mustComment(t, e.fake, post, "", alice, "Di puskesmas mana?", t0.Add(-9*time.Hour))
	pageReply := mustComment(t, e.fake, post, c1, graphapi.Actor{}, "Puskesmas Kota, pukul 08.00", t0.Add(-8*time.Hour))
	c2 := mustComment(t, e.fake, post, c1, budi, "Apakah perlu daftar?", t0.Add(-7*time.Hour))
	c3, err := e.fake.AddCommentWithAttachment(post, "", citra, "Foto antrean", t0.Add(-6*time.Hour), graphapi.Attachment{Type: "image", URL: "https://cdn.example/antre.jpg"})
	if err != nil {
		t.Fatal(err)
	}

	p := e.poll(nil)
	if got, want := ids(p), []string{c1, c2, c3}; !slices.Equal(got, want) {
		t.Fatalf("items = %v, want %v", got, want)
	}
	for _, it := range p.Items {
		if it.Kind != inbox.KindComment || it.ThreadID != post || !it.Backfill || it.Permalink == "" {
			t.Errorf("item %+v: want kind comment, thread %s, backfill, permalink", it, post)
		}
	}
	if p.Items[0].ParentID != "" || p.Items[1].ParentID != c1 {
		t.Errorf("parents = %q, %q; want \"\" and %q", p.Items[0].ParentID, p.Items[1].ParentID, c1)
	}
	if got := p.Items[2].Attachments; len(got) != 1 || got[0] != (inbox.Attachment{Type: "image", URL: "https://cdn.example/antre.jpg"}) {
		t.Errorf("attachments = %+v", got)
	}
	if len(p.External) != 1 || p.External[0].ExternalID != pageReply || p.External[0].ParentExternalID != c1 || p.External[0].ThreadID != post {
		t.Errorf("external = %+v, want the Page's reply %s to %s", p.External, pageReply, c1)
	}
}

func TestPollTagged(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{SourceTagged} })
	old := e.fake.AddTaggedPost(alice, "lama", t0.Add(-80*time.Hour))
	tag := e.fake.AddTaggedPost(budi, "@Pemkab lampu jalan mati di Jl. Merdeka", t0.Add(-time.Hour))
	p := e.poll(nil)
	if got := ids(p); !slices.Equal(got, []string{tag}) {
		t.Fatalf("items = %v, want [%s] (not %s, older than the look-back)", got, tag, old)
	}
	it := p.Items[0]
	if it.Kind != inbox.KindMention || it.ThreadID != tag || it.Author.ID != budi.ID || it.Text != "@Pemkab lampu jalan mati di Jl. Merdeka" ||
		!strings.HasPrefix(it.Permalink, "https://www.facebook.com/") || !it.CreatedAt.Equal(t0.Add(-time.Hour)) {
		t.Errorf("mention = %+v", it)
	}
}

func TestPollPagingAcrossPagesAndThreads(t *testing.T) {
	for _, maxPages := range []int{1, 3, 10} {
		t.Run(fmt.Sprint("max_pages_", maxPages), func(t *testing.T) { testPagingAcrossPages(t, maxPages) })
	}
}

func testPagingAcrossPages(t *testing.T, maxPages int) {
	e := newEnv(t, func(c *Config) { c.MaxPagesPerPoll = maxPages })
	want := map[string]bool{}
	// 30 posts with two comments each: the feed needs two pages.
	for i := range 30 {
		at := t0.Add(-time.Duration(60-i) * time.Minute)
		post := e.fake.AddPost(graphapi.Actor{}, fmt.Sprintf("post %d", i), at)
		want[mustComment(t, e.fake, post, "", alice, "a", at.Add(time.Second))] = true
		want[mustComment(t, e.fake, post, "", budi, "b", at.Add(2*time.Second))] = true
	}
	// One busy post: 60 comments, more than the nested 25.
	busy := e.fake.AddPost(graphapi.Actor{}, "busy", t0.Add(-5*time.Hour))
	for i := range 60 {
		want[mustComment(t, e.fake, busy, "", citra, fmt.Sprint(i), t0.Add(-5*time.Hour+time.Duration(i)*time.Second))] = true
	}
	// 30 conversations, one with 40 messages.
	for i := range 30 {
		_, m := e.fake.AddMessage(graphapi.Actor{ID: fmt.Sprintf("70%014d", i), Name: "W"}, "hi", t0.Add(-time.Duration(i+1)*time.Minute))
		want[m] = true
	}
	for i := range 40 {
		_, m := e.fake.AddMessage(alice, fmt.Sprint("m", i), t0.Add(-3*time.Hour+time.Duration(i)*time.Second))
		want[m] = true
	}
	// 30 tagged posts.
	for i := range 30 {
		want[e.fake.AddTaggedPost(budi, "tag", t0.Add(-time.Duration(i+1)*time.Minute))] = true
	}

	// Walk to the end; after every page, also replay the poll from the
	// previous cursor once, as after a crash before the next commit: the
	// replay returns the same items (dedup absorbs them) and skips none.
	got := map[string]int{}
	var cursor []byte
	for i := 0; ; i++ {
		if i > 200 {
			t.Fatal("walk does not end")
		}
		p := e.poll(cursor)
		replay := e.poll(cursor)
		if !slices.Equal(ids(p), ids(replay)) {
			t.Fatalf("replaying a cursor gave different items")
		}
		for _, it := range p.Items {
			got[it.ExternalID]++
		}
		cursor = p.Cursor
		if !p.More {
			break
		}
	}
	dup, _ := e.drain(nil)
	for _, it := range dup.Items {
		if got[it.ExternalID] == 0 {
			t.Errorf("a fresh drain found %s that the resumed walk missed", it.ExternalID)
		}
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("item %s seen %d times, want once", id, got[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d distinct items, want %d", len(got), len(want))
	}
	if e.fake.RequestCount(graphapi.EndpointComments) == 0 || e.fake.RequestCount(graphapi.EndpointConversationMessages) == 0 {
		t.Error("expected follow-up pages of a post's comments and a conversation's messages")
	}
	if p := e.poll(cursor); len(p.Items) != 0 || p.More {
		t.Errorf("re-poll after the walk: %d items, More=%v; want none", len(p.Items), p.More)
	}
}

func TestPollMaxPagesAndResumeAfterCrash(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{SourceTagged}; c.MaxPagesPerPoll = 1 })
	var all []string
	for i := range 60 {
		all = append(all, e.fake.AddTaggedPost(alice, "t", t0.Add(-time.Duration(i+1)*time.Minute)))
	}
	p1 := e.poll(nil)
	if !p1.More || len(p1.Items) != 25 {
		t.Fatalf("first poll: %d items More=%v; want 25 and More", len(p1.Items), p1.More)
	}
	if n := e.fake.RequestCount(""); n != 1 {
		t.Fatalf("first poll made %d requests, want max_pages_per_poll = 1", n)
	}
	// The fake's paging links carry access_token, as Graph's do; the cursor must not.
	if strings.Contains(string(p1.Cursor), testToken) || strings.Contains(string(p1.Cursor), "access_token") {
		t.Fatalf("cursor holds the token: %s", p1.Cursor)
	}
	// Crash after committing p1: the next poll starts from p1.Cursor twice.
	p2 := e.poll(p1.Cursor)
	p2again := e.poll(p1.Cursor)
	if !slices.Equal(ids(p2), ids(p2again)) || len(p2.Items) != 25 {
		t.Fatalf("resume from the same cursor differs: %d vs %d items", len(p2.Items), len(p2again.Items))
	}
	rest, _ := e.drain(p2.Cursor)
	got := append(append(ids(p1), ids(p2)...), ids(rest)...)
	slices.Sort(got)
	slices.Sort(all)
	if !slices.Equal(got, all) {
		t.Fatalf("walk over 3 polls returned %d items, want all %d exactly once", len(got), len(all))
	}
}

func TestPollEqualTimestampsAtBoundary(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{SourceTagged}; c.MaxPagesPerPoll = 1 })
	sec := t0.Add(-time.Hour)
	var first []string
	for range 30 { // 30 posts in the same second, across a page boundary
		first = append(first, e.fake.AddTaggedPost(alice, "same second", sec))
	}
	all, cursor := e.drain(nil)
	got := ids(all)
	slices.Sort(got)
	slices.Sort(first)
	if !slices.Equal(got, first) {
		t.Fatalf("got %d items, want the 30 posts of that second exactly once", len(got))
	}
	// Another post in the same second arrives later: only it is new.
	late := e.fake.AddTaggedPost(budi, "late, same second", sec)
	p := e.poll(cursor)
	if !slices.Equal(ids(p), []string{late}) {
		t.Fatalf("after the boundary: %v, want [%s]", ids(p), late)
	}
	if p := e.poll(p.Cursor); len(p.Items) != 0 {
		t.Fatalf("again: %v, want nothing", ids(p))
	}
}

func TestPollCommentOnOldPost(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{SourceComments} })
	old := e.fake.AddPost(graphapi.Actor{}, "Pengumuman bulan lalu", t0.Add(-30*24*time.Hour))
	mustComment(t, e.fake, old, "", alice, "komentar lama", t0.Add(-29*24*time.Hour))
	for i := range 40 { // plenty of newer posts push the old one far down by created_time
		e.fake.AddPost(graphapi.Actor{}, fmt.Sprint("baru ", i), t0.Add(-time.Duration(40-i)*time.Hour))
	}
	_, cursor := e.drain(nil)

	e.clock.Add(10 * time.Minute)
	fresh := mustComment(t, e.fake, old, "", budi, "Masih berlaku?", e.clock.Now())
	e.fake.ResetRequests()
	p := e.poll(cursor)
	if !slices.Equal(ids(p), []string{fresh}) {
		t.Fatalf("items = %v, want the new comment %s on the month-old post", ids(p), fresh)
	}
	if n := e.fake.RequestCount(""); n != 1 {
		t.Errorf("%d requests, want 1 (the feed with nested comments)", n)
	}
}

func TestPollRepollIsHarmlessAndQuietPollCostsOneRequestPerSource(t *testing.T) {
	e := newEnv(t, nil)
	post := e.fake.AddPost(graphapi.Actor{}, "p", t0.Add(-2*time.Hour))
	mustComment(t, e.fake, post, "", alice, "c", t0.Add(-time.Hour))
	e.fake.AddMessage(budi, "m", t0.Add(-time.Hour))
	e.fake.AddTaggedPost(citra, "t", t0.Add(-time.Hour))

	p1 := e.poll(nil)
	if len(p1.Items) != 3 {
		t.Fatalf("first poll: %d items, want 3", len(p1.Items))
	}
	again := e.poll(nil) // the same first poll repeated (cursor not committed)
	if !slices.Equal(ids(again), ids(p1)) {
		t.Fatalf("repeated poll differs: %v vs %v", ids(again), ids(p1))
	}
	e.clock.Add(time.Minute)
	e.fake.ResetRequests()
	quiet := e.poll(p1.Cursor)
	if len(quiet.Items)+len(quiet.External) != 0 || quiet.More {
		t.Fatalf("quiet poll returned %v / %v More=%v", ids(quiet), quiet.External, quiet.More)
	}
	for _, ep := range []string{graphapi.EndpointConversations, graphapi.EndpointFeed, graphapi.EndpointTagged} {
		if n := e.fake.RequestCount(ep); n != 1 {
			t.Errorf("%s: %d requests on a quiet poll, want 1", ep, n)
		}
	}
	if n := e.fake.RequestCount(""); n != 3 {
		t.Errorf("quiet poll made %d requests, want 3 (one per source)", n)
	}
}

func TestPollPagesOwnCommentsAreNotItems(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{SourceComments} })
	post := e.fake.AddPost(graphapi.Actor{}, "p", t0.Add(-2*time.Hour))
	own := mustComment(t, e.fake, post, "", graphapi.Actor{}, "Admin: info lengkap di web", t0.Add(-time.Hour))
	p := e.poll(nil)
	if len(p.Items) != 0 {
		t.Fatalf("the Page's own comment became an item: %+v", p.Items)
	}
	if len(p.External) != 1 || p.External[0].ExternalID != own || p.External[0].ParentExternalID != post {
		t.Fatalf("external = %+v, want %s on %s", p.External, own, post)
	}
}

func TestPollSendsTokenOnlyInHeaderAndAppsecretProof(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AppSecret = testAppSecret; c.MaxPagesPerPoll = 2 },
		func(o *graphapi.Options) { o.AppSecret = testAppSecret })
	for i := range 30 {
		e.fake.AddTaggedPost(alice, "t", t0.Add(-time.Duration(i+1)*time.Minute))
	}
	_, m := e.fake.AddMessage(alice, "halo", t0.Add(-time.Minute))
	_, cursor := e.drain(nil)
	e.fake.Fail(graphapi.EndpointFeed, graphapi.Fault{Kind: graphapi.FaultExpiredToken})
	_, pollErr := e.conn.Poll(t.Context(), cursor)
	if pollErr == nil {
		t.Fatal("expected the injected 190")
	}
	item := inbox.Item{Channel: Channel, Kind: inbox.KindMessage, ExternalID: m, Author: inbox.Author{ID: alice.ID}}
	if _, err := e.conn.Send(t.Context(), outgoing(item, "Baik", false, e.clock.Now())); err != nil {
		t.Fatal(err)
	}

	proof := graphapi.AppsecretProof(testToken, testAppSecret)
	reqs := e.fake.Requests()
	if len(reqs) < 5 {
		t.Fatalf("only %d requests recorded", len(reqs))
	}
	for _, r := range reqs {
		if strings.Contains(r.URL, testToken) || strings.Contains(r.URL, "access_token") {
			t.Errorf("token in URL: %s", r.URL)
		}
		if !r.HasBearer {
			t.Errorf("%s %s without Authorization: Bearer", r.Method, r.URL)
		}
		u, _ := url.Parse(r.URL)
		got := u.Query().Get("appsecret_proof")
		if r.Method == "POST" {
			got = first(r.Form["appsecret_proof"])
		}
		if got != proof {
			t.Errorf("%s %s: appsecret_proof %q, want %q", r.Method, r.URL, got, proof)
		}
	}
	for _, s := range []string{e.logs.String(), pollErr.Error(), string(cursor)} {
		if strings.Contains(s, testToken) || strings.Contains(s, testAppSecret) {
			t.Errorf("secret leaked into %q", s)
		}
	}
	if !strings.Contains(e.logs.String(), "graph call") {
		t.Error("expected debug log lines to check")
	}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func TestPollWithoutProofIsRefusedByAppRequiringIt(t *testing.T) {
	e := newEnv(t, nil, func(o *graphapi.Options) { o.AppSecret = testAppSecret })
	_, err := e.conn.Poll(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), "appsecret_proof") {
		t.Fatalf("err = %v, want Graph's appsecret_proof refusal", err)
	}
}

func TestPollUnreadableCursorStartsOver(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{SourceTagged} })
	id := e.fake.AddTaggedPost(alice, "t", t0.Add(-time.Hour))
	p := e.poll([]byte("{not json"))
	if !slices.Equal(ids(p), []string{id}) || !p.Items[0].Backfill {
		t.Fatalf("items = %+v, want the look-back import", p.Items)
	}
}
