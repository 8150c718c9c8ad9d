package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// testIDs makes n ascending ULID-shaped ids: runs in one millisecond
// (small steps of the random part, one across its low 64 bits' carry),
// jumps of the random part within a millisecond too large for a small
// step, and new milliseconds with fresh random bits.
func testIDs(r *rand.Rand, n int) [][]byte {
	id := make([]byte, idLen)
	binary.BigEndian.PutUint16(id, 0x0190)
	binary.BigEndian.PutUint32(id[2:], 0x12345678)
	binary.BigEndian.PutUint64(id[8:], ^uint64(0)-3) // the first steps carry into byte 7
	var out [][]byte
	for len(out) < n {
		out = append(out, bytes.Clone(id))
		switch r.IntN(4) {
		case 0, 1: // same millisecond, a small step
			id = incIDBytes(id)
			lo, c := binary.BigEndian.Uint64(id[8:]), uint64(r.Uint32())
			if lo+c > lo {
				binary.BigEndian.PutUint64(id[8:], lo+c)
			}
		case 2: // same millisecond, a jump past 2^64
			hi := binary.BigEndian.Uint16(id[6:])
			if hi < 0xfff0 {
				binary.BigEndian.PutUint16(id[6:], hi+2)
				break
			}
			fallthrough
		default: // a later millisecond
			t := ts48(id) + 1 + uint64(r.IntN(100000))
			binary.BigEndian.PutUint16(id, uint16(t>>32))
			binary.BigEndian.PutUint32(id[2:], uint32(t))
			for i := 6; i < idLen; i++ {
				id[i] = byte(r.Uint32())
			}
		}
	}
	return out
}

func TestBlockCodecRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ids := testIDs(r, 3000)
	var es []entry
	for i, id := range ids {
		es = append(es, entry{id: id, pos: binary.AppendUvarint(nil, uint64(i%300))})
	}
	val := encodeBlock(nil, es)
	bv, err := decodeBlock(ids[0], val)
	if err != nil {
		t.Fatal(err)
	}
	if bv.n() != len(es) {
		t.Fatalf("decoded %d postings of %d", bv.n(), len(es))
	}
	for i := range es {
		if !bytes.Equal(bv.id(i), es[i].id) || !bytes.Equal(bv.pos(i), es[i].pos) {
			t.Fatalf("posting %d: %x %x, want %x %x", i, bv.id(i), bv.pos(i), es[i].id, es[i].pos)
		}
	}
	t.Logf("%d postings in %d bytes (%.1f bytes each, 16 of id before)", len(es), len(val), float64(len(val))/float64(len(es)))
	// A cut or corrupted block is an error, never a panic.
	es = es[:300]
	val = encodeBlock(nil, es)
	for cut := range len(val) {
		if _, err := decodeBlock(ids[0], val[:cut]); err == nil && cut > 0 {
			// A cut at a posting's end decodes; fewer postings then.
			if bv, _ := decodeBlock(ids[0], val[:cut]); bv.n() >= len(es) {
				t.Fatalf("cut at %d decodes every posting", cut)
			}
		}
	}
	bad := bytes.Clone(val)
	for i := range bad {
		bad[i] ^= 0xa5
		_, _ = decodeBlock(ids[0], bad)
		bad[i] ^= 0xa5
	}
}

// blockWorld is a word's postings in a bbolt bucket and their model.
type blockWorld struct {
	t     *testing.T
	db    *bolt.DB
	model map[string][]byte // id -> positions
}

func newBlockWorld(t *testing.T) *blockWorld {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "blocks.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket(bSxPost)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return &blockWorld{t: t, db: db, model: map[string][]byte{}}
}

func (bw *blockWorld) update(fn func(pw *postWriter) error) {
	bw.t.Helper()
	if err := bw.db.Update(func(tx *bolt.Tx) error { return fn(newPostWriter(tx.Bucket(bSxPost))) }); err != nil {
		bw.t.Fatal(err)
	}
}

// blocks is the word's blocks' first ids and sizes.
func (bw *blockWorld) blocks(word string) (firsts [][]byte, sizes []int) {
	_ = bw.db.View(func(tx *bolt.Tx) error {
		p := prefix(word)
		c := tx.Bucket(bSxPost).Cursor()
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			firsts = append(firsts, clone(k[len(p):]))
			sizes = append(sizes, len(v))
		}
		return nil
	})
	return firsts, sizes
}

// check compares the index with the model: its blocks are well formed,
// hold exactly the model's postings, and walks and seeks in both
// directions find what the model says.
func (bw *blockWorld) check(word string, r *rand.Rand, what string) {
	bw.t.Helper()
	var want [][]byte
	for id := range bw.model {
		want = append(want, []byte(id))
	}
	slices.SortFunc(want, bytes.Compare)
	err := bw.db.View(func(tx *bolt.Tx) error {
		post := tx.Bucket(bSxPost)
		n, err := checkBlocks(context.Background(), post, bytes.Repeat([]byte{0xff}, idLen))
		if err != nil {
			return err
		}
		if n != len(want) {
			return fmt.Errorf("%d postings, want %d", n, len(want))
		}
		for _, desc := range []bool{false, true} {
			var got [][]byte
			it := newPostIter(post, prefix(word), desc, nil)
			for id := it.id(); id != nil; id = it.next() {
				if !bytes.Equal(it.pos(), bw.model[string(id)]) {
					return fmt.Errorf("desc %v: %s has positions %x, want %x", desc, idString(id), it.pos(), bw.model[string(id)])
				}
				got = append(got, id)
			}
			if desc {
				slices.Reverse(got)
			}
			if !slices.EqualFunc(got, want, bytes.Equal) {
				return fmt.Errorf("desc %v: walk finds %d postings, want %d", desc, len(got), len(want))
			}
			// Seeks from a start, to ids in, between, before and after
			// the postings, forward only, as a join does.
			for range 20 {
				var after []byte
				if r.IntN(3) > 0 && len(want) > 0 {
					after = want[r.IntN(len(want))]
				}
				it := newPostIter(post, prefix(word), desc, after)
				at := expectAfter(want, after, desc)
				for step := 0; step < 30 && at >= 0; step++ {
					if !bytes.Equal(it.id(), want[at]) {
						return fmt.Errorf("desc %v after %x step %d: at %x, want %x", desc, after, step, it.id(), want[at])
					}
					target := clone(want[r.IntN(len(want))])
					if r.IntN(2) == 0 {
						target = incIDBytes(target) // between two postings
					}
					if c := bytes.Compare(target, it.id()); desc && c > 0 || !desc && c < 0 {
						target = it.id()
					}
					got := it.seek(target)
					at = expectSeek(want, target, desc)
					if at < 0 {
						if got != nil {
							return fmt.Errorf("desc %v: seek %x finds %x, want none", desc, target, got)
						}
						break
					}
					if !bytes.Equal(got, want[at]) {
						return fmt.Errorf("desc %v: seek %x finds %x, want %x", desc, target, got, want[at])
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		bw.t.Fatalf("%s: %v", what, err)
	}
}

// expectAfter is the index in want of a walk's start strictly after
// (before, desc) after; -1 when none.
func expectAfter(want [][]byte, after []byte, desc bool) int {
	if after == nil {
		if len(want) == 0 {
			return -1
		}
		if desc {
			return len(want) - 1
		}
		return 0
	}
	i, found := slices.BinarySearchFunc(want, after, bytes.Compare)
	if desc {
		return i - 1
	}
	if found {
		i++
	}
	if i == len(want) {
		return -1
	}
	return i
}

// expectSeek is the index of the first id ≥ target (the last ≤, desc).
func expectSeek(want [][]byte, target []byte, desc bool) int {
	i, found := slices.BinarySearchFunc(want, target, bytes.Compare)
	if desc {
		if found {
			return i
		}
		return i - 1
	}
	if i == len(want) {
		return -1
	}
	return i
}

// TestBlocksSplitAndMerge: a word whose postings span many blocks, appended
// in batches of several sizes, then postings inserted in a middle block
// (past its size, so it splits), before the first and after the last,
// replaced, and removed until blocks are empty; after each step the
// blocks are well formed and walks and seeks find the model's postings.
func TestBlocksSplitAndMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	bw := newBlockWorld(t)
	ids := testIDs(r, 2400)
	const word = "jalan"
	pos := func(i int) []byte { return binary.AppendUvarint(binary.AppendUvarint(nil, uint64(i%7)), uint64(1+i%3)) }
	// Every other id now; the rest are inserted later.
	var base [][]byte
	for i := 0; i < len(ids); i += 2 {
		base = append(base, ids[i])
	}
	bw.check(word, r, "empty")
	for at, n := 0, 1; at < len(base); n = n*3 + 1 {
		batch := base[at:min(len(base), at+n)]
		var es []entry
		for _, id := range batch {
			es = append(es, entry{id: id, pos: pos(len(bw.model))})
			bw.model[string(id)] = es[len(es)-1].pos
		}
		bw.update(func(pw *postWriter) error { return pw.appendWord(word, es) })
		at += len(batch)
		bw.check(word, r, fmt.Sprintf("after a batch of %d", len(batch)))
	}
	firsts, sizes := bw.blocks(word)
	if len(firsts) < 5 {
		t.Fatalf("%d postings in %d blocks: want several", len(base), len(firsts))
	}
	for i, sz := range sizes[:len(sizes)-1] {
		if sz < maxBlockBytes || sz > maxBlockBytes+64 {
			t.Fatalf("block %d of %d holds %d bytes: appends fill a block to %d", i, len(sizes), sz, maxBlockBytes)
		}
	}
	// A small last block takes the next batch; a full one does not.
	before := len(firsts)
	last := ids[len(ids)-1]
	bw.model[string(last)] = pos(1)
	bw.update(func(pw *postWriter) error { return pw.appendWord(word, []entry{{id: last, pos: pos(1)}}) })
	bw.check(word, r, "appended one")
	if now, _ := bw.blocks(word); len(now) != before && sizes[len(sizes)-1] < maxBlockBytes {
		t.Fatalf("one posting appended after a small last block made a new block")
	}
	// Inserts in a middle block, until it splits.
	firsts, _ = bw.blocks(word)
	mid := firsts[len(firsts)/2]
	inserted := 0
	for i := 1; i < len(ids); i += 2 {
		if bytes.Compare(ids[i], mid) > 0 && inserted < 200 {
			id := ids[i]
			bw.model[string(id)] = pos(i)
			bw.update(func(pw *postWriter) error { return pw.set(word, id, pos(i)) })
			inserted++
		}
	}
	bw.check(word, r, "inserted in a middle block")
	if now, _ := bw.blocks(word); len(now) <= len(firsts) {
		t.Fatalf("200 postings inserted in a middle block: %d blocks before, %d after; want a split", len(firsts), len(now))
	}
	// Before the first (the first block's key moves) and an append-time
	// posting below the last block's end (set one by one).
	bw.model[string(ids[1])] = pos(9)
	bw.model[string(ids[3])] = pos(8)
	bw.update(func(pw *postWriter) error {
		return pw.appendWord(word, []entry{{id: ids[1], pos: pos(9)}, {id: ids[3], pos: pos(8)}})
	})
	bw.check(word, r, "inserted before the first")
	// Replacing a posting's positions.
	bw.model[string(ids[0])] = []byte{42}
	bw.update(func(pw *postWriter) error { return pw.set(word, ids[0], []byte{42}) })
	bw.check(word, r, "replaced")
	// Removing every posting of a middle block, then of the first and the
	// last: blocks left empty go.
	firsts, _ = bw.blocks(word)
	for _, bi := range []int{len(firsts) / 2, 0, -1} {
		if bi < 0 {
			bi = len(firsts) - 1
		}
		lo := firsts[bi]
		var hi []byte
		if bi+1 < len(firsts) {
			hi = firsts[bi+1]
		}
		var gone [][]byte
		for id := range bw.model {
			if bytes.Compare([]byte(id), lo) >= 0 && (hi == nil || bytes.Compare([]byte(id), hi) < 0) {
				gone = append(gone, []byte(id))
			}
		}
		r.Shuffle(len(gone), func(i, j int) { gone[i], gone[j] = gone[j], gone[i] })
		for _, id := range gone {
			delete(bw.model, string(id))
			bw.update(func(pw *postWriter) error { return pw.set(word, id, nil) })
		}
		bw.check(word, r, fmt.Sprintf("block %d emptied", bi))
		now, _ := bw.blocks(word)
		if len(now) != len(firsts)-1 {
			t.Fatalf("block %d emptied: %d blocks, want %d", bi, len(now), len(firsts)-1)
		}
		firsts = now
	}
	// Removing what is not there changes nothing; removing everything
	// leaves no block.
	bw.update(func(pw *postWriter) error { return pw.set(word, incIDBytes(ids[len(ids)-1]), nil) })
	for id := range bw.model {
		delete(bw.model, id)
		bw.update(func(pw *postWriter) error { return pw.set(word, []byte(id), nil) })
	}
	bw.check(word, r, "all removed")
	if now, _ := bw.blocks(word); len(now) != 0 {
		t.Fatalf("%d blocks left with no postings", len(now))
	}
}

// wordBlocks counts the blocks of word in the store's index.
func wordBlocks(t *testing.T, e *env, word string) int {
	t.Helper()
	return len(wordBlockStarts(t, e, word))
}

// wordBlockStarts lists the first id of each of word's blocks, in order.
func wordBlockStarts(t *testing.T, e *env, word string) []string {
	t.Helper()
	var starts []string
	err := e.s.view(func(tx *bolt.Tx) error {
		p := prefix(word)
		c := tx.Bucket(bSxPost).Cursor()
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			starts = append(starts, idString(k[len(p):]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return starts
}

// TestSearchAcrossBlocks: words whose postings span several blocks are
// found whole, newest and oldest first, in pages; notes insert postings in
// a middle block and deletions empty blocks, and the index stays equal to
// a scan.
func TestSearchAcrossBlocks(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	const n = 600
	items := numberedComments(now, "b", "jalan nomor %d", n)
	for i := range items {
		if i%2 == 0 {
			items[i].Text += " rusak"
		}
	}
	ids := e.ingest(items...)
	ctx := context.Background()
	for {
		var got int
		err := e.s.write(func(w *wctx) error { var err error; got, err = w.indexBatch(70); return err })
		if err != nil {
			t.Fatal(err)
		}
		if got == 0 {
			break
		}
	}
	if b := wordBlocks(t, e, "jalan"); b < 3 {
		t.Fatalf("%d postings of jalan in %d blocks: want several", n, b)
	}
	has := map[string]map[int]bool{"jalan": {}, "rusak": {}}
	for i := range n {
		has["jalan"][i] = true
		if i%2 == 0 {
			has["rusak"][i] = true
		}
	}
	check := func(what string) {
		t.Helper()
		if _, err := e.s.VerifyIndex(ctx); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		for _, q := range []string{"jalan", "rusak", `"rusak parah"`} {
			var want []string
			for i := range n {
				if q == `"rusak parah"` && i%2 == 1 && has["rusak"][i] || q != `"rusak parah"` && has[q][i] {
					want = append(want, ids[i])
				}
			}
			for _, order := range []Order{NewestFirst, OldestFirst} {
				w := slices.Clone(want)
				if order == NewestFirst {
					slices.Reverse(w)
				}
				if got := pageAll(t, e.s, Filter{Query: q, Order: order, Limit: 37}); !slices.Equal(got, w) {
					t.Fatalf("%s: %q order %v: %d items, want %d", what, q, order, len(got), len(w))
				}
			}
		}
	}
	check("indexed")
	// Notes on odd items in the middle put "rusak" in them: inserts into
	// the middle of rusak's blocks.
	before := wordBlocks(t, e, "rusak")
	for i := 201; i < 401; i += 2 {
		if _, err := e.s.AddNote(ids[i], "op", "rusak parah"); err != nil {
			t.Fatal(err)
		}
		has["rusak"][i] = true
	}
	if after := wordBlocks(t, e, "rusak"); after <= before {
		t.Fatalf("100 postings inserted in rusak's middle blocks: %d blocks before, %d after; want a split", before, after)
	}
	check("with notes")
	// Deleting a run of items empties a whole block of jalan and cuts into
	// its neighbours. Where blocks end depends on how many bytes each id's
	// delta takes, which the ids' random part decides, so the run is taken
	// from the blocks themselves: the second block and 20 items either side.
	starts := wordBlockStarts(t, e, "jalan")
	before = len(starts)
	second, third := slices.Index(ids, starts[1]), slices.Index(ids, starts[2])
	if second < 20 || third <= second || third+20 > n {
		t.Fatalf("jalan's second and third blocks start at items %d and %d: want a middle block", second, third)
	}
	from, to := second-20, third+20
	err := e.s.write(func(w *wctx) error {
		for i := from; i < to; i++ {
			iid, _ := parseID(ids[i])
			old, err := getItem(w.tx, iid)
			if err != nil {
				return err
			}
			f, err := noteFields(w.tx, iid, fieldsOf(old.Text, old.Author.Name, old.Author.Handle, old.Ticket))
			if err != nil {
				return err
			}
			if err := w.tx.Bucket(bItems).Delete(iid); err != nil {
				return err
			}
			if err := w.reindexItem(iid, f, true); err != nil {
				return err
			}
			for _, m := range has {
				delete(m, i)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := wordBlocks(t, e, "jalan"); after >= before {
		t.Fatalf("items %d to %d of jalan's %d postings removed: %d blocks before, %d after", from, to-1, n, before, after)
	}
	check("after deletions")
}

// TestOldIndexFormatIsRebuilt: a file whose index is in format 1 (a key
// per word and item, no format mark) is searched completely by scanning
// until the indexer drops the old index and rebuilds it in blocks.
func TestOldIndexFormatIsRebuilt(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	ids := e.ingest(numberedComments(now, "o", "lampu jalan mati nomor %d", 40)...)
	// Format 1, as the inboxd before it wrote it.
	err := e.s.write(func(w *wctx) error {
		if err := w.tx.DeleteBucket(bSxMeta); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return err
		}
		post, err := w.tx.CreateBucketIfNotExists(bSxPost)
		if err != nil {
			return err
		}
		meta, err := w.tx.CreateBucket(bSxMeta)
		if err != nil {
			return err
		}
		for _, id := range ids {
			iid, _ := parseID(id)
			it, err := getItem(w.tx, iid)
			if err != nil {
				return err
			}
			for _, p := range itemPostings(nil, fieldsOf(it.Text, it.Author.Name, it.Author.Handle, it.Ticket)) {
				if err := post.Put(withID(prefix(p.word), iid), p.pos); err != nil {
					return err
				}
			}
			if err := meta.Put(keyHWM, iid); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.reopen()
	ctx := context.Background()
	want := slices.Clone(ids)
	slices.Reverse(want)
	if got := pageAll(t, e.s, Filter{Query: "jalan", Limit: 9}); !slices.Equal(got, want) {
		t.Fatalf("old format, before the indexer: %d items, want %d", len(got), len(want))
	}
	if _, err := e.s.VerifyIndex(ctx); !errors.Is(err, ErrIndexMismatch) {
		t.Fatalf("VerifyIndex on an old-format index = %v", err)
	}
	if n, err := e.s.IndexPending(ctx, 0); err != nil || n != len(ids) {
		t.Fatalf("IndexPending = %d, %v; want all %d items re-indexed", n, err, len(ids))
	}
	if _, err := e.s.VerifyIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := pageAll(t, e.s, Filter{Query: `"jalan mati"`, Limit: 9}); !slices.Equal(got, want) {
		t.Fatalf("rebuilt: %d items, want %d", len(got), len(want))
	}
	if b := wordBlocks(t, e, "jalan"); b != 1 {
		t.Fatalf("40 postings of jalan in %d blocks after the rebuild, want 1", b)
	}
}

// TestIndexerSeesChangesAfterItsRead: the indexer derives postings in a
// read transaction and writes them in a later write; a note added or an
// item changed in between is indexed as it is at the write, and a batch
// read before another indexer moved the mark writes nothing.
func TestIndexerSeesChangesAfterItsRead(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	ids := e.ingest(numberedComments(now, "c", "sampah menumpuk nomor %d", 30)...)
	ctx := context.Background()
	read := func(max int) (b *preparedBatch) {
		t.Helper()
		err := e.s.view(func(tx *bolt.Tx) error {
			var err error
			b, err = prepareBatch(tx, max)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	apply := func(b *preparedBatch) (n int, stale bool) {
		t.Helper()
		err := e.s.write(func(w *wctx) error {
			var err error
			n, stale, err = w.applyBatch(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n, stale
	}
	b := read(20)
	if _, err := e.s.AddNote(ids[3], "op", "tanggul jebol"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Update(ids[5], "op", Change{Status: ptr(inbox.StatusOpen)}); err != nil {
		t.Fatal(err)
	}
	if n, stale := apply(b); n != 20 || stale {
		t.Fatalf("applyBatch = %d, stale %v; want 20 items", n, stale)
	}
	if _, err := e.s.VerifyIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := pageAll(t, e.s, Filter{Query: "tanggul"}); !slices.Equal(got, []string{ids[3]}) {
		t.Fatalf("a note added between the read and the write: search finds %v", got)
	}
	b = read(5)
	if _, err := e.s.IndexPending(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if n, stale := apply(b); n != 0 || !stale {
		t.Fatalf("a batch read before the mark moved: applyBatch = %d, stale %v", n, stale)
	}
	if _, err := e.s.VerifyIndex(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestIndexerWait(t *testing.T) {
	const iv = 200 * time.Millisecond
	for _, tc := range []struct {
		n          int
		took, want time.Duration
	}{
		{100, 10 * time.Millisecond, iv},                     // caught up: the interval
		{2000, 15 * time.Millisecond, 85 * time.Millisecond}, // more pending: the duty bound only
		{100, 60 * time.Millisecond, 340 * time.Millisecond}, // a long batch: ingest gets 85 % of the time
		{2000, 300 * time.Millisecond, maxDutyWait},          // a batch held up by the disk: the lag stays bounded
	} {
		if got := indexerWait(tc.n, 2000, tc.took, iv); got != tc.want {
			t.Errorf("indexerWait(%d, took %v) = %v, want %v", tc.n, tc.took, got, tc.want)
		}
	}
}

// numberedComments are n comments on one thread, a second apart from now,
// with external ids prefix0, prefix1, … and texts textFormat of their number.
func numberedComments(now time.Time, prefix, textFormat string, n int) []inbox.Item {
	items := make([]inbox.Item, 0, n)
	for i := range n {
		it := fbComment(fmt.Sprint(prefix, i), "t", "u", now.Add(time.Duration(i)*time.Second))
		it.Text = fmt.Sprintf(textFormat, i)
		items = append(items, it)
	}
	return items
}
