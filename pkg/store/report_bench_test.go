package store

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// BenchmarkMonthlyReport builds the report of one month of a file whose
// report counters hold 1,000,000 items over 24 months (about 42,000 a
// month), 20 units, every channel and kind, 60 tags, answered, closed and
// ignored ones with first responses and deadlines, fed through the same
// hook as live writes. A report reads the month's and the month before's
// key ranges only, so the item count outside them does not matter; the
// figure is in docs/REPORT.md.
//
//	go test ./pkg/store -run '^$' -bench BenchmarkMonthlyReport -benchmem
func BenchmarkMonthlyReport(b *testing.B) {
	const items, months, units, tags = 1_000_000, 24, 20, 60
	now := time.Date(2027, 1, 5, 3, 0, 0, 0, time.UTC)
	s, err := Open(filepath.Join(b.TempDir(), "report.db"), Options{Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler),
		WorkingTime: func(from, to time.Time) time.Duration { return to.Sub(from) / 3 }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	span := now.Sub(start)
	built := time.Now()
	const batch = 50_000
	for done := 0; done < items; done += batch {
		err := s.write(func(w *wctx) error {
			for i := range batch {
				recv := start.Add(time.Duration(float64(span) * float64(done+i) / items))
				it := inbox.Item{
					ID: idString(s.newID(recv)), Channel: testChannels[rng.IntN(len(testChannels))], Kind: inbox.Kinds[rng.IntN(len(inbox.Kinds))],
					Unit: fmt.Sprintf("unit-%02d", rng.IntN(units)), ReceivedAt: recv, CreatedAt: recv.Add(-time.Minute),
					Status: inbox.Statuses[rng.IntN(len(inbox.Statuses))], Tags: []string{fmt.Sprintf("tag-%02d", rng.IntN(tags))},
				}
				fr, res := recv.Add(4*time.Hour), recv.Add(48*time.Hour)
				it.FirstResponseDueAt, it.ResolutionDueAt = &fr, &res
				if it.Status == inbox.StatusAnswered || it.Status == inbox.StatusClosed {
					at := recv.Add(time.Duration(rng.ExpFloat64() * float64(3*time.Hour)))
					it.FirstResponseAt = &at
				}
				if err := w.reportItem(nil, &it); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("counters of %d items over %d months built in %s", items, months, time.Since(built).Round(time.Millisecond))
	b.ResetTimer()
	for b.Loop() {
		r, err := s.MonthlyReport(2026, time.November, "")
		if err != nil || r.Total.Received < 30_000 || len(r.Units) != units {
			b.Fatalf("report: %v, %d received, %d units", err, r.Total.Received, len(r.Units))
		}
	}
}

// BenchmarkReportBackfill opens a file of 100,000 items from before the
// report counters: Open counts them (batches of reportBatch items per
// transaction, each item's audit trail and replies read).
//
//	go test ./pkg/store -run '^$' -bench BenchmarkReportBackfill -benchtime 3x
func BenchmarkReportBackfill(b *testing.B) {
	const n = 100_000
	src := template(b, n)
	for b.Loop() {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "old.db")
		copyFile(b, src, path)
		stripReportCounters(b, path)
		b.StartTimer()
		s := benchOpen(b, path)
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/n, "µs/item")
}
