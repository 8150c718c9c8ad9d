package sim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestGeneratorIsReproducible(t *testing.T) {
	a, b := NewGenerator(7), NewGenerator(7)
	for i := range 50 {
		ma, mb := a.Next(), b.Next()
		if ma != mb {
			t.Fatalf("message %d differs for the same seed: %+v vs %+v", i, ma, mb)
		}
	}
	c, d := NewGenerator(7), NewGenerator(8)
	same := 0
	for range 20 {
		if c.Next() == d.Next() {
			same++
		}
	}
	if same == 20 {
		t.Fatal("different seeds give the same stream")
	}
}

func TestGeneratorCoversEveryShapeAndTopic(t *testing.T) {
	g := NewGenerator(1)
	shapes, topicsSeen := map[Shape]int{}, map[string]int{}
	for range 2000 {
		m := g.Next()
		shapes[m.Shape]++
		topicsSeen[m.Topic]++
		if strings.ContainsAny(m.Text, "{}") {
			t.Fatalf("unfilled placeholder in %q", m.Text)
		}
		if m.Author.Name == "" || m.Author.Handle == "" || m.Author.Seq == 0 {
			t.Fatalf("incomplete author %+v", m.Author)
		}
	}
	for _, s := range Shapes {
		if shapes[s] == 0 {
			t.Errorf("shape %s never generated", s)
		}
	}
	for _, tp := range topics {
		if topicsSeen[tp.name] == 0 {
			t.Errorf("topic %s never generated", tp.name)
		}
	}
}

func TestRunBurstThenTicks(t *testing.T) {
	g := NewGenerator(3)
	tick := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []Message
	done := make(chan struct{})
	var n int
	var err error
	go func() {
		defer close(done)
		n, err = g.Run(ctx, 1, 5, tick, func(_ context.Context, m Message) error {
			got = append(got, m)
			return nil
		})
	}()
	for range 3 {
		tick <- time.Time{}
	}
	close(tick)
	<-done
	if err != nil || n != 8 || len(got) != 8 {
		t.Fatalf("Run = %d, %v with %d emitted; want 5 burst + 3 ticks", n, err, len(got))
	}
}

func TestRunHighRateEmitsSeveralPerTick(t *testing.T) {
	tick := make(chan time.Time)
	done := make(chan int)
	go func() {
		n, _ := NewGenerator(5).Run(context.Background(), 1000, 0, tick, func(context.Context, Message) error { return nil })
		done <- n
	}()
	for range 10 {
		tick <- time.Time{}
	}
	close(tick)
	// 1000/s with a 10 ms tick is 10 a tick.
	if n := <-done; n != 100 {
		t.Fatalf("10 ticks at 1000/s emitted %d, want 100", n)
	}
}

func TestRunStopsOnEmitError(t *testing.T) {
	boom := errors.New("fake down")
	calls := 0
	n, err := NewGenerator(1).Run(context.Background(), 0, 10, nil, func(context.Context, Message) error {
		calls++
		if calls == 4 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || n != 3 {
		t.Fatalf("Run = %d, %v; want 3 sent and the emit error", n, err)
	}
}
