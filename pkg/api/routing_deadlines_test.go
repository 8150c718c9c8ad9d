package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/rules"
)

// routing/test answers the deadlines ingest would set for a message written
// at created_at, under the policy matching the routed item, in the office's
// time zone (the examples: default hours, holidays 24 and 25 Dec).
func TestRoutingTestDeadlines(t *testing.T) {
	_, withR := withRules(t, []rules.Rule{{Name: "banjir", AnyWords: []string{"banjir"}, Unit: "bpbd"}})
	jkt, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	var hol []calendar.Holiday
	for _, d := range []string{"2026-12-24", "2026-12-25"} {
		dt, _ := calendar.ParseDate(d)
		hol = append(hol, calendar.Holiday{Date: dt})
	}
	cal, err := calendar.New(jkt, calendar.DefaultWeek(), nil, hol)
	if err != nil {
		t.Fatal(err)
	}
	office := calendar.NewLive(&calendar.Office{Calendar: cal, SLA: calendar.Policies{
		{Match: calendar.Match{Unit: "bpbd"}, FirstResponse: calendar.Span{Time: 2 * time.Hour}, Resolution: calendar.Span{Days: 1}},
		{FirstResponse: calendar.Span{Days: 1}},
	}})
	e := newEnv(t, withR, func(o *Options) { o.Deadlines = office })
	for _, tc := range []struct{ text, created, fr, res string }{
		{"banjir di pasar", "2026-12-04T15:00:00+07:00", "2026-12-07T08:00:00+07:00", "2026-12-07T16:00:00+07:00"},
		{"banjir lagi", "2026-12-05T02:00:00Z", "2026-12-07T09:30:00+07:00", "2026-12-07T16:00:00+07:00"}, // Sat 09:00 WIB
		{"lampu mati", "2026-12-23T14:00:00+07:00", "2026-12-28T16:00:00+07:00", ""},
	} {
		rec := e.do(asOp, "POST", "/api/v1/routing/test", map[string]string{"text": tc.text, "created_at": tc.created})
		got := decodeJSONBody[routingResult](t, rec)
		if rec.Code != http.StatusOK || got.FirstResponseDueAt != tc.fr || got.ResolutionDueAt != tc.res {
			t.Errorf("%s at %s: %d %s; want %s / %s", tc.text, tc.created, rec.Code, rec.Body, tc.fr, tc.res)
		}
	}
	// Without created_at: now (testNow is Thursday 2026-11-26 16:00 WIB, closing).
	got := decodeJSONBody[routingResult](t, e.do(asOp, "POST", "/api/v1/routing/test", map[string]string{"text": "banjir"}))
	if got.FirstResponseDueAt != "2026-11-27T09:30:00+07:00" {
		t.Errorf("default created_at: %+v", got)
	}
	if rec := e.do(asOp, "POST", "/api/v1/routing/test", map[string]string{"text": "x", "created_at": "04-12-2026"}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("bad created_at: %d %s", rec.Code, rec.Body)
	}
}
