package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/inboxd/inboxd/pkg/store"
)

// startIndexer runs the store's word indexer until ctx ends; wait returns
// once it has stopped (call it before closing the store).
func startIndexer(ctx context.Context, st *store.Store, logger *slog.Logger) (wait func()) {
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := st.RunIndexer(ctx, 0); err != nil {
			logger.Error("search indexer stopped", "err", err)
		}
	})
	return wg.Wait
}

// reindex rebuilds the search index and checks it against a scan.
func reindex(ctx context.Context, e env, args []string) error {
	const usage = "--config FILE"
	fs := newFlags("reindex")
	path := configFlag(fs)
	cfg, err := commandConfig(fs, e, usage, args, path, nil)
	if err != nil {
		return err
	}
	var res store.ReindexResult
	err = onStore(cfg, e, false, "stop the daemon first", func(st *store.Store) (err error) {
		res, err = st.Reindex(ctx, 0)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "search index of %s rebuilt: %d items, %d words in %s; verified against a scan in %s\n",
		dataFile(cfg), res.Items, res.Postings, res.Took.Round(1e6), res.Verified.Round(1e6))
	return nil
}
