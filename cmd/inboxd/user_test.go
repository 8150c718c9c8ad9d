package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
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

// The whole path through the daemon: a user created with the CLI while it
// is stopped signs in over HTTP with a cookie jar, is who GET session says,
// is refused a cross-site POST that a bearer token may send, and signs out.
func TestUserSignsInToTheDaemon(t *testing.T) {
	cfg, _ := writeConfig(t, "")
	pw := "kopi tubruk pagi hari"
	if r := invokeStdin(t, pw+"\n", "user", "create", "--config", cfg, "--username", "siti", "--role", "operator",
		"--display-name", "Siti Rahma", "--password-stdin"); r.err != nil {
		t.Fatal(r.err)
	}
	tok := invoke(t, []string{"token", "create", "--config", cfg, "--name", "script", "--role", "operator"})
	if tok.err != nil {
		t.Fatal(tok.err)
	}
	d := startDaemon(t, cfg)
	d.token = strings.TrimSpace(tok.stdout)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	send := func(method, path, body string, hdr ...string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, d.base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := send("POST", "/api/v1/session", `{"username":"siti","password":"wrong password here"}`); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp := send("POST", "/api/v1/session", `{"username":"siti","password":"`+pw+`"}`)
	if resp.StatusCode != http.StatusNoContent || len(resp.Cookies()) != 1 || !resp.Cookies()[0].HttpOnly {
		t.Fatalf("sign in: %d %v", resp.StatusCode, resp.Cookies())
	}
	req, _ := http.NewRequest("GET", d.base+"/api/v1/session", nil)
	gr, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(gr.Body)
	gr.Body.Close()
	if gr.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != `{"username":"siti","display_name":"Siti Rahma","role":"operator","unit":""}` {
		t.Fatalf("GET session: %d %s", gr.StatusCode, body)
	}
	crossSite := []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}
	if resp := send("POST", "/api/v1/accounts/nope/poll", "", crossSite...); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST with the cookie: %d", resp.StatusCode)
	}
	if code, _ := d.do("POST", "/api/v1/accounts/nope/poll", nil, crossSite...); code != http.StatusNotFound {
		t.Fatalf("the same POST with a bearer token: %d, want 404 (no such account)", code)
	}
	if resp := send("DELETE", "/api/v1/session", ""); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	if resp := send("GET", "/api/v1/items", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after sign out: %d", resp.StatusCode)
	}
	d.stop()
	if strings.Contains(d.stderr.String(), pw) {
		t.Fatal("the password reached the daemon's log")
	}
}

// With a units: registry, --unit must name a configured unit.
func TestUserCreateUnitMustBeConfigured(t *testing.T) {
	cfg, _ := writeConfig(t, "units:\n  - {code: dpupr, name: Dinas PUPR}\n")
	r := invoke(t, []string{"user", "create", "--config", cfg, "--username", "ani", "--role", "viewer", "--unit", "dinas-pu"})
	if r.err == nil || !strings.Contains(r.stderr, `--unit "dinas-pu" is not a configured unit (units: dpupr)`) {
		t.Fatalf("unknown unit: %+v", r)
	}
	if r := invoke(t, []string{"user", "create", "--config", cfg, "--username", "ani", "--role", "viewer", "--unit", "dpupr"}); r.err != nil {
		t.Fatalf("configured unit: %+v", r)
	}
}
