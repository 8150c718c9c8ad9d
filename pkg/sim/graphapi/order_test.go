package graphapi

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"
)

// insertOrdered must give the order a full sort by (time, id) gives, also
// for adds out of time order and same-second ties.
func TestInsertOrderedMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var list, all []*comment
	for range 500 {
		c := &comment{id: fmt.Sprintf("1_%06d", rng.IntN(1_000_000)), created: base.Add(time.Duration(rng.IntN(60)) * time.Second)}
		list = insertOrdered(list, c, commentKey)
		all = append(all, c)
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].created.Equal(all[j].created) {
			return all[i].created.Before(all[j].created)
		}
		return all[i].id < all[j].id
	})
	if !slices.Equal(list, all) {
		t.Fatal("insertOrdered order differs from a full sort")
	}
	rev := newestFirst(list)
	for i := range rev {
		if rev[i] != list[len(list)-1-i] {
			t.Fatalf("newestFirst: position %d", i)
		}
	}
	if newestFirst[*comment](nil) != nil {
		t.Fatal("newestFirst(nil) is not nil")
	}
}
