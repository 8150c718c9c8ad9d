package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/pkg/inbox"
)

type oaDoc struct {
	OpenAPI    string                            `json:"openapi"`
	Paths      map[string]map[string]oaOperation `json:"paths"`
	Components struct{ Schemas map[string]any }  `json:"components"`
}

type oaOperation struct {
	OperationID string           `json:"operationId"`
	Summary     string           `json:"summary"`
	Parameters  []map[string]any `json:"parameters"`
	Responses   map[string]any   `json:"responses"`
	Security    []map[string]any `json:"security"`
}

// TestOpenAPIMatchesRoutes fails when a route is registered on the mux but
// not documented, or documented but not served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t)
	rec := e.do(asViewer, "GET", "/api/v1/openapi.json", nil)
	if rec.Code != 200 {
		t.Fatalf("openapi: %d", rec.Code)
	}
	raw := rec.Body.Bytes()
	var doc oaDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}

	documented := map[string]oaOperation{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[strings.ToUpper(method)+" "+path] = op
		}
	}
	registered := map[string]bool{}
	for _, p := range e.srv.registered {
		registered[p] = true
		if _, ok := documented[p]; !ok {
			t.Errorf("route %s is registered but not documented", p)
		}
	}
	ids := map[string]bool{}
	wildcard := regexp.MustCompile(`\{[a-z_]+\}`)
	for p, op := range documented {
		if !registered[p] {
			t.Errorf("route %s is documented but not registered", p)
		}
		// And the mux really serves it.
		method, path, _ := strings.Cut(p, " ")
		req := httptest.NewRequest(method, wildcard.ReplaceAllString(path, "x"), nil)
		if _, pattern := e.srv.mux.Handler(req); pattern != p {
			t.Errorf("mux matches %s to %q", p, pattern)
		}
		if op.OperationID == "" || op.Summary == "" || len(op.Responses) == 0 {
			t.Errorf("%s: incomplete operation %+v", p, op)
		}
		if ids[op.OperationID] {
			t.Errorf("%s: duplicate operationId %s", p, op.OperationID)
		}
		ids[op.OperationID] = true
		for _, m := range wildcard.FindAllString(path, -1) {
			name := strings.Trim(m, "{}")
			if !slices.ContainsFunc(op.Parameters, func(p map[string]any) bool { return p["name"] == name && p["in"] == "path" }) {
				t.Errorf("%s: path parameter %s not documented", p, name)
			}
		}
		if len(op.Security) > 0 {
			if _, ok := op.Responses["401"]; !ok {
				t.Errorf("%s: needs a token but documents no 401", p)
			}
		}
	}
	// Every $ref resolves.
	for _, m := range regexp.MustCompile(`"\$ref":"#/components/schemas/([A-Za-z]+)"`).FindAllSubmatch(raw, -1) {
		if _, ok := doc.Components.Schemas[string(m[1])]; !ok {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
}

// TestDocumentedQueryParamsAreAccepted keeps the query allow-list and the
// document together: every documented parameter passes checkQuery.
func TestDocumentedQueryParamsAreAccepted(t *testing.T) {
	for _, rt := range routeTable(testReplies.Channels()) {
		for _, p := range rt.Doc.Query {
			req := httptest.NewRequest(rt.Method, rt.Path+"?"+p.Name+"=1", nil)
			if err := checkQuery(req, rt); err != nil {
				t.Errorf("%s %s: documented parameter %s refused: %v", rt.Method, rt.Path, p.Name, err)
			}
		}
		req := httptest.NewRequest(rt.Method, rt.Path+"?undocumented=1", nil)
		if err := checkQuery(req, rt); toProblem(err).Status != http.StatusBadRequest {
			t.Errorf("%s %s: undocumented parameter accepted", rt.Method, rt.Path)
		}
	}
}

// The channels the API validates and documents are the platforms whose
// reply tables are registered (connectors/registry), not a list of its own.
func TestChannelsComeFromTheRegisteredPlatforms(t *testing.T) {
	fbOnly := inbox.MustReplyRules(facebook.Replies())
	e := newEnv(t, func(o *Options) { o.Replies = fbOnly })
	rec := e.do(asViewer, "GET", "/api/v1/openapi.json", nil)
	var doc oaDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var enum []any
	for _, p := range doc.Paths["/api/v1/items"]["get"].Parameters {
		if p["name"] == "channel" {
			enum, _ = p["schema"].(map[string]any)["enum"].([]any)
		}
	}
	if !slices.Equal(enum, []any{"facebook"}) {
		t.Errorf("items channel enum = %v, want [facebook]", enum)
	}
	if rec := e.do(asViewer, "GET", "/api/v1/items?channel=twitter", nil); rec.Code != 422 || !strings.Contains(rec.Body.String(), "must be facebook") {
		t.Errorf("channel=twitter with only facebook registered: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asViewer, "GET", "/api/v1/items?channel=facebook", nil); rec.Code != 200 {
		t.Errorf("channel=facebook: %d %s", rec.Code, rec.Body)
	}
}
