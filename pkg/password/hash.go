package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultParams are OWASP's minimum for argon2id (m = 19 MiB, t = 2,
// p = 1). With MaxConcurrent hashes at once they take at most 38 MiB,
// inside the daemon's 64 MB memory target (docs/PERFORMANCE.md).
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// MaxConcurrent is how many hashes run at once: a burst of sign-ins waits
// for a slot rather than allocating Memory each.
const MaxConcurrent = 2

// ErrMalformed is a stored hash that does not decode.
var ErrMalformed = errors.New("password: malformed hash")

// Hasher hashes and verifies passwords, at most a fixed number at a time.
type Hasher struct {
	params Params
	sem    chan struct{}
	// derive is argon2.IDKey; tests replace it to observe concurrency.
	derive func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
	dummy  string // a hash of nothing anyone knows, for unknown users
	runs   atomic.Uint64
}

// NewHasher returns a Hasher with the given parameters running at most
// concurrent hashes at once (MaxConcurrent when <= 0).
func NewHasher(p Params, concurrent int) *Hasher {
	if concurrent <= 0 {
		concurrent = MaxConcurrent
	}
	h := &Hasher{params: p, sem: make(chan struct{}, concurrent), derive: argon2.IDKey}
	// The dummy shares the real parameters, so a miss costs what a hit does.
	salt := make([]byte, p.SaltLen)
	h.dummy = encode(p, salt, make([]byte, p.KeyLen))
	return h
}

// Runs counts the argon2 computations done, so a test can check that a
// sign-in costs the same whatever the username.
func (h *Hasher) Runs() uint64 { return h.runs.Load() }

// Params returns the parameters new hashes use.
func (h *Hasher) Params() Params { return h.params }

func (h *Hasher) run(ctx context.Context, pw, salt []byte, p Params) ([]byte, error) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("password: waiting for a hashing slot: %w", ctx.Err())
	}
	defer func() { <-h.sem }()
	h.runs.Add(1)
	return h.derive(pw, salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

// Hash returns the PHC-encoded argon2id hash of pw with a fresh salt:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key, err := h.run(ctx, []byte(pw), salt, h.params)
	if err != nil {
		return "", err
	}
	return encode(h.params, salt, key), nil
}

// Verify reports whether pw matches the encoded hash. An empty encoded
// (no password set) still costs one hash, then answers false, so the
// caller's timing does not tell whether a user has a password.
func (h *Hasher) Verify(ctx context.Context, encoded, pw string) (bool, error) {
	unset := encoded == ""
	if unset {
		encoded = h.dummy
	}
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got, err := h.run(ctx, []byte(pw), salt, p)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1 && !unset, nil
}

var b64 = base64.RawStdEncoding

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses a PHC string; bounds keep a corrupted record from asking
// for gigabytes.
func decode(s string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformed
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: version %q", ErrMalformed, parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrMalformed, parts[3])
	}
	if p.Memory < 8 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 32 || p.Threads < 1 {
		return p, nil, nil, fmt.Errorf("%w: parameters out of range", ErrMalformed)
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrMalformed
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}
