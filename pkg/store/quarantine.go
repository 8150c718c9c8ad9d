package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"
	bolt "go.etcd.io/bbolt"
)

// Defaults of QuarantineLimits.
const (
	DefaultQuarantineMaxRecords  = 10000
	DefaultQuarantineMaxAge      = 30 * 24 * time.Hour
	DefaultQuarantineMaxRawBytes = 64 << 10
	// maxReasonBytes bounds a quarantine reason; reasons are one sentence.
	maxReasonBytes = 1024
)

// QuarantineLimits bound the quarantine: the oldest records go first once
// there are more than MaxRecords (all accounts together), and any record
// older than MaxAge goes when the next one arrives or at Open. Raw payloads
// are cut to MaxRawBytes.
type QuarantineLimits struct {
	MaxRecords  int
	MaxAge      time.Duration
	MaxRawBytes int
}

func (l QuarantineLimits) withDefaults() QuarantineLimits {
	if l.MaxRecords <= 0 {
		l.MaxRecords = DefaultQuarantineMaxRecords
	}
	if l.MaxAge <= 0 {
		l.MaxAge = DefaultQuarantineMaxAge
	}
	if l.MaxRawBytes <= 0 {
		l.MaxRawBytes = DefaultQuarantineMaxRawBytes
	}
	return l
}

// Rejected is a record a poll got but that cannot become an item: the
// connector could not normalise it, or the store refused it.
type Rejected struct {
	Source     string // where it was read: a connector source, an item kind
	ExternalID string // the platform's id, when it could be read
	Reason     string // for an operator: what is wrong with it
	Raw        []byte // the record as the platform sent it
}

// QuarantineRecord is a quarantined record, as GET /api/v1/quarantine
// serves it.
type QuarantineRecord struct {
	ID           string    `json:"id"`
	Account      string    `json:"account"`
	Source       string    `json:"source"`
	ExternalID   string    `json:"external_id"`
	Reason       string    `json:"reason"`
	At           time.Time `json:"at"`
	Raw          string    `json:"raw"`
	RawTruncated bool      `json:"raw_truncated,omitempty"`
}

// QuarantineSummary is what an account's quarantine holds.
type QuarantineSummary struct {
	Count      int        `json:"count"`
	LastReason string     `json:"last_reason,omitempty"`
	LastAt     *time.Time `json:"last_at,omitempty"`
}

// quarantine writes records of one account and prunes to the limits. A
// record already quarantined (same source and external id) is skipped; it
// returns how many were written.
func (w *wctx) quarantine(account string, recs []Rejected) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	lim := w.s.quarantineLimits
	qb, ix, dd := w.tx.Bucket(bQuarantine), w.tx.Bucket(bQxAccount), w.tx.Bucket(bQDedup)
	sum, err := getSummary(w.tx, account)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range recs {
		var dk []byte
		if r.ExternalID != "" {
			dk = qDedupKey(account, r.Source, r.ExternalID)
			if dd.Get(dk) != nil {
				continue
			}
		}
		id := w.s.newID(w.now)
		if dk != nil {
			if err := dd.Put(dk, id); err != nil {
				return 0, err
			}
		}
		raw, cut := truncateUTF8(r.Raw, lim.MaxRawBytes)
		rec := QuarantineRecord{
			ID: idString(id), Account: account, Source: r.Source, ExternalID: r.ExternalID,
			Reason: string(truncateText(r.Reason, maxReasonBytes)), At: w.now,
			Raw: string(raw), RawTruncated: cut,
		}
		v, err := json.Marshal(rec)
		if err != nil {
			return 0, err
		}
		if err := qb.Put(id, v); err != nil {
			return 0, err
		}
		if err := ix.Put(withID(prefix(account), id), nil); err != nil {
			return 0, err
		}
		n++
		sum.Count++
		sum.LastReason = rec.Reason
		at := w.now
		sum.LastAt = &at
	}
	if n == 0 {
		return 0, nil
	}
	if err := putSummary(w.tx, account, sum); err != nil {
		return 0, err
	}
	return n, pruneQuarantine(w.tx, lim, w.now)
}

// qDedupKey is account|source|external_id; the source may hold anything
// a connector named, so it is cut at a 0x00.
func qDedupKey(account, source, externalID string) []byte {
	source, _, _ = strings.Cut(source, "\x00")
	return []byte(account + "\x00" + source + "\x00" + externalID)
}

// pruneQuarantine drops records past the age limit, then the oldest ones
// past the count limit. Ids sort by time, so both walk from the first key.
func pruneQuarantine(tx *bolt.Tx, lim QuarantineLimits, now time.Time) error {
	total := 0
	if err := tx.Bucket(bQSummary).ForEach(func(_, v []byte) error {
		var s QuarantineSummary
		if err := json.Unmarshal(v, &s); err != nil {
			return err
		}
		total += s.Count
		return nil
	}); err != nil {
		return err
	}
	cutoff := now.Add(-lim.MaxAge)
	qb := tx.Bucket(bQuarantine)
	drop := map[string]int{}
	var dead [][]byte
	c := qb.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var id ulid.ULID
		copy(id[:], k)
		if total-len(dead) <= lim.MaxRecords && !ulid.Time(id.Time()).Before(cutoff) {
			break
		}
		var r QuarantineRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("quarantine record %s: %w", idString(k), err)
		}
		drop[r.Account]++
		dead = append(dead, clone(k))
		if err := tx.Bucket(bQxAccount).Delete(withID(prefix(r.Account), k)); err != nil {
			return err
		}
		if r.ExternalID != "" {
			dk := qDedupKey(r.Account, r.Source, r.ExternalID)
			if bytes.Equal(tx.Bucket(bQDedup).Get(dk), k) {
				if err := tx.Bucket(bQDedup).Delete(dk); err != nil {
					return err
				}
			}
		}
	}
	for _, k := range dead {
		if err := qb.Delete(k); err != nil {
			return err
		}
	}
	for account, n := range drop {
		s, err := getSummary(tx, account)
		if err != nil {
			return err
		}
		s.Count = max(0, s.Count-n)
		if err := putSummary(tx, account, s); err != nil {
			return err
		}
	}
	return nil
}

func getSummary(tx *bolt.Tx, account string) (QuarantineSummary, error) {
	var s QuarantineSummary
	v := tx.Bucket(bQSummary).Get([]byte(account))
	if v == nil {
		return s, nil
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return s, fmt.Errorf("quarantine summary of %q: %w", account, err)
	}
	return s, nil
}

func putSummary(tx *bolt.Tx, account string, s QuarantineSummary) error {
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return tx.Bucket(bQSummary).Put([]byte(account), v)
}

// QuarantineSummaries returns what each account's quarantine holds, by
// account name (accounts that never quarantined anything are absent).
func (s *Store) QuarantineSummaries() (map[string]QuarantineSummary, error) {
	out := map[string]QuarantineSummary{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bQSummary).ForEach(func(k, v []byte) error {
			var q QuarantineSummary
			if err := json.Unmarshal(v, &q); err != nil {
				return fmt.Errorf("quarantine summary of %q: %w", k, err)
			}
			out[string(k)] = q
			return nil
		})
	})
	return out, err
}

// Quarantine lists quarantined records newest first, of one account or
// (account "") of all, at most limit, starting after cursor (the last id of
// the previous page; "" for the first). next is "" on the last page.
func (s *Store) Quarantine(account, cursor string, limit int) (recs []QuarantineRecord, next string, err error) {
	if limit <= 0 {
		limit = 50
	}
	var after []byte
	if cursor != "" {
		if after, err = parseID(cursor); err != nil {
			return nil, "", fmt.Errorf("quarantine cursor %q: %w", cursor, ErrInvalidCursor)
		}
	}
	recs = []QuarantineRecord{}
	err = s.view(func(tx *bolt.Tx) error {
		qb := tx.Bucket(bQuarantine)
		var c *bolt.Cursor
		var p []byte
		if account == "" {
			c = qb.Cursor()
		} else {
			c, p = tx.Bucket(bQxAccount).Cursor(), prefix(account)
		}
		var k []byte
		if after != nil {
			k, _ = seekBefore(c, withID(p, after))
		} else {
			k, _ = seekBefore(c, append(bytes.Clone(p), bytes.Repeat([]byte{0xff}, idLen+1)...))
		}
		for ; k != nil && bytes.HasPrefix(k, p) && len(k) == len(p)+idLen; k, _ = c.Prev() {
			if len(recs) == limit {
				next = recs[len(recs)-1].ID
				return nil
			}
			v := qb.Get(k[len(p):])
			if v == nil {
				continue
			}
			var r QuarantineRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("quarantine record %s: %w", idString(k[len(p):]), err)
			}
			recs = append(recs, r)
		}
		return nil
	})
	return recs, next, err
}

// seekBefore positions c on the last key below k.
func seekBefore(c *bolt.Cursor, k []byte) ([]byte, []byte) {
	if got, _ := c.Seek(k); got == nil {
		return c.Last()
	}
	return c.Prev()
}

// truncateUTF8 cuts b to at most n bytes without splitting a character.
func truncateUTF8(b []byte, n int) ([]byte, bool) {
	if len(b) <= n {
		return b, false
	}
	b = b[:n]
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return b, true
}

func truncateText(s string, n int) []byte {
	b, cut := truncateUTF8([]byte(s), n)
	if cut {
		b = append(b, "…"...)
	}
	return b
}
