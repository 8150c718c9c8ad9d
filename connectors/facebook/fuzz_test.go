package facebook

import (
	"context"
	"encoding/json"
	"github.com/inboxd/inboxd/connectors/metagraph"
	"os"
	"path/filepath"
	"testing"
)

// FuzzPoll polls every source of a Page whose Graph answers every read
// with the fuzzed body. Whatever the body, Poll must not panic, and a body
// that is a JSON object with no "error" must never fail the poll (an error
// would be retried forever and stall the account): its records become
// items or rejected records, and the cursor moves. The seeds are the
// recorded samples and testdata, so plain `go test` (and CI) runs them.
func FuzzPoll(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/samples/facebook_*.json")
	more, _ := filepath.Glob("testdata/*.json")
	for _, name := range append(seeds, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := bodyConnector(t, "", body).Poll(context.Background(), nil)
		if err != nil {
			var obj map[string]json.RawMessage
			if json.Unmarshal(body, &obj) == nil && obj["error"] == nil {
				t.Fatalf("a readable body failed the poll: %v", err)
			}
			return
		}
		checkUsable(t, p)
		if _, err := metagraph.DecodeCursor(p.Cursor); err != nil {
			t.Fatalf("cursor does not decode: %v", err)
		}
	})
}
