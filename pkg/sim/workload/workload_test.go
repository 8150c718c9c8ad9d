package workload

import (
	"reflect"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func TestPageDependsOnlyOnSeedAndNumber(t *testing.T) {
	w1, _ := New(Realistic, 7, 100_000)
	w2, _ := New(Realistic, 7, 100_000)
	for _, k := range []int{0, 1, 500, 999} {
		w2.Page(k + 1) // another order of calls must not matter
		if a, b := w1.Page(k), w2.Page(k); !reflect.DeepEqual(a, b) {
			t.Fatalf("page %d differs between two generators of the same seed", k)
		}
	}
	w3, _ := New(Realistic, 8, 100_000)
	if reflect.DeepEqual(w1.Page(3).Items, w3.Page(3).Items) {
		t.Fatal("seed 8 made the same page as seed 7")
	}
}

func TestRealisticShape(t *testing.T) {
	const items = 200_000
	w, err := New(Realistic, 1, items)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	pages := map[string]int{}
	units := map[string]int{}
	statuses := map[inbox.Status]int{}
	kinds := map[inbox.Kind]int{}
	var last = w.Page(0).ReceivedAt.Add(-1)
	for k := range w.Pages() {
		p := w.Page(k)
		if !p.ReceivedAt.After(last) {
			t.Fatalf("page %d: received_at %v not after %v", k, p.ReceivedAt, last)
		}
		last = p.ReceivedAt
		pages[p.Account]++
		for j, it := range p.Items {
			if err := it.Validate(); err != nil {
				t.Fatalf("page %d item %d: %v", k, j, err)
			}
			if it.Account != p.Account {
				t.Fatalf("page %d item %d: account %q on a page of %q", k, j, it.Account, p.Account)
			}
			if n := len(it.Text); n < 80 || n > 400 {
				t.Fatalf("page %d item %d: text of %d bytes", k, j, n)
			}
			if len(it.Tags) > 3 || it.Unit == "" || it.ThreadID == "" {
				t.Fatalf("page %d item %d: tags %v unit %q thread %q", k, j, it.Tags, it.Unit, it.ThreadID)
			}
			dk := it.DedupKey()
			if keys[dk] {
				t.Fatalf("page %d item %d: dedup key %q made twice", k, j, dk)
			}
			keys[dk] = true
			units[it.Unit]++
			statuses[p.Want[j]]++
			kinds[it.Kind]++
		}
	}
	share := func(n int, of int) float64 { return float64(n) / float64(of) }
	near := func(what string, got, want, tol float64) {
		if got < want-tol || got > want+tol {
			t.Errorf("%s: %.3f, want %.3f ± %.3f", what, got, want, tol)
		}
	}
	for _, a := range w.Accounts() {
		near("pages of "+a.Name, share(pages[a.Name], w.Pages()), a.share, 0.02)
	}
	if len(units) != len(Units) {
		t.Errorf("%d units used, want %d", len(units), len(Units))
	}
	near("biggest three units", share(units[Units[0]]+units[Units[1]]+units[Units[2]], items), 0.25, 0.03)
	near("smallest unit", share(units[Units[39]], items), 0.008, 0.003)
	near("new", share(statuses[inbox.StatusNew], items), 0.15, 0.01)
	near("open", share(statuses[inbox.StatusOpen], items), 0.25, 0.01)
	near("answered", share(statuses[inbox.StatusAnswered], items), 0.35, 0.01)
	near("closed", share(statuses[inbox.StatusClosed], items), 0.24, 0.01)
	near("ignored", share(statuses[inbox.StatusIgnored], items), 0.01, 0.005)
	for _, k := range []inbox.Kind{inbox.KindComment, inbox.KindMessage, inbox.KindMention} {
		if kinds[k] == 0 {
			t.Errorf("no %s items", k)
		}
	}
}

func TestSimpleIsTheOldBenchmark(t *testing.T) {
	w, _ := New(Simple, 1, 1000)
	p := w.Page(3)
	if p.Account != "humas" || p.Items[5].ExternalID != SimpleItem(305).ExternalID || p.Items[5].Unit != "" || p.Want[5] != inbox.StatusNew {
		t.Fatalf("page 3 item 5: %+v want %v", p.Items[5], p.Want[5])
	}
	if _, err := New("nope", 1, 10); err == nil {
		t.Fatal("unknown case accepted")
	}
}
