package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

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

// backupPattern names the temporary copies (os.CreateTemp pattern).
const backupPattern = ".inboxd-backup-*"

// BackupFile makes the temporary copy (mode 0600, next to the data file)
// and returns it opened, with its size; closing it removes it. Only one
// copy exists at a time (ErrBackupRunning until the first is closed), and
// a copy that would not fit in the directory is refused (*NoSpaceError)
// before a byte is written.
func (s *Store) BackupFile(ctx context.Context) (io.ReadCloser, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	if !s.backupBusy.CompareAndSwap(false, true) {
		return nil, 0, fmt.Errorf("backup: %w", ErrBackupRunning)
	}
	release := func() { s.backupBusy.Store(false) }
	var size int64
	err := s.view(func(tx *bolt.Tx) error {
		size = tx.Size()
		return nil
	})
	if err == nil {
		err = s.checkSpace(uint64(size))
	}
	if err != nil {
		release()
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), backupPattern)
	if err != nil {
		release()
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
	rc := &tempFile{File: tmp, release: release}
	if err := tmp.Chmod(fileMode); err != nil {
		rc.Close()
		return nil, 0, fmt.Errorf("backup: %w", err)
	}
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

// checkSpace refuses a copy of need bytes that the directory cannot hold.
// The size is the file's size when checked; the copy made after may be a
// little larger if writes land meanwhile.
func (s *Store) checkSpace(need uint64) error {
	free, err := s.diskFree(filepath.Dir(s.path))
	if errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("free space of %s: %w", filepath.Dir(s.path), err)
	}
	if free < need {
		return &NoSpaceError{Need: need, Free: free}
	}
	return nil
}

// removeStaleBackups deletes temporary backup copies left by a process
// that died mid-backup, logging each.
func (s *Store) removeStaleBackups() {
	dir := filepath.Dir(s.path)
	var stale []string
	for _, pattern := range []string{backupPattern, probePattern} {
		m, _ := filepath.Glob(filepath.Join(dir, pattern)) // constant, valid patterns
		stale = append(stale, m...)
	}
	for _, p := range stale {
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(p); err != nil {
			s.log.Warn("could not remove a stale backup copy", "path", p, "err", err)
			continue
		}
		s.log.Info("removed a stale backup copy left by an interrupted backup", "path", p, "bytes", fi.Size())
	}
}

// tempFile removes itself on Close and frees the backup slot.
type tempFile struct {
	*os.File
	release func()
	once    sync.Once
}

func (t *tempFile) Close() error {
	err := t.File.Close()
	if rerr := os.Remove(t.File.Name()); err == nil {
		err = rerr
	}
	t.once.Do(t.release)
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
