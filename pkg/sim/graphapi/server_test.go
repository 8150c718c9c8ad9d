package graphapi

import (
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

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "EAAGfakeTOKEN"

var (
	t0        = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	warga     = Actor{ID: "6011122233344455", Name: "Siti"}
	graphTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$`)
)

type fixture struct {
	t   *testing.T
	s   *Server
	srv *httptest.Server
	now time.Time
}

func newFixture(t *testing.T, mutate func(*Options)) *fixture {
	f := &fixture{t: t, now: t0}
	opts := Options{PageID: "1020304050", PageToken: token, Now: func() time.Time { return f.now }}
	if mutate != nil {
		mutate(&opts)
	}
	f.s = New(opts)
	f.srv = httptest.NewServer(f.s)
	t.Cleanup(f.srv.Close)
	f.s.SetBaseURL(f.srv.URL + "/")
	return f
}

// do sends a request with the bearer token and decodes the JSON answer.
func (f *fixture) do(method, path string, form url.Values) (int, http.Header, map[string]any) {
	f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = f.srv.URL + path
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		f.t.Fatalf("%s %s: body %q is not JSON", method, path, b)
	}
	return resp.StatusCode, resp.Header, out
}

func errCode(body map[string]any) (code, sub float64) {
	e, _ := body["error"].(map[string]any)
	code, _ = e["code"].(float64)
	sub, _ = e["error_subcode"].(float64)
	return
}

func TestFeedPagingShapesAndTimes(t *testing.T) {
	f := newFixture(t, nil)
	want := map[string]bool{}
	for i := range 30 {
		want[f.s.AddPost(Actor{}, fmt.Sprint("post ", i), t0.Add(-time.Duration(i)*time.Minute))] = true
	}
	next := "/v25.0/1020304050/feed?fields=id,message,created_time,updated_time,from&limit=10"
	var got []string
	var last time.Time
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		status, _, body := f.do("GET", next, nil)
		if status != 200 {
			t.Fatalf("status %d: %v", status, body)
		}
		for _, d := range body["data"].([]any) {
			p := d.(map[string]any)
			got = append(got, p["id"].(string))
			if !graphTime.MatchString(p["created_time"].(string)) {
				t.Errorf("created_time %q not in Graph's format", p["created_time"])
			}
			ut, _ := time.Parse("2006-01-02T15:04:05-0700", p["updated_time"].(string))
			if !last.IsZero() && ut.After(last) {
				t.Errorf("feed not newest first")
			}
			last = ut
			if !strings.HasPrefix(p["id"].(string), "1020304050_") {
				t.Errorf("post id %q not {page-id}_{post-id}", p["id"])
			}
		}
		paging := body["paging"].(map[string]any)
		cursors := paging["cursors"].(map[string]any)
		if cursors["before"] == "" || cursors["after"] == "" {
			t.Errorf("cursors = %v", cursors)
		}
		next, _ = paging["next"].(string)
		if next != "" && (!strings.HasPrefix(next, f.srv.URL+"/v25.0/1020304050/feed?") || !strings.Contains(next, "access_token="+token)) {
			t.Errorf("next = %q: want an absolute link to the fake carrying access_token like Graph's", next)
		}
	}
	if len(got) != 30 {
		t.Fatalf("walked %d posts, want 30", len(got))
	}
	for _, id := range got {
		if !want[id] {
			t.Errorf("unexpected %s", id)
		}
		delete(want, id)
	}
}

func TestCommentsFilterOrderAndReplies(t *testing.T) {
	f := newFixture(t, nil)
	post := f.s.AddPost(Actor{}, "p", t0.Add(-time.Hour))
	c1, _ := f.s.AddComment(post, "", warga, "one", t0.Add(-50*time.Minute))
	r1, _ := f.s.AddComment(post, c1, warga, "reply", t0.Add(-40*time.Minute))
	r2, _ := f.s.AddComment(post, r1, warga, "reply to reply", t0.Add(-30*time.Minute))
	if _, _, parent, _ := f.s.Comment(r2); parent != c1 {
		t.Errorf("reply to a reply has parent %q, want the top-level %q", parent, c1)
	}
	if !strings.HasPrefix(c1, strings.TrimPrefix(post, "1020304050_")+"_") {
		t.Errorf("comment id %q not {post-id}_{comment-id}", c1)
	}
	list := func(q string) []string {
		_, _, body := f.do("GET", "/v25.0/"+post+"/comments?"+q, nil)
		var ids []string
		for _, d := range body["data"].([]any) {
			ids = append(ids, d.(map[string]any)["id"].(string))
		}
		return ids
	}
	if got := list(""); fmt.Sprint(got) != fmt.Sprint([]string{c1}) {
		t.Errorf("toplevel = %v", got)
	}
	if got := list("filter=stream&order=reverse_chronological"); fmt.Sprint(got) != fmt.Sprint([]string{r2, r1, c1}) {
		t.Errorf("stream newest first = %v", got)
	}
	// The post moved up with its latest comment.
	_, _, body := f.do("GET", "/v25.0/"+post+"?fields=updated_time", nil)
	if body["updated_time"] != t0.Add(-30*time.Minute).Format("2006-01-02T15:04:05-0700") {
		t.Errorf("updated_time = %v", body["updated_time"])
	}
	// A Page reply through the API is a Page comment.
	status, _, body := f.do("POST", "/v25.0/"+c1+"/comments", url.Values{"message": {"jawaban"}})
	if status != 200 {
		t.Fatalf("reply: %d %v", status, body)
	}
	from, text, parent, _ := f.s.Comment(body["id"].(string))
	if from.ID != "1020304050" || text != "jawaban" || parent != c1 {
		t.Errorf("page reply = %v %q %q", from, text, parent)
	}
	status, _, body = f.do("GET", "/v25.0/"+post+"/comments?fields=id,bogus", nil)
	if code, _ := errCode(body); status != 400 || code != 100 {
		t.Errorf("unknown field: %d %v", status, body)
	}
}

func TestAuthProofAndErrorEnvelope(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.AppSecret = "s3cret" })
	get := func(auth, query string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", f.srv.URL+"/v25.0/me?"+query, nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	proof := AppsecretProof(token, "s3cret")
	if status, body := get(token, "appsecret_proof="+proof); status != 200 || body["id"] != "1020304050" {
		t.Fatalf("good call: %d %v", status, body)
	}
	if _, body := get(token, "access_token=x&appsecret_proof="+proof); body["id"] != "1020304050" {
		t.Errorf("header token should win: %v", body)
	}
	cases := []struct {
		auth, query string
		code        float64
	}{
		{"wrong", "appsecret_proof=" + proof, 190},
		{token, "", 100},
		{token, "appsecret_proof=deadbeef", 100},
	}
	for _, tc := range cases {
		status, body := get(tc.auth, tc.query)
		e := body["error"].(map[string]any)
		for _, k := range []string{"message", "type", "code", "fbtrace_id"} {
			if _, ok := e[k]; !ok {
				t.Errorf("error envelope lacks %q: %v", k, e)
			}
		}
		if code, _ := errCode(body); status != 400 || code != tc.code {
			t.Errorf("%+v: %d %v", tc, status, body)
		}
	}
}

func TestUsageHeadersAndBudget(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.CallsPerHour = 4 })
	for i := 1; i <= 3; i++ {
		_, h, _ := f.do("GET", "/v25.0/me", nil)
		var app map[string]int
		if err := json.Unmarshal([]byte(h.Get("X-App-Usage")), &app); err != nil || app["call_count"] != i*25 {
			t.Fatalf("X-App-Usage = %q", h.Get("X-App-Usage"))
		}
		var buc map[string][]map[string]any
		if err := json.Unmarshal([]byte(h.Get("X-Business-Use-Case-Usage")), &buc); err != nil || buc["1020304050"][0]["type"] != "pages" {
			t.Fatalf("X-Business-Use-Case-Usage = %q", h.Get("X-Business-Use-Case-Usage"))
		}
	}
	status, h, body := f.do("GET", "/v25.0/me", nil)
	if code, _ := errCode(body); status != 400 || code != 80001 || !strings.Contains(h.Get("X-Business-Use-Case-Usage"), `"estimated_time_to_regain_access":60`) {
		t.Fatalf("over budget: %d %v %s", status, body, h.Get("X-Business-Use-Case-Usage"))
	}
	f.now = f.now.Add(time.Hour) // a new window
	if status, _, _ := f.do("GET", "/v25.0/me", nil); status != 200 {
		t.Fatalf("new window: %d", status)
	}

	g := newFixture(t, func(o *Options) { o.CallsPerHour = 1; o.NoLimits = true })
	for range 3 {
		if status, _, _ := g.do("GET", "/v25.0/me", nil); status != 200 {
			t.Fatal("NoLimits still limited")
		}
	}
}

func TestSendAPIRules(t *testing.T) {
	f := newFixture(t, nil)
	conv, _ := f.s.AddMessage(warga, "halo", t0.Add(-2*time.Hour))
	send := func(rcpt, mtype, tag string) (int, map[string]any) {
		form := url.Values{"recipient": {rcpt}, "message": {`{"text":"balasan"}`}}
		if mtype != "" {
			form.Set("messaging_type", mtype)
		}
		if tag != "" {
			form.Set("tag", tag)
		}
		status, _, body := f.do("POST", "/v25.0/1020304050/messages", form)
		return status, body
	}
	status, body := send(`{"id":"`+warga.ID+`"}`, "RESPONSE", "")
	if status != 200 || body["recipient_id"] != warga.ID || !strings.HasPrefix(body["message_id"].(string), "m_") {
		t.Fatalf("send: %d %v", status, body)
	}
	if r := f.s.PageReplies(); len(r) != 1 || r[0].TargetID != conv || !strings.HasPrefix(conv, "t_") {
		t.Fatalf("replies = %+v", r)
	}
	f.now = t0.Add(30 * time.Hour)
	if _, body := send(`{"id":"`+warga.ID+`"}`, "RESPONSE", ""); fmt.Sprint(errCode(body)) != "10 2.018278e+06" {
		t.Errorf("after 24 h: %v", body)
	}
	if status, _ := send(`{"id":"`+warga.ID+`"}`, "MESSAGE_TAG", "HUMAN_AGENT"); status != 200 {
		t.Errorf("human agent within 7 days refused")
	}
	if _, body := send(`{"id":"404"}`, "RESPONSE", ""); fmt.Sprint(errCode(body)) != "551 1.545041e+06" {
		t.Errorf("unknown person: %v", body)
	}
	if _, body := send(`{"id":"`+warga.ID+`"}`, "", ""); fmt.Sprint(errCode(body)) != "100 0" {
		t.Errorf("missing messaging_type: %v", body)
	}
	post := f.s.AddPost(Actor{}, "p", f.now.Add(-time.Hour))
	c, _ := f.s.AddComment(post, "", Actor{ID: "6099", Name: "Budi"}, "tolong", f.now.Add(-time.Hour))
	if status, body := send(`{"comment_id":"`+c+`"}`, "", ""); status != 200 || body["recipient_id"] != "6099" {
		t.Fatalf("private reply: %d %v", status, body)
	}
	if _, body := send(`{"comment_id":"`+c+`"}`, "", ""); fmt.Sprint(errCode(body)) != "100 2.018292e+06" {
		t.Errorf("second private reply: %v", body)
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t, nil)
	f.s.Fail(EndpointMe, Fault{Kind: FaultServerError, Times: 2})
	for i := range 3 {
		status, _, _ := f.do("GET", "/v25.0/me", nil)
		if want := map[bool]int{true: 500, false: 200}[i < 2]; status != want {
			t.Errorf("call %d: %d, want %d", i, status, want)
		}
	}
	f.s.Fail(EndpointMe, Fault{Kind: FaultRateLimit, Code: 613, RegainMinutes: 9})
	_, h, body := f.do("GET", "/v25.0/me", nil)
	if code, _ := errCode(body); code != 613 || !strings.Contains(h.Get("X-Business-Use-Case-Usage"), `"estimated_time_to_regain_access":9`) {
		t.Errorf("rate limit: %v %v", body, h)
	}

	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	f.s.Fail(EndpointMe, Fault{Kind: FaultSlow, Arrived: arrived, Release: release})
	done := make(chan int)
	go func() { status, _, _ := f.do("GET", "/v25.0/me", nil); done <- status }()
	<-arrived
	select {
	case <-done:
		t.Fatal("slow response answered before release")
	default:
	}
	close(release)
	if status := <-done; status != 200 {
		t.Errorf("after release: %d", status)
	}
	if n := f.s.RequestCount(EndpointMe); n != 5 {
		t.Errorf("RequestCount = %d, want 5", n)
	}
}

func TestConcurrentDriving(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.NoLimits = true })
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			f.s.AddMessage(Actor{ID: fmt.Sprint("70", i), Name: "W"}, "hi", t0)
		}()
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", f.srv.URL+"/v25.0/1020304050/conversations?fields=id,messages{id,message}", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			if resp, err := f.srv.Client().Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	_, _, body := f.do("GET", "/v25.0/1020304050/conversations?limit=100", nil)
	if n := len(body["data"].([]any)); n != 8 {
		t.Fatalf("%d conversations, want 8", n)
	}
}

func TestParseFields(t *testing.T) {
	fs, err := parseFields("id,comments.filter(stream).order(reverse_chronological).limit(5){id,parent{id}},from")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || fs[1].name != "comments" || fs[1].mods["filter"] != "stream" || fs[1].mods["limit"] != "5" ||
		fs[1].raw != "id,parent{id}" || len(fs[1].sub) != 2 || fs[1].sub[1].name != "parent" || fs[2].name != "from" {
		t.Fatalf("parsed = %+v", fs)
	}
	if _, err := parseFields("comments{id"); err == nil {
		t.Error("unbalanced braces accepted")
	}
}
