package api

import (
	"context"
	"fmt"
	"sync"
	"time"
)

const (
	// readyProbeEvery is how often /readyz may write its probe; between
	// probes it answers with the last result.
	readyProbeEvery = 5 * time.Second
	// readyProbeTimeout bounds how long /readyz waits for the probe.
	readyProbeTimeout = 2 * time.Second
)

// writeProbe runs Store.CheckWritable at most every readyProbeEvery, one
// at a time, and remembers the result.
type writeProbe struct {
	mu      sync.Mutex
	at      time.Time // of the last finished probe
	err     error
	running chan struct{} // closed when the probe in flight finishes
}

// storeWritable reports whether the store could write at the last probe,
// starting a new one when the last is older than readyProbeEvery.
func (s *Server) storeWritable(ctx context.Context) error {
	p := &s.probe
	p.mu.Lock()
	if !p.at.IsZero() && s.now().Sub(p.at) < readyProbeEvery {
		err := p.err
		p.mu.Unlock()
		return err
	}
	if p.running == nil {
		done := make(chan struct{})
		p.running = done
		go func() {
			err := s.store.CheckWritable()
			p.mu.Lock()
			p.at, p.err, p.running = s.now(), err, nil
			p.mu.Unlock()
			close(done)
		}()
	}
	running := p.running
	p.mu.Unlock()
	t := time.NewTimer(readyProbeTimeout)
	defer t.Stop()
	select {
	case <-running:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.err
	case <-t.C:
		return fmt.Errorf("a write to the data directory did not finish within %s", readyProbeTimeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}
