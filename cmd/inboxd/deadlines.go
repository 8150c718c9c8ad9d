package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/store"
)

// Overdue sweeping and deadline recomputation: small write transactions,
// so ingest and operators never wait behind them.
const (
	overdueSweepEvery = 30 * time.Second
	overdueSweepBatch = 500
	recomputeBatch    = 1000
)

func officeOf(cfg *config.Config) *calendar.Office {
	return &calendar.Office{Calendar: cfg.Calendar, SLA: cfg.SLA}
}

// deadlineWorker sweeps overdue items on a ticker and recomputes deadlines
// after a reload changed the calendar or the policies.
type deadlineWorker struct {
	st     *store.Store
	office *calendar.Live
	log    *slog.Logger
	wg     sync.WaitGroup
}

func startDeadlineWorker(ctx context.Context, st *store.Store, office *calendar.Live, logger *slog.Logger) *deadlineWorker {
	w := &deadlineWorker{st: st, office: office, log: logger}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(overdueSweepEvery)
		defer t.Stop()
		for {
			w.sweep()
			closeMonths(w.st, w.log) // the monthly report's month-end snapshot, first tick after a boundary
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// sweep flips every item whose deadline has passed, a batch at a time.
func (w *deadlineWorker) sweep() {
	for {
		n, err := w.st.SweepOverdue(overdueSweepBatch)
		if err != nil {
			w.log.Error("overdue sweep", "err", err)
			return
		}
		if n > 0 {
			w.log.Info("items overdue", "count", n)
		}
		if n < overdueSweepBatch {
			return
		}
	}
}

// reload swaps in the reloaded calendar and policies and, when they
// changed, recomputes the deadlines of the items in progress in the
// background.
func (w *deadlineWorker) reload(ctx context.Context, cfg *config.Config) {
	next := officeOf(cfg)
	if w.office.Load().Equal(next) {
		return
	}
	w.office.Store(next)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		start := time.Now()
		n, err := w.st.RecomputeDeadlines(ctx, w.office.ItemDeadlines, recomputeBatch)
		if err != nil {
			w.log.Error("deadline recomputation after reload stopped", "err", err, "changed", n)
			return
		}
		w.log.Info("deadlines recomputed after reload", "changed", n, "took", time.Since(start).Round(time.Millisecond))
		w.sweep()
	}()
}

// wait returns once the worker's goroutines have ended (their context done).
func (w *deadlineWorker) wait() { w.wg.Wait() }
