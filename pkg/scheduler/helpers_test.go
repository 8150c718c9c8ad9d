package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/robfig/cron/v3"
	"go.uber.org/goleak"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/connectors/registry"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var _ Store = (*store.Store)(nil)

// clock is the injected fake clock.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	real bool // follow the wall clock (for the few tests of real timers)
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real {
		return time.Now()
	}
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// pollStep is one scripted answer of Poll.
type pollStep struct {
	page  connectors.Page
	err   error
	panic any
	block chan struct{} // when set, Poll waits for it to close (or ctx)
}

// sendStep is one scripted answer of Send. reached says the platform got
// the post even though an error came back (the ambiguous case).
type sendStep struct {
	err     error
	reached bool
	panic   any
	block   chan struct{} // when set, Send announces itself on started and waits for it to close
	// untilCancelled: Send announces itself on started and waits for its
	// context to end, then fails as a cancelled request that was written.
	untilCancelled bool
}

// fakeConn is a scripted connector: Poll answers pollSteps in order (then
// empty pages), Send answers sendSteps in order (then success), and the
// "platform" remembers which replies it really posted.
type fakeConn struct {
	name string

	mu       sync.Mutex
	polls    []pollStep
	cursors  [][]byte // cursor of every Poll call
	sends    []sendStep
	attempts []string          // reply id of every Send call, in order
	posted   map[string]string // reply id → platform id, for what really landed
	postings map[string]int    // reply id → times it landed
	usage    connectors.Usage
	sent     chan string // when set, receives each reply id that landed
	started  chan string // receives the reply id of a blocked Send
	seq      int
}

func newConn(name string) *fakeConn {
	return &fakeConn{name: name, posted: map[string]string{}, postings: map[string]int{}}
}

func (c *fakeConn) Name() string { return c.name }

func (c *fakeConn) Poll(ctx context.Context, cursor []byte) (connectors.Page, error) {
	c.mu.Lock()
	c.cursors = append(c.cursors, append([]byte(nil), cursor...))
	var step pollStep
	if len(c.polls) > 0 {
		step, c.polls = c.polls[0], c.polls[1:]
	} else {
		step.page.Cursor = cursor
	}
	c.mu.Unlock()
	if step.block != nil {
		select {
		case <-step.block:
		case <-ctx.Done():
			return connectors.Page{}, ctx.Err()
		}
	}
	if step.panic != nil {
		panic(step.panic)
	}
	return step.page, step.err
}

func (c *fakeConn) Send(ctx context.Context, out connectors.Outgoing) (string, error) {
	c.mu.Lock()
	c.attempts = append(c.attempts, out.Reply.ID)
	var step sendStep
	if len(c.sends) > 0 {
		step, c.sends = c.sends[0], c.sends[1:]
	} else {
		step.reached = true
	}
	var id string
	if step.reached {
		c.seq++
		id = fmt.Sprintf("%s-post-%d", c.name, c.seq)
		c.posted[out.Reply.ID] = id
		c.postings[out.Reply.ID]++
	}
	sent, started := c.sent, c.started
	c.mu.Unlock()
	if step.block != nil {
		started <- out.Reply.ID
		<-step.block
	}
	if step.untilCancelled {
		started <- out.Reply.ID
		<-ctx.Done()
		return "", &connectors.Error{Class: connectors.Transient, Op: "send", Message: "cancelled", MayHaveReached: true}
	}
	if step.reached && sent != nil {
		sent <- out.Reply.ID
	}
	if step.panic != nil {
		panic(step.panic)
	}
	if step.err != nil {
		return "", step.err
	}
	return id, nil
}

func (c *fakeConn) script(polls []pollStep, sends []sendStep) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.polls = append(c.polls, polls...)
	c.sends = append(c.sends, sends...)
}

func (c *fakeConn) pollCalls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cursors)
}

func (c *fakeConn) sendCalls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.attempts...)
}

func (c *fakeConn) landed(replyID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.postings[replyID]
}

// verifyConn adds the Verifier capability: it finds what really landed.
type verifyConn struct {
	*fakeConn
	verifies atomic.Int32
	since    []time.Time
	verifyFn func() error // optional error to return instead
}

func (v *verifyConn) Verify(ctx context.Context, out connectors.Outgoing, since time.Time) (string, bool, error) {
	v.verifies.Add(1)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.since = append(v.since, since)
	if v.verifyFn != nil {
		if err := v.verifyFn(); err != nil {
			return "", false, err
		}
	}
	id, ok := v.posted[out.Reply.ID]
	return id, ok, nil
}

// usageConn adds the UsageReporter capability.
type usageConn struct{ *fakeConn }

func (u usageConn) Usage() connectors.Usage {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.usage
}

// env is a scheduler over a real bbolt store in t.TempDir().
type env struct {
	t      testing.TB
	clock  *clock
	path   string
	st     *store.Store
	s      *Scheduler
	reg    *prometheus.Registry
	notify atomic.Pointer[func(store.Event)]
	tweak  func(*Options)
}

func newEnv(t testing.TB) *env { return newEnvWith(t, nil) }

// newEnvWith lets a test change the scheduler's options.
func newEnvWith(t testing.TB, tweak func(*Options)) *env {
	t.Helper()
	e := &env{t: t, clock: newClock(), path: filepath.Join(t.TempDir(), "inboxd.db"), tweak: tweak}
	e.open()
	t.Cleanup(e.close)
	return e
}

func (e *env) open() {
	e.t.Helper()
	st, err := store.Open(e.path, store.Options{Replies: registry.Replies(), Now: e.clock.Now, Logger: quietLogger(),
		Notify: func(ev store.Event) {
			if fn := e.notify.Load(); fn != nil {
				(*fn)(ev)
			}
		}})
	if err != nil {
		e.t.Fatalf("open store: %v", err)
	}
	e.st = st
	e.reg = prometheus.NewRegistry()
	opts := Options{Store: st, Logger: quietLogger(), Now: e.clock.Now, Registry: e.reg,
		Rand: rand.New(rand.NewPCG(1, 2))}
	if e.tweak != nil {
		e.tweak(&opts)
	}
	s, err := New(opts)
	if err != nil {
		e.t.Fatalf("New: %v", err)
	}
	e.s = s
	hook := s.HandleEvent
	e.notify.Store(&hook)
}

func (e *env) close() {
	if e.s != nil {
		if err := e.s.Stop(context.Background()); err != nil {
			e.t.Errorf("Stop: %v", err)
		}
		e.s = nil
	}
	if e.st != nil {
		if err := e.st.Close(); err != nil {
			e.t.Errorf("close store: %v", err)
		}
		e.st = nil
	}
}

// reopen simulates a restart: a new store handle and a new scheduler.
func (e *env) reopen(accounts ...Account) {
	e.t.Helper()
	e.close()
	e.open()
	e.set(accounts...)
}

func (e *env) set(accounts ...Account) {
	e.t.Helper()
	if err := e.s.SetAccounts(context.Background(), accounts); err != nil {
		e.t.Fatalf("SetAccounts: %v", err)
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func acct(c connectors.Connector) Account {
	return Account{Name: c.Name(), Platform: "facebook", Schedule: "@every 1m", Connector: c, Enabled: true}
}

var itemSeq atomic.Int64

// item makes a valid comment of an account; thread groups replies.
func (e *env) item(account, thread string) inbox.Item {
	n := itemSeq.Add(1)
	return inbox.Item{Channel: chFacebook, Account: account, Kind: inbox.KindComment,
		ExternalID: fmt.Sprintf("%s_c%d", thread, n), ThreadID: thread,
		Author: inbox.Author{ID: fmt.Sprintf("u%d", n), Name: "Warga"}, Text: "Jalan rusak di depan pasar",
		CreatedAt: e.clock.Now().Add(-time.Hour)}
}

// queue stores an item of the account and queues a reply to it.
func (e *env) queue(account, thread, text string) inbox.Reply {
	e.t.Helper()
	res, err := e.st.Ingest(account, []inbox.Item{e.item(account, thread)}, nil, nil)
	if err != nil || len(res.NewIDs) != 1 {
		e.t.Fatalf("ingest: %v %+v", err, res)
	}
	r, _, err := e.st.EnqueueReply(res.NewIDs[0], store.NewReply{Text: text, Author: "op"})
	if err != nil {
		e.t.Fatalf("enqueue: %v", err)
	}
	e.clock.Advance(time.Second) // distinct created/due times keep the order visible
	return r
}

func (e *env) reply(id string) inbox.Reply {
	e.t.Helper()
	r, err := e.st.Reply(id)
	if err != nil {
		e.t.Fatalf("reply %s: %v", id, err)
	}
	return r
}

func (e *env) state(name string) store.AccountState {
	e.t.Helper()
	st, err := e.st.AccountState(name)
	if err != nil {
		e.t.Fatalf("account state %s: %v", name, err)
	}
	return st
}

// drain runs one synchronous delivery pass for an account.
func (e *env) drain(name string) time.Time {
	e.t.Helper()
	a := e.s.account(name)
	if a == nil {
		e.t.Fatalf("no account %q", name)
	}
	return e.s.drain(context.Background(), a)
}

func cerr(class connectors.Class, msg string) *connectors.Error {
	return &connectors.Error{Class: class, Op: "test", Message: msg}
}

func isState(err error, state string) bool {
	var se *StateError
	return errors.As(err, &se) && se.State == state
}

func runtimeGosched() { runtime.Gosched() }

// recoverJob runs fn through cron's Recover wrapper with the given logger.
func recoverJob(l cron.Logger, fn func()) { cron.Recover(l)(cron.FuncJob(fn)).Run() }

// val reads a counter's or gauge's value.
func val(m prometheus.Metric) float64 {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		panic(err)
	}
	switch {
	case d.Counter != nil:
		return d.Counter.GetValue()
	case d.Gauge != nil:
		return d.Gauge.GetValue()
	case d.Histogram != nil:
		return float64(d.Histogram.GetSampleCount())
	}
	return -1
}

// pollNow runs an operator's poll synchronously and returns its error.
func (e *env) pollNow(name string) error {
	e.t.Helper()
	return e.s.poll(context.Background(), e.s.account(name), true)
}

// waitPoll waits for the account's running poll (if any) to finish.
func (e *env) waitPoll(name string) {
	a := e.s.account(name)
	a.pollMu.Lock() // held by the poll until it ends
	defer a.pollMu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.st.State == StatePolling { // the poll released its lock only after settling the state
		e.t.Fatalf("account %q still polling after its poll ended", name)
	}
}
