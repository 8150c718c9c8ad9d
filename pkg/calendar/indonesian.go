package calendar

import (
	"fmt"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Indonesian names of weekdays and months, the one place inboxd spells
// dates for people (templates, reports, the console).
var (
	hariNames  = [7]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}
	bulanNames = [12]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
		"Agustus", "September", "Oktober", "November", "Desember"}
)

// HariName is the Indonesian name of a weekday, e.g. "Senin".
func HariName(d time.Weekday) string { return hariNames[d%7] }

// BulanName is the Indonesian name of a month, e.g. "Desember".
func BulanName(m time.Month) string {
	if m < time.January || m > time.December {
		return ""
	}
	return bulanNames[m-1]
}

// LongDate is t's date in its own location in Indonesian long form:
// "Senin, 7 Desember 2026". Convert t with In first.
func LongDate(t time.Time) string {
	return fmt.Sprintf("%s, %d %s %d", HariName(t.Weekday()), t.Day(), BulanName(t.Month()), t.Year())
}

// MonthYear is "Desember 2026", for report titles.
func MonthYear(t time.Time) string { return fmt.Sprintf("%s %d", BulanName(t.Month()), t.Year()) }

// LongDateTime is LongDate with the time in the Indonesian form and the
// zone: "Senin, 7 Desember 2026 pukul 16.00 WIB".
func LongDateTime(t time.Time) string {
	return fmt.Sprintf("%s pukul %02d.%02d %s", LongDate(t), t.Hour(), t.Minute(), ZoneName(t))
}

// ZoneName names t's time zone the Indonesian way: WIB, WITA or WIT for
// Indonesia's zones (and any UTC+7), else the zone's abbreviation, or
// UTC+h when it has none.
func ZoneName(t time.Time) string {
	switch t.Location().String() {
	case "Asia/Jakarta", "Asia/Pontianak":
		return "WIB"
	case "Asia/Makassar":
		return "WITA"
	case "Asia/Jayapura":
		return "WIT"
	}
	name, off := t.Zone()
	if off == 7*3600 {
		return "WIB"
	}
	if name != "" && name[0] != '+' && name[0] != '-' {
		return name
	}
	if off%3600 != 0 {
		return fmt.Sprintf("UTC%+d:%02d", off/3600, abs(off%3600)/60)
	}
	return fmt.Sprintf("UTC%+d", off/3600)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// OpenAt reports whether the office is open at t: t falls inside one of
// the opening ranges of its date (a holiday has none).
func (c *Calendar) OpenAt(t time.Time) bool {
	t = t.In(c.loc)
	day := DateOf(t)
	for _, r := range c.HoursOn(day) {
		if !t.Before(day.at(r.Start, c.loc)) && t.Before(day.at(r.End, c.loc)) {
			return true
		}
	}
	return false
}

// TemplateValuesFor fills a reply template's placeholders for item it at
// time now, in the office's time zone loc: unit is the item's configured
// unit (zero when it has none, or units are free text: the code is then
// shown as it is).
func TemplateValuesFor(it inbox.Item, unit inbox.Unit, now time.Time, loc *time.Location) inbox.TemplateValues {
	if loc == nil {
		loc = time.UTC
	}
	v := inbox.TemplateValues{
		Nama:        it.Author.Name,
		Tiket:       it.Ticket,
		Unit:        unit.Name,
		UnitSingkat: unit.Short,
		Tanggal:     LongDate(now.In(loc)),
	}
	if v.Unit == "" {
		v.Unit = it.Unit
	}
	if it.ResolutionDueAt != nil {
		v.BatasWaktu = LongDateTime(it.ResolutionDueAt.In(loc))
	}
	return v
}

// Location is the running office calendar's time zone (UTC without one):
// the zone dates are shown to people in.
func (l *Live) Location() *time.Location {
	if o := l.Load(); o != nil && o.Calendar != nil {
		return o.Calendar.Location()
	}
	return time.UTC
}
