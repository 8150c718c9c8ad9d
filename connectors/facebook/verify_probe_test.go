package facebook

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/graphapi"
)

func TestVerify(t *testing.T) {
	e := newEnv(t, nil)
	post := e.fake.AddPost(graphapi.Actor{}, "p", t0.Add(-3*time.Hour))
	top := mustComment(t, e.fake, post, "", alice, "induk", t0.Add(-2*time.Hour))
	reply := mustComment(t, e.fake, post, top, budi, "balasan warga", t0.Add(-90*time.Minute))
	conv, m := e.fake.AddMessage(citra, "halo", t0.Add(-time.Hour))
	pc := mustComment(t, e.fake, post, "", citra, "minta info", t0.Add(-time.Hour))

	commentOut := outgoing(inbox.Item{Kind: inbox.KindComment, ExternalID: top, ThreadID: post}, "Jawaban resmi", false, t0)
	// Answering a reply: Facebook files the answer under the top-level comment.
	replyOut := outgoing(inbox.Item{Kind: inbox.KindComment, ExternalID: reply, ParentID: top, ThreadID: post}, "Untuk Budi", false, t0)
	msgOut := outgoing(inbox.Item{Kind: inbox.KindMessage, ExternalID: m, ThreadID: conv, Author: inbox.Author{ID: citra.ID}}, "Pesan resmi", false, t0.Add(-time.Hour))
	privOut := outgoing(inbox.Item{Kind: inbox.KindComment, ExternalID: pc, ThreadID: post, Author: inbox.Author{ID: citra.ID}, CreatedAt: t0.Add(-time.Hour)}, "Balasan pribadi", true, t0.Add(-time.Hour))

	since := e.clock.Now()
	e.clock.Add(time.Minute)
	for _, out := range []connectors.Outgoing{commentOut, replyOut, msgOut, privOut} {
		if _, found, err := e.conn.Verify(t.Context(), out, since); err != nil || found {
			t.Fatalf("Verify before sending %q = %v %v, want not found", out.Reply.Text, found, err)
		}
		id, err := e.conn.Send(t.Context(), out)
		if err != nil {
			t.Fatal(err)
		}
		got, found, err := e.conn.Verify(t.Context(), out, since)
		if err != nil || !found || got != id {
			t.Errorf("Verify(%q) = %q %v %v, want %s", out.Reply.Text, got, found, err, id)
		}
		// Same text, but only replies after since count.
		if _, found, _ := e.conn.Verify(t.Context(), out, e.clock.Now().Add(time.Hour)); found {
			t.Errorf("Verify(%q) found a reply older than since", out.Reply.Text)
		}
		other := out
		other.Reply.Text = "teks lain"
		if _, found, _ := e.conn.Verify(t.Context(), other, since); found {
			t.Errorf("Verify matched a different text on %s", out.Item.ExternalID)
		}
	}
}

func TestProbe(t *testing.T) {
	t.Run("healthy", func(t *testing.T) {
		e := newEnv(t, nil)
		rep, err := e.conn.Probe(t.Context())
		if err != nil || !rep.OK() || rep.AccountID != testPageID || rep.AccountName != "Pemkab Contoh" || len(rep.Permissions) != 6 {
			t.Fatalf("report = %+v, err %v", rep, err)
		}
		for _, r := range e.fake.Requests() {
			if r.Method != "GET" {
				t.Errorf("probe made a %s request", r.Method)
			}
		}
		if n := e.fake.RequestCount(""); n != 2 {
			t.Errorf("probe made %d requests, want 2", n)
		}
	})
	t.Run("missing permissions", func(t *testing.T) {
		e := newEnv(t, nil, func(o *graphapi.Options) {
			o.Permissions = []string{"pages_show_list", "pages_read_engagement", "pages_messaging"}
		})
		rep, err := e.conn.Probe(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"pages_read_user_content", "pages_manage_engagement", "pages_manage_metadata"}
		if !slices.Equal(rep.Missing, want) || rep.OK() || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "pages_manage_engagement") {
			t.Fatalf("report = %+v, want missing %v", rep, want)
		}
	})
	t.Run("token of another page", func(t *testing.T) {
		e := newEnv(t, nil, func(o *graphapi.Options) { o.TokenOwnerID, o.TokenOwnerName = "999888777", "Dinas Lain" })
		rep, err := e.conn.Probe(t.Context())
		if err != nil || rep.OK() || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "not to the configured page_id "+testPageID) {
			t.Fatalf("report = %+v, err %v", rep, err)
		}
	})
	t.Run("expired token", func(t *testing.T) {
		e := newEnv(t, nil)
		e.fake.Fail(graphapi.EndpointMe, graphapi.Fault{Kind: graphapi.FaultExpiredToken})
		rep, err := e.conn.Probe(t.Context())
		if err != nil || rep.OK() || !strings.Contains(rep.Problems[0], "Session has expired") {
			t.Fatalf("report = %+v, err %v", rep, err)
		}
		if strings.Contains(strings.Join(rep.Problems, " "), testToken) {
			t.Fatal("token in the report")
		}
	})
	t.Run("facebook down", func(t *testing.T) {
		e := newEnv(t, nil)
		e.fake.Fail(graphapi.EndpointMe, graphapi.Fault{Kind: graphapi.FaultServerError})
		if _, err := e.conn.Probe(t.Context()); connectors.ClassOf(err) != connectors.Transient {
			t.Fatalf("err = %v, want transient", err)
		}
	})
}

func TestNewValidatesConfig(t *testing.T) {
	_, err := New(Config{Sources: []string{"messages", "inbox"}, GraphURL: "ftp://x", MaxPagesPerPoll: -1}, Options{})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"name is empty", "page_id is empty", "page_token is empty", "graph_url", `unknown source "inbox"`, "max_pages_per_poll"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	c, err := New(Config{Name: "a", PageID: "1", PageToken: "t"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.GraphURL != DefaultGraphURL || c.cfg.GraphVersion != DefaultGraphVersion || c.cfg.Lookback != DefaultLookback ||
		c.cfg.MaxPagesPerPoll != DefaultMaxPagesPerPoll || c.cfg.HTTPTimeout != DefaultHTTPTimeout || !slices.Equal(c.cfg.Sources, AllSources) {
		t.Errorf("defaults = %+v", c.cfg)
	}
	if c.Name() != "a" {
		t.Errorf("Name() = %q", c.Name())
	}
}

func TestConcurrentPollAndSend(t *testing.T) {
	e := newEnv(t, nil)
	post := e.fake.AddPost(graphapi.Actor{}, "p", t0.Add(-time.Hour))
	var comments []string
	for i := range 10 {
		comments = append(comments, mustComment(t, e.fake, post, "", alice, "c", t0.Add(-time.Duration(i+1)*time.Minute)))
	}
	errs := make(chan error, 20)
	for _, id := range comments {
		go func() {
			_, err := e.conn.Send(t.Context(), outgoing(inbox.Item{Kind: inbox.KindComment, ExternalID: id}, "ok", false, t0))
			errs <- err
		}()
		go func() {
			_, err := e.conn.Poll(t.Context(), nil)
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := len(e.fake.PageReplies()); n != 10 {
		t.Fatalf("%d replies, want 10", n)
	}
	_ = e.conn.Usage()
}
