package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/inboxd/inboxd/connectors/registry"
	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/scrub"
	"github.com/inboxd/inboxd/pkg/store"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
// Empty, the module version or VCS revision from the build info is used.
var version string

// dataFileName is the bbolt file inside data_dir.
const dataFileName = "inboxd.db"

// env is what a command may touch of the outside world; tests fill it in.
type env struct {
	stdout, stderr io.Writer
	stdin          io.Reader // user create --password-stdin
	getenv         func(string) (string, bool)
	// ready, when set, is called by serve with the address it listens on
	// once it accepts connections.
	ready func(addr string)
	// hup delivers SIGHUP: serve reloads its config.
	hup <-chan os.Signal
}

// run is the whole program: args are the command-line arguments without the
// program name.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return runEnv(ctx, args, env{stdout: stdout, stderr: stderr, stdin: os.Stdin, getenv: os.LookupEnv, hup: hup})
}

type command struct {
	name    string // "token create"
	usage   string // flags and arguments
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

// commands is the command table; a command of two words ("token create")
// is looked up by both.
func commands() []command {
	return []command{
		{"serve", "--config FILE", "run the daemon: poll the accounts, serve the API", serve},
		{"demo", "[--listen ADDR] [--data DIR] [--rate N] [--no-limits]", "run the daemon against built-in Facebook and X simulators (no credentials needed)", demo},
		{"probe", "--config FILE --account NAME", "check an account's credentials and permissions, read-only", probe},
		{"token create", "--config FILE --name NAME --role admin|operator|viewer [--unit UNIT]", "create an API token and print it (daemon stopped)", tokenCreate},
		{"token list", "--config FILE", "list API tokens (never their secrets)", tokenList},
		{"token revoke", "--config FILE NAME", "delete an API token", tokenRevoke},
		{"user create", "--config FILE --username NAME --role admin|operator|viewer [--unit CODE] [--display-name TEXT] [--password-stdin]",
			"create a person's sign-in; prints a one-time set-password link (daemon stopped)", userCreate},
		{"user list", "--config FILE [--username NAME]", "list users (never their passwords)", userList},
		{"user disable", "--config FILE --username NAME", "disable a user and end their sessions", userDisable},
		{"user enable", "--config FILE --username NAME", "enable a disabled user", userEnable},
		{"user reset-password", "--config FILE --username NAME", "remove a user's password and print a new set-password link", userResetPassword},
		{"templates import", "--config FILE TEMPLATES.yaml", "create or replace the reply templates of a file (daemon stopped)", templatesImport},
		{"backup", "--config FILE --out FILE", "copy the data file to FILE, mode 0600 (daemon stopped)", backup},
		{"reindex", "--config FILE", "rebuild the search index and check it against a scan (daemon stopped)", reindex},
		{"config check", "--config FILE", "validate a config file and report every error", configCheck},
		{"report monthly", reportMonthlyUsage, "the monthly report (json, csv or a printable html page) from a running daemon or a data file", reportMonthly},
		{"version", "", "print the version", printVersion},
	}
}

func runEnv(ctx context.Context, args []string, e env) error {
	err := dispatch(ctx, args, e)
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		printUsage(e.stderr)
		return &usageError{errors.New("no command given")}
	}
	switch args[0] {
	case "-h", "-help", "--help":
		printUsage(e.stdout)
		return errHelp
	case "help":
		if len(args) == 1 {
			printUsage(e.stdout)
			return errHelp
		}
		// "inboxd help token create" is "inboxd token create --help".
		return dispatch(ctx, append(slices.Clone(args[1:]), "--help"), e)
	case "--version", "-version":
		return printVersion(ctx, e, args[1:])
	}
	var group []command // args[0] names a group of commands, like "token"
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if words[0] != args[0] {
			continue
		}
		if len(words) == 1 {
			return c.run(ctx, e, args[1:])
		}
		group = append(group, c)
		if len(args) > 1 && words[1] == args[1] {
			return c.run(ctx, e, args[2:])
		}
	}
	if len(group) > 0 && len(args) > 1 && isHelpFlag(args[1]) {
		printCommands(e.stdout, group, "Run 'inboxd "+args[0]+" <subcommand> --help' for a subcommand's flags.")
		return errHelp
	}
	printUsage(e.stderr)
	if len(group) > 0 {
		if len(args) == 1 {
			return usageErrorf(e.stderr, "%s: missing subcommand", args[0])
		}
		return usageErrorf(e.stderr, "%s: unknown subcommand %q", args[0], args[1])
	}
	return usageErrorf(e.stderr, "unknown command %q", args[0])
}

func isHelpFlag(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

func printUsage(w io.Writer) {
	_, _ = io.WriteString(w, "usage: inboxd <command> [flags]\n\n")
	printCommands(w, commands(), "Run 'inboxd <command> --help' (or 'inboxd help <command>') for a command's flags;\n'inboxd --version' prints the version.")
}

func printCommands(w io.Writer, cmds []command, footer string) {
	var b strings.Builder
	b.WriteString("commands:\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "  %s\n        %s\n", strings.TrimSpace("inboxd "+c.name+" "+c.usage), c.summary)
	}
	b.WriteString("\n" + footer + "\n")
	_, _ = io.WriteString(w, b.String())
}

// usageError is a command-line mistake, already reported on stderr together
// with the usage (main exits 2 without repeating it).
type usageError struct{ err error }

func (u *usageError) Error() string { return u.err.Error() }
func (u *usageError) Unwrap() error { return u.err }

func usageErrorf(w io.Writer, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	fmt.Fprintf(w, "inboxd: %v\n", err)
	return &usageError{err}
}

// errHelp ends a command after its usage was asked for and printed.
var errHelp = errors.New("help requested")

// newFlags makes a command's flag set; parse reports its errors.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("inboxd "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse prints errors and usage itself, once
	fs.Usage = func() {}
	return fs
}

// parse parses flags and positional arguments in any order (so both
// "token revoke --config F NAME" and "token revoke NAME --config F" work),
// and returns the positional ones.
func parse(fs *flag.FlagSet, e env, usage string, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				flagUsage(fs, e.stdout, usage) // asked for: stdout, exit 0
				return nil, errHelp
			}
			flagUsage(fs, e.stderr, usage)
			msg := err.Error()
			if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
				msg = "unknown flag --" + name
			}
			// The flag package writes -flag; usage lines and docs write --flag.
			msg = strings.NewReplacer("argument: -", "argument: --", "for flag -", "for flag --").Replace(msg)
			return nil, usageErrorf(e.stderr, "%s: %s", strings.TrimPrefix(fs.Name(), "inboxd "), msg)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// flagUsage prints a command's usage line and its flags, written --flag
// as the usage line and the README write them (the flag package prints
// -flag).
func flagUsage(fs *flag.FlagSet, w io.Writer, usage string) {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s %s\n", fs.Name(), usage)
	fs.VisitAll(func(f *flag.Flag) {
		name, help := flag.UnquoteUsage(f)
		fmt.Fprintf(&b, "  --%s", f.Name)
		if name != "" {
			b.WriteString(" " + name)
		}
		b.WriteString("\n        " + help)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
	})
	_, _ = io.WriteString(w, b.String())
}

// configFlag registers the --config flag every command but version has.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "configuration `FILE` (see config.example.yaml)")
}

func requireConfig(fs *flag.FlagSet, e env, usage, path string) error {
	if path == "" {
		flagUsage(fs, e.stderr, usage)
		return usageErrorf(e.stderr, "%s: --config is required", strings.TrimPrefix(fs.Name(), "inboxd "))
	}
	return nil
}

// commandConfig is the start of every command that reads --config: parse
// the flags (no positional arguments), require --config, run check on the
// other flags (nil: none), then load the file.
func commandConfig(fs *flag.FlagSet, e env, usage string, args []string, path *string, check func() error) (*config.Config, error) {
	if _, err := parseNoArgs(fs, e, usage, args); err != nil {
		return nil, err
	}
	if err := requireConfig(fs, e, usage, *path); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, err
		}
	}
	cfg, err := loadConfig(*path, e.getenv)
	if err != nil {
		return nil, err
	}
	logger, _ := newLogger(e.stderr, cfg)
	for _, w := range cfg.Warnings {
		logger.Warn("configuration: " + w)
	}
	return cfg, nil
}

// onStore opens the data file (see openStore), runs fn on it and closes
// it; a failed close is the error when fn succeeded.
func onStore(cfg *config.Config, e env, create bool, lockHint string, fn func(*store.Store) error) error {
	logger, _ := newLogger(e.stderr, cfg)
	st, err := openStore(cfg, logger, create, lockHint)
	if err != nil {
		return err
	}
	err = fn(st)
	if cerr := st.Close(); err == nil && cerr != nil {
		return fmt.Errorf("close data file: %w", cerr)
	}
	return err
}

func loadConfig(path string, getenv func(string) (string, bool)) (*config.Config, error) {
	cfg, err := config.Load(path, getenv, registry.Config()...)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("invalid configuration:\n%w", err)
		}
		return nil, err
	}
	return cfg, nil
}

// newLogger builds the process's logger and its credential scrubber: every
// secret of cfg is registered with the scrubber, and every log record
// passes through it. The scrubber goes on to wherever platform errors
// become text (the scheduler's stored states) and learns the secrets of
// accounts a reload adds.
func newLogger(w io.Writer, cfg *config.Config) (*slog.Logger, *scrub.Scrubber) {
	scr := scrub.New(0)
	scr.Add(cfg.HTTP.BootstrapAdminToken.Reveal())
	for _, a := range cfg.Accounts {
		scr.Add(registry.Secrets(a)...)
	}
	opts := &slog.HandlerOptions{Level: cfg.Log.SlogLevel(), ReplaceAttr: durationString}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.Log.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(scr.Handler(h)), scr
}

// durationString writes durations as Go duration strings ("4s", "1m30s")
// in both formats: the JSON handler would print nanoseconds (4000000000).
func durationString(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

func dataFile(cfg *config.Config) string { return filepath.Join(cfg.DataDir, dataFileName) }

// lockedError says that a running daemon holds the data file, and what the
// operator can do instead.
type lockedError struct {
	path, hint string
	err        error
}

func (l *lockedError) Error() string {
	return fmt.Sprintf("inboxd is running and holds %s; %s", l.path, l.hint)
}
func (l *lockedError) Unwrap() error { return l.err }

// openStore opens the data file, creating data_dir (0700) and the file when
// create is set; otherwise a missing file is an error (there is nothing to
// list or back up). lockHint tells the operator what to do when a running
// daemon holds the file.
func openStore(cfg *config.Config, logger *slog.Logger, create bool, lockHint string) (*store.Store, error) {
	path := dataFile(cfg)
	if create {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data_dir: %w", err)
		}
	} else if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no data file at %s (check data_dir; inboxd serve creates it)", path)
		}
		return nil, err
	}
	st, err := store.Open(path, store.Options{Location: cfg.Location, TicketPrefix: cfg.TicketPrefix, Logger: logger, MaxTokens: cfg.HTTP.MaxTokens, Replies: registry.Replies(),
		WorkingTime: cfg.Calendar.WorkingTimeBetween, // the report backfill of a file from before it
		Quarantine:  store.QuarantineLimits{MaxRecords: cfg.Quarantine.MaxRecords, MaxAge: cfg.Quarantine.MaxAge, MaxRawBytes: cfg.Quarantine.MaxRawBytes}})
	if errors.Is(err, store.ErrLocked) {
		return nil, &lockedError{path: path, hint: lockHint, err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return st, nil
}

func configCheck(_ context.Context, e env, args []string) error {
	const usage = "--config FILE"
	fs := newFlags("config check")
	path := configFlag(fs)
	cfg, err := commandConfig(fs, e, usage, args, path, nil)
	if err != nil {
		return err
	}
	noun := "accounts"
	if len(cfg.Accounts) == 1 {
		noun = "account"
	}
	for _, w := range budgetWarnings(cfg) {
		fmt.Fprintln(e.stderr, "warning: "+w)
	}
	var extra string
	if cfg.Units != nil {
		extra += fmt.Sprintf(", %d units", len(cfg.Units))
	}
	if len(cfg.Routing) > 0 {
		extra += fmt.Sprintf(", %d routing rules", len(cfg.Routing))
	}
	fmt.Fprintf(e.stdout, "config OK: %d %s%s\n", len(cfg.Accounts), noun, extra)
	return nil
}

// parseNoArgs parses a command that takes flags only.
func parseNoArgs(fs *flag.FlagSet, e env, usage string, args []string) ([]string, error) {
	pos, err := parse(fs, e, usage, args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		flagUsage(fs, e.stderr, usage)
		return nil, usageErrorf(e.stderr, "%s: unexpected argument %q", strings.TrimPrefix(fs.Name(), "inboxd "), pos[0])
	}
	return nil, nil
}

func printVersion(_ context.Context, e env, args []string) error {
	fs := newFlags("version")
	if _, err := parseNoArgs(fs, e, "", args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "inboxd %s (%s, %s/%s)\n", currentVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

func currentVersion() string {
	info, ok := debug.ReadBuildInfo()
	return versionString(version, info, ok)
}

// versionString prefers the version set with -ldflags, then the module
// version (go install module@version), then the VCS revision.
func versionString(ldflags string, info *debug.BuildInfo, ok bool) string {
	if ldflags != "" {
		return ldflags
	}
	if !ok || info == nil {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return "devel-" + rev
}
