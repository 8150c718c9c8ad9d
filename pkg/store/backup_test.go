package store

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Before issue 10 every concurrent download made its own copy (eight
// slow downloads grew the data folder from 16 MB to 105 MB).
func TestOneBackupCopyAtATime(t *testing.T) {
	st := openTemp(t, Options{})
	f, _, err := st.BackupFile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.BackupFile(context.Background()); !errors.Is(err, ErrBackupRunning) {
		t.Fatalf("second backup: %v, want ErrBackupRunning", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	g, _, err := st.BackupFile(context.Background())
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	g.Close()
}

func TestBackupRefusedWhenItWouldNotFit(t *testing.T) {
	st := openTemp(t, Options{DiskFree: func(string) (uint64, error) { return 1000, nil }})
	_, _, err := st.BackupFile(context.Background())
	var nse *NoSpaceError
	if !errors.As(err, &nse) || nse.Free != 1000 || nse.Need < 1000 {
		t.Fatalf("err %v, want a NoSpaceError", err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(st.Path()), backupPattern)); len(left) != 0 {
		t.Fatalf("a copy was started: %v", left)
	}
	// The slot is free again.
	st.diskFree = func(string) (uint64, error) { return 1 << 40, nil }
	f, _, err := st.BackupFile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// Before issue 10 a kill -9 mid-download left the copy behind forever.
func TestStaleBackupCopiesRemovedAtOpen(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".inboxd-backup-123456")
	keep := filepath.Join(dir, "inboxd-backup-keep.db")
	for _, p := range []string{stale, keep} {
		if err := os.WriteFile(p, []byte("old copy"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	st, err := Open(filepath.Join(dir, "inboxd.db"), Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale copy still there: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("an unrelated file was removed: %v", err)
	}
	if !strings.Contains(logs.String(), "removed a stale backup copy") || !strings.Contains(logs.String(), stale) {
		t.Fatalf("removal not logged: %s", logs.String())
	}
}

func openTemp(t *testing.T, opts Options) *Store {
	t.Helper()
	st, err := Open(filepath.Join(t.TempDir(), "inboxd.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A key recorded before keys had owners still answers its author's retry
// after the upgrade, and only its author's.
func TestIdempotencyKeyOwnersAndLegacyKeys(t *testing.T) {
	e := newEnv(t)
	id := e.ingest(fbComment("c1", "p1", "a1", e.clock.Now()))[0]
	legacy, created, err := e.s.EnqueueReply(id, NewReply{Text: "hi", Author: "rina", IdempotencyKey: "k"})
	if err != nil || !created {
		t.Fatal(err, created)
	}
	r, created, err := e.s.EnqueueReply(id, NewReply{Text: "hi", Author: "rina", IdempotencyKey: "k", IdempotencyOwner: "token:rina"})
	if err != nil || created || r.ID != legacy.ID {
		t.Fatalf("the author's retry: %v created=%v", err, created)
	}
	r, created, err = e.s.EnqueueReply(id, NewReply{Text: "hello", Author: "budi", IdempotencyKey: "k", IdempotencyOwner: "token:budi"})
	if err != nil || !created || r.ID == legacy.ID {
		t.Fatalf("another owner: %v created=%v", err, created)
	}
	again, created, err := e.s.EnqueueReply(id, NewReply{Text: "hello", Author: "budi", IdempotencyKey: "k", IdempotencyOwner: "token:budi"})
	if err != nil || created || again.ID != r.ID {
		t.Fatalf("owner's retry: %v created=%v", err, created)
	}
}
