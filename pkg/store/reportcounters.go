package store

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// The monthly report's counters (docs/REPORT.md defines the figures).
//
// Bucket "report" holds one int64 (big-endian, two's complement: the net
// waiting flow may be negative) per key
//
//	u4(year*100+month in Options.Location) unit 0x00 kind rest
//
// so one month is one key range and one unit of it a narrower one. The
// cohort kinds count the items RECEIVED that month by their current state;
// the flow kinds count events by the month they happened in:
//
//	'r' channel 0x00 kind   received (cohort)
//	's' status              current status (cohort)
//	'c' byte bucket         first response, clock time since received_at (cohort histogram)
//	'w' byte bucket         first response, office working time since created_at (cohort histogram)
//	'f' "d" | "i"           has a first-response deadline | first response by it (cohort)
//	'z' "d" | "i"           has a resolution deadline | closed by it (cohort)
//	't' tag                 items per tag (cohort)
//	'h'                     human replies sent (flow, by sent_at)
//	'a'                     automatic replies sent (flow, by sent_at)
//	'x'                     items closed (flow: moves into closed)
//	'n'                     net waiting flow: +1 an item starts waiting, -1 it stops (flow)
//	'b'                     backlog at the month's end (snapshot, written once)
//
// Bucket "report_closed" keeps id16 -> t8 for each closed item: when it was
// closed (the resolution deadline share needs it; the item has no field).
// Meta "report_done" marks the backfill finished, "report_at" is the last
// item id it counted, "report_snap" the u4 month of the last snapshot.
var (
	bReport       = []byte("report")
	bReportClosed = []byte("report_closed")

	metaReportDone = []byte("report_done")
	metaReportAt   = []byte("report_at")
	metaReportSnap = []byte("report_snap")
)

// Report counter kinds (see above).
const (
	rkReceived     = 'r'
	rkStatus       = 's'
	rkClock        = 'c'
	rkWorking      = 'w'
	rkFirstDue     = 'f'
	rkResolveDue   = 'z'
	rkTag          = 't'
	rkHumanReplies = 'h'
	rkAutoReplies  = 'a'
	rkClosed       = 'x'
	rkWaitingNet   = 'n'
	rkBacklog      = 'b'
)

// monthOf is t's report month (year*100+month) in the store's location.
func (s *Store) monthOf(t time.Time) uint32 {
	l := t.In(s.loc)
	return uint32(l.Year()*100 + int(l.Month()))
}

// reportKey builds month|unit 0x00|kind|rest.
func reportKey(month uint32, unit string, kind byte, rest string) string {
	b := make([]byte, 0, 4+len(unit)+2+len(rest))
	b = binary.BigEndian.AppendUint32(b, month)
	b = append(b, unit...)
	b = append(b, 0, kind)
	b = append(b, rest...)
	return string(b)
}

// repItem is what one item contributes to its cohort's counters.
type repItem struct {
	month               uint32
	unit, channel, kind string
	status              inbox.Status
	tags                []string
	clock, work         int // histogram buckets; -1 none
	frDue, frIn         bool
	resDue, resIn       bool
	hasFirst            bool
	firstAt, createdAt  time.Time // what work was computed from
}

// contribution computes it's cohort contribution; closedAt is when it was
// closed (zero unless closed). reuse, when it has the same first response
// and created_at, lends its working-time bucket (so a calendar changed
// since is not re-applied to an old answer, and the calendar is not asked
// again on every edit).
func (w *wctx) contribution(it *inbox.Item, closedAt time.Time, reuse *repItem) repItem {
	c := repItem{
		month: w.s.monthOf(it.ReceivedAt), unit: it.Unit, channel: string(it.Channel), kind: string(it.Kind),
		status: it.Status, tags: it.Tags, clock: -1, work: -1, createdAt: it.CreatedAt,
	}
	if it.Backfill {
		return c // history imported at setup: counted as received, never timed
	}
	if it.FirstResponseAt != nil {
		c.hasFirst, c.firstAt = true, *it.FirstResponseAt
		c.clock = histIndex(it.FirstResponseAt.Sub(it.ReceivedAt))
		switch {
		case reuse != nil && reuse.hasFirst && reuse.firstAt.Equal(c.firstAt) && reuse.createdAt.Equal(c.createdAt):
			c.work = reuse.work
		case w.s.workingTime != nil:
			c.work = histIndex(w.s.workingTime(it.CreatedAt, *it.FirstResponseAt))
		}
	}
	if it.FirstResponseDueAt != nil {
		c.frDue = true
		c.frIn = it.FirstResponseAt != nil && !it.FirstResponseAt.After(*it.FirstResponseDueAt)
	}
	if it.ResolutionDueAt != nil {
		c.resDue = true
		c.resIn = it.Status == inbox.StatusClosed && !closedAt.IsZero() && !closedAt.After(*it.ResolutionDueAt)
	}
	return c
}

func (c *repItem) keys() []string {
	k := func(kind byte, rest string) string { return reportKey(c.month, c.unit, kind, rest) }
	out := make([]string, 0, 6+len(c.tags))
	out = append(out, k(rkReceived, c.channel+"\x00"+c.kind), k(rkStatus, string(c.status)))
	if c.clock >= 0 {
		out = append(out, k(rkClock, string([]byte{byte(c.clock)})))
	}
	if c.work >= 0 {
		out = append(out, k(rkWorking, string([]byte{byte(c.work)})))
	}
	if c.frDue {
		out = append(out, k(rkFirstDue, "d"))
		if c.frIn {
			out = append(out, k(rkFirstDue, "i"))
		}
	}
	if c.resDue {
		out = append(out, k(rkResolveDue, "d"))
		if c.resIn {
			out = append(out, k(rkResolveDue, "i"))
		}
	}
	for _, t := range c.tags {
		out = append(out, k(rkTag, t))
	}
	return out
}

func (c *repItem) same(o *repItem) bool {
	return c.month == o.month && c.unit == o.unit && c.channel == o.channel && c.kind == o.kind &&
		c.status == o.status && c.clock == o.clock && c.work == o.work && c.frDue == o.frDue && c.frIn == o.frIn &&
		c.resDue == o.resDue && c.resIn == o.resIn && slices.Equal(c.tags, o.tags)
}

// rep adds d to report counter k (applied by applyReport at commit).
func (w *wctx) rep(k string, d int64) {
	if w.repDeltas == nil {
		w.repDeltas = map[string]int64{}
	}
	w.repDeltas[k] += d
}

// reportItem keeps the report counters in step with an item written over
// old (nil: a new item), in the same transaction (called by putItem).
func (w *wctx) reportItem(old, it *inbox.Item) error {
	closed := w.tx.Bucket(bReportClosed)
	id, err := parseID(it.ID)
	if err != nil {
		return err
	}
	var oldClosed, newClosed time.Time
	if old != nil && old.Status == inbox.StatusClosed {
		if v := closed.Get(id); len(v) == 8 {
			oldClosed = time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC()
		}
	}
	switch {
	case it.Status == inbox.StatusClosed && (old == nil || old.Status != inbox.StatusClosed):
		newClosed = w.now
		if err := closed.Put(id, putT8(nil, w.now)); err != nil {
			return err
		}
		w.rep(reportKey(w.s.monthOf(w.now), it.Unit, rkClosed, ""), 1)
	case it.Status == inbox.StatusClosed:
		newClosed = oldClosed
	case old != nil && old.Status == inbox.StatusClosed:
		if err := closed.Delete(id); err != nil {
			return err
		}
	}

	// Waiting flow: by the month the item starts or stops waiting in a unit.
	ow, nw := old != nil && old.Status.Waiting(), it.Status.Waiting()
	moved := old != nil && old.Unit != it.Unit
	at := w.now
	if old == nil {
		at = it.ReceivedAt
	}
	if ow && (!nw || moved) {
		w.rep(reportKey(w.s.monthOf(at), old.Unit, rkWaitingNet, ""), -1)
	}
	if nw && (!ow || moved) {
		w.rep(reportKey(w.s.monthOf(at), it.Unit, rkWaitingNet, ""), 1)
	}

	var oc *repItem
	if old != nil {
		c := w.contribution(old, oldClosed, nil)
		oc = &c
	}
	nc := w.contribution(it, newClosed, oc)
	if oc != nil && oc.same(&nc) {
		return nil
	}
	if oc != nil {
		for _, k := range oc.keys() {
			w.rep(k, -1)
		}
	}
	for _, k := range nc.keys() {
		w.rep(k, 1)
	}
	return nil
}

// automaticReply reports whether r was sent by inboxd on its own (an
// automatic acknowledgement) rather than by a person.
func automaticReply(r *inbox.Reply) bool { return r.Auto }

// reportReply counts a reply that became sent (called by putReply), or,
// with d = -1, one that is dropped (dropExternal).
func (w *wctx) reportReply(r, old *inbox.Reply, it *inbox.Item, d int64) {
	if r.State != inbox.ReplySent || r.SentAt == nil || (old != nil && old.State == inbox.ReplySent) {
		return
	}
	kind := byte(rkHumanReplies)
	if automaticReply(r) {
		kind = rkAutoReplies
	}
	w.rep(reportKey(w.s.monthOf(*r.SentAt), it.Unit, kind, ""), d)
}

// applyReport adds the transaction's report deltas to their counters. A
// counter never goes below zero (only the net waiting flow may): a change
// that would (the time zone changed under old items) is clamped, never an
// error that fails the operator's change.
func (w *wctx) applyReport() error {
	if len(w.repDeltas) == 0 {
		return nil
	}
	b := w.tx.Bucket(bReport)
	keys := make([]string, 0, len(w.repDeltas))
	for k, d := range w.repDeltas {
		if d != 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // sequential page writes
	for _, k := range keys {
		v := getCounter(b, k) + w.repDeltas[k]
		if v < 0 && reportKind(k) != rkWaitingNet {
			v = 0
		}
		if err := putCounter(b, k, v); err != nil {
			return err
		}
	}
	return nil
}

// reportKind is the kind byte of a report key ('?' when malformed).
func reportKind(k string) byte {
	i := strings.IndexByte(k[min(4, len(k)):], 0)
	if len(k) < 4 || i < 0 || 4+i+1 >= len(k) {
		return '?'
	}
	return k[4+i+1]
}

// splitReportKey returns a key's month, unit, kind and rest.
func splitReportKey(k []byte) (month uint32, unit string, kind byte, rest string, ok bool) {
	if len(k) < 6 {
		return 0, "", 0, "", false
	}
	month = binary.BigEndian.Uint32(k)
	i := bytes.IndexByte(k[4:], 0)
	if i < 0 || 4+i+1 >= len(k) {
		return 0, "", 0, "", false
	}
	return month, string(k[4 : 4+i]), k[4+i+1], string(k[4+i+2:]), true
}

// nextMonth and prevMonth step a year*100+month value.
func nextMonth(m uint32) uint32 {
	if m%100 == 12 {
		return (m/100+1)*100 + 1
	}
	return m + 1
}

func prevMonth(m uint32) uint32 {
	if m%100 == 1 {
		return (m/100-1)*100 + 12
	}
	return m - 1
}
