package main

import (
	"context"
)

func serve(ctx context.Context, e env, args []string) error {
	const usage = "--config FILE"
	fs := newFlags("serve")
	path := configFlag(fs)
	cfg, err := commandConfig(fs, e, usage, args, path, nil)
	if err != nil {
		return err
	}
	logger, scr := newLogger(e.stderr, cfg)
	// The SIGHUP watcher lives as long as the daemon, also when it fails
	// to start while the caller's context goes on.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	return runDaemon(ctx, e, cfg, logger, scr, daemonHooks{reload: reloadOnSignal(ctx, e, *path)})
}

// reloadOnSignal reloads the config file each time SIGHUP arrives (e.hup),
// handing the result to the daemon, which applies or refuses it.
func reloadOnSignal(ctx context.Context, e env, path string) <-chan reloadRequest {
	if e.hup == nil {
		return nil
	}
	out := make(chan reloadRequest)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-e.hup:
			}
			cfg, err := loadConfig(path, e.getenv)
			select {
			case out <- reloadRequest{cfg: cfg, err: err}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
