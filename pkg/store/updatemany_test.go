package store

import (
	"errors"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func TestUpdateManyIsOneTransactionAllOrNone(t *testing.T) {
	e := newEnv(t)
	ids := e.ingest(fbComment("c1", "p", "u1", e.clock.Now()), fbComment("c2", "p", "u2", e.clock.Now()), fbComment("c3", "p", "u3", e.clock.Now()))
	e.ev.take()

	// The third change is refused (closed cannot go to answered after new→closed
	// in the same batch): nothing of the batch is written.
	_, err := e.s.UpdateMany("triage", []ItemChange{
		{ID: ids[0], Change: Change{Status: ptr(inbox.StatusOpen)}},
		{ID: ids[1], Change: Change{Status: ptr(inbox.StatusClosed)}},
		{ID: ids[1], Change: Change{Status: ptr(inbox.StatusAnswered)}},
	})
	var te *inbox.TransitionError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a TransitionError", err)
	}
	for _, id := range ids {
		if st := e.get(id).Status; st != inbox.StatusNew {
			t.Fatalf("%s is %s after a refused batch", id, st)
		}
	}
	_, err = e.s.UpdateMany("triage", []ItemChange{{ID: ids[0], Change: Change{Unit: ptr("-")}}, {ID: ids[1]}})
	wantValidation(t, err, "unit")

	gen := e.s.Generation()
	got, err := e.s.UpdateMany("triage", []ItemChange{
		{ID: ids[0], Change: Change{Status: ptr(inbox.StatusOpen), Unit: ptr("dpupr")}},
		{ID: ids[1], Change: Change{Status: ptr(inbox.StatusClosed)}},
		{ID: ids[2]}, // no change
	})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Status != inbox.StatusOpen || got[0].Unit != "dpupr" || got[1].Status != inbox.StatusClosed || got[2].Status != inbox.StatusNew {
		t.Fatalf("got %+v", got)
	}
	if e.s.Generation() != gen+1 {
		t.Fatalf("generation moved by %d, want one commit", e.s.Generation()-gen)
	}
	if evs := e.ev.take(); len(evs) != 2 {
		t.Fatalf("events = %+v, want one per changed item", evs)
	}
	st := must[Stats](t)(e.s.Stats(""))
	if st.ByStatus[inbox.StatusOpen] != 1 || st.ByStatus[inbox.StatusClosed] != 1 || st.ByStatus[inbox.StatusNew] != 1 || st.ByUnit["dpupr"] != 1 {
		t.Fatalf("stats = %+v", st)
	}
	d := must[Detail](t)(e.s.Detail(ids[0]))
	if len(d.Audit) != 2 || d.Audit[0].Actor != "triage" {
		t.Fatalf("audit = %+v", d.Audit)
	}

	// A batch that changes nothing commits nothing.
	gen = e.s.Generation()
	if _, err := e.s.UpdateMany("triage", []ItemChange{{ID: ids[1], Change: Change{Status: ptr(inbox.StatusClosed)}}}); err != nil {
		t.Fatal(err)
	}
	if e.s.Generation() != gen {
		t.Fatal("a batch without change bumped the generation")
	}
}
