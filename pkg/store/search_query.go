package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/textnorm"
)

// Query syntax (Filter.Query): words, all of which must match; a quoted
// phrase matches its words adjacent, in order, within one field; the last
// unquoted word matches as a prefix once it has MinPrefixLen characters
// (search as you type), unless it is a number: "103" would stand for
// thousands of ticket and handle numbers, and a number is read out whole. Words are normalised by textnorm, as the routing
// rules normalise text, so "jln rusak" finds "jalan rusak".
const (
	MinPrefixLen = 3
	// maxPrefixUnion is how many words a prefix may stand for and still be
	// walked in the index next to other words; a prefix of more (a common
	// stem) is checked on the items the other words select.
	maxPrefixUnion = 64
)

type termKind int

const (
	termWord termKind = iota
	termPrefix
	termPhrase
)

type term struct {
	kind  termKind
	words []string // one word, or a phrase's words; index forms (indexWord)
}

// parseQuery splits q into terms. A token the normaliser turns into several
// words ("gorong2", "dll") is a phrase of them, as it reads in the text.
func parseQuery(q string) []term {
	var terms []term
	add := func(words []string, kind termKind) {
		for i := range words {
			words[i] = indexWord(words[i])
		}
		switch {
		case len(words) == 0:
			return
		case len(words) == 1 && kind == termPhrase:
			kind = termWord
		case len(words) > 1:
			kind = termPhrase
		}
		terms = append(terms, term{kind: kind, words: words})
	}
	parts := strings.Split(q, `"`)
	lastWord := -1 // index in terms of the query's last unquoted token
	for i, part := range parts {
		if i%2 == 1 { // inside quotes (an unclosed quote runs to the end)
			add(textnorm.Words(part), termPhrase)
			lastWord = -1
			continue
		}
		for _, tok := range strings.Fields(part) {
			n := len(terms)
			add(textnorm.Words(tok), termWord)
			lastWord = -1
			if len(terms) > n && terms[n].kind == termWord {
				lastWord = n
			}
		}
	}
	if lastWord >= 0 && lastWord == len(terms)-1 && utf8.RuneCountInString(terms[lastWord].words[0]) >= MinPrefixLen &&
		strings.ContainsFunc(terms[lastWord].words[0], unicode.IsLetter) {
		terms[lastWord].kind = termPrefix
	}
	return terms
}

// matchFields reports whether an item with the words f matches every term.
func matchFields(terms []term, f searchFields) bool {
	for _, t := range terms {
		if !matchTerm(t, f) {
			return false
		}
	}
	return true
}

func matchTerm(t term, f searchFields) bool {
	for _, words := range f {
		switch t.kind {
		case termWord:
			for _, w := range words {
				if indexWord(w) == t.words[0] {
					return true
				}
			}
		case termPrefix:
			for _, w := range words {
				if strings.HasPrefix(indexWord(w), t.words[0]) {
					return true
				}
			}
		case termPhrase:
			n := len(t.words)
			for i := 0; i+n <= len(words); i++ {
				ok := true
				for j := range n {
					if indexWord(words[i+j]) != t.words[j] {
						ok = false
						break
					}
				}
				if ok {
					return true
				}
			}
		}
	}
	return false
}

// seeker is a walk over ids in one direction that can skip ahead.
type seeker interface {
	id() []byte
	next() []byte
	// seek moves to the first id at or past target in the walk's
	// direction (never back) and returns it.
	seek(target []byte) []byte
}

func (it *indexIter) seek(target []byte) []byte {
	if it.cur == nil {
		return nil
	}
	c := bytes.Compare(it.cur, target)
	if (it.desc && c <= 0) || (!it.desc && c >= 0) {
		return it.cur
	}
	// A common word's next hit is often a few keys on: step before seeking
	// from the root.
	for range 3 {
		if it.next() == nil {
			return nil
		}
		c = bytes.Compare(it.cur, target)
		if (it.desc && c <= 0) || (!it.desc && c >= 0) {
			return it.cur
		}
	}
	k, _ := it.c.Seek(withID(it.p, target))
	if it.desc && !bytes.Equal(k, withID(it.p, target)) {
		if k == nil {
			k, _ = it.c.Last()
		} else {
			k, _ = it.c.Prev()
		}
	}
	it.set(k)
	return it.cur
}

func (m *mergeIter) seek(target []byte) []byte {
	for _, s := range m.srcs {
		s.seek(target)
	}
	return m.id()
}

// postIter walks one word's postings (its blocks, see search_block.go)
// by id, ascending or descending, decoding each block once.
type postIter struct {
	c    *bolt.Cursor
	p    []byte // word 0x00
	desc bool
	blk  blockView
	i    int    // cur's index in blk
	cur  []byte // nil: past the end
}

// newPostIter walks the postings under the word prefix p strictly after
// (or before, descending) the id after.
func newPostIter(b *bolt.Bucket, p []byte, desc bool, after []byte) *postIter {
	it := &postIter{c: b.Cursor(), p: p, desc: desc}
	switch {
	case after == nil && !desc:
		k, v := it.c.Seek(p)
		it.load(k, v, false)
	case after == nil:
		k, _ := it.c.Seek(append(bytes.Clone(p), bytes.Repeat([]byte{0xff}, idLen+1)...))
		var v []byte
		if k == nil {
			k, v = it.c.Last()
		} else {
			k, v = it.c.Prev()
		}
		it.load(k, v, true)
	default:
		if c := it.seekRoot(after); c != nil && bytes.Equal(c, after) {
			it.next()
		}
	}
	return it
}

// load makes the block k its current one, at its first posting (or its
// last, atEnd); a key of another word ends the walk.
func (it *postIter) load(k, v []byte, atEnd bool) bool {
	first, ok := blockKey(k, it.p)
	if !ok {
		it.cur = nil
		return false
	}
	blk, err := decodeBlock(first, v)
	if err != nil { // VerifyIndex reports it; a search takes what decodes
		blk.ids = blk.ids[:len(blk.off)*idLen]
	}
	it.blk, it.i = blk, 0
	if atEnd {
		it.i = blk.n() - 1
	}
	it.cur = blk.id(it.i)
	return true
}

func (it *postIter) id() []byte { return it.cur }

// pos is the current posting's positions.
func (it *postIter) pos() []byte { return it.blk.pos(it.i) }

func (it *postIter) next() []byte {
	if it.cur == nil {
		return nil
	}
	if it.desc {
		if it.i > 0 {
			it.i--
			it.cur = it.blk.id(it.i)
			return it.cur
		}
		k, v := it.c.Prev()
		it.load(k, v, true)
		return it.cur
	}
	if it.i+1 < it.blk.n() {
		it.i++
		it.cur = it.blk.id(it.i)
		return it.cur
	}
	k, v := it.c.Next()
	it.load(k, v, false)
	return it.cur
}

// within moves to the first id ≥ target (the last ≤ target, descending) in
// the current block, which must hold one.
func (it *postIter) within(target []byte) []byte {
	n := it.blk.n()
	i := sortSearch(n, func(i int) bool { return bytes.Compare(it.blk.id(i), target) >= 0 })
	if it.desc && (i == n || !bytes.Equal(it.blk.id(i), target)) {
		i--
	}
	it.i, it.cur = i, it.blk.id(i)
	return it.cur
}

func (it *postIter) seek(target []byte) []byte {
	if it.cur == nil {
		return nil
	}
	c := bytes.Compare(it.cur, target)
	if (it.desc && c <= 0) || (!it.desc && c >= 0) {
		return it.cur
	}
	if it.desc {
		if bytes.Compare(it.blk.id(0), target) <= 0 {
			return it.within(target)
		}
		// The block before starts at or below target: it holds the id.
		if k, v := it.c.Prev(); it.load(k, v, true) && bytes.Compare(it.blk.id(0), target) <= 0 {
			return it.within(target)
		}
	} else {
		if bytes.Compare(it.blk.last(), target) >= 0 {
			return it.within(target)
		}
		// The next block starts at or past target: its first id.
		if k, v := it.c.Next(); it.load(k, v, false) && bytes.Compare(it.cur, target) >= 0 {
			return it.cur
		}
	}
	return it.seekRoot(target)
}

// seekRoot positions on the first id ≥ target (last ≤, descending) by a
// seek from the root.
func (it *postIter) seekRoot(target []byte) []byte {
	seek := withID(it.p, target)
	k, v := it.c.Seek(seek)
	if !bytes.Equal(k, seek) {
		// The block before holds target's place, if the word has one.
		var pk, pv []byte
		if k == nil {
			pk, pv = it.c.Last()
		} else {
			pk, pv = it.c.Prev()
		}
		if it.load(pk, pv, false) {
			if bytes.Compare(it.blk.last(), target) >= 0 || it.desc {
				return it.within(target)
			}
			k, v = it.c.Next()
		} else if it.desc {
			it.cur = nil
			return nil
		} else {
			k, v = it.c.Seek(seek) // back to the block the seek found
		}
	}
	it.load(k, v, false)
	return it.cur
}

// sortSearch is sort.Search without the import's closure cost in loops.
func sortSearch(n int, f func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !f(m) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// unionIter walks the ids any of its walks has, each once (an item with
// both "jalan" and "jalanan" is one hit of the prefix "jal").
type unionIter struct {
	srcs []*postIter
	desc bool
}

func (u *unionIter) id() []byte {
	if b := pickWalk(u.srcs, u.desc); b != nil {
		return b.cur
	}
	return nil
}

// pickWalk is the walk whose id comes first in the direction desc (the
// zero W when every walk has ended).
func pickWalk[W interface{ id() []byte }](srcs []W, desc bool) W {
	var best W
	var bestID []byte
	for _, s := range srcs {
		id := s.id()
		if id == nil {
			continue
		}
		if bestID == nil {
			best, bestID = s, id
			continue
		}
		c := bytes.Compare(id, bestID)
		if (desc && c > 0) || (!desc && c < 0) {
			best, bestID = s, id
		}
	}
	return best
}

func (u *unionIter) next() []byte {
	cur := u.id()
	if cur == nil {
		return nil
	}
	cur = clone(cur)
	for _, s := range u.srcs {
		if s.cur != nil && bytes.Equal(s.cur, cur) {
			s.next()
		}
	}
	return u.id()
}

func (u *unionIter) seek(target []byte) []byte {
	for _, s := range u.srcs {
		s.seek(target)
	}
	return u.id()
}

// andIter walks the ids every one of its walks has (a leapfrog join: each
// walk seeks to the furthest id another one is at, so a rare word's few
// ids drive a common word's walk through a few seeks).
type andIter struct {
	its []seeker
	cur []byte
}

func (a *andIter) id() []byte { return a.cur }

func (a *andIter) next() []byte {
	a.its[0].next()
	a.cur = a.align(a.its[0].id())
	return a.cur
}

func (a *andIter) seek(target []byte) []byte {
	a.cur = a.align(a.its[0].seek(target))
	return a.cur
}

func (a *andIter) align(target []byte) []byte {
	for target != nil {
		agreed := true
		for _, it := range a.its {
			c := it.seek(target)
			if c == nil {
				return nil
			}
			if !bytes.Equal(c, target) {
				target, agreed = c, false
				break
			}
		}
		if agreed {
			return target
		}
	}
	return nil
}

// prefixWords lists the indexed words starting with p, at most limit+1.
func prefixWords(post *bolt.Bucket, p string, limit int) []string {
	var out []string
	c := post.Cursor()
	for k, _ := c.Seek([]byte(p)); k != nil && bytes.HasPrefix(k, []byte(p)) && len(out) <= limit; {
		end := bytes.IndexByte(k, 0)
		if end < 0 {
			break
		}
		out = append(out, string(k[:end]))
		// The next word: the first key past every "word|...".
		k, _ = c.Seek(append(append([]byte(nil), k[:end]...), 1))
	}
	return out
}

// searchPlan is how one query walks the index.
type searchPlan struct {
	terms []term
	walk  seeker // the ids every term (and the filter's index) selects
	// verify: candidates must be checked on the item (a wide prefix, or a
	// filter the filter's index does not cover).
	verifyQuery, verifyFilter bool
	phrases                   []term // checked on the words' positions
	byWord                    map[string]*postIter
	pos                       [][]int
}

// phraseOK reports whether the item id, where every word's walk stands,
// has every phrase's words adjacent, from the positions of its postings.
func (sp *searchPlan) phraseOK(id []byte) bool {
	for _, t := range sp.phrases {
		sp.pos = sp.pos[:0]
		for _, w := range t.words {
			it := sp.byWord[w]
			if !bytes.Equal(it.id(), id) {
				return false
			}
			sp.pos = append(sp.pos, positions(it.pos(), nil))
		}
		found := false
		for _, p := range sp.pos[0] {
			found = true
			for j := 1; j < len(sp.pos) && found; j++ {
				_, found = slices.BinarySearch(sp.pos[j], p+j)
			}
			if found {
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// planSearch builds the index walk of terms and the filter f (without its
// Query), from after in the direction desc.
func planSearch(tx *bolt.Tx, terms []term, f *Filter, desc bool, after []byte) searchPlan {
	sp := searchPlan{terms: terms}
	post := tx.Bucket(bSxPost)
	and := &andIter{}
	if post == nil {
		return sp
	}
	sp.byWord = map[string]*postIter{}
	words := func(t term) {
		for _, w := range t.words {
			if sp.byWord[w] == nil {
				it := newPostIter(post, prefix(w), desc, after)
				sp.byWord[w] = it
				and.its = append(and.its, it)
			}
		}
	}
	var wide []term
	for _, t := range terms {
		switch t.kind {
		case termWord:
			words(t)
		case termPhrase:
			words(t)
			sp.phrases = append(sp.phrases, t)
		case termPrefix:
			wide = append(wide, t)
		}
	}
	for _, t := range wide {
		limit := maxPrefixUnion
		if len(and.its) == 0 {
			limit = 1 << 30 // alone: the union is the only walk there is
		}
		ws := prefixWords(post, t.words[0], limit)
		if len(ws) > limit {
			sp.verifyQuery = true
			continue
		}
		u := &unionIter{desc: desc}
		for _, w := range ws {
			u.srcs = append(u.srcs, newPostIter(post, prefix(w), desc, after))
		}
		and.its = append(and.its, u)
	}
	if len(and.its) == 0 {
		return sp
	}
	if filtered(f) {
		m, check := plan(tx, f, desc, after)
		and.its = append(and.its, m)
		sp.verifyFilter = check
	}
	and.cur = and.align(and.its[0].id())
	sp.walk = and
	return sp
}

// filtered reports whether f (its Query aside) selects anything.
func filtered(f *Filter) bool {
	return len(f.Statuses) > 0 || f.Channel != "" || f.Account != "" || f.Kind != "" || f.Unit != "" ||
		f.Assignee != "" || f.Tag != "" || f.Ticket != "" || f.Overdue != nil || f.ExternalRef != ""
}

// search is scan for a filter with a Query: the items above the index's
// high-water mark are checked one by one (at most maxScan per call, as
// scan does), the others come from the word index. Newest first, the
// unindexed (newest) items come first; oldest first, last.
func (s *Store) search(f Filter, limit, maxScan int, after []byte, desc, decode bool, fn func(v []byte, it *inbox.Item)) (string, error) {
	terms := parseQuery(f.Query)
	f.Query = ""
	var next string
	err := s.view(func(tx *bolt.Tx) error {
		if len(terms) == 0 {
			return nil // a query of no words matches nothing
		}
		h := clone(hwm(tx))
		items := tx.Bucket(bItems).Cursor()
		scanned, served := 0, 0
		var last []byte
		var it inbox.Item
		// visit examines one candidate; stop is set when the page is
		// full or the scan bound is reached.
		visit := func(id []byte, verifyFilter, verifyQuery bool) (stop bool, err error) {
			if served == limit || (verifyQuery || verifyFilter) && scanned == maxScan {
				next = encodeCursor(idString(last))
				return true, nil
			}
			last = id
			k, v := items.Seek(id)
			if v == nil || !bytes.Equal(k, id) {
				return false, fmt.Errorf("search: index points at missing item %s", idString(id))
			}
			if verifyFilter || verifyQuery || decode {
				it = inbox.Item{}
				if err := json.Unmarshal(v, &it); err != nil {
					return false, fmt.Errorf("item %s: decode: %w", idString(id), err)
				}
			}
			if verifyFilter || verifyQuery {
				scanned++
			}
			if verifyFilter && !matches(&f, &it) {
				return false, nil
			}
			if verifyQuery {
				sf, err := noteFields(tx, id, fieldsOf(it.Text, it.Author.Name, it.Author.Handle, it.Ticket))
				if err != nil {
					return false, err
				}
				if !matchFields(terms, sf) {
					return false, nil
				}
			}
			served++
			fn(v, &it)
			return false, nil
		}
		// The unindexed items: above h.
		tail := func() (bool, error) {
			from := after
			if !desc && h != nil && (from == nil || bytes.Compare(from, h) < 0) {
				from = h
			}
			m, check := plan(tx, &f, desc, from)
			for id := m.id(); id != nil && (h == nil || bytes.Compare(id, h) > 0); id = m.next() {
				if stop, err := visit(id, check, true); stop || err != nil {
					return stop, err
				}
			}
			return false, nil
		}
		indexed := func() (bool, error) {
			if h == nil {
				return false, nil
			}
			from := after
			if desc && (from == nil || bytes.Compare(from, h) > 0) {
				from = incIDBytes(h) // start at h itself
			}
			sp := planSearch(tx, terms, &f, desc, from)
			if sp.walk == nil {
				return false, nil
			}
			for id := sp.walk.id(); id != nil; id = sp.walk.next() {
				if len(sp.phrases) > 0 {
					if served == limit || scanned == maxScan {
						next = encodeCursor(idString(last))
						return true, nil
					}
					if !sp.phraseOK(id) {
						// Its words, but apart: counts as examined.
						scanned++
						last = id
						continue
					}
				}
				if stop, err := visit(id, sp.verifyFilter, sp.verifyQuery); stop || err != nil {
					return stop, err
				}
			}
			return false, nil
		}
		phases := []func() (bool, error){tail, indexed}
		if !desc {
			slices.Reverse(phases)
		}
		for _, p := range phases {
			if stop, err := p(); stop || err != nil {
				return err
			}
		}
		return nil
	})
	return next, err
}

// incIDBytes is the id right after id.
func incIDBytes(id []byte) []byte {
	out := clone(id)
	for i := len(out) - 1; i >= 0; i-- {
		out[i]++
		if out[i] != 0 {
			break
		}
	}
	return out
}
