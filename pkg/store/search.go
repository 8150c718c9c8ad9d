package store

// The word index behind Filter.Query (issue 19). It lives in its own
// buckets and is written by an indexer in its own batched transactions, so
// ingest writes none of it (see docs/SEARCH.md for the figures that chose
// this):
//
//	sx_post  word|id16 -> positions  one key per distinct word of an item
//	sx_meta  "hwm" -> id16     every item with an id ≤ hwm is indexed
//
// The words of an item are textnorm.Words (the routing rules' normaliser)
// of its text, its author's name and handle, its ticket and its notes.
// Postings and the high-water mark are written in one transaction, so a
// crash loses neither: the indexer resumes after hwm. Items above hwm (the
// newest, at most a few seconds' worth while the indexer keeps up) are
// checked one by one by a query, so a search never misses them. A note
// added to an item at or below hwm is indexed in the note's transaction;
// one above it is read when the indexer reaches its item.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/oklog/ulid/v2"
	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/textnorm"
)

var (
	bSxPost = []byte("sx_post")
	bSxMeta = []byte("sx_meta")
	keyHWM  = []byte("hwm")
)

// Indexer defaults.
const (
	// DefaultIndexInterval is how long the indexer sleeps when it has
	// caught up; the lag it adds is at most this plus one batch.
	DefaultIndexInterval = 200 * time.Millisecond
	// DefaultIndexBatch bounds the items one indexer transaction takes.
	DefaultIndexBatch = 2000
	// maxWordLen keeps one absurd "word" (a pasted base64 blob) from
	// making keys bbolt refuses; longer words are indexed by their prefix.
	maxWordLen = 64
)

// searchFields are the texts of an item the index holds, one word list per
// field (a phrase matches within one field).
type searchFields [][]string

// itemSearchText is the part of the stored item JSON the index reads.
type itemSearchText struct {
	Text   string `json:"text"`
	Ticket string `json:"ticket"`
	Author struct {
		Name   string `json:"name"`
		Handle string `json:"handle"`
	} `json:"author"`
}

func (t *itemSearchText) fields() searchFields {
	return fieldsOf(t.Text, t.Author.Name, t.Author.Handle, t.Ticket)
}

// fieldsOf is the word lists of an item's indexed fields but its notes.
func fieldsOf(text, name, handle, ticket string) searchFields {
	return searchFields{textnorm.Words(text), textnorm.Words(name), textnorm.Words(handle), textnorm.Words(ticket)}
}

// noteFields appends the words of an item's notes.
func noteFields(tx *bolt.Tx, iid []byte, f searchFields) (searchFields, error) {
	err := forEachUnder(tx.Bucket(bNotes), iid, func(v []byte) error {
		var n struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(v, &n); err != nil {
			return fmt.Errorf("note of item %s: %w", idString(iid), err)
		}
		f = append(f, textnorm.Words(n.Text))
		return nil
	})
	return f, err
}

// itemFields reads every indexed field of the stored item raw (id iid).
func itemFields(tx *bolt.Tx, iid, raw []byte) (searchFields, error) {
	var t itemSearchText
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("item %s: decode: %w", idString(iid), err)
	}
	return noteFields(tx, iid, t.fields())
}

// indexWord is the form a word takes in a key.
func indexWord(w string) string {
	if len(w) <= maxWordLen {
		return w
	}
	cut := maxWordLen
	for cut > 0 && w[cut]&0xc0 == 0x80 { // not inside a UTF-8 sequence
		cut--
	}
	return w[:cut]
}

// posting is one key of sx_post and its value: the word's positions in
// the item (uvarint deltas, ascending). Field i's words are numbered on
// from the end of field i-1 plus one, so adjacent positions are adjacent
// words of one field and a phrase never spans two.
type posting struct{ key, val []byte }

// postings appends the posting of every distinct word of f.
func postings(out []posting, iid []byte, f searchFields) []posting {
	at := map[string]int{} // word -> index in out
	pos, last := 0, map[string]int{}
	for _, words := range f {
		for _, w := range words {
			w = indexWord(w)
			if w == "" {
				pos++
				continue
			}
			i, ok := at[w]
			if !ok {
				k := make([]byte, 0, len(w)+1+idLen)
				k = append(append(append(k, w...), 0), iid...)
				i = len(out)
				at[w] = i
				out = append(out, posting{key: k})
				last[w] = 0
			}
			out[i].val = binary.AppendUvarint(out[i].val, uint64(pos-last[w]))
			last[w] = pos
			pos++
		}
		pos++
	}
	return out
}

// positions decodes a posting's value.
func positions(v []byte, out []int) []int {
	p := 0
	for len(v) > 0 {
		d, n := binary.Uvarint(v)
		if n <= 0 {
			break
		}
		p += int(d)
		out = append(out, p)
		v = v[n:]
	}
	return out
}

// hwm is the id up to which items are indexed (nil: none).
func hwm(tx *bolt.Tx) []byte {
	b := tx.Bucket(bSxMeta)
	if b == nil {
		return nil
	}
	return b.Get(keyHWM)
}

// indexed reports whether the item iid is at or below the high-water mark.
func indexed(tx *bolt.Tx, iid []byte) bool {
	h := hwm(tx)
	return h != nil && bytes.Compare(iid, h) <= 0
}

// searchBuckets creates the index's buckets in a write transaction.
func searchBuckets(tx *bolt.Tx) (post, meta *bolt.Bucket, err error) {
	if post, err = tx.CreateBucketIfNotExists(bSxPost); err != nil {
		return nil, nil, err
	}
	meta, err = tx.CreateBucketIfNotExists(bSxMeta)
	return post, meta, err
}

// putPostings writes ps (sorted first: bbolt writes neighbouring keys
// on the pages it already holds).
func putPostings(post *bolt.Bucket, ps []posting) error {
	slices.SortFunc(ps, func(a, b posting) int { return bytes.Compare(a.key, b.key) })
	post.FillPercent = appendFill // each word's ids arrive in ascending order
	for _, p := range ps {
		if err := post.Put(p.key, p.val); err != nil {
			return err
		}
	}
	return nil
}

// indexNote indexes a new note (already stored) when its item is indexed:
// the item's postings are written again, positions of the note included.
// The indexer reads the notes of the items it has not reached yet.
func (w *wctx) indexNote(iid []byte) error {
	return w.reindexItem(iid, nil, false)
}

// reindexItem makes an indexed item's postings those of its fields now
// (after a note, or an edit or a redaction changed its text; old are its
// fields before, whose words it may have lost; gone when it was deleted).
// Items above the high-water mark need nothing: the indexer reads them as
// they are when it gets there.
func (w *wctx) reindexItem(iid []byte, old searchFields, gone bool) error {
	if !indexed(w.tx, iid) {
		return nil
	}
	post, _, err := searchBuckets(w.tx)
	if err != nil {
		return err
	}
	var now []posting
	if !gone {
		raw := w.tx.Bucket(bItems).Get(iid)
		if raw == nil {
			return fmt.Errorf("item %s: %w", idString(iid), ErrNotFound)
		}
		f, err := itemFields(w.tx, iid, raw)
		if err != nil {
			return err
		}
		now = postings(nil, iid, f)
	}
	keep := map[string]bool{}
	for _, p := range now {
		keep[string(p.key)] = true
	}
	for _, p := range postings(nil, iid, old) {
		if !keep[string(p.key)] {
			if err := post.Delete(p.key); err != nil {
				return err
			}
		}
	}
	return putPostings(post, now)
}

// indexBatch indexes up to max items above the high-water mark, with
// their notes, in the transaction w, and moves the mark past them.
func (w *wctx) indexBatch(max int) (int, error) {
	post, meta, err := searchBuckets(w.tx)
	if err != nil {
		return 0, err
	}
	c := w.tx.Bucket(bItems).Cursor()
	var k, v []byte
	if h := meta.Get(keyHWM); h != nil {
		if k, v = c.Seek(h); bytes.Equal(k, h) {
			k, v = c.Next()
		}
	} else {
		k, v = c.First()
	}
	var keys []posting
	var last []byte
	n := 0
	for ; k != nil && n < max; k, v = c.Next() {
		f, err := itemFields(w.tx, k, v)
		if err != nil {
			return 0, err
		}
		keys = postings(keys, clone(k), f)
		last = k
		n++
	}
	if n == 0 {
		return 0, nil
	}
	if err := putPostings(post, keys); err != nil {
		return 0, err
	}
	return n, meta.Put(keyHWM, clone(last))
}

// pendingIndex reports whether items wait above the high-water mark, and
// since when (the oldest's id time, which is when it was received).
func pendingIndex(tx *bolt.Tx) (bool, time.Time) {
	c := tx.Bucket(bItems).Cursor()
	var k []byte
	if h := hwm(tx); h != nil {
		if k, _ = c.Seek(h); bytes.Equal(k, h) {
			k, _ = c.Next()
		}
	} else {
		k, _ = c.First()
	}
	if k == nil {
		return false, time.Time{}
	}
	var id ulid.ULID
	copy(id[:], k)
	return true, ulid.Time(id.Time())
}

// IndexLag is how far the word index is behind: the age of the oldest
// item not yet indexed, 0 when every item is. Searches still find such
// items (they are checked one by one); the lag says how many of them a
// search had to check.
func (s *Store) IndexLag() (time.Duration, error) {
	var lag time.Duration
	err := s.view(func(tx *bolt.Tx) error {
		if ok, since := pendingIndex(tx); ok {
			lag = max(0, s.now().Sub(since))
		}
		return nil
	})
	return lag, err
}

// IndexPending indexes every item above the high-water mark now, in
// batches of batch items (≤ 0: DefaultIndexBatch), and returns how many
// it indexed. RunIndexer calls it; tests and reindex call it directly.
func (s *Store) IndexPending(ctx context.Context, batch int) (int, error) {
	if batch <= 0 {
		batch = DefaultIndexBatch
	}
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var pending bool
		if err := s.view(func(tx *bolt.Tx) error {
			pending, _ = pendingIndex(tx)
			return nil
		}); err != nil {
			return total, err
		}
		if !pending {
			return total, nil
		}
		var n int
		err := s.write(func(w *wctx) error {
			var err error
			n, err = w.indexBatch(batch)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("index items: %w", err)
		}
		total += n
		if n < batch {
			return total, nil
		}
	}
}

// RunIndexer keeps the word index up to date until ctx ends: it indexes
// what is pending, then sleeps interval (≤ 0: DefaultIndexInterval). A
// failed batch is logged and retried on the next round. It returns nil
// when ctx ends.
func (s *Store) RunIndexer(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = DefaultIndexInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		_, err := s.IndexPending(ctx, DefaultIndexBatch)
		switch {
		case errors.Is(err, ErrClosed):
			return err
		case err != nil && ctx.Err() == nil:
			s.log.Error("search index: indexing failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
