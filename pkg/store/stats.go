package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Response windows of Stats, in hours.
var responseWindows = []struct {
	name  string
	hours uint32
}{{"24h", 24}, {"7d", 7 * 24}, {"30d", 30 * 24}}

// The office-wide counter keys Stats reads, made once.
var (
	officeStatusKeys    = counterKeys("st\x00", inbox.Statuses)
	officeReplyKeys     = counterKeys("rs\x00", inbox.ReplyStates)
	officeAutoReplyKeys = counterKeys("ra\x00", inbox.ReplyStates)
)

func counterKeys[S ~string](p string, names []S) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + string(n)
	}
	return out
}

// Stats reads the counters in one read transaction; unit "" is the whole
// office ("-" is the items without unit). It reads a fixed number of
// records whatever the queue size: for the whole office, one per unit and
// status for ByUnitStatus.
func (s *Store) Stats(unit string) (Stats, error) {
	all := unit == ""
	if unit == "-" {
		unit = ""
	}
	now := s.now().UTC()
	st := Stats{
		ByStatus:  map[inbox.Status]int64{},
		ByChannel: map[inbox.Channel]int64{},
		ByAccount: map[string]int64{},
		// Sized by the units the last call found: growing a map step by
		// step was a third of the call, and a fixed large size costs as much.
		ByUnit:        make(map[string]int64, s.statsUnits.Load()),
		ByUnitStatus:  make(map[string]inbox.StatusCounts, s.statsUnits.Load()),
		FirstResponse: map[string]ResponseWindow{},
		Replies:       map[inbox.ReplyState]int64{},
		AutoReplies:   map[inbox.ReplyState]int64{},
	}
	if !all {
		st.Unit = unit
		if st.Unit == "" {
			st.Unit = "-"
		}
	}
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bCounters)
		get := counterCursor{c.Cursor()}.get
		for i, status := range inbox.Statuses {
			k := officeStatusKeys[i]
			if !all {
				k = "su\x00" + unit + "\x00" + string(status)
			}
			st.ByStatus[status] = get(k)
		}
		for i, state := range inbox.ReplyStates {
			k := officeReplyKeys[i]
			if !all {
				k = "rsu\x00" + unit + "\x00" + string(state)
			}
			st.Replies[state] = get(k)
			k = officeAutoReplyKeys[i]
			if !all {
				k = "rau\x00" + unit + "\x00" + string(state)
			}
			st.AutoReplies[state] = get(k)
		}
		if all {
			st.RepliesNeedingDecision = get("rd")
		} else {
			st.RepliesNeedingDecision = get("rdu\x00" + unit)
		}
		if all {
			scanCounters(c, "tc\x00", func(k string, v int64) { st.ByChannel[inbox.Channel(k)] = v })
			scanCounters(c, "ta\x00", func(k string, v int64) { st.ByAccount[k] = v })
			scanUnitStatus(c, st.ByUnit, st.ByUnitStatus)
		} else {
			scanCounters(c, "tuc\x00"+unit+"\x00", func(k string, v int64) { st.ByChannel[inbox.Channel(k)] = v })
			scanCounters(c, "tua\x00"+unit+"\x00", func(k string, v int64) { st.ByAccount[k] = v })
			if n := get("tu\x00" + unit); n > 0 {
				st.ByUnit[unit] = n
				var counts inbox.StatusCounts
				for status, n := range st.ByStatus {
					counts.Add(status, n)
				}
				st.ByUnitStatus[unit] = counts
			}
		}
		// Oldest waiting: ids are given in received order, so it is the
		// first id under new or open in the status index (two seeks).
		for _, status := range []inbox.Status{inbox.StatusNew, inbox.StatusOpen} {
			b, p := tx.Bucket(bIxStatus), prefix(string(status))
			if !all {
				b, p = tx.Bucket(bIxStatusUnit), prefix(string(status), unit)
			}
			k, v := b.Cursor().Seek(p)
			if len(k) != len(p)+idLen || !bytes.HasPrefix(k, p) || len(v) != 8 {
				continue
			}
			t := time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC()
			if st.OldestWaiting == nil || t.Before(*st.OldestWaiting) {
				st.OldestWaiting = &t
			}
		}
		if st.OldestWaiting != nil {
			st.OldestAgeSec = max(0, now.Sub(*st.OldestWaiting).Seconds())
		}
		uk := unitKey(unit, all)
		nowHour := uint32(now.Unix() / 3600)
		hc := newHistCursors(tx)
		for _, w := range responseWindows {
			h := windowHist(hc, uk, nowHour, w.hours)
			st.FirstResponse[w.name] = h.window()
		}
		deadlineStats(tx, hc, &st, unit, all, nowHour)
		return nil
	})
	st.Waiting = st.ByStatus[inbox.StatusNew] + st.ByStatus[inbox.StatusOpen]
	if all {
		s.statsUnits.Store(int32(len(st.ByUnitStatus)))
	}
	return st, err
}

// Monthly returns first-response figures for a calendar month in
// Options.Location; unit "" is the whole office, "-" the items without unit.
func (s *Store) Monthly(unit string, year int, month time.Month) (MonthReport, error) {
	if month < time.January || month > time.December || year < 1 || year > 9999 {
		return MonthReport{}, &ValidationError{Field: "month", Message: fmt.Sprintf("%04d-%02d is not a month", year, int(month))}
	}
	all := unit == ""
	r := MonthReport{Month: fmt.Sprintf("%04d-%02d", year, int(month)), Unit: unit}
	if unit == "-" {
		unit = ""
	}
	err := s.view(func(tx *bolt.Tx) error {
		var h hist
		k := putU4(unitKey(unit, all), uint32(year*100+int(month)))
		h.addEncoded(tx.Bucket(bRespMonth).Get(k))
		w := h.window()
		r.Count, r.P50Seconds, r.P90Seconds = w.Count, w.P50Seconds, w.P90Seconds
		return nil
	})
	return r, err
}

// counterCursor reads counters through one cursor: a Bucket.Get makes a
// cursor, and its stack, per call; Stats reads a few dozen.
type counterCursor struct{ c *bolt.Cursor }

func (cc counterCursor) get(k string) int64 {
	if kk, v := cc.c.Seek([]byte(k)); string(kk) == k && len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

func getCounter(b *bolt.Bucket, k string) int64 {
	if v := b.Get([]byte(k)); len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

// putCounter stores a counter; a zero one is deleted, so a bucket holds
// only the counts that are not zero.
func putCounter(b *bolt.Bucket, k string, v int64) error {
	if v == 0 {
		return b.Delete([]byte(k))
	}
	return b.Put([]byte(k), binary.BigEndian.AppendUint64(nil, uint64(v)))
}

// scanUnitStatus reads every "su|unit|status" counter into byUnitStatus,
// and each unit's total (the sum over its statuses, which is what its
// "tu|unit" counter holds: an item counts in one status) into byUnit. It
// allocates only a unit's name, once per unit: Stats("") calls it on every
// dashboard refresh.
func scanUnitStatus(b *bolt.Bucket, byUnit map[string]int64, byUnitStatus map[string]inbox.StatusCounts) {
	p := []byte("su\x00")
	c := b.Cursor()
	var unit string
	var counts inbox.StatusCounts
	seen := false
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		u, status, ok := bytes.Cut(k[len(p):], []byte{0})
		st, known := statusOf(status)
		if !ok || !known || len(v) != 8 {
			continue
		}
		if !seen || unit != string(u) { // keys come grouped by unit
			if seen {
				byUnitStatus[unit] = counts
			}
			seen, unit, counts = true, string(u), inbox.StatusCounts{}
		}
		n := int64(binary.BigEndian.Uint64(v))
		counts.Add(st, n)
		byUnit[unit] += n
	}
	if seen {
		byUnitStatus[unit] = counts
	}
}

// statusOf is the status named b, without allocating.
func statusOf(b []byte) (inbox.Status, bool) {
	for _, st := range inbox.Statuses {
		if string(st) == string(b) {
			return st, true
		}
	}
	return "", false
}

// scanCounters calls fn with the rest of each key under p that has no
// further 0x00 (so "tu|" does not pick up "tua|" keys).
func scanCounters(b *bolt.Bucket, p string, fn func(rest string, v int64)) {
	c := b.Cursor()
	for k, v := c.Seek([]byte(p)); k != nil && strings.HasPrefix(string(k), p); k, v = c.Next() {
		rest := string(k[len(p):])
		if strings.IndexByte(rest, 0) >= 0 || len(v) != 8 {
			continue
		}
		fn(rest, int64(binary.BigEndian.Uint64(v)))
	}
}

// UnitCounts is one unit's items per status, from the counters.
type UnitCounts struct {
	Total    int64                  `json:"total"`
	Waiting  int64                  `json:"waiting"` // new and open
	ByStatus map[inbox.Status]int64 `json:"by_status"`
}

// CountsByUnit returns every unit that has items, with its counts per
// status ("" is the items without unit). It reads the per-unit counters
// only: a few records per unit, whatever the queue size.
func (s *Store) CountsByUnit() (map[string]UnitCounts, error) {
	out := map[string]UnitCounts{}
	err := s.view(func(tx *bolt.Tx) error {
		const p = "su\x00"
		c := tx.Bucket(bCounters).Cursor()
		for k, v := c.Seek([]byte(p)); k != nil && strings.HasPrefix(string(k), p); k, v = c.Next() {
			unit, status, ok := strings.Cut(string(k[len(p):]), "\x00")
			if !ok || len(v) != 8 {
				continue
			}
			n := int64(binary.BigEndian.Uint64(v))
			if n == 0 {
				continue
			}
			uc, seen := out[unit]
			if !seen {
				uc.ByStatus = map[inbox.Status]int64{}
			}
			st := inbox.Status(status)
			uc.ByStatus[st] = n
			uc.Total += n
			if st.Waiting() {
				uc.Waiting += n
			}
			out[unit] = uc
		}
		return nil
	})
	return out, err
}
