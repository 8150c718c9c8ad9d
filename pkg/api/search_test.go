package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestSearchSaysIndexLag: a q list says how far the word index is behind,
// finds the items either way, and a list without q says nothing of it.
func TestSearchSaysIndexLag(t *testing.T) {
	e := newEnv(t)
	get := func(path string) map[string]json.RawMessage {
		t.Helper()
		rec := e.do(asViewer, "GET", path, nil)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if _, ok := get("/api/v1/items")["index_lag_seconds"]; ok {
		t.Fatal("index_lag_seconds without q")
	}
	before := get("/api/v1/items?q=dewi")
	// The store's clock stands still in these tests: the lag of the
	// unindexed items reads 0 s, but it is there.
	if lag := string(before["index_lag_seconds"]); lag == "" {
		t.Fatal("no index_lag_seconds with q")
	}
	if _, err := e.st.IndexPending(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	after := get("/api/v1/items?q=dewi")
	if lag := string(after["index_lag_seconds"]); lag != "0.000" {
		t.Fatalf("everything indexed, index_lag_seconds = %q", lag)
	}
	if string(before["items"]) != string(after["items"]) || !strings.Contains(string(after["items"]), "1860000000000000002") {
		t.Fatalf("indexing changed the answer:\n%s\n%s", before["items"], after["items"])
	}
}

// A unit-scoped caller asking for another unit gets the empty page, and
// with q the lag all the same: the field is there whenever q is.
func TestSearchSaysIndexLagToAnotherUnitsAsker(t *testing.T) {
	e := newEnv(t)
	rec := e.do(asViewerA, "GET", "/api/v1/items?q=dewi&unit="+unitB, nil)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &m); rec.Code != 200 || err != nil {
		t.Fatalf("%d %v %s", rec.Code, err, rec.Body)
	}
	if string(m["items"]) != "[]" || m["index_lag_seconds"] == nil {
		t.Errorf("another unit's search for a scoped caller: %s", rec.Body)
	}
	if rec := e.do(asViewerA, "GET", "/api/v1/items?unit="+unitB, nil); strings.Contains(rec.Body.String(), "index_lag_seconds") {
		t.Errorf("index_lag_seconds without q: %s", rec.Body)
	}
}
