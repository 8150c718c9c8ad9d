package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/inboxd/inboxd/pkg/store"
)

// Before issue 10 GET /api/v1/tokens returned every token in one body.
func TestTokensArePaginated(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 5; i++ {
		if rec := e.do(asAdmin, "POST", "/api/v1/tokens", map[string]any{"name": fmt.Sprintf("t%02d", i), "role": "viewer"}); rec.Code != 201 {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
	}
	var names []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("no end of pages")
		}
		path := "/api/v1/tokens?limit=4"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		rec := e.do(asAdmin, "GET", path, nil)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		page := decodeJSONBody[struct {
			Tokens     []store.Token `json:"tokens"`
			NextCursor string        `json:"next_cursor"`
		}](t, rec)
		if len(page.Tokens) > 4 {
			t.Fatalf("page of %d", len(page.Tokens))
		}
		for _, tk := range page.Tokens {
			names = append(names, tk.Name)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	// 6 from the env plus 5.
	if len(names) != 11 || names[0] != "admin" || names[10] != "viewer-a" {
		t.Fatalf("listed %v", names)
	}
	for _, bad := range []string{"?cursor=!!", "?limit=0", "?limit=500"} {
		if rec := e.do(asAdmin, "GET", "/api/v1/tokens"+bad, nil); rec.Code != 400 && rec.Code != 422 {
			t.Fatalf("%s: %d", bad, rec.Code)
		}
	}
}

func TestTokenCap(t *testing.T) {
	e := bareEnv(t, store.Options{MaxTokens: 1})
	if rec := e.do(asBoot, "POST", "/api/v1/tokens", map[string]any{"name": "first", "role": "viewer"}); rec.Code != 201 {
		t.Fatalf("1st token: %d %s", rec.Code, rec.Body)
	}
	rec := e.do(asBoot, "POST", "/api/v1/tokens", map[string]any{"name": "second", "role": "viewer"})
	if rec.Code != http.StatusConflict {
		t.Fatalf("2nd token: %d %s", rec.Code, rec.Body)
	}
	decodeProblem(t, rec)
}
