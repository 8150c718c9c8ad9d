package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/store"
)

// HTTP server limits. There is no WriteTimeout: the event stream and the
// backup download are long responses; slow readers are bounded per handler.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	// shutdownGrace is how long in-flight requests may finish after SIGTERM;
	// with closing the store it keeps the whole stop under 5 s.
	shutdownGrace = 4 * time.Second
)

func serve(ctx context.Context, e env, args []string) error {
	const usage = "--config FILE"
	fs := newFlags("serve")
	path := configFlag(fs)
	if _, err := parseNoArgs(fs, e, usage, args); err != nil {
		return err
	}
	if err := requireConfig(fs, e, usage, *path); err != nil {
		return err
	}
	cfg, err := loadConfig(*path, e.getenv)
	if err != nil {
		return err
	}
	logger := newLogger(e.stderr, cfg.Log)

	st, err := openStore(cfg, logger, true, "stop it before starting another, or give this one another data_dir")
	if err != nil {
		return err
	}
	defer func() {
		if st != nil {
			_ = st.Close()
		}
	}()

	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Listen, err)
	}
	srv := &http.Server{
		Handler:           newHandler(cfg, st, logger),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	addr := ln.Addr().String()
	logger.Info("inboxd listening", "addr", addr, "url", "http://"+addr, "data_file", st.Path(),
		"accounts", len(cfg.Accounts), "version", currentVersion())
	if e.ready != nil {
		e.ready(addr)
	}

	select {
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", shutdownGrace)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("requests still running at the end of the grace period; closing them", "err", err)
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn("http server", "err", err)
	}
	closeErr := st.Close()
	st = nil
	if closeErr != nil {
		return fmt.Errorf("close data file: %w", closeErr)
	}
	logger.Info("stopped")
	return nil
}

// newHandler builds the HTTP surface. For now it is the liveness probe
// only; the API of pkg/api replaces it when it is wired in.
func newHandler(_ *config.Config, _ *store.Store, _ *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	return mux
}
