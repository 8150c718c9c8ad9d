package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/inboxd/inboxd/pkg/sim"
)

// latency runs the demo's fakes and generator in this process and the real
// daemon (`inboxd serve`) as a child, and times every generated message
// from the moment it is written to the fake to the moment its item.created
// event arrives on GET /api/v1/events.
func latency(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("latency", stderr)
	bin := fs.String("inboxd", "", "the inboxd `binary`")
	rate := fs.Float64("rate", 2, "citizen messages per `second`")
	duration := fs.Duration("duration", 3*time.Minute, "how long the generator writes")
	schedule := fs.String("schedule", "@every 5s", "poll `spec` of both accounts")
	seed := fs.Uint64("seed", 1, "generator seed")
	keep := fs.String("work", "", "keep the data file and the daemon's log in this `dir` (default: a temp dir, removed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" {
		return fmt.Errorf("latency: --inboxd is required")
	}
	work, cleanup, err := workDir(*keep, "loadrun-latency-")
	if err != nil {
		return err
	}
	defer cleanup()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	fakes, err := sim.StartFakes(false)
	if err != nil {
		return err
	}
	defer fakes.Close()

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	accounts := fakes.AccountsYAML(*schedule, 0)
	cfg, err := writeConfig(work, filepath.Join(work, "data"), addr, accounts)
	if err != nil {
		return err
	}
	token, err := createToken(ctx, *bin, cfg, "viewer")
	if err != nil {
		return err
	}
	d, stop, err := startReady(ctx, stderr, *bin, cfg, addr, filepath.Join(work, "inboxd.log"))
	if err != nil {
		return err
	}
	defer stop()

	arrivals := newArrivals()
	streamErr := make(chan error, 1)
	connected := make(chan struct{})
	go func() { streamErr <- arrivals.follow(ctx, d.url, token, connected) }()
	select {
	case <-connected:
	case err := <-streamErr:
		return fmt.Errorf("event stream: %w", err)
	}
	if err := waitPolled(ctx, d.url, token, 2, 30*time.Second); err != nil {
		return err
	}

	// Generate: each message's emit time under its platform id.
	world := sim.NewWorld(fakes.Graph, fakes.X, nil)
	gen := sim.NewGenerator(*seed)
	type emitted struct {
		at    time.Time
		shape sim.Shape
	}
	sent := map[string]emitted{}
	emit := func(ctx context.Context, m sim.Message) error {
		at := time.Now()
		if err := world.Emit(ctx, m); err != nil {
			return err
		}
		ids := world.IDs(m.Shape)
		sent[ids[len(ids)-1]] = emitted{at: at, shape: m.Shape}
		return nil
	}
	genCtx, stopGen := context.WithTimeout(ctx, *duration)
	n, err := gen.Run(genCtx, *rate, 0, nil, emit)
	stopGen()
	if err != nil {
		return fmt.Errorf("generator: %w", err)
	}
	fmt.Fprintf(stdout, "generated %d messages in %v at %g/s; waiting for the last polls\n", n, *duration, *rate)

	// The last message needs at most one more poll interval; give it two plus slack.
	ids := make([]string, 0, len(sent))
	for id := range sent {
		ids = append(ids, id)
	}
	if !arrivals.waitAll(ctx, ids, 2*pollInterval(*schedule)+10*time.Second) {
		fmt.Fprintln(stdout, "some messages did not arrive in time")
	}
	select {
	case err := <-streamErr:
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("event stream ended: %w", err)
		}
	default:
	}

	byChannel := map[string][]time.Duration{}
	var all []time.Duration
	missing := 0
	for id, e := range sent {
		got, ok := arrivals.get(id)
		if !ok {
			missing++
			continue
		}
		ch := "facebook"
		if strings.HasPrefix(string(e.shape), "twitter") {
			ch = "twitter"
		}
		lat := got.Sub(e.at)
		byChannel[ch] = append(byChannel[ch], lat)
		byChannel[string(e.shape)] = append(byChannel[string(e.shape)], lat)
		all = append(all, lat)
	}
	fmt.Fprintf(stdout, "emit → item.created (schedule %q):\n", *schedule)
	fmt.Fprintf(stdout, "  %-20s %s\n", "all", summary(all))
	for _, k := range []string{"facebook", "twitter"} {
		fmt.Fprintf(stdout, "  %-20s %s\n", k, summary(byChannel[k]))
	}
	for _, s := range sim.Shapes {
		fmt.Fprintf(stdout, "  %-20s %s\n", s, summary(byChannel[string(s)]))
	}
	extra := arrivals.count() - (len(sent) - missing)
	fmt.Fprintf(stdout, "missing: %d, item.created events not generated in this run: %d\n", missing, extra)
	if missing > 0 {
		return fmt.Errorf("%d messages never became items", missing)
	}
	return nil
}

// pollInterval reads "@every D" specs; other specs are taken as a minute.
func pollInterval(spec string) time.Duration {
	if d, err := time.ParseDuration(strings.TrimPrefix(spec, "@every ")); err == nil {
		return d
	}
	return time.Minute
}

// arrivals records when each item.created event arrived, by external id.
type arrivals struct {
	mu    sync.Mutex
	at    map[string]time.Time
	added chan struct{} // signalled after each event
}

func newArrivals() *arrivals {
	return &arrivals{at: map[string]time.Time{}, added: make(chan struct{}, 1)}
}

func (a *arrivals) get(id string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.at[id]
	return t, ok
}

func (a *arrivals) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.at)
}

func (a *arrivals) record(externalID string, at time.Time) {
	a.mu.Lock()
	if _, dup := a.at[externalID]; !dup {
		a.at[externalID] = at
	}
	a.mu.Unlock()
	select {
	case a.added <- struct{}{}:
	default:
	}
}

// waitAll waits until every id arrived or limit passed.
func (a *arrivals) waitAll(ctx context.Context, ids []string, limit time.Duration) bool {
	deadline := time.After(limit)
	for {
		a.mu.Lock()
		all := true
		for _, id := range ids {
			if _, ok := a.at[id]; !ok {
				all = false
				break
			}
		}
		a.mu.Unlock()
		if all {
			return true
		}
		select {
		case <-a.added:
		case <-deadline:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// follow reads the event stream until ctx ends, stamping each
// item.created with its arrival time.
func (a *arrivals) follow(ctx context.Context, base, token string, connected chan<- struct{}) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/events", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /api/v1/events: %s", resp.Status)
	}
	close(connected)
	return readEvents(resp.Body, func(typ string, data []byte) {
		if typ != "item.created" {
			return
		}
		at := time.Now()
		var it struct {
			ExternalID string `json:"external_id"`
		}
		if json.Unmarshal(data, &it) == nil && it.ExternalID != "" {
			a.record(it.ExternalID, at)
		}
	})
}

// readEvents parses a text/event-stream, calling fn per event.
func readEvents(r io.Reader, fn func(typ string, data []byte)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var typ string
	var data []byte
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if typ != "" || len(data) > 0 {
				if typ == "" {
					typ = "message"
				}
				fn(typ, data)
			}
			typ, data = "", nil
		case strings.HasPrefix(line, ":"): // comment (heartbeat)
		case strings.HasPrefix(line, "event:"):
			typ = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			if len(data) > 0 {
				data = append(data, '\n')
			}
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")...)
		}
	}
	return sc.Err()
}

// waitPolled waits until n accounts report a successful poll, so the
// messages timed are not the first poll's look-back backfill.
func waitPolled(ctx context.Context, base, token string, n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/accounts", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		var body struct {
			Accounts []struct {
				LastSuccessAt *time.Time `json:"last_success_at"`
			} `json:"accounts"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		_ = resp.Body.Close()
		if err != nil {
			return fmt.Errorf("GET /api/v1/accounts: %w", err)
		}
		polled := 0
		for _, a := range body.Accounts {
			if a.LastSuccessAt != nil {
				polled++
			}
		}
		if polled >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("accounts not polled within %v", limit)
}
