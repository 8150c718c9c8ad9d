package scheduler

import (
	"testing"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/rules"
	"github.com/inboxd/inboxd/pkg/store"
)

// Polled items go through the running rules before the store takes them;
// a swapped rule set applies to the next page.
func TestPollRoutesNewItems(t *testing.T) {
	live := &rules.Live{}
	set, err := rules.Compile([]rules.Rule{
		{Name: "spam", AnyWords: []string{"slot gacor"}, Status: "ignored"},
		{Name: "jalan", AnyWords: []string{"jalan rusak"}, Unit: "dpupr", Tags: []string{"jalan"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	live.Store(set)
	e := newEnvWith(t, func(o *Options) { o.Rules = live })
	c := newConn("fb")
	road, spam, other := e.item("fb", "p1"), e.item("fb", "p1"), e.item("fb", "p1")
	spam.Text, other.Text = "SLOT GACOR maxwin", "terima kasih pak bupati"
	later := e.item("fb", "p2")
	c.script([]pollStep{
		{page: connectors.Page{Items: []inbox.Item{road, spam, other}, Cursor: []byte("c1")}},
		{page: connectors.Page{Items: []inbox.Item{later}, Cursor: []byte("c2")}},
	}, nil)
	e.set(acct(c))
	if err := e.pollNow("fb"); err != nil {
		t.Fatal(err)
	}
	byText := map[string]inbox.Item{}
	p, err := e.st.List(store.Filter{Account: "fb", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range p.Items {
		byText[it.Text] = it
	}
	if it := byText[road.Text]; it.Unit != "dpupr" || len(it.Tags) != 1 {
		t.Errorf("road: %+v", it)
	}
	if it := byText[spam.Text]; it.Status != inbox.StatusIgnored || it.Unit != "" {
		t.Errorf("spam: %+v", it)
	}
	if it := byText[other.Text]; it.Unit != "" || it.Status != inbox.StatusNew {
		t.Errorf("unrouted: %+v", it)
	}
	d, err := e.st.Detail(byText[road.Text].ID)
	if err != nil || len(d.Audit) == 0 || d.Audit[0].Actor != "rule:jalan" {
		t.Errorf("audit: %+v %v", d.Audit, err)
	}

	// A reload that drops the rules: the next page stays unrouted.
	live.Store(nil)
	if err := e.pollNow("fb"); err != nil {
		t.Fatal(err)
	}
	p, _ = e.st.List(store.Filter{Account: "fb", Limit: 10})
	if it := p.Items[0]; it.ExternalID != later.ExternalID || it.Unit != "" {
		t.Errorf("after the rules were dropped: %+v", it)
	}
}
