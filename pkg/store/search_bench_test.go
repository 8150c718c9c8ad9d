package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/workload"
	"github.com/inboxd/inboxd/pkg/store"
	"github.com/inboxd/inboxd/pkg/store/storebench"
	"github.com/inboxd/inboxd/pkg/textnorm"
)

// The search benchmarks (docs/SEARCH.md). They fill a file with the
// realistic workload (INBOXD_BENCH_ITEMS items, default 100,000), so run
// them one at a time:
//
//	go test -run '^$' -bench 'BenchmarkSearchQuery' -benchtime 1x -timeout 2h ./pkg/store
//
// INBOXD_SEARCH_FILE keeps the filled, indexed file between runs.

// searchFill fills path with the realistic workload, triaged as the office
// would, and returns each word's document frequency (distinct items whose
// text, author name or handle hold it), computed from the pages.
func searchFill(b *testing.B, path string, items int) (map[string]int, int) {
	w, err := workload.New(workload.Realistic, 1, items)
	if err != nil {
		b.Fatal(err)
	}
	df := map[string]int{}
	for k := range w.Pages() {
		p := w.Page(k)
		for _, it := range p.Items {
			seen := map[string]bool{}
			for _, f := range []string{it.Text, it.Author.Name, it.Author.Handle} {
				for _, wd := range textnorm.Words(f) {
					if !seen[wd] {
						seen[wd] = true
						df[wd]++
					}
				}
			}
		}
	}
	if _, err := os.Stat(path); err == nil {
		return df, w.Pages() * workload.PageSize
	}
	t, err := storebench.OpenInboxd(path)
	if err != nil {
		b.Fatal(err)
	}
	defer t.Close()
	for k := range w.Pages() {
		p := w.Page(k)
		if _, err := t.Ingest(&p); err != nil {
			b.Fatal(err)
		}
		if k%10 == 9 {
			if err := t.Settle(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := t.Settle(); err != nil {
		b.Fatal(err)
	}
	return df, w.Pages() * workload.PageSize
}

func benchItems(b *testing.B, def int) int {
	n, err := storebench.ItemsFromEnv(def)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// pickWords returns the word whose share of items is nearest each target.
func pickWords(df map[string]int, items int, targets ...float64) []string {
	words := make([]string, 0, len(df))
	for w := range df {
		words = append(words, w)
	}
	sort.Strings(words)
	var out []string
	for _, t := range targets {
		best, bestD := "", 2.0
		for _, w := range words {
			if len([]rune(w)) < 3 || slices.Contains(out, w) {
				continue
			}
			d := float64(df[w])/float64(items) - t
			if d < 0 {
				d = -d
			}
			if d < bestD {
				best, bestD = w, d
			}
		}
		out = append(out, best)
	}
	return out
}

// BenchmarkSearchQuery fills (or reuses) a file, builds the index (timed:
// the reindex figure), and times the first page of 50 of each query, alone
// and with a status or unit filter.
func BenchmarkSearchQuery(b *testing.B) {
	items := benchItems(b, 100_000)
	path := os.Getenv("INBOXD_SEARCH_FILE")
	if path == "" {
		path = filepath.Join(b.TempDir(), "search.db")
	}
	fillStart := time.Now()
	df, items := searchFill(b, path, items)
	b.Logf("filled %d items in %s", items, time.Since(fillStart).Round(time.Second))
	if os.Getenv("INBOXD_SEARCH_FILL_ONLY") != "" {
		return
	}
	var before int64
	if fi, err := os.Stat(path); err == nil {
		before = fi.Size()
	}
	s, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	ctx := context.Background()
	{
		res, err := s.Reindex(ctx, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("reindex: %d items, %d postings (%.1f per item) in %s (%.0f items/s); verified against a scan in %s",
			res.Items, res.Postings, float64(res.Postings)/float64(res.Items), res.Took.Round(time.Millisecond),
			float64(res.Items)/res.Took.Seconds(), res.Verified.Round(time.Millisecond))
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("file %d → %d bytes (%+.0f bytes/item)", before, fi.Size(), float64(fi.Size()-before)/float64(items))
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	logIndexSize(b, path, items)
	if s, err = store.Open(path, store.Options{}); err != nil {
		b.Fatal(err)
	}

	common := pickWords(df, items, 0.9, 0.3, 0.05, 0.005)
	var rare []string
	for w, n := range df {
		if n >= 2 && n <= 5 && len(w) >= 4 {
			rare = append(rare, w)
		}
	}
	sort.Strings(rare)
	if len(rare) > 20 {
		rare = rare[:20]
	}
	for _, w := range common {
		b.Logf("word %q in %.2f%% of items", w, 100*float64(df[w])/float64(items))
	}
	b.Logf("rare words (2–5 items): %d, e.g. %v", len(rare), rare[:min(5, len(rare))])
	unit := workload.Units[0]
	type qcase struct {
		name string
		q    func(i int) string
	}
	cases := []qcase{
		{"common 90%", func(int) string { return common[0] }},
		{"common 30%", func(int) string { return common[1] }},
		{"word 5%", func(int) string { return common[2] }},
		{"word 0.5%", func(int) string { return common[3] }},
		{"rare", func(i int) string { return rare[i%len(rare)] }},
		{"2 words 30%+5%", func(int) string { return common[1] + " " + common[2] }},
		{"3 words", func(int) string { return "lampu jalan mati" }},
		{"phrase", func(int) string { return `"jalan rusak parah"` }},
		{"prefix (typing) puskes", func(int) string { return "puskes" }},
		{"prefix 3 chars pel", func(int) string { return "pel" }},
		{"worst: 30% ∩ rare", func(i int) string { return common[1] + " " + rare[i%len(rare)] }},
		{"worst: 90% ∩ rare", func(i int) string { return common[0] + " " + rare[i%len(rare)] }},
	}
	filters := []struct {
		name string
		f    store.Filter
	}{
		{"alone", store.Filter{}},
		{"status=open", store.Filter{Statuses: []inbox.Status{inbox.StatusOpen}}},
		{"unit=" + unit, store.Filter{Unit: unit}},
	}
	const runs = 200
	b.ResetTimer()
	for range b.N {
		var lines []string
		for _, c := range cases {
			for _, fl := range filters {
				lat := make([]time.Duration, 0, runs)
				hits := 0
				for i := range runs {
					f := fl.f
					f.Query, f.Limit = c.q(i), 50
					start := time.Now()
					// As the API lists: the stored JSON, no decoding.
					_, err := s.ListRawFunc(f, func([]byte) { hits++ })
					lat = append(lat, time.Since(start))
					if err != nil {
						b.Fatal(err)
					}
				}
				slices.Sort(lat)
				lines = append(lines, fmt.Sprintf("| %s | %s | %.2f | %.2f | %.2f | %.1f |", c.name, fl.name,
					ms(lat[runs/2]), ms(lat[runs*99/100]), ms(lat[runs-1]), float64(hits)/runs))
			}
		}
		b.Logf("\n| query | filter | p50 ms | p99 ms | max ms | hits/page |\n|---|---|---|---|---|---|\n%s", strings.Join(lines, "\n"))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// logIndexSize reports the index buckets' bytes per item (the store
// closed: it opens the file read-only).
func logIndexSize(b *testing.B, path string, items int) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			if !strings.HasPrefix(string(name), "sx_") && string(name) != "items" {
				return nil
			}
			st := bk.Stats()
			alloc := st.BranchAlloc + st.LeafAlloc
			b.Logf("bucket %s: %d keys, %d bytes in pages (%.0f bytes/item), leaf pages %.0f%% used", name, st.KeyN, alloc,
				float64(alloc)/float64(items), 100*float64(st.LeafInuse)/float64(max(1, st.LeafAlloc)))
			return nil
		})
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSearchIngest compares the workload's durable ingest with and
// without the indexer running beside it (storebench.Run, the harness of
// docs/PERFORMANCE.md), alternating the two to share the machine's noise.
func BenchmarkSearchIngest(b *testing.B) {
	items := benchItems(b, 50_000)
	w, err := workload.New(workload.Realistic, 1, items)
	if err != nil {
		b.Fatal(err)
	}
	var lines []string
	for i := range b.N {
		for round := range 2 {
			for _, indexed := range []bool{false, true} {
				t, err := storebench.OpenInboxd(filepath.Join(b.TempDir(), fmt.Sprintf("%d-%d-%v.db", i, round, indexed)))
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				if indexed {
					st := t.Store()
					wg.Go(func() { _ = st.RunIndexer(ctx, 0) })
				}
				res, err := storebench.Run(ctx, "inboxd", t, w, 1, storebench.Options{Reingest: 100, Lists: 100, StatsCalls: 100})
				cancel()
				wg.Wait()
				if err != nil {
					b.Fatal(err)
				}
				lines = append(lines, fmt.Sprintf("| %d | %v | %.0f | %.0f | %.1f | %.0f |", round, indexed, res.FillRate, res.LastTenthRate, res.PageP99, res.BytesPerItem))
				_ = t.Close()
			}
		}
	}
	b.Logf("\n| round | indexer running | fill items/s | last 10%% items/s | page p99 ms | file bytes/item |\n|---|---|---|---|---|---|\n%s", strings.Join(lines, "\n"))
}

// BenchmarkSearchLag ingests the workload's pages at 1,000 items/s (ten
// pages a second, real clock) with the indexer running and samples the
// index lag every 20 ms.
func BenchmarkSearchLag(b *testing.B) {
	items := benchItems(b, 60_000)
	w, err := workload.New(workload.Realistic, 1, items)
	if err != nil {
		b.Fatal(err)
	}
	for i := range b.N {
		s, err := store.Open(filepath.Join(b.TempDir(), fmt.Sprint(i, ".db")), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { _ = s.RunIndexer(ctx, 0) })
		var lags []time.Duration
		var lagMu sync.Mutex
		wg.Go(func() {
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				lag, err := s.IndexLag()
				if err == nil {
					lagMu.Lock()
					lags = append(lags, lag)
					lagMu.Unlock()
				}
			}
		})
		start := time.Now()
		for k := range w.Pages() {
			time.Sleep(time.Until(start.Add(time.Duration(k) * 100 * time.Millisecond)))
			p := w.Page(k)
			for j := range p.Items {
				p.Items[j].CreatedAt = time.Now()
			}
			if _, err := s.Ingest(p.Account, p.Items, nil, p.Cursor); err != nil {
				b.Fatal(err)
			}
		}
		took := time.Since(start)
		cancel()
		wg.Wait()
		_ = s.Close()
		slices.Sort(lags)
		b.Logf("%d items in %s (%.0f items/s) with the indexer running; lag over %d samples: p50 %s, p99 %s, max %s",
			w.Pages()*workload.PageSize, took.Round(time.Millisecond), float64(w.Pages()*workload.PageSize)/took.Seconds(), len(lags),
			lags[len(lags)/2].Round(time.Millisecond), lags[len(lags)*99/100].Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond))
	}
}
