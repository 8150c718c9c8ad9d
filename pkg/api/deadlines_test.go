package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// TestDeadlinesThroughTheAPI: a PATCH to a unit with a tight policy
// recomputes the deadlines from created_at (testNow is Thursday 16:00 in
// Jakarta, the items were written at 15:00), which makes the item overdue
// at once; ?overdue=true and the stats show it.
func TestDeadlinesThroughTheAPI(t *testing.T) {
	wib := time.FixedZone("WIB", 7*3600)
	office := calendar.NewLive(&calendar.Office{Calendar: calendar.Default(wib), SLA: calendar.Policies{
		{Match: calendar.Match{Unit: unitB}, FirstResponse: calendar.Span{Time: 30 * time.Minute}, Resolution: calendar.Span{Days: 1}},
	}})
	e := newEnv(t, func(o *Options) { o.Deadlines = office })
	id := e.items["aComment"].ID

	rec := e.do(asOp, "PATCH", "/api/v1/items/"+id, map[string]any{"unit": unitB})
	if rec.Code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", rec.Code, rec.Body)
	}
	it := decodeJSONBody[inbox.Item](t, rec)
	created := e.items["aComment"].CreatedAt
	if it.FirstResponseDueAt == nil || !it.FirstResponseDueAt.Equal(created.Add(30*time.Minute)) {
		t.Fatalf("first_response_due_at = %v, want %s", it.FirstResponseDueAt, created.Add(30*time.Minute))
	}
	if want := time.Date(2026, 11, 27, 16, 30, 0, 0, wib); it.ResolutionDueAt == nil || !it.ResolutionDueAt.Equal(want) {
		t.Fatalf("resolution_due_at = %v, want Friday's closing %s", it.ResolutionDueAt, want)
	}
	if it.Overdue != inbox.OverdueFirstResponse {
		t.Fatalf("overdue = %q", it.Overdue)
	}
	l := decodeJSONBody[itemList](t, e.do(asViewer, "GET", "/api/v1/items?overdue=true", nil))
	if len(l.Items) != 1 || l.Items[0].ID != id {
		t.Fatalf("?overdue=true: %+v", l.Items)
	}
	l = decodeJSONBody[itemList](t, e.do(asViewer, "GET", "/api/v1/items?overdue=true&unit="+unitA, nil))
	if len(l.Items) != 0 {
		t.Fatalf("?overdue=true&unit=A: %+v", l.Items)
	}
	// A token scoped to unit A sees neither the item nor its unit's count.
	if l := decodeJSONBody[itemList](t, e.do(asViewerA, "GET", "/api/v1/items?overdue=true", nil)); len(l.Items) != 0 {
		t.Fatalf("scoped ?overdue=true: %+v", l.Items)
	}
	if st := decodeJSONBody[store.Stats](t, e.do(asViewerA, "GET", "/api/v1/stats", nil)); st.Overdue[inbox.OverdueFirstResponse] != 0 || len(st.OverdueByUnit) != 0 {
		t.Fatalf("scoped stats show another unit's overdue item: %v %v", st.Overdue, st.OverdueByUnit)
	}
	if rec := e.do(asViewer, "GET", "/api/v1/items?overdue=yes", nil); rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusBadRequest {
		t.Fatalf("?overdue=yes: %d", rec.Code)
	}
	st := decodeJSONBody[store.Stats](t, e.do(asViewer, "GET", "/api/v1/stats", nil))
	if st.Overdue[inbox.OverdueFirstResponse] != 1 || st.OverdueByUnit[unitB] != 1 {
		t.Fatalf("stats overdue %v by unit %v", st.Overdue, st.OverdueByUnit)
	}
	if _, ok := st.FirstResponseWorking["24h"]; !ok {
		t.Fatalf("stats lack first_response_working: %+v", st)
	}

	// The first human status change to answered is the first response.
	rec = e.do(asOp, "PATCH", "/api/v1/items/"+id, map[string]any{"status": "answered"})
	it = decodeJSONBody[inbox.Item](t, rec)
	if it.FirstResponseAt == nil || it.Overdue != "" {
		t.Fatalf("after answering: first_response_at %v overdue %q", it.FirstResponseAt, it.Overdue)
	}
	st = decodeJSONBody[store.Stats](t, e.do(asViewer, "GET", "/api/v1/stats", nil))
	if w := st.FirstResponseWithinDeadline["24h"]; w.Count != 1 || w.Within != 0 {
		t.Fatalf("within deadline %+v", w)
	}
}
