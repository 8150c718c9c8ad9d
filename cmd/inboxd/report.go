package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/inboxd/inboxd/connectors/registry"
	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/report"
	"github.com/inboxd/inboxd/pkg/store"
)

const reportMonthlyUsage = "--month YYYY-MM (--url URL | --data FILE) [--format json|csv|html] [--unit CODE] [--out FILE] [--config FILE]"

// reportHTTPTimeout bounds the request to a running daemon.
const reportHTTPTimeout = time.Minute

// reportMonthly writes the monthly report (docs/REPORT.md). The daemon holds
// the data file's lock, so it asks a running daemon's API (--url, token in
// INBOXD_TOKEN) or reads a backup or a stopped daemon's data file (--data,
// opened read-only: a copy is read).
func reportMonthly(ctx context.Context, e env, args []string) error {
	fs := newFlags("report monthly")
	month := fs.String("month", "", "the report's `YYYY-MM`, e.g. 2026-11 (required)")
	format := fs.String("format", report.FormatJSON, "json, csv or html")
	unit := fs.String("unit", "", "only this unit's `CODE` (- for the items without unit)")
	out := fs.String("out", "", "write the report to `FILE` (default: standard output)")
	baseURL := fs.String("url", "", "a running daemon's address, e.g. http://127.0.0.1:8080 (the API token in INBOXD_TOKEN)")
	data := fs.String("data", "", "a data `FILE` (a backup, or a stopped daemon's), opened read-only")
	cfgPath := configFlag(fs)
	if _, err := parseNoArgs(fs, e, reportMonthlyUsage, args); err != nil {
		return err
	}
	usageErr := func(format string, args ...any) error {
		flagUsage(fs, e.stderr, reportMonthlyUsage)
		return usageErrorf(e.stderr, "report monthly: "+format, args...)
	}
	year, mon, err := store.ParseMonth(*month)
	switch {
	case *month == "":
		return usageErr("--month is required (YYYY-MM, e.g. 2026-11)")
	case err != nil:
		return usageErr("--month: %q is not a month; write it as YYYY-MM, e.g. 2026-11", *month)
	case report.ContentType(*format) == "":
		return usageErr("--format: %q is not a report format; one of json, csv, html", *format)
	case *baseURL == "" && *data == "":
		return usageErr("give --url (a running daemon's API, with the token in INBOXD_TOKEN) or --data FILE (a backup or a stopped daemon's data file): the daemon holds its data file's lock")
	case *baseURL != "" && *data != "":
		return usageErr("give --url or --data, not both")
	}
	var body []byte
	if *baseURL != "" {
		token, _ := e.getenv("INBOXD_TOKEN")
		if token == "" {
			return usageErr("--url needs an API token (viewer or above) in INBOXD_TOKEN")
		}
		body, err = fetchReport(ctx, *baseURL, token, *month, *unit, *format)
	} else {
		body, err = localReport(e, *data, *cfgPath, year, mon, *unit, *format)
	}
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = e.stdout.Write(body)
		return err
	}
	if err := os.WriteFile(*out, body, 0o644); err != nil {
		return fmt.Errorf("report monthly: %w", err)
	}
	fmt.Fprintf(e.stdout, "report for %s written to %s (%d bytes)\n", *month, *out, len(body))
	return nil
}

// fetchReport asks a running daemon's API.
func fetchReport(ctx context.Context, base, token, month, unit, format string) ([]byte, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("report monthly: --url %q is not an http(s) address, e.g. http://127.0.0.1:8080", base)
	}
	q := url.Values{"month": {month}, "format": {format}}
	if unit != "" {
		q.Set("unit", unit)
	}
	u = u.JoinPath("/api/v1/reports/monthly")
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, reportHTTPTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("report monthly: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("report monthly: ask %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("report monthly: read the answer of %s: %w", u.Host, err)
	}
	if resp.StatusCode != http.StatusOK {
		var p struct {
			Title, Detail string
		}
		if json.Unmarshal(body, &p) == nil && p.Detail != "" {
			return nil, fmt.Errorf("report monthly: %s answered %d: %s", u.Host, resp.StatusCode, p.Detail)
		}
		return nil, fmt.Errorf("report monthly: %s answered %s", u.Host, resp.Status)
	}
	return body, nil
}

// localReport builds the report from a copy of a data file; --config, when
// given, brings the time zone, office_name, the units' names and the
// calendar (working hours for a file from before the report counters).
func localReport(e env, data, cfgPath string, year int, mon time.Month, unit, format string) ([]byte, error) {
	opts := store.Options{}
	var officeName string
	var units []inbox.Unit
	if cfgPath != "" {
		cfg, err := loadConfig(cfgPath, e.getenv)
		if err != nil {
			return nil, err
		}
		logger, _ := newLogger(e.stderr, cfg)
		opts = store.Options{Location: cfg.Location, TicketPrefix: cfg.TicketPrefix, Logger: logger, WorkingTime: cfg.Calendar.WorkingTimeBetween}
		officeName, units = cfg.OfficeName, cfg.Units
	} else {
		loc, err := time.LoadLocation(config.DefaultTimezone)
		if err != nil {
			loc = time.FixedZone("WIB", 7*3600)
		}
		opts.Location = loc
		logger, _ := newLogger(e.stderr, &config.Config{Log: config.Log{Level: config.DefaultLogLevel, Format: config.DefaultLogFormat}})
		opts.Logger = logger
	}
	st, done, err := store.OpenCopy(data, "", opts)
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return nil, fmt.Errorf("report monthly: %w (use --url)", err)
		}
		return nil, fmt.Errorf("report monthly: %w", err)
	}
	rep, err := st.MonthlyReport(year, mon, unit)
	if cerr := done(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("report monthly: %w", err)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, report.NewDocument(rep, officeName, units, registry.Replies(), time.Now()), format); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// closeMonths takes the monthly report's backlog snapshot of every month
// that ended since the last (store.CloseMonths: a read when there is none
// to take). The deadline worker calls it when the daemon starts and on
// every tick, so the first tick after a month boundary takes it.
func closeMonths(st *store.Store, log *slog.Logger) {
	months, err := st.CloseMonths()
	if err != nil {
		log.Error("monthly report: month-end snapshot", "err", err)
		return
	}
	if len(months) > 0 {
		log.Info("monthly report: month closed, backlog snapshot taken", "months", months)
	}
}
