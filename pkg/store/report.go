package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// PercentileTolerance is the relative error of a percentile read from the
// response-time histograms: a bucket spans a factor 2^(1/4) and reports its
// geometric midpoint, so the figure is within a factor 2^(1/8) (+9.05 %,
// -8.3 %) of the exact nearest-rank percentile.
const PercentileTolerance = 0.0905

// TopTags is how many tags the report lists per unit.
const TopTags = 10

// Report is the monthly report (docs/REPORT.md): the cohort of items
// received in the month and the month's flows, per unit and in total,
// beside the month before.
type Report struct {
	Month         string    `json:"month"`          // YYYY-MM
	PreviousMonth string    `json:"previous_month"` // YYYY-MM
	Timezone      string    `json:"timezone"`       // the month's boundaries are midnight here
	From          time.Time `json:"from"`           // first instant of the month
	To            time.Time `json:"to"`             // first instant of the next month
	// Unit is the unit the report is limited to ("" all).
	Unit string `json:"unit,omitempty"`
	// BacklogFinal: the month has ended and its backlog is the snapshot
	// taken at its close; false, backlog_end is the backlog now.
	BacklogFinal bool `json:"backlog_final"`
	// PercentileTolerance is the relative error of the p50/p90 figures.
	PercentileTolerance float64      `json:"percentile_tolerance"`
	Total               UnitReport   `json:"total"`
	Units               []UnitReport `json:"units"`
}

// UnitReport is one unit's (or the total's) figures for the month, with
// the same figures for the month before.
type UnitReport struct {
	Unit string `json:"unit"` // unit code; "-" the items without unit; "" in total
	ReportFigures
	Previous ReportFigures `json:"previous"`
}

// ReportFigures are one month's figures of one unit or the total.
type ReportFigures struct {
	// The cohort: items received in the month.
	Received          int64            `json:"received"`
	ReceivedByChannel map[string]int64 `json:"received_by_channel"`
	ReceivedByKind    map[string]int64 `json:"received_by_kind"`
	Answered          int64            `json:"answered"` // of them, now answered
	Closed            int64            `json:"closed"`   // now closed
	Ignored           int64            `json:"ignored"`  // now ignored
	Waiting           int64            `json:"waiting"`  // still new or open
	FirstResponse     ResponseTimes    `json:"first_response"`
	// FirstResponseDeadline: of the items with a first-response deadline,
	// how many had their first response by it.
	FirstResponseDeadline DeadlineShare `json:"first_response_within_deadline"`
	// ResolutionDeadline: of the items with a resolution deadline, how
	// many were closed by it.
	ResolutionDeadline DeadlineShare `json:"resolved_within_deadline"`
	TopTags            []TagCount    `json:"top_tags"`

	// Flows: what happened in the month, whenever the items came in.
	RepliesSent          int64 `json:"replies_sent"`           // by people (in inboxd or on the platform)
	AutomaticRepliesSent int64 `json:"automatic_replies_sent"` // automatic acknowledgements
	ClosedInMonth        int64 `json:"closed_in_month"`        // moves into closed
	BacklogEnd           int64 `json:"backlog_end"`            // items waiting at the month's end
}

// ResponseTimes are first-response percentiles from the histograms.
type ResponseTimes struct {
	Count             int64   `json:"count"` // items of the cohort with a first response (timed)
	P50Seconds        float64 `json:"p50_seconds"`
	P90Seconds        float64 `json:"p90_seconds"`
	P50WorkingSeconds float64 `json:"p50_working_seconds"` // office working time (calendar)
	P90WorkingSeconds float64 `json:"p90_working_seconds"`
}

// DeadlineShare is how many of the items with a deadline met it.
type DeadlineShare struct {
	WithDeadline int64   `json:"with_deadline"`
	Within       int64   `json:"within"`
	Share        float64 `json:"share"` // within / with_deadline; 0 when none
}

// TagCount is one tag of the top tags.
type TagCount struct {
	Tag   string `json:"tag"`
	Count int64  `json:"count"`
}

// monthAcc gathers one unit's counters of one month.
type monthAcc struct {
	f           ReportFigures
	clock, work hist
	tags        map[string]int64
	backlog     bool // a snapshot value was read
}

func newMonthAcc() *monthAcc {
	return &monthAcc{f: ReportFigures{ReceivedByChannel: map[string]int64{}, ReceivedByKind: map[string]int64{}}, tags: map[string]int64{}}
}

func (a *monthAcc) add(kind byte, rest string, v int64) {
	f := &a.f
	switch kind {
	case rkReceived:
		ch, k, _ := strings.Cut(rest, "\x00")
		f.Received += v
		f.ReceivedByChannel[ch] += v
		f.ReceivedByKind[k] += v
	case rkStatus:
		switch inbox.Status(rest) {
		case inbox.StatusAnswered:
			f.Answered += v
		case inbox.StatusClosed:
			f.Closed += v
		case inbox.StatusIgnored:
			f.Ignored += v
		default:
			f.Waiting += v
		}
	case rkClock, rkWorking:
		if len(rest) == 1 && int(rest[0]) < histBuckets {
			h := &a.clock
			if kind == rkWorking {
				h = &a.work
			}
			h[rest[0]] += v
		}
	case rkFirstDue, rkResolveDue:
		d := &f.FirstResponseDeadline
		if kind == rkResolveDue {
			d = &f.ResolutionDeadline
		}
		if rest == "d" {
			d.WithDeadline += v
		} else {
			d.Within += v
		}
	case rkTag:
		a.tags[rest] += v
	case rkHumanReplies:
		f.RepliesSent += v
	case rkAutoReplies:
		f.AutomaticRepliesSent += v
	case rkClosed:
		f.ClosedInMonth += v
	case rkBacklog:
		f.BacklogEnd += v
		a.backlog = true
	}
}

// merge adds o into a (for the total).
func (a *monthAcc) merge(o *monthAcc) {
	f, g := &a.f, &o.f
	f.Received += g.Received
	for k, v := range g.ReceivedByChannel {
		f.ReceivedByChannel[k] += v
	}
	for k, v := range g.ReceivedByKind {
		f.ReceivedByKind[k] += v
	}
	f.Answered += g.Answered
	f.Closed += g.Closed
	f.Ignored += g.Ignored
	f.Waiting += g.Waiting
	f.FirstResponseDeadline.WithDeadline += g.FirstResponseDeadline.WithDeadline
	f.FirstResponseDeadline.Within += g.FirstResponseDeadline.Within
	f.ResolutionDeadline.WithDeadline += g.ResolutionDeadline.WithDeadline
	f.ResolutionDeadline.Within += g.ResolutionDeadline.Within
	f.RepliesSent += g.RepliesSent
	f.AutomaticRepliesSent += g.AutomaticRepliesSent
	f.ClosedInMonth += g.ClosedInMonth
	f.BacklogEnd += g.BacklogEnd
	for i := range a.clock {
		a.clock[i] += o.clock[i]
		a.work[i] += o.work[i]
	}
	for k, v := range o.tags {
		a.tags[k] += v
	}
}

// figures finishes the derived figures.
func (a *monthAcc) figures() ReportFigures {
	f := a.f
	f.FirstResponse = ResponseTimes{
		Count:             a.clock.count(),
		P50Seconds:        a.clock.percentile(0.5),
		P90Seconds:        a.clock.percentile(0.9),
		P50WorkingSeconds: a.work.percentile(0.5),
		P90WorkingSeconds: a.work.percentile(0.9),
	}
	for _, d := range []*DeadlineShare{&f.FirstResponseDeadline, &f.ResolutionDeadline} {
		if d.WithDeadline > 0 {
			d.Share = float64(d.Within) / float64(d.WithDeadline)
		}
	}
	f.TopTags = []TagCount{}
	for t, n := range a.tags {
		if n > 0 {
			f.TopTags = append(f.TopTags, TagCount{t, n})
		}
	}
	slices.SortFunc(f.TopTags, func(x, y TagCount) int {
		if x.Count != y.Count {
			return int(y.Count - x.Count)
		}
		return strings.Compare(x.Tag, y.Tag)
	})
	if len(f.TopTags) > TopTags {
		f.TopTags = f.TopTags[:TopTags]
	}
	return f
}

// ParseMonth parses "YYYY-MM".
func ParseMonth(s string) (year int, month time.Month, err error) {
	t, perr := time.Parse("2006-01", s)
	if perr != nil || len(s) != 7 {
		return 0, 0, &ValidationError{Field: "month", Message: fmt.Sprintf("%q is not a month; write it as YYYY-MM, e.g. 2026-11", s)}
	}
	return t.Year(), t.Month(), nil
}

// MonthlyReport builds the report of a month in Options.Location from the
// report counters: two key ranges (the month and the month before) and, for
// a month not yet closed, the waiting counters and the later months' net
// flows. unit "" is every unit, "-" the items without unit.
func (s *Store) MonthlyReport(year int, month time.Month, unit string) (Report, error) {
	if month < time.January || month > time.December || year < 1 || year > 9999 {
		return Report{}, &ValidationError{Field: "month", Message: fmt.Sprintf("%04d-%02d is not a month", year, int(month))}
	}
	m := uint32(year*100 + int(month))
	pm := prevMonth(m)
	from := time.Date(year, month, 1, 0, 0, 0, 0, s.loc)
	r := Report{
		Month: fmt.Sprintf("%04d-%02d", year, int(month)), PreviousMonth: fmt.Sprintf("%04d-%02d", pm/100, pm%100),
		Timezone: s.loc.String(), From: from, To: from.AddDate(0, 1, 0), Unit: unit,
		PercentileTolerance: PercentileTolerance, Units: []UnitReport{},
	}
	only, scoped := unit, unit != ""
	if unit == reservedNoUnit {
		only = ""
	}
	cur, prev := map[string]*monthAcc{}, map[string]*monthAcc{}
	err := s.view(func(tx *bolt.Tx) error {
		var snap uint32
		if v := tx.Bucket(bMeta).Get(metaReportSnap); len(v) == 4 {
			snap = binary.BigEndian.Uint32(v)
		}
		for _, p := range []struct {
			month uint32
			into  map[string]*monthAcc
		}{{m, cur}, {pm, prev}} {
			readReportMonth(tx, p.month, only, scoped, p.into)
			if p.month > snap {
				computeBacklog(tx, p.month, only, scoped, p.into)
			}
		}
		r.BacklogFinal = m <= snap
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	units := map[string]bool{}
	for u := range cur {
		units[u] = true
	}
	for u := range prev {
		units[u] = true
	}
	tc, tp := newMonthAcc(), newMonthAcc()
	for _, u := range slices.Sorted(maps.Keys(units)) {
		c, p := cur[u], prev[u]
		if c == nil {
			c = newMonthAcc()
		}
		if p == nil {
			p = newMonthAcc()
		}
		tc.merge(c)
		tp.merge(p)
		name := u
		if name == "" {
			name = reservedNoUnit
		}
		r.Units = append(r.Units, UnitReport{Unit: name, ReportFigures: c.figures(), Previous: p.figures()})
	}
	r.Total = UnitReport{ReportFigures: tc.figures(), Previous: tp.figures()}
	return r, nil
}

// readReportMonth adds month's counters (of unit only, when scoped) to into.
func readReportMonth(tx *bolt.Tx, month uint32, only string, scoped bool, into map[string]*monthAcc) {
	p := putU4(nil, month)
	if scoped {
		p = append(append(p, only...), 0)
	}
	c := tx.Bucket(bReport).Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		_, unit, kind, rest, ok := splitReportKey(k)
		if !ok || len(v) != 8 || (scoped && unit != only) {
			continue
		}
		a := into[unit]
		if a == nil {
			a = newMonthAcc()
			into[unit] = a
		}
		a.add(kind, rest, int64(binary.BigEndian.Uint64(v)))
	}
}

// computeBacklog sets the backlog of a month without snapshot (not yet
// closed): the items waiting now less the net waiting flow of the months
// after it.
func computeBacklog(tx *bolt.Tx, month uint32, only string, scoped bool, into map[string]*monthAcc) {
	backlog := waitingNow(tx)
	c := tx.Bucket(bReport).Cursor()
	for k, v := c.Seek(putU4(nil, nextMonth(month))); k != nil; k, v = c.Next() {
		_, unit, kind, _, ok := splitReportKey(k)
		if ok && kind == rkWaitingNet && len(v) == 8 {
			backlog[unit] -= int64(binary.BigEndian.Uint64(v))
		}
	}
	for u, n := range backlog {
		if (scoped && u != only) || n <= 0 {
			continue
		}
		a := into[u]
		if a == nil {
			a = newMonthAcc()
			into[u] = a
		}
		a.f.BacklogEnd = n
	}
}
