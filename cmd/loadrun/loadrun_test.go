package main

import (
	"strings"
	"testing"
	"time"
)

// These test the tool's parsing and arithmetic only; the load runs
// themselves are commands, never part of go test.

func TestParseProcStatus(t *testing.T) {
	const status = "Name:\tinboxd\nVmPeak:\t  900000 kB\nVmRSS:\t   51234 kB\nRssAnon:\t   20480 kB\nRssFile:\t   30754 kB\nRssShmem:\t       0 kB\nThreads:\t8\n"
	m, err := parseProcStatus(strings.NewReader(status))
	if err != nil {
		t.Fatal(err)
	}
	if want := (procMemory{RssAnon: 20480, RssFile: 30754, VmRSS: 51234}); m != want {
		t.Fatalf("got %+v, want %+v", m, want)
	}
	for _, bad := range []string{
		"VmRSS:\t1 kB\nRssAnon:\t2 kB\n",                 // RssFile missing
		"VmRSS:\t1 kB\nRssAnon:\t2 MB\nRssFile:\t3 kB\n", // unit
		"VmRSS:\t1 kB\nRssAnon:\tx kB\nRssFile:\t3 kB\n", // number
	} {
		if _, err := parseProcStatus(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}, {0.5, time.Millisecond}} {
		if got := percentile(d, c.p); got != c.want {
			t.Errorf("p%g = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("empty: %v", got)
	}
	if got := percentile(d[:1], 99); got != time.Millisecond {
		t.Errorf("one value: %v", got)
	}
}

func TestReadEvents(t *testing.T) {
	stream := ": heartbeat\n\nid: a-1\nevent: item.created\ndata: {\"external_id\":\"1\"}\n\n" +
		"id: a-2\nevent: reply.sent\ndata: {}\n\n" +
		"data: line1\ndata: line2\n\n"
	type ev struct{ typ, data string }
	var got []ev
	if err := readEvents(strings.NewReader(stream), func(typ string, data []byte) {
		got = append(got, ev{typ, string(data)})
	}); err != nil {
		t.Fatal(err)
	}
	want := []ev{{"item.created", `{"external_id":"1"}`}, {"reply.sent", "{}"}, {"message", "line1\nline2"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

func TestPollInterval(t *testing.T) {
	for spec, want := range map[string]time.Duration{"@every 5s": 5 * time.Second, "@every 1m30s": 90 * time.Second, "*/5 * * * *": time.Minute} {
		if got := pollInterval(spec); got != want {
			t.Errorf("%q: %v, want %v", spec, got, want)
		}
	}
}
