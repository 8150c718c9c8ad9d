package storebench

import (
	"fmt"
	"log/slog"
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
	s, err := store.Open(t.path, store.Options{Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return t.now }})
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

// Ingest stores the page with store.Ingest.
func (t *Inboxd) Ingest(p *workload.Page) (int, error) {
	if p.ReceivedAt.After(t.now) {
		t.now = p.ReceivedAt
	}
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
	for j, id := range res.NewIDs {
		if p.Want[j] != inbox.StatusNew {
			t.pending = append(t.pending, store.ItemChange{ID: id, Change: store.Change{Status: statusPtr(p.Want[j])}})
		}
	}
	return res.New, nil
}

// Settle triages the items ingested since the last call in one transaction.
func (t *Inboxd) Settle() error {
	if len(t.pending) == 0 {
		return nil
	}
	_, err := t.s.UpdateMany("triage", t.pending)
	t.pending = t.pending[:0]
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

// Stats reads the office's stats and every unit's.
func (t *Inboxd) Stats() (Snapshot, error) {
	st, err := t.s.Stats("")
	if err != nil {
		return Snapshot{}, err
	}
	snap := Snapshot{ByStatus: st.ByStatus, ByAccount: st.ByAccount, ByUnitStatus: map[string]map[inbox.Status]int64{}}
	if st.OldestWaiting != nil {
		snap.OldestWaiting = *st.OldestWaiting
	}
	// Today's store answers unit × status with one call per unit.
	for u := range st.ByUnit {
		q := u
		if q == "" {
			q = "-"
		}
		us, err := t.s.Stats(q)
		if err != nil {
			return Snapshot{}, err
		}
		snap.ByUnitStatus[u] = us.ByStatus
	}
	return snap, nil
}
