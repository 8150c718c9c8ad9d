package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// reportBatch is how many items one backfill transaction counts.
const reportBatch = 2000

// migrateReport counts the items stored before the report counters existed,
// in write transactions of at most batch items (a crash resumes after the
// last committed batch), then takes the month-end snapshots of every past
// month. Open runs it before anything else writes. Each item's history
// (status and unit moves, closing) is replayed from its audit trail and its
// sent replies, so the counters come out as if kept live.
func (s *Store) migrateReport(batch int) error {
	var done bool
	err := s.view(func(tx *bolt.Tx) error {
		done = tx.Bucket(bMeta).Get(metaReportDone) != nil
		return nil
	})
	if err != nil || done {
		return err
	}
	start := time.Now()
	var counted int
	first := uint32(0)
	for {
		var more bool
		err := s.write(func(w *wctx) error {
			meta := w.tx.Bucket(bMeta)
			c := w.tx.Bucket(bItems).Cursor()
			var k, v []byte
			if at := meta.Get(metaReportAt); at != nil {
				k, v = c.Seek(at)
				if bytes.Equal(k, at) {
					k, v = c.Next()
				}
			} else {
				k, v = c.First()
			}
			var last []byte
			for n := 0; k != nil && n < batch; k, v = c.Next() {
				var it inbox.Item
				if err := json.Unmarshal(v, &it); err != nil {
					return fmt.Errorf("item %s: %w", idString(k), err)
				}
				if first == 0 {
					first = w.s.monthOf(it.ReceivedAt)
				}
				if err := w.backfillItem(clone(k), &it); err != nil {
					return err
				}
				n++
				counted++
				last = clone(k)
			}
			more = k != nil
			if last != nil {
				return meta.Put(metaReportAt, last)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("report counters: %w", err)
		}
		if !more {
			break
		}
	}
	err = s.write(func(w *wctx) error {
		meta := w.tx.Bucket(bMeta)
		cur := w.s.monthOf(w.now)
		from := prevMonth(cur)
		if first != 0 && first < cur {
			from = prevMonth(first)
		}
		if err := meta.Put(metaReportSnap, putU4(nil, from)); err != nil {
			return err
		}
		if err := closeMonths(w.tx, cur); err != nil {
			return err
		}
		return meta.Put(metaReportDone, []byte{1})
	})
	if err != nil {
		return fmt.Errorf("report counters: %w", err)
	}
	if counted > 0 {
		s.log.Info("monthly report counters filled for the items stored before them", "items", counted, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// itemState is an item's status and unit at one moment of its history.
type itemState struct {
	status inbox.Status
	unit   string
}

// backfillItem adds one stored item's counters: its cohort contribution
// now, and the flows of its history replayed from the audit trail.
func (w *wctx) backfillItem(iid []byte, it *inbox.Item) error {
	var entries []inbox.AuditEntry
	c := w.tx.Bucket(bAudit).Cursor()
	for k, v := c.Seek(iid); k != nil && len(k) == 2*idLen && bytes.Equal(k[:idLen], iid); k, v = c.Next() {
		var e inbox.AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("audit entry of %s: %w", idString(iid), err)
		}
		if e.Field != "status" && e.Field != "unit" {
			continue
		}
		// What a routing rule set at ingest is the item's first state.
		if strings.HasPrefix(e.Actor, ActorRulePrefix) && e.At.Equal(it.ReceivedAt) {
			continue
		}
		entries = append(entries, e)
	}
	apply := func(st *itemState, e inbox.AuditEntry, undo bool) {
		v := e.To
		if undo {
			v = e.From
		}
		if e.Field == "status" {
			st.status = inbox.Status(v)
		} else {
			st.unit = v
		}
	}
	st := itemState{it.Status, it.Unit}
	for i := len(entries) - 1; i >= 0; i-- {
		apply(&st, entries[i], true)
	}
	// Replay: the state after each group of entries written together.
	type step struct {
		at time.Time
		st itemState
	}
	steps := []step{{it.ReceivedAt, st}}
	if st.status.Waiting() {
		w.rep(reportKey(w.s.monthOf(it.ReceivedAt), st.unit, rkWaitingNet, ""), 1)
	}
	var closedAt time.Time
	for i := 0; i < len(entries); {
		at, before := entries[i].At, st
		for ; i < len(entries) && entries[i].At.Equal(at); i++ {
			apply(&st, entries[i], false)
		}
		m := w.s.monthOf(at)
		ow, nw, moved := before.status.Waiting(), st.status.Waiting(), before.unit != st.unit
		if ow && (!nw || moved) {
			w.rep(reportKey(m, before.unit, rkWaitingNet, ""), -1)
		}
		if nw && (!ow || moved) {
			w.rep(reportKey(m, st.unit, rkWaitingNet, ""), 1)
		}
		if st.status == inbox.StatusClosed && before.status != inbox.StatusClosed {
			closedAt = at.UTC()
			w.rep(reportKey(m, st.unit, rkClosed, ""), 1)
		}
		steps = append(steps, step{at, st})
	}
	if it.Status == inbox.StatusClosed {
		if closedAt.IsZero() {
			closedAt = it.ReceivedAt // closed without an audit trail: say at once
		}
		if err := w.tx.Bucket(bReportClosed).Put(iid, putT8(nil, closedAt)); err != nil {
			return err
		}
	} else {
		closedAt = time.Time{}
	}
	ci := w.contribution(it, closedAt, nil)
	for _, k := range ci.keys() {
		w.rep(k, 1)
	}
	// Sent replies, in the unit the item was in when each was sent.
	rc := w.tx.Bucket(bRxItem).Cursor()
	for k, _ := rc.Seek(iid); k != nil && len(k) == 2*idLen && bytes.Equal(k[:idLen], iid); k, _ = rc.Next() {
		r, err := getReply(w.tx, k[idLen:])
		if err != nil {
			return err
		}
		if r.State != inbox.ReplySent || r.SentAt == nil {
			continue
		}
		unit := steps[0].st.unit
		for _, s := range steps {
			if s.at.After(*r.SentAt) {
				break
			}
			unit = s.st.unit
		}
		at := *it
		at.Unit = unit
		w.reportReply(&r, nil, &at, 1)
	}
	return nil
}

// CloseMonths takes the month-end backlog snapshot of every month that has
// ended since the last one taken (several after downtime over a boundary;
// none when it is up to date: then it only reads). The daemon calls it when
// it starts and at every month boundary. It returns the months closed.
func (s *Store) CloseMonths() ([]string, error) {
	cur := s.monthOf(s.now())
	var need bool
	if err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bMeta).Get(metaReportSnap)
		need = len(v) == 4 && nextMonth(binary.BigEndian.Uint32(v)) < cur
		return nil
	}); err != nil || !need {
		return nil, err
	}
	var closed []string
	err := s.write(func(w *wctx) error {
		closed = nil
		v := w.tx.Bucket(bMeta).Get(metaReportSnap)
		if len(v) != 4 {
			w.noop = true
			return nil
		}
		for m := nextMonth(binary.BigEndian.Uint32(v)); m < w.s.monthOf(w.now); m = nextMonth(m) {
			closed = append(closed, fmt.Sprintf("%04d-%02d", m/100, m%100))
		}
		if len(closed) == 0 {
			w.noop = true
			return nil
		}
		return closeMonths(w.tx, w.s.monthOf(w.now))
	})
	return closed, err
}

// closeMonths writes the backlog snapshot of each month after the last
// snapshot and before cur, and moves the mark to the month before cur.
// The backlog at the end of month M is the items waiting now, less the net
// waiting flow of every month after M (what came in since, minus what left).
func closeMonths(tx *bolt.Tx, cur uint32) error {
	meta, rb := tx.Bucket(bMeta), tx.Bucket(bReport)
	v := meta.Get(metaReportSnap)
	if len(v) != 4 {
		return nil
	}
	last := binary.BigEndian.Uint32(v)
	if nextMonth(last) >= cur {
		return nil
	}
	waiting := waitingNow(tx)
	// net[m][unit] for every month after last (a few months: the scan
	// covers only months whose snapshot is missing, and the current one).
	net := map[uint32]map[string]int64{}
	c := rb.Cursor()
	for k, v := c.Seek(putU4(nil, nextMonth(last))); k != nil; k, v = c.Next() {
		m, unit, kind, _, ok := splitReportKey(k)
		if !ok || kind != rkWaitingNet || len(v) != 8 {
			continue
		}
		if net[m] == nil {
			net[m] = map[string]int64{}
		}
		net[m][unit] += int64(binary.BigEndian.Uint64(v))
	}
	// Walk back from now: the backlog at the end of the month before cur
	// is the waiting items less the net flow of cur (and of any later month
	// a skewed clock wrote); each earlier month's is that less its
	// successor's net flow.
	backlog := waiting
	for m, byUnit := range net {
		if m >= cur {
			for u, n := range byUnit {
				backlog[u] -= n
			}
		}
	}
	for m := prevMonth(cur); m > last; m = prevMonth(m) {
		for u, n := range backlog {
			if n <= 0 {
				continue
			}
			if err := rb.Put([]byte(reportKey(m, u, rkBacklog, "")), binary.BigEndian.AppendUint64(nil, uint64(n))); err != nil {
				return err
			}
		}
		for u, n := range net[m] {
			backlog[u] -= n
		}
	}
	return meta.Put(metaReportSnap, putU4(nil, prevMonth(cur)))
}

// waitingNow reads the items waiting (new, open) per unit from the counters.
func waitingNow(tx *bolt.Tx) map[string]int64 {
	out := map[string]int64{}
	m := map[string]inbox.StatusCounts{}
	scanUnitStatus(tx.Bucket(bCounters), map[string]int64{}, m)
	for u, st := range m {
		if n := st.Get(inbox.StatusNew) + st.Get(inbox.StatusOpen); n != 0 {
			out[u] = n
		}
	}
	return out
}
