package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// ixEntry is one index key of an item or reply.
type ixEntry struct {
	bucket []byte
	key    []byte
	val    []byte // nil but for the status indexes (received_at, t8)
}

// itemIndex lists every index entry of an item (see doc.go). The keys
// share one buffer: ingest calls this for every item.
func itemIndex(it *inbox.Item, id []byte) []ixEntry {
	st, ch := string(it.Status), string(it.Channel)
	n := 6*idLen + 2*len(st) + len(it.Unit) + len(it.Account) + len(ch) + len(it.Kind) + 16
	if it.Assignee != "" {
		n += len(it.Assignee) + 1 + idLen
	}
	for _, t := range it.Tags {
		n += len(t) + 1 + idLen
	}
	if it.ThreadID != "" {
		n += len(ch) + len(it.Account) + len(it.ThreadID) + len(it.Author.ID) + 4 + idLen
	}
	n += len(it.ExternalRef) + 1 + idLen
	buf := make([]byte, 0, n)
	e := make([]ixEntry, 0, 6+len(it.Tags))
	add := func(b []byte, parts ...string) {
		start := len(buf)
		for _, p := range parts {
			buf = append(buf, p...)
			buf = append(buf, 0)
		}
		buf = append(buf, id...)
		e = append(e, ixEntry{bucket: b, key: buf[start:len(buf):len(buf)]})
	}
	recv := putT8(nil, it.ReceivedAt)
	add(bIxStatus, st)
	e[0].val = recv
	add(bIxStatusUnit, st, it.Unit)
	e[1].val = recv
	add(bIxAccount, it.Account)
	add(bIxChannelKind, ch, string(it.Kind))
	if it.Assignee != "" {
		add(bIxAssignee, it.Assignee)
	}
	for _, t := range it.Tags {
		add(bIxTag, t)
	}
	if it.ThreadID != "" {
		add(bIxThreadAuthor, ch, it.Account, it.ThreadID, it.Author.ID)
	}
	if it.ExternalRef != "" {
		add(bIxExtRef, it.ExternalRef)
	}
	if due := it.NextDue(); due != nil {
		e = append(e, ixEntry{bucket: bIxDue, key: putT8(make([]byte, 0, 8+idLen), *due)})
		e[len(e)-1].key = append(e[len(e)-1].key, id...)
	}
	if it.Overdue != "" {
		e = append(e, ixEntry{bucket: bIxOverdue, key: clone(id)})
	}
	return e
}

// itemCounters lists the counter keys an item counts in (see doc.go).
func itemCounters(it *inbox.Item) []string {
	st, ch, u, a := string(it.Status), string(it.Channel), it.Unit, it.Account
	keys := []string{
		"st\x00" + st,
		"su\x00" + u + "\x00" + st,
		"sa\x00" + a + "\x00" + st,
		"sc\x00" + ch + "\x00" + st,
		"tu\x00" + u,
		"ta\x00" + a,
		"tc\x00" + ch,
		"tua\x00" + u + "\x00" + a,
		"tuc\x00" + u + "\x00" + ch,
	}
	if it.Overdue != "" {
		keys = append(keys, "ov\x00"+it.Overdue, "ovu\x00"+u+"\x00"+it.Overdue)
	}
	return keys
}

func replyCounters(r *inbox.Reply, unit string) []string {
	all, per := "rs\x00", "rsu\x00"
	if r.Auto { // acknowledgements count apart: they are not people's replies
		all, per = "ra\x00", "rau\x00"
	}
	keys := []string{all + string(r.State), per + unit + "\x00" + string(r.State)}
	if r.NeedsDecision {
		keys = append(keys, "rd", "rdu\x00"+unit)
	}
	return keys
}

// countItem adds d to every counter of it; the key lists are cached per
// transaction, since a page's items share a few combinations.
func (w *wctx) countItem(it *inbox.Item, d int64) {
	ck := [5]string{string(it.Status), it.Unit, it.Account, string(it.Channel), it.Overdue}
	keys, ok := w.counterKeys[ck]
	if !ok {
		keys = itemCounters(it)
		if w.counterKeys == nil {
			w.counterKeys = map[[5]string][]string{}
		}
		w.counterKeys[ck] = keys
	}
	w.count(keys, d)
}

func (w *wctx) count(keys []string, d int64) {
	for _, k := range keys {
		w.deltas[k] += d
	}
}

func (w *wctx) applyDeltas() error {
	b := w.tx.Bucket(bCounters)
	for k, d := range w.deltas {
		if d == 0 {
			continue
		}
		v := getCounter(b, k) + d
		if v < 0 {
			return fmt.Errorf("counter %q would go negative (%d): index and counters disagree", k, v)
		}
		if err := putCounter(b, k, v); err != nil {
			return err
		}
	}
	return nil
}

// updateIndex removes old entries not in new and adds new entries not in old.
func (w *wctx) updateIndex(old, new []ixEntry) error {
	seen := make(map[string]bool, len(old))
	for _, e := range new {
		seen[string(e.bucket)+"\x00"+string(e.key)] = true
	}
	kept := make(map[string]bool, len(old))
	for _, e := range old {
		k := string(e.bucket) + "\x00" + string(e.key)
		if seen[k] {
			kept[k] = true
			continue
		}
		if err := w.tx.Bucket(e.bucket).Delete(e.key); err != nil {
			return err
		}
	}
	for _, e := range new {
		if kept[string(e.bucket)+"\x00"+string(e.key)] {
			continue
		}
		if err := w.tx.Bucket(e.bucket).Put(e.key, e.val); err != nil {
			return err
		}
	}
	return nil
}

// putItem stores it (a new item when old is nil), keeping indexes and
// counters in step.
func (w *wctx) putItem(it *inbox.Item, old *inbox.Item) error {
	id, err := parseID(it.ID)
	if err != nil {
		return err
	}
	raw, err := marshalItem(it)
	if err != nil {
		return err
	}
	if err := w.tx.Bucket(bItems).Put(id, raw); err != nil {
		return err
	}
	var oldIx []ixEntry
	if old != nil {
		oldIx = itemIndex(old, id)
		w.countItem(old, -1)
	}
	w.countItem(it, 1)
	if err := w.reportItem(old, it); err != nil {
		return err
	}
	if old == nil { // fast path for ingest: nothing to diff
		for _, e := range itemIndex(it, id) {
			if err := w.tx.Bucket(e.bucket).Put(e.key, e.val); err != nil {
				return err
			}
		}
		return nil
	}
	return w.updateIndex(oldIx, itemIndex(it, id))
}

func getItem(tx *bolt.Tx, id []byte) (inbox.Item, error) {
	var it inbox.Item
	v := tx.Bucket(bItems).Get(id)
	if v == nil {
		return it, fmt.Errorf("item %s: %w", idString(id), ErrNotFound)
	}
	if err := json.Unmarshal(v, &it); err != nil {
		return it, fmt.Errorf("item %s: decode: %w", idString(id), err)
	}
	return it, nil
}

func getItemByID(tx *bolt.Tx, id string) (inbox.Item, []byte, error) {
	b, err := parseID(id)
	if err != nil {
		return inbox.Item{}, nil, err
	}
	it, err := getItem(tx, b)
	return it, b, err
}

// threadKey groups an item with the others of its conversation; an item
// without thread is a thread of its own.
func threadKey(it *inbox.Item) string {
	t := it.ThreadID
	if t == "" {
		t = "#" + it.ExternalID
	}
	return string(it.Channel) + "\x00" + it.Account + "\x00" + t
}

// audit records one change of an item.
func (w *wctx) audit(itemID []byte, actor, field, from, to string) error {
	e := inbox.AuditEntry{At: w.now, Actor: actor, Field: field, From: from, To: to}
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return w.tx.Bucket(bAudit).Put(withID(itemID, w.s.newID(w.now)), raw)
}

// answer marks it answered at time at, with every earlier waiting item of
// the same thread from the same author, and feeds first-response counters.
func (w *wctx) answer(it *inbox.Item, at time.Time, actor string) error {
	targets := []inbox.Item{*it}
	if it.ThreadID != "" {
		p := prefix(string(it.Channel), it.Account, it.ThreadID, it.Author.ID)
		c := w.tx.Bucket(bIxThreadAuthor).Cursor()
		var ids [][]byte
		for k, _ := c.Seek(p); k != nil && len(k) == len(p)+idLen && string(k[:len(p)]) == string(p); k, _ = c.Next() {
			ids = append(ids, clone(k[len(p):]))
		}
		for _, id := range ids {
			if idString(id) == it.ID {
				continue
			}
			o, err := getItem(w.tx, id)
			if err != nil {
				return err
			}
			if o.Waiting() && !o.CreatedAt.After(it.CreatedAt) {
				targets = append(targets, o)
			}
		}
	}
	for i := range targets {
		old := targets[i]
		t := old
		changed := false
		if t.Waiting() {
			t.Status = inbox.StatusAnswered
			changed = true
		}
		if t.FirstResponseAt == nil {
			if err := w.firstResponse(&t, at); err != nil {
				return err
			}
			changed = true
		}
		if t.AnsweredAt == nil {
			a := at
			t.AnsweredAt = &a
			changed = true
			if !t.Backfill {
				if err := w.recordResponse(t.Unit, at, at.Sub(t.ReceivedAt)); err != nil {
					return err
				}
			}
		}
		if !changed {
			continue
		}
		t.Overdue = t.OverdueAt(w.now)
		if err := w.putItem(&t, &old); err != nil {
			return err
		}
		id, _ := parseID(t.ID)
		if old.Status != t.Status {
			if err := w.audit(id, actor, "status", string(old.Status), string(t.Status)); err != nil {
				return err
			}
		}
		if t.ID == it.ID {
			*it = t
		}
		w.emit(Event{Type: EventItemUpdated, ItemID: t.ID, Account: t.Account, Unit: t.Unit})
	}
	return nil
}
