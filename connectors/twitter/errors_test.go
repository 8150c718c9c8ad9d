package twitter

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
)

func TestErrorClassesAgainstTheFake(t *testing.T) {
	reset := t0.Add(7 * time.Minute)
	cases := []struct {
		name     string
		fault    xapi.Fault
		onSend   bool // fault the post endpoint (else the mentions read)
		class    connectors.Class
		reached  bool
		contains string
		only     string // run for this API only
	}{
		{name: "429", fault: xapi.Fault{Kind: xapi.FaultRateLimited, Reset: reset}, class: connectors.RateLimited},
		{name: "usage capped", fault: xapi.Fault{Kind: xapi.FaultUsageCapped}, class: connectors.UsageCapped, contains: "paused until an operator resumes"},
		{name: "401", fault: xapi.Fault{Kind: xapi.FaultUnauthorized}, class: connectors.Auth},
		{name: "453", fault: xapi.Fault{Kind: xapi.FaultForbidden453}, class: connectors.Permission, contains: "api: v2", only: "v1.1"},
		{name: "403", fault: xapi.Fault{Kind: xapi.FaultForbidden453}, class: connectors.Permission, contains: "Read, write and Direct Messages", only: "v2"},
		{name: "500 read", fault: xapi.Fault{Kind: xapi.FaultServerError}, class: connectors.Transient},
		{name: "500 post", fault: xapi.Fault{Kind: xapi.FaultServerError}, onSend: true, class: connectors.Transient, reached: true},
		{name: "malformed read", fault: xapi.Fault{Kind: xapi.FaultMalformed}, class: connectors.Transient},
		{name: "malformed post", fault: xapi.Fault{Kind: xapi.FaultMalformed}, onSend: true, class: connectors.Transient, reached: true},
		{name: "429 post", fault: xapi.Fault{Kind: xapi.FaultRateLimited, Reset: reset}, onSend: true, class: connectors.RateLimited},
		{name: "401 post", fault: xapi.Fault{Kind: xapi.FaultUnauthorized}, onSend: true, class: connectors.Auth},
	}
	for _, api := range apis {
		for _, tc := range cases {
			if tc.only != "" && !strings.HasPrefix(api.name, tc.only) {
				continue
			}
			t.Run(api.name+"/"+tc.name, func(t *testing.T) {
				e := newEnv(t, append(api.opts, func(c *Config, _ *xapi.Options) { c.Sources = []string{SourceMentions} })...)
				var err error
				if tc.onSend {
					it := e.itemFor(inbox.KindMention)
					f := tc.fault
					if tc.fault.Kind == xapi.FaultUnauthorized {
						f.Times = 2 // OAuth 2.0 refreshes once and retries
					}
					e.fake.Inject(api.createPost, f)
					_, err = e.conn.Send(context.Background(), out(it, "Terima kasih atas laporannya.", false))
				} else {
					f := tc.fault
					if tc.fault.Kind == xapi.FaultUnauthorized {
						f.Times = 2
					}
					e.fake.Inject(api.mentions, f)
					err = e.pollErr()
				}
				ce := classified(t, err)
				if ce.Class != tc.class || ce.MayHaveReached != tc.reached {
					t.Fatalf("got %v (class %s, reached %v); want class %s, reached %v", err, ce.Class, ce.MayHaveReached, tc.class, tc.reached)
				}
				if tc.contains != "" && !strings.Contains(ce.Message, tc.contains) {
					t.Fatalf("message %q lacks %q", ce.Message, tc.contains)
				}
				switch tc.class {
				case connectors.RateLimited:
					if !ce.RetryAt.Equal(reset) {
						t.Fatalf("RetryAt = %v, want x-rate-limit-reset %v", ce.RetryAt, reset)
					}
				case connectors.UsageCapped:
					if !ce.RetryAt.IsZero() {
						t.Fatalf("usage cap carries RetryAt %v; it must wait for an operator", ce.RetryAt)
					}
				}
				for _, secret := range []string{"cs-1", "as-1", "client-secret-1", "refresh-0", "access-0"} {
					if strings.Contains(err.Error(), secret) {
						t.Fatalf("error %q leaks a secret", err)
					}
				}
			})
		}
	}
}

func TestSendTargetErrors(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			e := newEnv(t, api.opts...)
			ctx := context.Background()
			it := e.itemFor(inbox.KindMention)

			e.fake.DeletePost(it.ExternalID)
			_, err := e.conn.Send(ctx, out(it, "Sudah ditangani.", false))
			if ce := classified(t, err); ce.Class != connectors.NotFound {
				t.Fatalf("reply to a deleted post: %v, want not_found", err)
			}

			gone := it
			gone.Author.ID = "999999"
			_, err = e.conn.Send(ctx, out(gone, "Halo", true))
			if ce := classified(t, err); ce.Class != connectors.NotFound {
				t.Fatalf("DM to an unknown user: %v, want not_found", err)
			}

			it2 := e.itemFor(inbox.KindMention)
			if _, err := e.conn.Send(ctx, out(it2, "Sama persis.", false)); err != nil {
				t.Fatal(err)
			}
			_, err = e.conn.Send(ctx, out(it2, "Sama persis.", false))
			if ce := classified(t, err); ce.Class != connectors.Permanent {
				t.Fatalf("duplicate post: %v, want permanent", err)
			}
		})
	}
}

func TestRateLimitResetIsHonoured(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			e := newEnv(t, append(api.opts, func(c *Config, o *xapi.Options) {
				c.Sources = []string{SourceMentions}
				o.Limits = map[xapi.Endpoint]int{api.mentions: 2}
			})...)
			e.poll()
			e.poll()
			err := e.pollErr() // the window's third call
			ce := classified(t, err)
			wantReset := t0.Add(xapi.DefaultWindow)
			if ce.Class != connectors.RateLimited || !ce.RetryAt.Equal(wantReset) {
				t.Fatalf("third call: %v (retry %v), want rate limited until %v", err, ce.RetryAt, wantReset)
			}
			// Until the reset, the connector does not call X at all.
			before := e.fake.Requests(api.mentions)
			e.clock.Advance(xapi.DefaultWindow - time.Second)
			if ce := classified(t, e.pollErr()); ce.Class != connectors.RateLimited || !ce.RetryAt.Equal(wantReset) {
				t.Fatalf("before reset: %v", ce)
			}
			if n := e.fake.Requests(api.mentions); n != before {
				t.Fatalf("called X %d times before the reset", n-before)
			}
			if u := e.conn.Usage(); u.RateRemaining != 0 || u.RateLimit != 2 || !u.RateResetAt.Equal(wantReset) {
				t.Fatalf("usage = %+v", u)
			}
			// After the reset, polling works again.
			e.clock.Advance(time.Second)
			e.poll()
			if n := e.fake.Requests(api.mentions); n != before+1 {
				t.Fatalf("after reset: %d requests, want 1", n-before)
			}
		})
	}
}

func TestOneFailingSourceKeepsTheOthersProgress(t *testing.T) {
	e := newEnv(t)
	m := e.fake.AddMention(xapi.Mention{AuthorID: budiID, Text: "halo", At: t0.Add(-time.Minute)})
	e.fake.Inject(xapi.DMEvents, xapi.Fault{Kind: xapi.FaultServerError})
	p := e.poll()
	if len(p.Items) != 1 || p.Items[0].ExternalID != m.ID || !p.More {
		t.Fatalf("page = %+v, want the mention and More", p)
	}
	// The DM source is retried next time and its error surfaces when
	// nothing else progressed.
	e.fake.Inject(xapi.DMEvents, xapi.Fault{Kind: xapi.FaultUnauthorized})
	if ce := classified(t, e.pollErr()); ce.Class != connectors.Auth {
		t.Fatalf("got %v, want auth", ce)
	}
}

func TestClassifyV1Codes(t *testing.T) {
	now := t0
	h := http.Header{"X-Rate-Limit-Reset": {strconv.FormatInt(t0.Add(time.Minute).Unix(), 10)}}
	for _, tc := range []struct {
		status int
		code   int
		post   bool
		class  connectors.Class
	}{
		{429, 88, false, connectors.RateLimited},
		{401, 32, false, connectors.Auth},
		{401, 89, false, connectors.Auth},
		{400, 215, false, connectors.Auth},
		{403, 453, false, connectors.Permission},
		{403, 187, true, connectors.Permanent},
		{403, 186, true, connectors.Permanent},
		{403, 433, true, connectors.Permanent},
		{404, 144, true, connectors.NotFound},
		{403, 385, true, connectors.NotFound},
		{404, 34, false, connectors.NotFound},
		{403, 261, false, connectors.Permission},
		{500, 131, false, connectors.Transient},
		{503, 0, true, connectors.Transient},
		{400, 44, false, connectors.Permanent},
	} {
		var codes []v1Error
		if tc.code != 0 {
			codes = []v1Error{{Code: tc.code, Message: "m"}}
		}
		e := classifyV1("op", tc.status, h, codes, now, tc.post)
		if e.Class != tc.class {
			t.Errorf("%d/%d: class %s, want %s", tc.status, tc.code, e.Class, tc.class)
		}
		if e.MayHaveReached != (tc.post && tc.status >= 500) {
			t.Errorf("%d/%d: MayHaveReached %v", tc.status, tc.code, e.MayHaveReached)
		}
		if tc.class == connectors.RateLimited && !e.RetryAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("88: RetryAt %v", e.RetryAt)
		}
		if tc.code == 453 && !strings.Contains(e.Message, "api: v2") {
			t.Errorf("453 message %q lacks the hint", e.Message)
		}
	}
}

func TestClassifyV2Problems(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		post   bool
		class  connectors.Class
	}{
		{429, `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`, false, connectors.RateLimited},
		{429, `{"account_id":"x","product_name":"standard-basic","title":"UsageCapExceeded","period":"Monthly","scope":"Product","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.twitter.com/2/problems/usage-capped"}`, false, connectors.UsageCapped},
		{401, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`, true, connectors.Auth},
		{403, `{"title":"Forbidden","status":403,"detail":"Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.","type":"about:blank"}`, true, connectors.Permanent},
		{403, `{"title":"Forbidden","status":403,"detail":"You attempted to reply to a Tweet that is deleted or not visible to you.","type":"about:blank"}`, true, connectors.NotFound},
		{403, `{"title":"Forbidden","status":403,"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank"}`, true, connectors.Permanent},
		{403, `{"client_id":"1","required_enrollment":"Appropriate Level of API Access","registration_url":"https://developer.x.com","title":"Client Forbidden","detail":"This request must be made using an approved developer account that is enrolled in the requested endpoint.","reason":"client-not-enrolled","type":"https://api.twitter.com/2/problems/client-forbidden"}`, false, connectors.Permission},
		{404, `{"title":"Not Found Error","detail":"Could not find tweet with id: [1].","type":"https://api.x.com/2/problems/resource-not-found"}`, true, connectors.NotFound},
		{400, `{"title":"Invalid Request","detail":"The 'query' parameter is required.","type":"https://api.x.com/2/problems/invalid-request"}`, false, connectors.Permanent},
		{503, `<html>Service Unavailable</html>`, true, connectors.Transient},
	} {
		e := classifyV2("op", tc.status, http.Header{}, []byte(tc.body), t0, tc.post)
		if e.Class != tc.class {
			t.Errorf("%d %s: class %s, want %s", tc.status, tc.body, e.Class, tc.class)
		}
		if e.MayHaveReached != (tc.post && tc.status >= 500) {
			t.Errorf("%d: MayHaveReached %v", tc.status, e.MayHaveReached)
		}
		if tc.class == connectors.RateLimited && !e.RetryAt.Equal(t0.Add(15*time.Minute)) {
			t.Errorf("429 without reset header: RetryAt %v, want the 15-minute window", e.RetryAt)
		}
	}
}
