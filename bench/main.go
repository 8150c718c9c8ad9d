// Command bench measures inboxd's store side by side with an SQLite peer on
// the realistic workload (../shared/bench-workload.md), back to back on the
// same seed and disk, and prints one table with the ratios:
//
//	cd bench && go run . -items 1000000 -stores inboxd,sqlite
//
// Each store runs in a child process of its own (so its memory figures are
// its own), on a fresh directory under -dir. With -runs 2 the second run
// starts with the other store, so slow drift on a shared machine falls on
// both. It lives in its own module so that the SQLite driver (cgo) never
// enters the main module's dependencies or its static build.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/inboxd/inboxd/pkg/sim/workload"
	"github.com/inboxd/inboxd/pkg/store/storebench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}

// stores are the targets by name.
var stores = map[string]func(dir string) (storebench.Target, error){
	"inboxd": func(dir string) (storebench.Target, error) {
		return storebench.OpenInboxd(filepath.Join(dir, "inboxd.db"))
	},
	"sqlite": func(dir string) (storebench.Target, error) {
		return OpenPeer(filepath.Join(dir, "peer.sqlite"))
	},
}

type config struct {
	items      int
	stores     []string
	seed       uint64
	runs       int
	dir        string
	wl         string
	profileDir string
	jsonOut    bool
	child      string
	sequential bool
	reingest   int
	lists      int
	statsCalls int
}

func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.items, "items", 100_000, "items to fill, in pages of 100")
	storeList := fs.String("stores", "inboxd,sqlite", "comma-separated stores to run, in order: inboxd, sqlite")
	fs.Uint64Var(&c.seed, "seed", 1, "workload seed")
	fs.IntVar(&c.runs, "runs", 1, "runs of every store; even runs start with the other store")
	fs.StringVar(&c.dir, "dir", os.TempDir(), "`dir` for the data files (the same disk for every store)")
	fs.StringVar(&c.wl, "workload", string(workload.Realistic), "workload: realistic or simple")
	fs.StringVar(&c.profileDir, "cpuprofile", "", "write a CPU profile of each fill to `dir`/<store>-<run>.pprof")
	fs.BoolVar(&c.jsonOut, "json", false, "also print every run's figures as JSON lines")
	fs.BoolVar(&c.sequential, "sequential", false, "ingest one page at a time (default: pages of different accounts ready at once are ingested concurrently)")
	fs.IntVar(&c.reingest, "reingest", 1000, "pages re-ingested")
	fs.IntVar(&c.lists, "lists", 2000, "list calls")
	fs.IntVar(&c.statsCalls, "stats", 2000, "stats calls")
	fs.StringVar(&c.child, "child", "", "internal: run one store in this process and print its result as JSON")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, s := range strings.Split(*storeList, ",") {
		s = strings.TrimSpace(s)
		if _, ok := stores[s]; !ok {
			return c, fmt.Errorf("-stores: unknown store %q; known: inboxd, sqlite", s)
		}
		c.stores = append(c.stores, s)
	}
	if c.items < workload.PageSize {
		return c, fmt.Errorf("-items: at least %d, got %d", workload.PageSize, c.items)
	}
	if c.runs < 1 {
		return c, fmt.Errorf("-runs: at least 1, got %d", c.runs)
	}
	if _, err := workload.New(workload.Case(c.wl), c.seed, c.items); err != nil {
		return c, fmt.Errorf("-workload: %w", err)
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parse(args, stderr)
	if err != nil {
		return err
	}
	if c.child != "" {
		return runChild(ctx, c, stdout, stderr)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench: %s workload, %d items, seed %d, stores %s, %d run(s), data under %s\n",
		c.wl, c.items, c.seed, strings.Join(c.stores, ","), c.runs, c.dir)
	var runs [][]Result
	for r := 1; r <= c.runs; r++ {
		order := slices.Clone(c.stores)
		if r%2 == 0 {
			slices.Reverse(order)
		}
		got := map[string]Result{}
		for _, name := range order {
			res, err := runOne(ctx, self, c, name, r, stderr)
			if err != nil {
				return fmt.Errorf("run %d, %s: %w", r, name, err)
			}
			got[name] = res
			if c.jsonOut {
				line, _ := json.Marshal(res)
				fmt.Fprintln(stdout, string(line))
			}
		}
		var row []Result
		for _, name := range c.stores { // table columns in -stores order
			row = append(row, got[name])
		}
		runs = append(runs, row)
	}
	mode := "pages of different accounts ready at once ingested concurrently"
	if c.sequential {
		mode = "one page at a time"
	}
	fmt.Fprintf(stdout, "\n%s workload, %d items, seed %d, %s (ratios: %s)\n\n", c.wl, c.items, c.seed, mode, strings.Join(c.stores, "/"))
	storebench.PrintTable(stdout, runs)
	return nil
}

// Result is one store's figures.
type Result = storebench.Result

// runOne runs one store in a child process on a fresh directory.
func runOne(ctx context.Context, self string, c config, name string, r int, stderr io.Writer) (Result, error) {
	dir, err := os.MkdirTemp(c.dir, "inboxd-bench-"+name+"-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	args := []string{"-child", name, "-items", fmt.Sprint(c.items), "-seed", fmt.Sprint(c.seed), "-dir", dir,
		"-workload", c.wl, fmt.Sprintf("-sequential=%v", c.sequential), "-reingest", fmt.Sprint(c.reingest), "-lists", fmt.Sprint(c.lists), "-stats", fmt.Sprint(c.statsCalls)}
	if c.profileDir != "" {
		if err := os.MkdirAll(c.profileDir, 0o755); err != nil {
			return Result{}, err
		}
		args = append(args, "-cpuprofile", filepath.Join(c.profileDir, fmt.Sprintf("%s-%d.pprof", name, r)))
	}
	cmd := exec.CommandContext(ctx, self, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, stderr
	if err := cmd.Run(); err != nil {
		return Result{}, err
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return Result{}, fmt.Errorf("child's result %q: %w", out.String(), err)
	}
	return res, nil
}

// runChild fills one store and prints its figures as JSON.
func runChild(ctx context.Context, c config, stdout, stderr io.Writer) error {
	w, err := workload.New(workload.Case(c.wl), c.seed, c.items)
	if err != nil {
		return err
	}
	t, err := stores[c.child](c.dir)
	if err != nil {
		return err
	}
	o := storebench.Options{Reingest: c.reingest, Lists: c.lists, StatsCalls: c.statsCalls, Sequential: c.sequential, Progress: stderr}
	if c.profileDir != "" { // in the child, -cpuprofile is the file
		f, err := os.Create(c.profileDir)
		if err != nil {
			return err
		}
		defer f.Close()
		o.CPUProfile = f
	}
	res, err := storebench.Run(ctx, c.child, t, w, c.seed, o)
	if err != nil {
		t.Close()
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}
