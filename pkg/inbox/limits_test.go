package inbox

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// table is a connector-shaped reply table: pkg/inbox names no platform's
// numbers, so its tests bring their own.
func table() ReplyTable {
	return ReplyTable{Channel: chFacebook, Kinds: []ReplyKind{
		{Item: KindComment, Limit: TextLimit{Name: "comment", Max: 10}},
		{Item: KindComment, Private: true, SendsPrivately: true, OnePerItem: true, Limit: TextLimit{Name: "private reply", Max: 5}},
		{Item: KindMention, Private: true, Refused: "not privately"},
	}}
}

func TestReplyRulesLookupAndCheck(t *testing.T) {
	rr := MustReplyRules(table())
	if rk, err := rr.Lookup(chFacebook, KindComment, true); err != nil || !rk.SendsPrivately || !rk.OnePerItem || rk.Limit.Max != 5 {
		t.Fatalf("private reply row = %+v, %v", rk, err)
	}
	var refused *ReplyRefusedError
	if _, err := rr.Lookup(chFacebook, KindMention, true); !errors.As(err, &refused) || refused.Detail() != "not privately" {
		t.Fatalf("refused row: %v", err)
	}
	if _, err := rr.Lookup(chFacebook, KindMessage, false); !errors.As(err, &refused) {
		t.Fatalf("missing row: %v", err)
	}
	if _, err := rr.Lookup(chTwitter, KindMention, false); err == nil {
		t.Fatal("unregistered channel accepted")
	}
	var long *TextTooLongError
	if _, err := rr.CheckReply(chFacebook, KindComment, false, "12345678901"); !errors.As(err, &long) ||
		long.Limit != 10 || long.Count != 11 || long.Unit != "characters" || long.Field != "text" {
		t.Fatalf("too long: %v", err)
	}
	if _, err := rr.CheckReply(chFacebook, KindComment, false, "1234567890"); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
}

func TestNewReplyRulesRefusesBadTables(t *testing.T) {
	dupRow := table()
	dupRow.Kinds = append(dupRow.Kinds, dupRow.Kinds[0])
	noLimit := ReplyTable{Channel: chTwitter, Kinds: []ReplyKind{{Item: KindMention}}}
	for name, tables := range map[string][]ReplyTable{
		"channel twice": {table(), table()},
		"row twice":     {dupRow},
		"no limit":      {noLimit},
		"no channel":    {{}},
	} {
		if _, err := NewReplyRules(tables...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCountCharactersIsCodePoints(t *testing.T) {
	l := TextLimit{Max: 100}
	if n := l.Count("Jalan rusak di Desa Sukamaju 🙏"); n != 30 || l.Counting() != CountCharacters {
		t.Fatalf("Count = %d (%s), want 30 code points", n, l.Counting())
	}
}

func TestWeightingCount(t *testing.T) {
	w := &Weighting{Name: "w", Scale: 100, DefaultWeight: 200, Ranges: []WeightRange{{Start: 0, End: 0x7f, Weight: 100}},
		URLLength: 5, URLs: func(text []rune) [][2]int {
			for i := range text {
				if text[i] == 'U' {
					return [][2]int{{i, i + 3}} // "URL" stands for a URL here
				}
			}
			return nil
		}}
	cases := map[string]int{"abc": 3, "é": 2, "e\u0301": 2 /* NFC: é */, "xURLx": 1 + 5 + 1, "漢": 2, "😀": 2}
	for s, want := range cases {
		if got := w.Count(s); got != want {
			t.Errorf("Count(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestCheckPlainTextRefusals(t *testing.T) {
	refused := map[string]string{
		"":                   "empty",
		"   ":                "empty",
		"\u200b\u200d\ufeff": "empty",
		"\u3164\u2800":       "empty",
		"a\x00b":             "control",
		"a\rb":               "control",
		"a\x7fb":             "control",
		"a\u0085b":           "C1",
		"a\u009bb":           "C1",
		"a\u202ab":           "bidi",
		"a\u202eb":           "bidi",
		"a\u2066b":           "bidi",
		"a\u2069b":           "bidi",
		"a\uffffb":           "noncharacter",
		"a\xffb":             "UTF-8",
	}
	for s, want := range refused {
		err := CheckPlainText("text", s)
		var tre *TextRefusedError
		if !errors.As(err, &tre) || tre.FieldName() != "text" || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckPlainText(%q) = %v, want a refusal mentioning %q", s, err, want)
		}
	}
	for _, s := range []string{"Baik\n\tterima kasih", "\u200fשלום", "👨\u200d👩\u200d👧", "a\u200bb", "تمام\u200e"} {
		if err := CheckPlainText("text", s); err != nil {
			t.Errorf("CheckPlainText(%q) = %v, want nil", s, err)
		}
	}
}

func TestItemValidate(t *testing.T) {
	good := Item{Channel: chFacebook, Account: "pemkab", Kind: KindComment, ExternalID: "1_2", CreatedAt: time.Unix(1, 0)}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid item: %v", err)
	}
	bad := []func(*Item){
		func(i *Item) { i.Channel = "" },
		func(i *Item) { i.Kind = "post" },
		func(i *Item) { i.Account = "" },
		func(i *Item) { i.ExternalID = "" },
		func(i *Item) { i.CreatedAt = time.Time{} },
	}
	for n, mutate := range bad {
		it := good
		mutate(&it)
		if it.Validate() == nil {
			t.Errorf("case %d: invalid item accepted: %+v", n, it)
		}
	}
}

func TestDedupKeyDistinguishesAccounts(t *testing.T) {
	a := Item{Channel: chTwitter, Account: "a", ExternalID: "1"}
	b := a
	b.Account = "b"
	if a.DedupKey() == b.DedupKey() {
		t.Fatal("same platform id on two accounts must not collide")
	}
}

// A connector's text rules refuse through CheckText, like the length.
func TestTextLimitRules(t *testing.T) {
	l := TextLimit{Name: "comment", Max: 50, Rules: func(s string) string {
		if strings.Count(s, "#") > 1 {
			return "at most 1 hashtag"
		}
		return ""
	}}
	if err := CheckText("text", "#a ok", l); err != nil {
		t.Fatal(err)
	}
	var re *TextRefusedError
	if err := CheckText("text", "#a #b", l); !errors.As(err, &re) || re.Reason != "at most 1 hashtag" {
		t.Fatalf("err = %v", err)
	}
	if err := CheckText("text", strings.Repeat("#", 60), l); err == nil || errors.As(err, &re) {
		t.Fatalf("length is checked first: %v", err)
	}
}
