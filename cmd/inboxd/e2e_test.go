package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/registry"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim"
	"github.com/inboxd/inboxd/pkg/sim/graphapi"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
	"github.com/inboxd/inboxd/pkg/store"
)

// TestEndToEnd runs the daemon against both fakes: every shape of citizen
// message arrives exactly once, replies of the four kinds are delivered
// once and turn their items answered, re-polling imports nothing twice (nor
// the account's own answers), and stats and metrics follow.
func TestEndToEnd(t *testing.T) {
	f := newFakes(t)
	// Polls come from the API here, so the cron schedule is out of the way.
	d := startDaemon(t, f.writeDaemonConfig(t, tPageToken, "@every 1h"))

	// The bootstrap admin creates the operator token used from here on.
	code, body := d.do("POST", "/api/v1/tokens", map[string]string{"name": "siti", "role": "operator"})
	if code != http.StatusCreated {
		t.Fatalf("create token = %d %s", code, body)
	}
	var created struct{ Secret string }
	if err := json.Unmarshal(body, &created); err != nil || created.Secret == "" {
		t.Fatalf("created token: %v %s", err, body)
	}
	d.token = created.Secret

	gen := sim.NewGenerator(42)
	const perShape = 40 // 480 items: lists take three pages of 200
	// First batch: read by the accounts' first poll (look-back).
	emitEach(t, f.world, gen, perShape)
	d.pollSucceeded(fbAccount)
	d.pollSucceeded(xAccount)
	checkExactlyOnce(t, f.world, d.items(""))

	// Second batch: read by the next polls from the stored cursors.
	emitEach(t, f.world, gen, perShape)
	d.pollSucceeded(fbAccount)
	d.pollSucceeded(xAccount)
	items := d.items("")
	checkExactlyOnce(t, f.world, items)
	total := 2 * perShape * len(fbXShapes)

	// Counts per channel and kind through the API's filters.
	wantKinds := map[string]int{}
	for _, shape := range fbXShapes {
		wantKinds[fmt.Sprintf("channel=%s&kind=%s", channelOf(shape), expectedKind[shape])] += len(f.world.IDs(shape))
	}
	for q, want := range wantKinds {
		if got := len(d.items(q)); got != want {
			t.Errorf("GET /api/v1/items?%s: %d items, want %d", q, got, want)
		}
	}

	st := d.stats()
	if st.ByStatus[inbox.StatusNew] != int64(total) || st.Waiting != int64(total) {
		t.Errorf("stats by_status = %v, waiting %d; want %d new", st.ByStatus, st.Waiting, total)
	}
	if st.ByChannel[facebook.Channel] != int64(2*perShape*4) || st.ByChannel[twitter.Channel] != int64(2*perShape*2) {
		t.Errorf("stats by_channel = %v", st.ByChannel)
	}
	m := d.metrics()
	if got := m[metric("inboxd_items_ingested_total", "account", fbAccount)]; got != float64(2*perShape*4) {
		t.Errorf("items ingested (facebook) = %v, want %d", got, 2*perShape*4)
	}
	if got := m[metric("inboxd_items_ingested_total", "account", xAccount)]; got != float64(2*perShape*2) {
		t.Errorf("items ingested (x) = %v, want %d", got, 2*perShape*2)
	}
	for _, acc := range []string{fbAccount, xAccount} {
		if got := m[metric("inboxd_polls_total", "account", acc, "outcome", "ok")]; got < 2 {
			t.Errorf("polls ok (%s) = %v, want at least 2", acc, got)
		}
	}
	if _, ok := m[metric("inboxd_platform_usage_ratio", "account", fbAccount)]; !ok {
		t.Error("no Facebook usage gauge")
	}
	if _, ok := m[metric("inboxd_platform_rate_limit_remaining", "account", fbAccount)]; ok {
		t.Error("a Facebook rate-limit-remaining gauge: Facebook reports none, and 0 reads as exhausted")
	}
	if got := m[metric("inboxd_platform_rate_limit_remaining", "account", xAccount)]; got <= 0 {
		t.Errorf("X rate-limit remaining gauge = %v, want the fake's remaining calls", got)
	}
	if got := m[metric("inboxd_items", "status", "new")]; got != float64(total) {
		t.Errorf("inboxd_items{status=new} = %v, want %d", got, total)
	}

	// One reply of each kind, to items of the second batch.
	pick := func(ch inbox.Channel, k inbox.Kind) inbox.Item {
		for _, shape := range fbXShapes {
			if channelOf(shape) != ch || expectedKind[shape] != k {
				continue
			}
			ids := f.world.IDs(shape)
			last := ids[len(ids)-1]
			for _, it := range items {
				if it.Channel == ch && it.ExternalID == last {
					return it
				}
			}
		}
		t.Fatalf("no %s %s item", ch, k)
		return inbox.Item{}
	}
	type sentReply struct {
		name string
		item inbox.Item
		text string
		id   string
	}
	cases := []*sentReply{
		{name: "facebook comment", item: pick(facebook.Channel, inbox.KindComment), text: "Terima kasih, laporan jalan rusak sudah kami teruskan ke Dinas PUPR."},
		{name: "messenger", item: pick(facebook.Channel, inbox.KindMessage), text: "Baik Bapak/Ibu, jadwal pengangkutan sampah kami kirimkan segera."},
		{name: "x mention", item: pick(twitter.Channel, inbox.KindMention), text: "Terima kasih atas laporannya, petugas BPBD sudah menuju lokasi."},
		{name: "x dm", item: pick(twitter.Channel, inbox.KindMessage), text: "Silakan datang ke Disdukcapil dengan membawa KK asli."},
	}
	for _, c := range cases {
		r := d.queueReply(c.item.ID, c.text, false)
		if r.State != inbox.ReplyQueued {
			t.Errorf("%s: new reply state %s, want queued", c.name, r.State)
		}
		c.id = r.ID
	}
	for _, c := range cases {
		waitFor(t, c.name+" reply sent", func() bool { return d.reply(c.id).State == inbox.ReplySent })
	}

	// Each is on the platform exactly once, with the id inboxd recorded.
	checkPosted := func() {
		t.Helper()
		for _, c := range cases {
			r := d.reply(c.id)
			var ids []string
			switch {
			case c.item.Channel == facebook.Channel:
				for _, p := range f.graph.PageReplies() {
					if p.Text == c.text {
						ids = append(ids, p.ID)
						if c.item.Kind == inbox.KindComment && (p.Kind != "comment" || p.TargetID != c.item.ExternalID) {
							t.Errorf("%s: posted as %s on %s, want a comment on %s", c.name, p.Kind, p.TargetID, c.item.ExternalID)
						}
						if c.item.Kind == inbox.KindMessage && (p.Kind != "message" || p.RecipientID != c.item.Author.ID) {
							t.Errorf("%s: posted as %s to %s, want a message to %s", c.name, p.Kind, p.RecipientID, c.item.Author.ID)
						}
					}
				}
			case c.item.Kind == inbox.KindMention:
				for _, p := range f.x.Posted() {
					if p.Text == c.text || p.Text == "@"+c.item.Author.Handle+" "+c.text {
						ids = append(ids, p.ID)
						if p.InReplyToID != c.item.ExternalID {
							t.Errorf("%s: posted in reply to %q, want %q", c.name, p.InReplyToID, c.item.ExternalID)
						}
					}
				}
			default:
				for _, e := range f.x.SentDMs() {
					if e.Text == c.text {
						ids = append(ids, e.ID)
						if e.RecipientID != c.item.Author.ID {
							t.Errorf("%s: DM to %s, want %s", c.name, e.RecipientID, c.item.Author.ID)
						}
					}
				}
			}
			if len(ids) != 1 {
				t.Errorf("%s: on the platform %d times (%v), want once", c.name, len(ids), ids)
			} else if r.ExternalID != ids[0] {
				t.Errorf("%s: reply external_id %q, platform id %q", c.name, r.ExternalID, ids[0])
			}
			if it := d.item(c.item.ID); it.Status != inbox.StatusAnswered || it.AnsweredAt == nil {
				t.Errorf("%s: item status %s (answered_at %v), want answered", c.name, it.Status, it.AnsweredAt)
			}
		}
	}
	checkPosted()

	// The next polls see the accounts' own answers on the platforms and
	// import none of them as citizen messages.
	sendsBefore := f.graph.RequestCount(graphapi.EndpointPostComment) + f.graph.RequestCount(graphapi.EndpointSend) +
		f.x.Requests(xapi.CreateTweet) + f.x.Requests(xapi.SendDM)
	d.pollSucceeded(fbAccount)
	d.pollSucceeded(xAccount)
	checkExactlyOnce(t, f.world, d.items(""))
	checkPosted()
	if after := f.graph.RequestCount(graphapi.EndpointPostComment) + f.graph.RequestCount(graphapi.EndpointSend) +
		f.x.Requests(xapi.CreateTweet) + f.x.Requests(xapi.SendDM); after != sendsBefore {
		t.Errorf("platform write calls went from %d to %d after the replies were sent", sendsBefore, after)
	}
	if n := len(d.replies("")); n != len(cases) {
		t.Errorf("%d operator replies listed, want %d", n, len(cases))
	}

	// A sent reply answers its item and the same author's earlier waiting
	// items of the thread (a citizen's several Messenger lines, say).
	answered := map[string]inbox.Item{}
	for _, c := range cases {
		answered[c.item.ID] = c.item
		for _, it := range items {
			if it.ThreadID != "" && it.Channel == c.item.Channel && it.Account == c.item.Account && it.ThreadID == c.item.ThreadID &&
				it.Author.ID == c.item.Author.ID && !it.CreatedAt.After(c.item.CreatedAt) {
				answered[it.ID] = it
			}
		}
	}
	t.Logf("%d replies answered %d of %d items", len(cases), len(answered), total)
	firstResponses := 0 // look-back items are left out of response times
	for id, it := range answered {
		if !it.Backfill {
			firstResponses++
		}
		if got := d.item(id); got.Status != inbox.StatusAnswered {
			t.Errorf("item %s (%s %s by %s) is %s, want answered by a reply in its thread", id, it.Channel, it.Kind, it.Author.ID, got.Status)
		}
	}

	st = d.stats()
	if st.ByStatus[inbox.StatusAnswered] != int64(len(answered)) || st.ByStatus[inbox.StatusNew] != int64(total-len(answered)) {
		t.Errorf("after replies: by_status = %v", st.ByStatus)
	}
	if st.Replies[inbox.ReplySent] != int64(len(cases)) {
		t.Errorf("after replies: replies = %v, want %d sent", st.Replies, len(cases))
	}
	if fr := st.FirstResponse["24h"]; fr.Count != int64(firstResponses) {
		t.Errorf("first_response[24h] = %+v, want count %d", fr, firstResponses)
	}
	m = d.metrics()
	for acc, n := range map[string]float64{fbAccount: 2, xAccount: 2} {
		if got := m[metric("inboxd_deliveries_total", "account", acc, "outcome", "sent")]; got != n {
			t.Errorf("deliveries sent (%s) = %v, want %v", acc, got, n)
		}
		if got := m[metric("inboxd_polls_total", "account", acc, "outcome", "ok")]; got < 3 {
			t.Errorf("polls ok (%s) = %v, want at least 3", acc, got)
		}
	}
	if got := m[metric("inboxd_items", "status", "answered")]; got != float64(len(answered)) {
		t.Errorf("inboxd_items{status=answered} = %v, want %d", got, len(answered))
	}
	if got := m[metric("inboxd_replies", "state", "sent")]; got != float64(len(cases)) {
		t.Errorf("inboxd_replies{state=sent} = %v, want %d", got, len(cases))
	}
	if got := m[metric("inboxd_account_state", "account", fbAccount, "platform", "facebook", "state", "idle")]; got != 1 {
		t.Errorf("account state gauge (facebook idle) = %v, want 1", got)
	}
	d.checkNoErrors()
	checkNoDuplicateLogKeys(t, d.stderr.String())
}

// TestGracefulShutdownUnderLoad stops the daemon while the generator writes
// hundreds of messages a second, polls run every second, replies are being
// queued and sent, and an event-stream client is connected: serve returns
// within 5 s of the cancellation, the stream ends, no reply is left in
// doubt or posted twice, and (TestMain's goleak) no goroutine outlives it.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	f := newFakes(t)
	cfgPath := f.writeDaemonConfig(t, tPageToken, "@every 1s")
	d := startDaemon(t, cfgPath)

	var wg sync.WaitGroup
	defer wg.Wait()
	loadCtx, stopLoad := context.WithCancel(context.Background())
	defer stopLoad()

	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = sim.NewGenerator(3).Run(loadCtx, 500, 200, nil, f.world.Emit)
	}()

	// The event stream: counts events until the server ends it.
	var events atomic.Int64
	streamEnded := make(chan error, 1)
	sseClient := &http.Client{} // no timeout: the stream is long-lived
	defer sseClient.CloseIdleConnections()
	req, err := http.NewRequestWithContext(loadCtx, "GET", d.base+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tAdminToken)
	resp, err := sseClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET /api/v1/events = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event:") {
				events.Add(1)
			}
		}
		streamEnded <- sc.Err()
	}()

	// An operator answering whatever is new, as fast as the API allows.
	apiClient := &http.Client{Timeout: 5 * time.Second}
	defer apiClient.CloseIdleConnections()
	var queuedMu sync.Mutex
	var queued []*queuedReply
	wg.Add(1)
	go func() {
		defer wg.Done()
		n := 0
		answered := map[string]bool{}
		pace := time.NewTicker(5 * time.Millisecond)
		defer pace.Stop()
		for loadCtx.Err() == nil {
			<-pace.C
			list, err := listNew(apiClient, d.base)
			if err != nil {
				return // the daemon is going away
			}
			for _, it := range list {
				if answered[it.ID] {
					continue
				}
				answered[it.ID] = true
				n++
				r := &queuedReply{item: it, key: fmt.Sprintf("load-%d", n),
					text: fmt.Sprintf("[balasan %d] Terima kasih, sedang kami tindak lanjuti.", n)}
				if err := postReply(apiClient, d.base, r); err != nil {
					return
				}
				queuedMu.Lock()
				queued = append(queued, r)
				queuedMu.Unlock()
			}
		}
	}()

	// Under load: items flowing in, replies going out, events streaming.
	waitFor(t, "load on every path", func() bool {
		st := d.stats()
		return st.ByStatus[inbox.StatusNew]+st.ByStatus[inbox.StatusAnswered] > 1000 &&
			st.Replies[inbox.ReplySent] > 50 && events.Load() > 500
	})

	took := d.stop()
	t.Logf("serve returned %v after the cancellation (%d events streamed)", took, events.Load())
	d.checkNoErrors()
	if took >= 5*time.Second {
		t.Errorf("shutdown took %v, want under 5 s", took)
	}
	select {
	case <-streamEnded:
	case <-time.After(waitDeadline):
		t.Error("the event stream was not ended by the shutdown")
	}
	stopLoad()
	wg.Wait()

	// The data file after a clean stop: every reply sent is on the
	// platform once, every other one still queued and not posted; none in
	// doubt.
	st, err := store.Open(filepath.Join(dataDirOf(cfgPath), dataFileName), store.Options{Replies: registry.Replies()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	queuedMu.Lock()
	defer queuedMu.Unlock()
	count := map[inbox.ReplyState]int{}
	for _, r := range queued {
		got, err := st.Reply(r.id)
		if err != nil {
			t.Fatalf("reply %s: %v", r.id, err)
		}
		count[got.State]++
		n := onPlatform(f, r.text)
		switch {
		case got.State == inbox.ReplySent && n == 1:
		case got.State == inbox.ReplyQueued && n == 0:
		default:
			t.Errorf("reply %q: %s after a clean stop, on the platform %d times", r.text, got.State, n)
		}
	}
	t.Logf("replies after the stop: %v", count)
}

// TestShutdownWithHungSend stops the daemon while the platform holds a
// reply's request (after applying it): serve still returns within 5 s, and
// after the restart the reply is verified on the platform and recorded as
// sent, not posted again.
func TestShutdownWithHungSend(t *testing.T) {
	f := newFakes(t)
	cfgPath := f.writeDaemonConfig(t, tPageToken, "@every 1h")
	d := startDaemon(t, cfgPath)
	emitShapes(t, f.world, sim.NewGenerator(1), 1, sim.FacebookComment)
	d.pollSucceeded(fbAccount)

	release := make(chan struct{})
	defer close(release)
	arrived := make(chan struct{}, 1)
	f.graph.Fail(graphapi.EndpointPostComment, graphapi.Fault{Kind: graphapi.FaultSlow, Release: release, Arrived: arrived})
	book := newReplyBook(d, f)
	r := book.answer(facebook.Channel, inbox.KindComment)
	select {
	case <-arrived:
	case <-time.After(waitDeadline):
		t.Fatal("the reply never reached Graph")
	}
	if s := d.reply(r.ID).State; s != inbox.ReplySending {
		t.Fatalf("held reply is %s, want sending", s)
	}
	took := d.stop() // fails the test beyond 5 s
	t.Logf("serve returned %v after the cancellation with a send hung", took)
	// The cancelled send recorded its outcome before the store closed.
	if log := d.stderr.String(); strings.Contains(log, "store is closed") || !strings.Contains(log, "outcome=unknown") {
		t.Errorf("the hung send's outcome was not recorded before the store closed:\n%s", tail(log, 3000))
	}

	d = startDaemon(t, cfgPath)
	book.d = d
	got := book.waitState(r.ID, inbox.ReplySent)
	if n := onPlatform(f, book.text[r.ID]); n != 1 || got.ExternalID == "" {
		t.Errorf("reply on the platform %d times, external id %q; want once", n, got.ExternalID)
	}
	if c := f.graph.RequestCount(graphapi.EndpointPostComment); c != 1 {
		t.Errorf("POST comments called %d times, want once", c)
	}
}

// TestExternalRepliesMarkAnswered: answers the office wrote on the platforms
// themselves (Meta Business Suite, the X app) are picked up by the polls:
// their items become answered, and the answers are not queued as citizen
// messages.
func TestExternalRepliesMarkAnswered(t *testing.T) {
	f := newFakes(t)
	d := startDaemon(t, f.writeDaemonConfig(t, tPageToken, "@every 1h"))
	emitEach(t, f.world, sim.NewGenerator(21), 1)
	d.pollSucceeded(fbAccount)
	d.pollSucceeded(xAccount)
	items := d.items("")
	checkExactlyOnce(t, f.world, items)

	find := func(shape sim.Shape) inbox.Item {
		id := f.world.IDs(shape)[0]
		for _, it := range items {
			if it.Channel == channelOf(shape) && it.ExternalID == id {
				return it
			}
		}
		t.Fatalf("no item for %s %s", shape, id)
		return inbox.Item{}
	}
	now := time.Now()
	comment := find(sim.FacebookComment) // a top-level comment: the Page answers under it
	if _, err := f.graph.AddComment(comment.ThreadID, comment.ExternalID, f.graph.Page(), "Sudah kami tindak lanjuti, terima kasih.", now); err != nil {
		t.Fatal(err)
	}
	message := find(sim.FacebookMessage)
	f.graph.AddPageMessage(graphapi.Actor{ID: message.Author.ID, Name: message.Author.Name}, "Baik, kami bantu cek.", now)
	dm := find(sim.TwitterDirectMsg)
	f.x.AddDM(xapi.DM{SenderID: tXUserID, RecipientID: dm.Author.ID, Text: "Silakan kirim nomor tiket Anda.", At: now})
	// Not covered: a public X reply written in the X app. The connector
	// learns the account's own posts from the mentions timeline only, where
	// an answer "@citizen ..." does not appear.

	d.pollSucceeded(fbAccount)
	d.pollSucceeded(xAccount)
	checkExactlyOnce(t, f.world, d.items(""))
	for _, it := range []inbox.Item{comment, message, dm} {
		if got := d.item(it.ID); got.Status != inbox.StatusAnswered {
			t.Errorf("%s %s answered on the platform: status %s, want answered", it.Channel, it.Kind, got.Status)
		}
	}
	if got := d.metrics(); got[metric("inboxd_external_replies_total", "account", fbAccount)] != 2 ||
		got[metric("inboxd_external_replies_total", "account", xAccount)] != 1 {
		t.Errorf("external replies: facebook %v, x %v; want 2 and 1",
			got[metric("inboxd_external_replies_total", "account", fbAccount)], got[metric("inboxd_external_replies_total", "account", xAccount)])
	}
	d.checkNoErrors()
}

// TestDemo runs `inboxd demo` as the README tells a newcomer to, follows the
// printed curl flow through the API (list new items, reply to one, stats),
// and stops it with a cancellation.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runEnv(ctx, []string{"demo", "--listen", "127.0.0.1:0", "--data", t.TempDir(),
			"--schedule", "@every 1s", "--rate", "5", "--seed", "1"}, env{
			stdout: &stdout, stderr: &stderr, getenv: envOf(),
			ready: func(addr string) { ready <- addr },
		})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("demo ended before it was ready: %v\n%s", err, stderr.String())
	case <-time.After(waitDeadline):
		t.Fatalf("demo not ready\n%s", stderr.String())
	}
	token := ""
	for _, line := range strings.Split(stdout.String(), "\n") {
		code, _ := splitComment(strings.TrimSpace(line))
		if v, ok := strings.CutPrefix(code, "export TOKEN="); ok {
			token = v
		}
	}
	if token == "" || !strings.Contains(stdout.String(), "http://"+addr) {
		t.Fatalf("demo output lacks the API address or a token:\n%s", stdout.String())
	}
	d := &daemon{t: t, base: "http://" + addr, token: token, client: &http.Client{Timeout: 10 * time.Second}, stderr: &stderr}
	defer d.client.CloseIdleConnections()

	var fresh []inbox.Item
	waitFor(t, "citizen messages in the demo queue", func() bool {
		fresh = d.items("status=new")
		return len(fresh) > 0
	})
	r := d.queueReply(fresh[0].ID, "Terima kasih atas laporannya. Sudah kami teruskan ke dinas terkait.", false)
	waitFor(t, "the demo reply sent", func() bool { return d.reply(r.ID).State == inbox.ReplySent })
	if it := d.item(fresh[0].ID); it.Status != inbox.StatusAnswered {
		t.Errorf("replied item is %s, want answered", it.Status)
	}
	if st := d.stats(); st.Replies[inbox.ReplySent] != 1 {
		t.Errorf("stats replies = %v, want 1 sent", st.Replies)
	}

	// The demo acknowledges Messenger messages and X DMs with the shipped
	// templates; an acknowledgement answers nothing.
	var ack inbox.Reply
	waitFor(t, "an automatic acknowledgement sent", func() bool {
		var list struct{ Replies []inbox.Reply }
		d.getJSON("/api/v1/replies?state=sent&limit=200", &list)
		for _, r := range list.Replies {
			if r.Auto {
				ack = r
				return true
			}
		}
		return false
	})
	if it := d.item(ack.ItemID); it.Kind != inbox.KindMessage || (it.FirstResponseAt != nil && it.ID != fresh[0].ID) ||
		(ack.Template != "diterima" && ack.Template != "diterima-luar-jam") || !strings.Contains(ack.Text, it.Ticket) {
		t.Errorf("acknowledgement %+v of item %+v", ack, it)
	}

	// The demo ships the example's units and rules: items arrive routed,
	// spam arrives ignored, each audited as its rule.
	var spam []inbox.Item
	waitFor(t, "a routed item and an ignored spam item", func() bool {
		routed := slices.ContainsFunc(d.items("status=new"), func(it inbox.Item) bool { return it.Unit != "" })
		spam = d.items("status=ignored")
		return routed && len(spam) > 0
	})
	var detail struct{ Audit []inbox.AuditEntry }
	d.getJSON("/api/v1/items/"+spam[0].ID, &detail)
	if len(detail.Audit) == 0 || !strings.HasPrefix(detail.Audit[0].Actor, "rule:spam-") {
		t.Errorf("spam item's audit: %+v", detail.Audit)
	}
	var units struct {
		Configured bool
		Units      []struct{ Code string }
	}
	d.getJSON("/api/v1/units", &units)
	if !units.Configured || len(units.Units) != 20 {
		t.Errorf("demo units: %+v", units)
	}
	// The README's example, as printed there.
	code, body := d.do("POST", "/api/v1/routing/test", map[string]string{"text": "Jln di desa kami rusaaak, lubangnya dalam bgt"})
	// The demo has sla: policies, so the answer also carries the deadlines.
	if code != http.StatusOK || !strings.Contains(string(body), `{"unit":"dpupr","rule":"jalan-rusak","tags":[],"priority":"normal","assignee":"","status":"new",`) ||
		!strings.Contains(string(body), `"first_response_due_at":"`) || !strings.Contains(string(body), `"resolution_due_at":"`) {
		t.Errorf("routing/test in the demo: %d %s", code, body)
	}

	checkDemoUsers(t, d, stdout.String())

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("demo did not stop within 5 s")
	}
	t.Logf("demo stopped %v after the cancellation", time.Since(start))
	d.checkNoErrors()
}

var demoUserLine = regexp.MustCompile(`(?m)^  user (\S+) +password (\S+) `)

// checkDemoUsers signs in as each console user the demo printed: the admin
// sees every unit, the unit officer only its own unit's items.
func checkDemoUsers(t *testing.T, d *daemon, out string) {
	t.Helper()
	users := demoUserLine.FindAllStringSubmatch(out, -1)
	if len(users) != 2 || users[0][1] != "admin" || users[1][1] != "petugas-dpupr" {
		t.Fatalf("demo output lacks the console's users:\n%s", out)
	}
	if !strings.Contains(out, d.base+"/\n") {
		t.Errorf("demo output lacks the console's address %s/", d.base)
	}
	for _, u := range users {
		jar, err := cookiejar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{Timeout: 10 * time.Second, Jar: jar}
		if code, body := doHTTP(t, c, "POST", d.base+"/api/v1/session", "", map[string]string{"username": u[1], "password": u[2]}); code != http.StatusNoContent {
			t.Fatalf("sign in as %s: %d %s", u[1], code, body)
		}
		code, body := doHTTP(t, c, "GET", d.base+"/api/v1/items?limit=200", "", nil)
		var page struct{ Items []inbox.Item }
		if err := json.Unmarshal(body, &page); code != http.StatusOK || err != nil {
			t.Fatalf("items as %s: %d %v %s", u[1], code, err, body)
		}
		units := map[string]bool{}
		for _, it := range page.Items {
			units[it.Unit] = true
		}
		switch u[1] {
		case "admin":
			if len(units) < 2 {
				t.Errorf("the demo admin sees items of units %v only", units)
			}
		default:
			if len(units) > 1 || len(units) == 1 && !units["dpupr"] {
				t.Errorf("the dpupr officer sees items of units %v", units)
			}
		}
		c.CloseIdleConnections()
	}
}
