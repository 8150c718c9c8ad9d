package store

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/workload"
)

// boundVariants are the key sets BenchmarkBound writes: every key Ingest
// writes, then that set with one kind of key left out, to show what each
// costs.
var boundVariants = []struct {
	name    string
	skip    map[string]bool // bucket names left out
	grouped bool            // one transaction per group of pages ready at once
	// staged buckets' keys go to an append-order staging bucket (one record
	// per item) and are moved into their buckets every mergeEvery commits,
	// in a merge transaction of its own (timed): what a write-ahead staging
	// design would write.
	staged     map[string]bool
	mergeEvery int
}{
	{"all-keys", nil, false, nil, 0},
	{"all-keys-grouped", nil, true, nil, 0},
	{"no-ix_tag", map[string]bool{string(bIxTag): true}, false, nil, 0},
	{"no-ix_thread_author", map[string]bool{string(bIxThreadAuthor): true}, false, nil, 0},
	{"no-ix_status_unit", map[string]bool{string(bIxStatusUnit): true}, false, nil, 0},
	{"no-dedup", map[string]bool{string(bDedup): true}, false, nil, 0},
	{"staged-tails-M25-grouped", nil, true, stagedTails, 25},
	{"staged-all-M25-grouped", nil, true, stagedAll, 25},
	{"staged-all-M100-grouped", nil, true, stagedAll, 100},
	{"items-only", map[string]bool{string(bDedup): true, string(bIxStatus): true, string(bIxStatusUnit): true, string(bIxAccount): true,
		string(bIxChannelKind): true, string(bIxTag): true, string(bIxThreadAuthor): true, string(bTicketFirst): true, string(bTickets): true,
		string(bCounters): true, string(bCursors): true}, false, nil, 0},
}

var (
	// stagedTails are the indexes whose keys arrive at a few dozen tails
	// (one per unit, tag, account, channel/kind and status).
	stagedTails = map[string]bool{string(bIxStatus): true, string(bIxStatusUnit): true, string(bIxAccount): true,
		string(bIxChannelKind): true, string(bIxTag): true}
	// stagedAll adds the scattered ones (dedup, thread).
	stagedAll = map[string]bool{string(bIxStatus): true, string(bIxStatusUnit): true, string(bIxAccount): true,
		string(bIxChannelKind): true, string(bIxTag): true, string(bIxThreadAuthor): true, string(bDedup): true}
	bBoundStage = []byte("bound_stage")
)

func boundItems(b *testing.B) int {
	if v := os.Getenv("INBOXD_BENCH_ITEMS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < workload.PageSize {
			b.Fatalf("INBOXD_BENCH_ITEMS=%q: want a number of items ≥ %d", v, workload.PageSize)
		}
		return n
	}
	return 20_000
}

// BenchmarkBound is the raw-bbolt bound of durable ingest on the realistic
// workload: the very keys and values Ingest writes for each page (item
// JSON, dedup key, every index entry, ticket number, counters, cursor), Put with nothing
// else in one bbolt transaction per page, on a fresh file filled to
// INBOXD_BENCH_ITEMS items (default 20,000). "ingest" runs store.Ingest on
// the same pages in the same run, so ingest/bound is a ratio of one run.
// Items stay new (no triage) in both. The -grouped variants take the pages
// of different accounts that are ready at once together: Ingest called
// concurrently (a group commit), raw Puts in one transaction per group.
// Every page's received time is its group's in all variants.
func BenchmarkBound(b *testing.B) {
	items := boundItems(b)
	w, err := workload.New(workload.Realistic, 1, items)
	if err != nil {
		b.Fatal(err)
	}
	pages := make([]workload.Page, w.Pages())
	for k := range pages {
		pages[k] = w.Page(k)
	}
	groups := boundGroups(pages)
	for _, grouped := range []bool{false, true} {
		name := "ingest"
		if grouped {
			name = "ingest-grouped"
		}
		b.Run(name, func(b *testing.B) { benchIngestPages(b, pages, groups, grouped) })
	}
	for _, v := range boundVariants {
		b.Run(v.name, func(b *testing.B) {
			var rate, pagesPerCommit, cpu float64
			for range b.N {
				rate, pagesPerCommit, cpu = boundFill(b, filepath.Join(b.TempDir(), "bound.db"), pages, groups, v.grouped, v.skip, v.staged, v.mergeEvery)
			}
			b.ReportMetric(rate, "items/s")
			b.ReportMetric(pagesPerCommit, "pages-written/commit")
			b.ReportMetric(cpu, "cpu-µs/item")
		})
	}
}

// boundGroups splits pages into groups of consecutive pages of different
// accounts (pages ready at once, as storebench forms them) and gives every
// page of a group the group's received time. It returns each group's
// [first, end) page range.
func boundGroups(pages []workload.Page) [][2]int {
	var groups [][2]int
	for k := 0; k < len(pages); {
		seen := map[string]bool{}
		end := k
		for end < len(pages) && !seen[pages[end].Account] {
			seen[pages[end].Account] = true
			end++
		}
		for i := k; i < end; i++ {
			pages[i].ReceivedAt = pages[end-1].ReceivedAt
		}
		groups = append(groups, [2]int{k, end})
		k = end
	}
	return groups
}

// benchIngestPages ingests pages through Store.Ingest, a page at a time or
// each group's pages concurrently (one group commit).
func benchIngestPages(b *testing.B, pages []workload.Page, groups [][2]int, grouped bool) {
	var rate, cpuPerItem, pagesPerCommit float64
	for range b.N {
		var mu sync.Mutex
		var now time.Time
		s, err := Open(filepath.Join(b.TempDir(), "ingest.db"), Options{Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
		if err != nil {
			b.Fatal(err)
		}
		var total, cpu time.Duration
		st0 := s.db.Stats().TxStats
		commits := 0
		for _, g := range groups {
			mu.Lock()
			now = pages[g[0]].ReceivedAt
			mu.Unlock()
			start, cpu0 := time.Now(), processCPU()
			var wg sync.WaitGroup
			for k := g[0]; k < g[1]; k++ {
				one := func() {
					res, err := s.Ingest(pages[k].Account, pages[k].Items, nil, pages[k].Cursor)
					if err != nil || res.New != len(pages[k].Items) {
						panic(fmt.Sprint(res.New, err))
					}
				}
				if !grouped {
					one()
					continue
				}
				wg.Add(1)
				go func() { defer wg.Done(); one() }()
			}
			wg.Wait()
			total += time.Since(start)
			cpu += processCPU() - cpu0
			if grouped {
				commits++
			} else {
				commits += g[1] - g[0]
			}
		}
		st1 := s.db.Stats().TxStats
		pagesPerCommit = float64(st1.GetWrite()-st0.GetWrite()) / float64(commits) // per page, or per group when grouped
		rate = float64(len(pages)*workload.PageSize) / total.Seconds()
		cpuPerItem = float64(cpu.Microseconds()) / float64(len(pages)*workload.PageSize)
		s.Close()
	}
	b.ReportMetric(rate, "items/s")
	b.ReportMetric(cpuPerItem, "cpu-µs/item")
	b.ReportMetric(pagesPerCommit, "pages-written/commit")
}

// boundFill writes pages' keys with raw Puts, one transaction per page or
// per group, and returns items/s (only the Update calls timed), pages
// written per commit (merge transactions' pages shared out over the
// commits) and the process's CPU time per item in the Update calls (less
// sensitive than wall time to other work on the machine). With staged buckets, their keys go to an append-order staging
// record per item and are merged every mergeEvery commits.
func boundFill(b *testing.B, path string, pages []workload.Page, groups [][2]int, grouped bool, skip, staged map[string]bool, mergeEvery int) (float64, float64, float64) {
	b.Helper()
	db, err := bolt.Open(path, fileMode, &bolt.Options{FreelistType: bolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range append(allBuckets, bBoundStage) {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ids := &Store{entropy: ulid.Monotonic(rand.Reader, 0)} // only its id generator
	type kv = boundKV
	var total, cpu time.Duration
	before := db.Stats().TxStats
	counters, reportCounters := map[string]int64{}, map[string]int64{}
	if !grouped {
		groups = groups[:0:0]
		for k := range pages {
			groups = append(groups, [2]int{k, k + 1})
		}
	}
	cases, tickets := map[string]string{}, map[int]uint64{} // case -> ticket, year -> last number
	var pending []kv                                        // staged keys not merged yet
	// timed runs one write transaction, timed (wall and CPU).
	timed := func(fn func(tx *bolt.Tx) error) {
		start, cpu0 := time.Now(), processCPU()
		err := db.Update(func(tx *bolt.Tx) error {
			for _, name := range appendMostly {
				tx.Bucket(name).FillPercent = appendFill
			}
			tx.Bucket(bBoundStage).FillPercent = 1 // append only
			return fn(tx)
		})
		total += time.Since(start)
		cpu += processCPU() - cpu0
		if err != nil {
			b.Fatal(err)
		}
	}
	var seq uint64
	for gi, g := range groups {
		// Build the writes outside the timer, as Ingest's own encoding is a
		// few per cent of its time.
		var puts []kv
		deltas, repDeltas := map[string]int64{}, map[string]int64{}
		for k := g[0]; k < g[1]; k++ {
			p := &pages[k]
			for j := range p.Items {
				it := p.Items[j]
				id := ids.newID(p.ReceivedAt)
				it.ID, it.ReceivedAt, it.Status, it.Priority = idString(id), p.ReceivedAt, inbox.StatusNew, inbox.PriorityNormal
				// The ticket Ingest gives it: its case's (every item stays
				// new here, so a case keeps its first ticket), else the
				// year's next number, written to the tickets bucket.
				ck := string(it.Channel) + "\x00" + it.Account + "\x00" + it.ThreadID + "\x00" + it.Author.ID
				if it.Ticket = cases[ck]; it.Ticket == "" || it.ThreadID == "" {
					year := it.ReceivedAt.In(time.UTC).Year()
					tickets[year]++
					it.Ticket = inbox.FormatTicket(inbox.DefaultTicketPrefix, year, tickets[year])
					cases[ck] = it.Ticket
					puts = append(puts, kv{bTickets, putU4(nil, uint32(year)), binary.BigEndian.AppendUint64(nil, tickets[year])},
						kv{bTicketFirst, []byte(it.Ticket), id})
				}
				raw, err := marshalItem(&it)
				if err != nil {
					b.Fatal(err)
				}
				puts = append(puts, kv{bItems, id, raw})
				var rec []byte // the item's staged keys: bucket 0 key 0 value, ...
				all := append([]ixEntry{{bucket: bDedup, key: dedupKey(string(it.Channel), it.Account, it.ExternalID), val: id}}, itemIndex(&it, id)...)
				for _, e := range all {
					if !staged[string(e.bucket)] {
						puts = append(puts, kv{e.bucket, e.key, e.val})
						continue
					}
					pending = append(pending, kv{e.bucket, e.key, e.val})
					rec = append(append(append(append(append(rec, e.bucket...), 0), e.key...), 0), e.val...)
				}
				if rec != nil {
					seq++
					puts = append(puts, kv{bBoundStage, binary.BigEndian.AppendUint64(nil, seq), rec})
				}
				for _, c := range itemCounters(&it) {
					deltas[c]++
				}
				for _, c := range boundReportKeys(&it) {
					repDeltas[c]++
				}
			}
			puts = append(puts, kv{bCursors, []byte(p.Account), p.Cursor})
		}
		for c, d := range deltas {
			counters[c] += d
			puts = append(puts, kv{bCounters, []byte(c), binary.BigEndian.AppendUint64(nil, uint64(counters[c]))})
		}
		for c, d := range repDeltas {
			reportCounters[c] += d
			puts = append(puts, kv{bReport, []byte(c), binary.BigEndian.AppendUint64(nil, uint64(reportCounters[c]))})
		}
		timed(func(tx *bolt.Tx) error { return putAll(tx, puts, skip) })
		if len(pending) > 0 && ((gi+1)%mergeEvery == 0 || gi == len(groups)-1) {
			timed(func(tx *bolt.Tx) error {
				if err := putAll(tx, pending, nil); err != nil {
					return err
				}
				c := tx.Bucket(bBoundStage).Cursor()
				for k, _ := c.First(); k != nil; k, _ = c.First() {
					if err := c.Delete(); err != nil {
						return err
					}
				}
				return nil
			})
			pending = pending[:0]
		}
	}
	after := db.Stats().TxStats
	n := len(pages) * workload.PageSize
	return float64(n) / total.Seconds(), float64(after.GetWrite()-before.GetWrite()) / float64(len(groups)), float64(cpu.Microseconds()) / float64(n)
}

// boundReportKeys are the monthly report counters (issue 17) a new item
// counts in, as Ingest keeps them: its cohort (received, status, tags) and
// the waiting flow, in the store's default time zone.
func boundReportKeys(it *inbox.Item) []string {
	s := &Store{loc: boundLoc}
	c := repItem{month: s.monthOf(it.ReceivedAt), unit: it.Unit, channel: string(it.Channel), kind: string(it.Kind),
		status: it.Status, tags: it.Tags, clock: -1, work: -1}
	return append(c.keys(), reportKey(c.month, it.Unit, rkWaitingNet, ""))
}

var boundLoc = func() *time.Location {
	loc, err := time.LoadLocation(DefaultLocation)
	if err != nil {
		return time.FixedZone("WIB", 7*3600)
	}
	return loc
}()

// putAll writes puts but those in skipped buckets.
func putAll(tx *bolt.Tx, puts []boundKV, skip map[string]bool) error {
	for _, w := range puts {
		if skip[string(w.bucket)] {
			continue
		}
		if err := tx.Bucket(w.bucket).Put(w.k, w.v); err != nil {
			return err
		}
	}
	return nil
}

// boundKV is one raw Put of the bound.
type boundKV struct{ bucket, k, v []byte }
