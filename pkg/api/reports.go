package api

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/inboxd/inboxd/pkg/inbox"

	"github.com/inboxd/inboxd/pkg/report"
	"github.com/inboxd/inboxd/pkg/store"
)

// monthlyReport serves GET /api/v1/reports/monthly: the month's report
// (docs/REPORT.md) as JSON, CSV or a printable HTML page. A unit-scoped
// token gets its own unit's report; asking for another unit is a 404, as
// for the stats.
func (s *Server) monthlyReport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v validationErrors
	month := q.Get("month")
	year, mon, err := store.ParseMonth(month)
	switch {
	case !q.Has("month") || month == "":
		v.add("month", "is required: the report's month as YYYY-MM, e.g. 2026-11")
	case err != nil:
		v.add("month", "%q is not a month; write it as YYYY-MM, e.g. 2026-11", month)
	}
	format := q.Get("format")
	if format == "" {
		format = report.FormatJSON
	}
	if report.ContentType(format) == "" {
		v.add("format", "%q is not a report format; one of json, csv, html", format)
	}
	unit := q.Get("unit")
	checkText(&v, "unit", unit, maxNameLen)
	if err := v.err(); err != nil {
		return err
	}
	unit, err = scopedUnit(r, unit)
	if err != nil {
		return err
	}
	rep, err := s.store.MonthlyReport(year, mon, unit)
	if err != nil {
		return err
	}
	var units []inbox.Unit
	if reg := s.units.Load(); reg != nil {
		units = reg.list
	}
	doc := report.NewDocument(rep, s.OfficeName(), units, s.replies, s.now())
	var buf bytes.Buffer
	if err := report.Write(&buf, doc, format); err != nil {
		return err
	}
	if format != report.FormatJSON {
		w.Header().Set("Content-Disposition", `inline; filename="`+report.Filename(doc, format)+`"`)
	}
	if format == report.FormatHTML {
		// The page is self-contained: nothing else may load, and only this
		// origin (the console's report view) may frame it.
		w.Header().Set("Content-Security-Policy", reportPageCSP)
	}
	return writeBody(w, http.StatusOK, report.ContentType(format), buf.Bytes())
}

// reportPageCSP is the HTML report's policy: its inline style sheet and
// nothing else.
const reportPageCSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

// scopedUnit is the unit a request may read: a unit-scoped caller's own
// (another unit it names is a 404), else the unit it names ("" all).
func scopedUnit(r *http.Request, unit string) (string, error) {
	sc := scope(r)
	switch {
	case sc == "":
		return unit, nil
	case unit != "" && unit != sc:
		return "", errNotFound("unit " + strconv.Quote(unit))
	}
	return sc, nil
}

// SetOfficeName installs the office's name the report's page carries (on
// start and on every config reload).
func (s *Server) SetOfficeName(name string) { s.officeName.Store(&name) }

// OfficeName is the office_name in use.
func (s *Server) OfficeName() string {
	if p := s.officeName.Load(); p != nil {
		return *p
	}
	return ""
}
