package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// The seeded items carry unitA (2 items) and unitB (2); one has no unit.
var testUnits = []inbox.Unit{
	{Code: unitA, Name: "Dinas Pekerjaan Umum", Short: "DPU", Contact: "0271-123"},
	{Code: "dinkes", Name: "Dinas Kesehatan"},
}

func withUnits(units []inbox.Unit) func(*Options) {
	return func(o *Options) { o.Units = units }
}

func TestUnitsListConfigured(t *testing.T) {
	e := newEnv(t, withUnits(testUnits))
	rec := e.do(asViewer, "GET", "/api/v1/units", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := decodeJSONBody[unitList](t, rec)
	if !got.Configured || len(got.Units) != 2 {
		t.Fatalf("units: %+v", got)
	}
	a := got.Units[0]
	if a.Code != unitA || a.Name != "Dinas Pekerjaan Umum" || a.Short != "DPU" || a.Contact != "0271-123" ||
		a.Counts.Total != 2 || a.Counts.Waiting != 2 || a.Tokens != 3 {
		t.Errorf("unit A: %+v", a)
	}
	if d := got.Units[1]; d.Code != "dinkes" || d.Counts.Total != 0 || d.Counts.ByStatus == nil {
		t.Errorf("dinkes: %+v", d)
	}
	// unitB is carried by two items but not configured: flagged.
	if len(got.UnknownUnits) != 1 || got.UnknownUnits[0].Code != unitB || got.UnknownUnits[0].Counts.Total != 2 {
		t.Errorf("unknown_units: %+v", got.UnknownUnits)
	}
	if got.Unrouted == nil || got.Unrouted.Total != 1 {
		t.Errorf("unrouted: %+v", got.Unrouted)
	}

	// Counts are live: moving an item changes them at once.
	if rec := e.do(asOp, "PATCH", "/api/v1/items/"+e.items["bMention"].ID, map[string]string{"unit": "dinkes", "status": "ignored"}); rec.Code != http.StatusOK {
		t.Fatalf("patch: %d %s", rec.Code, rec.Body)
	}
	got = decodeJSONBody[unitList](t, e.do(asViewer, "GET", "/api/v1/units", nil))
	if d := got.Units[1]; d.Counts.Total != 1 || d.Counts.Waiting != 0 || d.Counts.ByStatus[inbox.StatusIgnored] != 1 {
		t.Errorf("dinkes after the move: %+v", d)
	}
	if got.UnknownUnits[0].Counts.Total != 1 {
		t.Errorf("unknown unit after the move: %+v", got.UnknownUnits)
	}
}

func TestUnitsListScopedSeesOwnUnitOnly(t *testing.T) {
	e := newEnv(t, withUnits(testUnits))
	got := decodeJSONBody[unitList](t, e.do(asViewerA, "GET", "/api/v1/units", nil))
	if len(got.Units) != 1 || got.Units[0].Code != unitA || len(got.UnknownUnits) != 0 || got.Unrouted != nil {
		t.Fatalf("scoped view: %+v", got)
	}
	// A token scoped to a unit the config does not list sees that unit as unknown.
	e2 := newEnv(t, withUnits(testUnits[1:]))
	got = decodeJSONBody[unitList](t, e2.do(asViewerA, "GET", "/api/v1/units", nil))
	if len(got.Units) != 0 || len(got.UnknownUnits) != 1 || got.UnknownUnits[0].Code != unitA || got.UnknownUnits[0].Tokens != 3 {
		t.Fatalf("scoped view of an unknown unit: %+v", got)
	}
	// ... and keeps working on its items.
	if rec := e2.do(asOpA, "PATCH", "/api/v1/items/"+e2.items["aComment"].ID, map[string]string{"status": "open"}); rec.Code != http.StatusOK {
		t.Fatalf("scoped token of an unknown unit: %d %s", rec.Code, rec.Body)
	}
}

func TestUnitsFreeTextWithoutConfig(t *testing.T) {
	e := newEnv(t)
	got := decodeJSONBody[unitList](t, e.do(asViewer, "GET", "/api/v1/units", nil))
	if got.Configured || len(got.UnknownUnits) != 0 || len(got.Units) != 2 {
		t.Fatalf("free-text units: %+v", got)
	}
	// Any unit is accepted, as before units: existed.
	if rec := e.do(asOp, "PATCH", "/api/v1/items/"+e.items["noneXDM"].ID, map[string]string{"unit": "dinsa-pu"}); rec.Code != http.StatusOK {
		t.Fatalf("free-text unit: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asAdmin, "POST", "/api/v1/tokens", map[string]string{"name": "x", "role": "viewer", "unit": "anything"}); rec.Code != http.StatusCreated {
		t.Fatalf("free-text token unit: %d %s", rec.Code, rec.Body)
	}
}

func TestUnknownUnitRefused(t *testing.T) {
	e := newEnv(t, withUnits(testUnits))
	rec := e.do(asOp, "PATCH", "/api/v1/items/"+e.items["noneXDM"].ID, map[string]string{"unit": "dinsa-pu"})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("unknown unit: %d %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	if p := decodeProblem(t, rec); !p.names("unit") || !strings.Contains(body, unitA+", dinkes") {
		t.Errorf("problem must name the field and list the codes: %s", body)
	}
	if it, _ := e.st.Get(e.items["noneXDM"].ID); it.Unit != "" {
		t.Errorf("item moved to %q", it.Unit)
	}
	// A known unit, and clearing the unit, are fine.
	for _, u := range []string{"dinkes", ""} {
		if rec := e.do(asOp, "PATCH", "/api/v1/items/"+e.items["noneXDM"].ID, map[string]string{"unit": u}); rec.Code != http.StatusOK {
			t.Errorf("unit %q: %d %s", u, rec.Code, rec.Body)
		}
	}
	// Tokens can be scoped only to a configured unit.
	rec = e.do(asAdmin, "POST", "/api/v1/tokens", map[string]string{"name": "typo", "role": "viewer", "unit": "dinsa-pu"})
	if rec.Code != http.StatusUnprocessableEntity || !decodeProblem(t, rec).names("unit") {
		t.Fatalf("token of an unknown unit: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asAdmin, "POST", "/api/v1/tokens", map[string]string{"name": "ok", "role": "viewer", "unit": "dinkes"}); rec.Code != http.StatusCreated {
		t.Fatalf("token of a configured unit: %d %s", rec.Code, rec.Body)
	}
	// People too.
	rec = e.do(asAdmin, "POST", "/api/v1/users", map[string]string{"username": "siti", "role": "operator", "unit": "dinsa-pu"})
	if rec.Code != http.StatusUnprocessableEntity || !decodeProblem(t, rec).names("unit") {
		t.Fatalf("user of an unknown unit: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asAdmin, "POST", "/api/v1/users", map[string]string{"username": "siti", "role": "operator", "unit": "dinkes"}); rec.Code != http.StatusCreated {
		t.Fatalf("user of a configured unit: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asAdmin, "PATCH", "/api/v1/users/siti", map[string]string{"unit": "dinsa-pu"}); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("user moved to an unknown unit: %d %s", rec.Code, rec.Body)
	}
	// Reloaded units apply at once.
	e.srv.SetUnits(append(testUnits, inbox.Unit{Code: "dinsa-pu", Name: "typo office"}))
	if rec := e.do(asOp, "PATCH", "/api/v1/items/"+e.items["noneXDM"].ID, map[string]string{"unit": "dinsa-pu"}); rec.Code != http.StatusOK {
		t.Fatalf("after reload: %d %s", rec.Code, rec.Body)
	}
}
