package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

type sseEvent struct {
	id, event, data string
	comment         string
}

// stream is one open event stream.
type stream struct {
	t    testing.TB
	resp *http.Response
	rd   *bufio.Reader
}

func (e *env) openStream(ts *httptest.Server, as, lastID string) *stream {
	e.t.Helper()
	req, err := http.NewRequest("GET", ts.URL+"/api/v1/events", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if sid, ok := e.cookies[as]; ok {
		req.AddCookie(&http.Cookie{Name: sessionCookiePlain, Value: sid})
	} else {
		req.Header.Set("Authorization", "Bearer "+e.tokens[as])
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		e.t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &stream{t: e.t, resp: resp, rd: bufio.NewReader(resp.Body)}
	e.t.Cleanup(s.close) // before the server's Close, which waits for open streams
	// The retry hint is written after the subscription exists: from here
	// on no event can be missed.
	if ev := s.next(); !strings.HasPrefix(ev.comment, "retry:") {
		e.t.Fatalf("first block = %+v, want the retry hint", ev)
	}
	return s
}

func (s *stream) close() { s.resp.Body.Close() }

// next reads one block (event, comment or retry hint) up to its blank line.
func (s *stream) next() sseEvent {
	s.t.Helper()
	var ev sseEvent
	for {
		line, err := s.rd.ReadString('\n')
		if err != nil {
			s.t.Fatalf("stream read: %v (so far %+v)", err, ev)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			return ev
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		case strings.HasPrefix(line, ":"), strings.HasPrefix(line, "retry:"):
			ev.comment = line
		default:
			s.t.Fatalf("unexpected stream line %q", line)
		}
	}
}

// nextEvent skips comments and returns the next named event.
func (s *stream) nextEvent() sseEvent {
	s.t.Helper()
	for {
		if ev := s.next(); ev.event != "" {
			return ev
		}
	}
}

func (e *env) ingestOne(externalID, text string) string {
	e.t.Helper()
	res, err := e.st.Ingest("fb-main", []inbox.Item{{Channel: chFacebook, Account: "fb-main", Kind: inbox.KindComment,
		ExternalID: externalID, ThreadID: "777", Author: inbox.Author{ID: "9100", Name: "Rudi"}, Text: text, CreatedAt: testNow}}, nil, []byte(externalID))
	if err != nil || len(res.NewIDs) != 1 {
		e.t.Fatalf("ingest: %+v %v", res, err)
	}
	return res.NewIDs[0]
}

func TestEventStreamCreatedAndSentAndResume(t *testing.T) {
	e := newEnv(t)
	ts := e.server()
	s := e.openStream(ts, asViewer, "")
	defer s.close()

	itemID := e.ingestOne("777_1", "Banjir di Kelurahan Sukamaju")
	created := s.nextEvent()
	var it inbox.Item
	if err := json.Unmarshal([]byte(created.data), &it); err != nil {
		t.Fatal(err)
	}
	if created.event != "item.created" || created.id == "" || it.ID != itemID || it.Text != "Banjir di Kelurahan Sukamaju" {
		t.Fatalf("created event = %+v", created)
	}

	rec := e.do(asOp, "POST", "/api/v1/items/"+itemID+"/replies", `{"text":"Tim BPBD sedang menuju lokasi"}`)
	if rec.Code != 202 {
		t.Fatalf("reply: %d %s", rec.Code, rec.Body)
	}
	replyID := decodeJSONBody[inbox.Reply](t, rec).ID
	e.cancelQueuedExcept(replyID)
	if sent := e.sendNext("fb-main", "777_1_r"); sent.ID != replyID {
		t.Fatalf("sent %s, want %s", sent.ID, replyID)
	}
	var seen []string
	var sentEv sseEvent
	for sentEv.event == "" {
		ev := s.nextEvent()
		seen = append(seen, ev.event)
		if ev.event == "reply.sent" {
			sentEv = ev
		}
	}
	var r inbox.Reply
	if err := json.Unmarshal([]byte(sentEv.data), &r); err != nil {
		t.Fatal(err)
	}
	if r.ID != replyID || r.State != inbox.ReplySent || r.ExternalID != "777_1_r" {
		t.Fatalf("reply.sent data = %s", sentEv.data)
	}
	if seen[0] != "reply.queued" {
		t.Errorf("events after the reply = %v, want reply.queued first", seen)
	}
	s.close()

	// Resume after the created event: everything after it comes again, in order.
	s2 := e.openStream(ts, asViewer, created.id)
	defer s2.close()
	var again []string
	for len(again) < len(seen) {
		again = append(again, s2.nextEvent().event)
	}
	if strings.Join(again, ",") != strings.Join(seen, ",") {
		t.Fatalf("resumed events = %v, want %v", again, seen)
	}
}

func TestEventStreamUnitScope(t *testing.T) {
	e := newEnv(t)
	ts := e.server()
	s := e.openStream(ts, asViewerA, "")
	defer s.close()
	tag := []string{"checked"}
	if _, err := e.st.Update(e.items["bMention"].ID, "op", store.Change{Tags: &tag}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Update(e.items["aComment"].ID, "op", store.Change{Tags: &tag}); err != nil {
		t.Fatal(err)
	}
	ev := s.nextEvent()
	var it inbox.Item
	if err := json.Unmarshal([]byte(ev.data), &it); err != nil {
		t.Fatal(err)
	}
	if ev.event != "item.updated" || it.ID != e.items["aComment"].ID {
		t.Fatalf("scoped stream got %s for %s (%s), want unit A's update", ev.event, it.ID, it.Unit)
	}
}

func TestEventStreamResetWhenMissed(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.EventRingSize = 2 })
	ts := e.server()
	first := e.openStream(ts, asViewer, "")
	e.ingestOne("777_1", "one")
	old := first.nextEvent().id
	first.close()
	e.ingestOne("777_2", "two") // lost: the ring of 2 keeps only the next two
	e.ingestOne("777_3", "three")
	e.ingestOne("777_4", "four")

	for _, lastID := range []string{old, "other-run-5"} {
		s := e.openStream(ts, asViewer, lastID)
		if ev := s.nextEvent(); ev.event != "reset" {
			t.Fatalf("Last-Event-ID %s: first event %+v, want reset", lastID, ev)
		}
		if ev := s.nextEvent(); ev.event != "item.created" || !strings.Contains(ev.data, `"three"`) {
			t.Fatalf("after reset: %+v", ev)
		}
		s.close()
	}
}

func TestEventStreamHeartbeatAndShutdown(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.HeartbeatInterval = time.Millisecond })
	ts := e.server()
	s := e.openStream(ts, asViewer, "")
	defer s.close()
	if ev := s.next(); !strings.HasPrefix(ev.comment, ": heartbeat") {
		t.Fatalf("got %+v, want a heartbeat", ev)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// The stream ends: reading reaches EOF after any pending heartbeats.
	if _, err := io.Copy(io.Discard, s.rd); err != nil {
		t.Fatalf("stream did not end cleanly: %v", err)
	}
	rec := e.do(asViewer, "GET", "/api/v1/events", nil)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("stream after shutdown: %d", rec.Code)
	}
}

// server serves the env's handler over real HTTP on loopback.
func (e *env) server() *httptest.Server {
	ts := httptest.NewServer(e.srv)
	e.t.Cleanup(ts.Close)
	return ts
}

// cancelQueuedExcept cancels every queued reply but keep.
func (e *env) cancelQueuedExcept(keep string) {
	e.t.Helper()
	page, err := e.st.Replies(store.ReplyFilter{State: inbox.ReplyQueued, Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range page.Replies {
		if r.ID != keep {
			if _, err := e.st.Cancel(r.ID, "test"); err != nil {
				e.t.Fatal(err)
			}
		}
	}
}

func TestPublishWithoutTheObjectStillSignals(t *testing.T) {
	e := newEnv(t)
	before := e.srv.hub.LastID()
	e.srv.Publish(store.Event{Type: store.EventItemUpdated, ItemID: "01GONE", Unit: unitA})
	evs, _ := e.srv.hub.Since(before, 0)
	if len(evs) != 1 || evs[0].Type != "item.updated" || evs[0].Unit != unitA || !strings.Contains(string(evs[0].Data), `"item_id":"01GONE"`) {
		t.Fatalf("events = %+v", evs)
	}
}

// Publish reads the item after the commit; by then a later commit may have
// moved it to another unit. The event is routed by the unit it had at its
// own commit, so it must not carry the item's newer state (another unit's
// item) to the old unit's streams; the later event brings that to the new
// unit's streams.
func TestPublishDoesNotLeakAnItemMovedOnToAnotherUnit(t *testing.T) {
	e := newEnv(t)
	it := e.items["aComment"] // unit A
	b, tag := unitB, []string{"rahasia-dinas-b"}
	if _, err := e.st.Update(it.ID, "admin", store.Change{Unit: &b, Tags: &tag}); err != nil {
		t.Fatal(err)
	}
	before := e.srv.hub.LastID()
	// A change committed while the item was still in unit A, published late.
	e.srv.Publish(store.Event{Type: store.EventItemUpdated, ItemID: it.ID, Unit: unitA})
	evs, _ := e.srv.hub.Since(before, 0)
	if len(evs) != 1 || evs[0].Unit != unitA {
		t.Fatalf("events = %+v", evs)
	}
	if data := string(evs[0].Data); strings.Contains(data, unitB) || strings.Contains(data, "rahasia") || !strings.Contains(data, it.ID) {
		t.Errorf("unit A's event carries the item as it is now in unit B: %s", data)
	}

	// Unmoved items keep their full body.
	before = e.srv.hub.LastID()
	e.srv.Publish(store.Event{Type: store.EventItemUpdated, ItemID: it.ID, Unit: unitB})
	evs, _ = e.srv.hub.Since(before, 0)
	if len(evs) != 1 || !strings.Contains(string(evs[0].Data), "rahasia-dinas-b") {
		t.Errorf("events = %+v", evs)
	}
}

// TestEventStreamOutlivesWriteTimeout runs the stream on the http.Server
// that HTTPServer configures, with a write timeout far shorter than the
// stream: heartbeats keep arriving after it, and shutting the server down
// ends the stream instead of waiting for it.
func TestEventStreamOutlivesWriteTimeout(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.HeartbeatInterval = 5 * time.Millisecond })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := e.srv.HTTPServer(ln.Addr().String())
	hs.WriteTimeout = 30 * time.Millisecond
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	ts := &httptest.Server{URL: "http://" + ln.Addr().String()}
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[asViewer])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	s := &stream{t: t, resp: resp, rd: bufio.NewReader(resp.Body)}
	start := time.Now()
	beats := 0
	for time.Since(start) < 5*hs.WriteTimeout {
		if ev := s.next(); strings.HasPrefix(ev.comment, ": heartbeat") {
			beats++
		}
	}
	if beats < 2 {
		t.Fatalf("%d heartbeats", beats)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		t.Fatalf("server shutdown waited on the stream: %v", err)
	}
	if err := <-served; err != http.ErrServerClosed {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
}
