package store

import (
	"crypto/rand"
	"encoding/binary"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
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
	name string
	skip map[string]bool // bucket names left out
}{
	{"all-keys", nil},
	{"no-ix_tag", map[string]bool{string(bIxTag): true}},
	{"no-ix_thread_author", map[string]bool{string(bIxThreadAuthor): true}},
	{"no-ix_status_unit", map[string]bool{string(bIxStatusUnit): true}},
	{"no-dedup", map[string]bool{string(bDedup): true}},
	{"items-only", map[string]bool{string(bDedup): true, string(bIxStatus): true, string(bIxStatusUnit): true, string(bIxAccount): true,
		string(bIxChannelKind): true, string(bIxTag): true, string(bIxThreadAuthor): true, string(bCounters): true, string(bCursors): true}},
}

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
// JSON, dedup key, every index entry, counters, cursor), Put with nothing
// else in one bbolt transaction per page, on a fresh file filled to
// INBOXD_BENCH_ITEMS items (default 20,000). "ingest" runs store.Ingest on
// the same pages in the same run, so ingest/bound is a ratio of one run.
// Items stay new (no triage) in both.
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
	b.Run("ingest", func(b *testing.B) {
		var rate float64
		for range b.N {
			var now time.Time
			s, err := Open(filepath.Join(b.TempDir(), "ingest.db"), Options{Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
			if err != nil {
				b.Fatal(err)
			}
			var total time.Duration
			for k := range pages {
				now = pages[k].ReceivedAt
				start := time.Now()
				res, err := s.Ingest(pages[k].Account, pages[k].Items, nil, pages[k].Cursor)
				total += time.Since(start)
				if err != nil || res.New != len(pages[k].Items) {
					b.Fatal(res.New, err)
				}
			}
			rate = float64(items) / total.Seconds()
			s.Close()
		}
		b.ReportMetric(rate, "items/s")
	})
	for _, v := range boundVariants {
		b.Run(v.name, func(b *testing.B) {
			var rate, pagesPerCommit float64
			for range b.N {
				rate, pagesPerCommit = boundFill(b, filepath.Join(b.TempDir(), "bound.db"), pages, v.skip)
			}
			b.ReportMetric(rate, "items/s")
			b.ReportMetric(pagesPerCommit, "pages-written/commit")
		})
	}
}

// boundFill writes pages' keys with raw Puts and returns items/s (only the
// Update calls timed) and pages written per commit.
func boundFill(b *testing.B, path string, pages []workload.Page, skip map[string]bool) (float64, float64) {
	b.Helper()
	db, err := bolt.Open(path, fileMode, &bolt.Options{FreelistType: bolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
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
	type kv struct{ bucket, k, v []byte }
	var total time.Duration
	before := db.Stats().TxStats
	counters := map[string]int64{}
	for k := range pages {
		p := &pages[k]
		// Build the page's writes outside the timer, as Ingest's own
		// encoding is a few per cent of its time.
		var puts []kv
		deltas := map[string]int64{}
		for j := range p.Items {
			it := p.Items[j]
			id := ids.newID(p.ReceivedAt)
			it.ID, it.ReceivedAt, it.Status, it.Priority = idString(id), p.ReceivedAt, inbox.StatusNew, inbox.PriorityNormal
			raw, err := marshalItem(&it)
			if err != nil {
				b.Fatal(err)
			}
			puts = append(puts, kv{bItems, id, raw}, kv{bDedup, dedupKey(string(it.Channel), it.Account, it.ExternalID), id})
			for _, e := range itemIndex(&it, id) {
				puts = append(puts, kv{e.bucket, e.key, e.val})
			}
			for _, c := range itemCounters(&it) {
				deltas[c]++
			}
		}
		for c, d := range deltas {
			counters[c] += d
			puts = append(puts, kv{bCounters, []byte(c), binary.BigEndian.AppendUint64(nil, uint64(counters[c]))})
		}
		puts = append(puts, kv{bCursors, []byte(p.Account), p.Cursor})
		start := time.Now()
		err := db.Update(func(tx *bolt.Tx) error {
			for _, name := range appendMostly {
				tx.Bucket(name).FillPercent = appendFill
			}
			for _, w := range puts {
				if skip[string(w.bucket)] {
					continue
				}
				if err := tx.Bucket(w.bucket).Put(w.k, w.v); err != nil {
					return err
				}
			}
			return nil
		})
		total += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
	}
	after := db.Stats().TxStats
	n := len(pages) * workload.PageSize
	return float64(n) / total.Seconds(), float64(after.GetWrite()-before.GetWrite()) / float64(len(pages))
}
