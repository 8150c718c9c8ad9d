package facebook

import (
	"encoding/json"
	"fmt"
	"github.com/inboxd/inboxd/connectors/metagraph"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/sim/graphapi"
)

// threadKit adds entries to the threads of one source: Messenger
// conversations (one per citizen) or Page posts with their comments.
type threadKit struct {
	source       string
	fake         *graphapi.Server
	t            *testing.T
	posts        map[int]string
	threadOf     map[int]string
	entryFollows string // endpoint of a thread's further entries
}

func newThreadKit(t *testing.T, e *env, source string) *threadKit {
	k := &threadKit{source: source, fake: e.fake, t: t, posts: map[int]string{}, threadOf: map[int]string{},
		entryFollows: graphapi.EndpointConversationMessages}
	if source == SourceComments {
		k.entryFollows = graphapi.EndpointComments
	}
	return k
}

func citizen(n int) graphapi.Actor {
	return graphapi.Actor{ID: fmt.Sprintf("61%014d", n), Name: fmt.Sprint("Warga ", n)}
}

// add writes a citizen's entry in thread n (opening it if new) and returns its id.
func (k *threadKit) add(n int, at time.Time) string {
	k.t.Helper()
	if k.source == SourceMessages {
		conv, id := k.fake.AddMessage(citizen(n), fmt.Sprint("pesan ", n), at)
		k.threadOf[n] = conv
		return id
	}
	post, ok := k.posts[n]
	if !ok {
		post = k.fake.AddPost(graphapi.Actor{}, fmt.Sprint("kabar ", n), at.Add(-time.Second))
		k.posts[n] = post
		k.threadOf[n] = post
	}
	return mustComment(k.t, k.fake, post, "", citizen(n), fmt.Sprint("komentar ", n), at)
}

// addPage writes the Page's own answer in thread n (an external reply).
func (k *threadKit) addPage(n int, at time.Time) string {
	k.t.Helper()
	if k.source == SourceMessages {
		_, id := k.fake.AddPageMessage(citizen(n), "jawaban staf", at)
		return id
	}
	return mustComment(k.t, k.fake, k.posts[n], "", graphapi.Actor{}, "jawaban staf", at)
}

// collected counts what the polls returned.
type collected struct{ items, ext map[string]int }

func (c collected) add(p connectors.Page) {
	for _, it := range p.Items {
		c.items[it.ExternalID]++
	}
	for _, x := range p.External {
		c.ext[x.ExternalID]++
	}
}

// TestPollThreadThatMovesDuringWalks: Graph lists threads by last update,
// so a thread on a listing page not read yet that gets a new entry jumps
// above the pages a walk already read, and that walk skips it. The thread
// X here holds 30 unread citizen entries and one staff answer (more than
// a nested page, so its further page is read too) and is skipped by one,
// two, three or four walks in a row (it moves again each time while 25
// newer threads keep it off the walk's first page). Up to metagraph.LagWalks skips
// lose nothing; beyond, X's oldest entries are lost, as the cursor's doc
// says.
func TestPollThreadThatMovesDuringWalks(t *testing.T) {
	for _, source := range []string{SourceMessages, SourceComments} {
		for skips := 1; skips <= metagraph.LagWalks+1; skips++ {
			t.Run(fmt.Sprintf("%s/skipped_by_%d_walks", source, skips), func(t *testing.T) {
				testMovedThread(t, source, skips)
			})
		}
	}
}

func testMovedThread(t *testing.T, source string, skips int) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{source}; c.MaxPagesPerPoll = 1 })
	k := newThreadKit(t, e, source)
	base := t0.Add(-2 * time.Hour)
	var xOld, want []string
	for j := range 30 { // X, the oldest thread: three pages down
		xOld = append(xOld, k.add(0, base.Add(time.Duration(j-30)*time.Minute)))
	}
	staff := k.addPage(0, base.Add(-15*time.Minute+30*time.Second))
	for i := 1; i < 60; i++ {
		want = append(want, k.add(i, base.Add(time.Duration(i)*time.Minute)))
	}
	got := collected{items: map[string]int{}, ext: map[string]int{}}
	var cursor []byte
	for w := 1; w <= skips; w++ {
		p := e.poll(cursor) // the walk's first listing page
		if !p.More {
			t.Fatalf("walk %d ended on its first page", w)
		}
		got.add(p)
		cursor = p.Cursor
		// X moves to the top, then 25 new threads push it off the next
		// walk's first page.
		e.clock.Add(time.Minute)
		want = append(want, k.add(0, e.clock.Now()))
		for j := 1; j <= pageSize; j++ {
			want = append(want, k.add(1000*w+j, e.clock.Now().Add(time.Duration(j)*time.Second)))
		}
		e.clock.Add(time.Minute)
		var rest connectors.Page
		rest, cursor = e.drain(cursor)
		got.add(rest)
	}
	for _, id := range append(xOld, staff) {
		if got.items[id]+got.ext[id] != 0 {
			t.Fatalf("%s came in a walk that should have skipped its thread", id)
		}
	}

	e.fake.ResetRequests()
	final, cursor := e.drain(cursor)
	got.add(final)
	for _, id := range want {
		if got.items[id] == 0 {
			t.Errorf("%s was never returned", id)
		}
	}
	lost := skips > metagraph.LagWalks
	for _, id := range xOld {
		if (got.items[id] == 0) != lost {
			t.Errorf("X's old entry %s returned %d times; want lost=%v after %d skips", id, got.items[id], lost, skips)
		}
	}
	if (got.ext[staff] == 0) != lost {
		t.Errorf("staff answer %s returned %d times; want lost=%v", staff, got.ext[staff], lost)
	}
	if !lost && e.fake.RequestCount(k.entryFollows) == 0 {
		t.Errorf("X's further page (%s) was not read", k.entryFollows)
	}

	// Quiet polls: one request, nothing returned, even right after a walk
	// that split (its Lag not cleared yet); the Lag clears after one.
	for i := range 2 {
		e.fake.ResetRequests()
		q := e.poll(cursor)
		if len(q.Items)+len(q.External) != 0 || q.More {
			t.Errorf("quiet poll %d: items %v, external %v, More=%v", i, ids(q), q.External, q.More)
		}
		if n := e.fake.RequestCount(""); n != 1 {
			t.Errorf("quiet poll %d: %d requests, want 1", i, n)
		}
		cursor = q.Cursor
	}
	pc, err := metagraph.DecodeCursor(cursor)
	if err != nil {
		t.Fatal(err)
	}
	if st := pc.Sources[source]; len(st.Lag) != 0 || st.Walk != nil {
		t.Errorf("after quiet polls: lag %v, walk %+v; want none", st.Lag, st.Walk)
	}
}

// failSecondListing answers Graph's transient 500 to the second listing
// request (conversations or feed) after it is armed, once.
type failSecondListing struct {
	next  http.Handler
	armed atomic.Int32 // listing requests left before the failing one, plus one
}

func (f *failSecondListing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/conversations") || strings.HasSuffix(r.URL.Path, "/feed") {
		if f.armed.Load() > 0 && f.armed.Add(-1) == 0 {
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"error":{"message":"An unknown error has occurred.","type":"OAuthException","is_transient":true,"code":1,"fbtrace_id":"AbCdEfGhIjK"}}`)
			return
		}
	}
	f.next.ServeHTTP(w, r)
}

// TestPollMovedThreadAfterErrorMidWalk: a page error splits a walk across
// polls as max_pages_per_poll does; a thread that moves before the retry
// keeps its earlier entry.
func TestPollMovedThreadAfterErrorMidWalk(t *testing.T) {
	for _, source := range []string{SourceMessages, SourceComments} {
		t.Run(source, func(t *testing.T) {
			fail := &failSecondListing{}
			e := newEnvWrapped(t, func(c *Config) { c.Sources = []string{source} },
				func(h http.Handler) http.Handler { fail.next = h; return fail })
			k := newThreadKit(t, e, source)
			base := t0.Add(-time.Hour)
			got := collected{items: map[string]int{}, ext: map[string]int{}}
			var want []string
			for i := range 40 {
				want = append(want, k.add(i, base.Add(time.Duration(i)*time.Second)))
			}
			all, cursor := e.drain(nil)
			got.add(all)
			// New entries in 30 threads: two listing pages.
			e.clock.Add(time.Minute)
			for i := 10; i < 40; i++ {
				want = append(want, k.add(i, e.clock.Now().Add(time.Duration(i)*time.Second)))
			}
			e.clock.Add(time.Minute)
			fail.armed.Store(2)
			p := e.poll(cursor)
			// The first page's threads moved, and the look-back walk took two
			// pages: they come back down to the look-back (duplicates the
			// store drops), the failed page waits for the next poll.
			if !p.More || len(p.Items) != 2*pageSize {
				t.Fatalf("poll with a failing second page: %d items More=%v, want %d and More", len(p.Items), p.More, 2*pageSize)
			}
			got.add(p)
			// Thread 10, on the page that failed, moves before the retry.
			want = append(want, k.add(10, e.clock.Now()))
			rest, cursor := e.drain(p.Cursor)
			got.add(rest)
			next, _ := e.drain(cursor)
			got.add(next)
			for _, id := range want {
				if got.items[id] == 0 {
					t.Errorf("%s was never returned", id)
				}
			}
		})
	}
}

// TestPollOldCursorFormat: a cursor written before Lag, Split and Floor
// existed decodes and behaves as before (the floor is the watermark).
func TestPollOldCursorFormat(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{SourceMessages} })
	conv, m1 := e.fake.AddMessage(alice, "lama", t0.Add(-time.Hour))
	old := fmt.Sprintf(`{"v":1,"sources":{"messages":{"watermark":"%s","boundary":[%q]}}}`,
		t0.Add(-time.Hour).Format(time.RFC3339), m1)
	pc, err := metagraph.DecodeCursor([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	st := pc.Sources[SourceMessages]
	if len(st.Lag) != 0 || !st.LagFloor().Equal(st.Watermark) {
		t.Fatalf("old cursor: lag %v, floor %s; want none and the watermark", st.Lag, st.LagFloor())
	}
	q := e.poll([]byte(old))
	if len(q.Items) != 0 || e.fake.RequestCount("") != 1 {
		t.Fatalf("quiet poll from an old cursor: %v, %d requests", ids(q), e.fake.RequestCount(""))
	}
	e.clock.Add(time.Minute)
	_, m2 := e.fake.AddMessage(alice, "baru", e.clock.Now())
	if p := e.poll([]byte(old)); !slices.Equal(ids(p), []string{m2}) {
		t.Fatalf("new message from an old cursor: %v, want [%s]", ids(p), m2)
	}

	// An old walk in progress: its further messages page has no floor and
	// reads down to the watermark, as it did.
	midWalk := fmt.Sprintf(`{"v":1,"sources":{"messages":{"watermark":"%s","walk":{"target":"%s","pending":[{"kind":"messages","thread":%q,"url":%q}]}}}}`,
		t0.Add(-2*time.Hour).Format(time.RFC3339), t0.Add(-2*time.Hour).Format(time.RFC3339), conv, conv+"/messages?fields="+messageFields+"&limit=25")
	pc, err = metagraph.DecodeCursor([]byte(midWalk))
	if err != nil {
		t.Fatal(err)
	}
	if w := pc.Sources[SourceMessages].Walk; w.Split || !w.Pending[0].Floor.IsZero() {
		t.Fatalf("old walk decoded as %+v", w)
	}
	p := e.poll([]byte(midWalk))
	if !slices.Equal(ids(p), []string{m1, m2}) || p.More {
		t.Fatalf("old walk resumed: %v More=%v, want [%s %s] and done", ids(p), p.More, m1, m2)
	}
	var raw map[string]any
	if err := json.Unmarshal(p.Cursor, &raw); err != nil || raw["v"] != float64(cursorVersion) {
		t.Fatalf("re-encoded cursor %s", p.Cursor)
	}
	if strings.Contains(string(p.Cursor), `"lag"`) {
		t.Errorf("a one-page walk left a lag: %s", p.Cursor)
	}
}
