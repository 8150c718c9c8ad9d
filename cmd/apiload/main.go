// Command apiload measures the operator API over real HTTP on loopback.
//
// By default it builds its own set-up: a store with -items items spread over
// -units units (a few per unit open), the real API server and, next to it, a
// bare net/http handler that writes the very bytes the API answers, both on
// 127.0.0.1. Then it runs:
//
//  1. an open-loop run at a fixed offered rate (-rate for -duration) of
//     GET /api/v1/items?status=open&unit=<random>&limit=50, latency measured
//     from each request's scheduled time (no coordinated omission);
//  2. the same for GET /api/v1/stats;
//  3. a closed-loop peak-throughput run (-workers for -peak) against the API
//     and then against the bare handler, and their ratio; -rounds repeats
//     the pair, so a shared machine's noise shows as a spread.
//
// The API caches list bodies until the store's next write. -no-cache turns
// that off (every request reads the store: the miss path), and -writes N
// ingests N new items per second during the runs, as polls would, each
// write invalidating the cache; the hit rate is reported per run.
//
// With -url and -token it drives an already running inboxd instead (steps 1
// and 2 only). Example:
//
//	go run ./cmd/apiload -items 1000000 -data /var/tmp/apiload -rate 1000 -duration 20s -peak 10s -rounds 3
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/registry"
	"github.com/inboxd/inboxd/pkg/api"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(1)
	}
}

type config struct {
	url, token         string
	items, units       int
	openPerUnit        int
	dataDir            string
	rate               float64
	duration, warmup   time.Duration
	statsRate          float64
	workers            int
	peak               time.Duration
	seed               uint64
	skipPeak, skipOpen bool
	cpuProfile         string
	noCache            bool
	writes             float64
	rounds             int
	slice              time.Duration
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("apiload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.url, "url", "", "drive a running inboxd at this base URL instead of a self-hosted one")
	fs.StringVar(&c.token, "token", "", "bearer token for -url (viewer is enough)")
	fs.IntVar(&c.items, "items", 100_000, "items to store (self-hosted)")
	fs.IntVar(&c.units, "units", 20, "units the items are spread over")
	fs.IntVar(&c.openPerUnit, "open-per-unit", 60, "items per unit moved to open")
	fs.StringVar(&c.dataDir, "data", "", "directory for the data file (kept and reused); default a temporary one")
	fs.Float64Var(&c.rate, "rate", 1000, "offered requests per second in the open-loop runs")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "length of each open-loop run")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "open-loop warm-up, not recorded")
	fs.Float64Var(&c.statsRate, "stats-rate", 200, "offered requests per second for /api/v1/stats")
	fs.IntVar(&c.workers, "workers", 16, "concurrent connections in the peak-throughput runs")
	fs.DurationVar(&c.peak, "peak", 5*time.Second, "length of each peak-throughput run")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed (units picked, item texts)")
	fs.BoolVar(&c.skipPeak, "no-peak", false, "skip the peak-throughput runs")
	fs.BoolVar(&c.skipOpen, "no-open", false, "skip the open-loop runs")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (server and client) to this file")
	fs.BoolVar(&c.noCache, "no-cache", false, "self-hosted API without its list cache (every request reads the store)")
	fs.Float64Var(&c.writes, "writes", 0, "self-hosted: new items ingested per second during the runs (each invalidates the list cache)")
	fs.IntVar(&c.rounds, "rounds", 1, "peak-throughput rounds (API and bare, each -peak long in total)")
	fs.DurationVar(&c.slice, "slice", time.Second, "peak runs alternate API and bare in slices this long (ABBA), so load from elsewhere on the machine hits both alike")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if c.rate <= 0 || c.workers <= 0 || c.units <= 0 || c.rounds <= 0 || c.writes < 0 {
		return errors.New("-rate, -workers, -units and -rounds must be positive, -writes not negative")
	}
	units := make([]string, c.units)
	for i := range units {
		units[i] = fmt.Sprintf("unit-%02d", i)
	}
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}
	defer client.CloseIdleConnections()

	base, token, baseline := c.url, c.token, ""
	var h *host
	if base == "" {
		var err error
		if h, err = selfHost(ctx, c, client, units, stdout); err != nil {
			return err
		}
		defer h.close()
		base, token, baseline = h.apiURL, h.token, h.baselineURL
		if c.writes > 0 {
			stopWrites := h.startWrites(ctx, c, units, stderr)
			defer stopWrites()
		}
	}
	listPath := func(r *rand.Rand) string {
		return "/api/v1/items?status=open&unit=" + units[r.IntN(len(units))] + "&limit=50"
	}
	statsPath := func(*rand.Rand) string { return "/api/v1/stats" }

	if !c.skipOpen {
		for _, run := range []struct {
			name string
			rate float64
			path func(*rand.Rand) string
		}{{"items", c.rate, listPath}, {"stats", c.statsRate, statsPath}} {
			before := h.cacheCounts()
			res, err := openLoop(ctx, client, base, token, run.path, run.rate, c.warmup, c.duration, c.seed)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "open loop %-5s offered %6.0f/s for %s: %s%s\n", run.name, run.rate, c.duration, res, h.cacheCounts().since(before))
		}
		if baseline != "" {
			// The same schedule against the bare handler: the floor that
			// loopback HTTP and this generator set on every figure above.
			res, err := openLoop(ctx, client, baseline, "", listPath, c.rate, c.warmup, c.duration, c.seed)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "open loop bare  offered %6.0f/s for %s: %s\n", c.rate, c.duration, res)
		}
	}
	if !c.skipPeak && baseline != "" {
		for round := 0; round < c.rounds; round++ {
			before := h.cacheCounts()
			apiRate, bareRate, err := peakPair(ctx, client, base, token, baseline, listPath, c, c.seed+uint64(round))
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "peak items (%d workers, %s each): api %.0f req/s, bare net/http same bytes %.0f req/s, ratio %.2f%s\n",
				c.workers, c.peak, apiRate, bareRate, apiRate/bareRate, h.cacheCounts().since(before))
		}
	}
	return nil
}

// cacheCounts are the API's list-cache answers so far (self-hosted only).
type cacheCounts struct {
	known        bool
	hits, misses float64
}

func (h *host) cacheCounts() cacheCounts {
	if h == nil || h.registry == nil {
		return cacheCounts{}
	}
	mfs, err := h.registry.Gather()
	if err != nil {
		return cacheCounts{}
	}
	cc := cacheCounts{known: true}
	for _, mf := range mfs {
		if mf.GetName() != "inboxd_api_list_cache_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				switch {
				case l.GetName() != "result":
				case l.GetValue() == "hit":
					cc.hits = m.GetCounter().GetValue()
				case l.GetValue() == "miss":
					cc.misses = m.GetCounter().GetValue()
				}
			}
		}
	}
	return cc
}

// since formats the cache answers between before and c, "" when unknown
// or when the cache did not answer (stats runs, cache off).
func (c cacheCounts) since(before cacheCounts) string {
	hits, misses := c.hits-before.hits, c.misses-before.misses
	if !c.known || hits+misses == 0 {
		return ""
	}
	return fmt.Sprintf(", list cache hits %.1f%% of %.0f", 100*hits/(hits+misses), hits+misses)
}

// startWrites ingests c.writes new items per second (one per Ingest, into
// random units) until the returned stop is called.
func (h *host) startWrites(ctx context.Context, c config, units []string, stderr io.Writer) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Duration(float64(time.Second) / c.writes))
		defer tick.Stop()
		r := rand.New(rand.NewPCG(c.seed, 4))
		run := strconv.FormatInt(time.Now().UnixNano(), 36)
		for n := 0; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			it := inbox.Item{
				Channel: facebook.Channel, Account: "fb-load", Kind: inbox.KindComment,
				ExternalID: "w" + run + "_" + strconv.Itoa(n), ThreadID: "w" + run,
				Author: inbox.Author{ID: strconv.Itoa(r.IntN(50_000)), Name: "Warga"},
				Text:   "mohon dicek", CreatedAt: time.Now().UTC(), Unit: units[r.IntN(len(units))],
			}
			if _, err := h.st.Ingest("fb-load", []inbox.Item{it}, nil, nil); err != nil {
				fmt.Fprintln(stderr, "apiload: background write:", err)
				return
			}
		}
	}()
	return func() { cancel(); <-done }
}

// --- self-hosted set-up

type host struct {
	st          *store.Store
	srv         *api.Server
	apiHTTP     *http.Server
	bareHTTP    *http.Server
	registry    *prometheus.Registry
	apiURL      string
	baselineURL string
	token       string
	tmp         string
}

func selfHost(ctx context.Context, c config, client *http.Client, units []string, out io.Writer) (*host, error) {
	h := &host{}
	dir := c.dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "apiload-")
		if err != nil {
			return nil, err
		}
		dir, h.tmp = tmp, tmp
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	st, err := store.Open(filepath.Join(dir, "inboxd.db"), store.Options{Replies: registry.Replies()})
	if err != nil {
		return nil, err
	}
	h.st = st
	if err := seed(ctx, st, c, units, out); err != nil {
		h.close()
		return nil, err
	}
	name := "apiload-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if h.token, _, err = st.CreateToken(name, inbox.RoleViewer, ""); err != nil {
		h.close()
		return nil, err
	}
	h.registry = prometheus.NewRegistry()
	h.srv, err = api.New(api.Options{Store: st, Replies: registry.Replies(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Registry: h.registry,
		DisableListCache: c.noCache})
	if err != nil {
		h.close()
		return nil, err
	}
	apiLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.close()
		return nil, err
	}
	h.apiHTTP = h.srv.HTTPServer(apiLn.Addr().String())
	go func() { _ = h.apiHTTP.Serve(apiLn) }()
	h.apiURL = "http://" + apiLn.Addr().String()

	// The bare handler answers with the API's own bytes for one unit.
	body, err := fetch(ctx, client, h.apiURL, h.token, "/api/v1/items?status=open&unit="+units[0]+"&limit=50")
	if err != nil {
		h.close()
		return nil, err
	}
	bareLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.close()
		return nil, err
	}
	length := strconv.Itoa(len(body))
	h.bareHTTP = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(body)
	})}
	go func() { _ = h.bareHTTP.Serve(bareLn) }()
	h.baselineURL = "http://" + bareLn.Addr().String()
	fmt.Fprintf(out, "self-hosted: api %s, bare %s, response %d bytes\n", h.apiURL, h.baselineURL, len(body))
	return h, nil
}

func (h *host) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range []*http.Server{h.apiHTTP, h.bareHTTP} {
		if s != nil {
			_ = s.Shutdown(ctx)
		}
	}
	if h.srv != nil {
		_ = h.srv.Shutdown(ctx)
	}
	if h.st != nil {
		_ = h.st.Close()
	}
	if h.tmp != "" {
		_ = os.RemoveAll(h.tmp)
	}
}

var words = []string{"jalan", "rusak", "lampu", "mati", "banjir", "sampah", "puskesmas", "antre", "izin", "usaha",
	"air", "PDAM", "keruh", "sekolah", "bantuan", "sosial", "KTP", "kapan", "selesai", "mohon", "dicek", "terima", "kasih"}

// seed fills the store up to c.items items (100 per Ingest, as a poll page
// would) and opens c.openPerUnit items of each unit.
func seed(ctx context.Context, st *store.Store, c config, units []string, out io.Writer) error {
	have, err := st.Stats("")
	if err != nil {
		return err
	}
	var total int64
	for _, n := range have.ByStatus {
		total += n
	}
	r := rand.New(rand.NewPCG(c.seed, 2))
	start := time.Now()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := int(total); n < c.items; {
		page := make([]inbox.Item, 0, 100)
		for i := 0; i < 100 && n < c.items; i++ {
			n++
			text := ""
			for w := 8 + r.IntN(20); w > 0; w-- {
				text += words[r.IntN(len(words))] + " "
			}
			created = created.Add(time.Second)
			page = append(page, inbox.Item{
				Channel: facebook.Channel, Account: "fb-load", Kind: inbox.KindComment,
				ExternalID: fmt.Sprintf("%d_%d", 1000+n/50, n), ThreadID: strconv.Itoa(1000 + n/50),
				Author: inbox.Author{ID: strconv.Itoa(r.IntN(50_000)), Name: "Warga " + strconv.Itoa(r.IntN(50_000))},
				Text:   text, CreatedAt: created, Unit: units[r.IntN(len(units))],
				Permalink: "https://www.facebook.com/1000/posts/" + strconv.Itoa(n),
			})
		}
		if _, err := st.Ingest("fb-load", page, nil, []byte(strconv.Itoa(n))); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if n%100_000 == 0 {
			fmt.Fprintf(out, "seeded %d items (%.0f items/s)\n", n, float64(n-int(total))/time.Since(start).Seconds())
		}
	}
	open := inbox.StatusOpen
	for _, u := range units {
		page, err := st.List(store.Filter{Unit: u, Statuses: []inbox.Status{inbox.StatusOpen}, Limit: 1})
		if err != nil {
			return err
		}
		if len(page.Items) > 0 {
			continue // opened by an earlier run
		}
		news, err := st.List(store.Filter{Unit: u, Statuses: []inbox.Status{inbox.StatusNew}, Limit: c.openPerUnit})
		if err != nil {
			return err
		}
		for _, it := range news.Items {
			if _, err := st.Update(it.ID, "apiload", store.Change{Status: &open}); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, "store ready: %d items, %d units, in %s\n", c.items, len(units), time.Since(start).Round(time.Millisecond))
	return nil
}

// --- load runs

func fetch(ctx context.Context, client *http.Client, base, token, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return body, nil
}

// drain is fetch without keeping the body, so the load generator's own
// garbage does not weigh on the server it measures.
func drain(ctx context.Context, client *http.Client, base, token, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || (resp.ContentLength >= 0 && n != resp.ContentLength) {
		return fmt.Errorf("GET %s: %s, %d bytes", path, resp.Status, n)
	}
	return nil
}

type result struct {
	lat    []time.Duration
	errors int64
	sent   int64
}

func (r result) String() string {
	if len(r.lat) == 0 {
		return fmt.Sprintf("no successful requests, %d errors", r.errors)
	}
	slices.Sort(r.lat)
	q := func(p float64) time.Duration { return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))] }
	return fmt.Sprintf("n=%d errors=%d p50=%s p90=%s p99=%s p99.9=%s max=%s", r.sent, r.errors,
		q(.50).Round(time.Microsecond), q(.90).Round(time.Microsecond), q(.99).Round(time.Microsecond),
		q(.999).Round(time.Microsecond), r.lat[len(r.lat)-1].Round(time.Microsecond))
}

// openLoop sends at a fixed rate whatever the server's speed; each
// latency counts from the request's scheduled time.
func openLoop(ctx context.Context, client *http.Client, base, token string, path func(*rand.Rand) string,
	rate float64, warmup, d time.Duration, seed uint64) (result, error) {
	interval := time.Duration(float64(time.Second) / rate)
	r := rand.New(rand.NewPCG(seed, 3))
	var (
		mu  sync.Mutex
		res result
		wg  sync.WaitGroup
	)
	start := time.Now()
	end := start.Add(warmup + d)
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if at.After(end) {
			break
		}
		if wait := time.Until(at); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				wg.Wait()
				return res, ctx.Err()
			}
		}
		record := at.Sub(start) >= warmup
		p := path(r)
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := drain(ctx, client, base, token, p)
			lat := time.Since(at)
			if !record {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			res.sent++
			if err != nil {
				res.errors++
				return
			}
			res.lat = append(res.lat, lat)
		}()
	}
	wg.Wait()
	return res, nil
}

// peakPair measures the API's and the bare handler's peak throughput over
// -peak each, alternating in -slice long slices (API, bare, bare, API, ...)
// so that a burst of load from elsewhere on a shared machine falls on both.
func peakPair(ctx context.Context, client *http.Client, api, token, bare string, path func(*rand.Rand) string,
	c config, seed uint64) (apiRate, bareRate float64, err error) {
	slice := min(c.slice, c.peak)
	if slice <= 0 {
		slice = c.peak
	}
	var apiN, bareN int64
	var apiT, bareT time.Duration
	for i := 0; apiT < c.peak || bareT < c.peak; i++ {
		order := []bool{true, false} // true: the API
		if i%2 == 1 {
			order = []bool{false, true}
		}
		for _, isAPI := range order {
			base, tok, n, t := bare, "", &bareN, &bareT
			if isAPI {
				base, tok, n, t = api, token, &apiN, &apiT
			}
			if *t >= c.peak {
				continue
			}
			ok, took, err := closedLoop(ctx, client, base, tok, path, c.workers, min(slice, c.peak-*t), seed+uint64(i))
			if err != nil {
				return 0, 0, err
			}
			*n += ok
			*t += took
		}
	}
	return float64(apiN) / apiT.Seconds(), float64(bareN) / bareT.Seconds(), nil
}

// closedLoop runs workers back to back for d and returns the successful
// requests and the time they took.
func closedLoop(ctx context.Context, client *http.Client, base, token string, path func(*rand.Rand) string,
	workers int, d time.Duration, seed uint64) (int64, time.Duration, error) {
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(w)+10))
			// No request is cut off at the deadline (that would close its
			// connection): each worker finishes the one it has started.
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if err := drain(ctx, client, base, token, path(r)); err == nil {
					ok.Add(1)
				} else if ctx.Err() == nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if err := ctx.Err(); err != nil {
		return 0, took, err
	}
	if n := failed.Load(); n > 0 {
		return 0, took, fmt.Errorf("%d requests failed against %s", n, base)
	}
	return ok.Load(), took, nil
}
