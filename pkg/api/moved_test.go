package api

import (
	"encoding/json"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// Before issue 10 unit A's stream heard nothing when an item left A, so its
// list kept an item it can no longer see.
func TestUnitStreamHearsItemMovedOut(t *testing.T) {
	e := newEnv(t)
	ts := e.server()
	scoped := e.openStream(ts, asViewerA, "")
	all := e.openStream(ts, asViewer, "")
	id := e.items["aComment"].ID
	b := unitB
	if _, err := e.st.Update(id, "op", store.Change{Unit: &b}); err != nil {
		t.Fatal(err)
	}
	ev := scoped.nextEvent()
	if ev.event != "item.moved_out" || ev.data != `{"item_id":"`+id+`","change":"moved out"}` {
		t.Fatalf("unit A's stream got %s %s, want item.moved_out with the id only", ev.event, ev.data)
	}
	// An unscoped stream gets the update itself, not the moved_out notice.
	ev = all.nextEvent()
	var it inbox.Item
	if err := json.Unmarshal([]byte(ev.data), &it); err != nil || ev.event != "item.updated" || it.Unit != unitB {
		t.Fatalf("unscoped stream got %s %s", ev.event, ev.data)
	}
}
