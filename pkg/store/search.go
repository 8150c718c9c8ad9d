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
	"hash/maphash"
	"slices"
	"strings"
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

// linearWords is how many distinct words itemPostings finds by a linear
// search before it builds a map.
const linearWords = 64

// itemPostings appends every distinct word of f with its positions, in
// the order the words first occur. An item has a few dozen distinct
// words: they are found by a linear search, and their positions share one
// buffer (a map and a slice per word were most of the indexer's time).
// Past linearWords distinct words (a long message) a map finds them, as
// the linear search grows with the square of the words.
func itemPostings(out []wordPos, f searchFields) []wordPos {
	from := len(out)
	var at map[string]int // word -> index in out, once past linearWords
	type occ struct{ w, pos int32 }
	n := 0
	for _, words := range f {
		n += len(words)
	}
	occs := make([]occ, 0, n)
	pos := int32(0)
	for _, words := range f {
		for _, w := range words {
			w = indexWord(w)
			if w == "" {
				pos++
				continue
			}
			i := len(out)
			if at != nil {
				if j, ok := at[w]; ok {
					i = j
				}
			} else {
				for i = from; i < len(out) && out[i].word != w; i++ {
				}
			}
			if i == len(out) {
				out = append(out, wordPos{word: w})
				if at != nil {
					at[w] = i
				} else if i-from+1 == linearWords {
					at = make(map[string]int, 2*linearWords)
					for j := from; j < len(out); j++ {
						at[out[j].word] = j
					}
				}
			}
			occs = append(occs, occ{int32(i - from), pos})
			pos++
		}
		pos++
	}
	// Each word's positions, in order, as uvarint deltas, one after the
	// other in buf.
	words := out[from:]
	count := make([]int32, len(words)+1)
	for _, o := range occs {
		count[o.w+1]++
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	byWord := make([]int32, len(occs))
	next := slices.Clone(count[:len(words)])
	for _, o := range occs {
		byWord[next[o.w]] = o.pos
		next[o.w]++
	}
	buf := make([]byte, 0, len(occs)*2)
	for i := range words {
		start, last := len(buf), int32(0)
		for _, p := range byWord[count[i]:count[i+1]] {
			buf = binary.AppendUvarint(buf, uint64(p-last))
			last = p
		}
		words[i].pos = buf[start:len(buf):len(buf)]
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
	b, err := prepareBatch(w.tx, max)
	if err != nil {
		return 0, err
	}
	n, _, err := w.applyBatch(b)
	return n, err
}

// preparedBatch is the postings of the items above the high-water mark h,
// derived as a read transaction saw them.
type preparedBatch struct {
	h     []byte
	seed  maphash.Seed
	items []prepared
}

// prepared is an item's postings, and what they were derived from: the
// stored JSON (its hash) and the notes.
type prepared struct {
	id    []byte
	sum   uint64
	notes noteMark
	ps    []wordPos
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
// high-water mark. The indexer calls it in a read transaction, so the
// JSON decoding and the normalising (most of its work) do not hold the
// writer; applyBatch checks that nothing changed.
func prepareBatch(tx *bolt.Tx, max int) (*preparedBatch, error) {
	b := &preparedBatch{h: clone(hwm(tx)), seed: maphash.MakeSeed()}
	c := tx.Bucket(bItems).Cursor()
	nc := tx.Bucket(bNotes).Cursor()
	k, v := firstAbove(c, b.h)
	for ; k != nil && len(b.items) < max; k, v = c.Next() {
		f, err := itemFields(tx, k, v)
		if err != nil {
			return nil, err
		}
		b.items = append(b.items, prepared{id: clone(k), sum: maphash.Bytes(b.seed, v), notes: notesOf(nc, k), ps: itemPostings(nil, f)})
	}
	return b, nil
}

// applyBatch writes the postings of the items above the high-water mark
// up to the last of b and moves the mark there. An item whose JSON or
// notes changed since b was derived (or that b lacks) is derived again
// here. It writes nothing (stale) when the mark is no longer b's.
func (w *wctx) applyBatch(b *preparedBatch) (n int, stale bool, err error) {
	if len(b.items) == 0 {
		return 0, false, nil
	}
	post, meta, err := searchBuckets(w.tx)
	if err != nil {
		return 0, false, err
	}
	if !bytes.Equal(meta.Get(keyHWM), b.h) {
		return 0, true, nil
	}
	last := b.items[len(b.items)-1].id
	c := w.tx.Bucket(bItems).Cursor()
	nc := w.tx.Bucket(bNotes).Cursor()
	k, v := firstAbove(c, b.h)
	// Every posting as numbers (its word's, its item's, its place in the
	// item's postings: no pointers to write), then grouped by word by a
	// counting sort, which keeps each word's ids ascending.
	type occ struct{ w, item, p int32 }
	wordNum := map[string]int32{}
	var words []string
	var ids [][]byte
	var pss [][]wordPos
	occs := make([]occ, 0, 40*len(b.items))
	j := 0
	for ; k != nil && bytes.Compare(k, last) <= 0; k, v = c.Next() {
		for j < len(b.items) && bytes.Compare(b.items[j].id, k) < 0 {
			j++ // gone since
		}
		var ps []wordPos
		if it := b.items[min(j, len(b.items)-1)]; bytes.Equal(it.id, k) && it.sum == maphash.Bytes(b.seed, v) && notesOf(nc, k) == it.notes {
			ps = it.ps
		} else {
			f, err := itemFields(w.tx, k, v)
			if err != nil {
				return 0, false, err
			}
			ps = itemPostings(nil, f)
		}
		ids = append(ids, clone(k))
		pss = append(pss, ps)
		for i, p := range ps {
			wn, ok := wordNum[p.word]
			if !ok {
				wn = int32(len(words))
				wordNum[p.word] = wn
				words = append(words, p.word)
			}
			occs = append(occs, occ{wn, int32(n), int32(i)})
		}
		n++
	}
	order := make([]int32, len(words))
	for i := range order {
		order[i] = int32(i)
	}
	// Words sorted: bbolt writes neighbouring keys on the pages it holds.
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(words[a], words[b]) })
	start := make([]int, len(words)+1)
	for _, o := range occs {
		start[o.w]++
	}
	at := 0
	for _, wn := range order {
		cnt := start[wn]
		start[wn] = at
		at += cnt
	}
	grouped := make([]occ, len(occs))
	next := slices.Clone(start)
	for _, o := range occs {
		grouped[next[o.w]] = o
		next[o.w]++
	}
	post.FillPercent = appendFill
	pw := newPostWriter(post)
	var es []entry
	for _, wn := range order {
		es = es[:0]
		for _, o := range grouped[start[wn]:next[wn]] {
			es = append(es, entry{id: ids[o.item], pos: pss[o.item][o.p].pos})
		}
		if err := pw.appendWord(words[wn], es); err != nil {
			return 0, false, err
		}
	}
	return n, false, meta.Put(keyHWM, clone(last))
}

// firstAbove moves c to the first item after the high-water mark h (the
// first item when h is nil).
func firstAbove(c *bolt.Cursor, h []byte) (k, v []byte) {
	if h == nil {
		return c.First()
	}
	if k, v = c.Seek(h); bytes.Equal(k, h) {
		return c.Next()
	}
	return k, v
}

// pendingIndex reports whether items wait above the high-water mark, and
// since when (the oldest's id time, which is when it was received).
func pendingIndex(tx *bolt.Tx) (bool, time.Time) {
	k, _ := firstAbove(tx.Bucket(bItems).Cursor(), hwm(tx))
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
// write transaction (none when nothing waits). took is the time of both.
func (s *Store) indexOnce(batch int) (n int, took time.Duration, err error) {
	start := time.Now()
	var prep *preparedBatch
	if err := s.view(func(tx *bolt.Tx) error {
		var err error
		prep, err = prepareBatch(tx, batch)
		return err
	}); err != nil {
		return 0, 0, fmt.Errorf("index items: %w", err)
	}
	if len(prep.items) == 0 {
		return 0, 0, nil
	}
	var stale bool
	err = s.write(func(w *wctx) error {
		var err error
		n, stale, err = w.applyBatch(prep)
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

// indexDuty bounds the indexer's share of the machine and of bbolt's one
// writer, which it takes turns at with ingest: after a batch that took d
// (deriving the postings and writing them) it waits
// d·(1-indexDuty)/indexDuty, so ingest flat out keeps most of its speed
// and the index catches up when ingest slows (searches stay complete
// meanwhile: the items above the high-water mark are checked one by one).
// The wait is at most maxDutyWait, so a batch slowed by the disk or a
// busy machine does not hold the index back for seconds: at 1,000
// items/s the lag stays well under 2 s (docs/SEARCH.md).
const (
	indexDuty   = 0.15
	maxDutyWait = 500 * time.Millisecond
)

// indexerWait is how long the indexer sleeps after a batch that indexed
// n items of at most batch, which took took.
func indexerWait(n, batch int, took, interval time.Duration) time.Duration {
	wait := interval
	if n == batch { // more is pending
		wait = 0
	}
	return max(wait, min(maxDutyWait, time.Duration(float64(took)*(1-indexDuty)/indexDuty)))
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
