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
// their notes, in the transaction w, and moves the mark past them.
func (w *wctx) indexBatch(max int) (int, error) {
	h, prep, err := prepareBatch(w.tx, max)
	if err != nil {
		return 0, err
	}
	n, _, err := w.applyBatch(h, prep)
	return n, err
}

// prepared is an item's postings, derived from its stored JSON raw and
// its notes (noteMark) as a read transaction saw them.
type prepared struct {
	id, raw []byte
	notes   noteMark
	ps      []wordPos
}

// noteMark says which notes an item has: how many, and the last one's key
// (notes are only ever added, with growing ids).
type noteMark struct {
	n    int
	last string
}

func notesOf(c *bolt.Cursor, iid []byte) noteMark {
	var m noteMark
	var last []byte
	for k, _ := c.Seek(iid); k != nil && bytes.HasPrefix(k, iid); k, _ = c.Next() {
		m.n++
		last = k
	}
	m.last = string(last)
	return m
}

// prepareBatch derives the postings of up to max items above the
// high-water mark h, which it returns too. The indexer calls it in a read
// transaction, so the JSON decoding and the normalising (most of its
// work) do not hold the writer; applyBatch checks that nothing changed.
func prepareBatch(tx *bolt.Tx, max int) (h []byte, out []prepared, err error) {
	h = clone(hwm(tx))
	c := tx.Bucket(bItems).Cursor()
	nc := tx.Bucket(bNotes).Cursor()
	var k, v []byte
	if h != nil {
		if k, v = c.Seek(h); bytes.Equal(k, h) {
			k, v = c.Next()
		}
	} else {
		k, v = c.First()
	}
	for ; k != nil && len(out) < max; k, v = c.Next() {
		f, err := itemFields(tx, k, v)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, prepared{id: clone(k), raw: clone(v), notes: notesOf(nc, k), ps: itemPostings(nil, f)})
	}
	return h, out, nil
}

// applyBatch writes the postings of the items above the high-water mark
// up to the last of prep and moves the mark there. An item whose JSON or
// notes changed since prep was derived (or that prep lacks) is derived
// again here. It writes nothing (stale) when the mark is no longer h.
func (w *wctx) applyBatch(h []byte, prep []prepared) (n int, stale bool, err error) {
	if len(prep) == 0 {
		return 0, false, nil
	}
	post, meta, err := searchBuckets(w.tx)
	if err != nil {
		return 0, false, err
	}
	if !bytes.Equal(meta.Get(keyHWM), h) {
		return 0, true, nil
	}
	last := prep[len(prep)-1].id
	c := w.tx.Bucket(bItems).Cursor()
	nc := w.tx.Bucket(bNotes).Cursor()
	var k, v []byte
	if h != nil {
		if k, v = c.Seek(h); bytes.Equal(k, h) {
			k, v = c.Next()
		}
	} else {
		k, v = c.First()
	}
	byWord := map[string][]entry{}
	j := 0
	for ; k != nil && bytes.Compare(k, last) <= 0; k, v = c.Next() {
		for j < len(prep) && bytes.Compare(prep[j].id, k) < 0 {
			j++ // gone since
		}
		var ps []wordPos
		if j < len(prep) && bytes.Equal(prep[j].id, k) && bytes.Equal(prep[j].raw, v) && notesOf(nc, k) == prep[j].notes {
			ps = prep[j].ps
		} else {
			f, err := itemFields(w.tx, k, v)
			if err != nil {
				return 0, false, err
			}
			ps = itemPostings(nil, f)
		}
		id := clone(k)
		for _, p := range ps {
			byWord[p.word] = append(byWord[p.word], entry{id: id, pos: p.pos})
		}
		n++
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
			return 0, false, err
		}
	}
	return n, false, meta.Put(keyHWM, clone(last))
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
// it indexed. Tests and reindex call it; RunIndexer indexes batch by batch.
func (s *Store) IndexPending(ctx context.Context, batch int) (int, error) {
	if batch <= 0 {
		batch = DefaultIndexBatch
	}
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, _, err := s.indexOnce(batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}

// indexOnce indexes up to batch items above the high-water mark: it
// derives their postings in a read transaction, then writes them in a
// write transaction (none when nothing waits). took is the write's time.
func (s *Store) indexOnce(batch int) (n int, took time.Duration, err error) {
	var h []byte
	var prep []prepared
	if err := s.view(func(tx *bolt.Tx) error {
		var err error
		h, prep, err = prepareBatch(tx, batch)
		return err
	}); err != nil {
		return 0, 0, fmt.Errorf("index items: %w", err)
	}
	if len(prep) == 0 {
		return 0, 0, nil
	}
	start := time.Now()
	var stale bool
	err = s.write(func(w *wctx) error {
		var err error
		n, stale, err = w.applyBatch(h, prep)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("index items: %w", err)
	}
	if stale { // another indexer moved the mark: the next round starts from it
		return 0, 0, nil
	}
	return n, time.Since(start), nil
}

// indexDuty bounds the indexer's share of bbolt's one writer, which it
// takes turns at with ingest: after a write that took d it waits at least
// d·(1-indexDuty)/indexDuty, so ingest flat out keeps most of its speed
// and the index catches up when ingest slows (searches stay complete
// meanwhile: the items above the high-water mark are checked one by one).
// At 1,000 items/s a batch's write takes far less (docs/SEARCH.md), so
// the bound does not slow the indexer there.
const indexDuty = 0.15

// indexerWait is how long the indexer sleeps after a batch that indexed
// n items of at most batch, whose write took took.
func indexerWait(n, batch int, took, interval time.Duration) time.Duration {
	wait := interval
	if n == batch { // more is pending
		wait = 0
	}
	return max(wait, time.Duration(float64(took)*(1-indexDuty)/indexDuty))
}

// RunIndexer keeps the word index up to date until ctx ends: it indexes
// a batch of what is pending, then sleeps (indexerWait: interval, ≤ 0
// DefaultIndexInterval, when it has caught up; none when more is pending;
// at least the indexDuty bound after a long write, so ingest keeps the
// writer). A failed batch is logged and
// retried on the next round. It returns nil when ctx ends.
func (s *Store) RunIndexer(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = DefaultIndexInterval
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		n, took, err := s.indexOnce(DefaultIndexBatch)
		switch {
		case errors.Is(err, ErrClosed):
			return err
		case err != nil:
			s.log.Error("search index: indexing failed; retrying", "err", err)
		}
		t.Reset(indexerWait(n, DefaultIndexBatch, took, interval))
	}
}
