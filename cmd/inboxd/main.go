// Command inboxd polls a PR office's Facebook Page, Instagram and X accounts into one
// durable queue and serves the API operators answer from.
//
// main only wires the process (signals, exit code) to run, which does
// everything else and is what the tests call.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // timezone must load in a scratch/distroless image without zoneinfo
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err == nil {
		return
	}
	var ue *usageError
	if errors.As(err, &ue) {
		os.Exit(2) // already reported, with the usage, on stderr
	}
	fmt.Fprintf(os.Stderr, "inboxd: %v\n", err)
	os.Exit(1)
}
