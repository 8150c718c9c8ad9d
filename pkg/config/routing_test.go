package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/rules"
)

// The exact shape issue 14 gives, every key present.
const routingDoc = `
units:
  - code: dpupr
    name: Dinas PUPR
routing:
  - name: jalan-rusak            # required, unique
    any_words: ["jalan rusak", "jalan berlubang", "aspal"]
    all_words: []                # optional
    regex: ""                    # optional, RE2, matched on the normalised text
    channel: ""                  # optional: facebook | twitter | ...
    account: ""                  # optional
    kind: ""                     # optional: message | comment | mention
    author_handle: ""            # optional
    unit: dpupr                  # what it sets
    tags: [infrastruktur]
    priority: ""
    assignee: ""
    status: ""                   # only "ignored" is allowed here (spam)
  - name: spam
    any_words: [slot gacor]
    status: ignored
`

func TestRouting(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(routingDoc), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []rules.Rule{
		{Name: "jalan-rusak", AnyWords: []string{"jalan rusak", "jalan berlubang", "aspal"}, Unit: "dpupr", Tags: []string{"infrastruktur"}},
		{Name: "spam", AnyWords: []string{"slot gacor"}, Status: "ignored"},
	}
	if !reflect.DeepEqual(cfg.Routing, want) {
		t.Fatalf("routing:\n%+v\nwant\n%+v", cfg.Routing, want)
	}
	set, err := cfg.RuleSet()
	if err != nil || set.Len() != 2 {
		t.Fatalf("RuleSet: %v %v", set, err)
	}
	if r, _ := set.Match(rules.Input{Text: "Aspal di desa kami rusak"}); r.Unit != "dpupr" {
		t.Errorf("match: %+v", r)
	}
}

func TestRoutingErrorsNameFileAndLine(t *testing.T) {
	_, err := Parse("c.yaml", []byte(`units:
  - code: dpupr
    name: Dinas PUPR
routing:
  - name: a
    any_words: [x]
    unit: dpupr
  - name: b
    regex: "(unclosed"
    unit: dpupr
  - name: a
    any_words: [y]
    unit: dinsa-pu
  - name: c
    any_wrods: [z]
    unit: dpupr
`), nil)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`c.yaml:9: routing[1].regex: not a valid RE2`,
		`c.yaml:11: routing[2].name: duplicate rule name "a"`,
		`c.yaml:13: routing[2].unit: unknown unit "dinsa-pu" (configured units: dpupr)`,
		`c.yaml:15: routing[3].any_wrods: unknown key`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	// Without units: any unit name goes (free text).
	if _, err := Parse("c.yaml", []byte("routing:\n  - name: a\n    any_words: [x]\n    unit: Dinas PU\n"), nil); err != nil {
		t.Errorf("free-text unit: %v", err)
	}
}
