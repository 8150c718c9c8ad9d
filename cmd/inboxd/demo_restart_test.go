package main

import (
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// The demo restarted on the same data folder queues every message its
// simulated citizens write: the simulators' ids must not repeat across runs
// (the Graph fake's counter once started at the same value each run, so the
// second run's first messages were dropped as duplicates).
func TestDemoRestartKeepsEveryMessage(t *testing.T) {
	dir := t.TempDir()
	for run := 1; run <= 2; run++ {
		runDemoUntilCaughtUp(t, dir, run)
	}
}

var progressLine = regexp.MustCompile(`msg="demo progress" .*generated=(\d+) queued=(\d+) lag=(-?\d+)`)

// runDemoUntilCaughtUp runs the demo on dir until its --progress line shows
// its 12 messages all queued (lag 0), then stops it. Rate 0: the burst only,
// so a lag of 0 is not a race with the next message.
func runDemoUntilCaughtUp(t *testing.T, dir string, run int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		// The same seed each run: the same citizens write the same texts,
		// as a reused demo folder sees them.
		done <- runEnv(ctx, []string{"demo", "--listen", "127.0.0.1:0", "--data", dir,
			"--schedule", "@every 1s", "--burst", "12", "--rate", "0", "--seed", "1",
			"--progress", "100ms"}, env{stdout: &stdout, stderr: &stderr, getenv: envOf()})
	}()
	caughtUp := func() bool {
		for _, m := range progressLine.FindAllStringSubmatch(stderr.String(), -1) {
			generated, _ := strconv.Atoi(m[1])
			lag, _ := strconv.Atoi(m[3])
			if generated >= 12 && lag == 0 {
				return true
			}
		}
		return false
	}
	deadline := time.After(waitDeadline)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !caughtUp() {
		select {
		case err := <-done:
			t.Fatalf("run %d: demo ended: %v\n%s", run, err, tail(stderr.String(), 4000))
		case <-deadline:
			t.Fatalf("run %d: the progress lag never reached 0 with 12+ messages generated:\n%s", run, tail(stderr.String(), 6000))
		case <-tick.C:
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run %d: demo: %v", run, err)
	}
}
