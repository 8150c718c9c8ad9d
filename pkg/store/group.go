package store

import "sync"

// commitGroup lets Ingest calls that are ready at the same time share one
// write transaction (a group commit). Accounts are polled concurrently; a
// page that arrives while another commit is in progress waits anyway, so
// the next leader writes every page waiting at that moment in one
// transaction and one pair of fsyncs. Nothing waits on purpose: a page
// that arrives alone commits alone.
//
// Each page's function still writes its items, dedup keys, counters and
// cursor in the transaction it runs in, so dedup-with-cursor stays atomic
// per page, and every caller returns only after the commit that made its
// page durable. If one page fails, the transaction is rolled back and each
// page is written again on its own, so one bad page never fails another.
type commitGroup struct {
	leader sync.Mutex // held by the caller writing a group
	mu     sync.Mutex // guards queue
	queue  []*groupedWrite
}

type groupedWrite struct {
	fn   func(w *wctx) error
	done chan error // buffered: receives the write's result once
}

// writeGrouped runs fn in a write transaction, possibly shared with the
// grouped writes of other goroutines queued at the same time.
func (s *Store) writeGrouped(fn func(w *wctx) error) error {
	req := &groupedWrite{fn: fn, done: make(chan error, 1)}
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, req)
	g.mu.Unlock()

	g.leader.Lock()
	defer g.leader.Unlock()
	select {
	case err := <-req.done: // an earlier leader wrote it
		return err
	default:
	}
	g.mu.Lock()
	batch := g.queue // holds req: only a leader empties the queue
	g.queue = nil
	g.mu.Unlock()
	s.writeBatch(batch)
	return <-req.done
}

// writeBatch writes a group in one transaction, or each member alone when
// the group fails (a member's error must not fail the others).
func (s *Store) writeBatch(batch []*groupedWrite) {
	if len(batch) == 1 {
		batch[0].done <- s.write(batch[0].fn)
		return
	}
	err := s.write(func(w *wctx) error {
		for _, r := range batch {
			if err := r.fn(w); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, r := range batch {
			r.done <- nil
		}
		return
	}
	for _, r := range batch {
		r.done <- s.write(r.fn)
	}
}
