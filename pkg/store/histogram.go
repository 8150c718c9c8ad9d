package store

import (
	"encoding/binary"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Response-time histograms: log-scale buckets, four per doubling.
const (
	histBuckets   = 128
	histKeepHours = 31 * 24
	histKeepDays  = 31
)

type hist [histBuckets]int64

func histIndex(d time.Duration) int {
	s := d.Seconds()
	if s < 1 {
		return 0
	}
	i := 1 + int(math.Floor(4*math.Log2(s)))
	if i >= histBuckets {
		i = histBuckets - 1
	}
	return i
}

// histValue is the bucket's geometric midpoint in seconds.
func histValue(i int) float64 { return histValues[i] }

// histValues holds histValue for every bucket: Stats reads six windows per
// call, and an Exp2 per bucket was a fifth of its time. Never written after
// package init.
var histValues = func() (v [histBuckets]float64) {
	v[0] = 0.5
	for i := 1; i < histBuckets; i++ {
		v[i] = math.Exp2((float64(i-1) + 0.5) / 4)
	}
	return v
}()

// addEncoded adds the encoded record v to h.
func (h *hist) addEncoded(v []byte) {
	for len(v) > 1 {
		i := v[0]
		n, w := binary.Uvarint(v[1:])
		if w <= 0 {
			return
		}
		if int(i) < histBuckets {
			h[i] += int64(n)
		}
		v = v[1+w:]
	}
}

func (h *hist) encode() []byte {
	var b []byte
	for i, n := range h {
		if n > 0 {
			b = append(b, byte(i))
			b = binary.AppendUvarint(b, uint64(n))
		}
	}
	return b
}

func (h *hist) count() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// percentile returns the p-quantile (0<p≤1) in seconds.
func (h *hist) percentile(p float64) float64 {
	total := h.count()
	if total == 0 {
		return 0
	}
	rank := int64(math.Ceil(p * float64(total)))
	if rank < 1 {
		rank = 1
	}
	var cum int64
	for i, c := range h {
		cum += c
		if cum >= rank {
			return histValue(i)
		}
	}
	return histValue(histBuckets - 1)
}

func (h *hist) window() ResponseWindow {
	var sum float64
	for i, n := range h {
		if n != 0 {
			sum += float64(n) * histValue(i)
		}
	}
	return ResponseWindow{Count: h.count(), P50Seconds: h.percentile(0.5), P90Seconds: h.percentile(0.9), SumSeconds: sum}
}

// unitKey is the histogram key prefix of a unit, or of the whole office for
// all=true.
func unitKey(unit string, all bool) []byte {
	if all {
		return []byte{1, 0}
	}
	b := make([]byte, 0, len(unit)+2)
	b = append(b, 2)
	b = append(b, unit...)
	return append(b, 0)
}

// recordResponse counts one first response of an item of unit, answered at
// time at after d, for the unit and the office, per hour, day and month.
func (w *wctx) recordResponse(unit string, at time.Time, d time.Duration) error {
	if d < 0 {
		d = 0
	}
	return w.recordHist([][]byte{unitKey(unit, false), unitKey("", true)}, at, histIndex(d))
}

// recordHist adds one to bucket idx of the hour, day and month records of
// each key prefix, for time at.
func (w *wctx) recordHist(keys [][]byte, at time.Time, idx int) error {
	hour := uint32(at.Unix() / 3600)
	day := hour / 24
	local := at.In(w.s.loc)
	month := uint32(local.Year()*100 + int(local.Month()))
	nowHour := uint32(w.now.Unix() / 3600)
	for _, uk := range keys {
		if hour+histKeepHours > nowHour {
			if err := bumpHist(w.tx.Bucket(bRespHour), uk, hour, idx, nowHour-min(nowHour, histKeepHours)); err != nil {
				return err
			}
			if err := bumpHist(w.tx.Bucket(bRespDay), uk, day, idx, nowHour/24-min(nowHour/24, histKeepDays)); err != nil {
				return err
			}
		}
		if err := bumpHist(w.tx.Bucket(bRespMonth), uk, month, idx, 0); err != nil {
			return err
		}
	}
	return nil
}

// bumpHist adds one to bucket idx of record uk|slot; when it creates a
// record it also drops the unit's records older than keepFrom.
func bumpHist(b *bolt.Bucket, uk []byte, slot uint32, idx int, keepFrom uint32) error {
	k := putU4(append([]byte(nil), uk...), slot)
	var h hist
	old := b.Get(k)
	h.addEncoded(old)
	h[idx]++
	if err := b.Put(k, h.encode()); err != nil {
		return err
	}
	if old != nil || keepFrom == 0 {
		return nil
	}
	for {
		// Re-seek after every delete: a cursor must not outlive a change.
		ck, _ := b.Cursor().Seek(uk)
		if len(ck) != len(uk)+4 || string(ck[:len(uk)]) != string(uk) || binary.BigEndian.Uint32(ck[len(uk):]) >= keepFrom {
			return nil
		}
		if err := b.Delete(clone(ck)); err != nil {
			return err
		}
	}
}

// sumRange adds the records uk|lo..uk|hi (inclusive) under c to h.
func sumRange(c *bolt.Cursor, uk []byte, lo, hi uint32, h *hist) {
	if lo > hi {
		return
	}
	var buf [64]byte
	start := putU4(append(buf[:0], uk...), lo)
	for k, v := c.Seek(start); k != nil; k, v = c.Next() {
		if len(k) != len(uk)+4 || string(k[:len(uk)]) != string(uk) {
			return
		}
		if binary.BigEndian.Uint32(k[len(uk):]) > hi {
			return
		}
		h.addEncoded(v)
	}
}

// histCursors are one read's cursors on the hour and day histograms, shared
// by every window it sums (a cursor per range was most of Stats' garbage).
type histCursors struct{ hours, days *bolt.Cursor }

func newHistCursors(tx *bolt.Tx) histCursors {
	return histCursors{hours: tx.Bucket(bRespHour).Cursor(), days: tx.Bucket(bRespDay).Cursor()}
}

// windowHist sums the last n hours up to hour now: hour records at the
// ragged ends, day records for the whole days between (at most 24+31+24
// records read).
func windowHist(hc histCursors, uk []byte, nowHour uint32, n uint32) hist {
	var h hist
	hours, days := hc.hours, hc.days
	lo := nowHour + 1 - min(n, nowHour+1)
	hi := nowHour
	if hi-lo < 48 {
		sumRange(hours, uk, lo, hi, &h)
		return h
	}
	dLo := (lo + 23) / 24 // first whole day
	dHi := (hi+1)/24 - 1  // last whole day
	if dLo*24 > lo {
		sumRange(hours, uk, lo, dLo*24-1, &h)
	}
	sumRange(days, uk, dLo, dHi, &h)
	sumRange(hours, uk, (dHi+1)*24, hi, &h)
	return h
}
