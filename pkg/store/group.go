package store

import (
	"sync"
	"time"
)

// commitGroup lets Ingest calls that are ready at the same time share one
// write transaction (a group commit). Accounts are polled concurrently; a
// page that arrives while another commit is in progress waits anyway, so
// the next leader writes every page waiting at that moment in one
// transaction and one pair of fsyncs.
//
// An Ingest call announces itself when it starts (before it validates its
// page and reads what is new, which takes a while), and a leader holds its
// commit until every announced page has queued or gone away, for at most
// maxGather. Without that, of pages ready at once the first to finish its
// reading would commit alone and the others in a second transaction, with
// its own fsyncs and the same tail pages written again. A page that arrives
// alone never waits.
//
// Each page's function still writes its items, dedup keys, counters and
// cursor in the transaction it runs in, so dedup-with-cursor stays atomic
// per page, and every caller returns only after the commit that made its
// page durable. If one page fails, the transaction is rolled back and each
// page is written again on its own, so one bad page never fails another.
type commitGroup struct {
	leader sync.Mutex // held by the caller writing a group
	mu     sync.Mutex // guards the fields below
	queue  []*groupedWrite
	coming int           // announced calls that have neither queued nor left
	moved  chan struct{} // closed (and replaced) when coming or queue changes
	// gatherFor replaces maxGather when set (tests).
	gatherFor time.Duration
}

// maxGather bounds how long a leader holds its commit for announced pages;
// reading a 100-item page takes well under a millisecond.
const maxGather = 2 * time.Millisecond

type groupedWrite struct {
	fn   func(w *wctx) error
	done chan error // buffered: receives the write's result once
}

// announce tells the group a page is on its way; the returned func must be
// called when the page queued or will not write (it is idempotent).
func (g *commitGroup) announce() (leave func()) {
	g.mu.Lock()
	g.coming++
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			g.coming--
			g.signalLocked()
			g.mu.Unlock()
		})
	}
}

func (g *commitGroup) signalLocked() {
	if g.moved != nil {
		close(g.moved)
		g.moved = nil
	}
}

// gather waits while announced pages are still on their way to the queue,
// for at most maxGather.
func (g *commitGroup) gather() {
	var timer *time.Timer
	g.mu.Lock()
	for g.coming > 0 {
		if g.moved == nil {
			g.moved = make(chan struct{})
		}
		moved := g.moved
		g.mu.Unlock()
		if timer == nil {
			d := maxGather
			if g.gatherFor > 0 {
				d = g.gatherFor
			}
			timer = time.NewTimer(d)
			defer timer.Stop()
		}
		select {
		case <-moved:
		case <-timer.C:
			return
		}
		g.mu.Lock()
	}
	g.mu.Unlock()
}

// writeGrouped runs fn in a write transaction, possibly shared with the
// grouped writes of other goroutines queued at the same time. leave is the
// caller's announce result (nil when it did not announce).
func (s *Store) writeGrouped(fn func(w *wctx) error, leave func()) error {
	req := &groupedWrite{fn: fn, done: make(chan error, 1)}
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, req)
	g.mu.Unlock()
	if leave != nil {
		leave()
	}

	g.leader.Lock()
	defer g.leader.Unlock()
	select {
	case err := <-req.done: // an earlier leader wrote it
		return err
	default:
	}
	g.gather()
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
