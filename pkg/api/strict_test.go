package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// Each case here was accepted before issue 10 (the first two 200s, the
// JSON ones 200 with one value silently winning, the redirect an HTML body).

func TestTwoAuthorizationHeadersAre400(t *testing.T) {
	e := newEnv(t)
	req := httptest.NewRequest("GET", "/api/v1/items", nil)
	req.Header.Add("Authorization", "Bearer "+e.tokens[asViewer])
	req.Header.Add("Authorization", "Bearer "+e.tokens[asAdmin])
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", rec.Code)
	}
	if p := decodeProblem(t, rec); !p.names("Authorization") {
		t.Fatalf("problem does not name the header: %+v", p)
	}
}

func TestJSONDuplicateAndCaseFoldedKeysAre400(t *testing.T) {
	e := newEnv(t)
	id := e.items["aComment"].ID
	for _, tc := range []struct{ body, key string }{
		{`{"priority":"high","priority":"low"}`, "priority"},
		{`{"PRIORITY":"high"}`, "PRIORITY"},
		{`{"Status":"open"}`, "Status"},
		{`{"tags":["a"],"tags":["b"]}`, "tags"},
	} {
		rec := e.do(asOp, "PATCH", "/api/v1/items/"+id, tc.body)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("%s: status %d, want 400; %s", tc.body, rec.Code, rec.Body)
		}
		if p := decodeProblem(t, rec); !p.names(tc.key) {
			t.Fatalf("%s: problem does not name %q: %+v", tc.body, tc.key, p)
		}
	}
	// The schema's own spelling still works.
	if rec := e.do(asOp, "PATCH", "/api/v1/items/"+id, `{"priority":"high"}`); rec.Code != http.StatusOK {
		t.Fatalf("exact key: %d %s", rec.Code, rec.Body)
	}
}

func TestCheckKeysNested(t *testing.T) {
	type inner struct {
		Name string `json:"name"`
	}
	type outer struct {
		In   inner            `json:"in"`
		List []inner          `json:"list"`
		M    map[string]inner `json:"m"`
	}
	for body, want := range map[string]string{
		`{"in":{"name":"a","name":"b"}}`:       "in.name",
		`{"list":[{"name":"a"},{"NAME":"b"}]}`: "list[1].NAME",
		`{"m":{"x":{"Name":"a"}}}`:             "m.x.Name",
		`{"m":{"x":{},"x":{}}}`:                "m.x",
	} {
		var dst outer
		err := checkKeys(jsonDecoder(body), typeOf(&dst), "")
		p, ok := err.(*Problem)
		if !ok || len(p.Errors) != 1 || p.Errors[0].Field != want {
			t.Errorf("%s: err %v, want a 400 naming %s", body, err, want)
		}
	}
	var dst outer
	if err := checkKeys(jsonDecoder(`{"in":{"name":"a"},"list":[{"name":"b"}],"m":{"x":{"name":"c"}}}`), typeOf(&dst), ""); err != nil {
		t.Fatalf("valid body: %v", err)
	}
}

func TestPathCleaningRedirectIsProblem(t *testing.T) {
	e := newEnv(t)
	rec := e.do(asViewer, "GET", "/api/v1//items", nil)
	if rec.Code != http.StatusTemporaryRedirect && rec.Code != http.StatusMovedPermanently {
		t.Fatalf("status %d, want the mux's redirect", rec.Code)
	}
	if loc := rec.Header().Get("Location"); loc != "/api/v1/items" {
		t.Fatalf("Location = %q", loc)
	}
	p := decodeProblem(t, rec)
	if !strings.Contains(p.Detail, "/api/v1/items") {
		t.Fatalf("problem %+v", p)
	}
}

func jsonDecoder(s string) *json.Decoder { return json.NewDecoder(strings.NewReader(s)) }

func typeOf(v any) reflect.Type { return reflect.TypeOf(v) }
