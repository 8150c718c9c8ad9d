package api

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/inboxd/inboxd/pkg/rules"
)

func withRules(t *testing.T, rs []rules.Rule) (*rules.Live, func(*Options)) {
	t.Helper()
	set, err := rules.Compile(rs, nil)
	if err != nil {
		t.Fatal(err)
	}
	live := &rules.Live{}
	live.Store(set)
	return live, func(o *Options) { o.Rules = live }
}

func TestRoutingTest(t *testing.T) {
	live, opt := withRules(t, []rules.Rule{
		{Name: "spam", AnyWords: []string{"slot gacor"}, Status: "ignored", Tags: []string{"spam"}},
		{Name: "x-banjir", Channel: "twitter", Kind: "mention", AnyWords: []string{"banjir"}, Unit: "bpbd", Priority: "urgent"},
		{Name: "jalan", AnyWords: []string{"jalan rusak"}, Unit: "dpupr", Tags: []string{"jalan"}, Assignee: "rina"},
	})
	e := newEnv(t, opt)
	tests := []struct {
		body map[string]string
		want routingResult
	}{
		{map[string]string{"text": "Jln rusaaak di desa kami"},
			routingResult{Unit: "dpupr", Rule: "jalan", Tags: []string{"jalan"}, Priority: "normal", Assignee: "rina", Status: "new"}},
		{map[string]string{"text": "banjir!", "channel": "twitter", "kind": "mention"},
			routingResult{Unit: "bpbd", Rule: "x-banjir", Tags: []string{}, Priority: "urgent", Status: "new"}},
		{map[string]string{"text": "banjir!", "channel": "facebook", "kind": "comment"},
			routingResult{Tags: []string{}, Priority: "normal", Status: "new"}},
		{map[string]string{"text": "slot gacor maxwin"},
			routingResult{Rule: "spam", Tags: []string{"spam"}, Priority: "normal", Status: "ignored"}},
		{map[string]string{"text": "Terima kasih pak bupati", "account": "fb-main", "author_handle": "@warga"},
			routingResult{Tags: []string{}, Priority: "normal", Status: "new"}},
	}
	for _, tc := range tests {
		rec := e.do(asOp, "POST", "/api/v1/routing/test", tc.body)
		if rec.Code != http.StatusOK {
			t.Fatalf("%v: %d %s", tc.body, rec.Code, rec.Body)
		}
		if got := decodeJSONBody[routingResult](t, rec); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v:\n got %+v\nwant %+v", tc.body, got, tc.want)
		}
	}
	// The answer for no match has every key, with the stored defaults.
	rec := e.do(asOp, "POST", "/api/v1/routing/test", map[string]string{"text": "halo"})
	if got := rec.Body.String(); got != `{"unit":"","rule":"","tags":[],"priority":"normal","assignee":"","status":"new"}`+"\n" &&
		got != `{"unit":"","rule":"","tags":[],"priority":"normal","assignee":"","status":"new"}` {
		t.Errorf("no match: %s", got)
	}
	// Validation names the field.
	for _, body := range []map[string]string{{"channel": "twitter"}, {"text": "x", "channel": "myspace"}, {"text": "x", "kind": "post"}} {
		rec := e.do(asOp, "POST", "/api/v1/routing/test", body)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%v: %d %s", body, rec.Code, rec.Body)
		}
	}
	// A reload swaps the rules the dry run uses.
	live.Store(nil)
	if got := decodeJSONBody[routingResult](t, e.do(asOp, "POST", "/api/v1/routing/test", map[string]string{"text": "jalan rusak"})); got.Rule != "" {
		t.Errorf("after the rules were dropped: %+v", got)
	}
}
