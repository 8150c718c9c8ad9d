package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// utf8BOM lets spreadsheet programs recognise the file as UTF-8.
const utf8BOM = "\ufeff"

// csvColumn is one column: its Indonesian header and its value for a row.
type csvColumn struct {
	header string
	value  func(u *store.UnitReport) string
}

func count(f func(u *store.UnitReport) int64) func(u *store.UnitReport) string {
	return func(u *store.UnitReport) string { return fmt.Sprint(f(u)) }
}

// minutes is a duration in whole minutes ("" when nothing was measured):
// whole numbers read the same in every spreadsheet locale.
func minutes(sec float64, n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(int64(math.Round(sec / 60)))
}

// share is a percentage with one decimal and a point ("" without a base).
func share(d store.DeadlineShare) string {
	if d.WithDeadline == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f", 100*d.Share)
}

func csvColumns(channels []channel) []csvColumn {
	cols := []csvColumn{
		{"Diterima", count(func(u *store.UnitReport) int64 { return u.Received })},
	}
	for _, c := range channels {
		cols = append(cols, csvColumn{"Diterima via " + c.label, count(func(u *store.UnitReport) int64 { return u.ReceivedByChannel[string(c.id)] })})
	}
	for _, k := range inbox.Kinds {
		cols = append(cols, csvColumn{"Diterima sebagai " + kindLabel(k), count(func(u *store.UnitReport) int64 { return u.ReceivedByKind[string(k)] })})
	}
	cols = append(cols,
		csvColumn{"Sudah dijawab", count(func(u *store.UnitReport) int64 { return u.Answered })},
		csvColumn{"Sudah ditutup", count(func(u *store.UnitReport) int64 { return u.Closed })},
		csvColumn{"Diabaikan", count(func(u *store.UnitReport) int64 { return u.Ignored })},
		csvColumn{"Masih menunggu", count(func(u *store.UnitReport) int64 { return u.Waiting })},
		csvColumn{"Respons pertama median (menit kerja)", func(u *store.UnitReport) string {
			return minutes(u.FirstResponse.P50WorkingSeconds, u.FirstResponse.Count)
		}},
		csvColumn{"Respons pertama persentil 90 (menit kerja)", func(u *store.UnitReport) string {
			return minutes(u.FirstResponse.P90WorkingSeconds, u.FirstResponse.Count)
		}},
		csvColumn{"Respons pertama median (menit)", func(u *store.UnitReport) string {
			return minutes(u.FirstResponse.P50Seconds, u.FirstResponse.Count)
		}},
		csvColumn{"Respons pertama persentil 90 (menit)", func(u *store.UnitReport) string {
			return minutes(u.FirstResponse.P90Seconds, u.FirstResponse.Count)
		}},
		csvColumn{"Dijawab dalam tenggat (%)", func(u *store.UnitReport) string { return share(u.FirstResponseDeadline) }},
		csvColumn{"Diselesaikan dalam tenggat (%)", func(u *store.UnitReport) string { return share(u.ResolutionDeadline) }},
		csvColumn{"Balasan petugas terkirim", count(func(u *store.UnitReport) int64 { return u.RepliesSent })},
		csvColumn{"Balasan otomatis terkirim", count(func(u *store.UnitReport) int64 { return u.AutomaticRepliesSent })},
		csvColumn{"Ditutup dalam bulan ini", count(func(u *store.UnitReport) int64 { return u.ClosedInMonth })},
		csvColumn{"Tunggakan akhir bulan", count(func(u *store.UnitReport) int64 { return u.BacklogEnd })},
		csvColumn{"Diterima bulan sebelumnya", count(func(u *store.UnitReport) int64 { return u.Previous.Received })},
		csvColumn{"Dijawab dalam tenggat bulan sebelumnya (%)", func(u *store.UnitReport) string { return share(u.Previous.FirstResponseDeadline) }},
		csvColumn{"Topik terbanyak", func(u *store.UnitReport) string { return tagList(u.TopTags) }},
	)
	return cols
}

// tagList is "jalan (12); banjir (7)".
func tagList(tags []store.TagCount) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = fmt.Sprintf("%s (%d)", t.Tag, t.Count)
	}
	return strings.Join(parts, "; ")
}

// writeCSV writes UTF-8 with a BOM: a header row, one row per unit and a
// total row.
func writeCSV(w io.Writer, d Document) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cols := csvColumns(d.channels)
	header := []string{"Bulan", "Kode unit", "Unit"}
	for _, c := range cols {
		header = append(header, c.header)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	row := func(code, label string, u *store.UnitReport) error {
		rec := []string{d.Month, code, label}
		for _, c := range cols {
			rec = append(rec, c.value(u))
		}
		return cw.Write(rec)
	}
	for i := range d.Units {
		u := &d.Units[i]
		if err := row(u.Unit, d.unitLabel(u.Unit), u); err != nil {
			return err
		}
	}
	if err := row("", "Jumlah", &d.Total); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
