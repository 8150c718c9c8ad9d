package api

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/inboxd/inboxd/pkg/rules"
)

// GET /api/v1/routing/rules lists the running rules in order with the
// config's keys; a reload shows at once; a unit-scoped caller sees the
// rules that route to its unit.
func TestListRoutingRules(t *testing.T) {
	live, opt := withRules(t, []rules.Rule{
		{Name: "spam", AnyWords: []string{"slot gacor"}, Status: "ignored", Tags: []string{"spam"}},
		{Name: "jalan", AnyWords: []string{"jalan rusak"}, AllWords: []string{"desa"}, Channel: "facebook", Unit: unitA, Priority: "high"},
		{Name: "sehat", Regex: "^demam", Unit: unitB, Assignee: "rina"},
	})
	e := newEnv(t, opt)
	type list struct{ Rules []routingRule }
	rec := e.do(asViewer, "GET", "/api/v1/routing/rules", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := []routingRule{
		{Name: "spam", AnyWords: []string{"slot gacor"}, Status: "ignored", Tags: []string{"spam"}},
		{Name: "jalan", AnyWords: []string{"jalan rusak"}, AllWords: []string{"desa"}, Channel: "facebook", Unit: unitA, Priority: "high"},
		{Name: "sehat", Regex: "^demam", Unit: unitB, Assignee: "rina"},
	}
	if got := decodeJSONBody[list](t, rec).Rules; !reflect.DeepEqual(got, want) {
		t.Errorf("rules:\n got %+v\nwant %+v", got, want)
	}
	if got := decodeJSONBody[list](t, e.do(asViewerA, "GET", "/api/v1/routing/rules", nil)).Rules; len(got) != 1 || got[0].Name != "jalan" {
		t.Errorf("unit-scoped rules = %+v, want only the rule routing to %s", got, unitA)
	}
	live.Store(nil) // a reload to no rules
	if got := e.do(asViewer, "GET", "/api/v1/routing/rules", nil).Body.String(); got != `{"rules":[]}`+"\n" && got != `{"rules":[]}` {
		t.Errorf("no rules: %s", got)
	}
}
