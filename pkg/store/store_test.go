package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func TestOpenCreatesFileWithMode0600(t *testing.T) {
	e := newEnv(t)
	fi, err := os.Stat(e.path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
	if e.s.Path() != e.path {
		t.Fatalf("Path = %q", e.s.Path())
	}
}

func TestSecondOpenFailsWithErrLockedAfterLockTimeout(t *testing.T) {
	e := newEnv(t)
	start := time.Now()
	s2, err := Open(e.path, Options{Replies: testRules})
	took := time.Since(start)
	if err == nil {
		s2.Close()
		t.Fatal("second Open succeeded while the first holds the file")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "another inboxd process holds it") {
		t.Fatalf("message does not say who holds the file: %v", err)
	}
	// The default lock timeout is one second: it waits, then gives up.
	if took < 900*time.Millisecond || took > 5*time.Second {
		t.Fatalf("second Open took %v, want about 1s", took)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	e := newEnv(t)
	e.s.Close()
	db, err := bolt.Open(e.path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).Put([]byte("schema"), binary.BigEndian.AppendUint32(nil, schemaVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(e.path, Options{Replies: testRules})
	if err == nil {
		s.Close()
		t.Fatal("opened a file with a newer schema")
	}
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), fmt.Sprintf("schema version %d", schemaVersion+1)) {
		t.Fatalf("err = %v, want ErrNewerSchema naming the version", err)
	}
}

func TestMigrationHookRunsEachStepOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := openWith(path, Options{Replies: testRules}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var ran []uint32
	migs := map[uint32]migration{
		1: func(tx *bolt.Tx) error { ran = append(ran, 1); return tx.Bucket(bMeta).Put([]byte("m1"), []byte("x")) },
		2: func(tx *bolt.Tx) error { ran = append(ran, 2); return nil },
	}
	s, err = openWith(path, Options{Replies: testRules}, 3, migs)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if len(ran) != 2 || ran[0] != 1 || ran[1] != 2 {
		t.Fatalf("migrations ran %v, want [1 2]", ran)
	}
	s, err = openWith(path, Options{Replies: testRules}, 3, migs)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if len(ran) != 2 {
		t.Fatalf("migrations ran again on an up-to-date file: %v", ran)
	}
	// A missing step is an error, not a silent skip.
	if s, err = openWith(path, Options{Replies: testRules}, 4, migs); err == nil {
		s.Close()
		t.Fatal("opened without a migration from 3 to 4")
	}
}

func TestClosedStoreReturnsErrClosed(t *testing.T) {
	e := newEnv(t)
	e.s.Close()
	if _, err := e.s.Get("01ARZ3NDEKTSV4RRFFQ69G5FAV"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Get after Close: %v", err)
	}
	if _, err := e.s.Ingest("acct", []inbox.Item{fbComment("a", "p", "u", e.clock.Now())}, nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Ingest after Close: %v", err)
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	secret, tok, err := e.s.CreateToken("alice", inbox.RoleOperator, "dinkes")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) != len(TokenPrefix)+43 {
		t.Fatalf("secret %q: want ibx_ + 43 base64url chars", secret)
	}
	if tok.Name != "alice" || tok.Role != inbox.RoleOperator || tok.Unit != "dinkes" || !tok.CreatedAt.Equal(e.clock.Now()) {
		t.Fatalf("token = %+v", tok)
	}
	got, err := e.s.LookupToken(secret)
	if err != nil || got.Name != "alice" {
		t.Fatalf("LookupToken = %+v, %v", got, err)
	}
	if _, err := e.s.LookupToken(secret + "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("wrong secret: %v", err)
	}
	// The secret is not in the file, only its hash.
	e.s.Close()
	raw, _ := os.ReadFile(e.path)
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(secret[len(TokenPrefix):])) {
		t.Fatal("the token secret is stored in the data file")
	}
	e.open()

	if _, _, err := e.s.CreateToken("alice", inbox.RoleAdmin, ""); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate name: %v", err)
	}
	_, _, err = e.s.CreateToken("bob", "root", "")
	wantValidation(t, err, "role")
	_, _, err = e.s.CreateToken("  ", inbox.RoleAdmin, "")
	wantValidation(t, err, "name")
	// A blank unit asked for a scope: trimmed to "" it would silently make
	// a token of every unit.
	_, _, err = e.s.CreateToken("carol", inbox.RoleAdmin, "  ")
	wantValidation(t, err, "unit")

	s2, _, err := e.s.CreateToken("bob", inbox.RoleViewer, "")
	if err != nil {
		t.Fatal(err)
	}
	used := e.clock.Now().Add(time.Minute)
	if err := e.s.TouchTokens(map[string]time.Time{"alice": used, "ghost": used}); err != nil {
		t.Fatal(err)
	}
	list, err := e.s.Tokens()
	if err != nil || len(list) != 2 || list[0].Name != "alice" || list[1].Name != "bob" {
		t.Fatalf("Tokens = %+v, %v", list, err)
	}
	if list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(used) || list[1].LastUsedAt != nil {
		t.Fatalf("last used not recorded: %+v", list)
	}
	if err := e.s.RevokeToken("alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.LookupToken(secret); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoked token still valid: %v", err)
	}
	if _, err := e.s.LookupToken(s2); err != nil {
		t.Fatalf("other token gone: %v", err)
	}
	if err := e.s.RevokeToken("alice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke twice: %v", err)
	}
}

func TestAccountStateAndValues(t *testing.T) {
	e := newEnv(t)
	if _, err := e.s.AccountState("fb"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing state: %v", err)
	}
	until := e.clock.Now().Add(time.Hour)
	st := AccountState{Name: "fb", Platform: "facebook", State: "rate_limited", PausedUntil: &until, Failures: 2,
		LastError: &AccountError{Class: "rate_limited", Message: "slow down", At: e.clock.Now()}}
	if err := e.s.PutAccountState(st); err != nil {
		t.Fatal(err)
	}
	if err := e.s.PutAccountValue("fb", "oauth", []byte("tok1")); err != nil {
		t.Fatal(err)
	}
	e.reopen()
	got, err := e.s.AccountState("fb")
	if err != nil || got.State != "rate_limited" || got.PausedUntil == nil || !got.PausedUntil.Equal(until) || got.Failures != 2 || got.LastError.Message != "slow down" {
		t.Fatalf("AccountState after reopen = %+v, %v", got, err)
	}
	all, err := e.s.AccountStates()
	if err != nil || len(all) != 1 {
		t.Fatalf("AccountStates = %+v, %v", all, err)
	}
	v, err := e.s.AccountValue("fb", "oauth")
	if err != nil || string(v) != "tok1" {
		t.Fatalf("AccountValue = %q, %v", v, err)
	}
	if _, err := e.s.AccountValue("fb", "other"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unset value: %v", err)
	}
	if err := e.s.PutAccountState(AccountState{}); err == nil {
		t.Fatal("state without name accepted")
	}
}

func TestBackupRestoresToOpenableFileWithSameItems(t *testing.T) {
	e := newEnv(t)
	var page []inbox.Item
	for i := range 30 {
		page = append(page, fbComment(extID(i), "post1", "u1", e.clock.Now()))
	}
	want := e.ingest(page...)

	f, size, err := e.s.BackupFile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tmpName := f.(*tempFile).Name()
	fi, err := os.Stat(tmpName)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != size {
		t.Fatalf("temp copy: %v %v size %d want %d", err, fi.Mode(), fi.Size(), size)
	}
	f.Close()
	if _, err := os.Stat(tmpName); !os.IsNotExist(err) {
		t.Fatalf("temp copy not removed on Close: %v", err)
	}

	var buf bytes.Buffer
	n, err := e.s.Backup(context.Background(), &buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup = %d, %v (buffer %d)", n, err, buf.Len())
	}
	restored := filepath.Join(t.TempDir(), "restored.db")
	if err := os.WriteFile(restored, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(restored, Options{Replies: testRules})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.List(Filter{Order: OldestFirst, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids(got.Items), ",") != strings.Join(want, ",") {
		t.Fatalf("restored items differ:\n got %v\nwant %v", ids(got.Items), want)
	}
	entries, _ := os.ReadDir(filepath.Dir(e.path))
	for _, de := range entries {
		if strings.HasPrefix(de.Name(), ".inboxd-backup-") {
			t.Fatalf("left a temp file behind: %s", de.Name())
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.s.Backup(ctx, &buf); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled backup: %v", err)
	}
}
