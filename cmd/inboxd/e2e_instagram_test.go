package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim"
)

// TestInstagramEndToEnd runs the daemon with the Instagram account against
// the Graph fake's Instagram part: the demo generator's comments and DMs
// arrive exactly once across polls (more than a page of them), a public
// reply, a private reply and a DM are each posted exactly once and answer
// their items, and re-polling imports none of the account's own answers.
func TestInstagramEndToEnd(t *testing.T) {
	f := newFakes(t)
	f.instagram = true
	d := startDaemon(t, f.writeDaemonConfig(t, tPageToken, "@every 1h"))
	code, body := d.do("POST", "/api/v1/tokens", map[string]string{"name": "rina", "role": "operator"})
	if code != http.StatusCreated {
		t.Fatalf("create token = %d %s", code, body)
	}
	var created struct{ Secret string }
	if err := json.Unmarshal(body, &created); err != nil || created.Secret == "" {
		t.Fatalf("created token: %v %s", err, body)
	}
	d.token = created.Secret

	gen := sim.NewGenerator(7)
	emitShapes(t, f.world, gen, 30, igShapes...)
	d.pollSucceeded(igAccount)
	checkExactlyOnce(t, f.world, d.items(""))
	emitShapes(t, f.world, gen, 30, igShapes...)
	d.pollSucceeded(igAccount)
	items := d.items("channel=instagram")
	checkExactlyOnce(t, f.world, d.items(""))
	if len(items) != 120 {
		t.Fatalf("%d Instagram items, want 120", len(items))
	}

	last := func(s sim.Shape) inbox.Item {
		ids := f.world.IDs(s)
		for _, it := range items {
			if it.ExternalID == ids[len(ids)-1] {
				return it
			}
		}
		t.Fatalf("no item for the last %s", s)
		return inbox.Item{}
	}
	first := func(s sim.Shape) inbox.Item {
		for _, it := range items {
			if it.ExternalID == f.world.IDs(s)[len(f.world.IDs(s))-2] {
				return it
			}
		}
		t.Fatalf("no item for %s", s)
		return inbox.Item{}
	}
	cases := []struct {
		name    string
		item    inbox.Item
		text    string
		private bool
		kind    string
		id      string
	}{
		{name: "comment reply", item: last(sim.InstagramComment), text: "Terima kasih, laporan Anda sudah kami teruskan ke dinas terkait.", kind: "instagram_comment"},
		{name: "private reply", item: first(sim.InstagramComment), text: "Mohon kirimkan alamat lengkap Anda melalui pesan ini.", private: true, kind: "instagram_message"},
		{name: "dm", item: last(sim.InstagramMessage), text: "Silakan datang ke Disdukcapil dengan membawa KK asli.", kind: "instagram_message"},
	}
	for i := range cases {
		r := d.queueReply(cases[i].item.ID, cases[i].text, cases[i].private)
		if r.State != inbox.ReplyQueued {
			t.Fatalf("%s: reply state %s: %+v", cases[i].name, r.State, r)
		}
		cases[i].id = r.ID
	}
	for _, c := range cases {
		waitFor(t, c.name+" sent", func() bool { return d.reply(c.id).State == inbox.ReplySent })
	}
	for _, c := range cases {
		var ids []string
		for _, p := range f.graph.PageReplies() {
			if p.Text == c.text {
				ids = append(ids, p.ID)
				if p.Kind != c.kind {
					t.Errorf("%s: posted as %s, want %s", c.name, p.Kind, c.kind)
				}
			}
		}
		if len(ids) != 1 || d.reply(c.id).ExternalID != ids[0] {
			t.Errorf("%s: on the platform %v, reply external id %q", c.name, ids, d.reply(c.id).ExternalID)
		}
		if it := d.item(c.item.ID); it.Status != inbox.StatusAnswered {
			t.Errorf("%s: item %s, want answered", c.name, it.Status)
		}
	}

	// The next poll reads the account's own answers and imports none.
	d.pollSucceeded(igAccount)
	checkExactlyOnce(t, f.world, d.items(""))
	for _, it := range d.items("channel=instagram") {
		if strings.Contains(it.Text, "kami teruskan ke dinas terkait") {
			t.Errorf("the account's own answer became an item: %+v", it)
		}
	}
	d.checkNoErrors()
}
