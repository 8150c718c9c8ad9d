package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// streams floods the daemon with event streams from many viewer tokens,
// counts what the caps refuse, checks that /healthz and a list still answer,
// then floods raw connections past http.max_connections, and samples the
// daemon's RssAnon before, while the streams are held and after they are
// released (the Go scavenger returns freed pages over minutes).
func streams(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("streams", stderr)
	bin := fs.String("inboxd", "", "the inboxd `binary`")
	attempts := fs.Int("streams", 1500, "event streams to attempt in all")
	tokens := fs.Int("tokens", 60, "viewer tokens to spread them over")
	perToken := fs.Int("per-token", 20, "http.max_streams_per_token")
	maxStreams := fs.Int("max-streams", 1000, "http.max_streams")
	maxConns := fs.Int("max-connections", 1200, "http.max_connections")
	extraConns := fs.Int("extra-conns", 300, "raw connections to open after the streams (past the connection cap)")
	wait := fs.Duration("wait", time.Minute, "how long to sample RssAnon after the clients leave, before asking the daemon to free memory")
	every := fs.Duration("sample", 15*time.Second, "RssAnon sampling interval after release")
	keep := fs.String("work", "", "keep the config and the daemon's log in this `dir` (default: a temp dir, removed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" {
		return fmt.Errorf("streams: --inboxd is required")
	}
	work, cleanup, err := workDir(*keep, "loadrun-streams-")
	if err != nil {
		return err
	}
	defer cleanup()
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	limits := fmt.Sprintf("  max_streams: %d\n  max_streams_per_token: %d\n  max_connections: %d\n  max_tokens: %d\n",
		*maxStreams, *perToken, *maxConns, *tokens+1)
	cfg, err := writeConfig(work, filepath.Join(work, "data"), addr, "")
	if err != nil {
		return err
	}
	if err := appendHTTP(cfg, addr, limits); err != nil {
		return err
	}
	admin, err := createNamedToken(ctx, *bin, cfg, "flood-admin", "admin")
	if err != nil {
		return err
	}
	secrets := make([]string, *tokens)
	for i := range secrets {
		if secrets[i], err = createNamedToken(ctx, *bin, cfg, fmt.Sprintf("flood-%03d", i), "viewer"); err != nil {
			return err
		}
	}
	d, stop, err := startReady(ctx, stderr, *bin, cfg, addr, filepath.Join(work, "inboxd.log"))
	if err != nil {
		return err
	}
	defer stop()
	pid := d.cmd.Process.Pid
	base, err := readProcMemory(pid)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ready: RssAnon %d kB\n", base.RssAnon)

	// Each stream gets its own connection (no pooling): what a flood does.
	var held []io.Closer
	defer func() {
		for _, c := range held {
			_ = c.Close()
		}
	}()
	counts := map[string]int{}
	for i := 0; i < *attempts; i++ {
		// The first token asks for 10 more than its cap; the rest spread.
		tok := 0
		if i >= *perToken+10 {
			tok = 1 + (i-*perToken-10)%(*tokens-1)
		}
		c, status, err := openStream(ctx, d.url, secrets[tok])
		switch {
		case err != nil:
			counts["error"]++
		case status == http.StatusOK:
			held = append(held, c)
			counts["200"]++
		default:
			counts[fmt.Sprint(status)]++
		}
	}
	fmt.Fprintf(stdout, "streams attempted %d: %v\n", *attempts, counts)
	healthz := answers(ctx, d.url+"/healthz", "")
	list := answers(ctx, d.url+"/api/v1/items?limit=1", secrets[0])
	fmt.Fprintf(stdout, "with %d streams held: /healthz %s, GET /api/v1/items %s\n", counts["200"], healthz, list)
	heldMem, err := readProcMemory(pid)
	if err != nil {
		return err
	}
	perStream := float64(heldMem.RssAnon-base.RssAnon) / float64(max(counts["200"], 1))
	fmt.Fprintf(stdout, "streams held: RssAnon %d kB (+%d kB, %.1f kB per stream)\n", heldMem.RssAnon, heldMem.RssAnon-base.RssAnon, perStream)

	conns := map[string]int{}
	for i := 0; i < *extraConns; i++ {
		c, status, err := rawRequest(d.url)
		switch {
		case err != nil:
			conns["error"]++
		default:
			conns[fmt.Sprint(status)]++
			if c != nil {
				held = append(held, c)
			}
		}
	}
	fmt.Fprintf(stdout, "extra connections %d (kept alive): %v\n", *extraConns, conns)

	for _, c := range held {
		_ = c.Close()
	}
	held = nil
	fmt.Fprintln(stdout, "refusals the daemon counted:")
	for _, line := range metricLines(ctx, d.url+"/metrics", secrets[0],
		"inboxd_event_streams_refused_total", "inboxd_http_connections_refused_total") {
		fmt.Fprintln(stdout, "  "+line)
	}
	start := time.Now()
	for {
		m, err := readProcMemory(pid)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "released +%3.0fs: RssAnon %d kB\n", time.Since(start).Seconds(), m.RssAnon)
		if time.Since(start) >= *wait {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(*every):
		}
	}
	// Twice: the first collection runs finalizers whose memory the second
	// frees.
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, d.url+"/api/v1/debug/free-memory", nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		m, err := readProcMemory(pid)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "after POST /api/v1/debug/free-memory (%d %s): RssAnon %d kB (ready was %d kB)\n",
			resp.StatusCode, strings.TrimSpace(string(body)), m.RssAnon, base.RssAnon)
	}
	return nil
}

// appendHTTP adds keys to the http section writeConfig wrote.
func appendHTTP(cfg, addr, keys string) error {
	b, err := os.ReadFile(cfg)
	if err != nil {
		return err
	}
	listen := fmt.Sprintf("  listen: %q\n", addr)
	out := strings.Replace(string(b), listen, listen+keys, 1)
	return os.WriteFile(cfg, []byte(out), 0o600)
}

// openStream opens one event stream on its own connection and, on 200,
// reads its first line so the stream is known to be live.
func openStream(ctx context.Context, base, secret string) (io.Closer, int, error) {
	tr := &http.Transport{DisableKeepAlives: true}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := (&http.Client{Transport: tr, Timeout: 0}).Do(req)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		tr.CloseIdleConnections()
		return nil, resp.StatusCode, nil
	}
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		_ = resp.Body.Close()
		return nil, 0, err
	}
	return resp.Body, http.StatusOK, nil
}

// rawRequest sends GET /healthz on a new connection and keeps it open
// (kept alive) when answered 200.
func rawRequest(base string) (net.Conn, int, error) {
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		return nil, 0, err
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: inboxd\r\n\r\n"); err != nil {
		_ = c.Close()
		return nil, 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		_ = c.Close()
		return nil, 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_ = c.Close()
		return nil, resp.StatusCode, nil
	}
	_ = c.SetDeadline(time.Time{})
	return c, resp.StatusCode, nil
}

// metricLines fetches /metrics and returns the sample lines of the named
// metrics.
func metricLines(ctx context.Context, url, secret string, names ...string) []string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := (&http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	defer resp.Body.Close()
	var out []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		for _, n := range names {
			if strings.HasPrefix(sc.Text(), n) {
				out = append(out, sc.Text())
			}
		}
	}
	return out
}

// answers GETs url on a fresh connection and says how it went.
func answers(ctx context.Context, url, secret string) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	start := time.Now()
	resp, err := (&http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return "error: " + err.Error()
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return fmt.Sprintf("%d in %s", resp.StatusCode, time.Since(start).Round(time.Microsecond))
}
