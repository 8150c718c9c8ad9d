// Command loadrun measures the running daemon for docs/PERFORMANCE.md: it
// builds a large data file, times `inboxd serve` from exec to /readyz,
// samples its anonymous resident memory while API reads run, and measures
// how long a citizen message takes to become a queue item. Everything runs
// on loopback against the pkg/sim fakes; it is a tool, never part of
// `go test ./...`.
//
//	loadrun fill    --data DIR [--items N]
//	loadrun startup --inboxd BIN --data DIR [--runs N]
//	loadrun reads   --inboxd BIN --data DIR [--rate N] [--duration D]
//	loadrun latency --inboxd BIN [--rate N] [--duration D] [--schedule SPEC]
//	loadrun store   --data DIR [--items N] [--workload realistic|simple] [--cpuprofile FILE]
//	loadrun streams --inboxd BIN [--streams N] [--tokens N] [--wait D]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadrun:", err)
		}
		os.Exit(1)
	}
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"fill", "build a data file of N items (spread over 20 units, some open)", fill},
		{"startup", "time `inboxd serve` from exec to /readyz 200, several runs", startup},
		{"reads", "drive API reads at a steady rate and sample the daemon's RssAnon", reads},
		{"latency", "time citizen messages from the fakes to item.created on the event stream", latency},
		{"store", "run the benchmark workload (pkg/store/storebench) on the store alone", storeRun},
		{"streams", "flood event streams and connections past the caps; RssAnon held and after release", streams},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		for _, c := range commands() {
			if c.name == args[0] {
				return c.run(ctx, args[1:], stdout, stderr)
			}
		}
	}
	fmt.Fprintln(stderr, "usage: loadrun <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(stderr, "  %-8s %s\n", c.name, c.summary)
	}
	if len(args) == 0 {
		return errors.New("no command given")
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("loadrun "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
