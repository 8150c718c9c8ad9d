package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// daemon is an `inboxd serve` child process.
type daemon struct {
	cmd     *exec.Cmd
	started time.Time // just before exec
	url     string    // http://127.0.0.1:port
	log     *os.File
	exited  chan error
}

// freeAddr finds a free loopback port (the daemon is told the address in
// its config, so /readyz can be polled from the moment it execs).
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// workDir is where a run keeps its config, data and the daemon's log: the
// given dir (kept), or a temp dir removed afterwards.
func workDir(keep, prefix string) (string, func(), error) {
	if keep != "" {
		return keep, func() {}, os.MkdirAll(keep, 0o700)
	}
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}

// writeConfig writes an inboxd config into dir; accounts is the YAML of
// the accounts list (empty: none).
func writeConfig(dir, dataDir, listen, accounts string) (string, error) {
	if accounts == "" {
		accounts = "accounts: []\n"
	}
	yaml := fmt.Sprintf("data_dir: %q\nlog:\n  level: info\nhttp:\n  listen: %q\n%s", dataDir, listen, accounts)
	path := filepath.Join(dir, "loadrun.yaml")
	return path, os.WriteFile(path, []byte(yaml), 0o600)
}

// createToken makes a token with `inboxd token create` (the daemon must
// not be running), replacing an earlier loadrun token of that name.
func createToken(ctx context.Context, bin, cfg, role string) (string, error) {
	return createNamedToken(ctx, bin, cfg, "loadrun-"+role, role)
}

// createNamedToken is createToken with a given name.
func createNamedToken(ctx context.Context, bin, cfg, name, role string) (string, error) {
	_ = exec.CommandContext(ctx, bin, "token", "revoke", "--config", cfg, name).Run() // absent the first time
	var out, errb bytes.Buffer
	c := exec.CommandContext(ctx, bin, "token", "create", "--config", cfg, "--name", name, "--role", role)
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("inboxd token create: %w: %s", err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// startDaemon execs `inboxd serve`; its output goes to logPath.
func startDaemon(bin, cfg, listen, logPath string, env ...string) (*daemon, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	d := &daemon{url: "http://" + listen, log: log, exited: make(chan error, 1)}
	d.cmd = exec.Command(bin, "serve", "--config", cfg)
	d.cmd.Stdout, d.cmd.Stderr = log, log
	d.cmd.Env = append(os.Environ(), env...)
	d.started = time.Now()
	if err := d.cmd.Start(); err != nil {
		_ = log.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { d.exited <- d.cmd.Wait() }()
	return d, nil
}

// startReady starts the daemon and waits for /readyz; stop (always safe to
// defer once err is nil) sends SIGTERM and reports a failed stop on stderr.
func startReady(ctx context.Context, stderr io.Writer, bin, cfg, listen, logPath string, env ...string) (d *daemon, stop func(), err error) {
	d, err = startDaemon(bin, cfg, listen, logPath, env...)
	if err != nil {
		return nil, nil, err
	}
	stop = func() {
		if err := d.stop(); err != nil {
			fmt.Fprintln(stderr, "stop:", err)
		}
	}
	if _, err := d.waitReady(ctx, 30*time.Second); err != nil {
		stop()
		return nil, nil, err
	}
	return d, stop, nil
}

// waitReady polls /readyz as fast as the loopback allows and returns the
// time from exec to the first 200.
func (d *daemon) waitReady(ctx context.Context, limit time.Duration) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-d.exited:
			d.exited <- err
			return 0, fmt.Errorf("inboxd exited before ready: %v (log: %s)", err, d.log.Name())
		case <-ctx.Done():
			return 0, ctx.Err()
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.url+"/readyz", nil)
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(d.started), nil
			}
		}
		time.Sleep(200 * time.Microsecond) // a tool polling a child, not a test
	}
	return 0, fmt.Errorf("inboxd not ready after %v (log: %s)", limit, d.log.Name())
}

// stop sends SIGTERM and waits for the exit (SIGKILL after 10 s).
func (d *daemon) stop() error {
	defer d.log.Close()
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.exited:
		return err
	case <-time.After(10 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.exited
		return errors.New("inboxd did not stop within 10 s of SIGTERM; killed")
	}
}

// procMemory is what /proc/<pid>/status says of a process's memory, in KiB.
type procMemory struct {
	RssAnon, RssFile, VmRSS int64
}

func readProcMemory(pid int) (procMemory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMemory{}, err
	}
	defer f.Close()
	return parseProcStatus(f)
}

func parseProcStatus(r io.Reader) (procMemory, error) {
	var m procMemory
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch key {
		case "RssAnon":
			dst = &m.RssAnon
		case "RssFile":
			dst = &m.RssFile
		case "VmRSS":
			dst = &m.VmRSS
		default:
			continue
		}
		fields := strings.Fields(val)
		if len(fields) != 2 || fields[1] != "kB" {
			return m, fmt.Errorf("proc status: %s: unexpected value %q", key, val)
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("proc status: %s: %w", key, err)
		}
		*dst = n
		found++
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if found != 3 {
		return m, errors.New("proc status: RssAnon, RssFile or VmRSS missing")
	}
	return m, nil
}
