package instagram

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

var (
	topComment = inbox.Item{Channel: Channel, Account: "pemkab-ig", Kind: inbox.KindComment, ExternalID: "17870913679156914",
		ThreadID: "17895695668004550", Author: inbox.Author{ID: "5551234567890123", Name: "warga.kotabaru"}, CreatedAt: testNow.Add(-time.Hour)}
	replyComment = inbox.Item{Channel: Channel, Account: "pemkab-ig", Kind: inbox.KindComment, ExternalID: "17873440459141021",
		ParentID: "17870913679156914", ThreadID: "17895695668004550", Author: inbox.Author{ID: "5559876543210987"}, CreatedAt: testNow.Add(-time.Hour)}
	dm = inbox.Item{Channel: Channel, Account: "pemkab-ig", Kind: inbox.KindMessage, ExternalID: "aWdGGiblWZ_m1",
		ThreadID: "aWdfZAG06", Author: inbox.Author{ID: "5551234567890123"}, CreatedAt: testNow.Add(-time.Hour)}
)

const sendOK = `{"recipient_id":"5551234567890123","message_id":"aWdGGiblWZ_sent"}`

// A public reply goes to /{comment}/replies; a reply to a reply goes under
// its top-level comment, where Instagram files it.
func TestSendCommentReply(t *testing.T) {
	f := newFake(t)
	f.on("POST 17870913679156914/replies", 200, `{"id":"17873440459141021"}`)
	c := newConn(t, f)
	for _, it := range []inbox.Item{topComment, replyComment} {
		id, err := c.Send(context.Background(), connectors.Outgoing{Item: it, Reply: inbox.Reply{Text: "Terima kasih, laporan Anda kami teruskan."}})
		if err != nil || id != "17873440459141021" {
			t.Fatalf("Send = %q, %v", id, err)
		}
	}
	for _, r := range f.got() {
		form, _ := url.ParseQuery(r.Body)
		if r.Method != "POST" || r.Path != "/v25.0/17870913679156914/replies" || form.Get("message") != "Terima kasih, laporan Anda kami teruskan." {
			t.Errorf("request %+v", r)
		}
	}
}

// A private reply is a DM addressed by comment_id, within 7 days of the
// comment; Meta takes one per comment (the reply table's OnePerItem, and
// Graph's refusal of a second is Permanent).
func TestSendPrivateReply(t *testing.T) {
	f := newFake(t)
	f.on("POST "+testPageID+"/messages", 200, sendOK)
	f.on("POST "+testPageID+"/messages", 400, `{"error":{"message":"(#10900) Activity already replied to","type":"OAuthException","code":10900,"fbtrace_id":"Ab"}}`)
	c := newConn(t, f)
	out := connectors.Outgoing{Item: topComment, Reply: inbox.Reply{Text: "Mohon kirim nomor KTP Anda lewat pesan ini.", Private: true}}
	id, err := c.Send(context.Background(), out)
	if err != nil || id != "aWdGGiblWZ_sent" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	body := formBody(t, f.got()[0])
	if rcp, _ := body["recipient"].(map[string]any); rcp["comment_id"] != topComment.ExternalID {
		t.Errorf("body %v", body)
	}
	rk, err := Replies().Lookup(inbox.KindComment, true)
	if err != nil || !rk.OnePerItem || !rk.SendsPrivately {
		t.Errorf("private reply row = %+v, %v", rk, err)
	}
	_, err = c.Send(context.Background(), out)
	if connectors.ClassOf(err) != connectors.Permanent || !strings.Contains(err.Error(), "one private reply per comment") {
		t.Errorf("second private reply: %v", err)
	}

	old := out
	old.Item.CreatedAt = testNow.Add(-PrivateReplyWindow)
	n := len(f.got())
	if _, err := c.Send(context.Background(), old); connectors.ClassOf(err) != connectors.Permanent || !strings.Contains(err.Error(), "7 days") {
		t.Errorf("8-day-old comment: %v", err)
	}
	if len(f.got()) != n {
		t.Error("a refused private reply reached Graph")
	}
}

// A DM answers within 24 hours; up to 7 days only with the HUMAN_AGENT tag
// when the app has the permission; never later.
func TestSendMessageWindows(t *testing.T) {
	for _, tt := range []struct {
		name       string
		age        time.Duration
		humanAgent bool
		wantType   string
		wantTag    string
		refused    string
	}{
		{"within 24h", 23 * time.Hour, false, "RESPONSE", "", ""},
		{"after 24h without permission", 25 * time.Hour, false, "", "", "within 24 hours"},
		{"after 24h with human agent", 6 * 24 * time.Hour, true, "MESSAGE_TAG", "HUMAN_AGENT", ""},
		{"after 7 days", 7*24*time.Hour + time.Minute, true, "", "", "more than 7 days"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.on("POST "+testPageID+"/messages", 200, sendOK)
			c := newConn(t, f, func(cfg *Config) { cfg.HumanAgent = tt.humanAgent })
			_, err := c.Send(context.Background(), connectors.Outgoing{Item: dm, Reply: inbox.Reply{Text: "Silakan datang ke kantor Dukcapil."},
				LastInboundAt: testNow.Add(-tt.age)})
			if tt.refused != "" {
				if connectors.ClassOf(err) != connectors.Permanent || !strings.Contains(err.Error(), tt.refused) || len(f.got()) != 0 {
					t.Fatalf("err = %v, requests %d", err, len(f.got()))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			body := formBody(t, f.got()[0])
			rcp, _ := body["recipient"].(map[string]any)
			msg, _ := body["message"].(map[string]any)
			if rcp["id"] != dm.Author.ID || msg["text"] != "Silakan datang ke kantor Dukcapil." || body["messaging_type"] != tt.wantType ||
				(tt.wantTag != "" && body["tag"] != tt.wantTag) || (tt.wantTag == "" && body["tag"] != nil) {
				t.Errorf("body = %v", body)
			}
		})
	}
}

// Instagram's text rules refuse before anything is sent.
func TestTextRules(t *testing.T) {
	for _, tt := range []struct {
		kind    inbox.Kind
		private bool
		text    string
		want    string
	}{
		{inbox.KindComment, false, "Info: #banjir #kotabaru #bpbd #siaga #cuaca", "5 hashtags"},
		{inbox.KindComment, false, "Lihat https://kotabaru.go.id dan https://lapor.go.id", "2 links"},
		{inbox.KindComment, false, "MOHON MAAF ATAS GANGGUANNYA", "capital letters"},
		{inbox.KindComment, false, strings.Repeat("a", limitComment+1), "limit is 2200"},
		{inbox.KindMessage, false, strings.Repeat("é", 501), "limit is 1000"},
		{inbox.KindComment, true, strings.Repeat("é", 501), "limit is 1000"},
	} {
		_, err := Replies().CheckReply(tt.kind, tt.private, tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %q...: err = %v, want %q", tt.kind, tt.text[:min(len(tt.text), 30)], err, tt.want)
		}
	}
	for _, ok := range []string{"Terima kasih #kotabaru https://kotabaru.go.id", "Jadwal: Senin–Jumat, 08.00–15.00 WITA. #pelayanan", "OK, KTP siap diambil."} {
		if _, err := Replies().CheckReply(inbox.KindComment, false, ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	if _, err := Replies().CheckReply(inbox.KindMessage, false, strings.Repeat("é", 500)); err != nil {
		t.Errorf("1000 bytes refused: %v", err)
	}
	if _, err := Replies().Lookup(inbox.KindMention, false); err == nil {
		t.Error("mentions are answerable")
	}
}

// Every Graph error maps onto the connectors' classes.
func TestErrorClasses(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		class  connectors.Class
		maybe  bool
	}{
		{400, `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"H2il2t5bn4e"}}`, connectors.Auth, false},
		{403, `{"error":{"message":"(#10) Application does not have permission for this action","type":"OAuthException","code":10,"fbtrace_id":"A"}}`, connectors.Permission, false},
		{400, `{"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException","code":10,"error_subcode":2534022,"fbtrace_id":"A"}}`, connectors.Permanent, false},
		{400, `{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"fbtrace_id":"A"}}`, connectors.RateLimited, false},
		{400, `{"error":{"message":"(#80002) There have been too many calls to this Instagram account.","type":"OAuthException","code":80002,"fbtrace_id":"A"}}`, connectors.RateLimited, false},
		{400, `{"error":{"message":"Unsupported post request. Object with ID '1' does not exist","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"A"}}`, connectors.NotFound, false},
		{400, `{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"fbtrace_id":"A"}}`, connectors.Permanent, false},
		{500, `{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"is_transient":true,"fbtrace_id":"A"}}`, connectors.Transient, true},
		{502, `<html><body>Bad Gateway</body></html>`, connectors.Transient, true},
	} {
		f := newFake(t)
		f.on("POST 17870913679156914/replies", tt.status, tt.body)
		c := newConn(t, f)
		_, err := c.Send(context.Background(), connectors.Outgoing{Item: topComment, Reply: inbox.Reply{Text: "Baik, kami cek."}})
		var ce *connectors.Error
		if !errors.As(err, &ce) || ce.Class != tt.class || ce.MayHaveReached != tt.maybe {
			t.Errorf("%d %s: err = %#v", tt.status, tt.body[:min(len(tt.body), 60)], err)
		}
		if strings.Contains(c.logs.String(), testToken) || (err != nil && strings.Contains(err.Error(), testToken)) {
			t.Errorf("token leaked: %s", c.logs.String())
		}
	}
}

// After an ambiguous send (a 502 on the POST) Verify finds the reply that
// did get posted, and only the account's own with the same text.
func TestVerifyAfterAmbiguousSend(t *testing.T) {
	f := newFake(t)
	f.on("POST 17870913679156914/replies", 502, `<html>Bad Gateway</html>`)
	f.on("GET 17870913679156914/replies", 200, `{"data":[
		{"id":"17873440459141021","text":"Terima kasih, kami cek.","timestamp":"2026-12-02T09:00:05+0000","from":{"id":"5559876543210987","username":"ibu_sari"}},
		{"id":"17873440459141777","text":"Terima kasih, kami cek.","timestamp":"2026-12-02T09:00:03+0000","from":{"id":"`+testIGUser+`","username":"pemkab.kotabaru"}}]}`)
	c := newConn(t, f)
	out := connectors.Outgoing{Item: replyComment, Reply: inbox.Reply{Text: "Terima kasih, kami cek."}}
	_, err := c.Send(context.Background(), out)
	var ce *connectors.Error
	if !errors.As(err, &ce) || !ce.MayHaveReached {
		t.Fatalf("send err = %#v", err)
	}
	id, found, err := c.Verify(context.Background(), out, testNow)
	if err != nil || !found || id != "17873440459141777" {
		t.Fatalf("Verify = %q %v %v", id, found, err)
	}
	if _, found, _ := c.Verify(context.Background(), out, testNow.Add(time.Minute)); found {
		t.Error("Verify found a reply older than since")
	}

	// A private reply or DM is looked for in the person's conversation.
	f.on("GET "+testPageID+"/conversations", 200, `{"data":[{"id":"aWdfZAG06","messages":{"data":[
		{"id":"aWdGGiblWZ_sent","created_time":"2026-12-02T09:00:02+0000","from":{"username":"pemkab.kotabaru","id":"`+testIGUser+`"},"message":"Silakan datang."}]}}]}`)
	id, found, err = c.Verify(context.Background(), connectors.Outgoing{Item: dm, Reply: inbox.Reply{Text: "Silakan datang."}}, testNow)
	if err != nil || !found || id != "aWdGGiblWZ_sent" {
		t.Fatalf("Verify DM = %q %v %v", id, found, err)
	}
	last := f.got()[len(f.got())-1]
	if q, _ := url.ParseQuery(last.RawQuery); q.Get("platform") != "instagram" || q.Get("user_id") != dm.Author.ID {
		t.Errorf("verify DM query %s", last.RawQuery)
	}
}

// The token is only ever in the Authorization header: never in a URL, a
// body or a log line; appsecret_proof rides along.
func TestTokenNeverInURLOrLog(t *testing.T) {
	f := newFake(t)
	f.on("GET "+testIGUser+"/media", 200, fixture(t, "media_comments.json"))
	f.on("GET 17895695668004550/comments", 400, `{"error":{"message":"Invalid OAuth access token `+testToken+`","type":"OAuthException","code":190}}`)
	f.on("POST "+testPageID+"/messages", 200, sendOK)
	c := newConn(t, f)
	p, _ := c.Poll(context.Background(), nil)
	_, _ = c.Send(context.Background(), connectors.Outgoing{Item: dm, Reply: inbox.Reply{Text: "Halo"}, LastInboundAt: testNow})
	for _, r := range f.got() {
		if strings.Contains(r.RawQuery+r.Path+r.Body, testToken) || r.Auth != "Bearer "+testToken {
			t.Errorf("request %+v", r)
		}
		if q, _ := url.ParseQuery(r.RawQuery); len(q.Get("appsecret_proof")) != 64 {
			t.Errorf("no appsecret_proof: %s", r.RawQuery)
		}
	}
	if strings.Contains(c.logs.String(), testToken) || strings.Contains(c.logs.String(), testSecret) || strings.Contains(string(p.Cursor), testToken) {
		t.Errorf("token leaked:\n%s\n%s", c.logs.String(), p.Cursor)
	}
}
