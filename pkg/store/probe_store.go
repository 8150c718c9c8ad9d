package store

import (
	"fmt"
	"os"
	"path/filepath"
)

// probePattern names CheckWritable's scratch files.
const probePattern = ".inboxd-probe-*"

// probeBytes is what CheckWritable writes: a few blocks, so a full disk
// fails it even when a single block might still fit.
const probeBytes = 16 << 10

// CheckWritable writes, syncs and removes a small scratch file next to the
// data file, to tell readiness whether the store can still write (a full
// or read-only disk), without a write transaction (which would bump the
// generation and empty the API's list cache).
func (s *Store) CheckWritable() error {
	if s.closed.Load() {
		return ErrClosed
	}
	f, err := os.CreateTemp(filepath.Dir(s.path), probePattern)
	if err != nil {
		return fmt.Errorf("write probe: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(make([]byte, probeBytes))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write probe: %w", err)
	}
	return nil
}
