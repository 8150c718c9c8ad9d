package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

func TestIndonesianFigures(t *testing.T) {
	for _, c := range []struct {
		sec  float64
		n    int64
		want string
	}{
		{0, 0, "–"}, {20, 1, "< 1 menit"}, {45 * 60, 1, "45 menit"}, {3*3600 + 20*60, 1, "3 jam 20 menit"},
		{2 * 3600, 1, "2 jam"}, {52 * 3600, 1, "2 hari 4 jam"}, {48 * 3600, 1, "2 hari"},
	} {
		if got := duration(c.sec, c.n); got != c.want {
			t.Errorf("duration(%v) = %q, want %q", c.sec, got, c.want)
		}
	}
	if got := workingDuration(30*3600, 1); got != "30 jam" {
		t.Errorf("workingDuration = %q", got)
	}
	if got := number(1234567); got != "1.234.567" {
		t.Errorf("number = %q", got)
	}
	if got := percent(store.DeadlineShare{WithDeadline: 8, Within: 7, Share: 0.875}); got != "87,5 %" {
		t.Errorf("percent = %q", got)
	}
	if got := monthTitle("2026-11"); got != "November 2026" {
		t.Errorf("monthTitle = %q", got)
	}
}

// An empty month still renders a complete page and a CSV with its total.
func TestEmptyMonth(t *testing.T) {
	d := NewDocument(store.Report{Month: "2026-01", PreviousMonth: "2025-12", Timezone: "Asia/Jakarta", Units: []store.UnitReport{}}, "", nil, inbox.ReplyRules{}, time.Now())
	var page, sheet bytes.Buffer
	if err := Write(&page, d, FormatHTML); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "Januari 2026") || !strings.Contains(page.String(), "Desember 2025") || strings.Contains(page.String(), `class="office"`) {
		t.Errorf("empty page:\n%s", page.String())
	}
	if err := Write(&sheet, d, FormatCSV); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(sheet.String()), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "Jumlah") {
		t.Errorf("empty csv: %q", lines)
	}
	if Write(&sheet, d, "pdf") == nil {
		t.Error("an unknown format is not refused")
	}
	if got := Filename(Document{Report: store.Report{Month: "2026-11", Unit: "dinas pu"}}, FormatCSV); got != "laporan-2026-11-dinas_pu.csv" {
		t.Errorf("Filename = %q", got)
	}
}

// The per-channel figures are the registered platforms', under their
// names: the report names no platform itself (Instagram once came out as
// "instagram" and X as "X (Twitter)" from a list of two kept here).
func TestChannelsAreTheRegisteredPlatforms(t *testing.T) {
	platforms := inbox.MustReplyRules(
		inbox.ReplyTable{Channel: "facebook", Name: "Facebook"},
		inbox.ReplyTable{Channel: "instagram", Name: "Instagram"},
		inbox.ReplyTable{Channel: "twitter", Name: "X (Twitter)"},
	)
	u := store.UnitReport{Unit: "dpupr", ReportFigures: store.ReportFigures{Received: 6, ReceivedByChannel: map[string]int64{"facebook": 1, "instagram": 2, "twitter": 3}}}
	d := NewDocument(store.Report{Month: "2026-01", PreviousMonth: "2025-12", Timezone: "Asia/Jakarta", Units: []store.UnitReport{u}, Total: u}, "", nil, platforms, time.Now())
	var page, sheet bytes.Buffer
	if err := Write(&page, d, FormatHTML); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"melalui Facebook", "melalui Instagram", "melalui X (Twitter)"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if err := Write(&sheet, d, FormatCSV); err != nil {
		t.Fatal(err)
	}
	header := strings.SplitN(strings.TrimPrefix(sheet.String(), utf8BOM), "\n", 2)[0]
	if want := "Diterima,Diterima via Facebook,Diterima via Instagram,Diterima via X (Twitter),"; !strings.Contains(header, want) {
		t.Errorf("csv header %q lacks %q", header, want)
	}
}
