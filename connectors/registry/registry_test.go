package registry

import (
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Every channel answers every kind of item somehow: a row, or a refusal
// that says why.
func TestEveryChannelHasARowForEveryKind(t *testing.T) {
	rr := Replies()
	for _, ch := range inbox.Channels {
		tbl, ok := rr.Table(ch)
		if !ok {
			t.Errorf("channel %s has no reply table", ch)
			continue
		}
		for _, k := range inbox.Kinds {
			for _, private := range []bool{false, true} {
				found := false
				for _, rk := range tbl.Kinds {
					found = found || rk.Item == k && rk.Private == private
				}
				if !found {
					t.Errorf("%s: no row for %s private=%v", ch, k, private)
				}
			}
		}
	}
}
