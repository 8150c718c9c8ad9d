package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the data file to w. The read
// transaction copies into a local temporary file first, so a slow w never
// holds it open. It returns the bytes written.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	f, _, err := s.BackupFile(ctx)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := io.Copy(w, readerCtx{ctx, f})
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// BackupFile makes the temporary copy (mode 0600, next to the data file)
// and returns it opened, with its size; closing it removes it.
func (s *Store) BackupFile(ctx context.Context) (io.ReadCloser, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".inboxd-backup-*")
	if err != nil {
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
	rc := &tempFile{File: tmp}
	if err := tmp.Chmod(fileMode); err != nil {
		rc.Close()
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
	var size int64
	err = s.view(func(tx *bolt.Tx) error {
		size, err = tx.WriteTo(tmp)
		return err
	})
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		rc.Close()
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
	return rc, size, nil
}

// tempFile removes itself on Close.
type tempFile struct{ *os.File }

func (t *tempFile) Close() error {
	err := t.File.Close()
	if rerr := os.Remove(t.File.Name()); err == nil {
		err = rerr
	}
	return err
}

// readerCtx stops a copy when the context ends.
type readerCtx struct {
	ctx context.Context
	r   io.Reader
}

func (r readerCtx) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
