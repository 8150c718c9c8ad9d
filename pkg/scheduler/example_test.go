package scheduler_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/connectors/registry"
	"github.com/inboxd/inboxd/pkg/scheduler"
	"github.com/inboxd/inboxd/pkg/store"
)

// quietPage is a connector with nothing new, for the example.
type quietPage struct{}

func (quietPage) Name() string { return "pemkab" }
func (quietPage) Poll(_ context.Context, cursor []byte) (connectors.Page, error) {
	return connectors.Page{Cursor: cursor}, nil
}
func (quietPage) Send(context.Context, connectors.Outgoing) (string, error) { return "", nil }

// The wiring main does: the store's event hook wakes the outbox worker at
// once for a queued reply; a SIGHUP calls SetAccounts again; the API gets
// the scheduler as its AccountControl; shutdown gives Stop a deadline.
func Example() {
	dir, err := os.MkdirTemp("", "inboxd-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	var sched atomic.Pointer[scheduler.Scheduler] // the store opens first
	st, err := store.Open(filepath.Join(dir, "inboxd.db"), store.Options{
		Replies: registry.Replies(),
		Notify: func(ev store.Event) {
			if s := sched.Load(); s != nil {
				s.HandleEvent(ev)
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	s, err := scheduler.New(scheduler.Options{Store: st, BackoffMax: 15 * time.Minute,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	sched.Store(s)
	ctx := context.Background()
	accounts := []scheduler.Account{{Name: "pemkab", Platform: "facebook", Schedule: "@every 1m",
		Connector: quietPage{}, Enabled: true}}
	if err := s.SetAccounts(ctx, accounts); err != nil { // also on SIGHUP, with the reloaded list
		log.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		log.Fatal(err)
	}
	// POST /api/v1/accounts/pemkab/poll calls s.PollNow(ctx, "pemkab").

	stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.Stop(stopCtx); err != nil { // cancels polls, lets a send in flight finish
		log.Fatal(err)
	}
	acc := s.Accounts()[0]
	fmt.Println(acc.Name, acc.Platform, acc.State)
	// Output: pemkab facebook idle
}
