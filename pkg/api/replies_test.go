package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

func TestAddReplyQueuesWithLocation(t *testing.T) {
	e := newEnv(t)
	id := e.items["aComment"].ID
	rec := e.do(asOp, "POST", "/api/v1/items/"+id+"/replies", map[string]any{"text": "Terima kasih, laporan diteruskan ke Dinas PU."})
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	r := decodeJSONBody[inbox.Reply](t, rec)
	if r.State != inbox.ReplyQueued || r.ItemID != id || r.Author != asOp || r.Private {
		t.Fatalf("reply = %+v", r)
	}
	if loc := rec.Header().Get("Location"); loc != "/api/v1/replies/"+r.ID {
		t.Fatalf("Location = %q", loc)
	}
	got := e.do(asViewer, "GET", rec.Header().Get("Location"), nil)
	if got.Code != 200 || decodeJSONBody[inbox.Reply](t, got).ID != r.ID {
		t.Fatalf("GET Location: %d %s", got.Code, got.Body)
	}
}

func TestAddReplyIdempotency(t *testing.T) {
	e := newEnv(t)
	id := e.items["aComment"].ID
	path := "/api/v1/items/" + id + "/replies"
	first := e.do(asOp, "POST", path, `{"text":"Baik, kami cek"}`, "Idempotency-Key", "k-1")
	if first.Code != http.StatusAccepted {
		t.Fatalf("first: %d %s", first.Code, first.Body)
	}
	again := e.do(asOp, "POST", path, `{"text":"Baik, kami cek"}`, "Idempotency-Key", "k-1")
	if again.Code != http.StatusOK {
		t.Fatalf("repeat: %d %s", again.Code, again.Body)
	}
	if a, b := decodeJSONBody[inbox.Reply](t, first), decodeJSONBody[inbox.Reply](t, again); a.ID != b.ID {
		t.Fatalf("repeat made a new reply %s != %s", b.ID, a.ID)
	}
	conflict := e.do(asOp, "POST", path, `{"text":"Something else"}`, "Idempotency-Key", "k-1")
	if conflict.Code != http.StatusConflict {
		t.Fatalf("different body: %d %s", conflict.Code, conflict.Body)
	}
	decodeProblem(t, conflict)
	// The key is scoped to the item: the same key on another item is new.
	other := e.do(asOp, "POST", "/api/v1/items/"+e.items["aMessage"].ID+"/replies", `{"text":"Baik, kami cek"}`, "Idempotency-Key", "k-1")
	if other.Code != http.StatusAccepted {
		t.Fatalf("same key, other item: %d %s", other.Code, other.Body)
	}
	page, err := e.st.Replies(store.ReplyFilter{ItemID: id})
	if err != nil || len(page.Replies) != 1 {
		t.Fatalf("replies of the item: %d (%v), want 1", len(page.Replies), err)
	}
}

func TestAddReplyValidation(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, item, body string
		hdr              []string
		code             int
		field, mention   string
	}{
		{"empty", "aComment", `{"text":"   "}`, nil, 422, "text", "empty"},
		{"missing text", "aComment", `{"private":false}`, nil, 422, "text", "empty"},
		{"X post over 280", "bXMention", `{"text":"` + strings.Repeat("a", 281) + `"}`, nil, 422, "text", "280"},
		{"X post 280 ok", "bXMention", `{"text":"` + strings.Repeat("é", 280) + `"}`, nil, 202, "", ""},
		{"X DM over 10000", "noneXDM", `{"text":"` + strings.Repeat("a", 10001) + `"}`, nil, 422, "text", "10000"},
		{"X mention private is a DM", "bXMention", `{"text":"` + strings.Repeat("a", 2000) + `","private":true}`, nil, 202, "", ""},
		{"FB comment over 8000", "aComment", `{"text":"` + strings.Repeat("a", 8001) + `"}`, nil, 422, "text", "8000"},
		{"Messenger over 2000", "aMessage", `{"text":"` + strings.Repeat("a", 2001) + `"}`, nil, 422, "text", "2000"},
		{"private reply to comment over 2000", "aComment", `{"text":"` + strings.Repeat("a", 2001) + `","private":true}`, nil, 422, "text", "2000"},
		{"private to FB mention", "bMention", `{"text":"ok","private":true}`, nil, 422, "private", "privately"},
		{"unknown field", "aComment", `{"text":"ok","to":"someone"}`, nil, 400, "to", "unknown"},
		{"private not bool", "aComment", `{"text":"ok","private":"yes"}`, nil, 400, "private", ""},
		{"long idempotency key", "aComment", `{"text":"ok"}`, []string{"Idempotency-Key", strings.Repeat("k", 201)}, 422, "Idempotency-Key", "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(asOp, "POST", "/api/v1/items/"+e.items[tt.item].ID+"/replies", tt.body, tt.hdr...)
			if rec.Code != tt.code {
				t.Fatalf("status %d, want %d: %.300s", rec.Code, tt.code, rec.Body)
			}
			if tt.code < 400 {
				return
			}
			p := decodeProblem(t, rec)
			if !p.names(tt.field) {
				t.Errorf("problem does not name %q: %+v", tt.field, p)
			}
			if !strings.Contains(strings.ReplaceAll(p.Detail, ",", ""), tt.mention) {
				t.Errorf("detail %q does not mention %q", p.Detail, tt.mention)
			}
		})
	}
	if rec := e.do(asOp, "POST", "/api/v1/items/01NOPE/replies", `{"text":"x"}`); rec.Code != 404 {
		t.Fatalf("reply to a missing item: %d", rec.Code)
	}
}

func TestReplyLifecycleRoutes(t *testing.T) {
	e := newEnv(t)
	queued := e.queueReply("aComment", "first")
	failed := e.failNext("fb-main", "permission (#200): page token lacks pages_manage_engagement")
	if failed.ID != queued.ID {
		t.Fatalf("claimed %s, want %s", failed.ID, queued.ID)
	}
	other := e.queueReply("bMention", "second")

	rec := e.do(asViewer, "GET", "/api/v1/replies?state=failed", nil)
	list := decodeJSONBody[replyList](t, rec)
	if rec.Code != 200 || len(list.Replies) != 1 || list.Replies[0].ID != failed.ID || list.Replies[0].LastError == "" {
		t.Fatalf("failed list: %d %+v", rec.Code, list)
	}
	// A scoped viewer lists only its unit's replies.
	rec = e.do(asViewerA, "GET", "/api/v1/replies", nil)
	if list := decodeJSONBody[replyList](t, rec); len(list.Replies) != 1 || list.Replies[0].ID != failed.ID {
		t.Fatalf("scoped list = %+v", list)
	}
	for _, bad := range []struct{ q, field string }{{"state=lost", "state"}, {"limit=500", "limit"}, {"page=2", "page"}} {
		rec := e.do(asViewer, "GET", "/api/v1/replies?"+bad.q, nil)
		if rec.Code < 400 || rec.Code >= 500 || !decodeProblem(t, rec).names(bad.field) {
			t.Errorf("?%s: %d %s", bad.q, rec.Code, rec.Body)
		}
	}

	// retry: failed -> queued; retrying a queued reply is a 409.
	rec = e.do(asOp, "POST", "/api/v1/replies/"+failed.ID+"/retry", nil)
	if rec.Code != 200 || decodeJSONBody[inbox.Reply](t, rec).State != inbox.ReplyQueued {
		t.Fatalf("retry: %d %s", rec.Code, rec.Body)
	}
	rec = e.do(asOp, "POST", "/api/v1/replies/"+other.ID+"/retry", nil)
	if rec.Code != http.StatusConflict {
		t.Fatalf("retry queued: %d %s", rec.Code, rec.Body)
	}
	if p := decodeProblem(t, rec); !strings.Contains(p.Detail, `"queued"`) {
		t.Errorf("409 detail %q does not name the state", p.Detail)
	}
	// cancel: queued -> cancelled; cancelling again is a 409.
	rec = e.do(asOp, "DELETE", "/api/v1/replies/"+other.ID, nil)
	if rec.Code != 200 || decodeJSONBody[inbox.Reply](t, rec).State != inbox.ReplyCancelled {
		t.Fatalf("cancel: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asOp, "DELETE", "/api/v1/replies/"+other.ID, nil); rec.Code != http.StatusConflict {
		t.Fatalf("cancel twice: %d", rec.Code)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if rec := e.do(asOp, m, "/api/v1/replies/01NOPE", nil); rec.Code != 404 {
			t.Errorf("%s missing reply: %d", m, rec.Code)
		}
	}
	if rec := e.do(asOp, "POST", "/api/v1/replies/01NOPE/retry", nil); rec.Code != 404 {
		t.Errorf("retry missing reply: %d", rec.Code)
	}
}
