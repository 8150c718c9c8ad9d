package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// startup times `inboxd serve` on an existing data file from exec to the
// first /readyz 200, several times.
func startup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("startup", stderr)
	bin := fs.String("inboxd", "", "the inboxd `binary` (go build -o … ./cmd/inboxd)")
	dir := fs.String("data", "", "data `dir` holding inboxd.db (loadrun fill)")
	runs := fs.Int("runs", 7, "how many starts")
	keep := fs.String("work", "", "keep the config and the daemon's log in this `dir` (default: a temp dir, removed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" || *dir == "" {
		return fmt.Errorf("startup: --inboxd and --data are required")
	}
	work, cleanup, err := workDir(*keep, "loadrun-startup-")
	if err != nil {
		return err
	}
	defer cleanup()
	var took []time.Duration
	for i := range *runs {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		cfg, err := writeConfig(work, *dir, addr, "")
		if err != nil {
			return err
		}
		d, err := startDaemon(*bin, cfg, addr, filepath.Join(work, "inboxd.log"))
		if err != nil {
			return err
		}
		t, err := d.waitReady(ctx, 30*time.Second)
		mem, merr := readProcMemory(d.cmd.Process.Pid)
		if serr := d.stop(); err == nil && serr != nil {
			err = fmt.Errorf("stop: %w", serr)
		}
		if err != nil {
			return err
		}
		if merr != nil {
			return merr
		}
		took = append(took, t)
		fmt.Fprintf(stdout, "run %d: exec → /readyz 200 in %v (RssAnon %d kB, RssFile %d kB at ready)\n",
			i+1, round(t), mem.RssAnon, mem.RssFile)
	}
	fmt.Fprintf(stdout, "startup: %s\n", summary(took))
	return nil
}

// reads starts `inboxd serve` on a data file, drives GET
// /api/v1/items?status=open&unit=X&limit=50 and /api/v1/stats at a steady
// (open-loop) rate, and samples the daemon's RssAnon.
func reads(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("reads", stderr)
	bin := fs.String("inboxd", "", "the inboxd `binary`")
	dir := fs.String("data", "", "data `dir` holding inboxd.db (loadrun fill)")
	rate := fs.Float64("rate", 200, "requests per `second`")
	duration := fs.Duration("duration", 2*time.Minute, "how long to drive reads")
	every := fs.Duration("sample", time.Second, "RssAnon sampling `interval`")
	keep := fs.String("work", "", "keep the config and the daemon's log in this `dir` (default: a temp dir, removed)")
	gogc := fs.String("gogc", "", "GOGC/GOMEMLIMIT for the daemon, e.g. GOMEMLIMIT=48MiB (default: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" || *dir == "" {
		return fmt.Errorf("reads: --inboxd and --data are required")
	}
	work, cleanup, err := workDir(*keep, "loadrun-reads-")
	if err != nil {
		return err
	}
	defer cleanup()
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	cfg, err := writeConfig(work, *dir, addr, "")
	if err != nil {
		return err
	}
	token, err := createToken(ctx, *bin, cfg, "viewer")
	if err != nil {
		return err
	}
	var env []string
	if *gogc != "" {
		env = append(env, *gogc)
	}
	logPath := filepath.Join(work, "inboxd.log")
	d, stop, err := startReady(ctx, stderr, *bin, cfg, addr, logPath, env...)
	if err != nil {
		return err
	}
	defer stop()
	pid := d.cmd.Process.Pid
	atReady, err := readProcMemory(pid)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ready: RssAnon %d kB, RssFile %d kB, VmRSS %d kB\n", atReady.RssAnon, atReady.RssFile, atReady.VmRSS)

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	var (
		mu       sync.Mutex
		lat      = map[string][]time.Duration{}
		failures atomic.Int64
		inflight sync.WaitGroup
		sem      = make(chan struct{}, 64)
		skipped  int
	)
	get := func(kind, path string) {
		defer inflight.Done()
		defer func() { <-sem }()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			failures.Add(1)
			return
		}
		_, err = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		took := time.Since(start)
		if err != nil || resp.StatusCode != http.StatusOK {
			failures.Add(1)
			return
		}
		mu.Lock()
		lat[kind] = append(lat[kind], took)
		mu.Unlock()
	}

	rng := rand.New(rand.NewPCG(1, 2))
	// A tick only says "catch up": what is due comes from the time passed,
	// since a ticker drops ticks when this loop runs late on a busy machine.
	interval := max(time.Duration(float64(time.Second) / *rate), time.Millisecond)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	sample := time.NewTicker(*every)
	defer sample.Stop()
	var anon, vmrss []int64
	end := time.After(*duration)
	start := time.Now()
	sent := 0
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-end:
			break loop
		case <-sample.C:
			m, err := readProcMemory(pid)
			if err != nil {
				return err
			}
			anon, vmrss = append(anon, m.RssAnon), append(vmrss, m.VmRSS)
		case <-tick.C:
			for due := int(*rate*time.Since(start).Seconds()) - sent - skipped; due > 0; due-- {
				var kind, path string
				switch n := (sent + skipped) % 10; {
				case n == 8:
					kind, path = "stats", "/api/v1/stats"
				case n == 9:
					u := unitName(rng.IntN(fillUnits))
					kind, path = "stats_unit", "/api/v1/stats?unit="+u
				default:
					u := unitName(rng.IntN(fillUnits))
					kind, path = "items", "/api/v1/items?status=open&unit="+u+"&limit=50"
				}
				select {
				case sem <- struct{}{}:
					inflight.Add(1)
					sent++
					go get(kind, path)
				default:
					skipped++ // the daemon is behind by 64 requests: count, do not pile on
				}
			}
		}
	}
	inflight.Wait()

	fmt.Fprintf(stdout, "reads: %d requests in %v (%.0f/s target, %.0f/s sent), %d failed, %d skipped (64 in flight)\n",
		sent, *duration, *rate, float64(sent)/duration.Seconds(), failures.Load(), skipped)
	for _, k := range []string{"items", "stats", "stats_unit"} {
		fmt.Fprintf(stdout, "  %-10s %s\n", k, summary(lat[k]))
	}
	if len(anon) == 0 {
		return fmt.Errorf("no memory samples")
	}
	sorted := slices.Clone(anon)
	slices.Sort(sorted)
	fmt.Fprintf(stdout, "RssAnon kB over %d samples: min %d, median %d, max %d, last %d (VmRSS max %d kB)\n",
		len(anon), sorted[0], sorted[len(sorted)/2], sorted[len(sorted)-1], anon[len(anon)-1], slices.Max(vmrss))
	fmt.Fprintf(stdout, "RssAnon kB per sample: %v\n", anon)
	if n := failures.Load(); n > 0 {
		return fmt.Errorf("%d requests failed (log: %s)", n, logPath)
	}
	return nil
}
