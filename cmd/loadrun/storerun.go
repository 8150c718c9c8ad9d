package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/inboxd/inboxd/pkg/sim/workload"
	"github.com/inboxd/inboxd/pkg/store/storebench"
)

// storeRun runs the benchmark workload on the store alone (the side-by-side
// run with the SQLite peer is bench/, a module of its own).
func storeRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("store", stderr)
	dir := fs.String("data", "", "data `dir` (created; must not hold a data file yet)")
	items := fs.Int("items", 100_000, "items to fill, in durable pages of 100")
	seed := fs.Uint64("seed", 1, "workload seed")
	wl := fs.String("workload", string(workload.Realistic), "workload: realistic or simple")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the fill to `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("store: --data is required")
	}
	w, err := workload.New(workload.Case(*wl), *seed, *items)
	if err != nil {
		return fmt.Errorf("store: --workload: %w", err)
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(*dir, dataFileName)
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: %s exists; give an empty dir", path)
	}
	t, err := storebench.OpenInboxd(path)
	if err != nil {
		return err
	}
	o := storebench.Options{Progress: stderr}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			t.Close()
			return err
		}
		defer f.Close()
		o.CPUProfile = f
	}
	res, err := storebench.Run(ctx, "inboxd", t, w, *seed, o)
	if err != nil {
		t.Close()
		return err
	}
	fmt.Fprintf(stdout, "%s workload, %d items, seed %d, data file %s\n\n", *wl, res.Items, *seed, path)
	storebench.PrintTable(stdout, [][]storebench.Result{{res}})
	return nil
}
