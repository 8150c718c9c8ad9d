package sim

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// On the wall clock, Run sends what is due by the time passed, not by the
// ticks received: a ticker that fires late (dropped ticks on a busy
// machine) must not lower the rate. The clock here jumps a second per
// reading, so each tick owes 1,000 messages at 1,000/s (counting ticks
// would send 10, one 10 ms interval's worth).
func TestRunKeepsRateWhenTicksAreLate(t *testing.T) {
	g := NewGenerator(1)
	clock := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	emitted := 0
	var atReading []int // messages emitted when the clock was read
	g.now = func() time.Time {
		atReading = append(atReading, emitted)
		clock = clock.Add(time.Second)
		return clock
	}
	errStop := errors.New("stop")
	n, err := g.Run(context.Background(), 1000, 0, nil, func(context.Context, Message) error {
		if emitted == 3000 {
			return errStop
		}
		emitted++
		return nil
	})
	if !errors.Is(err, errStop) || n != 3000 {
		t.Fatalf("Run = %d, %v; want 3000 and the stop error", n, err)
	}
	// Readings: the start, then one per tick, each a second later.
	if want := []int{0, 0, 1000, 2000, 3000}; !slices.Equal(atReading, want) {
		t.Fatalf("emitted at clock readings %v, want %v", atReading, want)
	}
}
