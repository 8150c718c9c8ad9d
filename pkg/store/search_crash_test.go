package store

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// searchCrashChildEnv, when set to a data file path, turns the test binary
// into TestSearchIndexSurvivesSIGKILL's child (see TestMain).
const searchCrashChildEnv = "INBOXD_SEARCH_CRASH_CHILD"

// searchCrashPage is page n: 20 items whose texts carry the word pg<n>.
func searchCrashPage(n int) []inbox.Item {
	page := make([]inbox.Item, 20)
	created := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
	for i := range page {
		page[i] = item(chFacebook, inbox.KindComment, fmt.Sprintf("s%06d-%02d", n, i), "post", fmt.Sprint("u", i), created)
		page[i].Text = fmt.Sprintf("jln rusak parah pg%d nomor %d", n, i)
	}
	return page
}

// searchCrashChild ingests pages while the indexer runs, printing each
// page number once its Ingest has returned, until killed.
func searchCrashChild() int {
	s, err := Open(os.Getenv(searchCrashChildEnv), Options{Replies: testRules, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	c, err := s.Cursor("acct")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	go func() { _ = s.RunIndexer(context.Background(), time.Millisecond) }()
	for n := max(crashCursorPage(c), 1); ; n++ {
		if _, err := s.Ingest("acct", searchCrashPage(n), nil, []byte(fmt.Sprint("page-", n))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		fmt.Fprintf(os.Stdout, "%d\n", n)
	}
}

// TestSearchIndexSurvivesSIGKILL kills a process that ingests while its
// indexer runs, at random points, and checks after each restart that the
// index still equals a scan up to its high-water mark, that a search finds
// every item ingested before the kill, and that the indexer resumes.
func TestSearchIndexSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	lastPrinted := 0
	for round := range 8 {
		lastPrinted = killChild(t, round, searchCrashChildEnv, path, rng, 2+rng.IntN(8), 3*time.Millisecond, lastPrinted)
		s, err := Open(path, Options{Replies: testRules, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		ctx := context.Background()
		if _, err := s.VerifyIndex(ctx); err != nil {
			t.Fatalf("round %d: after the kill: %v", round, err)
		}
		lag := must[time.Duration](t)(s.IndexLag())
		find := func(when string) {
			t.Helper()
			for n := 1; n <= lastPrinted; n++ {
				p := must[ListPage](t)(s.List(Filter{Query: fmt.Sprintf(`"pg%d" jalan`, n), Limit: 100, MaxScan: 1 << 20}))
				if len(p.Items) != 20 {
					t.Fatalf("round %d, %s: page %d: search finds %d of its 20 items", round, when, n, len(p.Items))
				}
			}
		}
		find("before the indexer resumes")
		if _, err := s.IndexPending(ctx, 7); err != nil {
			t.Fatal(err)
		}
		if _, err := s.VerifyIndex(ctx); err != nil {
			t.Fatalf("round %d: after resuming: %v", round, err)
		}
		find("after the indexer resumed")
		t.Logf("round %d: %d pages, index lag at restart %v", round, lastPrinted, lag)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
