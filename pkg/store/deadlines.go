package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Histogram key kinds beside unitKey's 0x01 (office) and 0x02 (unit):
// first-response times in office time, and first responses within (bucket
// 0) or after (bucket 1) their deadline.
const (
	hkWorkingOffice = 3
	hkWorkingUnit   = 4
	hkWithinOffice  = 5
	hkWithinUnit    = 6
)

func kindKey(kind byte, unit string) []byte {
	b := make([]byte, 0, len(unit)+2)
	b = append(b, kind)
	b = append(b, unit...)
	return append(b, 0)
}

// deadlineKeys returns the working-time and within-deadline key prefixes of
// a unit (all: the office).
func deadlineKeys(unit string, all bool) (working, within []byte) {
	if all {
		return kindKey(hkWorkingOffice, ""), kindKey(hkWithinOffice, "")
	}
	return kindKey(hkWorkingUnit, unit), kindKey(hkWithinUnit, unit)
}

// fieldChange is one audited change of an item field.
type fieldChange struct{ field, from, to string }

// firstResponse records a person's first response to it at time at: the
// working-hours figure (from created_at, like the deadlines) and whether
// it met its deadline. Backfilled items only get the field.
func (w *wctx) firstResponse(it *inbox.Item, at time.Time) error {
	if it.FirstResponseAt != nil {
		return nil
	}
	a := at
	it.FirstResponseAt = &a
	if it.Backfill {
		return nil
	}
	if wt := w.s.workingTime; wt != nil {
		wk, _ := deadlineKeys(it.Unit, false)
		ok, _ := deadlineKeys("", true)
		if err := w.recordHist([][]byte{wk, ok}, at, histIndex(wt(it.CreatedAt, at))); err != nil {
			return err
		}
	}
	if it.FirstResponseDueAt != nil {
		idx := 0
		if at.After(*it.FirstResponseDueAt) {
			idx = 1
		}
		_, wu := deadlineKeys(it.Unit, false)
		_, wo := deadlineKeys("", true)
		if err := w.recordHist([][]byte{wu, wo}, at, idx); err != nil {
			return err
		}
	}
	return nil
}

// deadlineChanges brings it's deadline fields up to date after an update
// from old: a human status change to answered or closed is a first
// response; ignored items have no deadlines; a new unit, kind or priority
// recomputes them with recompute. It returns the changes to audit.
func (w *wctx) deadlineChanges(it, old *inbox.Item, recompute func(inbox.Item) (*time.Time, *time.Time)) ([]fieldChange, error) {
	var out []fieldChange
	if it.Status != old.Status && (it.Status == inbox.StatusAnswered || it.Status == inbox.StatusClosed) && it.FirstResponseAt == nil {
		if err := w.firstResponse(it, w.now); err != nil {
			return nil, err
		}
	}
	frDue, resDue := it.FirstResponseDueAt, it.ResolutionDueAt
	switch {
	case it.Status == inbox.StatusIgnored:
		frDue, resDue = nil, nil
	case recompute != nil && (it.Unit != old.Unit || it.Kind != old.Kind || it.Priority != old.Priority ||
		(old.Status == inbox.StatusIgnored && it.Status != old.Status)):
		frDue, resDue = recompute(*it)
	}
	out = append(out, setDeadlines(it, frDue, resDue)...)
	it.Overdue = it.OverdueAt(w.now)
	return out, nil
}

// setDeadlines sets it's due times and returns the changes to audit.
func setDeadlines(it *inbox.Item, fr, res *time.Time) []fieldChange {
	var out []fieldChange
	if !sameTime(fr, it.FirstResponseDueAt) {
		out = append(out, fieldChange{"first_response_due_at", fmtTime(it.FirstResponseDueAt), fmtTime(fr)})
		it.FirstResponseDueAt = fr
	}
	if !sameTime(res, it.ResolutionDueAt) {
		out = append(out, fieldChange{"resolution_due_at", fmtTime(it.ResolutionDueAt), fmtTime(res)})
		it.ResolutionDueAt = res
	}
	return out
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}

// SweepOverdue marks as overdue the items whose next deadline has passed
// by now, at most limit of them in one short write transaction, and emits
// item.overdue for each. It walks the due-time index from its start, so
// it reads only what is due. It returns how many items it changed; fewer
// than limit means nothing more is due.
func (s *Store) SweepOverdue(limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	// Look first in a read transaction: most sweeps find nothing due.
	now := s.now()
	end := putT8(nil, now)
	var due bool
	if err := s.view(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bIxDue).Cursor().First()
		due = k != nil && bytes.Compare(k[:8], end) <= 0
		return nil
	}); err != nil || !due {
		return 0, err
	}
	var n int
	err := s.write(func(w *wctx) error {
		n = 0
		end := putT8(nil, w.now)
		var ids [][]byte
		c := w.tx.Bucket(bIxDue).Cursor()
		for k, _ := c.First(); k != nil && len(ids) < limit && bytes.Compare(k[:8], end) <= 0; k, _ = c.Next() {
			if len(k) != 8+idLen {
				return fmt.Errorf("ix_due key of %d bytes", len(k))
			}
			ids = append(ids, clone(k[8:]))
		}
		for _, id := range ids {
			old, err := getItem(w.tx, id)
			if err != nil {
				return err
			}
			it := old
			it.Overdue = it.OverdueAt(w.now)
			if it.Overdue == old.Overdue {
				continue // the index is ahead of the clock's resolution
			}
			if err := w.putItem(&it, &old); err != nil {
				return err
			}
			n++
			w.emit(Event{Type: EventItemOverdue, ItemID: it.ID, Account: it.Account, Unit: it.Unit})
		}
		if n == 0 {
			w.noop = true
		}
		return nil
	})
	return n, err
}

// DeadlineWindow is the share of first responses within their deadline.
type DeadlineWindow struct {
	Count  int64   `json:"count"`  // first responses to items with a deadline
	Within int64   `json:"within"` // of them, in time
	Share  float64 `json:"share"`  // within / count; 0 when count is 0
}

// deadlineStats fills the deadline figures of st (unit, or all) from
// counters and histograms: a fixed number of reads.
func deadlineStats(tx *bolt.Tx, hc histCursors, st *Stats, unit string, all bool, nowHour uint32) {
	c := tx.Bucket(bCounters)
	get := counterCursor{c.Cursor()}.get
	st.Overdue = map[string]int64{}
	for _, o := range []string{inbox.OverdueFirstResponse, inbox.OverdueResolution} {
		k := "ov\x00" + o
		if !all {
			k = "ovu\x00" + unit + "\x00" + o
		}
		st.Overdue[o] = get(k)
	}
	if all {
		st.OverdueByUnit = map[string]int64{}
		cur := c.Cursor()
		p := []byte("ovu\x00")
		for k, v := cur.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = cur.Next() {
			rest := k[len(p):]
			i := bytes.IndexByte(rest, 0)
			if i < 0 || len(v) != 8 {
				continue
			}
			st.OverdueByUnit[string(rest[:i])] += int64(binary.BigEndian.Uint64(v))
		}
	}
	working, within := deadlineKeys(unit, all)
	st.FirstResponseWorking = map[string]ResponseWindow{}
	st.FirstResponseWithinDeadline = map[string]DeadlineWindow{}
	for _, win := range responseWindows {
		h := windowHist(hc, working, nowHour, win.hours)
		st.FirstResponseWorking[win.name] = h.window()
		d := windowHist(hc, within, nowHour, win.hours)
		dw := DeadlineWindow{Count: d[0] + d[1], Within: d[0]}
		if dw.Count > 0 {
			dw.Share = float64(dw.Within) / float64(dw.Count)
		}
		st.FirstResponseWithinDeadline[win.name] = dw
	}
}

// ActorConfig is the audit actor of changes a reloaded configuration made.
const ActorConfig = "config"

// RecomputeDeadlines sets the deadlines of every item still in progress
// (new, open, answered) to what deadlines returns for it, after the
// calendar or the policies changed, in write transactions of at most batch
// items so ingest and operators never wait long. Changes are audited as
// actor "config". It returns how many items changed.
func (s *Store) RecomputeDeadlines(ctx context.Context, deadlines func(inbox.Item) (*time.Time, *time.Time), batch int) (int, error) {
	if batch <= 0 {
		batch = 1000
	}
	total := 0
	for _, st := range []inbox.Status{inbox.StatusNew, inbox.StatusOpen, inbox.StatusAnswered} {
		p := prefix(string(st))
		var after []byte
		for {
			if err := ctx.Err(); err != nil {
				return total, err
			}
			var done bool
			err := s.write(func(w *wctx) error {
				c := w.tx.Bucket(bIxStatus).Cursor()
				k, _ := c.Seek(p)
				if after != nil {
					k, _ = c.Seek(after)
					if bytes.Equal(k, after) {
						k, _ = c.Next()
					}
				}
				var ids [][]byte
				for ; k != nil && len(ids) < batch && bytes.HasPrefix(k, p) && len(k) == len(p)+idLen; k, _ = c.Next() {
					ids = append(ids, clone(k[len(p):]))
					after = clone(k)
				}
				done = len(ids) < batch
				changed := false
				for _, id := range ids {
					old, err := getItem(w.tx, id)
					if err != nil {
						return err
					}
					it := old
					fr, res := deadlines(it)
					audits := setDeadlines(&it, fr, res)
					if len(audits) == 0 {
						continue
					}
					it.Overdue = it.OverdueAt(w.now)
					if err := w.putItem(&it, &old); err != nil {
						return err
					}
					for _, a := range audits {
						if err := w.audit(id, ActorConfig, a.field, a.from, a.to); err != nil {
							return err
						}
					}
					changed = true
					total++
					w.emit(Event{Type: EventItemUpdated, ItemID: it.ID, Account: it.Account, Unit: it.Unit})
				}
				w.noop = !changed
				return nil
			})
			if err != nil {
				return total, err
			}
			if done {
				break
			}
		}
	}
	return total, nil
}
