package connectors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestClassification(t *testing.T) {
	reset := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	rl := &Error{Class: RateLimited, Op: "poll mentions", RetryAt: reset, Code: "88"}
	wrapped := fmt.Errorf("poll: %w", rl)
	if got := ClassOf(wrapped); got != RateLimited {
		t.Fatalf("ClassOf(wrapped) = %q", got)
	}
	if got := RetryAtOf(wrapped); !got.Equal(reset) {
		t.Fatalf("RetryAtOf = %v", got)
	}
	if ClassOf(nil) != "" {
		t.Fatal("nil error has a class")
	}
	if ClassOf(errors.New("boom")) != Transient {
		t.Fatal("unclassified errors are transient")
	}
	if !MayHaveReached(errors.New("boom")) {
		t.Fatal("an unclassified send error may have reached the platform")
	}
	if MayHaveReached(&Error{Class: Transient}) {
		t.Fatal("a classified error says itself whether it may have reached")
	}
	if !MayHaveReached(fmt.Errorf("x: %w", &Error{Class: Transient, MayHaveReached: true})) {
		t.Fatal("MayHaveReached lost through wrapping")
	}
}

func TestErrorfWrapsCause(t *testing.T) {
	e := Errorf(Transient, "send comment", "post failed: %w", context.DeadlineExceeded)
	if !errors.Is(e, context.DeadlineExceeded) {
		t.Fatal("cause not wrapped")
	}
	s := e.Error()
	for _, want := range []string{"send comment", "transient", "post failed"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q does not mention %q", s, want)
		}
	}
}

func TestReportOK(t *testing.T) {
	if !(Report{Permissions: []string{"pages_messaging"}}).OK() {
		t.Fatal("report with nothing missing should be OK")
	}
	if (Report{Missing: []string{"pages_messaging"}}).OK() || (Report{Problems: []string{"token expired"}}).OK() {
		t.Fatal("report with missing permissions or problems is not OK")
	}
}
