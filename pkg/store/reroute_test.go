package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Re-routing changes only what no person has set: a human edit in the audit
// trail wins over any rule, and a rule never files a seen item as spam.
func TestApplyRoutesLeavesHumanEditsAlone(t *testing.T) {
	e := newEnv(t)
	at := e.clock.Now().Add(-time.Hour)
	ids := e.ingest(fbComment("c1", "p", "u1", at), fbComment("c2", "p", "u2", at), fbComment("c3", "p", "u3", at),
		fbComment("c4", "p", "u4", at))
	// A person moved c2 to another unit and raised c3's priority; c4 was opened.
	must[inbox.Item](t)(e.s.Update(ids[1], "rina", Change{Unit: ptr("dinkes")}))
	must[inbox.Item](t)(e.s.Update(ids[2], "rina", Change{Priority: ptr(inbox.PriorityUrgent)}))
	must[inbox.Item](t)(e.s.Update(ids[3], "rina", Change{Status: ptr(inbox.StatusOpen)}))

	route := func(id string) Route {
		return Route{ItemID: id, Rule: "jalan", Unit: "dpupr", Tags: []string{"jalan"}, Priority: inbox.PriorityHigh}
	}
	res, err := e.s.ApplyRoutes([]Route{route(ids[0]), route(ids[1]), route(ids[2]),
		{ItemID: ids[3], Rule: "spam", Status: inbox.StatusIgnored}, {ItemID: "01JD0000000000000000000000", Rule: "x", Unit: "a"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := RerouteResult{Changed: 3, Unchanged: 1, KeptByHuman: 2, Missing: 1}
	if res != want {
		t.Errorf("result %+v, want %+v", res, want)
	}
	if it := e.get(ids[0]); it.Unit != "dpupr" || it.Priority != inbox.PriorityHigh || !reflect.DeepEqual(it.Tags, []string{"jalan"}) {
		t.Errorf("untouched item: %+v", it)
	}
	if it := e.get(ids[1]); it.Unit != "dinkes" || it.Priority != inbox.PriorityHigh {
		t.Errorf("human unit must stay, the rest is routed: %+v", it)
	}
	if it := e.get(ids[2]); it.Priority != inbox.PriorityUrgent || it.Unit != "dpupr" {
		t.Errorf("human priority must stay: %+v", it)
	}
	if it := e.get(ids[3]); it.Status != inbox.StatusOpen {
		t.Errorf("a seen item filed as spam: %+v", it)
	}
	d := must[Detail](t)(e.s.Detail(ids[1]))
	last := d.Audit[len(d.Audit)-1]
	if last.Actor != "rule:jalan" || last.Field != "priority" {
		t.Errorf("audit: %+v", d.Audit)
	}
	counts := must[map[string]UnitCounts](t)(e.s.CountsByUnit())
	if counts["dpupr"].Total != 2 || counts["dinkes"].Total != 1 || counts[""].Total != 1 {
		t.Errorf("counts: %+v", counts)
	}

	// Applying again changes nothing; a rule's own earlier change is not a
	// human edit, so a changed rule may update it.
	res, err = e.s.ApplyRoutes([]Route{route(ids[0])}, nil)
	if err != nil || res != (RerouteResult{Unchanged: 1}) {
		t.Errorf("second run: %+v %v", res, err)
	}
	res, err = e.s.ApplyRoutes([]Route{{ItemID: ids[0], Rule: "jalan-v2", Unit: "dishub"}}, nil)
	if err != nil || res.Changed != 1 || e.get(ids[0]).Unit != "dishub" {
		t.Errorf("a rule's earlier change: %+v %v", res, err)
	}
	if _, err := e.s.ApplyRoutes([]Route{{ItemID: ids[0], Rule: "x", Status: inbox.StatusClosed}}, nil); !isValidation(err) {
		t.Errorf("a rule closing an item: %v", err)
	}
}

// A re-route that changes the unit recomputes the item's deadlines, as an
// edit does; the recomputed due times are audited under the rule too.
func TestApplyRoutesRecomputesDeadlines(t *testing.T) {
	e := newEnv(t)
	ids := e.ingest(fbComment("c1", "p", "u1", e.clock.Now().Add(-time.Hour)))
	due := e.clock.Now().Add(24 * time.Hour).UTC()
	var saw string
	deadlines := func(it inbox.Item) (*time.Time, *time.Time) {
		saw = it.Unit
		return &due, nil
	}
	if _, err := e.s.ApplyRoutes([]Route{{ItemID: ids[0], Rule: "jalan", Unit: "dpupr"}}, deadlines); err != nil {
		t.Fatal(err)
	}
	it := e.get(ids[0])
	if saw != "dpupr" || it.FirstResponseDueAt == nil || !it.FirstResponseDueAt.Equal(due) {
		t.Errorf("deadlines not recomputed for the new unit (saw %q): %+v", saw, it.FirstResponseDueAt)
	}
	d := must[Detail](t)(e.s.Detail(ids[0]))
	for _, a := range d.Audit {
		if a.Actor != "rule:jalan" {
			t.Errorf("audit entry by %q: %+v", a.Actor, a)
		}
	}
}
