package facebook

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/sim/graphapi"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

func outgoing(it inbox.Item, text string, private bool, lastInbound time.Time) connectors.Outgoing {
	it.Channel, it.Account = Channel, "pemkab-fb"
	if it.CreatedAt.IsZero() {
		it.CreatedAt = lastInbound
	}
	return connectors.Outgoing{Item: it, Reply: inbox.Reply{Text: text, Private: private}, LastInboundAt: lastInbound}
}

func TestSendCommentReplyAndMentionReply(t *testing.T) {
	e := newEnv(t, nil)
	post := e.fake.AddPost(graphapi.Actor{}, "p", t0.Add(-2*time.Hour))
	c1 := mustComment(t, e.fake, post, "", alice, "Tolong dicek", t0.Add(-time.Hour))
	tag := e.fake.AddTaggedPost(budi, "@Pemkab", t0.Add(-time.Hour))

	id, err := e.conn.Send(t.Context(), outgoing(inbox.Item{Kind: inbox.KindComment, ExternalID: c1, ThreadID: post}, "Sudah kami cek", false, t0.Add(-time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	from, text, parent, ok := e.fake.Comment(id)
	if !ok || from.ID != testPageID || text != "Sudah kami cek" || parent != c1 {
		t.Fatalf("fake has %v %q parent %q for %s", from, text, parent, id)
	}
	mid, err := e.conn.Send(t.Context(), outgoing(inbox.Item{Kind: inbox.KindMention, ExternalID: tag, ThreadID: tag}, "Terima kasih", false, t0.Add(-time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	replies := e.fake.PageReplies()
	if len(replies) != 2 || replies[1].ID != mid || replies[1].TargetID != tag || replies[1].Kind != "comment" {
		t.Fatalf("page replies = %+v", replies)
	}
	// The reply comes back in the next poll as the Page's own comment, never an item.
	p := e.poll(nil)
	for _, it := range p.Items {
		if it.ExternalID == id {
			t.Fatal("the Page's reply came back as an item")
		}
	}
	found := false
	for _, x := range p.External {
		found = found || (x.ExternalID == id && x.ParentExternalID == c1)
	}
	if !found {
		t.Fatalf("external replies %+v lack the sent reply %s", p.External, id)
	}
	// A tag cannot be answered privately.
	_, err = e.conn.Send(t.Context(), outgoing(inbox.Item{Kind: inbox.KindMention, ExternalID: tag}, "x", true, t0))
	if connectors.ClassOf(err) != connectors.Permanent {
		t.Fatalf("private answer to a tag: %v, want permanent", err)
	}
}

func TestSendMessengerWindows(t *testing.T) {
	const day = 24 * time.Hour
	cases := []struct {
		name       string
		age        time.Duration
		humanAgent bool
		wantType   string // "" means refused locally
	}{
		{"just now", 0, false, "RESPONSE"},
		{"24h minus 1s", day - time.Second, false, "RESPONSE"},
		{"exactly 24h without human agent", day, false, ""},
		{"exactly 24h with human agent", day, true, "MESSAGE_TAG"},
		{"3 days without human agent", 3 * day, false, ""},
		{"3 days with human agent", 3 * day, true, "MESSAGE_TAG"},
		{"7 days minus 1s with human agent", 7*day - time.Second, true, "MESSAGE_TAG"},
		{"exactly 7 days with human agent", 7 * day, true, ""},
		{"8 days with human agent", 8 * day, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.HumanAgent = tc.humanAgent })
			last := t0.Add(-tc.age)
			conv, m := e.fake.AddMessage(alice, "halo", last)
			out := outgoing(inbox.Item{Kind: inbox.KindMessage, ExternalID: m, ThreadID: conv, Author: inbox.Author{ID: alice.ID}}, "Baik, kami bantu", false, last)
			id, err := e.conn.Send(t.Context(), out)
			if tc.wantType == "" {
				if connectors.ClassOf(err) != connectors.Permanent {
					t.Fatalf("err = %v, want permanent", err)
				}
				if !strings.Contains(err.Error(), "answer publicly or wait for the citizen to write again") {
					t.Errorf("error does not tell the operator what to do: %v", err)
				}
				if n := e.fake.RequestCount(graphapi.EndpointSend); n != 0 {
					t.Errorf("%d send requests for a reply outside the window", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			reqs := e.fake.Requests()
			r := reqs[len(reqs)-1]
			if r.Endpoint != graphapi.EndpointSend || first(r.Form["messaging_type"]) != tc.wantType {
				t.Fatalf("request %s %v, want messaging_type %s", r.Endpoint, r.Form, tc.wantType)
			}
			wantTag := ""
			if tc.wantType == "MESSAGE_TAG" {
				wantTag = "HUMAN_AGENT"
			}
			if first(r.Form["tag"]) != wantTag {
				t.Errorf("tag = %q, want %q", first(r.Form["tag"]), wantTag)
			}
			var rcpt map[string]string
			if err := json.Unmarshal([]byte(first(r.Form["recipient"])), &rcpt); err != nil || rcpt["id"] != alice.ID {
				t.Errorf("recipient = %s, want id %s", first(r.Form["recipient"]), alice.ID)
			}
			sent := e.fake.PageReplies()
			if len(sent) != 1 || sent[0].ID != id || sent[0].TargetID != conv || sent[0].Text != "Baik, kami bantu" {
				t.Errorf("page replies = %+v", sent)
			}
		})
	}
}

func TestSendMessengerWindowClosedByFacebook(t *testing.T) {
	// inboxd believes the citizen wrote recently; Facebook knows better.
	e := newEnv(t, nil)
	conv, m := e.fake.AddMessage(alice, "halo", t0.Add(-30*time.Hour))
	_, err := e.conn.Send(t.Context(), outgoing(inbox.Item{Kind: inbox.KindMessage, ExternalID: m, ThreadID: conv, Author: inbox.Author{ID: alice.ID}}, "x", false, t0.Add(-time.Hour)))
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Class != connectors.Permanent || ce.Code != "10/2018278" || !strings.Contains(ce.Message, "messaging window closed") || ce.MayHaveReached {
		t.Fatalf("err = %#v", err)
	}
}

func TestSendPrivateReply(t *testing.T) {
	e := newEnv(t, nil)
	post := e.fake.AddPost(graphapi.Actor{}, "p", t0.Add(-10*24*time.Hour))
	recent := mustComment(t, e.fake, post, "", alice, "NIK saya bermasalah", t0.Add(-(7*24*time.Hour - time.Second)))
	old := mustComment(t, e.fake, post, "", budi, "lama", t0.Add(-7*24*time.Hour))

	item := inbox.Item{Kind: inbox.KindComment, ExternalID: recent, ThreadID: post, Author: inbox.Author{ID: alice.ID}, CreatedAt: t0.Add(-(7*24*time.Hour - time.Second))}
	id, err := e.conn.Send(t.Context(), outgoing(item, "Silakan kirim nomor tiket lewat pesan ini", true, item.CreatedAt))
	if err != nil {
		t.Fatal(err)
	}
	sent := e.fake.PageReplies()
	if len(sent) != 1 || sent[0].ID != id || sent[0].CommentID != recent || sent[0].RecipientID != alice.ID {
		t.Fatalf("page replies = %+v", sent)
	}
	r := e.fake.Requests()[len(e.fake.Requests())-1]
	if first(r.Form["recipient"]) != `{"comment_id":"`+recent+`"}` {
		t.Errorf("recipient = %s", first(r.Form["recipient"]))
	}

	// A second private reply to the same comment: Meta refuses, permanently,
	// with (#100) Invalid comment_id parameter, subcode 2018292.
	_, err = e.conn.Send(t.Context(), outgoing(item, "lagi", true, item.CreatedAt))
	var ce *connectors.Error
	if connectors.ClassOf(err) != connectors.Permanent || !strings.Contains(err.Error(), "one private reply per comment") ||
		!errors.As(err, &ce) || ce.Code != "100/2018292" {
		t.Fatalf("second private reply: %v", err)
	}

	// A comment 7 days old: refused before any request.
	n := e.fake.RequestCount(graphapi.EndpointSend)
	oldItem := inbox.Item{Kind: inbox.KindComment, ExternalID: old, Author: inbox.Author{ID: budi.ID}, CreatedAt: t0.Add(-7 * 24 * time.Hour)}
	_, err = e.conn.Send(t.Context(), outgoing(oldItem, "x", true, oldItem.CreatedAt))
	if connectors.ClassOf(err) != connectors.Permanent || !strings.Contains(err.Error(), "within 7 days") {
		t.Fatalf("late private reply: %v", err)
	}
	if e.fake.RequestCount(graphapi.EndpointSend) != n {
		t.Error("a late private reply reached Facebook")
	}
}

func TestSendRefusesTooLongTextLocally(t *testing.T) {
	e := newEnv(t, nil)
	item := inbox.Item{Kind: inbox.KindMessage, ExternalID: "m_1", Author: inbox.Author{ID: alice.ID}}
	_, err := e.conn.Send(t.Context(), outgoing(item, strings.Repeat("a", limitMessenger+1), false, t0))
	if connectors.ClassOf(err) != connectors.Permanent || e.fake.RequestCount("") != 0 {
		t.Fatalf("err = %v, requests = %d", err, e.fake.RequestCount(""))
	}
}
