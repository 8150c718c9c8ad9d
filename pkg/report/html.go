package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"time"

	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// row is one line of a figures table: this month, the month before, and
// the change.
type row struct {
	Label, Cur, Prev, Change string
	Dir                      string // up, down or same (CSS class)
	Sub                      bool   // a breakdown line
}

type unitSection struct {
	Month, Previous string
	Title           string
	Rows            []row
	Tags            string
}

type bar struct {
	Label                  string
	Y, LabelY              int
	ReceivedW, WithinW     float64
	Received, Within       int64
	ReceivedTX, WithinTX   float64
	ReceivedTY, WithinTY   int
	ReceivedBY, WithinBY   int
	ReceivedTxt, WithinTxt string
}

type chart struct {
	Width, Height, LabelW int
	Bars                  []bar
	LegendY, LegendTextY  int
	LegendX               [4]int
}

type page struct {
	Office, Month, Previous, Zone, Generated, Scope string
	Summary                                         []string
	Total                                           unitSection
	Units                                           []unitSection
	Chart                                           chart
	Tolerance                                       string
	BacklogNote                                     string
}

func change(cur, prev float64, points bool) (string, string) {
	d := cur - prev
	switch {
	case math.Abs(d) < 1e-9:
		return "tetap", "same"
	case points:
		s := fmt.Sprintf("%+.1f poin", d)
		return commaDecimal(s), dir(d)
	}
	if d > 0 {
		return "+" + number(int64(d)), dir(d)
	}
	return "−" + number(int64(-d)), dir(d)
}

func dir(d float64) string {
	if d > 0 {
		return "up"
	}
	return "down"
}

func commaDecimal(s string) string {
	out := []byte(s)
	for i, c := range out {
		if c == '.' {
			out[i] = ','
		}
	}
	return string(out)
}

// rows lays out one unit's figures beside the month before.
func rows(u *store.UnitReport, channels []channel) []row {
	c, p := &u.ReportFigures, &u.Previous
	n := func(label string, cur, prev int64, sub bool) row {
		ch, d := change(float64(cur), float64(prev), false)
		return row{Label: label, Cur: number(cur), Prev: number(prev), Change: ch, Dir: d, Sub: sub}
	}
	t := func(label string, cur, prev string) row { return row{Label: label, Cur: cur, Prev: prev, Dir: "same"} }
	pct := func(label string, cur, prev store.DeadlineShare) row {
		r := row{Label: label, Cur: percent(cur), Prev: percent(prev), Dir: "same"}
		if cur.WithDeadline > 0 {
			r.Cur += fmt.Sprintf(" (%s dari %s)", number(cur.Within), number(cur.WithDeadline))
		}
		if cur.WithDeadline > 0 && prev.WithDeadline > 0 {
			r.Change, r.Dir = change(100*cur.Share, 100*prev.Share, true)
		}
		return r
	}
	out := []row{n("Pesan masuk", c.Received, p.Received, false)}
	for _, ch := range channels {
		out = append(out, n("melalui "+ch.label, c.ReceivedByChannel[string(ch.id)], p.ReceivedByChannel[string(ch.id)], true))
	}
	for _, k := range inbox.Kinds {
		out = append(out, n("berupa "+kindLabel(k), c.ReceivedByKind[string(k)], p.ReceivedByKind[string(k)], true))
	}
	out = append(out,
		n("Sudah dijawab", c.Answered, p.Answered, false),
		n("Sudah ditutup", c.Closed, p.Closed, false),
		n("Diabaikan (bukan untuk kantor)", c.Ignored, p.Ignored, false),
		n("Masih menunggu jawaban", c.Waiting, p.Waiting, false),
		t("Waktu respons pertama, median (jam kerja)", workingDuration(c.FirstResponse.P50WorkingSeconds, c.FirstResponse.Count), workingDuration(p.FirstResponse.P50WorkingSeconds, p.FirstResponse.Count)),
		t("Waktu respons pertama, 90 % tercepat (jam kerja)", workingDuration(c.FirstResponse.P90WorkingSeconds, c.FirstResponse.Count), workingDuration(p.FirstResponse.P90WorkingSeconds, p.FirstResponse.Count)),
		t("Waktu respons pertama, median (waktu kalender)", duration(c.FirstResponse.P50Seconds, c.FirstResponse.Count), duration(p.FirstResponse.P50Seconds, p.FirstResponse.Count)),
		t("Waktu respons pertama, 90 % tercepat (waktu kalender)", duration(c.FirstResponse.P90Seconds, c.FirstResponse.Count), duration(p.FirstResponse.P90Seconds, p.FirstResponse.Count)),
		pct("Dijawab dalam tenggat respons pertama", c.FirstResponseDeadline, p.FirstResponseDeadline),
		pct("Diselesaikan dalam tenggat penyelesaian", c.ResolutionDeadline, p.ResolutionDeadline),
		n("Balasan petugas terkirim dalam bulan ini", c.RepliesSent, p.RepliesSent, false),
		n("Balasan otomatis terkirim dalam bulan ini", c.AutomaticRepliesSent, p.AutomaticRepliesSent, false),
		n("Ditutup dalam bulan ini", c.ClosedInMonth, p.ClosedInMonth, false),
		n("Tunggakan pada akhir bulan", c.BacklogEnd, p.BacklogEnd, false),
	)
	return out
}

func tagsText(tags []store.TagCount) string {
	if len(tags) == 0 {
		return "–"
	}
	return tagList(tags)
}

// summary is the page's opening paragraph, in sentences.
func summary(d *Document) []string {
	t := &d.Total
	month := monthTitle(d.Month)
	out := []string{fmt.Sprintf("Selama %s kantor menerima %s pesan dari masyarakat melalui media sosial (%s pada %s).",
		month, number(t.Received), changeWords(t.Received, t.Previous.Received), monthTitle(d.PreviousMonth))}
	if t.Received > 0 {
		out = append(out, fmt.Sprintf("Dari pesan tersebut, %s sudah dijawab, %s sudah ditutup, %s diabaikan, dan %s masih menunggu jawaban.",
			number(t.Answered), number(t.Closed), number(t.Ignored), number(t.Waiting)))
	}
	if t.FirstResponse.Count > 0 {
		out = append(out, fmt.Sprintf("Separuh dari pesan yang sudah ditanggapi mendapat respons pertama dalam %s waktu kerja (%s waktu kalender).",
			workingDuration(t.FirstResponse.P50WorkingSeconds, t.FirstResponse.Count), duration(t.FirstResponse.P50Seconds, t.FirstResponse.Count)))
	}
	if t.FirstResponseDeadline.WithDeadline > 0 {
		out = append(out, fmt.Sprintf("Sebanyak %s pesan yang bertenggat dijawab dalam tenggat respons pertama.", percent(t.FirstResponseDeadline)))
	}
	out = append(out, fmt.Sprintf("Petugas mengirim %s balasan dan menutup %s pesan dalam bulan ini; tunggakan pada akhir bulan %s pesan.",
		number(t.RepliesSent), number(t.ClosedInMonth), number(t.BacklogEnd)))
	return out
}

func changeWords(cur, prev int64) string {
	switch {
	case cur > prev:
		return fmt.Sprintf("naik %s dari %s", number(cur-prev), number(prev))
	case cur < prev:
		return fmt.Sprintf("turun %s dari %s", number(prev-cur), number(prev))
	}
	return "sama dengan"
}

// chartLabel is a unit's code (short enough beside a bar; the tables
// below give the names), or "Tanpa unit".
func chartLabel(code string) string {
	if code == "-" || code == "" {
		return "Tanpa unit"
	}
	if r := []rune(code); len(r) > 16 {
		return string(r[:15]) + "…"
	}
	return code
}

// barChart lays out received against answered-within-deadline per unit.
func barChart(d *Document) chart {
	const width, labelW, rowH, barH, top = 680, 110, 34, 12, 8
	c := chart{Width: width, LabelW: labelW}
	var max int64 = 1
	for _, u := range d.Units {
		if u.Received > max {
			max = u.Received
		}
	}
	scale := float64(width-labelW-60) / float64(max)
	for i, u := range d.Units {
		y := top + i*rowH
		b := bar{Label: chartLabel(u.Unit), Y: y, LabelY: y + rowH/2 + 1,
			Received: u.Received, Within: u.FirstResponseDeadline.Within,
			ReceivedW: math.Max(0.5, float64(u.Received)*scale), WithinW: math.Max(0.5, float64(u.FirstResponseDeadline.Within)*scale),
			ReceivedBY: y + 3, WithinBY: y + 3 + barH + 2}
		b.ReceivedTX, b.WithinTX = float64(labelW)+b.ReceivedW+4, float64(labelW)+b.WithinW+4
		b.ReceivedTY, b.WithinTY = b.ReceivedBY+barH-2, b.WithinBY+barH-2
		b.ReceivedTxt, b.WithinTxt = number(u.Received), number(u.FirstResponseDeadline.Within)
		c.Bars = append(c.Bars, b)
	}
	c.LegendY = top + len(d.Units)*rowH + 6
	c.LegendTextY = c.LegendY + 10
	c.LegendX = [4]int{labelW, labelW + 16, labelW + 130, labelW + 146}
	c.Height = c.LegendY + 22
	return c
}

func writeHTML(w io.Writer, d Document) error {
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		loc = time.FixedZone("WIB", 7*3600)
	}
	p := page{
		Office:    d.OfficeName,
		Month:     monthTitle(d.Month),
		Previous:  monthTitle(d.PreviousMonth),
		Zone:      calendar.ZoneName(d.From.In(loc)),
		Generated: calendar.LongDateTime(d.GeneratedAt.In(loc)),
		Summary:   summary(&d),
		Total:     unitSection{Title: "Seluruh unit", Rows: rows(&d.Total, d.channels), Tags: tagsText(d.Total.TopTags), Month: monthTitle(d.Month), Previous: monthTitle(d.PreviousMonth)},
		Chart:     barChart(&d),
		Tolerance: commaDecimal(fmt.Sprintf("%.0f", 100*d.PercentileTolerance)),
	}
	if d.Unit != "" {
		p.Scope = d.unitLabel(d.Unit)
	}
	if !d.BacklogFinal {
		p.BacklogNote = "Bulan ini belum berakhir: tunggakan adalah jumlah pesan yang menunggu saat laporan dibuat."
	}
	for i := range d.Units {
		u := &d.Units[i]
		p.Units = append(p.Units, unitSection{Title: d.unitLabel(u.Unit), Rows: rows(u, d.channels), Tags: tagsText(u.TopTags), Month: p.Month, Previous: p.Previous})
	}
	return pageTemplate.Execute(w, p)
}

var pageTemplate = template.Must(template.New("laporan").Parse(`<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8"/>
<title>Laporan Bulanan {{.Month}}{{if .Office}} – {{.Office}}{{end}}</title>
<style>
@page { size: A4; margin: 18mm 16mm 18mm 16mm; }
* { box-sizing: border-box; }
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 10pt; color: #111; max-width: 180mm; margin: 0 auto; line-height: 1.35; }
header { border-bottom: 2px solid #111; margin-bottom: 8mm; padding-bottom: 3mm; }
.office { font-size: 12pt; font-weight: bold; text-transform: uppercase; margin: 0; }
h1 { font-size: 15pt; margin: 2mm 0 1mm; }
h2 { font-size: 12pt; margin: 7mm 0 2mm; }
.meta { margin: 0; color: #333; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; }
th, td { border: 1px solid #888; padding: 1.2mm 2mm; vertical-align: top; }
th { background: #eee; text-align: left; }
td.n, th.n { text-align: right; white-space: nowrap; }
tr.sub td:first-child { padding-left: 7mm; color: #333; }
.up { color: #0a5a0a; } .down { color: #9a1111; } .same { color: #555; }
section.unit { break-inside: avoid; page-break-inside: avoid; }
.chart { break-inside: avoid; page-break-inside: avoid; }
.note { font-size: 8.5pt; color: #444; }
footer { margin-top: 8mm; border-top: 1px solid #888; padding-top: 2mm; font-size: 8.5pt; color: #444; }
@media print {
  body { max-width: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
</style>
</head>
<body>
<header>
{{if .Office}}<p class="office">{{.Office}}</p>{{end}}
<h1>Laporan Bulanan Layanan Aduan Media Sosial</h1>
<p class="meta">Bulan: <strong>{{.Month}}</strong> (batas hari menurut {{.Zone}}), dibandingkan dengan {{.Previous}}{{if .Scope}}. Unit: <strong>{{.Scope}}</strong>{{end}}</p>
</header>

<section class="summary">
<h2>Ringkasan</h2>
{{range .Summary}}<p>{{.}}</p>
{{end}}{{if .BacklogNote}}<p class="note">{{.BacklogNote}}</p>{{end}}
{{template "table" .Total}}
</section>

<section class="chart">
<h2>Pesan masuk dan yang dijawab dalam tenggat, per unit</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {{.Chart.Width}} {{.Chart.Height}}" role="img" aria-label="Grafik batang pesan masuk dan pesan yang dijawab dalam tenggat per unit" font-family="Liberation Sans, Arial, sans-serif" font-size="11">
{{range .Chart.Bars}}<text x="0" y="{{.LabelY}}" fill="#111">{{.Label}}</text>
<rect x="{{$.Chart.LabelW}}" y="{{.ReceivedBY}}" width="{{printf "%.1f" .ReceivedW}}" height="12" fill="#8a8f98"/>
<text x="{{printf "%.1f" .ReceivedTX}}" y="{{.ReceivedTY}}" fill="#111">{{.ReceivedTxt}}</text>
<rect x="{{$.Chart.LabelW}}" y="{{.WithinBY}}" width="{{printf "%.1f" .WithinW}}" height="12" fill="#2e7d32"/>
<text x="{{printf "%.1f" .WithinTX}}" y="{{.WithinTY}}" fill="#111">{{.WithinTxt}}</text>
{{end}}<rect x="{{index .Chart.LegendX 0}}" y="{{.Chart.LegendY}}" width="12" height="12" fill="#8a8f98"/>
<text x="{{index .Chart.LegendX 1}}" y="{{.Chart.LegendTextY}}">Pesan masuk</text>
<rect x="{{index .Chart.LegendX 2}}" y="{{.Chart.LegendY}}" width="12" height="12" fill="#2e7d32"/>
<text x="{{index .Chart.LegendX 3}}" y="{{.Chart.LegendTextY}}">Dijawab dalam tenggat respons pertama</text>
</svg>
</section>

<h2>Rincian per unit</h2>
{{range .Units}}<section class="unit">
<h3>{{.Title}}</h3>
{{template "table" .}}
</section>
{{else}}<p>Tidak ada pesan pada bulan ini maupun bulan sebelumnya.</p>
{{end}}
<footer>
<p>Dibuat oleh inboxd pada {{.Generated}}. Pesan masuk, status, waktu respons dan tenggat dihitung atas pesan yang diterima dalam bulan laporan; balasan terkirim, penutupan dan tunggakan dihitung atas kejadian dalam bulan laporan. Median dan persentil 90 dihitung dari histogram (ketelitian ±{{.Tolerance}} %). Definisi lengkap: docs/REPORT.md.</p>
</footer>
</body>
</html>
{{define "table"}}<table>
<thead><tr><th>Uraian</th><th class="n">{{.Month}}</th><th class="n">{{.Previous}}</th><th class="n">Perubahan</th></tr></thead>
<tbody>
{{range .Rows}}<tr{{if .Sub}} class="sub"{{end}}><td>{{.Label}}</td><td class="n">{{.Cur}}</td><td class="n">{{.Prev}}</td><td class="n {{.Dir}}">{{if eq .Dir "up"}}▲ {{else if eq .Dir "down"}}▼ {{end}}{{.Change}}</td></tr>
{{end}}<tr><td>Topik terbanyak</td><td colspan="3">{{.Tags}}</td></tr>
</tbody>
</table>{{end}}
`))
