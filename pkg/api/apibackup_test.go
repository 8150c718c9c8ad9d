package api

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/store"
)

// Before issue 10 each of eight concurrent downloads made its own copy.
func TestConcurrentBackupIs429(t *testing.T) {
	e := newEnv(t)
	held, _, err := e.st.BackupFile(context.Background()) // a download in progress
	if err != nil {
		t.Fatal(err)
	}
	rec := e.do(asAdmin, "GET", "/api/v1/backup", nil)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("second backup: %d Retry-After=%q", rec.Code, rec.Header().Get("Retry-After"))
	}
	decodeProblem(t, rec)
	held.Close()
	if rec := e.do(asAdmin, "GET", "/api/v1/backup", nil); rec.Code != 200 || rec.Body.Len() == 0 {
		t.Fatalf("after the first ended: %d", rec.Code)
	}
}

func TestBackupWithoutSpaceIs507(t *testing.T) {
	e := bareEnv(t, store.Options{DiskFree: func(string) (uint64, error) { return 4096, nil }})
	rec := e.do(asBoot, "GET", "/api/v1/backup", nil)
	if rec.Code != http.StatusInsufficientStorage {
		t.Fatalf("status %d, want 507", rec.Code)
	}
	if p := decodeProblem(t, rec); !strings.Contains(p.Detail, "needs") || !strings.Contains(p.Detail, "4096 bytes") {
		t.Fatalf("detail does not say how much is needed: %q", p.Detail)
	}
}

// bareEnv is a server over an empty store opened with opts, reached with
// the bootstrap token.
func bareEnv(t *testing.T, opts store.Options) *env {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "inboxd.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{Store: st, Logger: slog.New(slog.DiscardHandler), BootstrapAdminToken: bootstrapSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
		st.Close()
	})
	return &env{t: t, st: st, srv: srv, tokens: map[string]string{asBoot: bootstrapSecret}}
}
