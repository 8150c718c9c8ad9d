package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// TestSearchPagingStableWhileItemsArrive pages through a search while
// matching items keep arriving and the indexer moves its mark between
// pages: every item that matched at the first page comes exactly once, in
// order, and nothing newer slips in behind the cursor.
func TestSearchPagingStableWhileItemsArrive(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	batch := func(from, n int) {
		var items []inbox.Item
		for i := from; i < from+n; i++ {
			it := fbComment(fmt.Sprint("a", i), "t", "u", now.Add(time.Duration(i)*time.Second))
			it.Text = fmt.Sprintf("jalan rusak nomor %d", i)
			if i%3 == 0 {
				it.Unit = "pupr"
			}
			items = append(items, it)
		}
		e.ingest(items...)
	}
	batch(0, 60)
	for _, f := range []Filter{{Query: "jalan rus", Limit: 7}, {Query: `"jalan rusak"`, Unit: "pupr", Limit: 4}} {
		want := pageAll(t, e.s, f)
		var got []string
		next := 100 * (len(want) + 1)
		for i := 0; ; i++ {
			p := must[ListPage](t)(e.s.ListRaw(f))
			for _, raw := range p.Raw {
				got = append(got, string(raw[7:33]))
			}
			if p.NextCursor == "" {
				break
			}
			f.Cursor = p.NextCursor
			batch(next, 5) // new matches arrive, above every cursor
			next += 5
			if i%2 == 0 {
				err := e.s.write(func(w *wctx) error { _, err := w.indexBatch(11); return err })
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%q: paged %d items while items arrived, want the %d of the start:\n got %v\nwant %v", f.Query, len(got), len(want), got, want)
		}
		if _, err := e.s.IndexPending(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
	}
}
