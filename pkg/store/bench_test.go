package store

// Benchmarks for docs/PERFORMANCE.md. The 1,000,000-item ones build a large
// file first and run only with INBOXD_BENCH_LARGE=1.

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/workload"
)

const benchUnits = 20

var benchWaiting = []inbox.Status{inbox.StatusNew, inbox.StatusOpen}

// benchItem is the simple workload's item n (a Facebook comment with a
// sentence of Indonesian, author, permalink) routed to one of benchUnits.
func benchItem(n int) inbox.Item {
	it := workload.SimpleItem(n)
	it.Unit = fmt.Sprintf("unit%02d", n%benchUnits)
	return it
}

var benchStatuses = []inbox.Status{
	inbox.StatusClosed, inbox.StatusClosed, inbox.StatusClosed, inbox.StatusAnswered, inbox.StatusAnswered,
	inbox.StatusAnswered, inbox.StatusIgnored, inbox.StatusOpen, inbox.StatusNew, inbox.StatusNew,
}

// benchFill writes n items in large transactions through the same putItem
// path as Ingest, with a spread of statuses (Ingest always stores "new"),
// plus 31 days of first-response histograms for every unit.
func benchFill(b *testing.B, s *Store, from, n int) {
	b.Helper()
	const batch = 20_000
	for lo := from; lo < from+n; lo += batch {
		err := s.write(func(w *wctx) error {
			for i := lo; i < min(lo+batch, from+n); i++ {
				it := benchItem(i)
				it.Priority = inbox.PriorityNormal
				it.Status = benchStatuses[(i/benchUnits)%len(benchStatuses)] // every unit gets every status
				id := w.s.newID(w.now)
				it.ID = idString(id)
				it.ReceivedAt = w.now
				if err := w.tx.Bucket(bDedup).Put(dedupKey(string(it.Channel), it.Account, it.ExternalID), id); err != nil {
					return err
				}
				if err := w.putItem(&it, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	err := s.write(func(w *wctx) error {
		for h := range histKeepHours {
			at := w.now.Add(-time.Duration(h) * time.Hour)
			for u := range benchUnits {
				for k := range 3 {
					if err := w.recordResponse(fmt.Sprintf("unit%02d", u), at, time.Duration(60+k*900+u*30)*time.Second); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func benchOpen(b *testing.B, path string) *Store {
	b.Helper()
	s, err := Open(path, Options{Replies: testRules, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// template builds (once per benchmark run) a data file with n items.
func template(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), fmt.Sprintf("template-%d.db", n))
	s := benchOpen(b, path)
	start := time.Now()
	benchFill(b, s, 0, n)
	s.Close()
	fi, _ := os.Stat(path)
	b.Logf("built %d items in %v: %d bytes, %.0f bytes/item", n, time.Since(start).Round(time.Millisecond), fi.Size(), float64(fi.Size())/float64(n))
	return path
}

func copyFile(b testing.TB, src, dst string) {
	b.Helper()
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

func largeSizes(b *testing.B, small ...int) []int {
	if os.Getenv("INBOXD_BENCH_LARGE") == "1" {
		return append(small, 1_000_000)
	}
	return small
}

// BenchmarkIngestDurable: 100-item pages of new items, fsync on, on a copy
// of a file that already holds the given number of items.
func BenchmarkIngestDurable(b *testing.B) {
	for _, size := range largeSizes(b, 100_000) {
		tpl := template(b, size)
		for _, routed := range []bool{false, true} {
			// Connectors deliver items without unit (triage routes them);
			// routed=true spreads a page over all units, the worst case.
			b.Run(fmt.Sprintf("stored=%d/routed=%v", size, routed), func(b *testing.B) {
				path := filepath.Join(b.TempDir(), "ingest.db")
				copyFile(b, tpl, path)
				s := benchOpen(b, path)
				defer s.Close()
				pages := make([][]inbox.Item, b.N)
				for i := range pages {
					for j := range 100 {
						it := benchItem(size + i*100 + j)
						if !routed {
							it.Unit = ""
						}
						pages[i] = append(pages[i], it)
					}
				}
				b.ReportAllocs()
				before := s.db.Stats().TxStats
				b.ResetTimer()
				for i := range b.N {
					if _, err := s.Ingest("humas", pages[i], nil, []byte(fmt.Sprint("cursor-", i))); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				after := s.db.Stats().TxStats
				b.Logf("freelist: %d free pages, %d bytes written per commit", s.db.Stats().FreePageN, s.db.Stats().FreelistInuse)
				b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "items/s")
				b.ReportMetric(float64(after.GetWrite()-before.GetWrite())/float64(b.N), "pages-written/commit")
				b.ReportMetric(float64((after.GetWriteTime()-before.GetWriteTime()).Microseconds())/float64(b.N), "write+sync-µs/commit")
				b.ReportMetric(float64((after.GetSpillTime()-before.GetSpillTime()).Microseconds())/float64(b.N), "spill-µs/commit")
			})
		}
	}
}

// BenchmarkRawBoltPut is the baseline: the same encoded items Put under
// ULID keys, 100 per transaction, into a bucket that already holds the
// same number of items, with nothing else (no dedup, index, counter).
func BenchmarkRawBoltPut(b *testing.B) {
	for _, size := range largeSizes(b, 100_000) {
		path := filepath.Join(b.TempDir(), "raw-template.db")
		s := benchOpen(b, path) // only for its id generator
		db, err := bolt.Open(path+".raw", 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType})
		if err != nil {
			b.Fatal(err)
		}
		next := 0
		put := func(n int) {
			if err := db.Update(func(tx *bolt.Tx) error {
				bk, err := tx.CreateBucketIfNotExists(bItems)
				if err != nil {
					return err
				}
				for range n {
					it := benchItem(next)
					next++
					it.ID = idString(s.newID(time.Now()))
					raw, _ := json.Marshal(it)
					if err := bk.Put(mustID(it.ID), raw); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		for range size / 20_000 {
			put(20_000)
		}
		b.Run(fmt.Sprintf("stored=%d", size), func(b *testing.B) {
			pages := make([][][2][]byte, b.N)
			for i := range pages {
				for range 100 {
					it := benchItem(next)
					next++
					it.ID = idString(s.newID(time.Now()))
					it.Status, it.Priority, it.ReceivedAt = inbox.StatusNew, inbox.PriorityNormal, time.Now().UTC()
					raw, _ := json.Marshal(it)
					pages[i] = append(pages[i], [2][]byte{mustID(it.ID), raw})
				}
			}
			b.ReportAllocs()
			before := db.Stats().TxStats
			b.ResetTimer()
			for i := range b.N {
				if err := db.Update(func(tx *bolt.Tx) error {
					bk := tx.Bucket(bItems)
					for _, kv := range pages[i] {
						if err := bk.Put(kv[0], kv[1]); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			after := db.Stats().TxStats
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(float64(after.GetWrite()-before.GetWrite())/float64(b.N), "pages-written/commit")
			b.ReportMetric(float64((after.GetWriteTime()-before.GetWriteTime()).Microseconds())/float64(b.N), "write+sync-µs/commit")
		})
		db.Close()
		s.Close()
	}
}

// BenchmarkReingestUnchanged: a page of 100 stored items, same cursor.
func BenchmarkReingestUnchanged(b *testing.B) {
	path := filepath.Join(b.TempDir(), "re.db")
	s := benchOpen(b, path)
	defer s.Close()
	benchFill(b, s, 0, 10_000)
	var page []inbox.Item
	for i := range 100 {
		page = append(page, benchItem(5_000+i))
	}
	if _, err := s.Ingest("humas", page, nil, []byte("c")); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		res, err := s.Ingest("humas", page, nil, []byte("c"))
		if err != nil || res.Duplicates != 100 {
			b.Fatal(res, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkListWaitingUnit: the 50 newest waiting items of one unit as the
// JSON the API serves; p50/p99 from timing every call.
func BenchmarkListWaitingUnit(b *testing.B) {
	for _, size := range largeSizes(b, 100_000) {
		path := filepath.Join(b.TempDir(), "list.db")
		s := benchOpen(b, path)
		benchFill(b, s, 0, size)
		fi, _ := os.Stat(path)
		b.Run(fmt.Sprintf("stored=%d", size), func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				p, err := s.ListRaw(Filter{Statuses: benchWaiting, Unit: fmt.Sprintf("unit%02d", i%benchUnits), Limit: 50})
				lat = append(lat, time.Since(start))
				if err != nil || len(p.Raw) != 50 {
					b.Fatal(len(p.Raw), err)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
			b.ReportMetric(float64(fi.Size())/float64(size), "file-bytes/item")
		})
		s.Close()
	}
}

// BenchmarkStats: global and one unit, all windows, read from counters.
func BenchmarkStats(b *testing.B) {
	for _, size := range largeSizes(b, 10_000, 100_000) {
		path := filepath.Join(b.TempDir(), "stats.db")
		s := benchOpen(b, path)
		benchFill(b, s, 0, size)
		for _, unit := range []string{"", "unit07"} {
			name := unit
			if name == "" {
				name = "global"
			}
			b.Run(fmt.Sprintf("stored=%d/%s", size, name), func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					st, err := s.Stats(unit)
					if err != nil || st.FirstResponse["30d"].Count == 0 {
						b.Fatal(st, err)
					}
				}
			})
		}
		s.Close()
	}
}

// BenchmarkFsync is what one fdatasync of a 4 KiB write costs on the disk
// under the test's temp dir (bbolt syncs twice per commit).
func BenchmarkFsync(b *testing.B) {
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "sync"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := []byte(strings.Repeat("x", 4096))
	for i := range b.N {
		if _, err := f.WriteAt(buf, int64(i%256)*4096); err != nil {
			b.Fatal(err)
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
	}
}
