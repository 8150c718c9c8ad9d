package password

import (
	"context"
	"testing"
)

// BenchmarkHashDefault measures one argon2id hash at DefaultParams (the
// cost of a sign-in); figures in docs/USERS.md.
func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(DefaultParams, MaxConcurrent)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "kopi tubruk pagi hari"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashDefaultParallel runs sign-ins from many goroutines: the
// semaphore keeps at most MaxConcurrent hashes (and their memory) at once.
func BenchmarkHashDefaultParallel(b *testing.B) {
	h := NewHasher(DefaultParams, MaxConcurrent)
	ctx := context.Background()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(ctx, "kopi tubruk pagi hari"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
