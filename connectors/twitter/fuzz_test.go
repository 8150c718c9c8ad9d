package twitter

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzPollV2 polls mentions and DMs of an account whose X answers every
// read with the fuzzed body. Whatever the body, Poll must not panic, and a
// body that is a JSON object must never fail the poll (an error would be
// retried forever and stall the account): its records become items or
// rejected records, and the cursor moves. Only a body that is not an
// envelope at all, or one of errors alone (X failing the request), may
// fail it. The seeds are the recorded samples and testdata, so plain
// `go test` (and CI) runs them.
func FuzzPollV2(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/samples/x_v2_*.json")
	more, _ := filepath.Glob("testdata/v2_*.json")
	for _, name := range append(seeds, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"data":[{"id":"1","created_at":"2026-03-10T07:12:45.000Z","dm_conversation_id":"1-2"}],"meta":{"next_token":"n"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c := bodyConnector(t, APIv2, body, body)
		p, err := c.Poll(context.Background(), nil)
		if err != nil {
			env, derr := decodeV2Envelope(body)
			if derr == nil && !(len(env.Errors) > 0 && len(env.Data) == 0 && env.Meta == nil) {
				t.Fatalf("a readable body failed the poll: %v", err)
			}
			return
		}
		checkUsable(t, p)
		if _, err := decodeCursor(p.Cursor); err != nil {
			t.Fatalf("cursor does not decode: %v", err)
		}
	})
}
