package api

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/report"
)

// A missing or malformed month is a 422 naming it; an unknown format
// names format.
func TestMonthlyReportValidation(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ query, field string }{
		{"", "month"},
		{"?month=", "month"},
		{"?month=2026-13", "month"},
		{"?month=11-2026", "month"},
		{"?month=2026-11-01", "month"},
		{"?month=2026-11&format=pdf", "format"},
	} {
		rec := e.do(asViewer, "GET", "/api/v1/reports/monthly"+c.query, nil)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422; %s", c.query, rec.Code, rec.Body)
			continue
		}
		if p := decodeProblem(t, rec); !p.names(c.field) {
			t.Errorf("%s: problem does not name %s: %+v", c.query, c.field, p)
		}
	}
	if rec := e.do(asViewer, "GET", "/api/v1/reports/monthly?month=2026-11&units=x", nil); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown parameter: status %d, want 400", rec.Code)
	}
}

// The office sees every unit; a unit-scoped token its own unit only, and
// another unit is a 404.
func TestMonthlyReportJSONAndScope(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.OfficeName = "UP4 Diskominfo Kabupaten Kendal"
		o.Units = []inbox.Unit{{Code: unitA, Name: "Dinas Pekerjaan Umum"}, {Code: unitB, Name: "Dinas Kesehatan"}}
	})
	rec := e.do(asAdmin, "GET", "/api/v1/reports/monthly?month=2026-11", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	doc := decodeJSONBody[report.Document](t, rec)
	if doc.Month != "2026-11" || doc.PreviousMonth != "2026-10" || doc.OfficeName != "UP4 Diskominfo Kabupaten Kendal" || doc.Total.Received != 5 {
		t.Fatalf("report: %+v", doc)
	}
	var codes []string
	for _, u := range doc.Units {
		codes = append(codes, u.Unit)
	}
	if strings.Join(codes, ",") != "-,"+unitB+","+unitA || doc.UnitNames[unitA] != "Dinas Pekerjaan Umum" {
		t.Errorf("units %v, names %v", codes, doc.UnitNames)
	}

	for _, q := range []string{"?month=2026-11", "?month=2026-11&unit=" + unitA} {
		rec = e.do(asViewerA, "GET", "/api/v1/reports/monthly"+q, nil)
		scoped := decodeJSONBody[report.Document](t, rec)
		if rec.Code != http.StatusOK || scoped.Unit != unitA || len(scoped.Units) != 1 || scoped.Units[0].Unit != unitA || scoped.Total.Received != 2 {
			t.Errorf("unit-scoped %s: %d %+v", q, rec.Code, scoped)
		}
	}
	if rec := e.do(asViewerA, "GET", "/api/v1/reports/monthly?month=2026-11&unit="+unitB, nil); rec.Code != http.StatusNotFound {
		t.Errorf("another unit: status %d, want 404", rec.Code)
	}
	rec = e.do(asViewerA, "GET", "/api/v1/reports/monthly?month=2026-11&format=csv", nil)
	if strings.Contains(rec.Body.String(), unitB) {
		t.Errorf("a unit-scoped CSV names another unit:\n%s", rec.Body)
	}
}

// The CSV opens in a spreadsheet: BOM, Indonesian headers, a row per unit
// and a total. The HTML page is well-formed, in Indonesian, self-contained.
func TestMonthlyReportCSVAndHTML(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.OfficeName = "UP4 Diskominfo Kabupaten Kendal" })
	rec := e.do(asViewer, "GET", "/api/v1/reports/monthly?month=2026-11&format=csv", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, "laporan-2026-11.csv") {
		t.Errorf("Content-Disposition %q", cd)
	}
	body := rec.Body.Bytes()
	if !bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		t.Fatal("csv without a UTF-8 BOM")
	}
	recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+3+1 || recs[0][0] != "Bulan" || recs[0][3] != "Diterima" || recs[len(recs)-1][2] != "Jumlah" || recs[len(recs)-1][3] != "5" {
		t.Errorf("csv rows: %q", recs)
	}
	for _, r := range recs[1:] {
		if len(r) != len(recs[0]) {
			t.Errorf("ragged row %q", r)
		}
	}

	rec = e.do(asViewer, "GET", "/api/v1/reports/monthly?month=2026-11&format=html", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("html: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("html report CSP %q", csp)
	}
	page := parsePage(t, rec.Body.String())
	if page.count["table"] != 1+3 || page.count["svg"] != 1 || page.count["rect"] < 3*2 || page.count["style"] != 1 {
		t.Errorf("page structure: %v", page.count)
	}
	for _, want := range []string{"UP4 Diskominfo Kabupaten Kendal", "November 2026", "Oktober 2026", "Ringkasan", "Tanpa unit", "@page", "size: A4", "@media print"} {
		if !strings.Contains(page.text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if page.external != "" {
		t.Errorf("page loads an external asset: %s", page.external)
	}
}

type parsedPage struct {
	count    map[string]int
	text     string // character data
	external string // the first src or href found
}

// parsePage parses the page as XML (the page is written well-formed, so a
// strict parser checks its structure) and counts its elements.
func parsePage(t *testing.T, s string) parsedPage {
	t.Helper()
	p := parsedPage{count: map[string]int{}}
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("page is not well-formed: %v\n%s", err, s)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			p.count[tk.Name.Local]++
			for _, a := range tk.Attr {
				if (a.Name.Local == "src" || a.Name.Local == "href") && p.external == "" {
					p.external = a.Value
				}
			}
		case xml.CharData:
			text.Write(tk)
		}
	}
	p.text = text.String()
	return p
}
