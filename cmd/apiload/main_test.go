package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRunSelfHosted runs every phase on a tiny store and checks that each
// reports figures without errors (speed itself is not asserted).
func TestRunSelfHosted(t *testing.T) {
	var out, errOut strings.Builder
	err := run(context.Background(), []string{"-items", "300", "-units", "3", "-open-per-unit", "5", "-data", t.TempDir(),
		"-rate", "200", "-stats-rate", "100", "-duration", "200ms", "-warmup", "50ms", "-workers", "2", "-peak", "200ms"}, &out, &errOut)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	got := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`store ready: 300 items, 3 units`),
		regexp.MustCompile(`open loop items .* errors=0 p50=\S+ .*p99=`),
		regexp.MustCompile(`open loop stats .* errors=0 `),
		regexp.MustCompile(`open loop bare .* errors=0 `),
		regexp.MustCompile(`peak items \(2 workers, 200ms each\): api \d+ req/s, bare net/http same bytes \d+ req/s, ratio \d`),
	} {
		if !want.MatchString(got) {
			t.Errorf("output lacks %s:\n%s", want, got)
		}
	}
}

// TestRunCacheModes checks the cache figures: reported with background
// writes (and some misses, since each write invalidates), absent with the
// cache off.
func TestRunCacheModes(t *testing.T) {
	common := []string{"-items", "200", "-units", "2", "-open-per-unit", "3", "-data", t.TempDir(),
		"-rate", "200", "-duration", "300ms", "-warmup", "20ms", "-workers", "2", "-peak", "100ms", "-no-open"}
	var out, errOut strings.Builder
	if err := run(context.Background(), append(common, "-writes", "50", "-rounds", "2"), &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	rounds := regexp.MustCompile(`peak items .* ratio \d\S*, list cache hits \d+\.\d% of \d+\n`).FindAllString(out.String(), -1)
	if len(rounds) != 2 {
		t.Fatalf("want 2 peak rounds with cache figures:\n%s\n%s", out.String(), errOut.String())
	}
	out.Reset()
	if err := run(context.Background(), append(common, "-no-cache"), &out, &errOut); err != nil {
		t.Fatalf("run -no-cache: %v\n%s", err, errOut.String())
	}
	if strings.Contains(out.String(), "list cache") || !strings.Contains(out.String(), "peak items") {
		t.Fatalf("-no-cache output:\n%s", out.String())
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"-rate", "0"}, &out, &errOut); err == nil {
		t.Fatal("a zero rate was accepted")
	}
	if err := run(context.Background(), []string{"-nope"}, &out, &errOut); err == nil {
		t.Fatal("an unknown flag was accepted")
	}
}
