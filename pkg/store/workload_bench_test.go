package store_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/inboxd/inboxd/pkg/sim/workload"
	"github.com/inboxd/inboxd/pkg/store/storebench"
)

// BenchmarkWorkload runs the benchmark workload (pkg/store/storebench,
// ../shared/bench-workload.md) on the store: each iteration fills a fresh
// file with INBOXD_BENCH_ITEMS items (default 20,000) in durable 100-item
// pages and measures re-ingest, lists, stats and reopen, every answer
// checked against the model. The side-by-side figures with the SQLite peer
// come from bench/ (go run . in that module).
func BenchmarkWorkload(b *testing.B) {
	items, err := storebench.ItemsFromEnv(20_000)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range workload.Cases {
		b.Run(string(c), func(b *testing.B) {
			w, err := workload.New(c, 1, items)
			if err != nil {
				b.Fatal(err)
			}
			var res storebench.Result
			for i := range b.N {
				t, err := storebench.OpenInboxd(filepath.Join(b.TempDir(), strconv.Itoa(i)+".db"))
				if err != nil {
					b.Fatal(err)
				}
				if res, err = storebench.Run(context.Background(), "inboxd", t, w, 1, storebench.Options{}); err != nil {
					t.Close()
					b.Fatal(err)
				}
			}
			b.ReportMetric(res.FillRate, "items/s")
			b.ReportMetric(res.LastTenthRate, "last10%-items/s")
			b.ReportMetric(res.PageP99, "page-p99-ms")
			b.ReportMetric(res.ReingestRate, "reingest-items/s")
			b.ReportMetric(res.ListP99, "list-p99-µs")
			b.ReportMetric(res.StatsP99, "stats-p99-µs")
			b.ReportMetric(res.BytesPerItem, "file-bytes/item")
		})
	}
}
