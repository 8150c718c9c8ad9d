package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

const cachedListPath = "/api/v1/items?status=new,open&limit=50"

// cacheCount reads inboxd_api_list_cache_requests_total{result}.
func (e *env) cacheCount(result string) float64 {
	e.t.Helper()
	mfs, err := e.srv.registry.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "inboxd_api_list_cache_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// oracle is a second API server over the same store with the cache off:
// what every cached answer must equal.
func (e *env) oracle() *Server {
	e.t.Helper()
	srv, err := New(Options{Store: e.st, Replies: testReplies, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return testNow },
		DisableListCache: true})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv
}

func (e *env) doWith(srv *Server, as, path string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[as])
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("GET %s as %s: %d %s", path, as, rec.Code, rec.Body)
	}
	return rec
}

// getList GETs path as the principal and says whether the cache answered.
func (e *env) getList(as, path string) (body string, hit bool) {
	e.t.Helper()
	hits := e.cacheCount("hit")
	rec := e.do(as, "GET", path, nil)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("GET %s as %s: %d %s", path, as, rec.Code, rec.Body)
	}
	return rec.Body.String(), e.cacheCount("hit") > hits
}

func TestListCacheServedUntilAnyWrite(t *testing.T) {
	open := inbox.StatusOpen
	writes := []struct {
		name string
		do   func(e *env)
		// changesList: the write changes what the list shows.
		changesList bool
	}{
		{"ingest an item", func(e *env) {
			_, err := e.st.Ingest("fb-main", []inbox.Item{{Channel: chFacebook, Account: "fb-main", Kind: inbox.KindComment,
				ExternalID: "123_999", ThreadID: "123", Author: inbox.Author{ID: "9009", Name: "Rudi"}, Text: "trotoar rusak",
				CreatedAt: testNow.Add(-time.Minute)}}, nil, nil)
			if err != nil {
				e.t.Fatal(err)
			}
		}, true},
		{"PATCH an item", func(e *env) {
			if rec := e.do(asOp, "PATCH", "/api/v1/items/"+e.items["aComment"].ID, map[string]any{"status": open}); rec.Code != http.StatusOK {
				e.t.Fatalf("PATCH: %d %s", rec.Code, rec.Body)
			}
		}, true},
		{"add a note", func(e *env) {
			if rec := e.do(asOp, "POST", "/api/v1/items/"+e.items["aComment"].ID+"/notes", map[string]any{"text": "called"}); rec.Code != http.StatusCreated {
				e.t.Fatalf("note: %d %s", rec.Code, rec.Body)
			}
		}, false},
		{"queue a reply", func(e *env) {
			if rec := e.do(asOp, "POST", "/api/v1/items/"+e.items["aComment"].ID+"/replies", map[string]any{"text": "sudah kami teruskan"}); rec.Code != http.StatusAccepted {
				e.t.Fatalf("reply: %d %s", rec.Code, rec.Body)
			}
		}, false},
		{"a reply sent", func(e *env) {
			e.cancelQueued()
			e.queueReply("aComment", "terima kasih")
			e.sendNext("fb-main", "123_4242")
		}, true}, // the item becomes answered
		{"create a token", func(e *env) {
			if rec := e.do(asAdmin, "POST", "/api/v1/tokens", map[string]any{"name": "dash", "role": "viewer"}); rec.Code != http.StatusCreated {
				e.t.Fatalf("token: %d %s", rec.Code, rec.Body)
			}
		}, false},
		{"revoke a token", func(e *env) {
			if rec := e.do(asAdmin, "DELETE", "/api/v1/tokens/"+asOpA, nil); rec.Code != http.StatusNoContent {
				e.t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
			}
		}, false},
		{"token last-used times written", func(e *env) {
			if err := e.srv.touch.flush(); err != nil {
				e.t.Fatal(err)
			}
		}, false},
		{"account state", func(e *env) {
			if err := e.st.PutAccountState(store.AccountState{Name: "fb-main", Platform: "facebook", State: "backoff"}); err != nil {
				e.t.Fatal(err)
			}
		}, false},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			e := newEnv(t)
			oracle := e.oracle()
			first, hit := e.getList(asViewer, cachedListPath)
			if hit {
				t.Fatal("first GET was a cache hit")
			}
			again, hit := e.getList(asViewer, cachedListPath)
			if !hit || again != first {
				t.Fatalf("second GET: hit=%v, same body=%v", hit, again == first)
			}
			w.do(e)
			after, hit := e.getList(asViewer, cachedListPath)
			if hit {
				t.Fatalf("GET after %s was served from the cache", w.name)
			}
			if want := e.doWith(oracle, asViewer, cachedListPath).Body.String(); after != want {
				t.Fatalf("GET after %s:\n got %s\nwant %s", w.name, after, want)
			}
			if changed := after != first; changed != w.changesList {
				t.Fatalf("after %s the list changed=%v, want %v", w.name, changed, w.changesList)
			}
			if _, hit := e.getList(asViewer, cachedListPath); !hit {
				t.Fatal("the rebuilt list was not cached")
			}
		})
	}
}

func TestListCacheHitHasTheSameHeaders(t *testing.T) {
	e := newEnv(t)
	miss := e.do(asViewer, "GET", cachedListPath, nil)
	hit := e.do(asViewer, "GET", cachedListPath, nil)
	if e.cacheCount("hit") != 1 {
		t.Fatalf("hits = %v, want 1", e.cacheCount("hit"))
	}
	strip := func(h http.Header) http.Header {
		h = h.Clone()
		h.Del("X-Request-Id")
		return h
	}
	if hit.Code != miss.Code || !maps.EqualFunc(strip(hit.Header()), strip(miss.Header()), func(a, b []string) bool {
		return strings.Join(a, "\n") == strings.Join(b, "\n")
	}) {
		t.Fatalf("hit %d %v, miss %d %v", hit.Code, hit.Header(), miss.Code, miss.Header())
	}
	if hit.Header().Get("Content-Length") != fmt.Sprint(hit.Body.Len()) || hit.Body.String() != miss.Body.String() {
		t.Fatalf("hit body %d bytes (Content-Length %s), miss %d", hit.Body.Len(), hit.Header().Get("Content-Length"), miss.Body.Len())
	}
}

func TestListCacheNeverSharedAcrossScopes(t *testing.T) {
	for _, path := range []string{cachedListPath, "/api/v1/items?status=new,open&unit=" + unitA} {
		// A fresh server each: the scoped token's two paths are the same
		// filter (its scope sets the unit), so they rightly share an entry.
		e := newEnv(t)
		all, _ := e.getList(asViewer, path)
		scoped, hit := e.getList(asViewerA, path)
		if hit {
			t.Fatalf("%s: the unit-scoped token was served the unscoped token's entry", path)
		}
		list := decodeJSONBody[struct{ Items []inbox.Item }](t, e.do(asViewerA, "GET", path, nil))
		for _, it := range list.Items {
			if it.Unit != unitA {
				t.Fatalf("%s: scoped token sees item %s of unit %q", path, it.ID, it.Unit)
			}
		}
		if _, hit := e.getList(asViewerA, path); !hit {
			t.Fatalf("%s: scoped list not cached", path)
		}
		if again, hit := e.getList(asViewer, path); !hit || again != all {
			t.Fatalf("%s: unscoped entry lost or changed (hit=%v)", path, hit)
		}
		if path == cachedListPath && scoped == all {
			t.Fatal("test set-up: scoped and unscoped lists should differ")
		}
	}
}

func TestListCacheOptionsBound(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.ListCacheEntries = 2 })
	for _, p := range []string{"/api/v1/items", "/api/v1/items?limit=3", "/api/v1/items?status=new", cachedListPath} {
		e.getList(asViewer, p)
		if n, _ := e.srv.lists.size(); n > 2 {
			t.Fatalf("%d entries held, Options.ListCacheEntries is 2", n)
		}
	}
}

func TestListCacheOff(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.DisableListCache = true })
	a, _ := e.getList(asViewer, cachedListPath)
	b, _ := e.getList(asViewer, cachedListPath)
	if a != b || e.cacheCount("hit")+e.cacheCount("miss") != 0 || e.srv.lists != nil {
		t.Fatal("a disabled cache answered or counted")
	}
}

// TestListCacheConcurrentWrites hammers cached lists from several
// goroutines while items change; after every write has returned, the
// cached answer must equal an uncached server's (read-your-writes, no
// stale entry left valid by a read that raced a commit).
func TestListCacheConcurrentWrites(t *testing.T) {
	e := newEnv(t)
	oracle := e.oracle()
	paths := []string{cachedListPath, "/api/v1/items?status=open", "/api/v1/items?unit=" + unitA + "&limit=2", "/api/v1/items"}
	principals := []string{asViewer, asViewerA}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Runs before the env's clean-up (LIFO), also when a check fails.
	t.Cleanup(func() { close(stop); wg.Wait() })
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req := httptest.NewRequest("GET", paths[(g+i)%len(paths)], nil)
				req.Header.Set("Authorization", "Bearer "+e.tokens[principals[i%len(principals)]])
				rec := httptest.NewRecorder()
				e.srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Errorf("GET %s: %d", req.URL, rec.Code)
					return
				}
			}
		}()
	}
	statuses := []inbox.Status{inbox.StatusOpen, inbox.StatusClosed, inbox.StatusOpen, inbox.StatusIgnored}
	names := []string{"aComment", "aMessage", "bMention", "bXMention"}
	for i := range 40 {
		id := e.items[names[i%len(names)]].ID
		st := statuses[i%len(statuses)]
		if i%5 == 4 {
			if _, err := e.st.Ingest("fb-main", []inbox.Item{{Channel: chFacebook, Account: "fb-main", Kind: inbox.KindComment,
				ExternalID: fmt.Sprintf("123_%d", 5000+i), ThreadID: "123", Author: inbox.Author{ID: "9", Name: "N"}, Text: "x",
				CreatedAt: testNow.Add(-time.Minute), Unit: unitA}}, nil, nil); err != nil {
				t.Fatal(err)
			}
		} else if _, err := e.st.Update(id, "test", store.Change{Status: &st}); err != nil && !strings.Contains(err.Error(), "transition") {
			t.Fatal(err)
		}
		for _, as := range principals {
			for _, p := range paths {
				got := e.do(as, "GET", p, nil).Body.String()
				if want := e.doWith(oracle, as, p).Body.String(); got != want {
					t.Fatalf("write %d, GET %s as %s:\n got %s\nwant %s", i, p, as, got, want)
				}
			}
		}
	}
	if e.cacheCount("hit") == 0 {
		t.Fatal("the cache never answered")
	}
}

func TestListCacheBounds(t *testing.T) {
	newCache := func(entries, bytes int) *listCache {
		c, err := newListCache(entries, bytes, prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	body := func(n int) []byte { return []byte(strings.Repeat("x", n)) }

	t.Run("entry count", func(t *testing.T) {
		c := newCache(4, 1<<20)
		for i := range 10 {
			c.put(fmt.Sprint("k", i), 1, body(10))
			if n, _ := c.size(); n > 4 {
				t.Fatalf("%d entries, bound 4", n)
			}
		}
		if _, ok := c.get("k9", 1); !ok {
			t.Fatal("the newest entry was evicted")
		}
	})
	t.Run("bytes", func(t *testing.T) {
		c := newCache(100, 800)
		for i := range 20 {
			c.put(fmt.Sprint("k", i), 1, body(90))
			if _, b := c.size(); b > 800 {
				t.Fatalf("%d bytes, bound 800", b)
			}
		}
		c.put("big", 1, body(200)) // over 800/8: not cached
		if _, ok := c.get("big", 1); ok {
			t.Fatal("an oversized body was cached")
		}
	})
	t.Run("generations", func(t *testing.T) {
		c := newCache(10, 1<<20)
		c.put("a", 5, body(1))
		if _, ok := c.get("a", 5); !ok {
			t.Fatal("miss at the same generation")
		}
		if _, ok := c.get("a", 6); ok {
			t.Fatal("hit after a write")
		}
		if n, _ := c.size(); n != 0 {
			t.Fatalf("%d stale entries kept after seeing a newer generation", n)
		}
		c.put("a", 5, body(1)) // built before the write the cache has seen
		if _, ok := c.get("a", 6); ok {
			t.Fatal("a body read before a write was stored as current")
		}
		c.put("b", 7, body(1))
		c.put("c", 6, body(1))
		if _, ok := c.get("b", 7); !ok {
			t.Fatal("an older put replaced the newer generation")
		}
		if n, _ := c.size(); n != 1 {
			t.Fatalf("%d entries, want 1", n)
		}
	})
}

func TestListCacheKeyDistinguishesFilters(t *testing.T) {
	base := store.Filter{Statuses: []inbox.Status{inbox.StatusOpen}, Unit: "u", Limit: 50}
	variants := []store.Filter{
		{Statuses: []inbox.Status{inbox.StatusOpen}, Unit: "u", Limit: 51},
		{Statuses: []inbox.Status{inbox.StatusOpen, inbox.StatusNew}, Unit: "u", Limit: 50},
		{Statuses: []inbox.Status{inbox.StatusOpen}, Account: "u", Limit: 50},
		{Statuses: []inbox.Status{inbox.StatusOpen}, Unit: "u", Limit: 50, Order: store.OldestFirst},
		{Statuses: []inbox.Status{inbox.StatusOpen}, Unit: "u", Limit: 50, Cursor: "c"},
		{Statuses: []inbox.Status{inbox.StatusOpen}, Unit: "u", Limit: 50, Query: "q"},
		{Statuses: []inbox.Status{inbox.StatusOpen}, Unit: "u", Limit: 50, Tag: "t"},
		{Statuses: []inbox.Status{inbox.StatusOpen}, Unit: "u", Limit: 50, Assignee: "a"},
		{Statuses: []inbox.Status{inbox.StatusOpen}, Unit: "u", Limit: 50, Channel: chTwitter},
		{Statuses: []inbox.Status{inbox.StatusOpen}, Unit: "u", Limit: 50, Kind: inbox.KindMessage},
	}
	seen := map[string]bool{listCacheKey("", &base): true, listCacheKey("u", &base): true}
	if len(seen) != 2 {
		t.Fatal("scope does not change the key")
	}
	for _, v := range variants {
		k := listCacheKey("", &v)
		if seen[k] {
			t.Fatalf("filter %+v shares a key", v)
		}
		seen[k] = true
	}
}
