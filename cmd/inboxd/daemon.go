package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/inboxd/inboxd/connectors/registry"
	"github.com/inboxd/inboxd/pkg/api"
	"github.com/inboxd/inboxd/pkg/autoack"
	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/console"
	"github.com/inboxd/inboxd/pkg/rules"
	"github.com/inboxd/inboxd/pkg/scheduler"
	"github.com/inboxd/inboxd/pkg/scrub"
	"github.com/inboxd/inboxd/pkg/store"
)

// shutdownGrace bounds the whole stop (HTTP drain, scheduler, store close)
// so SIGTERM ends the process within 5 s even under load.
const shutdownGrace = 4 * time.Second

// daemonHooks are what serve and demo differ in.
type daemonHooks struct {
	// reload delivers a freshly loaded config on SIGHUP (nil: no reload).
	reload <-chan reloadRequest
	// client is the connectors' base HTTP client (nil: a plain one).
	client *http.Client
	// started runs once the API listens, with its base URL, the store and
	// the scheduler (the demo makes its tokens, polls once and prints its
	// help here).
	started func(ctx context.Context, baseURL string, st *store.Store, sched poller) error
}

// poller polls an account at once (the scheduler).
type poller interface {
	PollNow(ctx context.Context, name string) error
}

// reloadRequest carries a reloaded config, or the error loading it.
type reloadRequest struct {
	cfg *config.Config
	err error
}

// eventBus fans the store's commit events out to the API's stream and the
// outbox worker; both exist only after the store is open, hence the late
// binding.
type eventBus struct {
	mu   sync.RWMutex
	subs []func(store.Event)
}

func (b *eventBus) publish(ev store.Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, f := range b.subs {
		f(ev)
	}
}

func (b *eventBus) subscribe(f func(store.Event)) {
	b.mu.Lock()
	b.subs = append(b.subs, f)
	b.mu.Unlock()
}

// runDaemon is the service: the store, the scheduler polling the accounts
// and delivering the outbox, and the HTTP API, until ctx ends.
func runDaemon(ctx context.Context, e env, cfg *config.Config, logger *slog.Logger, scr *scrub.Scrubber, h daemonHooks) error {
	bus := &eventBus{}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data_dir: %w", err)
	}
	path := dataFile(cfg)
	office := calendar.NewLive(officeOf(cfg))
	replies := registry.Replies()
	st, err := store.Open(path, store.Options{Location: cfg.Location, TicketPrefix: cfg.TicketPrefix, Logger: logger, Notify: bus.publish,
		MaxTokens: cfg.HTTP.MaxTokens, WorkingTime: office.WorkingTime, Replies: replies})
	if errors.Is(err, store.ErrLocked) {
		return &lockedError{path: path, hint: "stop it before starting another, or give this one another data_dir", err: err}
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer func() {
		if st != nil {
			_ = st.Close()
		}
	}()

	if err := seedTemplates(st, cfg, logger); err != nil {
		return err
	}

	ruleSet, err := cfg.RuleSet()
	if err != nil {
		return fmt.Errorf("routing rules: %w", err)
	}
	live := &rules.Live{}
	live.Store(ruleSet)
	reg, err := newRegistry()
	if err != nil {
		return err
	}
	acker := autoack.New(st, office, nil, logger)
	acker.SetPolicies(ackPolicies(cfg))
	acker.SetUnits(cfg.Units)
	sched, err := scheduler.New(scheduler.Options{
		Store: st, Logger: logger, Registry: reg, Location: cfg.Location, BackoffMax: cfg.BackoffMax,
		VerifyMaxAttempts: cfg.Verify.MaxAttempts, VerifyMaxTime: cfg.Verify.MaxTime,
		Deadlines: office, Rules: live, AfterIngest: acker.Acknowledge,
		ErrorText: scr.Error,
	})
	if err != nil {
		return err
	}
	accounts, infos, err := buildAccounts(cfg, st, logger, scr, h.client)
	if err != nil {
		return err
	}
	if err := sched.SetAccounts(ctx, accounts); err != nil {
		return fmt.Errorf("schedule accounts: %w", err)
	}
	proxies, err := api.ParseTrustedProxies(cfg.HTTP.TrustedProxies) // validated by config already
	if err != nil {
		return err
	}
	apiSrv, err := api.New(api.Options{
		Store:               st,
		Deadlines:           office,
		Replies:             replies,
		Logger:              logger,
		Accounts:            infos,
		Units:               cfg.Units,
		OfficeName:          cfg.OfficeName,
		Rules:               live,
		Control:             sched,
		MetricsPublic:       cfg.HTTP.MetricsPublic,
		CORSOrigins:         cfg.HTTP.CORSOrigins,
		BootstrapAdminToken: cfg.HTTP.BootstrapAdminToken.Reveal(),
		Registry:            reg,
		AccountStates:       scheduler.States,
		PublicURL:           cfg.PublicURL,
		TrustedOrigins:      cfg.HTTP.TrustedOrigins,
		SessionIdle:         cfg.Sessions.IdleTimeout,
		SessionAbsolute:     cfg.Sessions.AbsoluteTimeout,
		SignInMaxFailures:   cfg.Sessions.MaxFailures,
		SignInLockout:       cfg.Sessions.Lockout,
		MaxStreams:          cfg.HTTP.MaxStreams,
		MaxStreamsPerToken:  cfg.HTTP.MaxStreamsPerToken,
		AuthFailureLimit:    cfg.HTTP.AuthFailureLimit,
		AuthFailureWindow:   cfg.HTTP.AuthFailureWindow,
		TrustedProxies:      proxies,
	})
	if err != nil {
		return err
	}
	// The operator console is served beside the API, from the binary.
	con, err := console.New(console.Options{TimeZone: cfg.Timezone})
	if err != nil {
		_ = apiSrv.Shutdown(context.WithoutCancel(ctx))
		return err
	}
	bus.subscribe(apiSrv.Publish)
	bus.subscribe(sched.HandleEvent)
	workCtx, stopWork := context.WithCancel(ctx)
	deadlines := startDeadlineWorker(workCtx, st, office, logger)
	indexer := startIndexer(workCtx, st, logger)
	defer func() {
		stopWork()
		deadlines.wait() // before the store closes
		indexer()
	}()

	tcp, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		_ = apiSrv.Shutdown(context.WithoutCancel(ctx))
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Listen, err)
	}
	refused := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "inboxd_http_connections_refused_total", Help: "Connections answered 503 at http.max_connections.",
	})
	reg.MustRegister(refused)
	ln := api.NewConnLimiter(tcp, cfg.HTTP.MaxConnections, refused)
	srv := apiSrv.HTTPServer(cfg.HTTP.Listen)
	srv.Handler = con.Wrap(apiSrv)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if err := sched.Start(ctx); err != nil {
		_ = srv.Close()
		<-served
		_ = apiSrv.Shutdown(context.WithoutCancel(ctx))
		return err
	}

	addr := ln.Addr().String()
	logger.Info("inboxd listening", "addr", addr, "url", "http://"+addr, "data_file", st.Path(),
		"accounts", len(cfg.Accounts), "version", currentVersion())
	var runErr error
	if h.started != nil {
		runErr = h.started(ctx, "http://"+addr, st, sched)
	}
	if e.ready != nil && runErr == nil {
		e.ready(addr)
	}

loop:
	for runErr == nil {
		select {
		case err := <-served:
			runErr = fmt.Errorf("http server: %w", err)
			served <- err // the shutdown below waits for it
		case <-ctx.Done():
			break loop
		case r := <-h.reload:
			reloadAccounts(ctx, logger, scr, cfg, r, st, sched, apiSrv, live, h.client)
			if r.err == nil {
				deadlines.reload(workCtx, r.cfg)
				acker.SetPolicies(ackPolicies(r.cfg))
				acker.SetUnits(r.cfg.Units)
			}
		}
	}

	logger.Info("shutting down", "grace", shutdownGrace)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := apiSrv.Shutdown(stopCtx); err != nil {
		logger.Warn("api shutdown", "err", err)
	}
	if err := srv.Shutdown(stopCtx); err != nil {
		logger.Warn("requests still running at the end of the grace period; closing them", "err", err)
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) && runErr == nil {
		logger.Warn("http server", "err", err)
	}
	if err := sched.Stop(stopCtx); err != nil {
		logger.Warn("scheduler stop", "err", err)
	}
	stopWork()
	deadlines.wait()
	indexer()
	closeErr := st.Close()
	st = nil
	if closeErr != nil && runErr == nil {
		runErr = fmt.Errorf("close data file: %w", closeErr)
	}
	logger.Info("stopped")
	return runErr
}

// newRegistry is the daemon's Prometheus registry: the Go runtime and
// process collectors, and inboxd_build_info, besides what the packages add.
func newRegistry() (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "inboxd_build_info",
		Help: "Always 1: the running inboxd's version and the Go version it was built with."}, []string{"version", "goversion"})
	build.WithLabelValues(currentVersion(), runtime.Version()).Set(1)
	for _, c := range []prometheus.Collector{collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), build} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return reg, nil
}

// reloadAccounts applies a reloaded config's accounts without touching the
// queue. Anything wrong keeps the running set: a typo in an edited config
// must not stop the office's inbox.
func reloadAccounts(ctx context.Context, logger *slog.Logger, scr *scrub.Scrubber, running *config.Config, r reloadRequest,
	st *store.Store, sched *scheduler.Scheduler, apiSrv *api.Server, live *rules.Live, client *http.Client) {
	if r.err != nil {
		logger.Error("config reload refused; the running configuration stays", "err", r.err)
		return
	}
	ruleSet, err := r.cfg.RuleSet()
	if err != nil {
		logger.Error("config reload refused; the running configuration stays", "err", err)
		return
	}
	accounts, infos, err := buildAccounts(r.cfg, st, logger, scr, client)
	if err == nil {
		err = sched.SetAccounts(ctx, accounts)
	}
	if err != nil {
		logger.Error("config reload refused; the running configuration stays", "err", err)
		return
	}
	apiSrv.SetAccounts(infos)
	apiSrv.SetUnits(r.cfg.Units)
	apiSrv.SetOfficeName(r.cfg.OfficeName)
	live.Store(ruleSet)
	if r.cfg.HTTP.Listen != running.HTTP.Listen || r.cfg.DataDir != running.DataDir {
		logger.Warn("http.listen and data_dir take effect at the next restart")
	}
	logger.Info("config reloaded", "accounts", len(accounts), "units", len(r.cfg.Units), "rules", ruleSet.Len())
}
