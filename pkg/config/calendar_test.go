package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/calendar"
)

// The issue's exact calendar and sla shape.
const issueCalendar = `timezone: Asia/Jakarta
ticket_prefix: LAPOR
calendar:
  hours:                       # per weekday; "" or absent = closed; several ranges allowed
    mon: "07:30-16:00"
    tue: "07:30-16:00"
    wed: "07:30-16:00"
    thu: "07:30-16:00"
    fri: "07:30-11:30,13:00-16:30"
  overrides:
    - {from: 2026-02-18, to: 2026-03-19, hours: {mon: "08:00-15:00", fri: "08:00-15:30"}}
  holidays:
    - {date: 2026-12-25, name: "Kelahiran Yesus Kristus"}
  holidays_file: ""
sla:
  - match: {unit: bpbd}
    first_response: 2h
    resolution: 1d
  - first_response: 1d
    resolution: 5d
`

func day(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCalendarAndSLA(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(issueCalendar), nil)
	if err != nil {
		t.Fatal(err)
	}
	cal := cfg.Calendar
	if cfg.TicketPrefix != "LAPOR" {
		t.Errorf("ticket_prefix = %q", cfg.TicketPrefix)
	}
	for date, want := range map[string]string{
		"2026-12-04": "07:30-11:30,13:00-16:30", // Friday
		"2026-12-07": "07:30-16:00",
		"2026-12-05": "", // Saturday: absent is closed
		"2026-12-25": "", // holiday
		"2026-02-23": "08:00-15:00",
		"2026-02-20": "08:00-15:30",
		"2026-02-24": "07:30-16:00", // Tuesday in the override: normal
	} {
		if got := cal.HoursOn(day(t, date)).String(); got != want {
			t.Errorf("%s: %q, want %q", date, got, want)
		}
	}
	if cal.Location().String() != "Asia/Jakarta" {
		t.Errorf("calendar zone %s", cal.Location())
	}
	if len(cfg.SLA) != 2 || cfg.SLA[0].Match.Unit != "bpbd" || cfg.SLA[0].FirstResponse.Time != 2*time.Hour ||
		cfg.SLA[0].Resolution.Days != 1 || !cfg.SLA[1].Match.IsZero() || cfg.SLA[1].Resolution.Days != 5 {
		t.Errorf("sla = %+v", cfg.SLA)
	}
}

func TestCalendarDefaults(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte("timezone: Asia/Makassar\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TicketPrefix != "UP4" || cfg.SLA != nil {
		t.Errorf("prefix %q sla %+v", cfg.TicketPrefix, cfg.SLA)
	}
	if !reflect.DeepEqual(cfg.Calendar.Week(), calendar.DefaultWeek()) || cfg.Calendar.Location().String() != "Asia/Makassar" {
		t.Errorf("default calendar: %v in %s", cfg.Calendar.Week(), cfg.Calendar.Location())
	}
	// calendar: with only holidays keeps the default hours.
	cfg, err = Parse("c.yaml", []byte("calendar:\n  holidays: [{date: 2026-08-17, name: Proklamasi}]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Calendar.Week(), calendar.DefaultWeek()) || len(cfg.Calendar.Holidays()) != 1 {
		t.Errorf("holidays only: %v %v", cfg.Calendar.Week(), cfg.Calendar.Holidays())
	}
}

func TestHolidaysFileRelativeToConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "etc", "hol"), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/hol/2027.yaml", "- {date: 2027-01-01, name: Tahun Baru, kind: libur_nasional}\n- {date: 2026-12-25, name: dup}\n")
	write("etc/inboxd.yaml", "calendar:\n  holidays: [{date: 2026-12-25, name: Natal}]\n  holidays_file: hol/2027.yaml\n")
	cfg, err := Load(filepath.Join(dir, "etc", "inboxd.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := cfg.Calendar.Holidays()
	if len(hs) != 2 || hs[0].Name != "Natal" || hs[1].Kind != "libur_nasional" {
		t.Errorf("holidays = %+v", hs)
	}

	write("etc/hol/bad.yaml", "- {date: 2027-01-01, name: ok}\n- {date: 2027-02-30, name: bad}\n- {name: no date}\n")
	write("etc/bad.yaml", "calendar:\n  holidays_file: hol/bad.yaml\n")
	_, err = Load(filepath.Join(dir, "etc", "bad.yaml"), nil)
	for _, want := range []string{"hol/bad.yaml:2: [1].date:", "hol/bad.yaml:3: [2].date: is required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v; want it to contain %q", err, want)
		}
	}
	write("etc/missing.yaml", "calendar:\n  holidays_file: nowhere.yaml\n")
	if _, err = Load(filepath.Join(dir, "etc", "missing.yaml"), nil); err == nil || !strings.Contains(err.Error(), "missing.yaml:2: calendar.holidays_file: cannot read the holidays file") {
		t.Errorf("missing file: %v", err)
	}
}

// TestShippedHolidays loads holidays/id-2026.yaml, which config.example.yaml
// references: 17 national holidays and 8 days of cuti bersama.
func TestShippedHolidays(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "..", "config.example.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := cfg.Calendar.Holidays()
	kinds := map[string]int{}
	for _, h := range hs {
		kinds[h.Kind]++
		if h.Name == "" {
			t.Errorf("%s has no name", h.Date)
		}
	}
	if len(hs) != 25 || kinds["libur_nasional"] != 17 || kinds["cuti_bersama"] != 8 {
		t.Errorf("%d holidays, kinds %v; want 25 (17 + 8)", len(hs), kinds)
	}
	for _, d := range []string{"2026-01-01", "2026-03-20", "2026-08-17", "2026-12-24", "2026-12-25"} {
		if _, ok := cfg.Calendar.Holiday(day(t, d)); !ok {
			t.Errorf("%s is not a holiday", d)
		}
	}
	if len(cfg.SLA) == 0 {
		t.Error("the example ships no sla policy")
	}
}

func TestCalendarErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"calendar:\n  hours:\n    mon: 7-16\n", "c.yaml:3: calendar.hours.mon: \"7\" is not a time of day"},
		{"calendar:\n  hours:\n    monday: 07:30-16:00\n", "c.yaml:3: calendar.hours.monday: unknown key (known keys here: mon, tue"},
		{"calendar:\n  hours: {mon: \"\"}\n", "c.yaml:2: calendar: the office is never open"},
		{"calendar:\n  hours:\n    fri: 07:30-12:00,11:00-16:00\n", "c.yaml:3: calendar.hours.fri: ranges 07:30-12:00 and 11:00-16:00 overlap"},
		{"calendar:\n  overrides:\n    - {from: 2026-03-19, to: 2026-02-18, hours: {mon: \"08:00-15:00\"}}\n", "c.yaml:3: calendar.overrides[0].to: 2026-02-18 is before from"},
		{"calendar:\n  overrides:\n    - {from: 2026-02-18, hours: {mon: \"08:00-15:00\"}}\n", "c.yaml:3: calendar.overrides[0].to: is required"},
		{"calendar:\n  overrides:\n    - {from: 2026-02-18, to: 2026-02-19}\n", "c.yaml:3: calendar.overrides[0].hours: is required"},
		{"calendar:\n  holidays:\n    - {date: 25-12-2026, name: x}\n", "c.yaml:3: calendar.holidays[0].date: \"25-12-2026\" is not a date"},
		{"calendar:\n  holiday: []\n", "c.yaml:2: calendar.holiday: unknown key"},
		{"sla:\n  - match: {unit: bpbd}\n    first_response: 2 hours\n", "c.yaml:3: sla[0].first_response: \"2 hours\" is not a working-time span"},
		{"sla:\n  - match: {unit: bpbd}\n", "c.yaml:2: sla[0]: sets no deadline"},
		{"sla:\n  - match: {team: bpbd}\n    first_response: 1d\n", "c.yaml:2: sla[0].match.team: unknown key (known keys here: unit, kind, channel, priority)"},
		{"sla:\n  - match: {kind: post}\n    first_response: 1d\n", "c.yaml:2: sla[0].match.kind: unknown kind \"post\""},
		{"sla:\n  - match: {priority: asap}\n    first_response: 1d\n", "c.yaml:2: sla[0].match.priority: unknown priority"},
		{"sla:\n  - first_response: 1d\n  - match: {unit: bpbd}\n    first_response: 2h\n", "c.yaml:3: sla[1]: is never used: the policy on line 2"},
		{"sla:\n  - first_response: 0d\n", "c.yaml:2: sla[0].first_response: \"0d\""},
		{"sla: 1d\n", "c.yaml:1: sla: must be a list of policies"},
		{"units:\n  - {code: bpbd, name: BPBD}\nsla:\n  - match: {unit: dinsa-pu}\n    first_response: 1d\n", "c.yaml:4: sla[0].match.unit: unknown unit \"dinsa-pu\" (configured units: bpbd)"},
		{"ticket_prefix: UP-4\n", "c.yaml:1: ticket_prefix: \"UP-4\" must be 1-16 letters and digits"},
	} {
		_, err := Parse("c.yaml", []byte(tc.doc), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got  %v\n want %s", tc.doc, err, tc.want)
		}
	}
}

// TestExampleCopiedElsewhere loads config.example.yaml copied into a folder
// that has no holidays/ beside it, as an operator who copies the example to
// /etc/inboxd does: the shipped holidays come from the binary, with a warning.
func TestExampleCopiedElsewhere(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "inboxd.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, nil)
	if err != nil {
		t.Fatalf("the example copied elsewhere does not load: %v", err)
	}
	if n := len(cfg.Calendar.Holidays()); n != 25 {
		t.Errorf("%d holidays; want the 25 shipped ones", n)
	}
	found := false
	for _, w := range cfg.Warnings {
		if strings.Contains(w, "holidays/id-2026.yaml") && strings.Contains(w, "built-in copy") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning about the built-in holidays copy in %q", cfg.Warnings)
	}
}
