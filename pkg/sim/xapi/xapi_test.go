package xapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dghubble/oauth1"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func newFake(t *testing.T, mod func(*Options)) (*Server, *httptest.Server, *clock) {
	t.Helper()
	clk := &clock{now: t0}
	o := Options{
		UserID: "100", Username: "humas", Name: "Humas",
		BearerToken: "live", ClientID: "cid", RefreshToken: "r0",
		ConsumerKey: "ck", ConsumerSecret: "cs", AccessToken: "at", AccessSecret: "as",
		Now: clk.Now,
	}
	if mod != nil {
		mod(&o)
	}
	s := New(o)
	s.AddUser(User{ID: "200", Username: "budi", Name: "Budi"})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv, clk
}

func get(t *testing.T, c *http.Client, u string, bearer string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &body)
	return resp, body
}

func TestOAuth1SignatureCheckedForReal(t *testing.T) {
	_, srv, _ := newFake(t, nil)
	sign := func(secret string) *http.Client {
		cfg := oauth1.NewConfig("ck", secret)
		return cfg.Client(context.WithValue(context.Background(), oauth1.HTTPClient, srv.Client()), oauth1.NewToken("at", "as"))
	}
	if resp, _ := get(t, sign("cs"), srv.URL+"/2/users/me?user.fields=name", ""); resp.StatusCode != 200 {
		t.Fatalf("correctly signed: %d", resp.StatusCode)
	}
	if resp, body := get(t, sign("wrong"), srv.URL+"/2/users/me", ""); resp.StatusCode != 401 || body["title"] != "Unauthorized" {
		t.Fatalf("wrong secret: %d %v", resp.StatusCode, body)
	}
	// A signed form POST whose body is altered on the way no longer verifies.
	tamper := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.Body = io.NopCloser(strings.NewReader("status=changed"))
		r.ContentLength = int64(len("status=changed"))
		return srv.Client().Transport.RoundTrip(r)
	})}
	cfg := oauth1.NewConfig("ck", "cs")
	c := cfg.Client(context.WithValue(context.Background(), oauth1.HTTPClient, tamper), oauth1.NewToken("at", "as"))
	resp, err := c.PostForm(srv.URL+"/1.1/statuses/update.json", url.Values{"status": {"original"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("tampered body: %d, want 401", resp.StatusCode)
	}
	resp, err = sign("cs").PostForm(srv.URL+"/1.1/statuses/update.json", url.Values{"status": {"original"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("signed form post: %d", resp.StatusCode)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRefreshRotatesAndExpires(t *testing.T) {
	s, srv, clk := newFake(t, nil)
	refresh := func(rt string) (int, map[string]any) {
		resp, err := srv.Client().PostForm(srv.URL+"/2/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"cid"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	code, body := refresh("r0")
	if code != 200 || body["expires_in"] != 7200.0 || body["token_type"] != "bearer" || body["refresh_token"] == "r0" {
		t.Fatalf("refresh: %d %v", code, body)
	}
	if s.RefreshToken() != body["refresh_token"] {
		t.Fatal("fake does not report the rotated refresh token")
	}
	if code, body := refresh("r0"); code != 400 || body["error"] != "invalid_request" {
		t.Fatalf("old refresh token: %d %v", code, body)
	}
	access := body["access_token"].(string)
	if resp, _ := get(t, srv.Client(), srv.URL+"/2/users/me", access); resp.StatusCode != 200 {
		t.Fatalf("new access token: %d", resp.StatusCode)
	}
	clk.Add(2 * time.Hour)
	if resp, _ := get(t, srv.Client(), srv.URL+"/2/users/me", access); resp.StatusCode != 401 {
		t.Fatalf("expired access token: %d", resp.StatusCode)
	}
}

func TestV2ShapesAndPaging(t *testing.T) {
	s, srv, _ := newFake(t, nil)
	for i := range 12 {
		s.AddMention(Mention{AuthorID: "200", Text: fmt.Sprint("halo ", i), At: t0.Add(time.Duration(i) * time.Second)})
	}
	u := srv.URL + "/2/users/100/mentions?max_results=5&tweet.fields=created_at,author_id,conversation_id&expansions=author_id&user.fields=username,name"
	resp, body := get(t, srv.Client(), u, "live")
	if resp.StatusCode != 200 || resp.Header.Get("x-rate-limit-limit") == "" || resp.Header.Get("x-rate-limit-reset") == "" {
		t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
	}
	data := body["data"].([]any)
	meta := body["meta"].(map[string]any)
	first := data[0].(map[string]any)
	if len(data) != 5 || meta["result_count"] != 5.0 || meta["newest_id"] != first["id"] || meta["next_token"] == nil {
		t.Fatalf("page: %d items, meta %v", len(data), meta)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(first["created_at"].(string)) ||
		!regexp.MustCompile(`^\d+$`).MatchString(first["id"].(string)) || first["author_id"] != "200" {
		t.Fatalf("post = %v", first)
	}
	if users := body["includes"].(map[string]any)["users"].([]any); len(users) != 1 || users[0].(map[string]any)["username"] != "budi" {
		t.Fatalf("includes = %v", body["includes"])
	}
	seen := map[any]bool{}
	for next := meta["next_token"]; next != nil; {
		_, body := get(t, srv.Client(), u+"&pagination_token="+next.(string), "live")
		for _, d := range body["data"].([]any) {
			seen[d.(map[string]any)["id"]] = true
		}
		next = body["meta"].(map[string]any)["next_token"]
	}
	if len(seen) != 7 {
		t.Fatalf("later pages held %d posts, want 7", len(seen))
	}
	_, body = get(t, srv.Client(), u+"&since_id="+meta["newest_id"].(string), "live")
	if body["data"] != nil || body["meta"].(map[string]any)["result_count"] != 0.0 {
		t.Fatalf("since newest: %v", body)
	}
}

func TestReplyRestrictionAndFaults(t *testing.T) {
	s, srv, _ := newFake(t, func(o *Options) { o.Limits = map[Endpoint]int{UsersMe: 1} })
	other := s.AddPost("200", "no mention here", "", t0)
	post := func(body string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/2/tweets", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer live")
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	code, body := post(`{"text":"hi","reply":{"in_reply_to_tweet_id":"` + other.ID + `"}}`)
	if code != 403 || !strings.HasPrefix(body["detail"].(string), "Reply to this conversation is not allowed") {
		t.Fatalf("restricted reply: %d %v", code, body)
	}
	m := s.AddMention(Mention{AuthorID: "200", Text: "tolong"})
	if code, body := post(`{"text":"hi","reply":{"in_reply_to_tweet_id":"` + m.ID + `"}}`); code != 201 || body["data"].(map[string]any)["id"] == nil {
		t.Fatalf("allowed reply: %d %v", code, body)
	}
	if p := s.Posted(); len(p) != 1 || p[0].InReplyToID != m.ID || p[0].ConversationID != m.ConversationID {
		t.Fatalf("posted = %+v", p)
	}

	s.Inject(Mentions, Fault{Kind: FaultUsageCapped})
	if resp, body := get(t, srv.Client(), srv.URL+"/2/users/100/mentions", "live"); resp.StatusCode != 429 || body["title"] != "UsageCapExceeded" || !strings.HasSuffix(body["type"].(string), "/usage-capped") {
		t.Fatalf("usage cap: %d %v", resp.StatusCode, body)
	}
	get(t, srv.Client(), srv.URL+"/2/users/me", "live")
	resp, body := get(t, srv.Client(), srv.URL+"/2/users/me", "live")
	if resp.StatusCode != 429 || body["title"] != "Too Many Requests" || resp.Header.Get("x-rate-limit-remaining") != "0" ||
		resp.Header.Get("x-rate-limit-reset") != fmt.Sprint(t0.Add(DefaultWindow).Unix()) {
		t.Fatalf("window: %d %v %v", resp.StatusCode, body, resp.Header)
	}
	if n := s.Requests(UsersMe); n != 2 {
		t.Fatalf("requests = %d", n)
	}
}

func TestV1Shapes(t *testing.T) {
	s, srv, _ := newFake(t, nil)
	m := s.AddMention(Mention{AuthorID: "200", Text: "a & b", At: t0})
	s.AddDM(DM{SenderID: "200", Text: "halo", At: t0})
	s.Inject(V1Mentions, Fault{Kind: FaultForbidden453})
	cfg := oauth1.NewConfig("ck", "cs")
	c := cfg.Client(context.WithValue(context.Background(), oauth1.HTTPClient, srv.Client()), oauth1.NewToken("at", "as"))
	resp, body := get(t, c, srv.URL+"/1.1/statuses/mentions_timeline.json", "")
	if resp.StatusCode != 403 || !strings.Contains(fmt.Sprint(body["errors"]), "453") {
		t.Fatalf("453: %d %v", resp.StatusCode, body)
	}
	resp, err := c.Get(srv.URL + "/1.1/statuses/mentions_timeline.json?tweet_mode=extended")
	if err != nil {
		t.Fatal(err)
	}
	var tweets []map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&tweets)
	resp.Body.Close()
	if len(tweets) != 1 || tweets[0]["id_str"] != m.ID || tweets[0]["full_text"] != "@humas a &amp; b" || tweets[0]["created_at"] != "Tue Mar 10 08:00:00 +0000 2026" {
		t.Fatalf("v1 tweets = %v", tweets)
	}
	_, body = get(t, c, srv.URL+"/1.1/direct_messages/events/list.json", "")
	ev := body["events"].([]any)[0].(map[string]any)
	if ev["type"] != "message_create" || ev["created_timestamp"] != fmt.Sprint(t0.UnixMilli()) {
		t.Fatalf("v1 DM = %v", ev)
	}
}

func TestConcurrentDriving(t *testing.T) {
	s, srv, _ := newFake(t, nil)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 20 {
				s.AddMention(Mention{AuthorID: "200", Text: fmt.Sprint(i, j)})
				s.AddDM(DM{SenderID: "200", Text: fmt.Sprint(i, j)})
			}
		}()
		go func() {
			defer wg.Done()
			for range 10 {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/2/dm_events?max_results=100", nil)
				req.Header.Set("Authorization", "Bearer live")
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	if n := s.Requests(DMEvents); n != 40 {
		t.Fatalf("requests = %d", n)
	}
}
