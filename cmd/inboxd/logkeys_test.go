package main

import (
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/config"
)

// logKeys returns the keys of one slog text-handler line, in order
// (values may be quoted, with escapes).
func logKeys(line string) []string {
	var keys []string
	for i := 0; i < len(line); {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		eq := strings.IndexByte(line[i:], '=')
		if eq < 0 {
			break
		}
		keys = append(keys, line[i:i+eq])
		i += eq + 1
		if i < len(line) && line[i] == '"' {
			i++
			for i < len(line) && line[i] != '"' {
				if line[i] == '\\' {
					i++
				}
				i++
			}
			i++
		} else {
			for i < len(line) && line[i] != ' ' {
				i++
			}
		}
	}
	return keys
}

// checkNoDuplicateLogKeys fails on a log line that names a key twice
// (platform=facebook platform=facebook account=… account=…, as the
// scheduler and the connectors once both added them).
func checkNoDuplicateLogKeys(t *testing.T, log string) {
	t.Helper()
	bad := 0
	for _, line := range strings.Split(log, "\n") {
		if !strings.HasPrefix(line, "time=") {
			continue
		}
		seen := map[string]bool{}
		for _, k := range logKeys(line) {
			if seen[k] {
				if bad++; bad <= 10 {
					t.Errorf("log key %q twice: %s", k, line)
				}
				break
			}
			seen[k] = true
		}
	}
}

func TestLogKeys(t *testing.T) {
	got := logKeys(`time=2026 level=INFO msg="a b=c \"d=e\"" account=x err="f g"`)
	if strings.Join(got, ",") != "time,level,msg,account,err" {
		t.Errorf("logKeys = %q", got)
	}
}

// Durations are Go duration strings in both log formats; JSON printed
// nanoseconds ("grace":4000000000).
func TestLogDurations(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		var b strings.Builder
		logger, _ := newLogger(&b, &config.Config{Log: config.Log{Level: "info", Format: format}})
		logger.Info("shutting down", "grace", shutdownGrace)
		want := `"grace":"4s"`
		if format == "text" {
			want = "grace=4s"
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s: %s, want %s", format, b.String(), want)
		}
	}
}
