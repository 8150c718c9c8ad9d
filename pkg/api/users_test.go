package api

import (
	"net/http"
	"testing"
)

// With a units: registry, a user's scope must be a configured unit, as a
// token's must (issue 14).
func TestUserUnitMustBeConfigured(t *testing.T) {
	e := newEnv(t, withUnits(testUnits))
	rec := e.do(asAdmin, "POST", "/api/v1/users", map[string]string{"username": "siti", "role": "operator", "unit": "dinas-sosial"})
	if p := decodeProblem(t, rec); rec.Code != http.StatusUnprocessableEntity || !p.names("unit") {
		t.Fatalf("unknown unit: %d %+v", rec.Code, p)
	}
	if rec := e.do(asAdmin, "POST", "/api/v1/users", map[string]string{"username": "siti", "role": "operator", "unit": unitA}); rec.Code != http.StatusCreated {
		t.Fatalf("configured unit: %d %s", rec.Code, rec.Body)
	}
	rec = e.do(asAdmin, "PATCH", "/api/v1/users/siti", map[string]string{"unit": "dinas-sosial"})
	if p := decodeProblem(t, rec); rec.Code != http.StatusUnprocessableEntity || !p.names("unit") {
		t.Fatalf("patch to an unknown unit: %d %+v", rec.Code, p)
	}
	for _, unit := range []string{"dinkes", ""} { // another configured unit; no scope
		if rec := e.do(asAdmin, "PATCH", "/api/v1/users/siti", map[string]string{"unit": unit}); rec.Code != http.StatusOK {
			t.Fatalf("patch to %q: %d %s", unit, rec.Code, rec.Body)
		}
	}
}
