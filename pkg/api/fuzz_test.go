package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzDecodeRequests drives item filters, PATCH bodies and reply bodies
// through the real handler and store. Whatever comes in: no panic, no 5xx,
// every error a problem, and a validation error names its field.
func FuzzDecodeRequests(f *testing.F) {
	seeds := []struct {
		route       uint8
		query, body string
	}{
		{0, "status=new,open&channel=facebook&limit=10", ""},
		{0, "status=waiting&unit=dinas-pu&order=oldest", ""},
		{0, "q=jalan&kind=comment&tag=x&assignee=rina", ""},
		{0, "limit=999&cursor=%ff%fe", ""},
		{0, "status=&order=sideways&staus=new", ""},
		{0, "q=%00%01", ""},
		{1, "", `{"status":"open","assignee":"rina","tags":["a","b"],"priority":"high","unit":"dinas-pu"}`},
		{1, "", `{"status":"new"}`},
		{1, "", `{"tags":[null,1,""]}`},
		{1, "", `{"status":"open"}{"x":1}`},
		{1, "", `{"priority":"urgent","extra":true}`},
		{1, "", `{"unit":"\u0000"}`},
		{1, "", `[]`},
		{2, "", `{"text":"Terima kasih","private":false}`},
		{2, "", `{"text":"","private":true}`},
		{2, "", `{"text":"` + strings.Repeat("x", 8001) + `"}`},
		{2, "", `{"text":1e400}`},
		{2, "", `{"text":"ok","private":null}`},
		{2, "", "\xff\xfe"},
	}
	for _, s := range seeds {
		f.Add(s.route, s.query, s.body)
	}
	e := newEnv(f)
	items := []string{e.items["aComment"].ID, e.items["aMessage"].ID, e.items["bMention"].ID, e.items["bXMention"].ID, e.items["noneXDM"].ID}
	f.Fuzz(func(t *testing.T, route uint8, query, body string) {
		item := items[(len(query)+len(body))%len(items)]
		req := &http.Request{Method: "GET", URL: &url.URL{Path: "/api/v1/items", RawQuery: query}, Header: http.Header{}, Host: "x"}
		switch route % 3 {
		case 1:
			req.Method, req.URL.Path = "PATCH", "/api/v1/items/"+item
		case 2:
			req.Method, req.URL.Path = "POST", "/api/v1/items/"+item+"/replies"
			req.Header.Set("Idempotency-Key", query)
		}
		if req.Method != "GET" {
			req.Body = http.NoBody
			if body != "" {
				req.Body = httpBody(body)
			}
			req.URL.RawQuery = ""
		}
		req.Header.Set("Authorization", "Bearer "+e.tokens[asOp])
		req = req.WithContext(t.Context())
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s %q: %d %s", req.Method, req.URL.Path, query, body, rec.Code, rec.Body)
		}
		if rec.Code < 400 {
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("success with invalid JSON: %s", rec.Body)
			}
			return
		}
		var p Problem
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("%d with Content-Type %q", rec.Code, ct)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != rec.Code || p.Detail == "" {
			t.Fatalf("bad problem %d %s (%v)", rec.Code, rec.Body, err)
		}
		if rec.Code == http.StatusUnprocessableEntity && len(p.Errors) == 0 {
			t.Fatalf("422 without field errors: %s", rec.Body)
		}
		for _, fe := range p.Errors {
			if fe.Field == "" || fe.Message == "" {
				t.Fatalf("field error without a field or message: %s", rec.Body)
			}
		}
	})
}

func httpBody(s string) *readCloser { return &readCloser{bytes.NewReader([]byte(s))} }

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
