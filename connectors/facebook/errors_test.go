package facebook

import (
	"context"
	"errors"
	"github.com/inboxd/inboxd/connectors/metagraph"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/graphapi"
)

func TestErrorClasses(t *testing.T) {
	ge := func(code, sub int) graphapi.Fault {
		return graphapi.Fault{Kind: graphapi.FaultGraphError, Code: code, Subcode: sub, Message: "graph says no"}
	}
	rl := func(code, regain int) graphapi.Fault {
		return graphapi.Fault{Kind: graphapi.FaultRateLimit, Code: code, RegainMinutes: regain}
	}
	cases := []struct {
		name      string
		fault     graphapi.Fault
		class     connectors.Class
		code      string
		retryIn   time.Duration // RateLimited only
		postReach bool          // MayHaveReached on a POST
	}{
		{"expired token 190/463", graphapi.Fault{Kind: graphapi.FaultExpiredToken}, connectors.Auth, "190/463", 0, false},
		{"invalid token 190", ge(190, 0), connectors.Auth, "190", 0, false},
		{"session 102", ge(102, 0), connectors.Auth, "102", 0, false},
		{"permission 10", ge(10, 0), connectors.Permission, "10", 0, false},
		{"permission 200", ge(200, 0), connectors.Permission, "200", 0, false},
		{"permission 299", ge(299, 0), connectors.Permission, "299", 0, false},
		{"window closed 10/2018278", ge(10, 2018278), connectors.Permanent, "10/2018278", 0, false},
		{"window closed 10/2018065", ge(10, 2018065), connectors.Permanent, "10/2018065", 0, false},
		{"person unavailable 551/1545041", ge(551, 1545041), connectors.Permanent, "551/1545041", 0, false},
		{"rate limit 4 with regain", rl(4, 7), connectors.RateLimited, "4", 7 * time.Minute, false},
		{"rate limit 17", rl(17, 0), connectors.RateLimited, "17", defaultRateLimitBackoff, false},
		{"rate limit 32", rl(32, 3), connectors.RateLimited, "32", 3 * time.Minute, false},
		{"rate limit 613", rl(613, 0), connectors.RateLimited, "613", defaultRateLimitBackoff, false},
		{"rate limit 80001", rl(80001, 12), connectors.RateLimited, "80001", 12 * time.Minute, false},
		{"rate limit 80006", rl(80006, 1), connectors.RateLimited, "80006", time.Minute, false},
		{"deleted 100/33", ge(100, 33), connectors.NotFound, "100/33", 0, false},
		{"bad parameter 100", ge(100, 0), connectors.Permanent, "100", 0, false},
		{"blocked 368", ge(368, 0), connectors.Permanent, "368", 0, false},
		{"unknown 1", ge(1, 0), connectors.Transient, "1", 0, true},
		{"service 2", ge(2, 0), connectors.Transient, "2", 0, true},
		{"HTTP 500", graphapi.Fault{Kind: graphapi.FaultServerError}, connectors.Transient, "1", 0, true},
		{"HTTP 502 HTML", graphapi.Fault{Kind: graphapi.FaultBadGateway}, connectors.Transient, "", 0, true},
		{"malformed JSON", graphapi.Fault{Kind: graphapi.FaultMalformed}, connectors.Transient, "", 0, true},
		{"reset after write", graphapi.Fault{Kind: graphapi.FaultReset}, connectors.Transient, "", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Sources = []string{SourceTagged} })
			check := func(err error, post bool) {
				t.Helper()
				var ce *connectors.Error
				if !errors.As(err, &ce) {
					t.Fatalf("err = %v, want *connectors.Error", err)
				}
				if ce.Class != tc.class || ce.Code != tc.code {
					t.Errorf("class/code = %s/%q, want %s/%q (%v)", ce.Class, ce.Code, tc.class, tc.code, err)
				}
				if want := post && tc.postReach; ce.MayHaveReached != want {
					t.Errorf("MayHaveReached = %v, want %v (post=%v)", ce.MayHaveReached, want, post)
				}
				if tc.class == connectors.RateLimited {
					if want := e.clock.Now().Add(tc.retryIn); !ce.RetryAt.Equal(want) {
						t.Errorf("RetryAt = %s, want %s", ce.RetryAt, want)
					}
				} else if !ce.RetryAt.IsZero() {
					t.Errorf("RetryAt = %s on a %s error", ce.RetryAt, ce.Class)
				}
				if strings.Contains(err.Error(), testToken) {
					t.Error("token in the error")
				}
			}
			// A poll (GET).
			e.fake.Fail(graphapi.EndpointTagged, tc.fault)
			_, err := e.conn.Poll(t.Context(), nil)
			check(err, false)
			// A send (POST).
			post := e.fake.AddPost(graphapi.Actor{}, "p", t0.Add(-time.Hour))
			e.fake.Fail(graphapi.EndpointPostComment, tc.fault)
			_, err = e.conn.Send(t.Context(), outgoing(inbox.Item{Kind: inbox.KindComment, ExternalID: post}, "balasan", false, t0))
			check(err, true)
			if tc.class == connectors.RateLimited && e.conn.Usage().Percent != 100 {
				t.Errorf("usage = %v after a rate limit, want 100", e.conn.Usage().Percent)
			}
		})
	}
}

func TestSendTimeoutAfterWriteMayHaveReachedAndVerifies(t *testing.T) {
	e := newEnv(t, nil)
	post := e.fake.AddPost(graphapi.Actor{}, "p", t0.Add(-time.Hour))
	c1 := mustComment(t, e.fake, post, "", alice, "halo", t0.Add(-time.Minute))
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	defer close(release)
	e.fake.Fail(graphapi.EndpointPostComment, graphapi.Fault{Kind: graphapi.FaultSlow, Arrived: arrived, Release: release})

	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-arrived; cancel() }() // the daemon shuts down while Facebook is slow
	out := outgoing(inbox.Item{Kind: inbox.KindComment, ExternalID: c1, ThreadID: post}, "Sedang kami proses", false, t0)
	sentAt := e.clock.Now()
	_, err := e.conn.Send(ctx, out)
	if !connectors.MayHaveReached(err) || connectors.ClassOf(err) != connectors.Transient {
		t.Fatalf("err = %v: a POST cut off after writing may have reached Facebook", err)
	}
	id, found, err := e.conn.Verify(t.Context(), out, sentAt)
	if err != nil || !found {
		t.Fatalf("Verify = %q %v %v, want the comment Facebook did post", id, found, err)
	}
	if sent := e.fake.PageReplies(); len(sent) != 1 || sent[0].ID != id {
		t.Fatalf("page replies = %+v, verified id %s", sent, id)
	}
}

func TestSendHTTPTimeoutMayHaveReached(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.HTTPTimeout = 50 * time.Millisecond })
	post := e.fake.AddPost(graphapi.Actor{}, "p", t0.Add(-time.Hour))
	release := make(chan struct{})
	defer close(release)
	e.fake.Fail(graphapi.EndpointPostComment, graphapi.Fault{Kind: graphapi.FaultSlow, Release: release})
	_, err := e.conn.Send(t.Context(), outgoing(inbox.Item{Kind: inbox.KindComment, ExternalID: post}, "x", false, t0))
	if !connectors.MayHaveReached(err) || connectors.ClassOf(err) != connectors.Transient {
		t.Fatalf("err = %v, want transient and may-have-reached", err)
	}
}

func TestSendConnectionRefusedHasNotReached(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Close()
	_, err := e.conn.Send(t.Context(), outgoing(inbox.Item{Kind: inbox.KindComment, ExternalID: "1_2"}, "x", false, t0))
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Class != connectors.Transient || ce.MayHaveReached {
		t.Fatalf("err = %#v, want transient, not reached", err)
	}
}

func TestPollKeepsWhatItReadWhenALaterPageFails(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{SourceMessages, SourceTagged} })
	_, m := e.fake.AddMessage(alice, "halo", t0.Add(-time.Minute))
	e.fake.Fail(graphapi.EndpointTagged, graphapi.Fault{Kind: graphapi.FaultServerError})
	p, err := e.conn.Poll(t.Context(), nil)
	if err != nil || !p.More || len(p.Items) != 1 || p.Items[0].ExternalID != m {
		t.Fatalf("poll = %v items, More=%v, err=%v; want the message, More, no error", ids(p), p.More, err)
	}
	tag := e.fake.AddTaggedPost(budi, "t", t0.Add(-time.Minute))
	p2 := e.poll(p.Cursor)
	if len(p2.Items) != 1 || p2.Items[0].ExternalID != tag {
		t.Fatalf("next poll = %v, want [%s]", ids(p2), tag)
	}
}

func TestUsagePercent(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{SourceTagged} }, func(o *graphapi.Options) { o.CallsPerHour = 10 })
	for range 3 {
		e.poll(nil)
	}
	if got := e.conn.Usage().Percent; got != 30 {
		t.Fatalf("usage = %v%%, want 30 (3 of 10 calls)", got)
	}
}

func TestUsageFromRecordedHeaders(t *testing.T) {
	// Header values shaped like the recorded samples.
	h := map[string][]string{
		"X-App-Usage":               {`{"call_count":12,"total_cputime":3,"total_time":5}`},
		"X-Business-Use-Case-Usage": {`{"102030405060708":[{"type":"pages","call_count":1,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":0},{"type":"messenger","call_count":85,"total_cputime":2,"total_time":2,"estimated_time_to_regain_access":4}]}`},
	}
	pct, regain, ok := metagraph.UsageFrom(h)
	if !ok || pct != 85 || regain != 4 {
		t.Fatalf("usageFrom = %v %v %v, want 85 4 true", pct, regain, ok)
	}
}

func TestBackfillSurvivesAnInterruptedFirstPoll(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Sources = []string{SourceMessages, SourceTagged} })
	e.fake.AddMessage(alice, "halo", t0.Add(-2*time.Hour))
	tag := e.fake.AddTaggedPost(budi, "t", t0.Add(-time.Hour))
	e.fake.Fail(graphapi.EndpointTagged, graphapi.Fault{Kind: graphapi.FaultServerError})
	p1, err := e.conn.Poll(t.Context(), nil)
	if err != nil || !p1.More {
		t.Fatalf("first poll: More=%v err=%v", p1.More, err)
	}
	p2 := e.poll(p1.Cursor)
	if len(p2.Items) != 1 || p2.Items[0].ExternalID != tag || !p2.Items[0].Backfill {
		t.Fatalf("second poll = %+v, want the look-back tag marked backfill", p2.Items)
	}
}
