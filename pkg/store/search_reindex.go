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
	Postings int           // word|item entries written
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

// VerifyIndex checks the word index against a scan of every indexed item
// and its notes: each posting a scan computes is present, and there are no
// others. It returns the number of postings.
func (s *Store) VerifyIndex(ctx context.Context) (int, error) {
	want := 0
	err := s.view(func(tx *bolt.Tx) error {
		post := tx.Bucket(bSxPost)
		h := hwm(tx)
		if post == nil || h == nil {
			if post != nil && post.Stats().KeyN > 0 {
				return fmt.Errorf("%w: postings without a high-water mark", ErrIndexMismatch)
			}
			return nil
		}
		c := tx.Bucket(bItems).Cursor()
		pc := post.Cursor()
		var keys []posting
		for k, v := c.First(); k != nil && string(k) <= string(h); k, v = c.Next() {
			if want%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			f, err := itemFields(tx, k, v)
			if err != nil {
				return err
			}
			keys = postings(keys[:0], k, f)
			for _, p := range keys {
				// Seek, not Get: a posting's value may be empty.
				if got, gv := pc.Seek(p.key); !bytes.Equal(got, p.key) || !bytes.Equal(gv, p.val) {
					return fmt.Errorf("%w: item %s: the word %q is missing or has other positions", ErrIndexMismatch, idString(k), p.key[:len(p.key)-idLen-1])
				}
			}
			want += len(keys)
		}
		if have := post.Stats().KeyN; have != want {
			return fmt.Errorf("%w: %d postings, a scan gives %d", ErrIndexMismatch, have, want)
		}
		return nil
	})
	return want, err
}

// ErrIndexMismatch: the word index disagrees with the items (VerifyIndex).
var ErrIndexMismatch = errors.New("search index does not match the items")
