// Package calendar is the office calendar and deadline arithmetic: opening
// hours per weekday (several ranges a day), date-range overrides, holidays,
// working-time sums and the deadline policies (SLA) that use them.
//
// It does no I/O: pkg/config reads the files and builds a Calendar; callers
// (ingest, the API on edits, the overdue sweeper) compute due times with it
// and hand the store plain times.
package calendar

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Date is a civil date, with no time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (write YYYY-MM-DD, e.g. 2026-12-25)", s)
	}
	return DateOf(t), nil
}

// DateOf is t's date in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// Weekday is the date's day of the week.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Compare orders dates: -1, 0 or +1.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmpInt(d.Year, o.Year)
	case d.Month != o.Month:
		return cmpInt(int(d.Month), int(o.Month))
	}
	return cmpInt(d.Day, o.Day)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// at is the wall-clock time minute (minutes after midnight) of d in loc.
func (d Date) at(minute int, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, minute, 0, 0, loc)
}

// Range is an opening range, in minutes after midnight: [Start, End).
type Range struct{ Start, End int }

func (r Range) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", r.Start/60, r.Start%60, r.End/60, r.End%60)
}

// Hours are one day's opening ranges, in order, not overlapping. Empty is
// closed.
type Hours []Range

// ParseHours parses "07:30-11:30,13:00-16:30"; "" is closed.
func ParseHours(s string) (Hours, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var h Hours
	for part := range strings.SplitSeq(s, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("%q: each range must be HH:MM-HH:MM, e.g. 07:30-16:00", part)
		}
		start, err := parseClock(from)
		if err != nil {
			return nil, err
		}
		end, err := parseClock(to)
		if err != nil {
			return nil, err
		}
		if end <= start {
			return nil, fmt.Errorf("%q: a range must end after it starts", strings.TrimSpace(part))
		}
		h = append(h, Range{start, end})
	}
	slices.SortFunc(h, func(a, b Range) int { return cmpInt(a.Start, b.Start) })
	for i := 1; i < len(h); i++ {
		if h[i].Start < h[i-1].End {
			return nil, fmt.Errorf("ranges %s and %s overlap", h[i-1], h[i])
		}
	}
	return h, nil
}

func parseClock(s string) (int, error) {
	s = strings.TrimSpace(s)
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(mm) != 2 || h < 0 || m < 0 || m > 59 || h*60+m > 24*60 {
		return 0, fmt.Errorf("%q is not a time of day (write HH:MM, 00:00 to 24:00)", s)
	}
	return h*60 + m, nil
}

func (h Hours) String() string {
	parts := make([]string, len(h))
	for i, r := range h {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

// Week holds the hours of each weekday, indexed by time.Weekday.
type Week [7]Hours

// DefaultWeek is the office's hours when the config sets none: Mon–Thu
// 07:30–16:00, Fri 07:30–16:30, Sat and Sun closed.
func DefaultWeek() Week {
	monThu := Hours{{7*60 + 30, 16 * 60}}
	return Week{
		time.Monday:    monThu,
		time.Tuesday:   monThu,
		time.Wednesday: monThu,
		time.Thursday:  monThu,
		time.Friday:    {{7*60 + 30, 16*60 + 30}},
	}
}

// Override gives other hours to the weekdays it names, from From to To
// inclusive (e.g. Ramadan hours). Weekdays it does not name keep the week's
// hours; a named weekday with empty hours is closed.
type Override struct {
	From, To Date
	Hours    map[time.Weekday]Hours
}

// Holiday is a closed day.
type Holiday struct {
	Date Date
	Name string
	Kind string // e.g. libur_nasional, cuti_bersama; free text
}

// Calendar answers when the office is open, in its time zone.
type Calendar struct {
	loc       *time.Location
	week      Week
	overrides []Override
	holidays  map[Date]Holiday
}

// ErrNeverOpen is returned by New for a week without any opening hours.
var ErrNeverOpen = errors.New("the office is never open: no weekday has opening hours")

// New builds a calendar. Overrides are checked in order: the first that
// covers a date and names its weekday sets that day's hours. Holidays on the
// same date are merged (the first name is kept).
func New(loc *time.Location, week Week, overrides []Override, holidays []Holiday) (*Calendar, error) {
	if loc == nil {
		loc = time.UTC
	}
	if !slices.ContainsFunc(week[:], func(h Hours) bool { return len(h) > 0 }) {
		return nil, ErrNeverOpen
	}
	for _, o := range overrides {
		if o.To.Compare(o.From) < 0 {
			return nil, fmt.Errorf("override %s to %s: to is before from", o.From, o.To)
		}
	}
	c := &Calendar{loc: loc, week: week, overrides: slices.Clone(overrides), holidays: make(map[Date]Holiday, len(holidays))}
	for _, h := range holidays {
		if _, dup := c.holidays[h.Date]; !dup {
			c.holidays[h.Date] = h
		}
	}
	return c, nil
}

// Default is the default week in loc with no holidays.
func Default(loc *time.Location) *Calendar {
	c, _ := New(loc, DefaultWeek(), nil, nil) // the default week is open
	return c
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Week returns the normal weekly hours.
func (c *Calendar) Week() Week { return c.week }

// Holidays returns the holidays in date order.
func (c *Calendar) Holidays() []Holiday {
	out := make([]Holiday, 0, len(c.holidays))
	for _, h := range c.holidays {
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return out
}

// Holiday reports whether d is a holiday, and which.
func (c *Calendar) Holiday(d Date) (Holiday, bool) {
	h, ok := c.holidays[d]
	return h, ok
}

// HoursOn returns the opening hours of date d (none on a holiday).
func (c *Calendar) HoursOn(d Date) Hours {
	if _, ok := c.holidays[d]; ok {
		return nil
	}
	wd := d.Weekday()
	for _, o := range c.overrides {
		if d.Compare(o.From) >= 0 && d.Compare(o.To) <= 0 {
			if h, named := o.Hours[wd]; named {
				return h
			}
		}
	}
	return c.week[wd]
}

// searchDays bounds every walk over the calendar, so a calendar closed for
// years by overrides answers "no deadline" instead of looping.
const searchDays = 3 * 366

// AddWorkingTime returns the instant when d of office time has passed,
// counting from t: only time inside opening ranges counts; outside them
// counting starts at the next opening. A result exactly at a closing time is
// that closing time. The zero time means no opening within three years.
func (c *Calendar) AddWorkingTime(t time.Time, d time.Duration) time.Time {
	t = t.In(c.loc)
	day := DateOf(t)
	for range searchDays {
		for _, r := range c.HoursOn(day) {
			start, end := day.at(r.Start, c.loc), day.at(r.End, c.loc)
			if !t.Before(end) {
				continue
			}
			if t.After(start) {
				start = t
			}
			if avail := end.Sub(start); d <= avail {
				return start.Add(d)
			} else {
				d -= avail
			}
		}
		day = day.AddDays(1)
	}
	return time.Time{}
}

// AddWorkingDays returns the close of office hours (the end of the last
// range) on the nth working day after t's date; t's own date never counts,
// whatever the hour. The zero time means no such day within three years.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	day := DateOf(t.In(c.loc))
	for range searchDays {
		day = day.AddDays(1)
		h := c.HoursOn(day)
		if len(h) == 0 {
			continue
		}
		if n--; n <= 0 {
			return day.at(h[len(h)-1].End, c.loc)
		}
	}
	return time.Time{}
}

// WorkingTimeBetween is the office time inside [from, to): how long a
// citizen waited in working hours. It is 0 when to is not after from.
func (c *Calendar) WorkingTimeBetween(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	from, to = from.In(c.loc), to.In(c.loc)
	var sum time.Duration
	last := DateOf(to)
	for day := DateOf(from); day.Compare(last) <= 0; day = day.AddDays(1) {
		for _, r := range c.HoursOn(day) {
			start, end := day.at(r.Start, c.loc), day.at(r.End, c.loc)
			if from.After(start) {
				start = from
			}
			if to.Before(end) {
				end = to
			}
			if end.After(start) {
				sum += end.Sub(start)
			}
		}
	}
	return sum
}

// Span is a deadline length in working time: either Days working days or
// Time of office hours.
type Span struct {
	Days int
	Time time.Duration
}

// IsZero reports an unset span (no deadline).
func (s Span) IsZero() bool { return s.Days == 0 && s.Time == 0 }

// ParseSpan parses "3d" (working days), "8h", "30m" or "1h30m" (office
// time).
func ParseSpan(s string) (Span, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 {
			return Span{}, fmt.Errorf("%q: working days must be a whole number of at least 1, e.g. 3d", s)
		}
		return Span{Days: days}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return Span{}, fmt.Errorf("%q is not a working-time span (write e.g. 3d for working days, 8h or 30m for office hours)", s)
	}
	if d%time.Minute != 0 {
		return Span{}, fmt.Errorf("%q: office time counts whole minutes", s)
	}
	return Span{Time: d}, nil
}

func (s Span) String() string {
	switch {
	case s.Days > 0:
		return strconv.Itoa(s.Days) + "d"
	case s.Time > 0:
		str := strings.TrimSuffix(s.Time.String(), "0s") // "1h30m0s" -> "1h30m"
		if h, ok := strings.CutSuffix(str, "h0m"); ok {
			return h + "h"
		}
		return str
	}
	return ""
}

// Due is when a span counted from created ends; the zero time for a zero
// span (no deadline) or a calendar closed for years.
func (c *Calendar) Due(created time.Time, s Span) time.Time {
	switch {
	case s.Days > 0:
		return c.AddWorkingDays(created, s.Days)
	case s.Time > 0:
		return c.AddWorkingTime(created, s.Time)
	}
	return time.Time{}
}

// Equal reports whether c and o give every instant the same hours: same
// zone, week, overrides and holidays.
func (c *Calendar) Equal(o *Calendar) bool {
	if c == nil || o == nil {
		return c == o
	}
	return c.loc.String() == o.loc.String() && reflect.DeepEqual(c.week, o.week) &&
		reflect.DeepEqual(c.overrides, o.overrides) && reflect.DeepEqual(c.holidays, o.holidays)
}
