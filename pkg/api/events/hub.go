// Package events is the in-memory fan-out behind the API's Server-Sent
// Events stream: a bounded ring of recent events (so a client that
// reconnects with Last-Event-ID gets what it missed) and wake-up signals for
// the connected streams. It knows nothing of HTTP or the store.
package events

import (
	"strconv"
	"strings"
	"sync"
)

// DefaultRingSize is how many recent events a hub keeps for resumption.
const DefaultRingSize = 4096

// Event is one published change. ID is assigned by the hub, increasing by
// one per event from 1.
type Event struct {
	ID   uint64
	Type string
	Unit string // the item's unit, for unit-scoped streams ("" when none)
	Data []byte // the JSON sent as the event's data
}

// Hub keeps the ring and the subscribers. Its zero value is not usable; use
// NewHub.
type Hub struct {
	epoch string

	mu     sync.RWMutex
	ring   []Event // circular; the event with id n is at (n-1) % len(ring)
	last   uint64  // id of the newest event, 0 when none
	subs   map[*Subscription]struct{}
	closed bool
	done   chan struct{}
}

// NewHub makes a hub that keeps the last size events. epoch distinguishes
// this process's ids from an earlier run's, so a client resuming with an id
// from before a restart is told it missed events instead of silently
// skipping some.
func NewHub(size int, epoch string) *Hub {
	if size <= 0 {
		size = DefaultRingSize
	}
	return &Hub{epoch: epoch, ring: make([]Event, size), subs: map[*Subscription]struct{}{}, done: make(chan struct{})}
}

// Subscription receives a wake-up whenever events were published after it
// was made; the subscriber then reads them with Since.
type Subscription struct {
	wake chan struct{}
}

// Wake signals that new events may be available; it is coalescing (one
// pending signal at most), so a slow reader never blocks Publish.
func (s *Subscription) Wake() <-chan struct{} { return s.wake }

// Publish appends an event and wakes every subscriber. It returns the id.
// Publishing on a closed hub is a no-op returning 0.
func (h *Hub) Publish(typ, unit string, data []byte) uint64 {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return 0
	}
	h.last++
	id := h.last
	h.ring[(id-1)%uint64(len(h.ring))] = Event{ID: id, Type: typ, Unit: unit, Data: data}
	for s := range h.subs {
		select {
		case s.wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	h.mu.Unlock()
	return id
}

// Subscribe registers a subscriber. ok is false when the hub is closed.
func (h *Hub) Subscribe() (s *Subscription, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, false
	}
	s = &Subscription{wake: make(chan struct{}, 1)}
	h.subs[s] = struct{}{}
	return s, true
}

// Unsubscribe removes a subscriber; calling it twice is harmless.
func (h *Hub) Unsubscribe(s *Subscription) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// Subscribers reports how many subscribers are registered.
func (h *Hub) Subscribers() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

// LastID is the id of the newest event (0 when none).
func (h *Hub) LastID() uint64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.last
}

// Since returns the events with an id greater than after, oldest first, at
// most max of them (max <= 0: all). gap reports that some events after
// `after` are no longer in the ring (the client missed them).
func (h *Hub) Since(after uint64, max int) (evs []Event, gap bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if after >= h.last {
		return nil, false
	}
	oldest := uint64(1)
	if h.last > uint64(len(h.ring)) {
		oldest = h.last - uint64(len(h.ring)) + 1
	}
	from := after + 1
	if from < oldest {
		gap = true
		from = oldest
	}
	n := h.last - from + 1
	if max > 0 && n > uint64(max) {
		n = uint64(max)
	}
	evs = make([]Event, 0, n)
	for id := from; id < from+n; id++ {
		evs = append(evs, h.ring[(id-1)%uint64(len(h.ring))])
	}
	return evs, gap
}

// Close ends the hub: Done is closed, Publish and Subscribe stop working.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	h.subs = map[*Subscription]struct{}{}
	close(h.done)
}

// Done is closed when the hub is closed; streams end then.
func (h *Hub) Done() <-chan struct{} { return h.done }

// FormatID renders an event id as sent on the wire: "<epoch>-<n>".
func (h *Hub) FormatID(id uint64) string { return h.epoch + "-" + strconv.FormatUint(id, 10) }

// ParseID reads a Last-Event-ID. ok is false when it does not belong to this
// hub's epoch or does not parse; the caller treats that as "missed events".
func (h *Hub) ParseID(s string) (id uint64, ok bool) {
	epoch, n, found := strings.Cut(s, "-")
	if !found || epoch != h.epoch {
		return 0, false
	}
	id, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		return 0, false
	}
	return id, true
}
