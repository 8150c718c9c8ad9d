package store

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// benchOverdue marks every 100th item overdue (1 %) through putItem, as
// the sweep would, and records working-hours and within-deadline figures.
func benchOverdue(b *testing.B, s *Store, n int) {
	b.Helper()
	for lo := 0; lo < n; lo += 100 * 5000 {
		err := s.write(func(w *wctx) error {
			c := w.tx.Bucket(bItems).Cursor()
			k, _ := c.First()
			for skip := 0; skip < lo && k != nil; skip++ {
				k, _ = c.Next()
			}
			var ids [][]byte
			for i := 0; k != nil && i < 100*5000; i, k = i+1, func() []byte { k, _ := c.Next(); return k }() {
				if i%100 == 0 {
					ids = append(ids, clone(k))
				}
			}
			for _, id := range ids {
				old, err := getItem(w.tx, id)
				if err != nil {
					return err
				}
				it := old
				due := w.now.Add(-time.Hour)
				it.FirstResponseDueAt = &due
				it.Status = inbox.StatusNew
				it.Overdue = it.OverdueAt(w.now)
				if err := w.putItem(&it, &old); err != nil {
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
				wu, iu := deadlineKeys(fmt.Sprintf("unit%02d", u), false)
				wo, io := deadlineKeys("", true)
				if err := w.recordHist([][]byte{wu, wo}, at, histIndex(time.Duration(600+u*60)*time.Second)); err != nil {
					return err
				}
				if err := w.recordHist([][]byte{iu, io}, at, h%2); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStatsWithDeadlines: Stats with the deadline figures at 10,000
// and (INBOXD_BENCH_LARGE=1) 1,000,000 items, 1 % of them overdue.
func BenchmarkStatsWithDeadlines(b *testing.B) {
	for _, size := range largeSizes(b, 10_000) {
		path := filepath.Join(b.TempDir(), "stats.db")
		s := benchOpen(b, path)
		benchFill(b, s, 0, size)
		benchOverdue(b, s, size)
		for _, unit := range []string{"", "unit00"} {
			name := unit
			if name == "" {
				name = "global"
			}
			b.Run(fmt.Sprintf("stored=%d/%s", size, name), func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					st, err := s.Stats(unit)
					if err != nil || st.Overdue[inbox.OverdueFirstResponse] == 0 || st.FirstResponseWorking["30d"].Count == 0 {
						b.Fatal(st.Overdue, err)
					}
				}
			})
		}
		s.Close()
	}
}

// BenchmarkIngestDeadlines: durable 100-item pages into a fresh file, with
// the deadlines computed as the scheduler does (calendar with the 2026
// holidays, two policies) and stored, or without.
func BenchmarkIngestDeadlines(b *testing.B) {
	loc := time.FixedZone("WIB", 7*3600)
	var hol []calendar.Holiday
	for _, d := range []string{"2026-08-17", "2026-12-24", "2026-12-25"} {
		dt, _ := calendar.ParseDate(d)
		hol = append(hol, calendar.Holiday{Date: dt})
	}
	cal, err := calendar.New(loc, calendar.DefaultWeek(), nil, hol)
	if err != nil {
		b.Fatal(err)
	}
	office := calendar.NewLive(&calendar.Office{Calendar: cal, SLA: calendar.Policies{
		{Match: calendar.Match{Unit: "unit07"}, FirstResponse: calendar.Span{Time: 2 * time.Hour}, Resolution: calendar.Span{Days: 1}},
		{FirstResponse: calendar.Span{Days: 1}, Resolution: calendar.Span{Days: 5}},
	}})
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("deadlines=%v", on), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "ingest.db"), Options{Logger: slog.New(slog.DiscardHandler), WorkingTime: office.WorkingTime})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			pages := make([][]inbox.Item, b.N)
			for i := range pages {
				pages[i] = make([]inbox.Item, 100)
				for j := range pages[i] {
					pages[i][j] = benchItem(i*100 + j)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if on {
					for j := range pages[i] {
						it := &pages[i][j]
						it.FirstResponseDueAt, it.ResolutionDueAt = office.ItemDeadlines(*it)
					}
				}
				if _, err := s.Ingest(pages[i][0].Account, pages[i], nil, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "items/s")
		})
	}
}

// BenchmarkTicketMigration numbers a file of items stored before tickets
// existed (benchFill writes none), as Open does once: 10,000 items, and
// 1,000,000 with INBOXD_BENCH_LARGE=1. One iteration is one whole
// migration; run it with -benchtime 1x.
func BenchmarkTicketMigration(b *testing.B) {
	for _, size := range largeSizes(b, 10_000) {
		src := template(b, size)
		b.Run(fmt.Sprintf("stored=%d", size), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				path := filepath.Join(b.TempDir(), "migrate.db")
				copyFile(b, src, path)
				s := benchOpen(b, path) // the template is marked done: clear that
				err := s.db.Update(func(tx *bolt.Tx) error {
					if err := tx.Bucket(bMeta).Delete(metaTicketsDone); err != nil {
						return err
					}
					return tx.Bucket(bMeta).Delete(metaTicketsAt)
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := s.migrateTickets(ticketBatch); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				b.ReportMetric(float64(size)/b.Elapsed().Seconds(), "items/s")
				s.Close()
			}
		})
	}
}
