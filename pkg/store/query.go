package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// List limits.
const (
	DefaultLimit   = 50
	MaxLimit       = 200
	DefaultMaxScan = 5000
	// MaxDetailThread bounds Detail.Thread to the items nearest the one
	// asked for; Thread lists a whole thread.
	MaxDetailThread = 100
)

const cursorVersion = 1

// encodeCursor makes the opaque page cursor: the last id served. Ids never
// change and new ones sort after all existing ones, so a cursor stays valid
// while items arrive or change.
func encodeCursor(id string) string {
	b, err := parseID(id)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(append([]byte{cursorVersion}, b...))
}

func decodeCursor(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 1+idLen || b[0] != cursorVersion {
		return nil, fmt.Errorf("%w: %q", ErrInvalidCursor, s)
	}
	return b[1:], nil
}

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// unitFilter maps the filter value "-" (no unit) to the stored "".
func unitFilter(u string) string {
	if u == "-" {
		return ""
	}
	return u
}

// indexIter walks the ids under one key prefix of an index bucket (keys
// prefix+id16; a nil prefix walks a bucket keyed by id16), strictly after
// (or before, descending) the id after.
type indexIter struct {
	c    *bolt.Cursor
	p    []byte
	desc bool
	cur  []byte
	// ids, when c is nil, is a short id list walked instead (a ticket's
	// items, see ticketItems), ascending; pos is cur's index in it.
	ids [][]byte
	pos int
}

// newListIter walks ids (ascending, distinct) like an index walk: strictly
// after (or before, descending) the id after.
func newListIter(ids [][]byte, desc bool, after []byte) *indexIter {
	it := &indexIter{ids: ids, desc: desc, pos: -1}
	if desc {
		for i := len(ids) - 1; i >= 0; i-- {
			if after == nil || bytes.Compare(ids[i], after) < 0 {
				it.pos = i
				break
			}
		}
	} else {
		for i, id := range ids {
			if after == nil || bytes.Compare(id, after) > 0 {
				it.pos = i
				break
			}
		}
	}
	if it.pos >= 0 {
		it.cur = ids[it.pos]
	}
	return it
}

func newIndexIter(b *bolt.Bucket, p []byte, desc bool, after []byte) *indexIter {
	it := &indexIter{c: b.Cursor(), p: p, desc: desc}
	var k []byte
	switch {
	case !desc && after == nil:
		k, _ = it.c.Seek(p)
	case !desc:
		seek := withID(p, after)
		k, _ = it.c.Seek(seek)
		if bytes.Equal(k, seek) {
			k, _ = it.c.Next()
		}
	default:
		seek := withID(p, after)
		if after == nil {
			seek = append(append([]byte(nil), p...), bytes.Repeat([]byte{0xff}, idLen+1)...)
		}
		// Seek finds the first key ≥ seek; the one before it is the
		// first strictly below.
		if k, _ = it.c.Seek(seek); k == nil {
			k, _ = it.c.Last()
		} else {
			k, _ = it.c.Prev()
		}
	}
	it.set(k)
	return it
}

func (it *indexIter) set(k []byte) {
	if k == nil || len(k) != len(it.p)+idLen || !bytes.HasPrefix(k, it.p) {
		it.cur = nil
		return
	}
	it.cur = k[len(it.p):]
}

func (it *indexIter) id() []byte { return it.cur }

func (it *indexIter) next() []byte {
	if it.cur == nil {
		return nil
	}
	if it.c == nil {
		if it.desc {
			it.pos--
		} else {
			it.pos++
		}
		it.cur = nil
		if it.pos >= 0 && it.pos < len(it.ids) {
			it.cur = it.ids[it.pos]
		}
		return it.cur
	}
	var k []byte
	if it.desc {
		k, _ = it.c.Prev()
	} else {
		k, _ = it.c.Next()
	}
	it.set(k)
	return it.cur
}

// mergeIter merges several index walks by id (an OR of statuses).
type mergeIter struct {
	srcs []*indexIter
	desc bool
}

func (m *mergeIter) pick() *indexIter { return pickWalk(m.srcs, m.desc) }

func (m *mergeIter) id() []byte {
	if b := m.pick(); b != nil {
		return b.cur
	}
	return nil
}

func (m *mergeIter) next() []byte {
	if b := m.pick(); b != nil {
		b.next()
	}
	return m.id()
}

// plan picks the index walk for a filter and says whether every candidate
// must still be checked against the filter.
func plan(tx *bolt.Tx, f *Filter, desc bool, after []byte) (*mergeIter, bool) {
	m := &mergeIter{desc: desc}
	unit := unitFilter(f.Unit)
	var covered struct{ status, unit, assignee, tag, account, kind, channel, extRef, overdue bool }
	// Statuses and an account, nothing more selective: walk whichever
	// range the counters say is shorter.
	byAccount := false
	if len(f.Statuses) > 0 && f.Account != "" && f.Unit == "" && f.Assignee == "" && f.Tag == "" {
		var inStatuses int64
		c := tx.Bucket(bCounters)
		for _, st := range dedupStatuses(f.Statuses) {
			inStatuses += getCounter(c, "st\x00"+string(st))
		}
		byAccount = getCounter(c, "ta\x00"+f.Account) < inStatuses
	}
	switch {
	case f.Ticket != "": // one case: a handful of items, each checked
		m.srcs = append(m.srcs, newListIter(ticketItems(tx, f.Ticket), desc, after))
	case f.ExternalRef != "":
		m.srcs = append(m.srcs, newIndexIter(tx.Bucket(bIxExtRef), prefix(f.ExternalRef), desc, after))
		covered.extRef = true
	case f.Overdue != nil && *f.Overdue && len(f.Statuses) == 0 && f.Unit == "" && f.Assignee == "" && f.Tag == "":
		// Overdue items are few: walk them all, by id.
		m.srcs = append(m.srcs, newIndexIter(tx.Bucket(bIxOverdue), nil, desc, after))
		covered.overdue = true
	case byAccount:
		m.srcs = append(m.srcs, newIndexIter(tx.Bucket(bIxAccount), prefix(f.Account), desc, after))
		covered.account = true
	case len(f.Statuses) > 0 && f.Unit != "":
		for _, st := range dedupStatuses(f.Statuses) {
			m.srcs = append(m.srcs, newIndexIter(tx.Bucket(bIxStatusUnit), prefix(string(st), unit), desc, after))
		}
		covered.status, covered.unit = true, true
	case f.Assignee != "":
		m.srcs = append(m.srcs, newIndexIter(tx.Bucket(bIxAssignee), prefix(f.Assignee), desc, after))
		covered.assignee = true
	case f.Tag != "":
		m.srcs = append(m.srcs, newIndexIter(tx.Bucket(bIxTag), prefix(strings.ToLower(strings.TrimSpace(f.Tag))), desc, after))
		covered.tag = true
	case f.Unit != "":
		for _, st := range inbox.Statuses { // every status of one unit
			m.srcs = append(m.srcs, newIndexIter(tx.Bucket(bIxStatusUnit), prefix(string(st), unit), desc, after))
		}
		covered.unit = true
	case len(f.Statuses) > 0:
		for _, st := range dedupStatuses(f.Statuses) {
			m.srcs = append(m.srcs, newIndexIter(tx.Bucket(bIxStatus), prefix(string(st)), desc, after))
		}
		covered.status = true
	case f.Account != "":
		m.srcs = append(m.srcs, newIndexIter(tx.Bucket(bIxAccount), prefix(f.Account), desc, after))
		covered.account = true
	case f.Kind != "" || f.Channel != "":
		channels := []inbox.Channel{f.Channel}
		if f.Channel == "" {
			channels = indexedChannels(tx.Bucket(bIxChannelKind))
		}
		for _, ch := range channels {
			for _, k := range inbox.Kinds {
				if (f.Channel == "" || f.Channel == ch) && (f.Kind == "" || f.Kind == k) {
					m.srcs = append(m.srcs, newIndexIter(tx.Bucket(bIxChannelKind), prefix(string(ch), string(k)), desc, after))
				}
			}
		}
		covered.kind, covered.channel = true, true
	default:
		m.srcs = append(m.srcs, newIndexIter(tx.Bucket(bItems), nil, desc, after))
	}
	check := (len(f.Statuses) > 0 && !covered.status) ||
		(f.Unit != "" && !covered.unit) ||
		(f.Assignee != "" && !covered.assignee) ||
		(f.Tag != "" && !covered.tag) ||
		(f.Account != "" && !covered.account) ||
		(f.Kind != "" && !covered.kind) ||
		(f.Channel != "" && !covered.channel) ||
		f.Ticket != "" || // ticketItems' candidates are checked
		(f.ExternalRef != "" && !covered.extRef) ||
		(f.Overdue != nil && !covered.overdue)
	return m, check
}

func dedupStatuses(in []inbox.Status) []inbox.Status {
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}

func matches(f *Filter, it *inbox.Item) bool {
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, it.Status) {
		return false
	}
	if (f.Unit != "" && it.Unit != unitFilter(f.Unit)) ||
		(f.Assignee != "" && it.Assignee != f.Assignee) ||
		(f.Account != "" && it.Account != f.Account) ||
		(f.Kind != "" && it.Kind != f.Kind) ||
		(f.Channel != "" && it.Channel != f.Channel) ||
		(f.Ticket != "" && it.Ticket != f.Ticket) ||
		(f.ExternalRef != "" && it.ExternalRef != f.ExternalRef) ||
		(f.Overdue != nil && *f.Overdue != (it.Overdue != "")) {
		return false
	}
	if f.Tag != "" && !slices.Contains(it.Tags, strings.ToLower(strings.TrimSpace(f.Tag))) {
		return false
	}
	return true // Query: see search
}

// indexedChannels are the channels the channel×kind index holds, in key
// order: one seek per channel (the store names no platform).
func indexedChannels(b *bolt.Bucket) []inbox.Channel {
	var out []inbox.Channel
	c := b.Cursor()
	for k, _ := c.First(); k != nil; {
		end := bytes.IndexByte(k, 0)
		if end < 0 {
			break
		}
		out = append(out, inbox.Channel(k[:end]))
		k, _ = c.Seek(append(bytes.Clone(k[:end]), 1))
	}
	return out
}

func (s *Store) validateFilter(f *Filter) error {
	for _, st := range f.Statuses {
		if !st.Valid() {
			return &ValidationError{Field: "status", Message: fmt.Sprintf("unknown status %q", st)}
		}
	}
	if f.Channel != "" && !s.knownChannel(f.Channel) {
		return &ValidationError{Field: "channel", Message: fmt.Sprintf("unknown channel %q", f.Channel)}
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return &ValidationError{Field: "kind", Message: fmt.Sprintf("unknown kind %q", f.Kind)}
	}
	if f.Order != "" && f.Order != NewestFirst && f.Order != OldestFirst {
		return &ValidationError{Field: "order", Message: fmt.Sprintf("must be %q or %q", NewestFirst, OldestFirst)}
	}
	return nil
}

// scan runs a filter and hands each selected item to fn inside the read
// transaction: v is the stored JSON (the data file's memory, valid only
// during the call) and it the decoded item when decode is set. It returns
// the page's next cursor.
func (s *Store) scan(f Filter, decode bool, fn func(v []byte, it *inbox.Item)) (string, error) {
	if err := s.validateFilter(&f); err != nil {
		return "", err
	}
	limit := clampLimit(f.Limit)
	maxScan := f.MaxScan
	if maxScan <= 0 {
		maxScan = DefaultMaxScan
	}
	var after []byte
	if f.Cursor != "" {
		var err error
		if after, err = decodeCursor(f.Cursor); err != nil {
			return "", err
		}
	}
	desc := f.Order != OldestFirst
	if f.Query != "" {
		return s.search(f, limit, maxScan, after, desc, decode, fn)
	}
	var next string
	err := s.view(func(tx *bolt.Tx) error {
		// One cursor for every item lookup: Bucket.Get would allocate a
		// cursor and its stack per item.
		items := tx.Bucket(bItems).Cursor()
		m, check := plan(tx, &f, desc, after)
		scanned, served := 0, 0
		var last []byte
		var it inbox.Item
		for id := m.id(); id != nil; id = m.next() {
			if served == limit {
				next = encodeCursor(idString(last))
				return nil
			}
			if check && scanned == maxScan {
				// Bounded search (text, or filters no index covers): come
				// back short with a cursor to continue.
				next = encodeCursor(idString(last))
				return nil
			}
			scanned++
			last = id
			k, v := items.Seek(id)
			if v == nil || !bytes.Equal(k, id) {
				return fmt.Errorf("index points at missing item %s", idString(id))
			}
			if check || decode {
				it = inbox.Item{}
				if err := json.Unmarshal(v, &it); err != nil {
					return fmt.Errorf("item %s: decode: %w", idString(id), err)
				}
				if check && !matches(&f, &it) {
					continue
				}
			}
			served++
			fn(v, &it)
		}
		return nil
	})
	return next, err
}

// List returns a page of decoded items.
func (s *Store) List(f Filter) (ListPage, error) {
	var page ListPage
	var err error
	page.NextCursor, err = s.scan(f, true, func(_ []byte, it *inbox.Item) { page.Items = append(page.Items, *it) })
	return page, err
}

// ListRaw returns a page of items as stored JSON, for serving as-is.
func (s *Store) ListRaw(f Filter) (ListPage, error) {
	var page ListPage
	var err error
	page.NextCursor, err = s.scan(f, false, func(v []byte, _ *inbox.Item) { page.Raw = append(page.Raw, clone(v)) })
	return page, err
}

// ListRawFunc is ListRaw without a copy per item: fn receives each item's
// stored JSON in page order. raw is the data file's memory inside the read
// transaction: valid only until fn returns, never to be modified or kept;
// fn must be quick (append it to a buffer, not write it to a client). It
// returns the page's NextCursor.
func (s *Store) ListRawFunc(f Filter, fn func(raw []byte)) (nextCursor string, err error) {
	return s.scan(f, false, func(v []byte, _ *inbox.Item) { fn(v) })
}

// Get returns one item.
func (s *Store) Get(id string) (inbox.Item, error) {
	var it inbox.Item
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		it, _, err = getItemByID(tx, id)
		return err
	})
	return it, err
}

// windowFromLatestInbound moves an item's reply window (set by its
// connector from the item's own time) on to the citizen's latest message in
// the thread, since the platform counts from that.
func windowFromLatestInbound(tx *bolt.Tx, it *inbox.Item) error {
	if it.ReplyWindowEndsAt == nil {
		return nil
	}
	length := it.ReplyWindowEndsAt.Sub(it.CreatedAt)
	last, err := lastInbound(tx, it)
	if err != nil {
		return err
	}
	ends := last.Add(length)
	it.ReplyWindowEndsAt = &ends
	return nil
}

// Detail returns an item with its thread, replies, notes and audit trail.
func (s *Store) Detail(id string) (Detail, error) {
	var d Detail
	err := s.view(func(tx *bolt.Tx) error {
		it, iid, err := getItemByID(tx, id)
		if err != nil {
			return err
		}
		if err := windowFromLatestInbound(tx, &it); err != nil {
			return err
		}
		d.Item = it
		d.Thread = []inbox.Item{}
		if it.ThreadID != "" {
			// A post's comments share its thread and may run to thousands:
			// show the ones nearest to this item.
			ids := threadIDs(tx, it.Channel, it.Account, it.ThreadID)
			at, _ := slices.BinarySearchFunc(ids, iid, bytes.Compare)
			lo := max(0, at-MaxDetailThread/2)
			hi := min(len(ids), lo+MaxDetailThread+1)
			lo = max(0, hi-MaxDetailThread-1)
			for _, id := range ids[lo:hi] {
				if bytes.Equal(id, iid) {
					continue
				}
				o, err := getItem(tx, id)
				if err != nil {
					return err
				}
				d.Thread = append(d.Thread, o)
			}
			slices.SortStableFunc(d.Thread, func(a, b inbox.Item) int { return a.CreatedAt.Compare(b.CreatedAt) })
		}
		d.Replies = []inbox.Reply{}
		c := tx.Bucket(bRxItem).Cursor()
		for k, _ := c.Seek(iid); k != nil && bytes.HasPrefix(k, iid); k, _ = c.Next() {
			r, err := getReply(tx, k[idLen:])
			if err != nil {
				return err
			}
			d.Replies = append(d.Replies, r)
		}
		d.Notes = []inbox.Note{}
		if err := forEachUnder(tx.Bucket(bNotes), iid, func(v []byte) error {
			var n inbox.Note
			err := json.Unmarshal(v, &n)
			d.Notes = append(d.Notes, n)
			return err
		}); err != nil {
			return err
		}
		d.Audit = []inbox.AuditEntry{}
		return forEachUnder(tx.Bucket(bAudit), iid, func(v []byte) error {
			var a inbox.AuditEntry
			err := json.Unmarshal(v, &a)
			d.Audit = append(d.Audit, a)
			return err
		})
	})
	return d, err
}

func forEachUnder(b *bolt.Bucket, p []byte, fn func(v []byte) error) error {
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// Thread returns every item of a thread of an account, oldest first.
func (s *Store) Thread(channel inbox.Channel, account, threadID string) ([]inbox.Item, error) {
	var out []inbox.Item
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = thread(tx, channel, account, threadID)
		return err
	})
	return out, err
}

// threadIDs lists the ids of a thread's items in id order, from the
// thread|author index (one range per thread, authors grouped inside it).
func threadIDs(tx *bolt.Tx, channel inbox.Channel, account, threadID string) [][]byte {
	var ids [][]byte
	p := prefix(string(channel), account, threadID)
	c := tx.Bucket(bIxThreadAuthor).Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		if len(k) > len(p)+idLen {
			ids = append(ids, clone(k[len(k)-idLen:]))
		}
	}
	slices.SortFunc(ids, bytes.Compare)
	return ids
}

func thread(tx *bolt.Tx, channel inbox.Channel, account, threadID string) ([]inbox.Item, error) {
	out := []inbox.Item{}
	if threadID == "" {
		return out, nil
	}
	for _, id := range threadIDs(tx, channel, account, threadID) {
		it, err := getItem(tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	slices.SortStableFunc(out, func(a, b inbox.Item) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}
