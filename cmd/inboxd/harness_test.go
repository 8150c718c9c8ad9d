package main

// The harness the daemon-level tests share: the platform fakes on httptest
// servers, a config pointing two accounts at them, the daemon run through
// runEnv, and small clients of its API. Waits poll the API (or a fake) on a
// short ticker up to a generous deadline: nothing here sleeps to assume that
// something happened.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/instagram"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim"
	"github.com/inboxd/inboxd/pkg/sim/graphapi"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
	"github.com/inboxd/inboxd/pkg/store"
)

// Identities the fakes accept; the config below uses them.
const (
	tPageID        = "102030405060708"
	tPageToken     = "test-page-token"
	tXUserID       = "1460000000000000001"
	tXUsername     = "pemkabsukamaju"
	tConsumerKey   = "test-consumer-key"
	tConsumerSec   = "test-consumer-secret"
	tAccessToken   = "test-access-token"
	tAccessSecret  = "test-access-secret"
	tAdminToken    = "test-bootstrap-admin-token-0123456789"
	tAdminTokenEnv = "INBOXD_TEST_ADMIN_TOKEN"

	fbAccount = "pemkab-fb"
	xAccount  = "pemkab-x"
	igAccount = "pemkab-ig"
	tIGUserID = "17841400000000001"

	// waitFor's deadline: only a bound on a failing test, so generous. The
	// conditions normally hold within a fraction of it, but with the whole
	// suite and other builds on 2 cores (load 15-20), TestGracefulShutdownUnderLoad's
	// "load on every path" took more than 20 s.
	waitDeadline = 90 * time.Second
)

// fakes are the two platform fakes, served on loopback.
type fakes struct {
	graph    *graphapi.Server
	x        *xapi.Server
	graphURL string // with trailing slash
	xURL     string
	world    *sim.World
	// instagram adds the Instagram account (linked to the Page) to the
	// daemon's config; the other tests run the Facebook and X accounts.
	instagram bool
}

// newFakes starts both fakes with X's per-window limits on (a test that
// polls often for long runs newFakesNoLimits; injected faults work in both).
func newFakes(t testing.TB) *fakes { return startFakes(t, false) }

func newFakesNoLimits(t testing.TB) *fakes { return startFakes(t, true) }

func startFakes(t testing.TB, noLimits bool) *fakes {
	t.Helper()
	f := &fakes{
		graph: graphapi.New(graphapi.Options{PageID: tPageID, PageName: "Pemkab Sukamaju", PageToken: tPageToken,
			IGUserID: tIGUserID, IGUsername: "pemkab.sukamaju", CallsPerHour: 1_000_000, NoLimits: noLimits}),
		x: xapi.New(xapi.Options{
			UserID: tXUserID, Username: tXUsername, Name: "Pemkab Sukamaju",
			ConsumerKey: tConsumerKey, ConsumerSecret: tConsumerSec, AccessToken: tAccessToken, AccessSecret: tAccessSecret,
			NoLimits: noLimits,
		}),
	}
	gs := httptest.NewServer(f.graph)
	t.Cleanup(gs.Close)
	xs := httptest.NewServer(f.x)
	t.Cleanup(xs.Close)
	f.graphURL = gs.URL + "/"
	f.graph.SetBaseURL(f.graphURL)
	f.xURL = xs.URL
	f.world = sim.NewWorld(f.graph, f.x, nil)
	return f
}

// configBody is the YAML of the two accounts, with the given Page token and
// schedule. The admin token comes from the environment (tAdminTokenEnv).
func (f *fakes) configBody(dataDir, pageToken, schedule string) string {
	ig := ""
	if f.instagram {
		ig = fmt.Sprintf(`  - name: %s
    platform: instagram
    schedule: %q
    graph_url: %q
    page_id: %q
    ig_user_id: %q
    page_token: %q
    lookback: 1h
`, igAccount, schedule, f.graphURL, tPageID, tIGUserID, pageToken)
	}
	return fmt.Sprintf(`data_dir: %q
backoff_max: 2s
log:
  level: debug
http:
  listen: 127.0.0.1:0
  bootstrap_admin_token: ${%s}
accounts:
  - name: %s
    platform: facebook
    schedule: %q
    graph_url: %q
    page_id: %q
    page_token: %q
    lookback: 1h
  - name: %s
    platform: twitter
    schedule: %q
    api_url: %q
    user_id: %q
    rate_budget: {mentions: 100000, direct_messages: 100000}
    dm_send_budget: {per_15min: 100000, per_day: 1000000}
    oauth1:
      consumer_key: %q
      consumer_secret: %q
      access_token: %q
      access_secret: %q
`, dataDir, tAdminTokenEnv, fbAccount, schedule, f.graphURL, tPageID, pageToken,
		xAccount, schedule, f.xURL, tXUserID, tConsumerKey, tConsumerSec, tAccessToken, tAccessSecret) + ig
}

// writeDaemonConfig writes the config in a fresh temp dir and returns its path.
func (f *fakes) writeDaemonConfig(t testing.TB, pageToken, schedule string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	writeFile(t, path, f.configBody(filepath.Join(dir, "data"), pageToken, schedule))
	return path
}

func writeFile(t testing.TB, path, body string) {
	t.Helper()
	// Write and rename, so a reload never reads a half-written file.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// daemon is a running `inboxd serve` inside the test process.
type daemon struct {
	t      testing.TB
	base   string // http://addr
	token  string // bearer token the helpers use
	cancel context.CancelFunc
	done   chan error
	hup    chan os.Signal
	stderr *syncBuffer
	client *http.Client
}

// startDaemon runs serve with the config through runEnv and waits until it
// listens. The test ends it with stop (a cleanup stops it otherwise).
func startDaemon(t testing.TB, cfgPath string) *daemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{
		t: t, token: tAdminToken, cancel: cancel, done: make(chan error, 1),
		hup: make(chan os.Signal, 1), stderr: &syncBuffer{},
		client: &http.Client{Timeout: 10 * time.Second},
	}
	ready := make(chan string, 1)
	go func() {
		d.done <- runEnv(ctx, []string{"serve", "--config", cfgPath}, env{
			stdout: io.Discard, stderr: d.stderr, getenv: envOf(tAdminTokenEnv, tAdminToken),
			ready: func(addr string) { ready <- addr }, hup: d.hup,
		})
	}()
	select {
	case addr := <-ready:
		d.base = "http://" + addr
	case err := <-d.done:
		cancel()
		t.Fatalf("serve ended before it was ready: %v\n%s", err, d.stderr.String())
	case <-time.After(waitDeadline):
		cancel()
		t.Fatalf("serve not ready within %s\n%s", waitDeadline, d.stderr.String())
	}
	t.Cleanup(func() {
		if d.cancel != nil {
			d.stop()
		}
		if t.Failed() || os.Getenv("INBOXD_TEST_LOG") != "" {
			t.Logf("daemon log (tail):\n%s", tail(d.stderr.String(), 30000))
		}
	})
	return d
}

// stop cancels the daemon's context and returns how long runEnv took to
// return; it fails the test if that is more than 5 s or runEnv failed.
func (d *daemon) stop() time.Duration {
	d.t.Helper()
	cancel := d.cancel
	d.cancel = nil
	start := time.Now()
	cancel()
	select {
	case err := <-d.done:
		took := time.Since(start)
		if err != nil {
			d.t.Errorf("serve: %v", err)
		}
		d.client.CloseIdleConnections()
		return took
	case <-time.After(5 * time.Second):
		d.t.Fatalf("serve did not stop within 5 s of cancellation\n%s", tail(d.stderr.String(), 4000))
	}
	return 0
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// do sends a request with the daemon's token and returns status and body.
func (d *daemon) do(method, path string, body any, hdr ...string) (int, []byte) {
	d.t.Helper()
	return doHTTP(d.t, d.client, method, d.base+path, d.token, body, hdr...)
}

func doHTTP(t testing.TB, c *http.Client, method, u, token string, body any, hdr ...string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, u, err)
	}
	return resp.StatusCode, b
}

// getJSON GETs path, wants 200 and decodes the body into v.
func (d *daemon) getJSON(path string, v any) {
	d.t.Helper()
	code, body := d.do("GET", path, nil)
	if code != http.StatusOK {
		d.t.Fatalf("GET %s = %d %s", path, code, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		d.t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}

// items lists every item matching the query, following next_cursor with
// the largest page size.
func (d *daemon) items(query string) []inbox.Item {
	d.t.Helper()
	var all []inbox.Item
	cursor := ""
	for {
		q, _ := url.ParseQuery(query)
		q.Set("limit", "200")
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Items      []inbox.Item `json:"items"`
			NextCursor string       `json:"next_cursor"`
		}
		d.getJSON("/api/v1/items?"+q.Encode(), &page)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

// replies lists every reply in a state ("" all), operators' only (not the
// external ones a poll recorded).
func (d *daemon) replies(state inbox.ReplyState) []inbox.Reply {
	d.t.Helper()
	var all []inbox.Reply
	cursor := ""
	for {
		q := url.Values{"limit": {"200"}}
		if state != "" {
			q.Set("state", string(state))
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Replies    []inbox.Reply `json:"replies"`
			NextCursor string        `json:"next_cursor"`
		}
		d.getJSON("/api/v1/replies?"+q.Encode(), &page)
		for _, r := range page.Replies {
			if !r.External {
				all = append(all, r)
			}
		}
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

func (d *daemon) reply(id string) inbox.Reply {
	d.t.Helper()
	var r inbox.Reply
	d.getJSON("/api/v1/replies/"+url.PathEscape(id), &r)
	return r
}

func (d *daemon) item(id string) inbox.Item {
	d.t.Helper()
	var det store.Detail
	d.getJSON("/api/v1/items/"+url.PathEscape(id), &det)
	return det.Item
}

// queueReply asks the API to send text as the answer to an item.
func (d *daemon) queueReply(itemID, text string, private bool) inbox.Reply {
	d.t.Helper()
	code, body := d.do("POST", "/api/v1/items/"+url.PathEscape(itemID)+"/replies", map[string]any{"text": text, "private": private})
	if code != http.StatusAccepted {
		d.t.Fatalf("queue reply to %s = %d %s", itemID, code, body)
	}
	var r inbox.Reply
	if err := json.Unmarshal(body, &r); err != nil {
		d.t.Fatal(err)
	}
	return r
}

// pollNow asks for a poll of an account and returns the API's status.
func (d *daemon) pollNow(account string) int {
	d.t.Helper()
	code, _ := d.do("POST", "/api/v1/accounts/"+account+"/poll", nil)
	return code
}

// pollAccepted asks for a poll until the API accepts it (a running cron
// poll answers 409 busy) and then waits until that poll has finished.
func (d *daemon) pollAccepted(account string) {
	d.t.Helper()
	before := d.account(account).LastPollAt
	waitFor(d.t, "poll of "+account+" accepted", func() bool { return d.pollNow(account) == http.StatusAccepted })
	waitFor(d.t, "poll of "+account+" finished", func() bool {
		a := d.account(account)
		return a.State != "polling" && a.LastPollAt != nil && (before == nil || a.LastPollAt.After(*before))
	})
}

// pollSucceeded polls an account until a poll has succeeded.
func (d *daemon) pollSucceeded(account string) {
	d.t.Helper()
	before := d.account(account).LastSuccessAt
	waitFor(d.t, "successful poll of "+account, func() bool {
		a := d.account(account)
		if a.LastSuccessAt != nil && (before == nil || a.LastSuccessAt.After(*before)) && a.State != "polling" {
			return true
		}
		d.pollNow(account)
		return false
	})
}

func (d *daemon) accounts() []store.AccountState {
	d.t.Helper()
	var l struct {
		Accounts []store.AccountState `json:"accounts"`
	}
	d.getJSON("/api/v1/accounts", &l)
	return l.Accounts
}

func (d *daemon) account(name string) store.AccountState {
	d.t.Helper()
	for _, a := range d.accounts() {
		if a.Name == name {
			return a
		}
	}
	d.t.Fatalf("account %s not listed", name)
	return store.AccountState{}
}

func (d *daemon) stats() store.Stats {
	d.t.Helper()
	var s store.Stats
	d.getJSON("/api/v1/stats", &s)
	return s
}

// metrics scrapes /metrics into "name{labels}" → value (labels as served).
func (d *daemon) metrics() map[string]float64 {
	d.t.Helper()
	code, body := d.do("GET", "/metrics", nil)
	if code != http.StatusOK {
		d.t.Fatalf("GET /metrics = %d %s", code, body)
	}
	return parseMetrics(d.t, body)
}

func parseMetrics(t testing.TB, body []byte) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// metric builds a series key the way Prometheus' text format writes it
// (labels sorted by name).
func metric(name string, kv ...string) string {
	if len(kv) == 0 {
		return name
	}
	type pair struct{ k, v string }
	var ps []pair
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, pair{kv[i], kv[i+1]})
	}
	for i := range ps { // tiny insertion sort: few labels
		for j := i; j > 0 && ps[j].k < ps[j-1].k; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	var b strings.Builder
	b.WriteString(name + "{")
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", p.k, p.v)
	}
	b.WriteByte('}')
	return b.String()
}

// sighup delivers SIGHUP and waits until the daemon has logged the n-th
// occurrence of want (a reload applied or refused).
func (d *daemon) sighup(want string, n int) {
	d.t.Helper()
	d.hup <- syscall.SIGHUP
	waitFor(d.t, fmt.Sprintf("%d× %q in the log", n, want), func() bool { return strings.Count(d.stderr.String(), want) >= n })
}

// waitFor checks cond on a short ticker until it holds, failing the test at
// the deadline.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitDeadline)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", waitDeadline, what)
		}
		<-tick.C
	}
}

// expectedKind is the item kind each generated shape becomes.
var expectedKind = map[sim.Shape]inbox.Kind{
	sim.FacebookComment:  inbox.KindComment,
	sim.FacebookReply:    inbox.KindComment,
	sim.FacebookMessage:  inbox.KindMessage,
	sim.FacebookTagged:   inbox.KindMention,
	sim.TwitterMention:   inbox.KindMention,
	sim.TwitterDirectMsg: inbox.KindMessage,
	sim.InstagramComment: inbox.KindComment,
	sim.InstagramMessage: inbox.KindMessage,
}

func channelOf(s sim.Shape) inbox.Channel {
	switch {
	case strings.HasPrefix(string(s), "twitter"):
		return twitter.Channel
	case strings.HasPrefix(string(s), "instagram"):
		return instagram.Channel
	}
	return facebook.Channel
}

// emitEach writes n messages of every Facebook and X shape through the
// world (the accounts every harness daemon runs).
func emitEach(t testing.TB, w *sim.World, gen *sim.Generator, n int) {
	t.Helper()
	for range n {
		for _, s := range fbXShapes {
			m := gen.Next()
			m.Shape = s
			if err := w.Emit(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// checkExactlyOnce checks that every platform id the world wrote is exactly
// one item of the right channel and kind, and that no other item exists.
func checkExactlyOnce(t testing.TB, w *sim.World, items []inbox.Item) {
	t.Helper()
	seen := map[string]int{}
	byID := map[string]inbox.Item{}
	for _, it := range items {
		seen[string(it.Channel)+"/"+it.ExternalID]++
		byID[string(it.Channel)+"/"+it.ExternalID] = it
	}
	want := 0
	for _, s := range sim.Shapes {
		for _, id := range w.IDs(s) {
			want++
			key := string(channelOf(s)) + "/" + id
			switch n := seen[key]; {
			case n == 0:
				t.Errorf("%s %s: not in the queue (lost)", s, id)
			case n > 1:
				t.Errorf("%s %s: %d items (duplicated)", s, id, n)
			case byID[key].Kind != expectedKind[s]:
				t.Errorf("%s %s: kind %s, want %s", s, id, byID[key].Kind, expectedKind[s])
			}
		}
	}
	if len(items) != want {
		t.Errorf("%d items in the queue, the platforms got %d citizen messages", len(items), want)
	}
}

// checkNoErrors fails the test if the daemon logged an error: on a path
// where nothing went wrong, an ERROR line is a bug.
func (d *daemon) checkNoErrors() {
	d.t.Helper()
	for _, line := range strings.Split(d.stderr.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			d.t.Errorf("daemon logged an error: %s", line)
		}
	}
}

// emitShapes writes n messages of each given shape through the world.
func emitShapes(t testing.TB, w *sim.World, gen *sim.Generator, n int, shapes ...sim.Shape) {
	t.Helper()
	for range n {
		for _, s := range shapes {
			m := gen.Next()
			m.Shape = s
			if err := w.Emit(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}
	}
}

var (
	fbShapes = []sim.Shape{sim.FacebookComment, sim.FacebookReply, sim.FacebookMessage, sim.FacebookTagged}
	xShapes  = []sim.Shape{sim.TwitterMention, sim.TwitterDirectMsg}
	igShapes = []sim.Shape{sim.InstagramComment, sim.InstagramMessage}
	// fbXShapes are the shapes of the harness's default accounts.
	fbXShapes = slices.Concat(fbShapes, xShapes)
)

// onPlatform counts the account's own posts, comments and messages on both
// fakes whose text ends with text (X replies may carry an @handle prefix).
func onPlatform(f *fakes, text string) int {
	n := 0
	for _, r := range f.graph.PageReplies() {
		if strings.HasSuffix(r.Text, text) {
			n++
		}
	}
	for _, p := range f.x.Posted() {
		if strings.HasSuffix(p.Text, text) {
			n++
		}
	}
	for _, e := range f.x.SentDMs() {
		if strings.HasSuffix(e.Text, text) {
			n++
		}
	}
	return n
}

// replyBook tracks the replies a test queued, so the end can check that
// each is on the platform exactly once.
type replyBook struct {
	d    *daemon
	f    *fakes
	used map[string]bool // items already answered
	ids  []string
	text map[string]string // reply id → text
	n    int
}

func newReplyBook(d *daemon, f *fakes) *replyBook {
	return &replyBook{d: d, f: f, used: map[string]bool{}, text: map[string]string{}}
}

// answer queues a reply to a not yet answered item of the channel and kind.
func (b *replyBook) answer(ch inbox.Channel, k inbox.Kind) inbox.Reply {
	b.d.t.Helper()
	for _, it := range b.d.items(fmt.Sprintf("channel=%s&kind=%s&status=new", ch, k)) {
		if b.used[it.ID] {
			continue
		}
		b.used[it.ID] = true
		b.n++
		text := fmt.Sprintf("[balasan %d] Terima kasih, laporan Anda sudah kami teruskan ke dinas terkait.", b.n)
		r := b.d.queueReply(it.ID, text, false)
		b.ids = append(b.ids, r.ID)
		b.text[r.ID] = text
		return r
	}
	b.d.t.Fatalf("no unanswered %s %s item left", ch, k)
	return inbox.Reply{}
}

func (b *replyBook) waitState(id string, want inbox.ReplyState) inbox.Reply {
	b.d.t.Helper()
	var r inbox.Reply
	waitFor(b.d.t, fmt.Sprintf("reply %s %s", b.text[id], want), func() bool {
		r = b.d.reply(id)
		return r.State == want
	})
	return r
}

// checkAllOnce checks every reply is sent and on the platform exactly once,
// and that the platforms hold no post inboxd did not account for.
func (b *replyBook) checkAllOnce() {
	t := b.d.t
	t.Helper()
	for _, id := range b.ids {
		r := b.d.reply(id)
		if r.State != inbox.ReplySent {
			t.Errorf("reply %q is %s (%s), want sent", b.text[id], r.State, r.LastError)
		}
		if n := onPlatform(b.f, b.text[id]); n != 1 {
			t.Errorf("reply %q is on the platform %d times, want once", b.text[id], n)
		}
	}
	if total := len(b.f.graph.PageReplies()) + len(b.f.x.Posted()) + len(b.f.x.SentDMs()); total != len(b.ids) {
		t.Errorf("the platforms hold %d posts by the accounts, inboxd queued %d replies", total, len(b.ids))
	}
}

// dataDirOf is the data_dir the harness wrote next to a config.
func dataDirOf(cfgPath string) string { return strings.TrimSuffix(cfgPath, "config.yaml") + "data" }

// queuedReply is one reply a test asked for. id stays empty while the API
// has not confirmed it (the daemon died during the request); the same
// Idempotency-Key then asks again after the restart.
type queuedReply struct {
	item          inbox.Item
	text, key, id string
}

// postReply queues a reply; a transport error (the daemon was killed) is
// returned, not fatal.
func postReply(c *http.Client, base string, r *queuedReply) error {
	b, _ := json.Marshal(map[string]any{"text": r.text})
	req, err := http.NewRequest("POST", base+"/api/v1/items/"+url.PathEscape(r.item.ID)+"/replies", bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tAdminToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", r.key)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("queue reply: %d %s", resp.StatusCode, body)
	}
	var rep inbox.Reply
	if err := json.Unmarshal(body, &rep); err != nil {
		return fmt.Errorf("queue reply: %w", err)
	}
	r.id = rep.ID
	return nil
}

// platformPosts counts the accounts' own posts on both fakes.
func platformPosts(f *fakes) int {
	return len(f.graph.PageReplies()) + len(f.x.Posted()) + len(f.x.SentDMs())
}

// pollQuietly asks for a poll and ignores the answer: the daemon may be
// dying, busy or paused.
func pollQuietly(c *http.Client, base, account string) {
	req, err := http.NewRequest("POST", base+"/api/v1/accounts/"+account+"/poll", nil)
	if err != nil {
		return
	}
	req.Header.Set("Authorization", "Bearer "+tAdminToken)
	if resp, err := c.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// listNew lists up to 50 new items; errors are returned, not fatal (the
// daemon may be stopping).
func listNew(c *http.Client, base string) ([]inbox.Item, error) {
	req, err := http.NewRequest("GET", base+"/api/v1/items?status=new&limit=50", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tAdminToken)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("list items: %d", resp.StatusCode)
	}
	var page struct{ Items []inbox.Item }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, err
	}
	return page.Items, nil
}
