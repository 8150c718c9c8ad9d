package calendar

import (
	"testing"
	"time"
)

func TestIndonesianDates(t *testing.T) {
	jkt, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	mks, err := time.LoadLocation("Asia/Makassar")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC) // 16.00 in Jakarta
	for _, c := range []struct{ got, want string }{
		{LongDate(at.In(jkt)), "Senin, 7 Desember 2026"},
		{LongDateTime(at.In(jkt)), "Senin, 7 Desember 2026 pukul 16.00 WIB"},
		{LongDateTime(at.In(mks)), "Senin, 7 Desember 2026 pukul 17.00 WITA"},
		{LongDateTime(time.Date(2026, 1, 4, 8, 5, 0, 0, time.FixedZone("", 9*3600))), "Minggu, 4 Januari 2026 pukul 08.05 UTC+9"},
		{LongDate(time.Date(2026, 8, 17, 0, 0, 0, 0, jkt)), "Senin, 17 Agustus 2026"},
		{MonthYear(time.Date(2026, 3, 1, 0, 0, 0, 0, jkt)), "Maret 2026"},
		{ZoneName(at), "UTC"},
		{HariName(time.Friday) + " " + BulanName(time.May), "Jumat Mei"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestOpenAt(t *testing.T) {
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	d, _ := ParseDate("2026-12-25")
	c, err := New(jkt, DefaultWeek(), nil, []Holiday{{Date: d, Name: "Hari Raya Natal"}})
	if err != nil {
		t.Fatal(err)
	}
	week := c.Week()
	mon := week[time.Monday][0]
	for _, tc := range []struct {
		at   time.Time
		open bool
	}{
		{time.Date(2026, 12, 7, mon.Start/60, mon.Start%60, 0, 0, jkt), true}, // opening minute
		{time.Date(2026, 12, 7, mon.End/60, mon.End%60, 0, 0, jkt), false},    // closing minute
		{time.Date(2026, 12, 7, mon.Start/60, mon.Start%60, 0, 0, jkt).Add(-time.Second), false},
		{time.Date(2026, 12, 6, 10, 0, 0, 0, jkt), false},  // Sunday
		{time.Date(2026, 12, 25, 10, 0, 0, 0, jkt), false}, // Friday, a holiday
		{time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC), true},
	} {
		if got := c.OpenAt(tc.at); got != tc.open {
			t.Errorf("OpenAt(%s) = %v, want %v", tc.at, got, tc.open)
		}
	}
}
