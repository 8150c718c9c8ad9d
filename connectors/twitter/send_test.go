package twitter

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
)

func (e *env) itemFor(kind inbox.Kind) inbox.Item {
	e.t.Helper()
	var want string
	switch kind {
	case inbox.KindMention:
		want = e.fake.AddMention(xapi.Mention{AuthorID: budiID, Text: "banjir di Jl. Magelang", At: e.clock.Now().Add(-time.Minute)}).ID
	case inbox.KindMessage:
		want = e.fake.AddDM(xapi.DM{SenderID: budiID, Text: "Pak, KTP saya belum jadi", At: e.clock.Now().Add(-time.Minute)}).ID
	}
	for _, it := range e.drain().Items {
		if it.ExternalID == want {
			return it
		}
	}
	e.t.Fatalf("polled items lack %s", want)
	return inbox.Item{}
}

func out(it inbox.Item, text string, private bool) connectors.Outgoing {
	return connectors.Outgoing{Item: it, Reply: inbox.Reply{Text: text, Private: private}}
}

func TestSendReplyPostAndDM(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			e := newEnv(t, api.opts...)
			ctx := context.Background()
			mention := e.itemFor(inbox.KindMention)
			dm := e.itemFor(inbox.KindMessage)

			postID, err := e.conn.Send(ctx, out(mention, "Terima kasih, petugas DPUPKP segera ke lokasi.", false))
			if err != nil {
				t.Fatalf("reply post: %v", err)
			}
			posted := e.fake.Posted()
			if len(posted) != 1 || posted[0].ID != postID || posted[0].InReplyToID != mention.ExternalID || !strings.HasSuffix(posted[0].Text, "petugas DPUPKP segera ke lokasi.") {
				t.Fatalf("posted = %+v, id %s", posted, postID)
			}

			dmID, err := e.conn.Send(ctx, out(dm, "KTP Anda bisa diambil Senin di kecamatan.", true))
			if err != nil {
				t.Fatalf("DM reply: %v", err)
			}
			// A mention answered privately goes to its author's DMs.
			privID, err := e.conn.Send(ctx, out(mention, "Mohon kirim alamat lengkap lewat DM ini.", true))
			if err != nil {
				t.Fatalf("private reply to a mention: %v", err)
			}
			sent := e.fake.SentDMs()
			if len(sent) != 2 || sent[0].ID != dmID || sent[1].ID != privID || sent[0].RecipientID != budiID || sent[0].ConversationID != dm.ThreadID {
				t.Fatalf("sent DMs = %+v (ids %s %s)", sent, dmID, privID)
			}

			// The account's own DMs come back in later reads, as on X: as
			// external replies with the ids Send returned, never as items.
			p := e.poll()
			if len(p.Items) != 0 {
				t.Fatalf("own replies came back as items: %+v", p.Items)
			}
			got := ids(p.External, func(x inbox.ExternalReply) string { return x.ExternalID })
			if len(got) != 2 || got[0] != dmID || got[1] != privID || p.External[0].ThreadID != dm.ThreadID {
				t.Fatalf("external = %+v", p.External)
			}
		})
	}
}

func TestSendRefusesWhatXCannotCarry(t *testing.T) {
	e := newEnv(t)
	mention := inbox.Item{Channel: Channel, Kind: inbox.KindMention, ExternalID: "1", Author: inbox.Author{ID: budiID}}
	for name, o := range map[string]connectors.Outgoing{
		"too long for a post": out(mention, strings.Repeat("a", 281), false),
		"empty":               out(mention, "", false),
		"comment kind":        out(inbox.Item{Kind: inbox.KindComment, ExternalID: "1"}, "hi", false),
		"DM without author":   out(inbox.Item{Kind: inbox.KindMessage, ExternalID: "1"}, "hi", true),
	} {
		_, err := e.conn.Send(context.Background(), o)
		if ce := classified(t, err); ce.Class != connectors.Permanent || ce.MayHaveReached {
			t.Errorf("%s: %v, want permanent", name, err)
		}
	}
	if n := e.fake.TotalRequests(); n != 0 {
		t.Fatalf("refused sends made %d requests", n)
	}
}

func TestReplyRestrictionIsPermanentWithDMHint(t *testing.T) {
	e := newEnv(t)
	// A post in a citizen's thread that does not mention the account:
	// X refuses a self-serve app's reply to it.
	p := e.fake.AddPost(budiID, "Jalan di depan rumah saya rusak parah", "", t0.Add(-time.Hour))
	it := inbox.Item{Channel: Channel, Account: "humas", Kind: inbox.KindMention, ExternalID: p.ID, Author: inbox.Author{ID: budiID}}
	_, err := e.conn.Send(context.Background(), out(it, "Kami cek ke lokasi.", false))
	ce := classified(t, err)
	if ce.Class != connectors.Permanent || ce.MayHaveReached || !strings.Contains(ce.Message, "direct message") || !strings.Contains(ce.Message, "private: true") {
		t.Fatalf("got %v, want a permanent error telling to answer by DM", err)
	}
	if len(e.fake.Posted()) != 0 {
		t.Fatal("a refused reply was posted")
	}
	// The advice works: the same reply as a DM goes through.
	if _, err := e.conn.Send(context.Background(), out(it, "Kami cek ke lokasi.", true)); err != nil {
		t.Fatalf("DM instead: %v", err)
	}
}

func TestVerifyFindsRepliesThatReachedX(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			e := newEnv(t, api.opts...)
			ctx := context.Background()
			mention := e.itemFor(inbox.KindMention)
			dm := e.itemFor(inbox.KindMessage)
			since := e.clock.Now()
			e.clock.Advance(time.Second)

			// X applied both sends but answered 500: the sends may have reached X.
			e.fake.Inject(api.createPost, xapi.Fault{Kind: xapi.FaultServerError, AfterEffect: true})
			e.fake.Inject(api.createDM, xapi.Fault{Kind: xapi.FaultServerError, AfterEffect: true})
			postOut := out(mention, "Sudah kami teruskan ke BPBD & Dinsos.", false)
			dmOut := out(dm, "Silakan datang ke Disdukcapil.", true)
			for _, o := range []connectors.Outgoing{postOut, dmOut} {
				_, err := e.conn.Send(ctx, o)
				if ce := classified(t, err); ce.Class != connectors.Transient || !ce.MayHaveReached {
					t.Fatalf("send with 500: %v, want transient, may have reached", err)
				}
			}

			id, found, err := e.conn.Verify(ctx, postOut, since)
			if err != nil || !found || id != e.fake.Posted()[0].ID {
				t.Fatalf("Verify post = %q, %v, %v; want %s", id, found, err, e.fake.Posted()[0].ID)
			}
			id, found, err = e.conn.Verify(ctx, dmOut, since)
			if err != nil || !found || id != e.fake.SentDMs()[0].ID {
				t.Fatalf("Verify DM = %q, %v, %v", id, found, err)
			}

			// A different text, or a reply from before since, is not it.
			other := out(mention, "Teks yang tidak pernah dikirim.", false)
			if _, found, err := e.conn.Verify(ctx, other, since); err != nil || found {
				t.Fatalf("Verify of an unsent text: found=%v err=%v", found, err)
			}
			if _, found, err := e.conn.Verify(ctx, dmOut, e.clock.Now().Add(time.Hour)); err != nil || found {
				t.Fatalf("Verify after the DM was sent: found=%v err=%v", found, err)
			}
		})
	}
}

func TestSlowPostCancelledAfterWritingMayHaveReached(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			e := newEnv(t, api.opts...)
			mention := e.itemFor(inbox.KindMention)
			arrived := make(chan struct{}, 1)
			e.fake.Inject(api.createPost, xapi.Fault{Kind: xapi.FaultSlow, Arrived: arrived, AfterEffect: true})
			ctx, cancel := context.WithCancel(context.Background())
			go func() { <-arrived; cancel() }()
			_, err := e.conn.Send(ctx, out(mention, "Kami sedang menindaklanjuti.", false))
			if ce := classified(t, err); ce.Class != connectors.Transient || !ce.MayHaveReached {
				t.Fatalf("cancelled after writing: %v, want transient, may have reached", err)
			}

			// A slow answer that does come back is a success.
			release := make(chan struct{})
			e.fake.Inject(api.createPost, xapi.Fault{Kind: xapi.FaultSlow, Release: release})
			close(release)
			if _, err := e.conn.Send(context.Background(), out(mention, "Petugas sudah di lokasi.", false)); err != nil {
				t.Fatalf("slow but released: %v", err)
			}
		})
	}
}

func TestUnreachableXNeverReached(t *testing.T) {
	e := newEnv(t)
	e.srv.Close() // nothing listens any more: the request is never written
	it := inbox.Item{Channel: Channel, Kind: inbox.KindMention, ExternalID: "1", Author: inbox.Author{ID: budiID}}
	_, err := e.conn.Send(context.Background(), out(it, "halo", false))
	if ce := classified(t, err); ce.Class != connectors.Transient || ce.MayHaveReached {
		t.Fatalf("connection refused: %v, want transient, not reached", err)
	}
}
