package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/password"
	"github.com/inboxd/inboxd/pkg/store"
)

// access is what the test expects of a route, written independently of the
// route table so a route that forgets its auth or scope fails here.
type access struct {
	public   bool
	need     inbox.Role
	unscoped bool
	// targeted routes act on one object; a unit-scoped token must get 404
	// for an object of another unit.
	targeted bool
}

var wantAccess = map[string]access{
	"GET /healthz":                        {public: true},
	"GET /readyz":                         {public: true},
	"GET /metrics":                        {need: inbox.RoleViewer, unscoped: true},
	"GET /api/v1/openapi.json":            {need: inbox.RoleViewer},
	"GET /api/v1/items":                   {need: inbox.RoleViewer},
	"GET /api/v1/items/{id}":              {need: inbox.RoleViewer, targeted: true},
	"PATCH /api/v1/items/{id}":            {need: inbox.RoleOperator, targeted: true},
	"POST /api/v1/items/{id}/notes":       {need: inbox.RoleOperator, targeted: true},
	"POST /api/v1/items/{id}/replies":     {need: inbox.RoleOperator, targeted: true},
	"POST /api/v1/items/{id}/reply-check": {need: inbox.RoleOperator, targeted: true},
	"GET /api/v1/items/{id}/templates":    {need: inbox.RoleViewer, targeted: true},
	"GET /api/v1/templates":               {need: inbox.RoleViewer},
	"POST /api/v1/templates":              {need: inbox.RoleOperator},
	"GET /api/v1/templates/{name}":        {need: inbox.RoleViewer, targeted: true},
	"PUT /api/v1/templates/{name}":        {need: inbox.RoleOperator, targeted: true},
	"DELETE /api/v1/templates/{name}":     {need: inbox.RoleOperator, targeted: true},
	"GET /api/v1/replies":                 {need: inbox.RoleViewer},
	"GET /api/v1/replies/{id}":            {need: inbox.RoleViewer, targeted: true},
	"POST /api/v1/replies/{id}/retry":     {need: inbox.RoleOperator, targeted: true},
	"DELETE /api/v1/replies/{id}":         {need: inbox.RoleOperator, targeted: true},
	"GET /api/v1/stats":                   {need: inbox.RoleViewer},
	"GET /api/v1/accounts":                {need: inbox.RoleViewer},
	"GET /api/v1/units":                   {need: inbox.RoleViewer},
	"GET /api/v1/reports/monthly":         {need: inbox.RoleViewer},
	"GET /api/v1/routing/rules":           {need: inbox.RoleViewer},
	"POST /api/v1/routing/test":           {need: inbox.RoleOperator},
	"POST /api/v1/routing/apply":          {need: inbox.RoleAdmin, unscoped: true},
	"GET /api/v1/routing/apply/{id}":      {need: inbox.RoleAdmin, unscoped: true},
	"POST /api/v1/accounts/{name}/poll":   {need: inbox.RoleOperator, unscoped: true},
	"POST /api/v1/accounts/{name}/resume": {need: inbox.RoleOperator, unscoped: true},
	"GET /api/v1/quarantine":              {need: inbox.RoleAdmin, unscoped: true},
	"GET /api/v1/events":                  {need: inbox.RoleViewer},
	"POST /api/v1/tokens":                 {need: inbox.RoleAdmin, unscoped: true},
	"GET /api/v1/tokens":                  {need: inbox.RoleAdmin, unscoped: true},
	"DELETE /api/v1/tokens/{name}":        {need: inbox.RoleAdmin, unscoped: true},
	"GET /api/v1/backup":                  {need: inbox.RoleAdmin, unscoped: true},
	"POST /api/v1/debug/free-memory":      {need: inbox.RoleAdmin, unscoped: true},

	"POST /api/v1/session":                         {public: true},
	"GET /api/v1/session":                          {need: inbox.RoleViewer},
	"DELETE /api/v1/session":                       {public: true},
	"POST /api/v1/session/set-password":            {public: true},
	"POST /api/v1/users":                           {need: inbox.RoleAdmin, unscoped: true},
	"GET /api/v1/users":                            {need: inbox.RoleAdmin, unscoped: true},
	"GET /api/v1/users/{username}":                 {need: inbox.RoleAdmin, unscoped: true},
	"PATCH /api/v1/users/{username}":               {need: inbox.RoleAdmin, unscoped: true},
	"POST /api/v1/users/{username}/disable":        {need: inbox.RoleAdmin, unscoped: true},
	"POST /api/v1/users/{username}/enable":         {need: inbox.RoleAdmin, unscoped: true},
	"POST /api/v1/users/{username}/reset-password": {need: inbox.RoleAdmin, unscoped: true},
	"DELETE /api/v1/users/{username}/sessions":     {need: inbox.RoleAdmin, unscoped: true},
}

type principalInfo struct {
	role inbox.Role
	unit string
}

var principals = map[string]principalInfo{
	asViewer: {inbox.RoleViewer, ""}, asOp: {inbox.RoleOperator, ""}, asAdmin: {inbox.RoleAdmin, ""},
	asViewerA: {inbox.RoleViewer, unitA}, asOpA: {inbox.RoleOperator, unitA}, asAdminA: {inbox.RoleAdmin, unitA},
	asBoot:    {inbox.RoleAdmin, ""},
	asCViewer: {inbox.RoleViewer, ""}, asCOp: {inbox.RoleOperator, ""}, asCAdmin: {inbox.RoleAdmin, ""},
	asCViewerA: {inbox.RoleViewer, unitA}, asCOpA: {inbox.RoleOperator, unitA}, asCAdminA: {inbox.RoleAdmin, unitA},
}

// matrixPassword is the password of the matrix's sign-in user.
const matrixPassword = "kopi tubruk pagi hari"

// matrixUsers creates the users the matrix's user and session routes act on.
func (e *env) matrixUsers() {
	e.t.Helper()
	h, err := e.srv.hasher.Hash(context.Background(), matrixPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateUser("seed", store.NewUser{Username: "signer", Role: inbox.RoleViewer, PasswordHash: h}, nil); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateUser("seed", store.NewUser{Username: "target", Role: inbox.RoleViewer}, nil); err != nil {
		e.t.Fatal(err)
	}
}

// matrixRequest builds a valid request for a route acting on an object of
// the given unit ("a" or "b"); n makes names unique per call.
func (e *env) matrixRequest(pattern, unit string, n int) (method, path string, body any, ctx context.Context) {
	method, path, _ = strings.Cut(pattern, " ")
	ctx = context.Background()
	item := map[string]string{"a": "aComment", "b": "bMention"}[unit]
	id := e.items[item].ID
	switch pattern {
	case "PATCH /api/v1/items/{id}":
		body = map[string]any{"tags": []string{fmt.Sprintf("t%d", n)}}
	case "POST /api/v1/items/{id}/notes":
		body = map[string]string{"text": "checked with the office"}
	case "POST /api/v1/items/{id}/replies", "POST /api/v1/items/{id}/reply-check":
		body = map[string]any{"text": fmt.Sprintf("Terima kasih, kami cek (%d)", n)}
	case "GET /api/v1/replies/{id}", "DELETE /api/v1/replies/{id}":
		id = e.queueReply(item, fmt.Sprintf("queued %d", n)).ID
	case "POST /api/v1/replies/{id}/retry":
		e.cancelQueued()
		want := e.queueReply(item, fmt.Sprintf("to fail %d", n))
		if id = e.failNext(e.items[item].Account, "refused").ID; id != want.ID {
			e.t.Fatalf("claimed %s, want %s", id, want.ID)
		}
	case "GET /api/v1/reports/monthly":
		path += "?month=2026-11"
	case "POST /api/v1/templates":
		body = map[string]string{"name": fmt.Sprintf("baru-%d", n), "text": "Terima kasih, {nama}.", "unit": unitA}
	case "GET /api/v1/templates/{name}", "PUT /api/v1/templates/{name}", "DELETE /api/v1/templates/{name}":
		name := fmt.Sprintf("tpl-%d", n)
		if _, err := e.st.CreateTemplate("seed", inbox.Template{Name: name, Text: "Dari {unit}.", Unit: map[string]string{"a": unitA, "b": unitB}[unit]}); err != nil {
			e.t.Fatal(err)
		}
		path = strings.Replace(path, "{name}", name, 1)
		if method == "PUT" {
			body = map[string]string{"text": fmt.Sprintf("Dari {unit} (%d).", n)}
		}
	case "POST /api/v1/routing/test":
		body = map[string]string{"text": "jalan rusak"}
	case "POST /api/v1/routing/apply":
		e.srv.reroute.wg.Wait() // one job at a time: let the previous one end
		body = map[string]string{}
	case "GET /api/v1/routing/apply/{id}":
		id = e.startReroute(map[string]any{})
	case "POST /api/v1/tokens":
		body = map[string]string{"name": fmt.Sprintf("new-%d", n), "role": "viewer"}
	case "DELETE /api/v1/tokens/{name}":
		name := fmt.Sprintf("doomed-%d", n)
		if _, _, err := e.st.CreateToken(name, inbox.RoleViewer, ""); err != nil {
			e.t.Fatal(err)
		}
		path = strings.Replace(path, "{name}", name, 1)
	case "POST /api/v1/session":
		body = map[string]string{"username": "signer", "password": matrixPassword}
	case "POST /api/v1/session/set-password":
		name := fmt.Sprintf("setter-%d", n)
		code := "code-" + name
		if _, err := e.st.CreateUser("seed", store.NewUser{Username: name, Role: inbox.RoleViewer},
			&store.PasswordCode{Hash: password.HashCode(code), ExpiresAt: e.clock.now().Add(time.Hour)}); err != nil {
			e.t.Fatal(err)
		}
		body = map[string]string{"code": code, "password": matrixPassword}
	case "POST /api/v1/users":
		body = map[string]string{"username": fmt.Sprintf("new-%d", n), "role": "viewer"}
	case "PATCH /api/v1/users/{username}":
		body = map[string]string{"display_name": fmt.Sprintf("Target %d", n)}
	case "GET /api/v1/events":
		// An already-cancelled request ends the stream after its headers.
		c, cancel := context.WithCancel(ctx)
		cancel()
		ctx = c
	}
	path = strings.Replace(path, "{id}", id, 1)
	path = strings.Replace(path, "{name}", "fb-main", 1)
	path = strings.Replace(path, "{username}", "target", 1)
	return method, path, body, ctx
}

// TestAuthMatrix sends every route as every principal (and as nobody, and
// with a bad token), on objects of the token's unit and of another unit.
func TestAuthMatrix(t *testing.T) {
	e := newEnv(t)
	e.matrixUsers()
	seen := map[string]bool{}
	n := 0
	for _, rt := range e.srv.routes {
		pattern := rt.Method + " " + rt.Path
		seen[pattern] = true
		want, ok := wantAccess[pattern]
		if !ok {
			t.Errorf("route %s has no expected access rule in this test: add one", pattern)
			continue
		}
		units := []string{"a"}
		if want.targeted {
			units = []string{"a", "b"}
		}
		for _, as := range []string{asNone, asBad, asViewer, asOp, asAdmin, asViewerA, asOpA, asAdminA, asBoot,
			asCBad, asCViewer, asCOp, asCAdmin, asCViewerA, asCOpA, asCAdminA} {
			for _, unit := range units {
				n++
				method, path, body, ctx := e.matrixRequest(pattern, unit, n)
				rec := e.doCtx(ctx, as, method, path, body)
				if pattern == "DELETE /api/v1/session" {
					e.signInCookiePrincipals() // signing out ended the cookie principal's session
				}
				p := principals[as]
				var wantCode int // 0: any success
				switch {
				case want.public:
				case as == asNone || as == asBad || as == asCBad:
					wantCode = http.StatusUnauthorized
				case !p.role.Allows(want.need):
					wantCode = http.StatusForbidden
				case want.unscoped && p.unit != "":
					wantCode = http.StatusForbidden
				case want.targeted && p.unit != "" && unit == "b":
					wantCode = http.StatusNotFound
				}
				label := fmt.Sprintf("%s as %q on unit %s object", pattern, as, unit)
				if wantCode != 0 {
					if rec.Code != wantCode {
						t.Errorf("%s: status %d, want %d; body %s", label, rec.Code, wantCode, rec.Body)
						continue
					}
					pr := decodeProblem(t, rec)
					if wantCode == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
						t.Errorf("%s: 401 without WWW-Authenticate", label)
					}
					if strings.Contains(pr.Detail, e.tokens[as]) && as != asNone {
						t.Errorf("%s: problem leaks the token", label)
					}
					continue
				}
				if rec.Code >= 300 {
					t.Errorf("%s: status %d, want success; body %s", label, rec.Code, rec.Body)
				}
			}
		}
	}
	for pattern := range wantAccess {
		if !seen[pattern] {
			t.Errorf("expected route %s is not in the route table", pattern)
		}
	}
}

func TestMetricsPublicOption(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MetricsPublic = true })
	if rec := e.do(asNone, "GET", "/metrics", nil); rec.Code != http.StatusOK {
		t.Fatalf("public metrics without token: %d", rec.Code)
	}
	// Only /metrics becomes public.
	if rec := e.do(asNone, "GET", "/api/v1/stats", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("stats without token: %d", rec.Code)
	}
}

func TestBootstrapTokenOnlyWhenConfigured(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.BootstrapAdminToken = "" })
	if rec := e.do(asBoot, "GET", "/api/v1/tokens", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("bootstrap token without configuration: %d", rec.Code)
	}
	e.tokens["empty"] = ""
	if rec := e.do("empty", "GET", "/api/v1/tokens", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("empty bearer: %d", rec.Code)
	}
}
