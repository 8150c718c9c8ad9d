package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// benchSizes are the store sizes the benchmarks run at; set
// INBOXD_BENCH_LARGE=1 to add 1,000,000 (takes a while to seed).
func benchSizes() []int {
	if os.Getenv("INBOXD_BENCH_LARGE") != "" {
		return []int{10_000, 1_000_000}
	}
	return []int{10_000}
}

const benchUnits = 20

// benchServer seeds n items over benchUnits units (60 open per unit).
func benchServer(b *testing.B, n int, opts Options) (*Server, string) {
	b.Helper()
	st, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{Replies: testReplies})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; {
		page := make([]inbox.Item, 0, 100)
		for j := 0; j < 100 && i < n; j++ {
			i++
			created = created.Add(time.Second)
			page = append(page, inbox.Item{Channel: chFacebook, Account: "fb", Kind: inbox.KindComment,
				ExternalID: strconv.Itoa(i), ThreadID: strconv.Itoa(i / 50), Author: inbox.Author{ID: strconv.Itoa(i % 5000), Name: "Warga"},
				Text: "jalan rusak di depan pasar, mohon segera diperbaiki sebelum musim hujan", CreatedAt: created,
				Unit: fmt.Sprintf("unit-%02d", i%benchUnits)})
		}
		if _, err := st.Ingest("fb", page, nil, []byte(strconv.Itoa(i))); err != nil {
			b.Fatal(err)
		}
	}
	open := inbox.StatusOpen
	for u := 0; u < benchUnits; u++ {
		page, err := st.List(store.Filter{Unit: fmt.Sprintf("unit-%02d", u), Limit: 60})
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range page.Items {
			if _, err := st.Update(it.ID, "bench", store.Change{Status: &open}); err != nil {
				b.Fatal(err)
			}
		}
	}
	opts.Store, opts.Logger = st, slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Shutdown(context.Background()) })
	secret, _, err := st.CreateToken("bench", inbox.RoleViewer, "")
	if err != nil {
		b.Fatal(err)
	}
	return srv, secret
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the handler and not a recorder's buffer.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchRoute(b *testing.B, opts Options, path func(i int) string) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			srv, secret := benchServer(b, n, opts)
			reqs := make([]*http.Request, benchUnits)
			for u := range reqs {
				reqs[u] = httptest.NewRequest("GET", path(u), nil)
				reqs[u].Header.Set("Authorization", "Bearer "+secret)
			}
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				clear(w.h)
				srv.ServeHTTP(w, reqs[i%benchUnits])
			}
		})
	}
}

func listOpenPath(u int) string {
	return fmt.Sprintf("/api/v1/items?status=open&unit=unit-%02d&limit=50", u)
}

// BenchmarkListOpenItemsOfUnit is the cached path: no write between
// requests, so after the first round every unit's page is a hit.
func BenchmarkListOpenItemsOfUnit(b *testing.B) { benchRoute(b, Options{}, listOpenPath) }

// BenchmarkListOpenItemsOfUnitUncached is every request read from the store.
func BenchmarkListOpenItemsOfUnitUncached(b *testing.B) {
	benchRoute(b, Options{DisableListCache: true}, listOpenPath)
}

func BenchmarkStats(b *testing.B) {
	benchRoute(b, Options{}, func(int) string { return "/api/v1/stats" })
}
