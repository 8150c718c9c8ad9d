package rules

import (
	"reflect"
	"strings"
	"testing"
)

func mustCompile(t *testing.T, rs []Rule, units []string) *Set {
	t.Helper()
	s, err := Compile(rs, units)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWordsMatchOnWordBoundariesAfterNormalising(t *testing.T) {
	s := mustCompile(t, []Rule{
		{Name: "air", AnyWords: []string{"pdam", "air mati"}, Unit: "pdam"},
		{Name: "jalan", AnyWords: []string{"jalan rusak", "jln berlubang", "gorong-gorong"}, Unit: "dpupr"},
		{Name: "sampah", AnyWords: []string{"sampah*"}, Unit: "dlh"},
	}, nil)
	tests := []struct {
		text, rule string
	}{
		{"PDAM mati lagi", "air"},
		{"Air MATI sejak pagi!!", "air"},
		{"airmati", ""},                // not two words
		{"pdamnya", ""},                // "pdam" never inside another word
		{"kepdam", ""},                 // nor at its end
		{"Jln rusaaak parah", "jalan"}, // abbreviation and letter run
		{"jalan   berlubang", "jalan"}, // the rule's "jln" normalises too
		{"gorong2 mampet", "jalan"},    // reduplication with a digit
		{"Gorong-gorong mampet", "jalan"},
		{"rusak jalan", ""},            // phrase order matters
		{"sampahnya numpuk", "sampah"}, // prefix word
		{"TPS sampah", "sampah"},
		{"persampahan", ""}, // a prefix only at the start of a word
	}
	for _, tc := range tests {
		r, ok := s.Match(Input{Text: tc.text})
		if r.Rule != tc.rule || ok != (tc.rule != "") {
			t.Errorf("%q: rule %q (%v), want %q", tc.text, r.Rule, ok, tc.rule)
		}
	}
}

func TestAllWordsAndAnyWordsAreANDed(t *testing.T) {
	s := mustCompile(t, []Rule{
		{Name: "r", AnyWords: []string{"lampu", "pju"}, AllWords: []string{"mati", "jalan"}, Unit: "dishub"},
	}, nil)
	for text, want := range map[string]bool{
		"lampu jalan mati":          true,
		"PJU di jl merdeka mati":    true,
		"lampu mati":                false, // all_words: jalan missing
		"jalan mati total":          false, // any_words: none
		"lampu jalan sudah menyala": false,
	} {
		if _, ok := s.Match(Input{Text: text}); ok != want {
			t.Errorf("%q: %v, want %v", text, ok, want)
		}
	}
}

func TestRegexOnNormalisedText(t *testing.T) {
	s := mustCompile(t, []Rule{{Name: "nik", Regex: `\bnik \d{16}\b`, Unit: "disdukcapil"}}, nil)
	if _, ok := s.Match(Input{Text: "NIK: 3301234567890123 tidak terdaftar"}); !ok {
		t.Error("regex on the normalised text (punctuation gone, lower case)")
	}
	if _, ok := s.Match(Input{Text: "nik 123"}); ok {
		t.Error("regex matched a short number")
	}
}

func TestFieldMatchers(t *testing.T) {
	s := mustCompile(t, []Rule{
		{Name: "ch", Channel: "twitter", AnyWords: []string{"banjir"}, Unit: "bpbd"},
		{Name: "acct", Account: "pemkab-fb", Kind: "message", AnyWords: []string{"banjir"}, Unit: "dinsos"},
		{Name: "who", AuthorHandle: "@BMKG_Jateng", Priority: "urgent", Tags: []string{"Cuaca", "cuaca"}},
	}, nil)
	tests := []struct {
		in   Input
		rule string
	}{
		{Input{Text: "banjir", Channel: "twitter", Kind: "mention"}, "ch"},
		{Input{Text: "banjir", Channel: "facebook", Account: "pemkab-fb", Kind: "message"}, "acct"},
		{Input{Text: "banjir", Channel: "facebook", Account: "pemkab-fb", Kind: "comment"}, ""},
		{Input{Text: "banjir", Channel: "facebook", Account: "other", Kind: "message"}, ""},
		{Input{Text: "hujan lebat", Channel: "twitter", AuthorHandle: "bmkg_jateng"}, "who"},
		{Input{Text: "hujan lebat", Channel: "twitter", AuthorHandle: "someone"}, ""},
	}
	for _, tc := range tests {
		r, _ := s.Match(tc.in)
		if r.Rule != tc.rule {
			t.Errorf("%+v: rule %q, want %q", tc.in, r.Rule, tc.rule)
		}
	}
	r, _ := s.Match(Input{Text: "x", AuthorHandle: "@bmkg_jateng"})
	if !reflect.DeepEqual(r, Result{Rule: "who", Tags: []string{"cuaca"}, Priority: "urgent"}) {
		t.Errorf("effects: %+v", r)
	}
}

func TestFirstMatchWinsAndOnlyItApplies(t *testing.T) {
	s := mustCompile(t, []Rule{
		{Name: "spam", AnyWords: []string{"slot gacor", "judi online"}, Status: "ignored", Tags: []string{"spam"}},
		{Name: "banjir", AnyWords: []string{"banjir"}, Unit: "bpbd", Priority: "high"},
		{Name: "jalan", AnyWords: []string{"jalan"}, Unit: "dpupr", Tags: []string{"jalan"}, Assignee: "rina"},
	}, nil)
	r, ok := s.Match(Input{Text: "banjir di jalan raya"})
	want := Result{Rule: "banjir", Unit: "bpbd", Priority: "high"}
	if !ok || !reflect.DeepEqual(r, want) {
		t.Errorf("two topics: %+v, want %+v (only the first rule, none of the second's effects)", r, want)
	}
	r, _ = s.Match(Input{Text: "Slot GACOR hari ini, jalan pintas kaya"})
	if r.Rule != "spam" || r.Status != "ignored" || r.Unit != "" {
		t.Errorf("spam: %+v", r)
	}
	if r, ok := s.Match(Input{Text: "terima kasih pak bupati"}); ok || r.Rule != "" {
		t.Errorf("no match must route nothing: %+v", r)
	}
	var nilSet *Set
	if _, ok := nilSet.Match(Input{Text: "banjir"}); ok || nilSet.Len() != 0 {
		t.Error("a nil set matches nothing")
	}
}

func TestCompileErrors(t *testing.T) {
	_, err := Compile([]Rule{
		{Name: "a", AnyWords: []string{"x"}, Unit: "dpupr"},
		{Name: "a", AnyWords: []string{"y"}, Unit: "dpupr"},
		{Name: "b", Regex: "(unclosed", Unit: "dpupr"},
		{Name: "c", AnyWords: []string{"z"}, Unit: "dinsa-pu"},
		{Name: "d", AnyWords: []string{"z"}, Status: "closed"},
		{Name: "e", AnyWords: []string{"z"}},
		{Name: "f", Unit: "dpupr"},
		{Name: "g", AnyWords: []string{"!!!"}, Unit: "dpupr"},
		{Name: "h", AnyWords: []string{"z"}, Unit: "dpupr", Priority: "asap", Kind: "post", Channel: "myspace"},
		{Name: "Bad Name", AnyWords: []string{"z"}, Unit: "dpupr"},
	}, []string{"dpupr", "dinkes"}, "facebook", "twitter")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`rule 1: name: duplicate rule name "a" (first is rule 0)`,
		`rule 2: regex: not a valid RE2`,
		`rule 3: unit: unknown unit "dinsa-pu" (configured units: dpupr, dinkes)`,
		`rule 4: status: only "ignored"`,
		`rule 5: sets nothing`,
		`rule 6: has no matcher`,
		`rule 7: any_words[0]: "!!!" has no letters`,
		`rule 8: priority: unknown priority "asap"`,
		`rule 8: kind: unknown kind "post"`,
		`rule 8: channel: unknown channel "myspace" (use facebook, twitter)`,
		`rule 9: name: "Bad Name" must be`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	// Without a units registry any unit goes.
	if _, err := Compile([]Rule{{Name: "a", AnyWords: []string{"x"}, Unit: "dinsa-pu"}}, nil); err != nil {
		t.Errorf("free-text unit: %v", err)
	}
}
