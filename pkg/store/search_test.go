package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/rules"
	"github.com/inboxd/inboxd/pkg/textnorm"
)

// modelQuery is the query semantics written plainly, for brute-force
// comparison: every normalised word of q is a word of one of texts (the
// last one, of 3 characters or more and unquoted, may be a prefix), and a
// quoted phrase is a run of words of one text.
func modelQuery(q string, texts ...string) bool {
	var norm []string
	for _, t := range texts {
		norm = append(norm, " "+textnorm.Normalize(t)+" ")
	}
	has := func(pred func(string) bool) bool { return slices.ContainsFunc(norm, pred) }
	parts := strings.Split(q, `"`)
	type cond struct {
		phrase string
		prefix bool
	}
	var conds []cond
	for i, p := range parts {
		if i%2 == 1 {
			if ph := textnorm.Normalize(p); ph != "" {
				conds = append(conds, cond{phrase: ph})
			}
			continue
		}
		for _, tok := range strings.Fields(p) {
			if w := textnorm.Normalize(tok); w != "" {
				conds = append(conds, cond{phrase: w})
			}
		}
	}
	if len(conds) == 0 {
		return false
	}
	last := strings.TrimRight(q, " \t")
	lastPlain := !strings.HasSuffix(last, `"`) && strings.Count(q, `"`)%2 == 0
	if c := &conds[len(conds)-1]; lastPlain && !strings.Contains(c.phrase, " ") && len([]rune(c.phrase)) >= MinPrefixLen &&
		strings.IndexFunc(c.phrase, unicode.IsLetter) >= 0 {
		c.prefix = true
	}
	for _, c := range conds {
		ok := has(func(t string) bool {
			if c.prefix {
				return strings.Contains(t, " "+c.phrase)
			}
			return strings.Contains(t, " "+c.phrase+" ")
		})
		if !ok {
			return false
		}
	}
	return true
}

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{"jln rusak", "w:jalan p:rusak"},
		{"jln ru", "w:jalan w:ru"},
		{`"jalan rusak" desa`, "ph:jalan+rusak p:desa"},
		{`desa "jalan rusak"`, "w:desa ph:jalan+rusak"},
		{`"jalan rusak`, "ph:jalan+rusak"},
		{"gorong2 mampet", "ph:gorong+gorong p:mampet"},
		{"UP4-2026-000123", "ph:up4+2026+000123"},
		{"!!! ???", ""},
		{"tiket 000123", "w:tiket w:000123"},
		{"rt05", "p:rt05"},
		{`"tolong"`, "w:tolong"},
	} {
		var got []string
		for _, tm := range parseQuery(tc.q) {
			got = append(got, []string{"w:", "p:", "ph:"}[tm.kind]+strings.Join(tm.words, "+"))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("parseQuery(%q) = %q, want %q", tc.q, strings.Join(got, " "), tc.want)
		}
	}
}

// TestSearchNormalisesLikeTheRules: the index and the routing rules share
// one normaliser, so what a rule matches a search finds, and the other
// way round.
func TestSearchNormalisesLikeTheRules(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	texts := []string{
		"JLN rusaaak parah di ds Sukodadi",
		"gorong2 mampet, tlg dibersihkan",
		"ＫＴＰ saya blm jadi",
		"Makasih min, udh beres",
		"air pdam mati 3 hr",
	}
	var items []inbox.Item
	for i, txt := range texts {
		it := fbComment(fmt.Sprint("p", i), "t", "u", now)
		it.Text = txt
		items = append(items, it)
	}
	ids := e.ingest(items...)
	if _, err := e.s.IndexPending(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ phrase, query string }{
		{"jalan rusak", `"jalan rusak"`},
		{"gorong-gorong", "gorong gorong"},
		{"belum jadi", `"blm jadi"`},
		{"terima kasih", "trims"},
		{"hari", "hr"},
	} {
		rs, err := rules.Compile([]rules.Rule{{Name: "r", AnyWords: []string{tc.phrase}, Unit: "x"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ruleHits, searchHits []string
		for i, txt := range texts {
			if _, ok := rs.Match(rules.Input{Text: txt}); ok {
				ruleHits = append(ruleHits, ids[i])
			}
		}
		p := must[ListPage](t)(e.s.List(Filter{Query: tc.query}))
		for _, it := range p.Items {
			searchHits = append(searchHits, it.ID)
		}
		slices.Sort(ruleHits)
		slices.Sort(searchHits)
		if len(ruleHits) == 0 || !slices.Equal(ruleHits, searchHits) {
			t.Errorf("%q: rule matches %v, search %q finds %v", tc.phrase, ruleHits, tc.query, searchHits)
		}
	}
}

// searchWorld ingests n items with words drawn so that some are common and
// some rare, in several units and statuses, with notes on some.
func searchWorld(t *testing.T, e *env, n int, seed uint64) ([]inbox.Item, map[string][]string) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	vocab := []string{"jalan", "jln", "rusak", "rusaaak", "banjir", "sampah", "lampu", "mati", "desa", "ds", "sukodadi",
		"gorong2", "mampet", "ktp", "kk", "tolong", "tlg", "jembatan", "jalanan", "rusa", "bodri", "tanggul", "yg", "di"}
	units := []string{"", "dinkes", "pupr"}
	now := e.clock.Now()
	var items []inbox.Item
	for i := range n {
		var words []string
		for range 2 + r.IntN(6) {
			words = append(words, vocab[r.IntN(len(vocab))])
		}
		it := item(testChannels[i%2], inbox.KindMention, extID(i), fmt.Sprint("t", i%5), fmt.Sprint("u", i%4), now.Add(time.Duration(i)*time.Second))
		it.Text = strings.Join(words, " ")
		it.Author.Name = []string{"Siti Aminah", "Budi", "Dewi Lestari", "Rina"}[i%4]
		it.Unit = units[i%3]
		items = append(items, it)
	}
	ids := e.ingest(items...)
	notes := map[string][]string{}
	for i, id := range ids {
		items[i].ID = id
		if i%7 == 3 {
			note := []string{"warga sudah ditelepon", "tanggul bodri dicek besok", "diteruskan ke pupr"}[i%3]
			if _, err := e.s.AddNote(id, "op", note); err != nil {
				t.Fatal(err)
			}
			notes[id] = append(notes[id], note)
		}
		if i%4 == 1 {
			if _, err := e.s.Update(id, "op", Change{Status: ptr(inbox.StatusOpen)}); err != nil {
				t.Fatal(err)
			}
			items[i].Status = inbox.StatusOpen
		}
	}
	for i := range items {
		items[i] = e.get(items[i].ID)
	}
	return items, notes
}

// TestSearchMatchesBruteForce compares every query and filter with the
// model over all items, while nothing, part and all of the items are
// indexed, newest and oldest first, in pages of several sizes.
func TestSearchMatchesBruteForce(t *testing.T) {
	e := newEnv(t)
	items, notes := searchWorld(t, e, 150, 7)
	queries := []string{"jalan", "jln rusak", "rus", "rusa", "ru", `"jalan rusak"`, `"rusak jalan" desa`,
		"tanggul bodri", "bodri", "gorong2", "gorong", "ktp tolong", "siti", "ami", "dewi lestari", "warga", "tidak ada",
		"UP4", "sampah lampu mati", "jal", "2026", "00000", "u1", `"di desa`, "jembatan jalanan ds"}
	waiting := []inbox.Status{inbox.StatusNew, inbox.StatusOpen}
	filters := []Filter{{}, {Statuses: waiting}, {Unit: "pupr"}, {Unit: "-", Statuses: waiting}, {Channel: chTwitter},
		{Order: OldestFirst}, {Unit: "dinkes", Order: OldestFirst}, {MaxScan: 2}, {Unit: "pupr", MaxScan: 3, Order: OldestFirst}}
	check := func(phase string) {
		t.Helper()
		for _, q := range queries {
			for _, base := range filters {
				f := base
				f.Query = q
				var want []string
				for i := range items {
					it := &items[i]
					texts := append([]string{it.Text, it.Author.Name, it.Author.Handle, it.Ticket}, notes[it.ID]...)
					if matches(&f, it) && modelQuery(q, texts...) {
						want = append(want, it.ID)
					}
				}
				slices.Sort(want)
				if f.Order != OldestFirst {
					slices.Reverse(want)
				}
				for _, limit := range []int{1, 7, 50} {
					f.Limit = limit
					got := pageAll(t, e.s, f)
					if strings.Join(got, ",") != strings.Join(want, ",") {
						t.Fatalf("%s: q=%q filter %+v limit %d:\n got %d %v\nwant %d %v", phase, q, base, limit, len(got), got, len(want), want)
					}
				}
			}
		}
	}
	check("unindexed")
	err := e.s.write(func(w *wctx) error {
		_, err := w.indexBatch(60)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	check("partly indexed")
	// A note on an indexed item is indexed with the note.
	id := items[10].ID
	if _, err := e.s.AddNote(id, "op", "Kerusakan parah dekat masjid"); err != nil {
		t.Fatal(err)
	}
	notes[id] = append(notes[id], "Kerusakan parah dekat masjid")
	if _, err := e.s.IndexPending(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	queries = append(queries, "masjid", "kerusakan")
	check("indexed")
	if lag := must[time.Duration](t)(e.s.IndexLag()); lag != 0 {
		t.Fatalf("lag %v after indexing everything", lag)
	}
}

// TestReindexEqualsAScan: reindex rebuilds what a scan derives, and the
// check finds a missing or a stray posting.
func TestReindexEqualsAScan(t *testing.T) {
	e := newEnv(t)
	items, _ := searchWorld(t, e, 80, 3)
	ctx := context.Background()
	res, err := e.s.Reindex(ctx, 9)
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != len(items) || res.Postings == 0 {
		t.Fatalf("reindex: %+v", res)
	}
	for _, q := range []string{"bodri", "jalan rus", `"jalan rusak"`, "siti"} {
		var want []string
		for i := range items {
			if modelQuery(q, items[i].Text, items[i].Author.Name, items[i].Author.Handle, items[i].Ticket) {
				want = append(want, items[i].ID)
			}
		}
		got := pageAll(t, e.s, Filter{Query: q, Order: OldestFirst})
		if q != "bodri" && strings.Join(got, ",") != strings.Join(want, ",") { // notes hold "bodri" too
			t.Fatalf("%q after reindex: %v, want %v", q, got, want)
		}
	}
	iid, _ := parseID(items[5].ID)
	stray := append([]byte("zzz\x00"), iid...)
	for _, tc := range []struct {
		name string
		edit func(w *wctx) error
	}{
		{"missing", func(w *wctx) error {
			return newPostWriter(w.tx.Bucket(bSxPost)).set(itemPostings(nil, fieldsOf(items[5].Text, "", "", ""))[0].word, iid, nil)
		}},
		{"stray word", func(w *wctx) error {
			return w.tx.Bucket(bSxPost).Put(stray, encodeBlock(nil, []entry{{id: iid, pos: []byte{0}}}))
		}},
		{"stray item", func(w *wctx) error { // an id no item has, in a word's block
			return newPostWriter(w.tx.Bucket(bSxPost)).set(itemPostings(nil, fieldsOf(items[5].Text, "", "", ""))[0].word, incIDBytes(iid), []byte{0})
		}},
		{"other positions", func(w *wctx) error {
			return newPostWriter(w.tx.Bucket(bSxPost)).set(itemPostings(nil, fieldsOf(items[5].Text, "", "", ""))[0].word, iid, []byte{99})
		}},
		{"malformed block", func(w *wctx) error { return w.tx.Bucket(bSxPost).Put(stray, nil) }},
	} {
		if _, err := e.s.Reindex(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if err := e.s.write(tc.edit); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.VerifyIndex(ctx); !errors.Is(err, ErrIndexMismatch) {
			t.Fatalf("%s posting: VerifyIndex = %v", tc.name, err)
		}
	}
}

// TestReindexItemFollowsAnEdit: after an indexed item's text changes, its
// old words stop finding it and its new ones find it.
func TestReindexItemFollowsAnEdit(t *testing.T) {
	e := newEnv(t)
	it := fbComment("x1", "t", "u", e.clock.Now())
	it.Text = "lampu jalan mati"
	id := e.ingest(it)[0]
	if _, err := e.s.IndexPending(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	iid, _ := parseID(id)
	err := e.s.write(func(w *wctx) error {
		old, err := getItem(w.tx, iid)
		if err != nil {
			return err
		}
		edited := old
		edited.Text = "sampah menumpuk"
		if err := w.putItem(&edited, &old); err != nil {
			return err
		}
		return w.reindexItem(iid, fieldsOf(old.Text, old.Author.Name, old.Author.Handle, old.Ticket), false)
	})
	if err != nil {
		t.Fatal(err)
	}
	for q, n := range map[string]int{"lampu": 0, "sampah": 1, `"sampah menumpuk"`: 1} {
		if p := must[ListPage](t)(e.s.List(Filter{Query: q})); len(p.Items) != n {
			t.Errorf("%q finds %d, want %d", q, len(p.Items), n)
		}
	}
	if _, err := e.s.VerifyIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestPhraseStaysInOneField: adjacent positions never span two fields
// (the text's last word and the author's first), nor does a note's.
func TestPhraseStaysInOneField(t *testing.T) {
	e := newEnv(t)
	it := fbComment("x1", "t", "u", e.clock.Now())
	it.Text = "lampu jalan"
	it.Author.Name = "Rusak Budi"
	id := e.ingest(it)[0]
	for _, indexed := range []bool{false, true} {
		if indexed {
			if _, err := e.s.IndexPending(context.Background(), 0); err != nil {
				t.Fatal(err)
			}
		}
		for q, n := range map[string]int{`"jalan rusak"`: 0, `"lampu jalan"`: 1, `"rusak budi"`: 1, "jalan rusak": 1} {
			if p := must[ListPage](t)(e.s.List(Filter{Query: q})); len(p.Items) != n {
				t.Errorf("indexed %v: %q finds %d, want %d", indexed, q, len(p.Items), n)
			}
		}
	}
	if _, err := e.s.AddNote(id, "op", "mati total"); err != nil {
		t.Fatal(err)
	}
	for q, n := range map[string]int{`"budi mati"`: 0, `"mati total"`: 1, `"jalan mati"`: 0} {
		if p := must[ListPage](t)(e.s.List(Filter{Query: q})); len(p.Items) != n {
			t.Errorf("with a note: %q finds %d, want %d", q, len(p.Items), n)
		}
	}
	if _, err := e.s.VerifyIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestItemPostingsManyWords: an item's postings are the same whether its
// words are found by the linear search or, past linearWords distinct
// words, by the map; words repeat after the switch and across fields.
func TestItemPostingsManyWords(t *testing.T) {
	for _, distinct := range []int{1, linearWords - 1, linearWords, linearWords + 1, 700} {
		var f searchFields
		for field := range 2 {
			var words []string
			for i := range 2 * distinct {
				words = append(words, fmt.Sprintf("kata%d", (i*7+field)%distinct))
			}
			f = append(f, words)
		}
		// What the postings must be: each word's positions, found by a map.
		var order []string
		positions := map[string][]uint64{}
		pos := uint64(0)
		for _, words := range f {
			for _, w := range words {
				if _, ok := positions[w]; !ok {
					order = append(order, w)
				}
				positions[w] = append(positions[w], pos)
				pos++
			}
			pos++
		}
		before := []wordPos{{word: "kata0", pos: []byte{9}}} // out's own entries stay apart
		got := itemPostings(before, f)
		if len(got) != 1+len(order) || got[0].pos[0] != 9 {
			t.Fatalf("%d distinct words: %d postings after 1 given, want %d", distinct, len(got), 1+len(order))
		}
		for i, w := range order {
			p := got[1+i]
			var decoded []uint64
			last := uint64(0)
			for b := p.pos; len(b) > 0; {
				d, n := binary.Uvarint(b)
				if n <= 0 {
					t.Fatalf("%d distinct words: %s: bad positions %x", distinct, w, p.pos)
				}
				last += d
				decoded = append(decoded, last)
				b = b[n:]
			}
			if p.word != w || !slices.Equal(decoded, positions[w]) {
				t.Fatalf("%d distinct words: posting %d is %s at %v, want %s at %v", distinct, i, p.word, decoded, w, positions[w])
			}
		}
	}
}

// BenchmarkItemPostings: deriving one item's postings, for a comment's
// few dozen distinct words and for long messages.
func BenchmarkItemPostings(b *testing.B) {
	for _, n := range []int{60, 500, 3000} {
		words := make([]string, n)
		for i := range words {
			words[i] = fmt.Sprintf("kata%dx", i)
		}
		f := searchFields{words}
		b.Run(fmt.Sprint(n, "-words"), func(b *testing.B) {
			for b.Loop() {
				itemPostings(nil, f)
			}
		})
	}
}
