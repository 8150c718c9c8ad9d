package calendar

import (
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func TestPolicyFirstMatchWins(t *testing.T) {
	loc := jakarta(t)
	cal := Default(loc)
	pols := Policies{
		{Match: Match{Unit: "bpbd"}, FirstResponse: mustSpan(t, "2h"), Resolution: mustSpan(t, "1d")},
		{Match: Match{Channel: "twitter", Kind: "mention"}, FirstResponse: mustSpan(t, "4h")},
		{Match: Match{Priority: "urgent"}, FirstResponse: mustSpan(t, "30m"), Resolution: mustSpan(t, "2d")},
		{FirstResponse: mustSpan(t, "1d"), Resolution: mustSpan(t, "5d")},
		{Match: Match{Unit: "never"}, FirstResponse: mustSpan(t, "1m")}, // after the default: unreachable
	}
	created := at(t, loc, "2026-12-07 10:00") // Monday
	for _, tc := range []struct {
		name    string
		a       Attrs
		idx     int
		fr, res string
	}{
		{"unit", Attrs{Unit: "bpbd", Priority: "urgent", Channel: "twitter", Kind: "mention"}, 0, "2026-12-07 12:00", "2026-12-08 16:00"},
		{"all keys given must match", Attrs{Channel: "twitter", Kind: "comment", Priority: "urgent"}, 2, "2026-12-07 10:30", "2026-12-09 16:00"},
		{"two keys", Attrs{Channel: "twitter", Kind: "mention"}, 1, "2026-12-07 14:00", ""},
		{"default", Attrs{Unit: "never"}, 3, "2026-12-08 16:00", "2026-12-14 16:00"},
	} {
		if got := pols.Find(tc.a); got != tc.idx {
			t.Errorf("%s: policy %d, want %d", tc.name, got, tc.idx)
		}
		d := cal.Deadlines(pols, tc.a, created)
		check := func(what string, got time.Time, want string) {
			if want == "" {
				if !got.IsZero() {
					t.Errorf("%s: %s = %s, want none", tc.name, what, got)
				}
				return
			}
			if !got.Equal(at(t, loc, want)) {
				t.Errorf("%s: %s = %s, want %s", tc.name, what, got, want)
			}
		}
		check("first response", d.FirstResponse, tc.fr)
		check("resolution", d.Resolution, tc.res)
	}
}

func TestNoPolicyNoDeadlines(t *testing.T) {
	cal := Default(jakarta(t))
	created := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	if d := cal.Deadlines(nil, Attrs{Unit: "bpbd"}, created); !d.IsZero() {
		t.Errorf("no sla: %+v", d)
	}
	only := Policies{{Match: Match{Unit: "bpbd"}, FirstResponse: mustSpan(t, "2h")}}
	if d := cal.Deadlines(only, Attrs{Unit: "dpupr"}, created); !d.IsZero() {
		t.Errorf("no matching policy: %+v", d)
	}
	if d := cal.Deadlines(only, Attrs{Unit: "bpbd"}, time.Time{}); !d.IsZero() {
		t.Errorf("unknown created_at: %+v", d)
	}
	if !(Match{}).IsZero() || (Match{Kind: "comment"}).IsZero() {
		t.Error("Match.IsZero")
	}
}

func TestLive(t *testing.T) {
	var none *Live
	if fr, res := none.ItemDeadlines(inbox.Item{CreatedAt: time.Now()}); fr != nil || res != nil {
		t.Error("nil Live gave deadlines")
	}
	loc := jakarta(t)
	o := &Office{Calendar: Default(loc), SLA: Policies{{FirstResponse: mustSpan(t, "2h"), Resolution: mustSpan(t, "1d")}}}
	l := NewLive(o)
	created := at(t, loc, "2026-12-07 14:00")
	fr, res := l.ItemDeadlines(inbox.Item{CreatedAt: created, Status: inbox.StatusNew})
	if fr == nil || !fr.Equal(at(t, loc, "2026-12-07 16:00")) || res == nil || !res.Equal(at(t, loc, "2026-12-08 16:00")) {
		t.Errorf("deadlines %v %v", fr, res)
	}
	if fr, res := l.ItemDeadlines(inbox.Item{CreatedAt: created, Status: inbox.StatusIgnored}); fr != nil || res != nil {
		t.Error("ignored item got deadlines")
	}
	if got := l.WorkingTime(created, at(t, loc, "2026-12-08 08:30")); got != 3*time.Hour {
		t.Errorf("working time %s", got)
	}
	same := &Office{Calendar: Default(jakarta(t)), SLA: Policies{{FirstResponse: mustSpan(t, "2h"), Resolution: mustSpan(t, "1d")}}}
	if !o.Equal(same) {
		t.Error("equal offices differ")
	}
	other := &Office{Calendar: Default(loc), SLA: Policies{{FirstResponse: mustSpan(t, "3h")}}}
	if o.Equal(other) {
		t.Error("other policies compare equal")
	}
	hol, _ := New(loc, DefaultWeek(), nil, []Holiday{{Date: mustDate(t, "2026-12-25")}})
	if o.Equal(&Office{Calendar: hol, SLA: o.SLA}) {
		t.Error("a new holiday compares equal")
	}
	l.Store(other)
	if fr, _ := l.ItemDeadlines(inbox.Item{CreatedAt: created}); fr == nil || !fr.Equal(at(t, loc, "2026-12-08 08:30")) {
		t.Errorf("after Store: %v", fr)
	}
}
