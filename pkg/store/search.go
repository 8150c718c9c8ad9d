package store

// The word index behind Filter.Query (issue 19). It lives in its own
// buckets and is written by an indexer in its own batched transactions, so
// ingest writes none of it (see docs/SEARCH.md for the figures that chose
// this):
//
//	sx_post  word|minid16 -> block   postings of one word (search_block.go)
//	sx_meta  "hwm" -> id16           every item with an id ≤ hwm is indexed
//	         "format" -> u4          indexFormat
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
	bolterrors "go.etcd.io/bbolt/errors"

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

// wordPos is one word of an item and its positions in the item (uvarint
// deltas, ascending). Field i's words are numbered on from the end of
// field i-1 plus one, so adjacent positions are adjacent words of one
// field and a phrase never spans two.
type wordPos struct {
	word string
	pos  []byte
}

// itemPostings appends every distinct word of f with its positions, in
// the order the words first occur.
func itemPostings(out []wordPos, f searchFields) []wordPos {
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
				i = len(out)
				at[w] = i
				out = append(out, wordPos{word: w})
				last[w] = 0
			}
			out[i].pos = binary.AppendUvarint(out[i].pos, uint64(pos-last[w]))
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

// hwm is the id up to which items are indexed (nil: none, or the index
// is in an older format, which the indexer drops and rebuilds).
func hwm(tx *bolt.Tx) []byte {
	b := tx.Bucket(bSxMeta)
	if b == nil {
		return nil
	}
	if f := b.Get(keyFormat); len(f) != 4 || binary.BigEndian.Uint32(f) != indexFormat {
		return nil
	}
	return b.Get(keyHWM)
}

// indexed reports whether the item iid is at or below the high-water mark.
func indexed(tx *bolt.Tx, iid []byte) bool {
	h := hwm(tx)
	return h != nil && bytes.Compare(iid, h) <= 0
}

// searchBuckets creates the index's buckets in a write transaction. An
// index in another format than indexFormat (an older inboxd's) is dropped
// with its high-water mark, so the indexer rebuilds it.
func searchBuckets(tx *bolt.Tx) (post, meta *bolt.Bucket, err error) {
	if meta, err = tx.CreateBucketIfNotExists(bSxMeta); err != nil {
		return nil, nil, err
	}
	if f := meta.Get(keyFormat); len(f) != 4 || binary.BigEndian.Uint32(f) != indexFormat {
		if err := tx.DeleteBucket(bSxPost); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return nil, nil, err
		}
		if err := meta.Delete(keyHWM); err != nil {
			return nil, nil, err
		}
		if err := meta.Put(keyFormat, putU4(nil, indexFormat)); err != nil {
			return nil, nil, err
		}
	}
	post, err = tx.CreateBucketIfNotExists(bSxPost)
	return post, meta, err
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
	var now []wordPos
	if !gone {
		raw := w.tx.Bucket(bItems).Get(iid)
		if raw == nil {
			return fmt.Errorf("item %s: %w", idString(iid), ErrNotFound)
		}
		f, err := itemFields(w.tx, iid, raw)
		if err != nil {
			return err
		}
		now = itemPostings(nil, f)
	}
	keep := map[string]bool{}
	for _, p := range now {
		keep[p.word] = true
	}
	pw := newPostWriter(post)
	iid = clone(iid)
	for _, p := range itemPostings(nil, old) {
		if !keep[p.word] {
			if err := pw.set(p.word, iid, nil); err != nil {
				return err
			}
		}
	}
	for _, p := range now {
		if err := pw.set(p.word, iid, p.pos); err != nil {
			return err
		}
	}
	return nil
}

// indexBatch indexes up to max items above the high-water mark, with
// their notes, in the transaction w, and moves the mark past them: each
// word's postings of the batch are appended to its last block.
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
	byWord := map[string][]entry{}
	var ps []wordPos
	var last []byte
	n := 0
	for ; k != nil && n < max; k, v = c.Next() {
		f, err := itemFields(w.tx, k, v)
		if err != nil {
			return 0, err
		}
		id := clone(k)
		ps = itemPostings(ps[:0], f)
		for _, p := range ps {
			byWord[p.word] = append(byWord[p.word], entry{id: id, pos: p.pos})
		}
		last = id
		n++
	}
	if n == 0 {
		return 0, nil
	}
	words := make([]string, 0, len(byWord))
	for wd := range byWord {
		words = append(words, wd)
	}
	slices.Sort(words) // bbolt writes neighbouring keys on the pages it holds
	post.FillPercent = appendFill
	pw := newPostWriter(post)
	for _, wd := range words {
		if err := pw.appendWord(wd, byWord[wd]); err != nil {
			return 0, err
		}
	}
	return n, meta.Put(keyHWM, last)
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
