package main

// TestREADMECommands runs the README's examples as printed, so the README
// cannot drift from the daemon again (it once sent every write without a
// Content-Type and got 415s).
//
// What it runs, in README order:
//  1. every command of a sh/bash code block that talks to $INBOXD (and the
//     variable assignments around them), through
//     sh and the real curl, against a demo daemon on a loopback port; a curl
//     that gets a non-2xx answer fails the test, unless the command's own
//     trailing comment names the status it answers (e.g. "# 204", or
//     "# ... a sent reply answers 409"): then the answer must be one of those.
//  2. then, with the demo stopped, every `inboxd ...` (or `go run
//     ./cmd/inboxd ...`) command, in-process, against a config pointing at
//     the demo's data folder and at platform fakes; it must succeed.
//
// Placeholders are filled in as a reader would: INBOXD= is the demo's
// address, TOKEN=... the demo's operator token (the admin token when the
// line's comment says "admin"), .../items/01XX... an item still new,
// .../replies/01XX... the newest reply once it left the outbox,
// <next_cursor> the previous answer's next_cursor, FILE and config.yaml the
// test's config. Any other placeholder fails the test naming its README line:
// teach readmePlaceholders below, or write the example literally.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim"
)

// readmeCommand is one command of a README code block, continuation lines
// joined.
type readmeCommand struct {
	line    int    // README line it starts on
	text    string // the command without its trailing comment
	comment string // its trailing comment, without the '#'
}

func (c readmeCommand) String() string { return fmt.Sprintf("README.md:%d: %s", c.line, c.text) }

// readmeCommands extracts the commands of the README's shell code blocks.
func readmeCommands(readme string) ([]readmeCommand, error) {
	var out []readmeCommand
	var inBlock, shell bool
	var cur *readmeCommand
	sc := bufio.NewScanner(strings.NewReader(readme))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		trimmed := strings.TrimSpace(raw)
		if strings.HasPrefix(trimmed, "```") {
			if inBlock && cur != nil {
				return nil, fmt.Errorf("README.md:%d: a code block ends inside a continued command", cur.line)
			}
			lang := strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))
			inBlock = !inBlock
			shell = inBlock && (lang == "sh" || lang == "bash" || lang == "shell")
			continue
		}
		if !inBlock || !shell {
			continue
		}
		if cur == nil && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue // output shown as a comment, or a blank line
		}
		code, comment := splitComment(trimmed)
		cont := strings.HasSuffix(code, `\`)
		code = strings.TrimSpace(strings.TrimSuffix(code, `\`))
		if cur == nil {
			cur = &readmeCommand{line: n}
		}
		cur.text = strings.TrimSpace(cur.text + " " + code)
		cur.comment = strings.TrimSpace(cur.comment + " " + comment)
		if !cont {
			out = append(out, *cur)
			cur = nil
		}
	}
	return out, sc.Err()
}

// splitComment splits a shell line at its first '#' that starts a word
// outside quotes.
func splitComment(line string) (code, comment string) {
	var quote rune
	prev := ' '
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (prev == ' ' || prev == '\t'):
			return strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:])
		}
		prev = r
	}
	return strings.TrimSpace(line), ""
}

var (
	statusWord     = regexp.MustCompile(`\b[1-5][0-9][0-9]\b`)
	itemIDHolder   = regexp.MustCompile(`/items/01[0-9A-Z]{0,24}\.\.\.`)
	replyIDHolder  = regexp.MustCompile(`/replies/01[0-9A-Z]{0,24}\.\.\.`)
	assignHolder   = regexp.MustCompile(`\b([A-Z_][A-Z0-9_]*)=(\S*\.\.\.\S*)`)
	inboxdAssign   = regexp.MustCompile(`\bINBOXD=\S+`)
	angleHolder    = regexp.MustCompile(`<([a-z_]+)>`)
	leftoverHolder = regexp.MustCompile(`\.\.\.|<[a-zA-Z_ ]+>`)
	httpStatusLine = regexp.MustCompile(`(?m)^HTTP/[0-9.]+ ([0-9]{3})`)
	// shellAssignment is a line that only sets variables (export TOKEN=...).
	shellAssignment = regexp.MustCompile(`^(export )?[A-Z_][A-Z0-9_]*=\S*( [A-Z_][A-Z0-9_]*=\S*)*$`)
)

// expectedStatuses is what a command's comment says it answers: the status
// codes it names, or nil for "any 2xx".
func expectedStatuses(comment string) []int {
	var codes []int
	for _, w := range statusWord.FindAllString(comment, -1) {
		n, _ := strconv.Atoi(w)
		codes = append(codes, n)
	}
	return codes
}

func statusOK(got int, want []int) bool {
	if len(want) == 0 {
		return got >= 200 && got < 300
	}
	for _, w := range want {
		if got == w {
			return true
		}
	}
	return false
}

// readmeRun holds what the placeholders are filled from.
type readmeRun struct {
	t                   *testing.T
	d                   *daemon // the demo, with its admin token
	operator, admin     string
	itemID              string
	lastOutput          string
	dir, stateFile, hdr string
	countFile           string
}

func TestREADMECommands(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := readmeCommands(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	var api, cli []readmeCommand
	for _, c := range cmds {
		switch {
		case strings.Contains(c.text, "$INBOXD") || shellAssignment.MatchString(c.text):
			api = append(api, c)
		case isCLI(c.text):
			cli = append(cli, c)
		}
	}
	if len(api) < 10 || len(cli) < 5 {
		t.Fatalf("found %d API and %d CLI commands in README.md; the extractor lost them", len(api), len(cli))
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is needed to run the README's examples (.ci/run installs it)")
		}
		t.Skip("README commands test: curl is not installed")
	}

	dataDir := t.TempDir()
	r := startREADMEDemo(t, dataDir)
	r.setUpShell(curl)
	for _, c := range api {
		r.runAPI(c)
	}
	r.d.stop()

	fakes, err := sim.StartFakes(false)
	if err != nil {
		t.Fatal(err)
	}
	defer fakes.Close()
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, cfgPath, fmt.Sprintf("data_dir: %q\n", dataDir)+fakes.AccountsYAML("@every 1h", 0))
	backups := t.TempDir()
	for _, c := range cli {
		args, err := cliArgs(c.text)
		if err != nil {
			t.Errorf("%v\n  %v", c, err)
			continue
		}
		for i, a := range args {
			switch {
			case a == "FILE" || a == "config.yaml":
				args[i] = cfgPath
			case strings.HasPrefix(a, "/backups/"):
				args[i] = filepath.Join(backups, strings.TrimPrefix(a, "/backups/"))
			case leftoverHolder.MatchString(a):
				t.Fatalf("%v\n  placeholder %q: readme_test.go does not know how to fill it", c, a)
			}
		}
		res := invoke(t, args)
		if res.err != nil {
			t.Errorf("%v\n  failed: %v\n  stdout: %s\n  stderr: %s", c, res.err, res.stdout, tail(res.stderr, 2000))
		}
	}
}

// isCLI reports whether a README command runs an inboxd command the test
// can run in-process: not demo or serve, which run until stopped (the demo
// is what the test runs), and nothing a shell is needed for.
func isCLI(cmd string) bool {
	rest, ok := cliRest(cmd)
	if !ok || strings.ContainsAny(rest, "|$;&<>`") {
		return false
	}
	first, _, _ := strings.Cut(rest, " ")
	return first != "" && first != "demo" && first != "serve"
}

func cliRest(cmd string) (string, bool) {
	if rest, ok := strings.CutPrefix(cmd, "inboxd "); ok {
		return rest, true
	}
	return strings.CutPrefix(cmd, "go run ./cmd/inboxd ")
}

// cliArgs splits an inboxd command line as sh would (quotes, no
// expansion). Usage notation ([--unit UNIT]) is refused: a reader pastes
// the line, and the shell passes the brackets on.
func cliArgs(cmd string) ([]string, error) {
	rest, _ := cliRest(cmd)
	var args []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range rest {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unbalanced %c quote", quote)
	}
	if inWord {
		args = append(args, cur.String())
	}
	for _, a := range args {
		if strings.HasPrefix(a, "[") || strings.HasSuffix(a, "]") {
			return nil, fmt.Errorf("%q is usage notation, not something a reader can paste: write the example as it is typed, and name optional flags in its comment", a)
		}
	}
	return args, nil
}

func startREADMEDemo(t *testing.T, dataDir string) *readmeRun {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout syncBuffer
	d := &daemon{t: t, cancel: cancel, done: make(chan error, 1), stderr: &syncBuffer{},
		client: &http.Client{Timeout: 10 * time.Second}}
	ready := make(chan string, 1)
	go func() {
		// --burst 30: the README pages through 20 new items.
		d.done <- runEnv(ctx, []string{"demo", "--listen", "127.0.0.1:0", "--data", dataDir,
			"--schedule", "@every 1s", "--burst", "30", "--seed", "1"}, env{
			stdout: &stdout, stderr: d.stderr, getenv: envOf(),
			ready: func(addr string) { ready <- addr },
		})
	}()
	t.Cleanup(func() {
		if d.cancel != nil {
			d.stop()
		}
		if t.Failed() {
			t.Logf("demo output:\n%s\ndemo log (tail):\n%s", stdout.String(), tail(d.stderr.String(), 20000))
		}
	})
	select {
	case addr := <-ready:
		d.base = "http://" + addr
	case err := <-d.done:
		d.cancel = nil
		t.Fatalf("demo ended before it was ready: %v\n%s", err, d.stderr.String())
	case <-time.After(waitDeadline):
		t.Fatalf("demo not ready\n%s", d.stderr.String())
	}
	r := &readmeRun{t: t, d: d}
	for _, line := range strings.Split(stdout.String(), "\n") {
		code, comment := splitComment(strings.TrimSpace(line))
		if v, ok := strings.CutPrefix(code, "export TOKEN="); ok {
			r.operator = v
		}
		if v, ok := strings.CutPrefix(code, "export ADMIN_TOKEN="); ok && strings.Contains(comment, "admin") {
			r.admin = v
		}
	}
	if r.operator == "" || r.admin == "" {
		t.Fatalf("the demo did not print an operator token and a labelled admin token:\n%s", stdout.String())
	}
	d.token = r.admin
	return r
}

// setUpShell writes the curl wrapper that records each answer's headers,
// and the state file that carries variables from one command to the next.
func (r *readmeRun) setUpShell(curl string) {
	r.dir = r.t.TempDir()
	bin := filepath.Join(r.dir, "bin")
	if err := os.Mkdir(bin, 0o700); err != nil {
		r.t.Fatal(err)
	}
	r.hdr = filepath.Join(r.dir, "headers")
	r.countFile = filepath.Join(r.dir, "count")
	writeFile(r.t, r.countFile, "0\n")
	wrapper := fmt.Sprintf(`#!/bin/sh
n=$(( $(cat %[1]q) + 1 ))
echo "$n" > %[1]q
exec %[2]q -D %[3]q"$n" -m "${README_CURL_MAX_TIME:-20}" "$@"
`, r.countFile, curl, r.hdr+".")
	if err := os.WriteFile(filepath.Join(bin, "curl"), []byte(wrapper), 0o700); err != nil {
		r.t.Fatal(err)
	}
	r.stateFile = filepath.Join(r.dir, "state")
	writeFile(r.t, r.stateFile, fmt.Sprintf("export PATH=%q\nexport INBOXD=%q\n", bin+":"+os.Getenv("PATH"), r.d.base))
}

// runAPI runs one $INBOXD command through sh and checks every answer curl
// got.
func (r *readmeRun) runAPI(c readmeCommand) {
	t := r.t
	cmd := r.fill(c)
	before := r.count()
	script := fmt.Sprintf("set -a\n. %q\n%s\n__rc=$?\nexport -p > %q\nexit $__rc\n", r.stateFile, cmd, r.stateFile)
	sh := exec.Command("sh", "-c", script)
	sh.Dir = r.dir // an example's -o FILE lands in the test's folder, not the package's
	maxTime := "20"
	streaming := strings.Contains(c.text, " -sN ") || strings.Contains(c.text, " -N ")
	if streaming {
		maxTime = "2" // an event stream never ends by itself
	}
	sh.Env = append(os.Environ(), "README_CURL_MAX_TIME="+maxTime)
	out, err := sh.Output()
	r.lastOutput = string(out)
	if err != nil {
		var ee *exec.ExitError
		const curlTimedOut = 28
		if !(streaming && errors.As(err, &ee) && ee.ExitCode() == curlTimedOut) {
			t.Fatalf("%v\n  ran: %s\n  failed: %v\n  stdout: %s", c, cmd, err, tail(string(out), 2000))
		}
	}
	after := r.count()
	if after == before && !shellAssignment.MatchString(c.text) {
		t.Fatalf("%v\n  made no request (ran: %s)", c, cmd)
	}
	want := expectedStatuses(c.comment)
	for i := before + 1; i <= after; i++ {
		h, err := os.ReadFile(fmt.Sprintf("%s.%d", r.hdr, i))
		if err != nil {
			t.Fatalf("%v\n  no answer recorded: %v", c, err)
		}
		m := httpStatusLine.FindAllStringSubmatch(string(h), -1)
		if len(m) == 0 {
			t.Fatalf("%v\n  no HTTP status in the answer:\n%s", c, h)
		}
		got, _ := strconv.Atoi(m[len(m)-1][1])
		if !statusOK(got, want) {
			wantText := "a 2xx"
			if len(want) > 0 {
				wantText = fmt.Sprint(want, " (named in its comment)")
			}
			t.Errorf("%v\n  answered %d, the README shows %s\n  ran: %s\n  body: %s", c, got, wantText, cmd, tail(string(out), 2000))
		}
	}
}

func (r *readmeRun) count() int {
	b, err := os.ReadFile(r.countFile)
	if err != nil {
		r.t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

// fill replaces a command's placeholders with this run's values.
func (r *readmeRun) fill(c readmeCommand) string {
	t := r.t
	cmd := inboxdAssign.ReplaceAllString(c.text, "INBOXD="+r.d.base)
	cmd = assignHolder.ReplaceAllStringFunc(cmd, func(m string) string {
		name := m[:strings.Index(m, "=")]
		switch {
		case name == "ADMIN_TOKEN" || (name == "TOKEN" && strings.Contains(c.comment, "admin")):
			return name + "=" + r.admin
		case name == "TOKEN":
			return name + "=" + r.operator
		}
		t.Fatalf("%v\n  placeholder value of %s: readme_test.go does not know how to fill it", c, name)
		return m
	})
	cmd = itemIDHolder.ReplaceAllStringFunc(cmd, func(string) string { return "/items/" + r.newItem(c) })
	cmd = replyIDHolder.ReplaceAllStringFunc(cmd, func(string) string { return "/replies/" + r.newestReply(c) })
	cmd = angleHolder.ReplaceAllStringFunc(cmd, func(m string) string {
		field := m[1 : len(m)-1]
		var prev map[string]any
		if err := json.Unmarshal([]byte(r.lastOutput), &prev); err != nil || prev[field] == nil || prev[field] == "" {
			t.Fatalf("%v\n  placeholder %s: the previous command's answer has no %q\n  (answer: %s)", c, m, field, tail(r.lastOutput, 500))
		}
		return fmt.Sprint(prev[field])
	})
	if h := leftoverHolder.FindString(cmd); h != "" {
		t.Fatalf("%v\n  placeholder %q: readme_test.go does not know how to fill it", c, h)
	}
	return cmd
}

// newItem is the item the README's "01JD..." examples work on: one still
// new when they start, the same one for all of them.
func (r *readmeRun) newItem(c readmeCommand) string {
	if r.itemID == "" {
		items := r.d.items("status=new&limit=1")
		if len(items) == 0 {
			r.t.Fatalf("%v\n  no new item in the demo to fill 01XX... with", c)
		}
		r.itemID = items[0].ID
	}
	return r.itemID
}

// newestReply is the reply queued last, once the outbox is done with it
// (the README shows it sent).
func (r *readmeRun) newestReply(c readmeCommand) string {
	var newest inbox.Reply
	waitFor(r.t, "the newest reply to leave the outbox", func() bool {
		var page struct{ Replies []inbox.Reply }
		r.d.getJSON("/api/v1/replies?limit=200", &page)
		if len(page.Replies) == 0 {
			return false
		}
		sort.Slice(page.Replies, func(i, j int) bool { return page.Replies[i].ID > page.Replies[j].ID })
		newest = page.Replies[0]
		return newest.State != inbox.ReplyQueued && newest.State != inbox.ReplySending
	})
	if newest.ID == "" {
		r.t.Fatalf("%v\n  no reply to fill 01XX... with", c)
	}
	return newest.ID
}

func TestREADMECommandExtraction(t *testing.T) {
	readme := "text\n```sh\n# output\ncurl -s -X POST $INBOXD/a \\\n  -H \"X: y\" -d '{\"t\":\"a # b\"}'   # 204\n\n" +
		"inboxd token list --config FILE      # never the secret\n```\n```yaml\nkey: $INBOXD\n```\n"
	cmds, err := readmeCommands(readme)
	if err != nil {
		t.Fatal(err)
	}
	want := []readmeCommand{
		{line: 4, text: `curl -s -X POST $INBOXD/a -H "X: y" -d '{"t":"a # b"}'`, comment: "204"},
		{line: 7, text: "inboxd token list --config FILE", comment: "never the secret"},
	}
	if fmt.Sprint(cmds) != fmt.Sprint(want) || cmds[0].comment != "204" {
		t.Fatalf("got %q\nwant %q", cmds, want)
	}
	if got := expectedStatuses("cancel queued (204); a sent reply answers 409"); fmt.Sprint(got) != "[204 409]" {
		t.Errorf("expectedStatuses = %v", got)
	}
	if statusOK(415, nil) || !statusOK(201, nil) || statusOK(200, []int{204}) {
		t.Error("statusOK")
	}
	if args, err := cliArgs(`inboxd user create --name "Siti Rahma" --x='a b'`); err != nil || fmt.Sprintf("%q", args) != `["user" "create" "--name" "Siti Rahma" "--x=a b"]` {
		t.Errorf("cliArgs = %q, %v", args, err)
	}
	if _, err := cliArgs("inboxd token create --name siti [--unit dishub]"); err == nil {
		t.Error("cliArgs took usage notation")
	}
	if isCLI("inboxd demo") || isCLI("go run ./cmd/inboxd serve --config x") || !isCLI("go run ./cmd/inboxd config check --config config.yaml") {
		t.Error("isCLI")
	}
}
