package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ReindexResult says what Reindex did.
type ReindexResult struct {
	Items    int           // items indexed
	Postings int           // postings (a word of an item) written
	Took     time.Duration // dropping and rebuilding
	Verified time.Duration // the check against a scan
}

// Reindex drops the word index and rebuilds it from the items and notes,
// batch items per transaction (≤ 0: DefaultIndexBatch), then checks it
// against a scan (VerifyIndex). Run it with the daemon stopped.
func (s *Store) Reindex(ctx context.Context, batch int) (ReindexResult, error) {
	var res ReindexResult
	start := time.Now()
	err := s.write(func(w *wctx) error {
		for _, b := range [][]byte{bSxPost, bSxMeta} {
			if err := w.tx.DeleteBucket(b); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("reindex: drop the index: %w", err)
	}
	if res.Items, err = s.IndexPending(ctx, batch); err != nil {
		return res, fmt.Errorf("reindex: %w", err)
	}
	res.Took = time.Since(start)
	start = time.Now()
	if res.Postings, err = s.VerifyIndex(ctx); err != nil {
		return res, err
	}
	res.Verified = time.Since(start)
	return res, nil
}

// verifyChunk is how many items VerifyIndex derives postings of at a time.
const verifyChunk = 20_000

// VerifyIndex checks the word index against a scan of every indexed item
// and its notes: each posting a scan derives is present with its
// positions, and there are no others (every block decodes, holds ids in
// ascending order, none above the high-water mark, the blocks of a word
// in ascending, disjoint ranges, and the index holds as many postings as
// the scan derives). It returns the number of postings.
func (s *Store) VerifyIndex(ctx context.Context) (int, error) {
	want := 0
	err := s.view(func(tx *bolt.Tx) error {
		post := tx.Bucket(bSxPost)
		h := hwm(tx)
		if post == nil || h == nil {
			if post != nil && post.Stats().KeyN > 0 {
				return fmt.Errorf("%w: postings without a high-water mark (or in an older format)", ErrIndexMismatch)
			}
			return nil
		}
		have, err := checkBlocks(ctx, post, h)
		if err != nil {
			return err
		}
		c := tx.Bucket(bItems).Cursor()
		pc := post.Cursor()
		byWord := map[string][]entry{}
		var ps []wordPos
		var lo, hi []byte
		n := 0
		flush := func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			for w, es := range byWord {
				if err := compareWord(pc, w, lo, hi, es); err != nil {
					return err
				}
			}
			clear(byWord)
			n = 0
			return nil
		}
		for k, v := c.First(); k != nil && bytes.Compare(k, h) <= 0; k, v = c.Next() {
			if n == 0 {
				lo = k
			}
			hi = k
			f, err := itemFields(tx, k, v)
			if err != nil {
				return err
			}
			ps = itemPostings(ps[:0], f)
			for _, p := range ps {
				byWord[p.word] = append(byWord[p.word], entry{id: k, pos: p.pos})
			}
			want += len(ps)
			if n++; n == verifyChunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if have != want {
			return fmt.Errorf("%w: %d postings, a scan gives %d", ErrIndexMismatch, have, want)
		}
		return nil
	})
	return want, err
}

// checkBlocks checks that every block of post decodes, its ids ascending
// and at most h, each word's blocks after one another, and counts the
// postings.
func checkBlocks(ctx context.Context, post *bolt.Bucket, h []byte) (int, error) {
	count := 0
	var word, last []byte
	c := post.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if count%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		end := bytes.IndexByte(k, 0)
		if end < 0 || len(k) != end+1+idLen {
			return 0, fmt.Errorf("%w: key %q is no word|id", ErrIndexMismatch, k)
		}
		if !bytes.Equal(k[:end], word) {
			word, last = clone(k[:end]), nil
		}
		bv, err := decodeBlock(k[end+1:], v)
		if err != nil {
			return 0, fmt.Errorf("%w: word %q, block %s: %w", ErrIndexMismatch, word, idString(k[end+1:]), err)
		}
		if last != nil && bytes.Compare(bv.id(0), last) <= 0 {
			return 0, fmt.Errorf("%w: word %q: block %s overlaps the one before", ErrIndexMismatch, word, idString(bv.id(0)))
		}
		if last = bv.last(); bytes.Compare(last, h) > 0 {
			return 0, fmt.Errorf("%w: word %q: item %s is above the high-water mark", ErrIndexMismatch, word, idString(last))
		}
		count += bv.n()
	}
	return count, nil
}

// compareWord checks that the word's postings with ids in [lo, hi] are es.
func compareWord(pc *bolt.Cursor, word string, lo, hi []byte, es []entry) error {
	p := prefix(word)
	seek := withID(p, lo)
	k, v := pc.Seek(seek)
	if !bytes.Equal(k, seek) { // the block before may hold lo
		var pk, pv []byte
		if k == nil {
			pk, pv = pc.Last()
		} else {
			pk, pv = pc.Prev()
		}
		if _, ok := blockKey(pk, p); ok {
			k, v = pk, pv
		} else {
			k, v = pc.Seek(seek)
		}
	}
	i := 0
	for ; ; k, v = pc.Next() {
		first, ok := blockKey(k, p)
		if !ok || bytes.Compare(first, hi) > 0 {
			break
		}
		bv, err := decodeBlock(first, v)
		if err != nil {
			return fmt.Errorf("%w: word %q: %w", ErrIndexMismatch, word, err)
		}
		for j := range bv.n() {
			id := bv.id(j)
			if bytes.Compare(id, lo) < 0 {
				continue
			}
			if bytes.Compare(id, hi) > 0 {
				break
			}
			if i == len(es) || bytes.Compare(id, es[i].id) < 0 {
				return fmt.Errorf("%w: item %s: the word %q is indexed but not in the item", ErrIndexMismatch, idString(id), word)
			}
			if !bytes.Equal(id, es[i].id) {
				return fmt.Errorf("%w: item %s: the word %q is missing", ErrIndexMismatch, idString(es[i].id), word)
			}
			if !bytes.Equal(bv.pos(j), es[i].pos) {
				return fmt.Errorf("%w: item %s: the word %q has other positions", ErrIndexMismatch, idString(id), word)
			}
			i++
		}
	}
	if i < len(es) {
		return fmt.Errorf("%w: item %s: the word %q is missing", ErrIndexMismatch, idString(es[i].id), word)
	}
	return nil
}

// ErrIndexMismatch: the word index disagrees with the items (VerifyIndex).
var ErrIndexMismatch = errors.New("search index does not match the items")
