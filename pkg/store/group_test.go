package store

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// gatedClock, once armed, blocks the next write transaction (Now is read
// under the writer lock) until release is closed, so pages queue behind it.
type gatedClock struct {
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
	t       time.Time
}

func (c *gatedClock) Now() time.Time {
	if c.armed.CompareAndSwap(true, false) {
		close(c.entered)
		<-c.release
	}
	return c.t
}

func queued(s *Store) int {
	s.group.mu.Lock()
	defer s.group.mu.Unlock()
	return len(s.group.queue)
}

// Pages of several accounts ready while a commit is in progress share the
// next transaction, and each caller gets its own result.
func TestConcurrentIngestSharesOneCommit(t *testing.T) {
	c := &gatedClock{entered: make(chan struct{}), release: make(chan struct{}), t: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)}
	s, err := Open(filepath.Join(t.TempDir(), "g.db"), Options{Now: c.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c.armed.Store(true)

	page := func(account string, n int) []inbox.Item {
		var p []inbox.Item
		for i := range n {
			it := fbComment(fmt.Sprintf("%s-%d", account, i), "post", "u", c.t)
			it.Account = account
			p = append(p, it)
		}
		return p
	}
	results := make([]IngestResult, 5)
	errs := make([]error, 5)
	var wg sync.WaitGroup
	ingest := func(i int, account string, items []inbox.Item) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.Ingest(account, items, nil, []byte("cursor-"+account))
		}()
	}
	ingest(0, "first", page("first", 2))
	<-c.entered // the first page's transaction holds the writer
	gen := s.Generation()
	ingest(1, "a", page("a", 3))
	ingest(2, "b", page("b", 4))
	ingest(3, "c", page("c", 1))
	ingest(4, "d", page("d", 5))
	for queued(s) < 4 {
		time.Sleep(time.Millisecond) // waiting for goroutines to queue, not for timing
	}
	close(c.release)
	wg.Wait()
	for i, want := range []int{2, 3, 4, 1, 5} {
		if errs[i] != nil || results[i].New != want || len(results[i].NewIDs) != want {
			t.Fatalf("page %d: %+v, %v; want %d new", i, results[i], errs[i], want)
		}
	}
	// The first page alone, then the four queued pages in one transaction.
	if got := s.Generation() - gen; got != 2 {
		t.Fatalf("%d write transactions, want 2 (the first page, then one group)", got)
	}
	for _, a := range []string{"first", "a", "b", "c", "d"} {
		if cur, _ := s.Cursor(a); string(cur) != "cursor-"+a {
			t.Fatalf("cursor of %s = %q", a, cur)
		}
	}
	st, _ := s.Stats("")
	if st.ByStatus[inbox.StatusNew] != 15 {
		t.Fatalf("%d items, want 15", st.ByStatus[inbox.StatusNew])
	}
}

// A member that fails rolls the group back; the others are written alone
// and succeed, and the failing one gets its own error.
func TestGroupMemberFailureFailsOnlyItself(t *testing.T) {
	e := newEnv(t)
	put := func(account string) func(w *wctx) error {
		return func(w *wctx) error {
			k, err := accountKVKey(account, "k")
			if err != nil {
				return err
			}
			return w.tx.Bucket(bAccountKV).Put(k, []byte("v"))
		}
	}
	boom := errors.New("boom")
	batch := []*groupedWrite{
		{fn: put("a"), done: make(chan error, 1)},
		{fn: func(w *wctx) error { return boom }, done: make(chan error, 1)},
		{fn: put("b"), done: make(chan error, 1)},
	}
	e.s.writeBatch(batch)
	if err := <-batch[0].done; err != nil {
		t.Fatal(err)
	}
	if err := <-batch[1].done; !errors.Is(err, boom) {
		t.Fatalf("failing member got %v", err)
	}
	if err := <-batch[2].done; err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"a", "b"} {
		if v, err := e.s.AccountValue(a, "k"); err != nil || string(v) != "v" {
			t.Fatalf("%s: %q, %v", a, v, err)
		}
	}
}

// A commit waits for a page that is already on its way (announced, still
// being read) and takes it in the same transaction; a page alone does not
// wait at all.
func TestCommitWaitsForAnnouncedPages(t *testing.T) {
	e := newEnv(t)
	s := e.s
	s.group.gatherFor = time.Hour // only the announced page may end the wait
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	page := func(account string) []inbox.Item {
		it := fbComment(account+"-1", "post", "u", at)
		it.Account = account
		return []inbox.Item{it}
	}

	// Alone: nothing announced, so the commit does not wait (an hour's
	// wait would time the test out).
	gen := s.Generation()
	if _, err := s.Ingest("alone", page("alone"), nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := s.Generation() - gen; got != 1 {
		t.Fatalf("%d write transactions for a page alone, want 1", got)
	}

	// Page b is on its way (announced by hand, as Ingest does before it
	// reads its page); page a, ready first, holds its commit for it.
	leaveB := s.group.announce()
	gen = s.Generation()
	var wg sync.WaitGroup
	var errA, errB error
	wg.Add(2)
	go func() { defer wg.Done(); _, errA = s.Ingest("a", page("a"), nil, []byte("cursor-a")) }()
	for queued(s) < 1 && s.Generation() == gen {
		time.Sleep(time.Millisecond) // waiting for a to queue, not for timing
	}
	if got := s.Generation() - gen; got != 0 {
		t.Fatalf("page a committed (%d transactions) while page b was on its way", got)
	}
	go func() {
		defer wg.Done()
		errB = s.writeGrouped(func(w *wctx) error {
			return w.tx.Bucket(bCursors).Put([]byte("b"), []byte("cursor-b"))
		}, leaveB)
	}()
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if got := s.Generation() - gen; got != 1 {
		t.Fatalf("%d write transactions, want 1 (a and b together)", got)
	}
	for _, a := range []string{"a", "b"} {
		if cur, _ := s.Cursor(a); string(cur) != "cursor-"+a {
			t.Fatalf("cursor of %s = %q", a, cur)
		}
	}
}
