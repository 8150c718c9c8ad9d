package api

import (
	"net/http"
	"testing"
)

// Before issue 10 the second operator's reply was refused with 409 (or,
// with the same text, answered with the first operator's reply).
func TestIdempotencyKeyIsPerToken(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/items/" + e.items["aComment"].ID + "/replies"
	first := e.do(asOp, "POST", path, map[string]any{"text": "Terima kasih, kami cek."}, "Idempotency-Key", "k-1")
	if first.Code != http.StatusAccepted {
		t.Fatalf("first: %d %s", first.Code, first.Body)
	}
	other := e.do(asOpA, "POST", path, map[string]any{"text": "Sudah kami teruskan ke dinas."}, "Idempotency-Key", "k-1")
	if other.Code != http.StatusAccepted {
		t.Fatalf("another token, same key: %d %s", other.Code, other.Body)
	}
	again := e.do(asOp, "POST", path, map[string]any{"text": "Terima kasih, kami cek."}, "Idempotency-Key", "k-1")
	if again.Code != http.StatusOK || decodeJSONBody[map[string]any](t, again)["id"] != decodeJSONBody[map[string]any](t, first)["id"] {
		t.Fatalf("retry by the same token: %d %s", again.Code, again.Body)
	}
	if rec := e.do(asOpA, "POST", path, map[string]any{"text": "lain"}, "Idempotency-Key", "k-1"); rec.Code != http.StatusConflict {
		t.Fatalf("same token, same key, other body: %d", rec.Code)
	}
}
