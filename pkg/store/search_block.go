package store

// Blocked postings (index format 2). sx_post holds, per word, blocks of
// postings in ascending id order:
//
//	sx_post  word 0x00 minid16 -> block
//	block    pos(first) { idDelta pos }*
//	pos      uvarint(len) positions          positions as in format 1
//	idDelta  uvarint(0) uvarint(d)            same millisecond, random part + d
//	       | uvarint(dms<<1 | 1) random[10]   dms milliseconds later, new random part
//
// The key is the block's smallest id (its first posting's, not repeated in
// the value). Blocks of one word cover disjoint, ascending id ranges, so the
// block that holds or would hold an id is the last one whose key is ≤
// word|id. Ids are ULIDs (48-bit millisecond time, 80 random bits, kept
// monotonic within a millisecond by small increments, see Store.newID):
// two ids of one millisecond differ by a small number, ids of different
// milliseconds by a time step and fresh random bits, which no delta code
// shortens. The indexer appends a batch's postings to the word's last
// block (its key stays) until the block holds maxBlockBytes, then starts
// new blocks; a note or an edit inserts or removes one posting in the block
// that covers its id, splitting a block grown past maxBlockBytes.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// indexFormat is the layout of sx_post that sx_meta "format" records;
// a file whose index has another (format 1, one key per word and item,
// had none) has its index dropped and rebuilt by the indexer.
const indexFormat = 2

var keyFormat = []byte("format")

// maxBlockBytes is the size past which the indexer starts a new block for
// a word (and an insert splits one): ~150 postings, several to a page.
const maxBlockBytes = 2048

// entry is one posting: an item id and the word's positions in it.
type entry struct{ id, pos []byte }

// errBlock: a block does not decode (VerifyIndex reports it as a mismatch).
var errBlock = errors.New("malformed posting block")

// appendIDDelta appends the code of id after prev (id > prev).
func appendIDDelta(dst, prev, id []byte) []byte {
	pt, t := ts48(prev), ts48(id)
	if t == pt {
		d, borrow := bits.Sub64(binary.BigEndian.Uint64(id[8:]), binary.BigEndian.Uint64(prev[8:]), 0)
		hi := int(binary.BigEndian.Uint16(id[6:])) - int(binary.BigEndian.Uint16(prev[6:])) - int(borrow)
		if hi == 0 && d != 0 { // the random parts differ by d < 2^64
			dst = binary.AppendUvarint(dst, 0)
			return binary.AppendUvarint(dst, d)
		}
	}
	dst = binary.AppendUvarint(dst, (t-pt)<<1|1)
	return append(dst, id[6:]...)
}

func ts48(id []byte) uint64 {
	return uint64(binary.BigEndian.Uint16(id))<<32 | uint64(binary.BigEndian.Uint32(id[2:]))
}

// nextID decodes the id after prev from b into out (16 bytes) and returns
// the bytes read.
func nextID(b, prev, out []byte) (int, error) {
	h, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, errBlock
	}
	if h == 0 {
		d, m := binary.Uvarint(b[n:])
		if m <= 0 || d == 0 {
			return 0, errBlock
		}
		copy(out, prev)
		lo, carry := bits.Add64(binary.BigEndian.Uint64(prev[8:]), d, 0)
		hi := uint64(binary.BigEndian.Uint16(prev[6:])) + carry
		if hi > 0xffff {
			return 0, errBlock
		}
		binary.BigEndian.PutUint16(out[6:], uint16(hi))
		binary.BigEndian.PutUint64(out[8:], lo)
		return n + m, nil
	}
	if h&1 == 0 || len(b) < n+10 {
		return 0, errBlock
	}
	t := ts48(prev) + h>>1
	if t >= 1<<48 || t < ts48(prev) {
		return 0, errBlock
	}
	binary.BigEndian.PutUint16(out, uint16(t>>32))
	binary.BigEndian.PutUint32(out[2:], uint32(t))
	copy(out[6:], b[n:n+10])
	if bytes.Compare(out, prev) <= 0 {
		return 0, errBlock
	}
	return n + 10, nil
}

// appendPos appends a posting's positions.
func appendPos(dst, pos []byte) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(pos))), pos...)
}

// readPos reads a posting's positions at the start of b.
func readPos(b []byte) (pos []byte, n int, err error) {
	l, m := binary.Uvarint(b)
	if m <= 0 || uint64(len(b)-m) < l {
		return nil, 0, errBlock
	}
	return b[m : m+int(l)], m + int(l), nil
}

// encodeBlock is the value of the block of es (ascending, at least one);
// its key is es[0].id.
func encodeBlock(dst []byte, es []entry) []byte {
	dst = appendPos(dst, es[0].pos)
	for i := 1; i < len(es); i++ {
		dst = appendPos(appendIDDelta(dst, es[i-1].id, es[i].id), es[i].pos)
	}
	return dst
}

// blockView is a decoded block: its ids (16 bytes each, ascending) and
// where each posting's positions are in the value.
type blockView struct {
	ids []byte
	val []byte
	off []uint32 // offset in val of posting i's positions (its uvarint length)
}

func (b *blockView) n() int            { return len(b.ids) / idLen }
func (b *blockView) id(i int) []byte   { return b.ids[i*idLen : (i+1)*idLen : (i+1)*idLen] }
func (b *blockView) last() []byte      { return b.id(b.n() - 1) }
func (b *blockView) pos(i int) []byte  { p, _, _ := readPos(b.val[b.off[i]:]); return p }
func (b *blockView) entry(i int) entry { return entry{id: b.id(i), pos: b.pos(i)} }

// decodeBlock decodes the block val whose first id is first. The view
// keeps val (a read transaction's pages, or a copy) and owns its ids.
func decodeBlock(first, val []byte) (blockView, error) {
	b := blockView{val: val, ids: make([]byte, idLen, idLen*(1+len(val)/12)), off: make([]uint32, 0, 1+len(val)/12)}
	copy(b.ids, first)
	at := 0
	for {
		b.off = append(b.off, uint32(at))
		_, n, err := readPos(val[at:])
		if err != nil {
			return b, err
		}
		at += n
		if at == len(val) {
			return b, nil
		}
		k := len(b.ids)
		b.ids = append(b.ids, make([]byte, idLen)...)
		n, err = nextID(val[at:], b.ids[k-idLen:k], b.ids[k:])
		if err != nil {
			return b, err
		}
		at += n
	}
}

// blockEntries decodes a block into entries that own their bytes (for a
// write, which changes the pages the value was read from).
func blockEntries(first, val []byte) ([]entry, error) {
	bv, err := decodeBlock(first, bytes.Clone(val))
	if err != nil {
		return nil, err
	}
	es := make([]entry, bv.n())
	for i := range es {
		es[i] = bv.entry(i)
	}
	return es, nil
}

// blockKey reports whether k is a block key under the word prefix p, and
// its first id.
func blockKey(k, p []byte) ([]byte, bool) {
	if len(k) != len(p)+idLen || !bytes.HasPrefix(k, p) {
		return nil, false
	}
	return k[len(p):], true
}

// postWriter changes sx_post in a write transaction.
type postWriter struct {
	b *bolt.Bucket
	c *bolt.Cursor
}

func newPostWriter(b *bolt.Bucket) *postWriter { return &postWriter{b: b, c: b.Cursor()} }

// covering finds the block of word prefix p that holds or would hold id:
// the last whose key is ≤ p|id, else the word's first block (id is below
// every block), else none.
func (pw *postWriter) covering(p, id []byte) (key, val []byte) {
	seek := withID(p, id)
	k, v := pw.c.Seek(seek)
	if bytes.Equal(k, seek) {
		return k, v
	}
	var pk, pv []byte
	if k == nil {
		pk, pv = pw.c.Last()
	} else {
		pk, pv = pw.c.Prev()
	}
	if _, ok := blockKey(pk, p); ok {
		return pk, pv
	}
	if _, ok := blockKey(k, p); ok {
		return k, v
	}
	return nil, nil
}

// appendWord adds es (ascending, all above every posting the word has,
// which is what the indexer adds: items above the high-water mark) to the
// word's last block while it is small, then in new blocks. Postings not
// above the last one are set one by one.
func (pw *postWriter) appendWord(word string, es []entry) error {
	p := prefix(word)
	// What the postings take at most, to size a new value once.
	need := 0
	for _, e := range es {
		need += len(e.pos) + 16
	}
	k, v := pw.covering(p, es[0].id)
	var val []byte
	var prev []byte
	if k != nil {
		first, _ := blockKey(k, p)
		bv, err := decodeBlock(first, v)
		if err != nil {
			return fmt.Errorf("word %q: %w", word, err)
		}
		if bytes.Compare(bv.last(), es[0].id) >= 0 {
			for _, e := range es {
				if err := pw.set(word, e.id, e.pos); err != nil {
					return err
				}
			}
			return nil
		}
		if len(v) < maxBlockBytes {
			val = append(make([]byte, 0, len(v)+min(need, maxBlockBytes+64)), v...)
			prev = bv.last()
			k = bytes.Clone(k)
		} else {
			k = nil
		}
	}
	for _, e := range es {
		if k == nil || len(val) >= maxBlockBytes {
			if k != nil {
				if err := pw.b.Put(k, val); err != nil {
					return err
				}
			}
			k = withID(p, e.id)
			val = appendPos(make([]byte, 0, min(need, maxBlockBytes+64)), e.pos)
		} else {
			val = appendPos(appendIDDelta(val, prev, e.id), e.pos)
		}
		prev = e.id
	}
	return pw.b.Put(k, val)
}

// set makes the word's posting of id pos, or removes it (pos nil), in the
// block that covers id: a block left empty is deleted, one whose first id
// changed is moved to its new key, one grown past maxBlockBytes is split
// in two.
func (pw *postWriter) set(word string, id, pos []byte) error {
	p := prefix(word)
	k, v := pw.covering(p, id)
	if k == nil {
		if pos == nil {
			return nil
		}
		return pw.b.Put(withID(p, id), encodeBlock(nil, []entry{{id: id, pos: pos}}))
	}
	k = bytes.Clone(k)
	first, _ := blockKey(k, p)
	es, err := blockEntries(first, v)
	if err != nil {
		return fmt.Errorf("word %q: %w", word, err)
	}
	i, found := slices.BinarySearchFunc(es, id, func(e entry, id []byte) int { return bytes.Compare(e.id, id) })
	switch {
	case pos == nil && !found:
		return nil
	case pos == nil:
		es = slices.Delete(es, i, i+1)
	case found:
		es[i].pos = pos
	default:
		es = slices.Insert(es, i, entry{id: id, pos: pos})
	}
	if len(es) == 0 {
		return pw.b.Delete(k)
	}
	parts := [][]entry{es}
	if val := encodeBlock(nil, es); len(val) > maxBlockBytes && len(es) > 1 {
		parts = [][]entry{es[:len(es)/2], es[len(es)/2:]}
	}
	if !bytes.Equal(es[0].id, first) {
		if err := pw.b.Delete(k); err != nil {
			return err
		}
	}
	for _, part := range parts {
		if err := pw.b.Put(withID(p, part[0].id), encodeBlock(nil, part)); err != nil {
			return err
		}
	}
	return nil
}
