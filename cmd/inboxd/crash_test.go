package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim"
	"github.com/inboxd/inboxd/pkg/sim/graphapi"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
)

// Environment of the crash test: the child marker, and knobs for longer runs.
const (
	crashChildEnv  = "INBOXD_CRASH_CHILD_CONFIG" // set: this process is the daemon to kill
	crashRoundsEnv = "INBOXD_DAEMON_CRASH_ROUNDS"
	crashSeedEnv   = "INBOXD_DAEMON_CRASH_SEED"
	crashReadyMark = "INBOXD_CRASH_CHILD_READY "
)

// TestDaemonCrashChild is the daemon process of TestDaemonCrash: the test
// binary re-executed with crashChildEnv set. It serves until it is killed.
func TestDaemonCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("the daemon process of TestDaemonCrash; runs only when that test starts it")
	}
	err := runEnv(context.Background(), []string{"serve", "--config", path}, env{
		stdout: os.Stdout, stderr: os.Stderr, getenv: os.LookupEnv,
		ready: func(addr string) { fmt.Fprintf(os.Stdout, "\n%s%s\n", crashReadyMark, addr) },
	})
	t.Fatalf("serve returned without being killed: %v", err)
}

// crashChild is one run of the daemon process.
type crashChild struct {
	cmd    *exec.Cmd
	base   string
	waited chan struct{} // closed when the process has exited and is reaped
}

func startCrashChild(t *testing.T, cfgPath string, log *os.File) *crashChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDaemonCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+cfgPath, tAdminTokenEnv+"="+tAdminToken)
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &crashChild{cmd: cmd, waited: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), crashReadyMark); ok {
				ready <- addr
				break
			}
		}
		_, _ = io.Copy(io.Discard, out) // never let the child block on its stdout
		_ = cmd.Wait()
		close(c.waited)
	}()
	select {
	case addr := <-ready:
		c.base = "http://" + addr
	case <-c.waited:
		t.Fatalf("daemon process exited before it was ready (log: %s)", log.Name())
	case <-time.After(waitDeadline):
		c.kill(t)
		t.Fatalf("daemon process not ready within %s (log: %s)", waitDeadline, log.Name())
	}
	return c
}

// kill SIGKILLs the process and waits until it is reaped.
func (c *crashChild) kill(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Kill() // SIGKILL: no deferred function, no clean close
	select {
	case <-c.waited:
	case <-time.After(waitDeadline):
		t.Fatal("killed daemon process not reaped")
	}
}

// TestDaemonCrash SIGKILLs the daemon at random moments while replies are
// being queued and delivered (some sends made ambiguous by the fakes: the
// post applied, then a hold or a 500), restarts it each time, and checks
// that every reply ends sent exactly once on the platform, or unknown for
// an operator, never posted twice and never lost. The fakes live in this
// process, so their record of posts survives every kill.
func TestDaemonCrash(t *testing.T) {
	rounds := 40
	if v := os.Getenv(crashRoundsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", crashRoundsEnv, v)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(crashSeedEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", crashSeedEnv, v, err)
		}
		seed = n
	}
	t.Logf("%d rounds, seed %d (replay with %s=%d)", rounds, seed, crashSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))

	// Long runs poll and post more than X's 15-minute windows allow.
	f := newFakesNoLimits(t)
	// Held responses are let go at the end, so the fakes close promptly.
	var releases []chan struct{}
	t.Cleanup(func() {
		for _, ch := range releases {
			close(ch)
		}
	})
	cfgPath := f.writeDaemonConfig(t, tPageToken, "@every 1h")
	logFile, err := os.Create(filepath.Join(filepath.Dir(cfgPath), "daemon.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	t.Cleanup(func() {
		// The killed processes never reach the race detector's or the
		// test's own exit report: read their log for what they would say.
		b, _ := os.ReadFile(logFile.Name())
		for _, bad := range []string{"WARNING: DATA RACE", "panic:", "level=ERROR"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("the daemon processes logged %q", bad)
			}
		}
		if t.Failed() {
			t.Logf("daemon log (tail):\n%s", tail(string(b), 30000))
		}
	})

	// Citizens write first; the daemon queues it all before the rounds.
	gen := sim.NewGenerator(seed)
	emitShapes(t, f.world, gen, 8*rounds/4+8, sim.FacebookMessage, sim.FacebookTagged, sim.TwitterMention, sim.TwitterDirectMsg)
	emitShapes(t, f.world, gen, 4, sim.FacebookComment)

	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	child := startCrashChild(t, cfgPath, logFile)
	d := &daemon{t: t, base: child.base, token: tAdminToken, client: client, stderr: &syncBuffer{}}
	d.pollSucceeded(fbAccount)
	d.pollSucceeded(xAccount)
	items := d.items("")
	checkExactlyOnce(t, f.world, items)

	// Replies go to items of distinct threads: a reply left unknown holds
	// back later replies of its thread, by design.
	rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	usedThread := map[string]bool{}
	var replies []*queuedReply
	nextItem := func() (inbox.Item, bool) {
		for len(items) > 0 {
			it := items[0]
			items = items[1:]
			key := string(it.Channel) + "/" + it.ThreadID
			if it.ThreadID == "" || !usedThread[key] {
				usedThread[key] = true
				return it, true
			}
		}
		return inbox.Item{}, false
	}
	confirm := func() {
		t.Helper()
		for _, r := range replies {
			if r.id == "" {
				if err := postReply(client, d.base, r); err != nil {
					t.Fatalf("queue reply again after the restart: %v", err)
				}
			}
		}
	}

	kills := map[string]int{}
	for round := range rounds {
		if round > 0 {
			child = startCrashChild(t, cfgPath, logFile)
			d.base = child.base
		}
		confirm()
		// Citizens keep writing; the kill may also land in a poll (a walk
		// resumed across kills while a thread moves: see
		// TestFacebookWalkKeepsThreadsThatMove).
		emitEach(t, f.world, gen, 1)

		// Ambiguous sends: the platform applies the post, then holds the
		// answer (the kill then lands mid-request) or answers 500.
		switch rng.IntN(4) {
		case 0:
			rel := make(chan struct{})
			releases = append(releases, rel)
			ep := graphapi.EndpointPostComment
			if rng.IntN(2) == 0 {
				ep = graphapi.EndpointSend
			}
			f.graph.Fail(ep, graphapi.Fault{Kind: graphapi.FaultSlow, Release: rel})
		case 1:
			ep := xapi.CreateTweet
			if rng.IntN(2) == 0 {
				ep = xapi.SendDM
			}
			f.x.Inject(ep, xapi.Fault{Kind: xapi.FaultServerError, AfterEffect: true})
		}

		// The kill: after a random short delay (which may fall while the
		// replies are still being queued), or once a random number of this
		// round's replies have reached the platforms.
		k := 1 + rng.IntN(4)
		var killOnce sync.Once
		killNow := func() { killOnce.Do(func() { _ = child.cmd.Process.Kill() }) }
		var timer *time.Timer
		afterPosts := -1
		if rng.IntN(2) == 0 {
			delay := time.Duration(rng.IntN(40_000)) * time.Microsecond
			timer = time.AfterFunc(delay, killNow)
			kills["after a random delay"]++
		} else {
			afterPosts = platformPosts(f) + 1 + rng.IntN(k)
			kills["after a random number of posts"]++
		}
		for range k {
			it, ok := nextItem()
			if !ok {
				break
			}
			r := &queuedReply{item: it, key: fmt.Sprintf("crash-%d", len(replies))}
			r.text = fmt.Sprintf("[balasan %d] Terima kasih, laporan Anda sudah kami teruskan ke dinas terkait.", len(replies))
			replies = append(replies, r)
			if err := postReply(client, d.base, r); err != nil {
				if timer == nil {
					t.Fatalf("queue reply: %v", err)
				}
				break // killed during the request: confirmed after the restart
			}
		}
		for _, acc := range []string{fbAccount, xAccount} {
			pollQuietly(client, d.base, acc)
		}
		if afterPosts >= 0 {
			// Posts of earlier rounds' unknown replies may not come: give
			// up waiting after a while and kill anyway.
			deadline := time.Now().Add(time.Second)
			tick := time.NewTicker(time.Millisecond)
			for platformPosts(f) < afterPosts && time.Now().Before(deadline) {
				<-tick.C
			}
			tick.Stop()
			killNow()
		}
		<-child.waited
		if timer != nil {
			timer.Stop()
			killNow()
		}
	}
	t.Logf("kills: %v; %d replies queued", kills, len(replies))

	// The last run: no new faults, and no kill until the outbox is quiet.
	f.graph.ClearFaults()
	// An X fault not met yet may still fire: its post applies and is verified.
	child = startCrashChild(t, cfgPath, logFile)
	defer child.kill(t)
	d.base = child.base
	confirm()

	// Every message citizens wrote during the kills arrives, once.
	want := 0
	for _, shape := range fbXShapes {
		want += len(f.world.IDs(shape))
	}
	// Polls until every message is there or the deadline; the check
	// below then names any message lost or duplicated.
	deadline := time.Now().Add(waitDeadline)
	pace := time.NewTicker(50 * time.Millisecond)
	for len(d.items("")) < want && time.Now().Before(deadline) {
		for _, acc := range []string{fbAccount, xAccount} {
			pollQuietly(client, d.base, acc)
		}
		<-pace.C
	}
	pace.Stop()
	checkExactlyOnce(t, f.world, d.items(""))

	threadOf := map[string]string{}
	texts := map[string]string{}
	for _, r := range replies {
		threadOf[r.id] = string(r.item.Channel) + "/" + r.item.ThreadID
		texts[r.id] = r.text
	}
	// Quiet: nothing sending, and a queued reply only behind an unknown
	// one of its thread.
	var states map[string]inbox.Reply
	waitFor(t, "the outbox to settle", func() bool {
		states = map[string]inbox.Reply{}
		unknownThread := map[string]bool{}
		for _, r := range d.replies("") {
			states[r.ID] = r
			if r.State == inbox.ReplyUnknown {
				unknownThread[threadOf[r.ID]] = true
			}
		}
		for _, r := range states {
			switch r.State {
			case inbox.ReplySending:
				return false
			case inbox.ReplyQueued:
				if !unknownThread[threadOf[r.ID]] {
					return false
				}
			}
		}
		return true
	})
	if len(states) != len(replies) {
		t.Errorf("%d replies in the store, %d queued through the API", len(states), len(replies))
	}
	count := map[inbox.ReplyState]int{}
	for _, r := range replies {
		st, ok := states[r.id]
		if !ok {
			t.Errorf("reply %q lost", r.text)
			continue
		}
		count[st.State]++
		n := onPlatform(f, r.text)
		switch st.State {
		case inbox.ReplySent:
			if n != 1 {
				t.Errorf("sent reply %q is on the platform %d times", r.text, n)
			}
		case inbox.ReplyUnknown:
			if n > 1 {
				t.Errorf("unknown reply %q is on the platform %d times", r.text, n)
			}
		case inbox.ReplyQueued:
			if n != 0 {
				t.Errorf("queued reply %q is on the platform %d times", r.text, n)
			}
		default:
			t.Errorf("reply %q ended %s (%s)", r.text, st.State, st.LastError)
		}
	}
	if unknown := d.replies(inbox.ReplyUnknown); len(unknown) != count[inbox.ReplyUnknown] {
		t.Errorf("GET /api/v1/replies?state=unknown lists %d, want %d", len(unknown), count[inbox.ReplyUnknown])
	}
	// How the replies got there (a reply keeps its last error after it is sent).
	how := map[string]int{}
	for _, r := range states {
		how[strings.SplitN(r.LastError, ";", 2)[0]]++
	}
	t.Logf("after the kills: %v; last errors: %v", count, how)

	// The operator resolves the unknown ones by looking at the platform:
	// not there → retry, there → drop. Then everything is sent exactly once.
	dropped := map[string]bool{}
	for _, r := range replies {
		if states[r.id].State != inbox.ReplyUnknown {
			continue
		}
		if onPlatform(f, r.text) == 0 {
			if code, body := d.do("POST", "/api/v1/replies/"+r.id+"/retry", nil); code != http.StatusOK {
				t.Fatalf("retry %s = %d %s", r.id, code, body)
			}
		} else {
			dropped[r.id] = true
			if code, body := d.do("DELETE", "/api/v1/replies/"+r.id, nil); code != http.StatusOK {
				t.Fatalf("drop %s = %d %s", r.id, code, body)
			}
		}
	}
	for _, r := range replies {
		if !dropped[r.id] {
			waitFor(t, "reply "+r.text+" sent", func() bool { return d.reply(r.id).State == inbox.ReplySent })
		}
		if n := onPlatform(f, r.text); n != 1 {
			t.Errorf("reply %q is on the platform %d times, want once", r.text, n)
		}
	}
	if n := platformPosts(f); n != len(replies) {
		t.Errorf("the platforms hold %d posts by the accounts, %d replies were queued", n, len(replies))
	}
	if len(dropped) > 0 {
		t.Logf("%d unknown replies were on the platform but not verified (dropped by the operator)", len(dropped))
	}
	checkExactlyOnce(t, f.world, d.items(""))
}
