package facebook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// readFixture decodes a recorded Graph body the way a live answer is decoded.
func readFixture[T any](t *testing.T, name string) T {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	res, err := fb.MakeResult(b)
	if err != nil {
		t.Fatal(err)
	}
	var v T
	if err := decode(res, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func fixtureConnector(t *testing.T) *Connector {
	t.Helper()
	c, err := New(Config{Name: "pemkab-fb", PageID: "102030405060708", PageToken: testToken}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(graphTimeLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func TestNormaliseConversations(t *testing.T) {
	c := fixtureConnector(t)
	l := readFixture[list[conversation]](t, "conversations.json")
	st := &sourceState{Watermark: mustTime(t, "2026-03-01T00:00:00+0000")}
	st.Walk = &walk{Target: st.Watermark}
	var b batch
	for _, conv := range l.Data {
		if err := c.messagesPage(st.Resumed(time.Time{}), &b, conv.ID, *conv.Messages); err != nil {
			t.Fatal(err)
		}
	}
	if len(b.Items) != 2 || len(b.Ext) != 1 {
		t.Fatalf("items %d, external %d; want 2 and 1", len(b.Items), len(b.Ext))
	}
	it := b.Items[0]
	if it.Kind != inbox.KindMessage || it.ThreadID != "t_10224312345678901" || it.Author != (inbox.Author{ID: "6011122233344455", Name: "Siti Rahayu"}) ||
		!strings.HasPrefix(it.ExternalID, "m_Bb2c") || it.Text != "Jembatan di Desa Sukamaju retak, mohon dicek. Foto terlampir." ||
		!it.CreatedAt.Equal(mustTime(t, "2026-03-02T07:40:02+0000")) {
		t.Errorf("item = %+v", it)
	}
	wantAtt := []inbox.Attachment{
		{Type: "image", URL: "https://scontent.xx.fbcdn.net/v/t1.15752-9/jembatan.jpg"},
		{Type: "file", URL: "https://cdn.fbsbx.com/v/t59.2708-21/surat-rt.pdf"},
	}
	if len(it.Attachments) != 2 || it.Attachments[0] != wantAtt[0] || it.Attachments[1] != wantAtt[1] {
		t.Errorf("attachments = %+v", it.Attachments)
	}
	x := b.Ext[0]
	if !strings.HasPrefix(x.ExternalID, "m_Aa1b") || x.ParentExternalID != it.ExternalID || x.ThreadID != it.ThreadID || x.Channel != Channel {
		t.Errorf("external = %+v", x)
	}
	// The list's next link carries the token, as Graph's do; the step must not.
	if err := b.Next(c.base, step{Kind: stepConversations}, l.Paging.Next, ""); err != nil {
		t.Fatal(err)
	}
	last := b.Follow[len(b.Follow)-1]
	if strings.Contains(last.URL, "access_token") || strings.Contains(last.URL, testToken) ||
		!strings.HasPrefix(last.URL, "102030405060708/conversations?") || !strings.Contains(last.URL, "after=QVFIUnZAPR1lId3h3MGQ3UE5IZAzFkTkNu") {
		t.Errorf("resume step = %+v", last)
	}
}

func TestRelativeURLRefusesOtherHosts(t *testing.T) {
	c := fixtureConnector(t)
	for _, next := range []string{
		"https://evil.example/v25.0/1/feed?after=x",
		"http://graph.facebook.com/v25.0/1/feed?after=x", // scheme downgrade
	} {
		if _, err := c.relativeURL(next); err == nil {
			t.Errorf("relativeURL(%q) accepted a link outside graph_url", next)
		}
	}
}

func TestNormaliseFeedComments(t *testing.T) {
	c := fixtureConnector(t)
	l := readFixture[list[post]](t, "feed_comments.json")
	st := &sourceState{Watermark: mustTime(t, "2026-03-02T06:00:00+0000")}
	st.Walk = &walk{Target: st.Watermark, Backfill: true}
	var b batch
	p := l.Data[0]
	if err := c.commentsPage(st.Resumed(time.Time{}), &b, p.ID, *p.Comments); err != nil {
		t.Fatal(err)
	}
	// 05:59:59 is below the watermark: only the citizen comment and the Page reply.
	if len(b.Items) != 1 || len(b.Ext) != 1 {
		t.Fatalf("items %+v external %+v", b.Items, b.Ext)
	}
	it := b.Items[0]
	want := inbox.Item{
		Channel: Channel, Account: "pemkab-fb", Kind: inbox.KindComment,
		ExternalID: "1122334455667788_998877665544331", ThreadID: "102030405060708_1122334455667788",
		Author: inbox.Author{ID: "6044455566677788", Name: "Dewi Anggraini"}, Text: "Untuk bansos, daftarnya di mana ya?",
		Permalink: "https://www.facebook.com/102030405060708/posts/1122334455667788/?comment_id=998877665544331",
		CreatedAt: mustTime(t, "2026-03-02T06:20:00+0000"), Backfill: true,
	}
	if it.ExternalID != want.ExternalID || it.ThreadID != want.ThreadID || it.Author != want.Author || it.Text != want.Text ||
		it.Permalink != want.Permalink || !it.CreatedAt.Equal(want.CreatedAt) || !it.Backfill || it.Kind != want.Kind || it.ParentID != "" {
		t.Errorf("item =\n %+v\nwant\n %+v", it, want)
	}
	x := b.Ext[0]
	if x.ExternalID != "1122334455667788_998877665544332" || x.ParentExternalID != it.ExternalID || x.ThreadID != it.ThreadID ||
		x.Text != "Pendaftaran dibuka di kantor kecamatan mulai pukul 08.00." {
		t.Errorf("external = %+v", x)
	}
	if !st.Walk.Target.Equal(mustTime(t, "2026-03-02T06:31:15+0000")) {
		t.Errorf("walk target = %s", st.Walk.Target)
	}

	// With an earlier watermark the sticker comment arrives too.
	st = &sourceState{Watermark: mustTime(t, "2026-03-02T05:00:00+0000")}
	st.Walk = &walk{Target: st.Watermark}
	b = batch{}
	if err := c.commentsPage(st.Resumed(time.Time{}), &b, p.ID, *p.Comments); err != nil {
		t.Fatal(err)
	}
	if len(b.Items) != 2 || b.Items[1].Attachments[0] != (inbox.Attachment{Type: "sticker", URL: "https://scontent.xx.fbcdn.net/v/t39.1997-6/sticker.png"}) {
		t.Errorf("items = %+v", b.Items)
	}
}

func TestNormaliseTagged(t *testing.T) {
	c := fixtureConnector(t)
	l := readFixture[list[post]](t, "tagged.json")
	it := c.mentionItem(l.Data[0], false)
	if it.Kind != inbox.KindMention || it.ExternalID != "6066677788899900_2233445566778899" || it.ThreadID != it.ExternalID ||
		it.Author.Name != "Komunitas Peduli Sungai" || it.Permalink != "https://www.facebook.com/6066677788899900/posts/2233445566778899/" ||
		!it.CreatedAt.Equal(mustTime(t, "2026-03-02T04:12:33+0000")) || it.Validate() != nil {
		t.Errorf("mention = %+v", it)
	}
}

func TestGraphErrorBodiesFromSamples(t *testing.T) {
	// Bodies as Graph sends them (the shapes of the platform samples).
	c := fixtureConnector(t)
	for _, tc := range []struct {
		file  string
		class string
		code  string
	}{
		{"error_190.json", "auth", "190/463"},
		{"error_10_outside_window.json", "permanent", "10/2018065"},
		{"error_100.json", "permanent", "100"},
		{"error_100_33.json", "not_found", "100/33"},
	} {
		b, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		_, gerr := fb.MakeResult(b)
		if gerr == nil {
			t.Fatalf("%s: no error parsed", tc.file)
		}
		ce := c.classify("test", fb.POST, 400, nil, true, gerr)
		if string(ce.Class) != tc.class || ce.Code != tc.code || ce.MayHaveReached {
			t.Errorf("%s: %s %s reached=%v, want %s %s", tc.file, ce.Class, ce.Code, ce.MayHaveReached, tc.class, tc.code)
		}
	}
}

// A Messenger message carries the reply window: 24 hours from the citizen's
// message, 7 days once the Page has Meta's Human Agent permission; comments
// (answered publicly) carry none.
func TestMessageReplyWindow(t *testing.T) {
	created := mustTime(t, "2026-03-02T07:40:02+0000")
	for _, tc := range []struct {
		humanAgent bool
		want       time.Duration
	}{{false, 24 * time.Hour}, {true, 7 * 24 * time.Hour}} {
		c, err := New(Config{Name: "pemkab-fb", PageID: "102030405060708", PageToken: testToken, HumanAgent: tc.humanAgent}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		it := c.messageItem(message{ID: "m_1", Message: "halo", CreatedTime: graphTime{Time: created}}, "t_1", false)
		if it.ReplyWindowEndsAt == nil || !it.ReplyWindowEndsAt.Equal(created.Add(tc.want)) {
			t.Errorf("human_agent=%v: reply_window_ends_at = %v, want %v", tc.humanAgent, it.ReplyWindowEndsAt, created.Add(tc.want))
		}
	}
	c := fixtureConnector(t)
	if it := c.commentItem(comment{ID: "1_2", Message: "jalan rusak", CreatedTime: graphTime{Time: created}}, "1", false); it.ReplyWindowEndsAt != nil {
		t.Errorf("comment carries a reply window %v; a public comment reply has none", it.ReplyWindowEndsAt)
	}
}
