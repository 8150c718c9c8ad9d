package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// A routed item is stored with what the rule set, counted under its unit
// and status from the first moment, and audited as rule:<name> in the
// same transaction.
func TestIngestRoutedItemAuditedAsRule(t *testing.T) {
	e := newEnv(t)
	at := e.clock.Now().Add(-time.Minute)
	routed := fbComment("c1", "p1", "u1", at)
	routed.Unit, routed.Tags, routed.Priority, routed.Assignee, routed.RoutedBy = "dpupr", []string{"Jalan"}, inbox.PriorityHigh, "rina", "jalan-rusak"
	spam := fbComment("c2", "p1", "u2", at)
	spam.Status, spam.RoutedBy = inbox.StatusIgnored, "spam-judi"
	forged := fbComment("c3", "p1", "u3", at)
	forged.Status = inbox.StatusIgnored // no rule: a connector cannot file an item as ignored
	plain := fbComment("c4", "p1", "u4", at)
	ids := e.ingest(routed, spam, forged, plain)

	it := e.get(ids[0])
	if it.Unit != "dpupr" || !reflect.DeepEqual(it.Tags, []string{"jalan"}) || it.Priority != inbox.PriorityHigh ||
		it.Assignee != "rina" || it.Status != inbox.StatusNew {
		t.Errorf("routed item: %+v", it)
	}
	d := must[Detail](t)(e.s.Detail(ids[0]))
	var got []string
	for _, a := range d.Audit {
		got = append(got, a.Actor+" "+a.Field+" "+a.From+">"+a.To)
	}
	want := []string{"rule:jalan-rusak unit >dpupr", "rule:jalan-rusak tags >jalan", "rule:jalan-rusak priority normal>high",
		"rule:jalan-rusak assignee >rina"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("audit:\n%q\nwant\n%q", got, want)
	}

	if s := e.get(ids[1]); s.Status != inbox.StatusIgnored || s.Unit != "" {
		t.Errorf("spam: %+v", s)
	}
	d = must[Detail](t)(e.s.Detail(ids[1]))
	if len(d.Audit) != 1 || d.Audit[0].Actor != "rule:spam-judi" || d.Audit[0].Field != "status" || d.Audit[0].To != "ignored" {
		t.Errorf("spam audit: %+v", d.Audit)
	}
	if s := e.get(ids[2]); s.Status != inbox.StatusNew {
		t.Errorf("unrouted item filed as %q", s.Status)
	}
	if d := must[Detail](t)(e.s.Detail(ids[3])); len(d.Audit) != 0 {
		t.Errorf("unrouted item audited: %+v", d.Audit)
	}

	counts := must[map[string]UnitCounts](t)(e.s.CountsByUnit())
	if counts["dpupr"].Total != 1 || counts["dpupr"].Waiting != 1 || counts[""].Total != 3 || counts[""].ByStatus[inbox.StatusIgnored] != 1 {
		t.Errorf("counts: %+v", counts)
	}
	st := must[Stats](t)(e.s.Stats(""))
	if st.ByStatus[inbox.StatusIgnored] != 1 || st.Waiting != 3 || st.ByUnit["dpupr"] != 1 {
		t.Errorf("stats: %+v", st)
	}
	// Reopened, everything is still there (one transaction, committed).
	e.reopen()
	if it := e.get(ids[0]); it.Unit != "dpupr" {
		t.Errorf("after reopen: %+v", it)
	}
}
