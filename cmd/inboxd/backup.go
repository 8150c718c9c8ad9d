package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/inboxd/inboxd/pkg/store"
)

// backup copies the data file while the daemon is stopped (the API offers a
// hot backup while it runs). The copy is written to a temporary file next to
// the target and renamed, so FILE is never a half-written backup.
func backup(ctx context.Context, e env, args []string) error {
	const usage = "--config FILE --out FILE"
	fs := newFlags("backup")
	path := configFlag(fs)
	out := fs.String("out", "", "write the backup to `FILE` (mode 0600; replaced if it exists)")
	cfg, err := commandConfig(fs, e, usage, args, path, func() error {
		if *out == "" {
			flagUsage(fs, e.stderr, usage)
			return usageErrorf(e.stderr, "backup: --out is required")
		}
		return nil
	})
	if err != nil {
		return err
	}
	var n int64
	err = onStore(cfg, e, false, "download a hot backup from the API (GET /api/v1/backup) or stop the daemon",
		func(st *store.Store) (err error) {
			n, err = writeBackup(ctx, *out, st.Backup)
			return err
		})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backup of %s written to %s (%d bytes)\n", dataFile(cfg), *out, n)
	return nil
}

// writeBackup runs copyTo (the store's Backup) into a temporary file and
// renames it to out.
func writeBackup(ctx context.Context, out string, copyTo func(context.Context, io.Writer) (int64, error)) (n int64, err error) {
	dir := filepath.Dir(out)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		// Said before the temporary file's name can show up in the error.
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("backup: the folder %s does not exist; create it first (mkdir -p %s)", dir, dir)
		}
		return 0, fmt.Errorf("backup: the folder %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".tmp-*") // mode 0600
	if err != nil {
		return 0, fmt.Errorf("backup: cannot write in the folder %s: %w", dir, errors.Unwrap(err))
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if n, err = copyTo(ctx, tmp); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err = os.Rename(tmp.Name(), out); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}
