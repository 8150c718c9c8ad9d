package sim

import (
	"context"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/sim/graphapi"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
)

func TestWorldDeliversEveryShape(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	g := graphapi.New(graphapi.Options{PageToken: "t", IGUserID: "17841400000000001", IGUsername: "pemkab", Now: clock})
	x := xapi.New(xapi.Options{UserID: "1001", Username: "pemkab", BearerToken: "b", Now: clock})
	w := NewWorld(g, x, clock)
	author := Person{Name: "Siti Rahayu", Handle: "siti_rahayu1", Seq: 1}
	for _, s := range Shapes {
		if err := w.Emit(context.Background(), Message{Shape: s, Author: author, Text: "Sampah belum diangkut di " + string(s)}); err != nil {
			t.Fatalf("emit %s: %v", s, err)
		}
	}
	for _, s := range Shapes {
		if got := w.Emitted()[s]; got != 1 || len(w.IDs(s)) != 1 || w.IDs(s)[0] == "" {
			t.Errorf("shape %s: emitted %d, ids %v", s, got, w.IDs(s))
		}
	}
	for _, s := range []Shape{FacebookComment, FacebookReply} {
		from, text, _, ok := g.Comment(w.IDs(s)[0])
		if !ok || from.ID != FacebookID(author) || text != "Sampah belum diangkut di "+string(s) {
			t.Errorf("%s not in the Graph fake as written: %v %q %v", s, from, text, ok)
		}
	}
	if _, _, parent, _ := g.Comment(w.IDs(FacebookReply)[0]); parent != w.IDs(FacebookComment)[0] {
		t.Errorf("reply's parent = %q, want the earlier comment %q", parent, w.IDs(FacebookComment)[0])
	}
}

func TestWorldRejectsUnknownShape(t *testing.T) {
	g := graphapi.New(graphapi.Options{PageToken: "t"})
	x := xapi.New(xapi.Options{UserID: "1001", Username: "pemkab", BearerToken: "b"})
	if err := NewWorld(g, x, nil).Emit(context.Background(), Message{Shape: "fax"}); err == nil {
		t.Fatal("unknown shape accepted")
	}
}
