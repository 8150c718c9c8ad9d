package api

import (
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/store"
)

func TestQuarantineOnAccountsAndListed(t *testing.T) {
	e := newEnv(t)
	for i, id := range []string{"r1", "r2", "r3"} {
		account := "fb-main"
		if i == 2 {
			account = "x-main"
		}
		if _, err := e.st.IngestPage(account, store.Page{Rejected: []store.Rejected{{Source: "comments", ExternalID: id, Reason: "comment " + id + " has no created_time", Raw: []byte(`{"id":"` + id + `"}`)}}}); err != nil {
			t.Fatal(err)
		}
	}

	// Every viewer sees each account's quarantine summary.
	rec := e.do(asViewerA, "GET", "/api/v1/accounts", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"quarantine":{"count":2,"last_reason":"comment r2 has no created_time","last_at":"`) {
		t.Fatalf("accounts: %d %s", rec.Code, rec.Body)
	}
	l := decodeJSONBody[accountList](t, rec)
	if l.Accounts[1].Name != "x-main" || l.Accounts[1].Quarantine.Count != 1 {
		t.Fatalf("x-main quarantine: %s", rec.Body)
	}

	// An admin lists the records, page by page, one account or all.
	rec = e.do(asAdmin, "GET", "/api/v1/quarantine?account=fb-main&limit=1", nil)
	page := decodeJSONBody[quarantineList](t, rec)
	if rec.Code != 200 || len(page.Records) != 1 || page.Records[0].ExternalID != "r2" || page.NextCursor == "" ||
		page.Records[0].Raw != `{"id":"r2"}` || page.Records[0].Source != "comments" || page.Records[0].Account != "fb-main" {
		t.Fatalf("page 1: %d %s", rec.Code, rec.Body)
	}
	rec = e.do(asAdmin, "GET", "/api/v1/quarantine?account=fb-main&limit=1&cursor="+page.NextCursor, nil)
	page = decodeJSONBody[quarantineList](t, rec)
	if rec.Code != 200 || len(page.Records) != 1 || page.Records[0].ExternalID != "r1" || page.NextCursor != "" {
		t.Fatalf("page 2: %d %s", rec.Code, rec.Body)
	}
	rec = e.do(asAdmin, "GET", "/api/v1/quarantine", nil)
	if page = decodeJSONBody[quarantineList](t, rec); len(page.Records) != 3 || page.Records[0].ExternalID != "r3" {
		t.Fatalf("all: %s", rec.Body)
	}
	if rec := e.do(asAdmin, "GET", "/api/v1/quarantine?cursor=nope", nil); rec.Code != 400 {
		t.Fatalf("bad cursor: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asAdmin, "GET", "/api/v1/quarantine?unit=a", nil); rec.Code != 400 {
		t.Fatalf("unknown parameter: %d %s", rec.Code, rec.Body)
	}
	// Raw payloads are for unscoped admins only.
	for _, as := range []string{asOp, asViewer, asAdminA} {
		if rec := e.do(as, "GET", "/api/v1/quarantine", nil); rec.Code != 403 {
			t.Fatalf("%s: %d", as, rec.Code)
		}
	}
}

// A unit-scoped token sees an account's last_error as its class and a
// generic sentence, in /accounts and /stats; the office's unscoped tokens
// see the (scrubbed) platform message.
func TestUnitScopedTokensSeeGenericLastError(t *testing.T) {
	e := newEnv(t)
	platformText := "poll mentions: auth: X refused the request (detail: token abc-123 expired)"
	if err := e.st.PutAccountState(store.AccountState{Name: "fb-main", State: "needs_reauth",
		LastError: &store.AccountError{Class: "auth", Message: platformText, At: testNow}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/accounts", "/api/v1/stats"} {
		rec := e.do(asViewerA, "GET", path, nil)
		if rec.Code != 200 || strings.Contains(rec.Body.String(), "abc-123") ||
			!strings.Contains(rec.Body.String(), `"last_error":{"class":"auth","message":"The platform refused the account's credentials; an administrator must renew them."`) {
			t.Fatalf("%s as a unit's viewer: %d %s", path, rec.Code, rec.Body)
		}
		if rec := e.do(asViewer, "GET", path, nil); !strings.Contains(rec.Body.String(), "abc-123") {
			t.Fatalf("%s as the office's viewer: %s", path, rec.Body)
		}
	}
}
