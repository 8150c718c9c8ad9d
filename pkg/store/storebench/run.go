// Package storebench runs the benchmark workload (pkg/sim/workload) against
// a store and reports the figures docs/PERFORMANCE.md compares: durable
// ingest, re-ingest, list and stats latency, file size, memory and reopen
// time. Every answer is checked against an in-memory model outside the
// timers; a wrong answer fails the run and prints no figures.
//
// pkg/store's benchmarks, cmd/loadrun and the SQLite peer in bench/ (its own
// module) all drive their stores through Target.
package storebench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/workload"
)

// Target is a store under test. Every call is durable when it returns.
type Target interface {
	// Ingest stores one poll page in one durable transaction: items new
	// to the store (dedup on channel+account+external id) and the page's
	// cursor. It reports how many were new. Timed.
	Ingest(p *workload.Page) (added int, err error)
	// Settle brings every ingested item to its page's Want status, e.g.
	// an operator's triage of items a store only ingests as new. Not timed.
	Settle() error
	// ListOpen returns the limit newest open items of unit, decoded.
	ListOpen(unit string, limit int) ([]inbox.Item, error)
	// Stats reads a Snapshot.
	Stats() (Snapshot, error)
	// Close closes the store; Reopen opens it again (timed as "reopen").
	Close() error
	Reopen() error
	// Files are the store's files on disk (their sizes are the file size).
	Files() []string
}

// Options tune a run.
type Options struct {
	Reingest   int       // pages re-ingested; default 1,000
	Lists      int       // list calls; default 2,000
	StatsCalls int       // stats calls; default 2,000
	SettleEach int       // pages between Settle calls; default 10
	Sequential bool      // one page at a time, never several accounts' pages at once
	CPUProfile io.Writer // when set, a CPU profile of the fill's ingest calls
	Progress   io.Writer // when set, a line every 10 % of the fill
}

// Result holds a run's figures.
type Result struct {
	Store         string  `json:"store"`
	Workload      string  `json:"workload"`
	Items         int     `json:"items"`
	FillRate      float64 `json:"fill_items_per_s"`
	LastTenthRate float64 `json:"last_tenth_items_per_s"`
	PageP50       float64 `json:"page_p50_ms"`
	PageP99       float64 `json:"page_p99_ms"`
	SettleSeconds float64 `json:"settle_s"` // triage time outside the timers
	ReingestRate  float64 `json:"reingest_items_per_s"`
	ListP50       float64 `json:"list_p50_us"`
	ListP99       float64 `json:"list_p99_us"`
	StatsP50      float64 `json:"stats_p50_us"`
	StatsP99      float64 `json:"stats_p99_us"`
	// StatsCPUP50 and StatsCPUP99 are the same calls' CPU time on the
	// calling thread (0 where the OS cannot tell): the call's own work,
	// without the time it waited for a core on a loaded machine.
	StatsCPUP50 float64 `json:"stats_cpu_p50_us"`
	StatsCPUP99 float64 `json:"stats_cpu_p99_us"`
	// BaselineCPUP50 and BaselineCPUP99 time a fixed loop (no memory, no
	// allocation) on the same clock between the stats calls: how long a
	// tail this machine gives work that cannot vary.
	BaselineCPUP50 float64 `json:"baseline_cpu_p50_us"`
	BaselineCPUP99 float64 `json:"baseline_cpu_p99_us"`
	BytesPerItem   float64 `json:"file_bytes_per_item"`
	RssAnonMB      float64 `json:"rss_anon_mb"`
	RssFileMB      float64 `json:"rss_file_mb"`
	ReopenMS       float64 `json:"reopen_ms"`
	WallSeconds    float64 `json:"wall_s"`
	Groups         int     `json:"groups"` // sets of pages ready at once`
	CheckedAnswers int     `json:"checked_answers"`
}

// Run fills t with w's pages and measures it. t must be empty.
func Run(ctx context.Context, name string, t Target, w *workload.Workload, seed uint64, o Options) (Result, error) {
	o.defaults()
	res := Result{Store: name, Workload: string(w.Case()), Items: w.Pages() * workload.PageSize}
	m := newModel()
	begin := time.Now()

	// 1. Fill: one durable Ingest per page; only the calls are timed. The
	// accounts are polled concurrently, so consecutive pages of different
	// accounts are ready at once: they form a group, received at the same
	// moment and ingested concurrently (each call its own transaction, or a
	// shared one if the store groups commits). Options.Sequential makes
	// every group one page.
	pages := w.Pages()
	lat := make([]time.Duration, 0, pages)
	var total, lastTenth time.Duration
	tenth := pages - max(1, pages/10)
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			return res, err
		}
		defer pprof.StopCPUProfile()
	}
	var settle time.Duration
	maxGroup := len(w.Accounts())
	if o.Sequential {
		maxGroup = 1
	}
	groups := 0
	for k := 0; k < pages; {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		group := readyPages(w, k, maxGroup)
		start := time.Now()
		d, err := ingestGroup(t, group)
		wall := time.Since(start)
		if err != nil {
			return res, err
		}
		lat = append(lat, d...)
		total += wall
		if k >= tenth {
			lastTenth += wall
		}
		for i := range group {
			m.add(&group[i], groups)
		}
		groups++
		before := k
		k += len(group)
		if k/o.SettleEach != before/o.SettleEach || k == pages {
			s := time.Now()
			if err := t.Settle(); err != nil {
				return res, fmt.Errorf("settle after page %d: %w", k-1, err)
			}
			settle += time.Since(s)
		}
		if o.Progress != nil && k/max(1, pages/10) != before/max(1, pages/10) {
			fmt.Fprintf(o.Progress, "%s: %d items, %.0f items/s, %v\n", name, k*workload.PageSize, float64(k*workload.PageSize)/total.Seconds(), time.Since(begin).Round(time.Second))
		}
	}
	res.Groups = groups
	if o.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	res.FillRate = float64(res.Items) / total.Seconds()
	res.LastTenthRate = float64(lastTenthItems(w, tenth, maxGroup)) / lastTenth.Seconds()
	res.PageP50, res.PageP99 = ms(pct(lat, 50)), ms(pct(lat, 99))
	res.SettleSeconds = settle.Seconds()

	r := rand.New(rand.NewPCG(seed, 0x5ee0))
	// 2. Re-ingest stored pages: all duplicates, cursor unchanged.
	var re time.Duration
	for range o.Reingest {
		p := w.Page(r.IntN(pages))
		p.Cursor = nil
		start := time.Now()
		added, err := t.Ingest(&p)
		re += time.Since(start)
		if err != nil {
			return res, fmt.Errorf("re-ingest page %d: %w", p.Number, err)
		}
		if added != 0 {
			return res, fmt.Errorf("re-ingest page %d: %d items stored again, want 0", p.Number, added)
		}
	}
	res.ReingestRate = float64(o.Reingest*workload.PageSize) / re.Seconds()

	// 3. The 50 newest open items of a random unit.
	units := workload.Units
	if w.Case() == workload.Simple {
		units = []string{""}
	}
	lat = lat[:0]
	for range o.Lists {
		u := units[r.IntN(len(units))]
		start := time.Now()
		items, err := t.ListOpen(u, 50)
		lat = append(lat, time.Since(start))
		if err != nil {
			return res, fmt.Errorf("list unit %q: %w", u, err)
		}
		if err := m.checkList(u, 50, items); err != nil {
			return res, err
		}
		res.CheckedAnswers++
	}
	res.ListP50, res.ListP99 = us(pct(lat, 50)), us(pct(lat, 99))

	// 4. Stats: one snapshot of every dashboard counter.
	if err := statsPhase(t, m, o.StatsCalls, &res); err != nil {
		return res, err
	}

	// 5. Memory at the end, file size after close, reopen.
	if mem, err := readMemory(); err == nil {
		res.RssAnonMB, res.RssFileMB = mem[0]/1024, mem[1]/1024
	}
	if err := t.Close(); err != nil {
		return res, err
	}
	var size int64
	for _, f := range t.Files() {
		if fi, err := os.Stat(f); err == nil {
			size += fi.Size()
		}
	}
	res.BytesPerItem = float64(size) / float64(res.Items)
	start := time.Now()
	if err := t.Reopen(); err != nil {
		return res, fmt.Errorf("reopen: %w", err)
	}
	res.ReopenMS = ms(time.Since(start))
	snap, err := t.Stats()
	if err == nil {
		err = m.checkStats(snap)
	}
	if err != nil {
		return res, fmt.Errorf("after reopen: %w", err)
	}
	res.CheckedAnswers++
	res.WallSeconds = time.Since(begin).Seconds()
	return res, t.Close()
}

// statsPhase times n Stats calls, wall and CPU. The goroutine keeps its OS
// thread meanwhile, so the thread's CPU time between two readings is the
// call's own work (the store's and, for SQLite, the C library's: cgo runs
// on the calling thread), without the time it waited for a core.
func statsPhase(t Target, m *model, n int, res *Result) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	lat := make([]time.Duration, 0, n)
	cpu := make([]time.Duration, 0, n)
	base := make([]time.Duration, 0, n)
	var sink uint64
	for range n {
		// The baseline: the same fixed work every time, timed on the same
		// clock between the calls, so its tail is the machine's own.
		if b0, ok := threadCPU(); ok {
			sink += baselineWork(baselineRounds)
			b1, _ := threadCPU()
			base = append(base, b1-b0)
		}
		c0, okCPU := threadCPU()
		start := time.Now()
		snap, err := t.Stats()
		lat = append(lat, time.Since(start))
		if c1, ok := threadCPU(); ok && okCPU {
			cpu = append(cpu, c1-c0)
		}
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		if err := m.checkStats(snap); err != nil {
			return err
		}
		res.CheckedAnswers++
	}
	res.StatsP50, res.StatsP99 = us(pct(lat, 50)), us(pct(lat, 99))
	res.StatsCPUP50, res.StatsCPUP99 = us(pct(cpu, 50)), us(pct(cpu, 99))
	if len(base) > 0 {
		res.BaselineCPUP50, res.BaselineCPUP99 = us(pct(base, 50)), us(pct(base, 99))
	}
	runtime.KeepAlive(sink)
	return nil
}

// baselineRounds makes baselineWork take about 20 µs here, the order of
// a stats call.
const baselineRounds = 12_000

// baselineWork is fixed CPU work that allocates nothing and touches no
// memory: a xorshift generator run rounds times.
func baselineWork(rounds int) uint64 {
	x := uint64(88172645463325252)
	for range rounds {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

func (o *Options) defaults() {
	if o.Reingest <= 0 {
		o.Reingest = 1000
	}
	if o.Lists <= 0 {
		o.Lists = 2000
	}
	if o.StatsCalls <= 0 {
		o.StatsCalls = 2000
	}
	if o.SettleEach <= 0 {
		o.SettleEach = 10
	}
}

// readyPages is the group starting at page k: the consecutive pages of
// different accounts (at most max), all received when the last was. An
// account's next page is never in its previous page's group: a poll waits
// for its page to commit before it fetches the next.
func readyPages(w *workload.Workload, k, max int) []workload.Page {
	var group []workload.Page
	seen := map[string]bool{}
	for ; k < w.Pages() && len(group) < max; k++ {
		p := w.Page(k)
		if seen[p.Account] {
			break
		}
		seen[p.Account] = true
		group = append(group, p)
	}
	at := group[len(group)-1].ReceivedAt
	for i := range group {
		group[i].ReceivedAt = at
	}
	return group
}

// lastTenthItems counts the items of the groups that start at or after
// page tenth (the last-10 % rate is over whole groups).
func lastTenthItems(w *workload.Workload, tenth, max int) int {
	n := 0
	for k := 0; k < w.Pages(); {
		g := len(readyPages(w, k, max))
		if k >= tenth {
			n += g * workload.PageSize
		}
		k += g
	}
	return n
}

// ingestGroup ingests a group's pages concurrently and returns each call's
// latency (a page's time from ready to durable).
func ingestGroup(t Target, group []workload.Page) ([]time.Duration, error) {
	lat := make([]time.Duration, len(group))
	errs := make([]error, len(group))
	var wg sync.WaitGroup
	for i := range group {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &group[i]
			start := time.Now()
			added, err := t.Ingest(p)
			lat[i] = time.Since(start)
			switch {
			case err != nil:
				errs[i] = fmt.Errorf("ingest page %d: %w", p.Number, err)
			case added != len(p.Items):
				errs[i] = fmt.Errorf("ingest page %d: %d new items, the page has %d new", p.Number, added, len(p.Items))
			}
		}()
	}
	wg.Wait()
	return lat, errors.Join(errs...)
}

// pct is the p-th percentile (nearest rank) of d; it sorts d.
func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d))*p/100+0.999999) - 1
	return d[min(max(i, 0), len(d)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
