package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors/registry"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe for the server's goroutines to log into
// while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type result struct {
	stdout, stderr string
	err            error
}

// invoke runs the program with an empty environment (plus kv pairs).
func invoke(t *testing.T, args []string, kv ...string) result {
	t.Helper()
	var stdout, stderr syncBuffer
	err := runEnv(context.Background(), args, env{stdout: &stdout, stderr: &stderr, getenv: envOf(kv...)})
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

func envOf(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// writeConfig writes a config whose data_dir is inside a fresh temp dir.
func writeConfig(t *testing.T, extra string) (path, dataDir string) {
	t.Helper()
	dir := t.TempDir()
	dataDir = filepath.Join(dir, "data")
	path = filepath.Join(dir, "config.yaml")
	body := "data_dir: " + dataDir + "\nlog:\n  level: debug\nhttp:\n  listen: 127.0.0.1:0\n" + extra
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, dataDir
}

func TestConfigCheck(t *testing.T) {
	okPath, _ := writeConfig(t, "")
	if r := invoke(t, []string{"config", "check", "--config", okPath}); r.err != nil || r.stdout != "config OK: 0 accounts\n" {
		t.Errorf("ok config: %+v", r)
	}

	example := filepath.Join("..", "..", "config.example.yaml")
	if r := invoke(t, []string{"config", "check", "--config", example}); r.err != nil || !strings.HasPrefix(r.stdout, "config OK") ||
		!strings.Contains(r.stdout, ", 20 units, ") || !strings.Contains(r.stdout, " routing rules") {
		t.Errorf("config.example.yaml with no environment: %+v", r)
	}

	oneAccount, _ := writeConfig(t, "accounts:\n  - name: fb\n    platform: facebook\n    page_id: \"1\"\n    page_token: ${FB_PAGE_TOKEN}\n")
	if r := invoke(t, []string{"config", "check", "--config", oneAccount}, "FB_PAGE_TOKEN", "t"); r.err != nil || r.stdout != "config OK: 1 account\n" {
		t.Errorf("one account: %+v", r)
	}

	bad, _ := writeConfig(t, "accounts:\n  - name: fb\n    platform: facebook\n    page_id: \"1\"\n    page_token: ${FB_PAGE_TOKEN}\n    schedule: sometimes\nbogus: true\n")
	r := invoke(t, []string{"config", "check", "--config", bad})
	if r.err == nil || r.stdout != "" {
		t.Fatalf("bad config: %+v", r)
	}
	var ue *usageError
	if errors.As(r.err, &ue) {
		t.Errorf("a bad config is not a usage error: %v", r.err)
	}
	for _, want := range []string{
		bad + ":10: accounts[0].page_token: environment variable FB_PAGE_TOKEN is not set",
		bad + ":11: accounts[0].schedule: invalid schedule",
		bad + ":12: bogus: unknown key",
	} {
		if !strings.Contains(r.err.Error(), want) {
			t.Errorf("error\n%v\nlacks %q", r.err, want)
		}
	}

	if r := invoke(t, []string{"config", "check", "--config", filepath.Join(t.TempDir(), "missing.yaml")}); r.err == nil ||
		!strings.Contains(r.err.Error(), "missing.yaml") {
		t.Errorf("missing file: %+v", r)
	}
}

func TestVersion(t *testing.T) {
	r := invoke(t, []string{"version"})
	if r.err != nil || !strings.HasPrefix(r.stdout, "inboxd ") || !strings.Contains(r.stdout, "go1.") {
		t.Errorf("version: %+v", r)
	}

	build := func(v string, settings ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{Main: debug.Module{Version: v}}
		for i := 0; i+1 < len(settings); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return info
	}
	tests := []struct {
		ldflags string
		info    *debug.BuildInfo
		ok      bool
		want    string
	}{
		{"v1.2.3", build("v0.9.0"), true, "v1.2.3"},
		{"", build("v0.9.0"), true, "v0.9.0"},
		{"", build("(devel)", "vcs.revision", "0123456789abcdef0123", "vcs.modified", "true"), true, "devel-0123456789ab-dirty"},
		{"", build("(devel)", "vcs.revision", "abc"), true, "devel-abc"},
		{"", build("(devel)"), true, "devel"},
		{"", nil, false, "devel"},
	}
	for _, tt := range tests {
		if got := versionString(tt.ldflags, tt.info, tt.ok); got != tt.want {
			t.Errorf("versionString(%q, %+v) = %q, want %q", tt.ldflags, tt.info, got, tt.want)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	cfg, _ := writeConfig(t, "")
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no command", nil, "usage: inboxd <command>"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"missing subcommand", []string{"token"}, "token: missing subcommand"},
		{"unknown subcommand", []string{"config", "lint"}, `config: unknown subcommand "lint"`},
		{"unknown flag", []string{"serve", "--config", cfg, "--port", "1"}, "serve: unknown flag --port"},
		{"missing config", []string{"serve"}, "serve: --config is required"},
		{"extra argument", []string{"config", "check", "--config", cfg, "extra"}, `unexpected argument "extra"`},
		{"token create without name", []string{"token", "create", "--config", cfg, "--role", "admin"}, "--name is required"},
		{"token create bad role", []string{"token", "create", "--config", cfg, "--name", "a", "--role", "root"}, `--role must be admin, operator or viewer, not "root"`},
		{"token revoke without name", []string{"token", "revoke", "--config", cfg}, "exactly one token NAME"},
		{"backup without out", []string{"backup", "--config", cfg}, "backup: --out is required"},
		{"version with argument", []string{"version", "now"}, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invoke(t, tt.args)
			var ue *usageError
			if !errors.As(r.err, &ue) {
				t.Fatalf("err = %v, want a usage error", r.err)
			}
			if !strings.Contains(r.stderr, "usage:") || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr lacks usage or %q:\n%s", tt.want, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

// Help that was asked for goes to stdout and exits 0; flags are listed as
// --flag, as usage lines write them.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "usage: inboxd <command>"},
		{[]string{"-h"}, "usage: inboxd <command>"},
		{[]string{"--help"}, "usage: inboxd <command>"},
		{[]string{"serve", "-h"}, "usage: inboxd serve --config FILE\n  --config FILE\n"},
		{[]string{"help", "serve"}, "usage: inboxd serve --config FILE\n  --config FILE\n"},
		{[]string{"token", "create", "--help"}, "  --role ROLE\n"},
		{[]string{"help", "token", "create"}, "  --role ROLE\n"},
		{[]string{"token", "--help"}, "inboxd token revoke --config FILE NAME"},
		{[]string{"demo", "--help"}, "  --rate N\n        N citizen messages a second"},
	} {
		r := invoke(t, tc.args)
		if r.err != nil || r.stderr != "" || !strings.Contains(r.stdout, tc.want) {
			t.Errorf("%v: err %v, stderr %q, stdout lacks %q:\n%s", tc.args, r.err, r.stderr, tc.want, r.stdout)
		}
		if strings.Contains(r.stdout, "\n  -") && !strings.Contains(r.stdout, "\n  --") {
			t.Errorf("%v: flags listed with one dash:\n%s", tc.args, r.stdout)
		}
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := invoke(t, args)
		if r.err != nil || !strings.HasPrefix(r.stdout, "inboxd ") {
			t.Errorf("%v: %+v", args, r)
		}
	}
}

func TestTokenLifecycle(t *testing.T) {
	cfg, dataDir := writeConfig(t, "timezone: UTC\n")

	// Before any serve, list has no data file to read.
	if r := invoke(t, []string{"token", "list", "--config", cfg}); r.err == nil || !strings.Contains(r.err.Error(), "no data file at") {
		t.Errorf("list without data file: %+v", r)
	}

	r := invoke(t, []string{"token", "create", "--config", cfg, "--name", "siti", "--role", "operator", "--unit", "dishub"})
	if r.err != nil {
		t.Fatalf("create: %v\n%s", r.err, r.stderr)
	}
	secret := strings.TrimSuffix(r.stdout, "\n")
	if secret == "" || strings.ContainsAny(secret, "\n \t") {
		t.Fatalf("create printed %q, want the token alone on one line", r.stdout)
	}
	if fi, err := os.Stat(dataDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data_dir mode = %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	if r := invoke(t, []string{"token", "create", "--config", cfg, "--name", "admin", "--role", "admin"}); r.err != nil {
		t.Fatalf("create admin: %v", r.err)
	}

	r = invoke(t, []string{"token", "list", "--config", cfg})
	if r.err != nil {
		t.Fatalf("list: %v", r.err)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "LAST USED") {
		t.Fatalf("list output:\n%s", r.stdout)
	}
	if f := strings.Fields(lines[2]); len(f) < 5 || f[0] != "siti" || f[1] != "operator" || f[2] != "dishub" || f[len(f)-1] != "never" {
		t.Errorf("siti's row = %q", lines[2])
	}
	if f := strings.Fields(lines[1]); f[0] != "admin" || f[2] != "(all)" {
		t.Errorf("admin's row = %q", lines[1])
	}
	if strings.Contains(r.stdout, secret) {
		t.Error("token list shows a secret")
	}

	// Flags after the name work too.
	if r := invoke(t, []string{"token", "revoke", "siti", "--config", cfg}); r.err != nil || r.stdout != "revoked token siti\n" {
		t.Fatalf("revoke: %+v", r)
	}
	r = invoke(t, []string{"token", "list", "--config", cfg})
	if strings.Contains(r.stdout, "siti") || !strings.Contains(r.stdout, "admin") {
		t.Errorf("after revoke:\n%s", r.stdout)
	}
	if r := invoke(t, []string{"token", "revoke", "--config", cfg, "siti"}); r.err == nil || !strings.Contains(r.err.Error(), `no token named "siti"`) {
		t.Errorf("second revoke: %+v", r)
	}

	st := openForTest(t, filepath.Join(dataDir, dataFileName))
	if _, err := st.LookupToken(secret); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked token still looks up: %v", err)
	}
}

func openForTest(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path, store.Options{Replies: registry.Replies()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestBackupRoundTrip(t *testing.T) {
	cfg, dataDir := writeConfig(t, "")
	out := filepath.Join(t.TempDir(), "inboxd-backup.db")
	if r := invoke(t, []string{"backup", "--config", cfg, "--out", out}); r.err == nil || !strings.Contains(r.err.Error(), "no data file") {
		t.Errorf("backup without data file: %+v", r)
	}

	r := invoke(t, []string{"token", "create", "--config", cfg, "--name", "ops", "--role", "viewer"})
	if r.err != nil {
		t.Fatal(r.err)
	}
	secret := strings.TrimSpace(r.stdout)

	r = invoke(t, []string{"backup", "--config", cfg, "--out", out})
	if r.err != nil || !strings.Contains(r.stdout, "written to "+out) {
		t.Fatalf("backup: %+v", r)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*tmp*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}

	st := openForTest(t, out)
	tok, err := st.LookupToken(secret)
	if err != nil || tok.Name != "ops" || tok.Role != inbox.RoleViewer {
		t.Errorf("token in backup = %+v, %v", tok, err)
	}
	// The original is untouched and still usable.
	if r := invoke(t, []string{"token", "list", "--config", cfg}); r.err != nil || !strings.Contains(r.stdout, "ops") {
		t.Errorf("original after backup: %+v", r)
	}
	_ = dataDir
}

// TestServe starts the daemon on a free port, probes it, checks that the
// running daemon's lock is reported clearly, and stops it.
func TestServe(t *testing.T) {
	cfg, dataDir := writeConfig(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	ready := make(chan string, 1)
	done := make(chan error, 1)
	var stdout, stderr syncBuffer
	go func() {
		done <- runEnv(ctx, []string{"serve", "--config", cfg}, env{
			stdout: &stdout, stderr: &stderr, getenv: envOf(),
			ready: func(addr string) { ready <- addr },
		})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve ended before it was ready: %v\n%s", err, stderr.String())
	}
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("ready with addr %q, want the real port", addr)
	}
	if !strings.Contains(stderr.String(), addr) {
		t.Errorf("listen address %s not logged:\n%s", addr, stderr.String())
	}

	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var health struct{ Status string }
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" ||
		json.Unmarshal(body, &health) != nil || health.Status != "ok" {
		t.Errorf("GET /healthz = %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, err = client.Post("http://"+addr+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d, want 405", resp.StatusCode)
	}
	client.CloseIdleConnections()

	// While the daemon holds the data file, token create says what to do.
	r := invoke(t, []string{"token", "create", "--config", cfg, "--name", "x", "--role", "admin"})
	wantMsg := "inboxd is running and holds " + filepath.Join(dataDir, dataFileName) + "; create tokens through the API (POST /api/v1/tokens) or stop the daemon"
	if r.err == nil || r.err.Error() != wantMsg || !errors.Is(r.err, store.ErrLocked) {
		t.Errorf("token create while serving: %v\nwant: %s", r.err, wantMsg)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop within 5 s of cancellation")
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no stop logged:\n%s", stderr.String())
	}
	// The store was closed: the file opens again at once.
	openForTest(t, filepath.Join(dataDir, dataFileName))
}

func TestServeListenError(t *testing.T) {
	cfg, _ := writeConfig(t, "")
	// Re-point the listener at an address that cannot be bound.
	data, _ := os.ReadFile(cfg)
	data = bytes.Replace(data, []byte("127.0.0.1:0"), []byte("192.0.2.1:1"), 1)
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r := invoke(t, []string{"serve", "--config", cfg})
	if r.err == nil || !strings.Contains(r.err.Error(), "listen on 192.0.2.1:1") {
		t.Errorf("serve on an unbindable address: %+v", r)
	}
}

// serve failing to start (here: the listener) must not leave its SIGHUP
// watcher behind while the caller's context lives on.
func TestServeFailureLeavesNoReloadWatcher(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg, _ := writeConfig(t, "")
	data, _ := os.ReadFile(cfg)
	data = bytes.Replace(data, []byte("127.0.0.1:0"), []byte("192.0.2.1:1"), 1)
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	err := runEnv(context.Background(), []string{"serve", "--config", cfg},
		env{stdout: &stdout, stderr: &stderr, getenv: envOf(), hup: make(chan os.Signal)})
	if err == nil || !strings.Contains(err.Error(), "listen on 192.0.2.1:1") {
		t.Fatalf("serve on an unbindable address: %v", err)
	}
}
