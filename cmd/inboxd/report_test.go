package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/report"
	"github.com/inboxd/inboxd/pkg/store"
)

// With neither --url nor --data the command says why and exits 2 (a
// usage error); a bad month or format is one too.
func TestReportMonthlyUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--month", "2026-11", "--format", "html", "--out", filepath.Join(t.TempDir(), "laporan-2026-11.html")}, "give --url"},
		{[]string{"--data", "x.db"}, "--month is required"},
		{[]string{"--month", "2026-13", "--data", "x.db"}, `"2026-13" is not a month`},
		{[]string{"--month", "2026-11", "--data", "x.db", "--format", "pdf"}, `"pdf" is not a report format`},
		{[]string{"--month", "2026-11", "--data", "x.db", "--url", "http://127.0.0.1:1"}, "not both"},
		{[]string{"--month", "2026-11", "--url", "http://127.0.0.1:1"}, "INBOXD_TOKEN"},
	} {
		r := invoke(t, append([]string{"report", "monthly"}, c.args...))
		var ue *usageError
		if !errors.As(r.err, &ue) || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: err %v, stderr %q; want a usage error saying %q", c.args, r.err, r.stderr, c.want)
		}
	}
}

// --data reads a stopped daemon's data file (or a backup) without changing
// it: a file from before the report counters is backfilled in a copy.
func TestReportMonthlyFromDataFile(t *testing.T) {
	cfgPath, dataDir := writeConfig(t, "office_name: UP4 Diskominfo Kabupaten Kendal\nunits:\n  - {code: dpupr, name: Dinas Pekerjaan Umum dan Penataan Ruang}\n")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dataDir, "inboxd.db")
	st, err := store.Open(file, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	items := []inbox.Item{
		{Channel: facebook.Channel, Kind: inbox.KindComment, ExternalID: "c1", Author: inbox.Author{ID: "1"}, Text: "Jalan rusak", CreatedAt: now, Unit: "dpupr"},
		{Channel: twitter.Channel, Kind: inbox.KindMention, ExternalID: "m1", Author: inbox.Author{ID: "2"}, Text: "Lampu mati", CreatedAt: now},
	}
	if _, err := st.Ingest("acct", items, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	sum := func() [32]byte {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	before := sum()
	loc, _ := time.LoadLocation("Asia/Jakarta")
	month := now.In(loc).Format("2006-01")
	out := filepath.Join(t.TempDir(), "laporan.html")
	r := invoke(t, []string{"report", "monthly", "--config", cfgPath, "--data", file, "--month", month, "--format", "html", "--out", out})
	if r.err != nil {
		t.Fatalf("report: %v\n%s", r.err, r.stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"UP4 Diskominfo Kabupaten Kendal", "Dinas Pekerjaan Umum dan Penataan Ruang (dpupr)", "Tanpa unit", "<svg"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
	r = invoke(t, []string{"report", "monthly", "--data", file, "--month", month, "--unit", "dpupr"})
	var doc report.Document
	if r.err != nil || json.Unmarshal([]byte(r.stdout), &doc) != nil || doc.Total.Received != 1 || len(doc.Units) != 1 {
		t.Errorf("json to stdout: %v %+v\n%s", r.err, doc, r.stderr)
	}
	if sum() != before {
		t.Error("the data file changed")
	}
}

// --url asks a running daemon (which holds the data file's lock: --data on
// it says so).
func TestReportMonthlyFromDaemon(t *testing.T) {
	f := newFakes(t)
	cfgPath := f.writeDaemonConfig(t, tPageToken, "@every 1h")
	d := startDaemon(t, cfgPath)
	month := time.Now().In(time.FixedZone("WIB", 7*3600)).Format("2006-01")
	r := invoke(t, []string{"report", "monthly", "--url", d.base, "--month", month, "--format", "csv"}, "INBOXD_TOKEN", tAdminToken)
	if r.err != nil {
		t.Fatalf("report: %v\n%s", r.err, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "\ufeff") {
		t.Fatalf("csv without BOM: %q", r.stdout)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.stdout, "\ufeff"))).ReadAll()
	if err != nil || len(recs) < 2 || recs[len(recs)-1][2] != "Jumlah" {
		t.Errorf("csv: %v %q", err, recs)
	}
	r = invoke(t, []string{"report", "monthly", "--url", d.base, "--month", "2026-1"}, "INBOXD_TOKEN", tAdminToken)
	if r.err == nil || !strings.Contains(r.err.Error(), "month") {
		t.Errorf("bad month: %v", r.err)
	}
	r = invoke(t, []string{"report", "monthly", "--url", d.base, "--month", month}, "INBOXD_TOKEN", "wrong")
	if r.err == nil || !strings.Contains(r.err.Error(), "401") {
		t.Errorf("wrong token: %v", r.err)
	}
	r = invoke(t, []string{"report", "monthly", "--data", filepath.Join(dataDirOf(cfgPath), "inboxd.db"), "--month", month})
	if !errors.Is(r.err, store.ErrLocked) {
		t.Errorf("--data on the running daemon's file: %v", r.err)
	}
}
