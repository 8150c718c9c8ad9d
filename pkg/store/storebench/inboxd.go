package storebench

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/workload"
	"github.com/inboxd/inboxd/pkg/store"
)

// Inboxd is the Target over pkg/store. It ingests items as the scheduler
// does (status new, unit set by routing) and triages them to the page's
// Want status in Settle, one UpdateMany per call. Its clock is the page's
// received time, so received_at matches the workload's.
type Inboxd struct {
	path    string
	s       *store.Store
	mu      sync.Mutex // guards now and pending: pages are ingested concurrently
	now     time.Time
	pending []store.ItemChange
}

// OpenInboxd opens (creating) an inboxd data file at path.
func OpenInboxd(path string) (*Inboxd, error) {
	t := &Inboxd{path: path}
	return t, t.Reopen()
}

// Store is the store under test.
func (t *Inboxd) Store() *store.Store { return t.s }

// Reopen opens the data file again.
func (t *Inboxd) Reopen() error {
	s, err := store.Open(t.path, store.Options{Logger: slog.New(slog.DiscardHandler), Now: t.clock})
	if err != nil {
		return err
	}
	t.s = s
	return nil
}

// Close closes the data file.
func (t *Inboxd) Close() error { return t.s.Close() }

// Files is the data file.
func (t *Inboxd) Files() []string { return []string{t.path} }

func statusPtr(s inbox.Status) *inbox.Status { return &s }

func (t *Inboxd) clock() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.now
}

// Ingest stores the page with store.Ingest.
func (t *Inboxd) Ingest(p *workload.Page) (int, error) {
	t.mu.Lock()
	if p.ReceivedAt.After(t.now) {
		t.now = p.ReceivedAt
	}
	t.mu.Unlock()
	res, err := t.s.Ingest(p.Account, p.Items, nil, p.Cursor)
	if err != nil {
		return 0, err
	}
	if res.New != len(res.NewIDs) {
		return 0, fmt.Errorf("ingest: %d new but %d ids", res.New, len(res.NewIDs))
	}
	if res.New > 0 && res.New != len(p.Items) {
		return 0, fmt.Errorf("ingest: %d of %d items new; the harness triages whole pages", res.New, len(p.Items))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for j, id := range res.NewIDs {
		if p.Want[j] != inbox.StatusNew {
			t.pending = append(t.pending, store.ItemChange{ID: id, Change: store.Change{Status: statusPtr(p.Want[j])}})
		}
	}
	return res.New, nil
}

// Settle triages the items ingested since the last call in one transaction.
func (t *Inboxd) Settle() error {
	t.mu.Lock() // not held across the write: the store's clock takes it
	pending := t.pending
	t.pending = nil
	t.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	_, err := t.s.UpdateMany("triage", pending)
	return err
}

// ListOpen lists the newest open items of unit.
func (t *Inboxd) ListOpen(unit string, limit int) ([]inbox.Item, error) {
	if unit == "" {
		unit = "-"
	}
	p, err := t.s.List(store.Filter{Statuses: []inbox.Status{inbox.StatusOpen}, Unit: unit, Limit: limit})
	return p.Items, err
}

// Stats reads the office's stats, unit × status included, in one call.
func (t *Inboxd) Stats() (Snapshot, error) {
	st, err := t.s.Stats("")
	if err != nil {
		return Snapshot{}, err
	}
	snap := Snapshot{ByStatus: st.ByStatus, ByAccount: st.ByAccount, ByUnitStatus: st.ByUnitStatus}
	if st.OldestWaiting != nil {
		snap.OldestWaiting = *st.OldestWaiting
	}
	return snap, nil
}
