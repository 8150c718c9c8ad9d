package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
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
		{"X post: 141 CJK characters weigh 282", "bXMention", `{"text":"` + strings.Repeat("漢", 141) + `"}`, nil, 422, "text", "282 weighted characters"},
		{"X post: 141 emoji weigh 282", "bXMention", `{"text":"` + strings.Repeat("😀", 141) + `"}`, nil, 422, "text", "282"},
		{"X post: 140 emoji fit", "bXMention", `{"text":"` + strings.Repeat("😀", 140) + `"}`, nil, 202, "", ""},
		{"X post: 41 ZWJ families fit", "bXMention", `{"text":"` + strings.Repeat("👨\u200d👩\u200d👧\u200d👦", 41) + `"}`, nil, 202, "", ""},
		{"X post: a 272-character URL counts 23", "bXMention", `{"text":"https://sukamajukab.go.id/` + strings.Repeat("a", 246) + `"}`, nil, 202, "", ""},
		{"X DM counts characters", "noneXDM", `{"text":"` + strings.Repeat("漢", 10000) + `"}`, nil, 202, "", ""},
		{"NUL", "aComment", `{"text":"a\u0000b"}`, nil, 422, "text", "control character"},
		{"C0 escape", "aComment", `{"text":"a\u001b[31mb"}`, nil, 422, "text", "U+001B"},
		{"C1 control", "aComment", `{"text":"a\u0085b"}`, nil, 422, "text", "C1 control"},
		{"bidi override", "aComment", `{"text":"abc\u202edef"}`, nil, 422, "text", "bidi"},
		{"bidi isolate", "aComment", `{"text":"abc\u2067def"}`, nil, 422, "text", "bidi"},
		{"zero-width only", "aComment", `{"text":"\u200b\u200c\u2060"}`, nil, 422, "text", "empty"},
		{"whitespace and BOM only", "aComment", `{"text":" \n\t\ufeff\u3000"}`, nil, 422, "text", "empty"},
		{"newline and tab are fine", "aComment", `{"text":"Baik.\n\tTerima kasih"}`, nil, 202, "", ""},
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

// A 422 for text over the limit names the field, the limit and the count in
// the platform's own unit.
func TestReplyTooLongNamesLimitAndCount(t *testing.T) {
	e := newEnv(t)
	rec := e.do(asOp, "POST", "/api/v1/items/"+e.items["bXMention"].ID+"/replies", `{"text":"`+strings.Repeat("漢", 150)+`"}`)
	if rec.Code != 422 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	p := decodeProblem(t, rec)
	if len(p.Errors) != 1 || p.Errors[0].Field != "text" || p.Errors[0].Limit != 280 || p.Errors[0].Count != 300 || p.Errors[0].Unit != "weighted characters" {
		t.Fatalf("errors = %+v", p.Errors)
	}
	rec = e.do(asOp, "POST", "/api/v1/items/"+e.items["aMessage"].ID+"/replies", `{"text":"`+strings.Repeat("漢", 2001)+`"}`)
	if p := decodeProblem(t, rec); len(p.Errors) != 1 || p.Errors[0].Limit != 2000 || p.Errors[0].Count != 2001 || p.Errors[0].Unit != "characters" {
		t.Fatalf("messenger errors = %+v", p.Errors)
	}
}

// Meta takes one private reply per comment: a second is a 422 while the
// first is queued, sending, sent or unknown; a cancelled one does not block.
func TestSecondPrivateReplyRefused(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/items/" + e.items["aComment"].ID + "/replies"
	rec := e.do(asOp, "POST", path, `{"text":"Kami hubungi lewat pesan","private":true}`)
	if rec.Code != 202 {
		t.Fatalf("first private reply: %d %s", rec.Code, rec.Body)
	}
	first := decodeJSONBody[inbox.Reply](t, rec)
	rec = e.do(asOp, "POST", path, `{"text":"Sekali lagi","private":true}`)
	body := rec.Body.String()
	if rec.Code != 422 || !decodeProblem(t, rec).names("private") {
		t.Fatalf("second private reply: %d %s", rec.Code, body)
	}
	if !strings.Contains(body, first.ID) {
		t.Errorf("the refusal should name the reply already there: %s", body)
	}
	if rec := e.do(asOp, "POST", path, `{"text":"Jawaban publik"}`); rec.Code != 202 {
		t.Fatalf("public reply beside it: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asOp, "DELETE", "/api/v1/replies/"+first.ID, nil); rec.Code != 200 {
		t.Fatalf("cancel: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asOp, "POST", path, `{"text":"Sekali lagi","private":true}`); rec.Code != 202 {
		t.Fatalf("after cancelling the first: %d %s", rec.Code, rec.Body)
	}
}

func TestReplyCheck(t *testing.T) {
	e := newEnv(t)
	check := func(item, body string) replyCheck {
		t.Helper()
		rec := e.do(asOp, "POST", "/api/v1/items/"+e.items[item].ID+"/reply-check", body)
		if rec.Code != 200 {
			t.Fatalf("reply-check %s %s: %d %s", item, body, rec.Code, rec.Body)
		}
		return decodeJSONBody[replyCheck](t, rec)
	}
	fields := func(c replyCheck) string {
		var out []string
		for _, p := range c.Problems {
			out = append(out, p.Field)
		}
		return strings.Join(out, ",")
	}
	c := check("bXMention", `{"text":"Cek https://sukamajukab.go.id/`+strings.Repeat("a", 200)+` 😀"}`)
	if c.Count != 4+23+1+2 || c.Limit != 280 || c.Counting != "x-weighted" || len(c.Problems) != 0 {
		t.Fatalf("X post check = %+v", c)
	}
	c = check("bXMention", `{"text":"`+strings.Repeat("漢", 141)+`"}`)
	if c.Count != 282 || fields(c) != "text" || !strings.Contains(c.Problems[0].Detail, "280") {
		t.Fatalf("X post over = %+v", c)
	}
	c = check("bXMention", `{"text":"`+strings.Repeat("漢", 141)+`","private":true}`)
	if c.Count != 141 || c.Limit != 10000 || c.Counting != "characters" || len(c.Problems) != 0 {
		t.Fatalf("X DM check = %+v", c)
	}
	c = check("aComment", `{"text":"a\u0000b"}`)
	if c.Counting != "characters" || c.Limit != 8000 || fields(c) != "text" {
		t.Fatalf("control char check = %+v", c)
	}
	c = check("bMention", `{"text":"ok","private":true}`)
	if fields(c) != "private" || c.Count != 2 {
		t.Fatalf("impossible private check = %+v", c)
	}
	if _, _, err := e.st.EnqueueReply(e.items["aComment"].ID, store.NewReply{Text: "lewat pesan", Private: true}); err != nil {
		t.Fatal(err)
	}
	c = check("aComment", `{"text":"lagi","private":true}`)
	if fields(c) != "private" || c.Limit != 2000 {
		t.Fatalf("second private reply check = %+v", c)
	}
	// It queues nothing.
	rec := e.do(asViewer, "GET", "/api/v1/replies?item_id="+e.items["bXMention"].ID, nil)
	if list := decodeJSONBody[replyList](t, rec); len(list.Replies) != 0 {
		t.Fatalf("reply-check queued %d replies", len(list.Replies))
	}
	if rec := e.do(asViewer, "POST", "/api/v1/items/"+e.items["aComment"].ID+"/reply-check", `{"text":"x"}`); rec.Code != 403 {
		t.Fatalf("viewer: %d", rec.Code)
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

// An X post with a URL costs more under pay-per-use pricing: the reply
// answer and reply-check say so; a DM or a post without a URL does not.
func TestReplyWarnsAboutURLCost(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/items/" + e.items["bXMention"].ID
	rec := e.do(asOp, "POST", path+"/replies", `{"text":"Info lengkap: https://sukamajukab.go.id/pengumuman"}`)
	if rec.Code != 202 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got struct {
		ID       string   `json:"id"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.ID == "" || len(got.Warnings) != 1 || !strings.Contains(got.Warnings[0], "$0.200") {
		t.Fatalf("reply with a URL = %s", rec.Body)
	}
	rec = e.do(asOp, "POST", path+"/replies", `{"text":"Terima kasih, sudah kami teruskan."}`)
	if strings.Contains(rec.Body.String(), "warnings") {
		t.Fatalf("reply without a URL warned: %s", rec.Body)
	}
	rec = e.do(asOp, "POST", path+"/replies", `{"text":"lihat https://sukamajukab.go.id","private":true}`)
	if rec.Code != 202 || strings.Contains(rec.Body.String(), "warnings") {
		t.Fatalf("a DM with a URL warned: %d %s", rec.Code, rec.Body)
	}
	c := decodeJSONBody[replyCheck](t, e.do(asOp, "POST", path+"/reply-check", `{"text":"https://sukamajukab.go.id"}`))
	if len(c.Warnings) != 1 || c.Count != 23 {
		t.Fatalf("reply-check = %+v", c)
	}
}

// "Poll now" on a spent X budget: 429 with the time it becomes possible.
func TestPollNowBudgetSpent(t *testing.T) {
	e := newEnv(t)
	at := testNow.Add(7 * time.Minute)
	e.control.err = &connectors.Error{Class: connectors.RateLimited, Op: "poll now", RetryAt: at, Message: "the account's request budget is spent"}
	rec := e.do(asOp, "POST", "/api/v1/accounts/x-main/poll", nil)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "420" {
		t.Fatalf("poll now = %d Retry-After %q: %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	p := decodeProblem(t, rec)
	if p.RetryAt == nil || !p.RetryAt.Equal(at) {
		t.Fatalf("problem = %+v", p)
	}
}
