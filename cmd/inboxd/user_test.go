package main

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/password"
	"github.com/inboxd/inboxd/pkg/store"
)

func invokeStdin(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr syncBuffer
	err := runEnv(context.Background(), args, env{stdout: &stdout, stderr: &stderr, stdin: strings.NewReader(stdin), getenv: envOf()})
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

func openData(t *testing.T, dataDir string) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(dataDir, dataFileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestUserCommands(t *testing.T) {
	cfg, dataDir := writeConfig(t, "public_url: https://inbox.example.go.id/\n")
	pw := "kopi tubruk pagi hari"

	r := invokeStdin(t, pw+"\n", "user", "create", "--config", cfg, "--username", "siti", "--role", "operator",
		"--unit", "dinas-pu", "--display-name", "Siti Rahma", "--password-stdin")
	if r.err != nil || r.stdout != "created user siti\n" {
		t.Fatalf("create with --password-stdin: %+v", r)
	}
	if strings.Contains(r.stdout+r.stderr, pw) {
		t.Fatal("the password was printed")
	}

	// Refused passwords say why, and nothing is created.
	for stdin, why := range map[string]string{"short\n": "too short", "siti.rahma.01\n": "username", "password1234\n": "common"} {
		user := "budi"
		if why == "username" {
			user = "siti.rahma.01"
		}
		r := invokeStdin(t, stdin, "user", "create", "--config", cfg, "--username", user, "--role", "viewer", "--password-stdin")
		if r.err == nil || !strings.Contains(r.err.Error(), why) {
			t.Errorf("password %q: err %v, want it to say %q", stdin, r.err, why)
		}
	}

	// Without --password-stdin: the link alone on stdout, on public_url.
	r = invokeStdin(t, "", "user", "create", "--config", cfg, "--username", "budi", "--role", "viewer")
	if r.err != nil {
		t.Fatal(r.err)
	}
	link := strings.TrimSpace(r.stdout)
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "https" || u.Host != "inbox.example.go.id" || u.Path != "/set-password" || u.Query().Get("code") == "" {
		t.Fatalf("link %q", link)
	}

	// Usage errors.
	if r := invoke(t, []string{"user", "create", "--config", cfg, "--username", "x", "--role", "root"}); r.err == nil ||
		!strings.Contains(r.stderr, "--role must be admin, operator or viewer") {
		t.Errorf("bad role: %+v", r)
	}
	if r := invoke(t, []string{"user", "create", "--config", cfg, "--username", "siti", "--role", "viewer"}); r.err == nil ||
		!strings.Contains(r.err.Error(), "already exists") {
		t.Errorf("duplicate: %+v", r)
	}

	r = invoke(t, []string{"user", "list", "--config", cfg})
	if r.err != nil {
		t.Fatal(r.err)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "budi") || !strings.Contains(lines[1], "no password yet") ||
		!strings.Contains(lines[2], "Siti Rahma") || !strings.Contains(lines[2], "dinas-pu") || !strings.Contains(lines[2], "active") {
		t.Fatalf("list:\n%s", r.stdout)
	}

	if r := invoke(t, []string{"user", "list", "--config", cfg, "--username", "budi"}); r.err != nil ||
		strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, "budi") {
		t.Fatalf("list one user:\n%s", r.stdout)
	}
	if r := invoke(t, []string{"user", "disable", "--config", cfg, "--username", "siti"}); r.err != nil || !strings.Contains(r.stdout, "disabled user siti") {
		t.Fatalf("disable: %+v", r)
	}
	if r := invoke(t, []string{"user", "disable", "--config", cfg, "--username", "nobody"}); r.err == nil || !strings.Contains(r.err.Error(), `no user named "nobody"`) {
		t.Fatalf("disable unknown: %+v", r)
	}

	r = invoke(t, []string{"user", "reset-password", "--config", cfg, "--username", "siti"})
	if r.err != nil || !strings.HasPrefix(r.stdout, "https://inbox.example.go.id/set-password?code=") {
		t.Fatalf("reset-password: %+v", r)
	}
	code := strings.TrimPrefix(strings.TrimSpace(r.stdout), "https://inbox.example.go.id/set-password?code=")

	st := openData(t, dataDir)
	defer st.Close()
	d, err := st.User("siti")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Disabled || d.PasswordSet || d.Role != "operator" || d.Unit != "dinas-pu" {
		t.Fatalf("siti after disable and reset: %+v", d.User)
	}
	for _, a := range d.Audit {
		if a.Actor != cliActor {
			t.Errorf("audit actor %q, want %q", a.Actor, cliActor)
		}
	}
	// The printed code is the one stored (by its hash), valid for 24 h.
	u2, err := st.PasswordCodeUser(password.HashCode(code), time.Now())
	if err != nil || u2.Username != "siti" {
		t.Fatalf("code of the printed link: %+v %v", u2, err)
	}
	if _, err := st.PasswordCodeUser(password.HashCode(code), time.Now().Add(password.CodeTTL+time.Minute)); err == nil {
		t.Fatal("the code works after 24 h")
	}
}

// Without public_url the link is the path and code alone.
func TestUserCreateLinkWithoutPublicURL(t *testing.T) {
	cfg, _ := writeConfig(t, "")
	r := invoke(t, []string{"user", "create", "--config", cfg, "--username", "ani", "--role", "admin"})
	if r.err != nil || !strings.HasPrefix(r.stdout, "/set-password?code=") || !strings.Contains(r.stderr, "public_url is not set") {
		t.Fatalf("%+v", r)
	}
}
