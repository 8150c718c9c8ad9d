package api

import (
	"sync"
	"time"
)

// Sign-in throttling: failures are counted per username and per client
// address. From the third failure in a row each further try waits twice as
// long as the last (1 s, 2 s, 4 s, ...); after maxFailures the key is
// locked for lockout. An office behind one NAT address shares that
// address's count, so an address gets addressFactor times as many
// failures before its backoff and its lock.
// Counts are forgotten after lockout without a failure.
const (
	backoffAfter  = 3
	addressFactor = 5
	// throttleKeys bounds the table: past it, keys quiet for a lockout are
	// dropped, and if that is not enough, the oldest half.
	throttleKeys = 10000
)

type attempts struct {
	failures int
	last     time.Time // last failure
	until    time.Time // no try before this
}

type signInThrottle struct {
	maxFailures int
	lockout     time.Duration

	mu   sync.Mutex
	keys map[string]*attempts
}

func newSignInThrottle(maxFailures int, lockout time.Duration) *signInThrottle {
	return &signInThrottle{maxFailures: maxFailures, lockout: lockout, keys: map[string]*attempts{}}
}

func userKey(username string) string { return "u\x00" + username }
func addrKey(addr string) string     { return "a\x00" + addr }

// wait returns how long the caller must wait before the next try (0: go).
func (t *signInThrottle) wait(username, addr string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, k := range []string{userKey(username), addrKey(addr)} {
		if a := t.keys[k]; a != nil && now.Before(a.until) {
			wait = max(wait, a.until.Sub(now))
		}
	}
	return wait
}

func (t *signInThrottle) fail(username, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prune(now)
	t.failOne(userKey(username), t.maxFailures, backoffAfter, now)
	t.failOne(addrKey(addr), t.maxFailures*addressFactor, backoffAfter*addressFactor, now)
}

func (t *signInThrottle) failOne(key string, limit, backoffFrom int, now time.Time) {
	a := t.keys[key]
	if a == nil || now.Sub(a.last) >= t.lockout {
		a = &attempts{}
		t.keys[key] = a
	}
	a.failures++
	a.last = now
	switch {
	case a.failures >= limit:
		a.until = now.Add(t.lockout)
	case a.failures >= backoffFrom:
		a.until = now.Add(min(time.Second<<min(a.failures-backoffFrom, 30), t.lockout))
	}
}

// succeed forgets the username's failures. The address's stay: one
// account's right password must not reset guessing at the others.
func (t *signInThrottle) succeed(username string) {
	t.mu.Lock()
	delete(t.keys, userKey(username))
	t.mu.Unlock()
}

func (t *signInThrottle) prune(now time.Time) {
	if len(t.keys) < throttleKeys {
		return
	}
	for k, a := range t.keys {
		if now.Sub(a.last) >= t.lockout && !now.Before(a.until) {
			delete(t.keys, k)
		}
	}
	if len(t.keys) >= throttleKeys {
		n := 0
		for k := range t.keys { // map order: an arbitrary half
			delete(t.keys, k)
			if n++; n >= throttleKeys/2 {
				break
			}
		}
	}
}
