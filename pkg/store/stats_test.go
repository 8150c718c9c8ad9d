package store

import (
	"fmt"
	"maps"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// One Stats("") call answers the unit × status grid that took one call per
// unit, with the same numbers.
func TestStatsUnitByStatusInOneCall(t *testing.T) {
	e := newEnv(t)
	units := []string{"dpupr", "dinkes", "pdam", ""}
	var items []inbox.Item
	for i := range 40 {
		it := fbComment(fmt.Sprint("c", i), fmt.Sprint("p", i%3), fmt.Sprint("u", i), e.clock.Now())
		it.Unit = units[i%len(units)]
		items = append(items, it)
	}
	ids := e.ingest(items...)
	var changes []ItemChange
	for i, id := range ids {
		st := []inbox.Status{inbox.StatusNew, inbox.StatusOpen, inbox.StatusAnswered, inbox.StatusClosed, inbox.StatusIgnored}[i*7%5]
		if st != inbox.StatusNew {
			changes = append(changes, ItemChange{ID: id, Change: Change{Status: &st}})
		}
	}
	if _, err := e.s.UpdateMany("op", changes); err != nil {
		t.Fatal(err)
	}
	all := must[Stats](t)(e.s.Stats(""))
	if len(all.ByUnitStatus) != len(units) {
		t.Fatalf("by_unit_status has %d units, want %d: %v", len(all.ByUnitStatus), len(units), all.ByUnitStatus)
	}
	for _, u := range units {
		q := u
		if q == "" {
			q = "-"
		}
		one := must[Stats](t)(e.s.Stats(q))
		want := maps.Clone(one.ByStatus)
		maps.DeleteFunc(want, func(_ inbox.Status, n int64) bool { return n == 0 })
		if got := all.ByUnitStatus[u].Map(); !maps.Equal(got, want) {
			t.Errorf("unit %q: one call says %v, the unit's own stats %v", u, got, want)
		}
		if got := one.ByUnitStatus[u].Map(); !maps.Equal(got, want) || len(one.ByUnitStatus) != 1 {
			t.Errorf("unit %q's own stats: by_unit_status %v, by_status %v", u, one.ByUnitStatus, one.ByStatus)
		}
	}
}
