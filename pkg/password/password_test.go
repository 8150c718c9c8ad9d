package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		user, pw string
		want     string // part of the reason; "" accepted
	}{
		{"siti", "short", "too short"},
		{"siti", "elevenchars", "too short"},
		{"siti", "dua belas kar", ""},
		{"siti.rahma", "SITI.RAHMA", "too short"},
		{"petugas.humas1", "Petugas.Humas1", "must not be the username"},
		{"budi", "Password1234", "most common"},
		{"budi", "indonesia1945", "most common"},
		{"budi", "kopi tubruk pagi hari", ""},
		{"budi", "kucing🐈kucing🐈", ""},
		{"budi", strings.Repeat("a", MaxLen+1), "too long"},
		{"budi", "bad\xffutf8-bytes-here", "UTF-8"},
	}
	for _, c := range cases {
		err := Check(c.user, c.pw)
		if c.want == "" {
			if err != nil {
				t.Errorf("Check(%q, %q) = %v, want accepted", c.user, c.pw, err)
			}
			continue
		}
		var pe *PolicyError
		if !errors.As(err, &pe) || !strings.Contains(pe.Error(), c.want) {
			t.Errorf("Check(%q, %q) = %v, want a PolicyError saying %q", c.user, c.pw, err, c.want)
		}
	}
}

// The shipped list must hold entries the length rule does not already catch.
func TestCommonListMatters(t *testing.T) {
	long := 0
	for pw := range common {
		if len([]rune(pw)) >= MinLen {
			long++
		}
	}
	if long < 50 {
		t.Fatalf("only %d common passwords of %d+ characters", long, MinLen)
	}
}

var fast = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashVerify(t *testing.T) {
	h := NewHasher(fast, 0)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "kopi tubruk pagi hari")
	if err != nil {
		t.Fatal(err)
	}
	enc2, _ := h.Hash(ctx, "kopi tubruk pagi hari")
	if enc == enc2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	for pw, want := range map[string]bool{"kopi tubruk pagi hari": true, "kopi tubruk pagi har": false, "": false} {
		ok, err := h.Verify(ctx, enc, pw)
		if err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	// No password set: never matches, not even the empty one.
	if ok, err := h.Verify(ctx, "", ""); ok || err != nil {
		t.Errorf("Verify of an unset hash = %v, %v", ok, err)
	}
	for _, bad := range []string{"x", "$argon2i$v=19$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=99999999,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		if _, err := h.Verify(ctx, bad, "x"); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) err = %v, want ErrMalformed", bad, err)
		}
	}
}

// The stored hash states the parameters used; the defaults are OWASP's
// minimum for argon2id, as docs/USERS.md says.
func TestDefaultParams(t *testing.T) {
	if DefaultParams.Memory < 19*1024 || DefaultParams.Time < 2 || DefaultParams.Threads != 1 {
		t.Fatalf("DefaultParams %+v are below OWASP's argon2id minimum (m=19456 KiB, t=2, p=1)", DefaultParams)
	}
	if MaxConcurrent != 2 {
		t.Fatalf("MaxConcurrent = %d; docs/USERS.md states 2", MaxConcurrent)
	}
	h := NewHasher(DefaultParams, MaxConcurrent)
	enc, err := h.Hash(context.Background(), "kopi tubruk pagi hari")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not carry the documented parameters", enc)
	}
	if ok, _ := h.Verify(context.Background(), enc, "kopi tubruk pagi hari"); !ok {
		t.Fatal("the default-parameter hash does not verify")
	}
}

// At most the configured number of hashes run at once; a caller waiting
// for a slot gives up with its context.
func TestHasherConcurrency(t *testing.T) {
	h := NewHasher(fast, 2)
	var mu sync.Mutex
	inside, peak := 0, 0
	entered := make(chan struct{}, 16)
	gate := make(chan struct{})
	h.derive = func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		if string(pw) == "probe" {
			return make([]byte, keyLen) // would only get here without a semaphore
		}
		mu.Lock()
		inside++
		peak = max(peak, inside)
		mu.Unlock()
		entered <- struct{}{}
		<-gate
		mu.Lock()
		inside--
		mu.Unlock()
		return make([]byte, keyLen)
	}
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.Hash(context.Background(), "kopi tubruk pagi hari"); err != nil {
				t.Error(err)
			}
		}()
	}
	<-entered
	<-entered
	// Both slots are held: a caller whose context is done is refused
	// without hashing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "probe"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash with both slots busy and a done context: err %v, want context.Canceled", err)
	}
	close(gate)
	wg.Wait()
	if peak != 2 {
		t.Fatalf("peak concurrent hashes %d, want 2", peak)
	}
}
