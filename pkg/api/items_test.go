package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

type itemList struct {
	Items      []inbox.Item `json:"items"`
	NextCursor string       `json:"next_cursor"`
}

func (l itemList) externalIDs() string {
	var ids []string
	for _, it := range l.Items {
		ids = append(ids, it.ExternalID)
	}
	return strings.Join(ids, ",")
}

func TestListItemsFilters(t *testing.T) {
	e := newEnv(t)
	open := inbox.StatusOpen
	ignored := inbox.StatusIgnored
	if _, err := e.st.Update(e.items["aMessage"].ID, "op", store.Change{Status: &open}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Update(e.items["bXMention"].ID, "op", store.Change{Status: &ignored}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		as    string
		want  string // external ids, in order
	}{
		{"", asViewer, "1860000000000000002,1860000000000000001,555_777,m_abc,123_456"},
		{"order=oldest", asViewer, "123_456,m_abc,555_777,1860000000000000001,1860000000000000002"},
		{"status=open", asViewer, "m_abc"},
		{"status=new,ignored", asViewer, "1860000000000000002,1860000000000000001,555_777,123_456"},
		{"status=waiting", asViewer, "1860000000000000002,555_777,m_abc,123_456"},
		{"channel=twitter", asViewer, "1860000000000000002,1860000000000000001"},
		{"kind=message", asViewer, "1860000000000000002,m_abc"},
		{"account=fb-main&kind=mention", asViewer, "555_777"},
		{"unit=" + unitA, asViewer, "m_abc,123_456"},
		{"unit=-", asViewer, "1860000000000000002"},
		{"q=PUSKESMAS", asViewer, "555_777"},
		{"q=dewi", asViewer, "1860000000000000002,1860000000000000001"},
		{"status=waiting&unit=" + unitA + "&limit=1", asViewer, "m_abc"},
		// A scoped token sees only its unit, whatever it asks for.
		{"", asViewerA, "m_abc,123_456"},
		{"unit=" + unitB, asViewerA, ""},
		{"q=puskesmas", asViewerA, ""},
	}
	for _, tt := range tests {
		t.Run(tt.as+"?"+tt.query, func(t *testing.T) {
			rec := e.do(tt.as, "GET", "/api/v1/items?"+tt.query, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			l := decodeJSONBody[itemList](t, rec)
			if got := l.externalIDs(); got != tt.want {
				t.Errorf("items = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestListItemsPagination(t *testing.T) {
	e := newEnv(t)
	var got []string
	path := "/api/v1/items?limit=2"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		rec := e.do(asViewer, "GET", path, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		l := decodeJSONBody[itemList](t, rec)
		for _, it := range l.Items {
			got = append(got, it.ExternalID)
		}
		if l.NextCursor == "" {
			break
		}
		path = "/api/v1/items?limit=2&cursor=" + l.NextCursor
	}
	if want := "1860000000000000002,1860000000000000001,555_777,m_abc,123_456"; strings.Join(got, ",") != want {
		t.Fatalf("paged = %v, want %s", got, want)
	}
}

func TestListItemsInvalid(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		query string
		code  int
		field string
	}{
		{"status=pending", 422, "status"},
		{"status=new,,open", 422, "status"},
		{"channel=myspace", 422, "channel"},
		{"kind=dm", 422, "kind"},
		{"order=random", 422, "order"},
		{"limit=0", 422, "limit"},
		{"limit=201", 422, "limit"},
		{"limit=ten", 422, "limit"},
		{"q=" + strings.Repeat("x", 201), 422, "q"},
		{"assignee=%00", 422, "assignee"},
		{"cursor=garbage!!", 400, "cursor"},
		{"staus=new", 400, "staus"},
		{"status=new&status=open", 400, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec := e.do(asViewer, "GET", "/api/v1/items?"+tt.query, nil)
			if rec.Code != tt.code {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.code, rec.Body)
			}
			if p := decodeProblem(t, rec); !p.names(tt.field) {
				t.Errorf("problem does not name %q: %+v", tt.field, p)
			}
		})
	}
}

func TestGetItemDetail(t *testing.T) {
	e := newEnv(t)
	a := e.items["aComment"]
	// A second comment in the same post thread, in unit B.
	res, err := e.st.Ingest("fb-main", []inbox.Item{{Channel: chFacebook, Account: "fb-main", Kind: inbox.KindComment,
		ExternalID: "123_999", ThreadID: "123", Author: inbox.Author{ID: "9009"}, Text: "saya juga", CreatedAt: testNow}}, nil, []byte("c2"))
	if err != nil {
		t.Fatal(err)
	}
	u := unitB
	if _, err := e.st.Update(res.NewIDs[0], "seed", store.Change{Unit: &u}); err != nil {
		t.Fatal(err)
	}
	e.queueReply("aComment", "Sedang kami tindak lanjuti")
	if rec := e.do(asOp, "POST", "/api/v1/items/"+a.ID+"/notes", map[string]string{"text": "forwarded to PU"}); rec.Code != 201 {
		t.Fatalf("note: %d %s", rec.Code, rec.Body)
	}
	rec := e.do(asViewer, "GET", "/api/v1/items/"+a.ID, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	d := decodeJSONBody[store.Detail](t, rec)
	if d.Item.ID != a.ID || len(d.Thread) != 1 || d.Thread[0].ExternalID != "123_999" ||
		len(d.Replies) != 1 || len(d.Notes) != 1 || d.Notes[0].Author != asOp || len(d.Audit) == 0 {
		t.Fatalf("detail = %+v", d)
	}
	// The scoped token does not see the other unit's item in the thread.
	rec = e.do(asViewerA, "GET", "/api/v1/items/"+a.ID, nil)
	if d := decodeJSONBody[store.Detail](t, rec); len(d.Thread) != 0 || d.Item.ID != a.ID {
		t.Fatalf("scoped detail thread = %+v", d.Thread)
	}
	if !strings.Contains(e.do(asViewerA, "GET", "/api/v1/items/"+a.ID, nil).Body.String(), `"thread":[]`) {
		t.Error("empty thread is not []")
	}
	rec = e.do(asViewer, "GET", "/api/v1/items/01NOPE", nil)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("missing item: %d", rec.Code)
	}
	decodeProblem(t, rec)
}

func TestPatchItem(t *testing.T) {
	e := newEnv(t)
	id := e.items["aComment"].ID
	rec := e.do(asOp, "PATCH", "/api/v1/items/"+id, map[string]any{
		"status": "open", "assignee": "rina", "tags": []string{"jalan", "urgent-repair"}, "priority": "high"})
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	it := decodeJSONBody[inbox.Item](t, rec)
	if it.Status != inbox.StatusOpen || it.Assignee != "rina" || len(it.Tags) != 2 || it.Priority != inbox.PriorityHigh {
		t.Fatalf("patched item = %+v", it)
	}
	d, err := e.st.Detail(id)
	if err != nil {
		t.Fatal(err)
	}
	byField := map[string]inbox.AuditEntry{}
	for _, a := range d.Audit {
		byField[a.Field] = a
	}
	if a := byField["status"]; a.Actor != asOp || a.From != "new" || a.To != "open" {
		t.Errorf("status audit = %+v (all: %+v)", a, d.Audit)
	}
	if a := byField["assignee"]; a.Actor != asOp || a.To != "rina" {
		t.Errorf("assignee audit = %+v", a)
	}

	// Route to another unit (unscoped operator), then the scoped token loses it.
	rec = e.do(asOp, "PATCH", "/api/v1/items/"+id, map[string]any{"unit": unitB})
	if rec.Code != http.StatusOK {
		t.Fatalf("route: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asOpA, "GET", "/api/v1/items/"+id, nil); rec.Code != http.StatusNotFound {
		t.Fatalf("scoped token still sees a moved item: %d", rec.Code)
	}
}

func TestPatchItemErrors(t *testing.T) {
	e := newEnv(t)
	id := e.items["aComment"].ID
	tests := []struct {
		name  string
		as    string
		body  any
		ctype string
		code  int
		field string
	}{
		{"unknown status", asOp, `{"status":"done"}`, "", 422, "status"},
		{"unknown priority", asOp, `{"priority":"p1"}`, "", 422, "priority"},
		{"empty tag", asOp, `{"tags":["ok",""]}`, "", 422, "tags[1]"},
		{"too many tags", asOp, fmt.Sprintf(`{"tags":[%s"x"]}`, strings.Repeat(`"x",`, 20)), "", 422, "tags"},
		{"long assignee", asOp, `{"assignee":"` + strings.Repeat("a", 101) + `"}`, "", 422, "assignee"},
		{"reserved unit", asOp, `{"unit":"-"}`, "", 422, "unit"},
		{"nothing to change", asOp, `{}`, "", 422, "body"},
		{"unknown field", asOp, `{"status":"open","colour":"red"}`, "", 400, "colour"},
		{"wrong type", asOp, `{"tags":"jalan"}`, "", 400, "tags"},
		{"wrong type nested", asOp, `{"tags":[1]}`, "", 400, "tags"},
		{"not an object", asOp, `["open"]`, "", 400, ""},
		{"malformed", asOp, `{"status":`, "", 400, ""},
		{"trailing data", asOp, `{"status":"open"} {}`, "", 400, ""},
		{"empty body", asOp, ``, "", 400, ""},
		{"wrong content type", asOp, `status=open`, "application/x-www-form-urlencoded", 415, ""},
		{"too large", asOp, `{"assignee":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, "", 413, ""},
		{"scoped moves out", asOpA, `{"unit":"` + unitB + `"}`, "", 403, "unit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.ctype != "" {
				hdr = []string{"Content-Type", tt.ctype}
			}
			rec := e.do(tt.as, "PATCH", "/api/v1/items/"+id, tt.body, hdr...)
			if rec.Code != tt.code {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.code, rec.Body)
			}
			p := decodeProblem(t, rec)
			if tt.field != "" && !p.names(tt.field) {
				t.Errorf("problem does not name %q: %+v", tt.field, p)
			}
		})
	}
	if it, _ := e.st.Get(id); it.Unit != unitA || it.Status != inbox.StatusNew {
		t.Fatalf("refused patches changed the item: %+v", it)
	}
	if rec := e.do(asOp, "PATCH", "/api/v1/items/01NOPE", `{"status":"open"}`); rec.Code != 404 {
		t.Fatalf("missing item: %d", rec.Code)
	}
}

func TestTransitionConflictNamesBothStates(t *testing.T) {
	e := newEnv(t)
	id := e.items["aComment"].ID
	if rec := e.do(asOp, "PATCH", "/api/v1/items/"+id, `{"status":"closed"}`); rec.Code != 200 {
		t.Fatalf("close: %d %s", rec.Code, rec.Body)
	}
	rec := e.do(asOp, "PATCH", "/api/v1/items/"+id, `{"status":"ignored"}`)
	if rec.Code != http.StatusConflict {
		t.Fatalf("status %d", rec.Code)
	}
	if p := decodeProblem(t, rec); !strings.Contains(p.Detail, `"closed"`) || !strings.Contains(p.Detail, `"ignored"`) {
		t.Fatalf("detail %q does not name both states", p.Detail)
	}
}

func TestAddNote(t *testing.T) {
	e := newEnv(t)
	id := e.items["aComment"].ID
	rec := e.do(asOp, "POST", "/api/v1/items/"+id+"/notes", map[string]string{"text": "called the citizen"})
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	n := decodeJSONBody[inbox.Note](t, rec)
	if n.Text != "called the citizen" || n.Author != asOp || n.ItemID != id || n.ID == "" {
		t.Fatalf("note = %+v", n)
	}
	for _, tt := range []struct {
		body  string
		code  int
		field string
	}{
		{`{"text":"  "}`, 422, "text"},
		{`{"text":"` + strings.Repeat("é", maxNoteLen+1) + `"}`, 422, "text"},
		{`{"text":"x","private":true}`, 400, "private"},
	} {
		rec := e.do(asOp, "POST", "/api/v1/items/"+id+"/notes", tt.body)
		if rec.Code != tt.code {
			t.Fatalf("%.40s: status %d, want %d", tt.body, rec.Code, tt.code)
		}
		if p := decodeProblem(t, rec); !p.names(tt.field) {
			t.Errorf("%.40s: problem does not name %s: %+v", tt.body, tt.field, p)
		}
	}
}

// TestSearchIsBoundedAndContinues: a q search examines a bounded number of
// items per request and hands back a cursor to continue.
func TestSearchIsBoundedAndContinues(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SearchScanLimit = 2 })
	var found []string
	path := "/api/v1/items?q=siti"
	requests := 0
	for {
		requests++
		if requests > 10 {
			t.Fatal("search does not end")
		}
		rec := e.do(asViewer, "GET", path, nil)
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		l := decodeJSONBody[itemList](t, rec)
		for _, it := range l.Items {
			found = append(found, it.ExternalID)
		}
		if l.NextCursor == "" {
			break
		}
		path = "/api/v1/items?q=siti&cursor=" + l.NextCursor
	}
	// The match is the oldest of five items: at 2 per request it takes 3.
	if strings.Join(found, ",") != "123_456" || requests < 3 {
		t.Fatalf("found %v in %d requests", found, requests)
	}
}

// A unit-scoped request checks the item's unit, then writes; an admin may
// move the item to another unit in between. The write must not land on
// what is by then another unit's item (a reply would go to its citizen).
func TestScopedWriteDoesNotLandAfterAMoveToAnotherUnit(t *testing.T) {
	for _, tc := range []struct {
		name, method, suffix string
		body                 any
	}{
		{"patch", "PATCH", "", map[string]any{"tags": []string{"a-was-here"}}},
		{"reply", "POST", "/replies", map[string]any{"text": "Terima kasih, kami tindak lanjuti."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			it := e.items["aComment"]
			moved := false
			e.srv.afterScopeCheck = func(id string) {
				if !moved {
					moved = true
					b := unitB
					if _, err := e.st.Update(id, "admin", store.Change{Unit: &b}); err != nil {
						t.Error(err)
					}
				}
			}
			rec := e.do(asOpA, tc.method, "/api/v1/items/"+it.ID+tc.suffix, tc.body)
			if rec.Code != http.StatusNotFound {
				t.Errorf("status %d %s, want 404", rec.Code, rec.Body)
			}
			d, err := e.st.Detail(it.ID)
			if err != nil || d.Item.Unit != unitB || len(d.Item.Tags) != 0 || len(d.Replies) != 0 {
				t.Errorf("write landed on unit B's item: unit %q tags %v replies %d (%v)", d.Item.Unit, d.Item.Tags, len(d.Replies), err)
			}
		})
	}
}

func TestTicketAndExternalRef(t *testing.T) {
	e := newEnv(t)
	comment := e.items["aComment"]
	d, err := e.st.Detail(comment.ID)
	if err != nil {
		t.Fatal(err)
	}
	ticket := d.Item.Ticket
	if !strings.HasPrefix(ticket, inbox.DefaultTicketPrefix+"-") {
		t.Fatalf("ingested item has ticket %q", ticket)
	}
	rec := e.do(asViewer, "GET", "/api/v1/items?ticket="+ticket, nil)
	l := decodeJSONBody[itemList](t, rec)
	if len(l.Items) != 1 || l.Items[0].ID != comment.ID || l.Items[0].Ticket != ticket {
		t.Fatalf("?ticket=: %d %s", rec.Code, rec.Body)
	}
	other, err := e.st.Get(e.items["bMention"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if l := decodeJSONBody[itemList](t, e.do(asViewerA, "GET", "/api/v1/items?ticket="+other.Ticket, nil)); other.Ticket == "" || len(l.Items) != 0 {
		t.Fatalf("a token scoped to another unit sees the case %q: %+v", other.Ticket, l.Items)
	}

	rec = e.do(asOp, "PATCH", "/api/v1/items/"+comment.ID, map[string]any{"external_ref": "LAPOR-8812345"})
	if rec.Code != http.StatusOK || decodeJSONBody[inbox.Item](t, rec).ExternalRef != "LAPOR-8812345" {
		t.Fatalf("PATCH external_ref: %d %s", rec.Code, rec.Body)
	}
	l = decodeJSONBody[itemList](t, e.do(asViewer, "GET", "/api/v1/items?external_ref=LAPOR-8812345", nil))
	if len(l.Items) != 1 || l.Items[0].ID != comment.ID {
		t.Fatalf("?external_ref=: %+v", l.Items)
	}
	rec = e.do(asOp, "PATCH", "/api/v1/items/"+comment.ID, map[string]any{"external_ref": strings.Repeat("x", inbox.MaxExternalRefLen+1)})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "external_ref") {
		t.Fatalf("long external_ref: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asViewer, "GET", "/api/v1/items?ticket="+strings.Repeat("x", 300), nil); rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusBadRequest {
		t.Fatalf("long ticket filter: %d", rec.Code)
	}
}
