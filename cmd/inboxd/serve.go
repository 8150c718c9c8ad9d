package main

import (
	"context"
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
	return runDaemon(ctx, e, cfg, logger, daemonHooks{reload: reloadOnSignal(ctx, e, *path)})
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
