package api

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// get sends a GET as the principal with client c and returns the response
// with its body read.
func (e *env) get(c *http.Client, url, as string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if as != asNone {
		req.Header.Set("Authorization", "Bearer "+e.tokens[as])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Before issue 10 any number of streams was served (20,000 exhausted the
// process's file descriptors).
func TestStreamFloodRefusedAtCapsWhileOthersAnswer(t *testing.T) {
	const perToken, total = 2, 4
	e := newEnv(t, func(o *Options) { o.MaxStreamsPerToken, o.MaxStreams = perToken, total })
	ts := httptest.NewUnstartedServer(e.srv)
	refused := prometheus.NewCounter(prometheus.CounterOpts{Name: "refused"})
	lim := NewConnLimiter(ts.Listener, total+2, refused)
	ts.Listener = lim
	ts.Start()
	t.Cleanup(ts.Close)

	for i := 0; i < perToken; i++ {
		e.openStream(ts, asViewer, "")
	}
	flood := func(as string) (n429 int) {
		for i := 0; i < 10; i++ {
			resp, body := e.get(ts.Client(), ts.URL+"/api/v1/events", as)
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
				resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, "event streams") {
				t.Fatalf("stream beyond the cap: %d %v %s", resp.StatusCode, resp.Header, body)
			}
			n429++
		}
		return n429
	}
	flood(asViewer) // the token's own cap
	for i := 0; i < total-perToken; i++ {
		e.openStream(ts, asOp, "")
	}
	flood(asAdmin) // the total cap, for a token with none open
	if got := testutil.ToFloat64(e.srv.metrics.streamsRefused.WithLabelValues("per_token")); got != 10 {
		t.Fatalf("per-token refusals counted %v", got)
	}
	if got := testutil.ToFloat64(e.srv.metrics.streamsRefused.WithLabelValues("total")); got != 10 {
		t.Fatalf("total refusals counted %v", got)
	}
	// Headroom: the connection cap is above the stream cap.
	if resp, _ := e.get(ts.Client(), ts.URL+"/healthz", asNone); resp.StatusCode != 200 {
		t.Fatalf("/healthz during the flood: %d", resp.StatusCode)
	}
	if resp, _ := e.get(ts.Client(), ts.URL+"/api/v1/items", asViewer); resp.StatusCode != 200 {
		t.Fatalf("a normal request during the flood: %d", resp.StatusCode)
	}
	if got := testutil.ToFloat64(refused); got != 0 {
		t.Fatalf("connections refused: %v", got)
	}
}

// A connection over the cap is accepted and answered, never left waiting
// in the accept queue (netutil.LimitListener's behaviour).
func TestConnLimiterAnswers503(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewUnstartedServer(e.srv)
	refused := prometheus.NewCounter(prometheus.CounterOpts{Name: "refused"})
	lim := NewConnLimiter(ts.Listener, 2, refused)
	ts.Listener = lim
	ts.Start()
	t.Cleanup(ts.Close)
	addr := ts.Listener.Addr().String()

	request := func(c net.Conn, rd *bufio.Reader) *http.Response {
		t.Helper()
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	// Two kept-alive connections hold both slots (each was answered, so
	// each was accepted and counted).
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if resp := request(c, bufio.NewReader(c)); resp.StatusCode != 200 {
			t.Fatalf("conn %d: %d", i, resp.StatusCode)
		}
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp := request(c, bufio.NewReader(c))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("third connection: %d %v", resp.StatusCode, resp.Header)
	}
	if got := testutil.ToFloat64(refused); got != 1 {
		t.Fatalf("refused counted %v", got)
	}
	if lim.Active() != 2 {
		t.Fatalf("active %d", lim.Active())
	}
}

func TestStreamSlotsAreReleased(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxStreamsPerToken, o.MaxStreams = 1, 1 })
	ts := e.server()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[asViewer])
	resp, err := ts.Client().Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("first stream: %v %v", err, resp)
	}
	cancel()
	resp.Body.Close()
	// The handler returns once it sees the client gone; Shutdown-style
	// bookkeeping (streamsOpen) is what the cap reads.
	e.srv.waitStreams(t, 0)
	e.openStream(ts, asViewer, "")
}

// waitStreams waits (bounded) until n stream handlers are running: a
// handler notices its client left asynchronously.
func (s *Server) waitStreams(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.streamMu.Lock()
		open := s.streamsOpen
		s.streamMu.Unlock()
		if open == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d streams open, want %d", open, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestFreeMemoryRoute(t *testing.T) {
	e := newEnv(t)
	rec := e.do(asAdmin, "POST", "/api/v1/debug/free-memory", nil)
	if rec.Code != 200 {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	if m := decodeJSONBody[freedMemory](t, rec); m.HeapSys == 0 || m.HeapInuse == 0 {
		t.Fatalf("body %+v", m)
	}
}
