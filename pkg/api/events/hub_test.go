package events

import (
	"fmt"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ids(evs []Event) []uint64 {
	out := make([]uint64, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func TestSinceWithinAndBeyondRing(t *testing.T) {
	h := NewHub(4, "e1")
	for i := 1; i <= 6; i++ {
		if got := h.Publish("t", "", []byte(fmt.Sprint(i))); got != uint64(i) {
			t.Fatalf("Publish id = %d, want %d", got, i)
		}
	}
	tests := []struct {
		after   uint64
		max     int
		want    []uint64
		wantGap bool
	}{
		{after: 6, want: nil},
		{after: 5, want: []uint64{6}},
		{after: 2, want: []uint64{3, 4, 5, 6}},
		{after: 1, want: []uint64{3, 4, 5, 6}, wantGap: true}, // 2 fell out of the ring
		{after: 0, want: []uint64{3, 4, 5, 6}, wantGap: true},
		{after: 2, max: 2, want: []uint64{3, 4}},
		{after: 9, want: nil},
	}
	for _, tt := range tests {
		evs, gap := h.Since(tt.after, tt.max)
		if fmt.Sprint(ids(evs)) != fmt.Sprint(tt.want) || gap != tt.wantGap {
			t.Errorf("Since(%d,%d) = %v gap=%v, want %v gap=%v", tt.after, tt.max, ids(evs), gap, tt.want, tt.wantGap)
		}
		for _, e := range evs {
			if string(e.Data) != fmt.Sprint(e.ID) {
				t.Errorf("event %d carries data %q", e.ID, e.Data)
			}
		}
	}
}

func TestSinceEmptyHub(t *testing.T) {
	h := NewHub(4, "e1")
	if evs, gap := h.Since(0, 0); len(evs) != 0 || gap {
		t.Fatalf("empty hub: %v gap=%v", evs, gap)
	}
}

func TestWakeCoalescesAndNeverBlocks(t *testing.T) {
	h := NewHub(8, "e1")
	s, ok := h.Subscribe()
	if !ok {
		t.Fatal("Subscribe on open hub failed")
	}
	for i := 0; i < 100; i++ { // nobody reads: must not block
		h.Publish("t", "", nil)
	}
	<-s.Wake()
	select {
	case <-s.Wake():
		t.Fatal("more than one pending wake-up")
	default:
	}
	h.Unsubscribe(s)
	h.Unsubscribe(s)
	if n := h.Subscribers(); n != 0 {
		t.Fatalf("Subscribers = %d after unsubscribe", n)
	}
}

func TestCloseEndsEverything(t *testing.T) {
	h := NewHub(8, "e1")
	s, _ := h.Subscribe()
	h.Close()
	h.Close()
	<-h.Done()
	if _, ok := h.Subscribe(); ok {
		t.Error("Subscribe after Close succeeded")
	}
	if id := h.Publish("t", "", nil); id != 0 {
		t.Errorf("Publish after Close = %d", id)
	}
	select {
	case <-s.Wake():
		t.Error("wake after close")
	default:
	}
}

func TestIDRoundTripAndEpoch(t *testing.T) {
	h := NewHub(8, "abc")
	id, ok := h.ParseID(h.FormatID(42))
	if !ok || id != 42 {
		t.Fatalf("round trip = %d %v", id, ok)
	}
	for _, bad := range []string{"", "42", "xyz-42", "abc-", "abc-x", "abc--1"} {
		if _, ok := h.ParseID(bad); ok {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
}

func TestConcurrentPublishAndRead(t *testing.T) {
	h := NewHub(16, "e")
	s, _ := h.Subscribe()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 250; i++ {
				h.Publish("t", "", nil)
			}
		}()
	}
	var seen uint64
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-s.Wake():
			evs, _ := h.Since(seen, 0)
			for _, e := range evs {
				if e.ID <= seen {
					t.Fatalf("id %d not after %d", e.ID, seen)
				}
				seen = e.ID
			}
			continue
		case <-done:
		}
		break
	}
	if h.LastID() != 1000 {
		t.Fatalf("LastID = %d, want 1000", h.LastID())
	}
}
