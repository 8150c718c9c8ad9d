package instagram

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/graphapi"
)

// Against the simulator's Graph fake (the demo's): what citizens write
// arrives once, every send path posts once, the account's own answers come
// back as external replies, Verify and Probe agree with the fake.
func TestAgainstTheSimulator(t *testing.T) {
	now := testNow
	g := graphapi.New(graphapi.Options{PageID: testPageID, PageName: "Pemkab Sukamaju", PageToken: testToken, AppSecret: testSecret,
		IGUserID: testIGUser, IGUsername: "pemkab.sukamaju", Now: func() time.Time { return now }, NoLimits: true})
	srv := httptest.NewServer(g)
	defer srv.Close()
	g.SetBaseURL(srv.URL + "/")
	c, err := New(Config{Name: "pemkab-ig", PageID: testPageID, IGUserID: testIGUser, PageToken: testToken, AppSecret: testSecret,
		GraphURL: srv.URL, MaxPagesPerPoll: 3}, Options{HTTPClient: srv.Client(), Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	warga := graphapi.IGUser{ID: "5551234567890123", Username: "warga.sukamaju"}
	media := g.AddIGMedia("Jadwal pelayanan KTP keliling minggu ini", now.Add(-48*time.Hour))
	var want []string
	for i := range 30 { // more than one page of comments
		id, err := g.AddIGComment(media, "", warga, "Apakah layanan ada di kecamatan saya? #"+string(rune('a'+i%26)), now.Add(-time.Duration(40-i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	reply, _ := g.AddIGComment(media, want[29], graphapi.IGUser{ID: "5559876543210987", Username: "ibu_sari"}, "Saya juga ingin tahu", now.Add(-5*time.Minute))
	want = append(want, reply)
	_, dmID := g.AddIGMessage(warga, "Selamat siang, bagaimana cara mengurus akta kelahiran?", now.Add(-3*time.Minute))
	want = append(want, dmID)

	seen := map[string]int{}
	var items []inbox.Item
	var cursor []byte
	for range 5 {
		p, err := c.Poll(context.Background(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			seen[it.ExternalID]++
			items = append(items, it)
		}
		cursor = p.Cursor
		if !p.More {
			break
		}
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("item %s arrived %d times", id, seen[id])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("%d items, want %d", len(seen), len(want))
	}

	byID := map[string]inbox.Item{}
	for _, it := range items {
		byID[it.ExternalID] = it
	}
	now = now.Add(time.Minute)
	outs := []connectors.Outgoing{
		{Item: byID[want[29]], Reply: inbox.Reply{Text: "Layanan ada di kecamatan Anda hari Kamis."}},
		{Item: byID[reply], Reply: inbox.Reply{Text: "Ibu bisa datang hari Kamis."}},
		{Item: byID[want[28]], Reply: inbox.Reply{Text: "Mohon kirim alamat Anda lewat pesan ini.", Private: true}},
		{Item: byID[dmID], Reply: inbox.Reply{Text: "Silakan bawa surat keterangan lahir ke Dukcapil."}, LastInboundAt: byID[dmID].CreatedAt},
	}
	var sent []string
	for _, out := range outs {
		id, err := c.Send(context.Background(), out)
		if err != nil {
			t.Fatalf("send %q: %v", out.Reply.Text, err)
		}
		sent = append(sent, id)
		vid, found, err := c.Verify(context.Background(), out, now)
		if err != nil || !found || vid != id {
			t.Errorf("Verify %q = %q %v %v, want %s", out.Reply.Text, vid, found, err, id)
		}
	}
	if n := len(g.PageReplies()); n != len(outs) {
		t.Errorf("the fake got %d replies, want %d", n, len(outs))
	}
	if _, err := c.Send(context.Background(), outs[2]); connectors.ClassOf(err) != connectors.Permanent {
		t.Errorf("a second private reply: %v", err)
	}

	// The next poll returns the account's own answers as external
	// replies, and no item.
	p, err := c.Poll(context.Background(), cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 0 {
		t.Errorf("items after answering: %+v", p.Items)
	}
	ext := map[string]bool{}
	for _, x := range p.External {
		ext[x.ExternalID] = true
	}
	for _, id := range sent {
		if !ext[id] {
			t.Errorf("sent %s not returned as an external reply (%+v)", id, p.External)
		}
	}

	rep, err := c.Probe(context.Background())
	if err != nil || !rep.OK() || rep.AccountName != "pemkab.sukamaju" {
		t.Errorf("probe = %+v, %v", rep, err)
	}
}
