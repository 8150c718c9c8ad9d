package connectors

import (
	"testing"
	"time"
)

func TestBudgetSlidingWindow(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	b := NewBudget(3, 15*time.Minute)
	for i := range 3 {
		if ok, _ := b.Take(t0.Add(time.Duration(i)*time.Minute), Human); !ok {
			t.Fatalf("take %d refused", i)
		}
	}
	ok, at := b.Take(t0.Add(5*time.Minute), Human)
	if ok || !at.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("fourth take = %v, %v; want refused until the first leaves the window", ok, at)
	}
	if got := b.AvailableAt(t0.Add(5 * time.Minute)); !got.Equal(t0.Add(15 * time.Minute)) {
		t.Fatalf("AvailableAt = %v", got)
	}
	if ok, _ := b.Take(t0.Add(15*time.Minute), Human); !ok {
		t.Fatal("take after the window refused")
	}
	if n := b.Used(t0.Add(15 * time.Minute)); n != 3 {
		t.Fatalf("Used = %d, want 3", n)
	}
}

func TestBudgetKeepsReserveForPeople(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	b := &Budget{Limit: 3, Window: time.Hour, Reserve: 1}
	for i := range 2 {
		if ok, _ := b.Take(t0, Automatic); !ok {
			t.Fatalf("automatic take %d refused", i)
		}
	}
	if ok, _ := b.Take(t0, Automatic); ok {
		t.Fatal("automatic take used the people's reserve")
	}
	if ok, _ := b.Take(t0, Human); !ok {
		t.Fatal("human take refused while the reserve was free")
	}
	var unlimited *Budget
	if ok, _ := unlimited.Take(t0, Human); !ok {
		t.Fatal("nil budget refused")
	}
}
