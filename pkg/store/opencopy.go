package store

import (
	"errors"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// OpenCopy opens a data file (a backup, or a stopped daemon's) without
// changing it: path is opened read-only, copied in one read transaction to
// a temporary file in dir ("" the system's), and the copy is opened with
// opts, so migrations and the report backfill run on the copy only. A
// file a running daemon holds is ErrLocked. done closes the copy and
// removes it.
func OpenCopy(path, dir string, opts Options) (s *Store, done func() error, err error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if _, err := os.Stat(path); err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	src, err := bolt.Open(path, fileMode, &bolt.Options{ReadOnly: true, Timeout: opts.LockTimeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, nil, fmt.Errorf("open %s: %w: a running inboxd holds it; ask its API instead", path, ErrLocked)
		}
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "inboxd-copy-*.db")
	if err != nil {
		src.Close()
		return nil, nil, fmt.Errorf("copy %s: %w", path, err)
	}
	remove := func() { _ = os.Remove(tmp.Name()) }
	err = src.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(tmp)
		return err
	})
	if cerr := src.Close(); err == nil {
		err = cerr
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		remove()
		return nil, nil, fmt.Errorf("copy %s: %w", path, err)
	}
	s, err = Open(tmp.Name(), opts)
	if err != nil {
		remove()
		return nil, nil, err
	}
	return s, func() error {
		defer remove()
		return s.Close()
	}, nil
}
