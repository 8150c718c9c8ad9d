package storebench

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/workload"
)

// Snapshot is every counter a dashboard shows, read in one consistent view.
type Snapshot struct {
	ByStatus      map[inbox.Status]int64
	ByUnitStatus  map[string]inbox.StatusCounts // "" is items without unit
	ByAccount     map[string]int64
	OldestWaiting time.Time // received_at of the oldest new or open item; zero if none
}

// model is what every store must answer, kept in memory from the pages
// ingested: it checks answers outside the timers.
type model struct {
	snap Snapshot
	// open holds, per unit, the open items in received order (pages in
	// order, items in page order); openGroup the group of each open item.
	// Pages of one group are ingested at once, so a store may order them
	// either way: only the group order is checked.
	open      map[string][]string
	openGroup map[string]int
}

func newModel() *model {
	return &model{
		snap: Snapshot{
			ByStatus:     map[inbox.Status]int64{},
			ByUnitStatus: map[string]inbox.StatusCounts{},
			ByAccount:    map[string]int64{},
		},
		open:      map[string][]string{},
		openGroup: map[string]int{},
	}
}

func modelKey(account, externalID string) string { return account + "|" + externalID }

// add records a page that was ingested for the first time.
func (m *model) add(p *workload.Page, group int) {
	for j := range p.Items {
		it, st := &p.Items[j], p.Want[j]
		m.snap.ByStatus[st]++
		us := m.snap.ByUnitStatus[it.Unit]
		us.Add(st, 1)
		m.snap.ByUnitStatus[it.Unit] = us
		m.snap.ByAccount[it.Account]++
		if st == inbox.StatusOpen {
			k := modelKey(it.Account, it.ExternalID)
			m.open[it.Unit] = append(m.open[it.Unit], k)
			m.openGroup[k] = group
		}
		// Statuses are final here (triage is not modelled in steps), and
		// pages come in received order: the first waiting item stays oldest.
		if st.Waiting() && m.snap.OldestWaiting.IsZero() {
			m.snap.OldestWaiting = p.ReceivedAt
		}
	}
}

// checkList compares a list of the newest open items of unit with the model.
func (m *model) checkList(unit string, limit int, got []inbox.Item) error {
	all := m.open[unit]
	want := make([]string, 0, limit)
	for i := len(all) - 1; i >= 0 && len(want) < limit; i-- {
		want = append(want, all[i])
	}
	if len(got) != len(want) {
		return fmt.Errorf("list open items of unit %q: %d items, the model has %d", unit, len(got), len(want))
	}
	// Position by position the group must match: with every item distinct,
	// open and of unit, that makes each group but the oldest listed
	// complete and the oldest a subset of its group's open items.
	seen := make(map[string]bool, len(got))
	for i := range got {
		k := modelKey(got[i].Account, got[i].ExternalID)
		g, open := m.openGroup[k]
		if !open || seen[k] || g != m.openGroup[want[i]] || got[i].Status != inbox.StatusOpen || got[i].Unit != unit || got[i].Text == "" {
			return fmt.Errorf("list open items of unit %q: item %d is %s (%s, unit %q), the model has %s", unit, i, k, got[i].Status, got[i].Unit, want[i])
		}
		seen[k] = true
	}
	return nil
}

// checkStats compares a snapshot with the model.
func (m *model) checkStats(got Snapshot) error {
	want := &m.snap
	for _, st := range inbox.Statuses {
		if got.ByStatus[st] != want.ByStatus[st] {
			return fmt.Errorf("stats: %s = %d, the model has %d", st, got.ByStatus[st], want.ByStatus[st])
		}
	}
	for _, u := range sortedKeys(want.ByUnitStatus, got.ByUnitStatus) {
		for _, st := range inbox.Statuses {
			if g, w := got.ByUnitStatus[u].Get(st), want.ByUnitStatus[u].Get(st); g != w {
				return fmt.Errorf("stats: unit %q %s = %d, the model has %d", u, st, g, w)
			}
		}
	}
	for _, a := range sortedKeys(want.ByAccount, got.ByAccount) {
		if got.ByAccount[a] != want.ByAccount[a] {
			return fmt.Errorf("stats: account %q = %d, the model has %d", a, got.ByAccount[a], want.ByAccount[a])
		}
	}
	if !got.OldestWaiting.Equal(want.OldestWaiting) {
		return fmt.Errorf("stats: oldest waiting received at %v, the model has %v", got.OldestWaiting, want.OldestWaiting)
	}
	return nil
}

func sortedKeys[V any](a, b map[string]V) []string {
	ks := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}
