// Package report renders the monthly report (docs/REPORT.md) the store
// builds from its counters: as JSON, as CSV for spreadsheets and as a
// printable A4 page in Bahasa Indonesia. It does no I/O but writing to the
// writer it is given; the API and the CLI both render through it, so the
// two produce the same bytes.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// Formats and their content types.
const (
	FormatJSON = "json"
	FormatCSV  = "csv"
	FormatHTML = "html"

	ContentTypeJSON = "application/json"
	ContentTypeCSV  = "text/csv; charset=utf-8"
	ContentTypeHTML = "text/html; charset=utf-8"
)

// Formats lists the formats in the order the API documents them.
var Formats = []string{FormatJSON, FormatCSV, FormatHTML}

// ContentType is a format's content type ("" for an unknown format).
func ContentType(format string) string {
	switch format {
	case FormatJSON:
		return ContentTypeJSON
	case FormatCSV:
		return ContentTypeCSV
	case FormatHTML:
		return ContentTypeHTML
	}
	return ""
}

// Document is the report with what the page needs besides the figures.
type Document struct {
	// OfficeName is the office_name of the configuration.
	OfficeName string `json:"office_name"`
	// UnitNames maps unit codes to the configured units' names.
	UnitNames   map[string]string `json:"unit_names,omitempty"`
	GeneratedAt time.Time         `json:"generated_at"`
	store.Report
	// channels are the registered platforms, in order, with their names.
	channels []channel
}

// channel is a platform as the report names it.
type channel struct {
	id    inbox.Channel
	label string
}

// NewDocument wraps rep; units are the configured units (nil: free text);
// platforms are the registered reply tables (connectors/registry), whose
// channels and names head the per-channel figures.
func NewDocument(rep store.Report, officeName string, units []inbox.Unit, platforms inbox.ReplyRules, now time.Time) Document {
	d := Document{OfficeName: officeName, GeneratedAt: now.UTC().Truncate(time.Second), Report: rep}
	for _, ch := range platforms.Channels() {
		d.channels = append(d.channels, channel{id: ch, label: platforms.Name(ch)})
	}
	if len(units) > 0 {
		d.UnitNames = make(map[string]string, len(units))
		for _, u := range units {
			d.UnitNames[u.Code] = u.Name
		}
	}
	return d
}

// Write renders d in format (json, csv or html).
func Write(w io.Writer, d Document, format string) error {
	switch format {
	case FormatJSON:
		b, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("encode report: %w", err)
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case FormatCSV:
		return writeCSV(w, d)
	case FormatHTML:
		return writeHTML(w, d)
	}
	return fmt.Errorf("unknown report format %q (json, csv, html)", format)
}

// Filename is the name a saved report gets: laporan-2026-11.html, or
// laporan-2026-11-dpupr.csv for one unit.
func Filename(d Document, format string) string {
	name := "laporan-" + d.Month
	if d.Unit != "" {
		name += "-" + safeName(d.Unit)
	}
	return name + "." + format
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// monthTitle is "November 2026" for "2026-11".
func monthTitle(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return calendar.MonthYear(t)
}

// unitLabel names a unit for people: the configured name with the code,
// the code alone, or "Tanpa unit" for items without unit.
func (d *Document) unitLabel(code string) string {
	switch {
	case code == "-" || code == "":
		return "Tanpa unit"
	case d.UnitNames[code] != "":
		return d.UnitNames[code] + " (" + code + ")"
	}
	return code
}

// Labels of channels and kinds in the report's language.
var (
	kindLabels = map[string]string{string(inbox.KindComment): "komentar", string(inbox.KindMessage): "pesan pribadi", string(inbox.KindMention): "sebutan (mention)"}
)

func kindLabel(k inbox.Kind) string {
	if l := kindLabels[string(k)]; l != "" {
		return l
	}
	return string(k)
}

// duration spells clock time the Indonesian way: "45 menit", "3 jam 20
// menit", "2 hari 4 jam"; "–" when there is nothing to measure.
func duration(sec float64, count int64) string { return spell(sec, count, true) }

// workingDuration spells working time in hours and minutes (a working day
// is not 24 hours, so no days).
func workingDuration(sec float64, count int64) string { return spell(sec, count, false) }

func spell(sec float64, count int64, days bool) string {
	if count == 0 {
		return "–"
	}
	m := int64(math.Round(sec / 60))
	switch {
	case m < 1:
		return "< 1 menit"
	case m < 60:
		return fmt.Sprintf("%d menit", m)
	case days && m >= 24*60:
		h := (m + 30) / 60
		if h%24 == 0 {
			return fmt.Sprintf("%d hari", h/24)
		}
		return fmt.Sprintf("%d hari %d jam", h/24, h%24)
	case m%60 == 0:
		return fmt.Sprintf("%d jam", m/60)
	}
	return fmt.Sprintf("%d jam %d menit", m/60, m%60)
}

// percent is a share with a decimal comma: "87,5 %"; "–" without a base.
func percent(d store.DeadlineShare) string {
	if d.WithDeadline == 0 {
		return "–"
	}
	return strings.Replace(fmt.Sprintf("%.1f %%", 100*d.Share), ".", ",", 1)
}

// number writes an integer with dots between thousands: 12.345.
func number(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
