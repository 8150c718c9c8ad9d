package calendar

import (
	"testing"
	"time"
)

func jakarta(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustDate(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustSpan(t *testing.T, s string) Span {
	t.Helper()
	sp, err := ParseSpan(s)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func mustHours(t *testing.T, s string) Hours {
	t.Helper()
	h, err := ParseHours(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestIssueExamples is the issue's table: the default hours with holidays
// 2026-12-24 and 2026-12-25.
func TestIssueExamples(t *testing.T) {
	loc := jakarta(t)
	cal, err := New(loc, DefaultWeek(), nil, []Holiday{
		{Date: mustDate(t, "2026-12-24"), Name: "Cuti bersama"},
		{Date: mustDate(t, "2026-12-25"), Name: "Kelahiran Yesus Kristus"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ written, span, due string }{
		{"2026-12-04 10:00", "1d", "2026-12-07 16:00"}, // Fri -> Mon close
		{"2026-12-04 15:00", "2h", "2026-12-07 08:00"}, // 1.5 h Fri, 0.5 h Mon
		{"2026-12-05 09:00", "2h", "2026-12-07 09:30"}, // Sat: starts at Mon's opening
		{"2026-12-07 14:00", "2h", "2026-12-07 16:00"}, // exactly at closing
		{"2026-12-04 20:00", "1d", "2026-12-07 16:00"}, // after hours on Fri
		{"2026-12-23 14:00", "1d", "2026-12-28 16:00"}, // over two holidays and a weekend
	} {
		got := cal.Due(at(t, loc, tc.written), mustSpan(t, tc.span))
		if want := at(t, loc, tc.due); !got.Equal(want) {
			t.Errorf("written %s + %s = %s, want %s", tc.written, tc.span, got.Format(time.RFC3339), want.Format(time.RFC3339))
		}
	}
}

func TestSeveralRangesADay(t *testing.T) {
	loc := jakarta(t)
	week := DefaultWeek()
	week[time.Friday] = mustHours(t, "13:00-16:30, 07:30-11:30") // order does not matter
	cal, err := New(loc, week, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ written, span, due string }{
		{"2026-12-04 10:30", "2h", "2026-12-04 14:00"}, // 1 h before the break, 1 h after
		{"2026-12-04 11:30", "30m", "2026-12-04 13:30"},
		{"2026-12-04 12:00", "3h30m", "2026-12-04 16:30"}, // the break does not count; lands on closing
		{"2026-12-04 10:30", "1h", "2026-12-04 11:30"},    // lands on the break's closing
		{"2026-12-03 10:00", "1d", "2026-12-04 16:30"},    // close of the last range
		{"2026-12-04 16:00", "1h", "2026-12-07 08:00"},
	} {
		got := cal.Due(at(t, loc, tc.written), mustSpan(t, tc.span))
		if want := at(t, loc, tc.due); !got.Equal(want) {
			t.Errorf("written %s + %s = %s, want %s", tc.written, tc.span, got.Format(time.RFC3339), want.Format(time.RFC3339))
		}
	}
	if got := cal.WorkingTimeBetween(at(t, loc, "2026-12-04 11:00"), at(t, loc, "2026-12-04 14:00")); got != 90*time.Minute {
		t.Errorf("working time across the break = %s, want 1h30m", got)
	}
}

func TestOverrides(t *testing.T) {
	loc := jakarta(t)
	ramadan := Override{
		From: mustDate(t, "2026-02-18"), To: mustDate(t, "2026-03-19"),
		Hours: map[time.Weekday]Hours{time.Monday: mustHours(t, "08:00-15:00"), time.Friday: mustHours(t, "08:00-15:30"), time.Saturday: nil},
	}
	cal, err := New(loc, DefaultWeek(), []Override{ramadan}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		date, hours string
	}{
		{"2026-02-16", "07:30-16:00"}, // Monday before: normal
		{"2026-02-18", "07:30-16:00"}, // Wednesday, first day: not named, normal hours
		{"2026-02-20", "08:00-15:30"}, // Friday inside
		{"2026-02-23", "08:00-15:00"}, // Monday inside
		{"2026-02-21", ""},            // Saturday named closed: stays closed
		{"2026-03-16", "08:00-15:00"}, // Monday, last week
		{"2026-03-19", "07:30-16:00"}, // Thursday, last day (inclusive) but not named
		{"2026-03-20", "07:30-16:30"}, // Friday after: normal
	} {
		if got := cal.HoursOn(mustDate(t, tc.date)).String(); got != tc.hours {
			t.Errorf("hours on %s = %q, want %q", tc.date, got, tc.hours)
		}
	}
	// to is inclusive: a Monday as the last day takes the override's hours.
	short := Override{From: mustDate(t, "2026-03-09"), To: mustDate(t, "2026-03-09"), Hours: map[time.Weekday]Hours{time.Monday: mustHours(t, "09:00-10:00")}}
	cal2, _ := New(loc, DefaultWeek(), []Override{short}, nil)
	if got := cal2.Due(at(t, loc, "2026-03-09 09:30"), mustSpan(t, "1h")); !got.Equal(at(t, loc, "2026-03-10 08:00")) {
		t.Errorf("override on its last day: due %s", got)
	}
	if got := cal.Due(at(t, loc, "2026-02-19 14:00"), mustSpan(t, "1d")); !got.Equal(at(t, loc, "2026-02-20 15:30")) {
		t.Errorf("1d ending on an override Friday: %s", got)
	}
	if _, err := New(loc, DefaultWeek(), []Override{{From: mustDate(t, "2026-03-02"), To: mustDate(t, "2026-03-01")}}, nil); err == nil {
		t.Error("an override ending before it starts was accepted")
	}
}

func TestHolidaysAreClosed(t *testing.T) {
	loc := jakarta(t)
	cal, _ := New(loc, DefaultWeek(), nil, []Holiday{
		{Date: mustDate(t, "2026-08-17"), Name: "Proklamasi Kemerdekaan RI"},
		{Date: mustDate(t, "2026-08-17"), Name: "dup"},
	})
	if h, ok := cal.Holiday(mustDate(t, "2026-08-17")); !ok || h.Name != "Proklamasi Kemerdekaan RI" {
		t.Errorf("holiday = %+v %v", h, ok)
	}
	if n := len(cal.Holidays()); n != 1 {
		t.Errorf("duplicate dates kept %d holidays", n)
	}
	// Written on the holiday (a Monday): counting starts Tuesday.
	if got := cal.Due(at(t, loc, "2026-08-17 09:00"), mustSpan(t, "2h")); !got.Equal(at(t, loc, "2026-08-18 09:30")) {
		t.Errorf("2h from a holiday = %s", got)
	}
	// Friday + 1d skips the weekend and the Monday holiday.
	if got := cal.Due(at(t, loc, "2026-08-14 09:00"), mustSpan(t, "1d")); !got.Equal(at(t, loc, "2026-08-18 16:00")) {
		t.Errorf("1d over a long weekend = %s", got)
	}
	if got := cal.Due(at(t, loc, "2026-08-14 09:00"), mustSpan(t, "3d")); !got.Equal(at(t, loc, "2026-08-20 16:00")) {
		t.Errorf("3d = %s", got)
	}
}

// TestTimeZones: the office's hours are wall-clock hours in its zone,
// whatever zone created_at arrives in.
func TestTimeZones(t *testing.T) {
	jkt := jakarta(t)
	cal := Default(jkt)
	// 01:00 UTC Monday is 08:00 in Jakarta.
	created := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	if got := cal.Due(created, mustSpan(t, "2h")); !got.Equal(at(t, jkt, "2026-12-07 10:00")) {
		t.Errorf("UTC input: %s", got)
	}
	if got := cal.Due(created, mustSpan(t, "2h")); got.Location() != jkt {
		t.Errorf("due time in %s, want the office's zone", got.Location())
	}
	// 20:00 UTC Sunday is already 03:00 Monday in Jakarta: Monday's date
	// does not count for 1d.
	if got := cal.Due(time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC), mustSpan(t, "1d")); !got.Equal(at(t, jkt, "2026-12-08 16:00")) {
		t.Errorf("1d from Sunday 20:00 UTC = %s", got)
	}
	// Makassar (UTC+8) office: 07:30 WITA is 06:30 WIB.
	wita, err := time.LoadLocation("Asia/Makassar")
	if err != nil {
		t.Fatal(err)
	}
	if got := Default(wita).Due(at(t, jkt, "2026-12-07 06:30"), mustSpan(t, "30m")); !got.Equal(at(t, jkt, "2026-12-07 07:00")) {
		t.Errorf("Makassar office: %s", got)
	}
	// A zone with daylight saving: hours stay wall-clock across the change
	// (Europe/Amsterdam moves to summer time on Sunday 2026-03-29).
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	if got := Default(ams).Due(at(t, ams, "2026-03-27 15:00"), mustSpan(t, "2h")); !got.Equal(at(t, ams, "2026-03-30 08:00")) {
		t.Errorf("across daylight saving: %s", got)
	}
}

func TestYearBoundary(t *testing.T) {
	loc := jakarta(t)
	cal, _ := New(loc, DefaultWeek(), nil, []Holiday{
		{Date: mustDate(t, "2026-12-25")},
		{Date: mustDate(t, "2027-01-01"), Name: "Tahun Baru 2027 Masehi"},
	})
	for _, tc := range []struct{ written, span, due string }{
		{"2026-12-31 15:00", "2h", "2027-01-04 08:30"}, // Thu 1 h, Fri 1 Jan holiday, weekend, Mon
		{"2026-12-31 10:00", "1d", "2027-01-04 16:00"},
		{"2026-12-30 10:00", "2d", "2027-01-04 16:00"},
		{"2026-12-31 23:59", "1m", "2027-01-04 07:31"},
	} {
		got := cal.Due(at(t, loc, tc.written), mustSpan(t, tc.span))
		if want := at(t, loc, tc.due); !got.Equal(want) {
			t.Errorf("written %s + %s = %s, want %s", tc.written, tc.span, got.Format(time.RFC3339), want.Format(time.RFC3339))
		}
	}
	if got := cal.WorkingTimeBetween(at(t, loc, "2026-12-31 15:00"), at(t, loc, "2027-01-04 08:30")); got != 2*time.Hour {
		t.Errorf("working time across the year = %s", got)
	}
}

func TestWorkingTimeBetweenInvertsAdd(t *testing.T) {
	loc := jakarta(t)
	week := DefaultWeek()
	week[time.Friday] = mustHours(t, "07:30-11:30,13:00-16:30")
	cal, _ := New(loc, week, nil, []Holiday{{Date: mustDate(t, "2026-12-25")}})
	start := at(t, loc, "2026-12-20 00:00")
	for i := range 200 {
		from := start.Add(time.Duration(i*97) * time.Minute)
		d := time.Duration(1+i%40) * 17 * time.Minute
		due := cal.AddWorkingTime(from, d)
		if got := cal.WorkingTimeBetween(from, due); got != d {
			t.Fatalf("from %s: add %s reached %s, which is %s of office time", from, d, due, got)
		}
	}
	if got := cal.WorkingTimeBetween(at(t, loc, "2026-12-07 10:00"), at(t, loc, "2026-12-07 09:00")); got != 0 {
		t.Errorf("reversed interval = %s", got)
	}
}

func TestParseHours(t *testing.T) {
	for in, want := range map[string]string{
		"07:30-16:00":              "07:30-16:00",
		" 13:00-16:30,07:30-11:30": "07:30-11:30,13:00-16:30",
		"":                         "",
		"00:00-24:00":              "00:00-24:00",
		"08:00-12:00,12:00-13:00":  "08:00-12:00,12:00-13:00",
	} {
		h, err := ParseHours(in)
		if err != nil || h.String() != want {
			t.Errorf("ParseHours(%q) = %q, %v; want %q", in, h, err, want)
		}
	}
	for _, bad := range []string{"7-16", "07:30", "16:00-07:30", "08:00-08:00", "25:00-26:00", "08:00-12:00,11:00-13:00", "08:60-09:00", "8:0-9:00", "x"} {
		if _, err := ParseHours(bad); err == nil {
			t.Errorf("ParseHours(%q) accepted", bad)
		}
	}
}

func TestParseSpan(t *testing.T) {
	for in, want := range map[string]Span{
		"3d": {Days: 3}, "1d": {Days: 1}, "8h": {Time: 8 * time.Hour}, "30m": {Time: 30 * time.Minute}, "1h30m": {Time: 90 * time.Minute},
	} {
		got, err := ParseSpan(in)
		if err != nil || got != want {
			t.Errorf("ParseSpan(%q) = %+v, %v", in, got, err)
		}
		if got.String() != in {
			t.Errorf("Span(%q).String() = %q", in, got.String())
		}
	}
	for _, bad := range []string{"", "0d", "-1d", "1.5d", "0h", "-2h", "1w", "30s", "d", "1d2h"} {
		if _, err := ParseSpan(bad); err == nil {
			t.Errorf("ParseSpan(%q) accepted", bad)
		}
	}
}

func TestNeverOpen(t *testing.T) {
	if _, err := New(time.UTC, Week{}, nil, nil); err == nil {
		t.Fatal("a week with no hours was accepted")
	}
	// Closed for years by an override: no deadline rather than a hang.
	mon := mustHours(t, "08:00-09:00")
	closed := map[time.Weekday]Hours{}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		closed[wd] = nil
	}
	cal, err := New(time.UTC, Week{time.Monday: mon}, []Override{{From: mustDate(t, "2026-01-01"), To: mustDate(t, "2035-01-01"), Hours: closed}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := cal.Due(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), mustSpan(t, "1h")); !got.IsZero() {
		t.Errorf("closed calendar: due %s", got)
	}
	if got := cal.Due(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), mustSpan(t, "1d")); !got.IsZero() {
		t.Errorf("closed calendar: due %s", got)
	}
}
