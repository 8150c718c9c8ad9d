package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func TestTemplatesCRUD(t *testing.T) {
	e := newEnv(t, withUnits(testUnits))
	body := map[string]any{"name": "sudah-dicek", "text": "Terima kasih, {nama}. Laporan (nomor tiket {tiket}) sudah kami cek.", "language": "id"}
	rec := e.do(asOp, "POST", "/api/v1/templates", body)
	if rec.Code != http.StatusCreated || rec.Header().Get("Location") != "/api/v1/templates/sudah-dicek" {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asOp, "POST", "/api/v1/templates", body); rec.Code != http.StatusConflict {
		t.Fatalf("create twice: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asViewer, "POST", "/api/v1/templates", body); rec.Code != http.StatusForbidden {
		t.Fatalf("viewer creates: %d", rec.Code)
	}
	// An unknown placeholder is refused, naming it.
	rec = e.do(asOp, "POST", "/api/v1/templates", map[string]any{"name": "salah", "text": "Halo {nama_lengkap}"})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "{nama_lengkap}") {
		t.Fatalf("unknown placeholder: %d %s", rec.Code, rec.Body)
	}
	rec = e.do(asOp, "POST", "/api/v1/templates", map[string]any{"name": "unit-salah", "text": "Halo", "unit": "dinas-tidak-ada"})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("unknown unit: %d %s", rec.Code, rec.Body)
	}

	rec = e.do(asOp, "PUT", "/api/v1/templates/sudah-dicek", map[string]any{"text": "Sudah kami cek, {nama}.", "kind": "message"})
	if rec.Code != http.StatusOK {
		t.Fatalf("put: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asOp, "PUT", "/api/v1/templates/tidak-ada", map[string]any{"text": "x"}); rec.Code != http.StatusNotFound {
		t.Fatalf("put missing: %d", rec.Code)
	}
	if rec := e.do(asOp, "PUT", "/api/v1/templates/sudah-dicek", map[string]any{"name": "lain", "text": "x"}); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("put renaming: %d", rec.Code)
	}
	rec = e.do(asViewer, "GET", "/api/v1/templates/sudah-dicek", nil)
	var d struct {
		inbox.Template
		Audit []inbox.AuditEntry `json:"audit"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &d) != nil {
		t.Fatalf("get: %d %s", rec.Code, rec.Body)
	}
	if d.Text != "Sudah kami cek, {nama}." || d.Kind != inbox.KindMessage || d.Language != "" {
		t.Errorf("after put: %+v", d.Template)
	}
	fields := []string{}
	for _, a := range d.Audit {
		if a.Actor != asOp {
			t.Errorf("audit actor %q", a.Actor)
		}
		fields = append(fields, a.Field)
	}
	if strings.Join(fields, ",") != "created,text,kind,language" {
		t.Errorf("audit fields %v", fields)
	}

	rec = e.do(asViewer, "GET", "/api/v1/templates", nil)
	var list templateList
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &list) != nil || len(list.Templates) != 1 || len(list.Placeholders) != 6 {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asOp, "DELETE", "/api/v1/templates/sudah-dicek", nil); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(asOp, "DELETE", "/api/v1/templates/sudah-dicek", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("delete twice: %d", rec.Code)
	}
}

func TestTemplatesUnitScope(t *testing.T) {
	e := newEnv(t)
	for _, tp := range []inbox.Template{
		{Name: "umum", Text: "Terima kasih, {nama}."},
		{Name: "khusus-a", Text: "Dari {unit}.", Unit: unitA},
		{Name: "khusus-b", Text: "Dari {unit}.", Unit: unitB},
	} {
		if _, err := e.st.CreateTemplate("seed", tp); err != nil {
			t.Fatal(err)
		}
	}
	rec := e.do(asViewerA, "GET", "/api/v1/templates", nil)
	var list templateList
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tp := range list.Templates {
		names = append(names, tp.Name)
	}
	if strings.Join(names, ",") != "khusus-a,umum" {
		t.Errorf("scoped list %v", names)
	}
	if rec := e.do(asViewerA, "GET", "/api/v1/templates/khusus-b", nil); rec.Code != http.StatusNotFound {
		t.Errorf("other unit's template: %d", rec.Code)
	}
	if rec := e.do(asOpA, "PUT", "/api/v1/templates/umum", map[string]any{"text": "x"}); rec.Code != http.StatusForbidden {
		t.Errorf("scoped edit of a shared template: %d", rec.Code)
	}
	if rec := e.do(asOpA, "POST", "/api/v1/templates", map[string]any{"name": "baru", "text": "x", "unit": unitB}); rec.Code != http.StatusForbidden {
		t.Errorf("scoped create for another unit: %d", rec.Code)
	}
	rec = e.do(asOpA, "POST", "/api/v1/templates", map[string]any{"name": "baru", "text": "x"})
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"unit":"`+unitA+`"`) {
		t.Errorf("scoped create takes the scope's unit: %d %s", rec.Code, rec.Body)
	}
}

func TestItemTemplatesRendered(t *testing.T) {
	e := newEnv(t, withUnits(testUnits))
	for _, tp := range []inbox.Template{
		{Name: "umum", Text: "Terima kasih, {nama}. Laporan (nomor tiket {tiket}) kami teruskan ke {unit} ({unit_singkat}), paling lambat {batas_waktu}. {tanggal}"},
		{Name: "pesan", Text: "Halo {nama}.", Kind: inbox.KindMessage},
		{Name: "hanya-x", Text: "Halo.", Channel: chTwitter},
		{Name: "khusus-b", Text: "Halo.", Unit: "dinkes"},
		{Name: "khusus-a", Text: "Halo dari {unit_singkat}.", Unit: unitA, Channel: chFacebook, Kind: inbox.KindMessage},
	} {
		if _, err := e.st.CreateTemplate("seed", tp); err != nil {
			t.Fatal(err)
		}
	}
	it := e.items["aMessage"] // unitA, Facebook message from Budi
	rec := e.do(asViewerA, "GET", "/api/v1/items/"+it.ID+"/templates", nil)
	var out struct {
		Templates []struct {
			Name         string `json:"name"`
			Text         string `json:"text"`
			TemplateText string `json:"template_text"`
		} `json:"templates"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	got := map[string]string{}
	var names []string
	for _, tp := range out.Templates {
		got[tp.Name] = tp.Text
		names = append(names, tp.Name)
		if tp.Name == "umum" && !strings.HasPrefix(tp.TemplateText, "Terima kasih, {nama}.") {
			t.Errorf("template_text %q", tp.TemplateText)
		}
	}
	if strings.Join(names, ",") != "khusus-a,pesan,umum" {
		t.Fatalf("fitting templates %v", names)
	}
	want := "Terima kasih, Budi. Laporan (nomor tiket " + it.Ticket + ") kami teruskan ke Dinas Pekerjaan Umum (DPU), paling lambat secepatnya. Kamis, 26 November 2026"
	if got["umum"] != want {
		t.Errorf("rendered\n got %q\nwant %q", got["umum"], want)
	}
	if got["khusus-a"] != "Halo dari DPU." {
		t.Errorf("khusus-a %q", got["khusus-a"])
	}
	if rec := e.do(asViewerA, "GET", "/api/v1/items/"+e.items["bMention"].ID+"/templates", nil); rec.Code != http.StatusNotFound {
		t.Errorf("another unit's item: %d", rec.Code)
	}
}

func TestReplyWithTemplate(t *testing.T) {
	e := newEnv(t, withUnits(testUnits))
	for _, tp := range []inbox.Template{
		{Name: "diteruskan", Text: "Terima kasih atas laporannya, {nama}. Laporan (nomor tiket {tiket}) kami teruskan kepada {unit}."},
		{Name: "hanya-x", Text: "Halo.", Channel: chTwitter},
		{Name: "panjang", Text: "Terima kasih atas laporannya, {nama}. " + strings.Repeat("Laporan Bapak/Ibu sedang kami tindak lanjuti. ", 8), Channel: chTwitter},
	} {
		if _, err := e.st.CreateTemplate("seed", tp); err != nil {
			t.Fatal(err)
		}
	}
	it := e.items["aComment"] // Facebook comment of unit A, by Siti Rahma
	path := "/api/v1/items/" + it.ID + "/replies"
	rec := e.do(asOp, "POST", path, map[string]any{"template": "diteruskan"})
	var rep inbox.Reply
	if rec.Code != http.StatusAccepted || json.Unmarshal(rec.Body.Bytes(), &rep) != nil {
		t.Fatalf("template reply: %d %s", rec.Code, rec.Body)
	}
	want := "Terima kasih atas laporannya, Siti Rahma. Laporan (nomor tiket " + it.Ticket + ") kami teruskan kepada Dinas Pekerjaan Umum."
	if rep.Text != want || rep.Template != "diteruskan" || rep.Auto || !strings.Contains(rec.Body.String(), `"auto":false`) {
		t.Errorf("reply %+v", rep)
	}
	for _, c := range []struct {
		body  map[string]any
		code  int
		field string
		want  string
	}{
		{map[string]any{"template": "diteruskan", "text": "Halo"}, http.StatusBadRequest, "template", "not both"},
		{map[string]any{"template": "tidak-ada"}, http.StatusUnprocessableEntity, "template", "tidak-ada"},
		{map[string]any{"template": "hanya-x"}, http.StatusUnprocessableEntity, "template", "channel twitter"},
	} {
		rec := e.do(asOp, "POST", path, c.body)
		body := rec.Body.String()
		if rec.Code != c.code || !strings.Contains(body, c.want) || !decodeProblem(t, rec).names(c.field) {
			t.Errorf("%v: %d %s", c.body, rec.Code, body)
		}
	}
	// Rendered over X's 280 weighted characters: refused, the limit named.
	x := e.items["bXMention"]
	rec = e.do(asOp, "POST", "/api/v1/items/"+x.ID+"/replies", map[string]any{"template": "panjang"})
	var p struct {
		Errors []FieldError `json:"errors"`
	}
	if rec.Code != http.StatusUnprocessableEntity || json.Unmarshal(rec.Body.Bytes(), &p) != nil || len(p.Errors) != 1 ||
		p.Errors[0].Field != "text" || p.Errors[0].Limit != 280 || !strings.Contains(p.Errors[0].Message, "280") {
		t.Errorf("over the limit: %d %s", rec.Code, rec.Body)
	}
	// reply-check counts the rendered template the same way.
	rec = e.do(asOp, "POST", "/api/v1/items/"+x.ID+"/reply-check", map[string]any{"template": "panjang"})
	var rc replyCheck
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &rc) != nil || rc.Limit != 280 || rc.Count <= 280 || len(rc.Problems) != 1 {
		t.Errorf("reply-check: %d %s", rec.Code, rec.Body)
	}
}
