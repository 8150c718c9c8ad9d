package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The daemon as configured: the caps of issue 10 are wired, not only unit
// tested in pkg/api. Before issue 10 every request here was served.
func TestDaemonCapsStreamsConnectionsAndFailedLogins(t *testing.T) {
	f := newFakes(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	body := strings.Replace(f.configBody(filepath.Join(dir, "data"), tPageToken, "@every 1h"),
		"  listen: 127.0.0.1:0\n", "  listen: 127.0.0.1:0\n  max_streams: 1\n  max_connections: 33\n  auth_failure_limit: 3\n", 1)
	writeFile(t, cfgPath, body)
	// A copy left by a daemon killed mid-backup.
	stale := filepath.Join(dir, "data", ".inboxd-backup-4242")
	if err := os.MkdirAll(filepath.Dir(stale), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, stale, "half a backup")

	d := startDaemon(t, cfgPath)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale backup copy still there: %v", err)
	}
	if !strings.Contains(d.stderr.String(), "removed a stale backup copy") {
		t.Fatal("the removal was not logged")
	}

	// Streams: the one allowed is served, the next refused.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", d.base+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+tAdminToken)
	stream, err := (&http.Client{}).Do(req)
	if err != nil || stream.StatusCode != 200 {
		t.Fatalf("first stream: %v %v", err, stream)
	}
	defer stream.Body.Close()
	if code, _ := d.do("GET", "/api/v1/events", nil); code != http.StatusTooManyRequests {
		t.Fatalf("second stream: %d, want 429", code)
	}

	// Connections: past max_connections each is answered 503, never left
	// hanging.
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	refused := 0
	for i := 0; i < 40 && refused == 0; i++ {
		c, err := net.Dial("tcp", strings.TrimPrefix(d.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: inboxd\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
		case http.StatusServiceUnavailable:
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
			refused++
		default:
			t.Fatalf("connection %d: %d", i, resp.StatusCode)
		}
	}
	if refused == 0 || len(conns) > 34 {
		t.Fatalf("%d connections opened, %d refused; want a 503 once 33 are held", len(conns), refused)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	waitFor(t, "connections given back", func() bool {
		code, _ := d.do("GET", "/healthz", nil)
		return code == 200
	})

	// Failed logins: the fourth bad token from this address is a 429, and
	// so is a good token until the window ends.
	for i := 0; i < 3; i++ {
		if code, _ := doHTTP(t, d.client, "GET", d.base+"/api/v1/items", "wrong-token", nil); code != 401 {
			t.Fatalf("bad token %d: %d", i, code)
		}
	}
	if code, _ := d.do("GET", "/api/v1/items", nil); code != http.StatusTooManyRequests {
		t.Fatalf("after 3 failures: %d, want 429", code)
	}
	if !strings.Contains(d.stderr.String(), "authentication failed") || strings.Contains(d.stderr.String(), "wrong-token") {
		t.Fatal("401s not logged, or the presented token was")
	}
}
