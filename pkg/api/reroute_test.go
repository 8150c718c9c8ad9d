package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/rules"
)

// testRules is every test server's rule set: the seeded texts "Kapan jadwal
// vaksin?" and "@pemkab lampu jalan mati" match, the others do not.
func testRules(t testing.TB) *rules.Live {
	t.Helper()
	set, err := rules.Compile([]rules.Rule{
		{Name: "vaksin", AnyWords: []string{"vaksin"}, Unit: "dinkes", Tags: []string{"kesehatan"}},
		{Name: "lampu", AnyWords: []string{"lampu jalan"}, Unit: "dishub", Priority: "high"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	live := &rules.Live{}
	live.Store(set)
	return live
}

// startReroute starts a job, waits for it to end and returns its id.
func (e *env) startReroute(body map[string]any) string {
	e.t.Helper()
	e.srv.reroute.wg.Wait()
	rec := e.do(asAdmin, "POST", "/api/v1/routing/apply", body)
	if rec.Code != http.StatusAccepted {
		e.t.Fatalf("apply: %d %s", rec.Code, rec.Body)
	}
	j := decodeJSONBody[rerouteJob](e.t.(*testing.T), rec)
	if rec.Header().Get("Location") != "/api/v1/routing/apply/"+j.ID || j.State != "running" {
		e.t.Fatalf("apply answer: %+v %v", j, rec.Header())
	}
	e.srv.reroute.wg.Wait()
	return j.ID
}

func (e *env) job(id string) rerouteJob {
	e.t.Helper()
	rec := e.do(asAdmin, "GET", "/api/v1/routing/apply/"+id, nil)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("job: %d %s", rec.Code, rec.Body)
	}
	return decodeJSONBody[rerouteJob](e.t.(*testing.T), rec)
}

func TestRoutingApplyReroutesUnroutedAndKeepsHumanEdits(t *testing.T) {
	e := newEnv(t)
	// Seeded: aMessage ("vaksin") is in unitA by a person; bXMention
	// ("lampu jalan") in unitB by a person; noneXDM is unrouted.
	for name, text := range map[string]string{"extra": "lampu jalan padam di gang 3", "extra2": "vaksin kapan ya"} {
		it, err := e.st.Get(e.ingestOne("777_"+name, text))
		if err != nil {
			t.Fatal(err)
		}
		e.items[name] = it
	}

	// Only the unrouted items.
	j := e.job(e.startReroute(map[string]any{"unit": ""}))
	if j.State != "done" || j.Examined != 3 || j.Matched != 2 || j.Changed != 2 || j.KeptByHuman != 0 || j.Actor != asAdmin || j.FinishedAt == nil {
		t.Errorf("job: %+v", j)
	}
	if it, _ := e.st.Get(e.items["extra"].ID); it.Unit != "dishub" || it.Priority != inbox.PriorityHigh {
		t.Errorf("extra: %+v", it)
	}
	d, _ := e.st.Detail(e.items["extra2"].ID)
	if it := d.Item; it.Unit != "dinkes" || len(d.Audit) != 2 || d.Audit[0].Actor != "rule:vaksin" {
		t.Errorf("extra2: %+v %+v", it, d.Audit)
	}

	// Every item: the units a person set stay; the rest of the rule applies.
	j = e.job(e.startReroute(map[string]any{}))
	if j.Examined != 7 || j.KeptByHuman != 2 {
		t.Errorf("all items: %+v", j)
	}
	if it, _ := e.st.Get(e.items["aMessage"].ID); it.Unit != unitA || len(it.Tags) != 1 {
		t.Errorf("aMessage (unit set by a person): %+v", it)
	}
	if it, _ := e.st.Get(e.items["bXMention"].ID); it.Unit != unitB || it.Priority != inbox.PriorityHigh {
		t.Errorf("bXMention (unit set by a person): %+v", it)
	}

	// A received-at window that selects nothing.
	j = e.job(e.startReroute(map[string]any{"received_after": testNow.Add(time.Hour)}))
	if j.Examined != 0 || j.State != "done" {
		t.Errorf("empty window: %+v", j)
	}

	// from/to name the same window; the items all arrived before testNow+1h.
	j = e.job(e.startReroute(map[string]any{"from": testNow.Add(-24 * time.Hour), "to": testNow.Add(time.Hour), "channel": "twitter"}))
	if j.Examined != 2 || j.Filter.ReceivedAfter == nil || j.Filter.From != nil {
		t.Errorf("from/to window on twitter: %+v", j)
	}
	if rec := e.do(asAdmin, "POST", "/api/v1/routing/apply", map[string]any{"from": testNow, "received_after": testNow}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("a bound given twice: %d", rec.Code)
	}
	if rec := e.do(asAdmin, "GET", "/api/v1/routing/apply/nope", nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown job: %d", rec.Code)
	}
	if rec := e.do(asAdmin, "POST", "/api/v1/routing/apply", map[string]any{"status": "gone"}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("bad status: %d", rec.Code)
	}
}

func TestRoutingApplyWithoutRules(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Rules = nil })
	if rec := e.do(asAdmin, "POST", "/api/v1/routing/apply", map[string]any{}); rec.Code != http.StatusConflict {
		t.Fatalf("no rules: %d %s", rec.Code, rec.Body)
	}
}
