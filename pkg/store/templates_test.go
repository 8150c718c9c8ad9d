package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func TestTemplatesStoreAndAudit(t *testing.T) {
	e := newEnv(t)
	a := inbox.Template{Name: "diterima", Text: "Terima kasih, {nama}."}
	if _, err := e.s.CreateTemplate("rina", a); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.CreateTemplate("rina", a); !errors.Is(err, ErrConflict) {
		t.Fatalf("second create: %v", err)
	}
	a.Text, a.Kind = "Terima kasih atas laporannya, {nama}.", inbox.KindMessage
	if _, err := e.s.UpdateTemplate("budi", a, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.UpdateTemplate("budi", inbox.Template{Name: "tidak-ada", Text: "x"}, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update missing: %v", err)
	}
	// The seed imports nothing once the store holds a template.
	if c, u, err := e.s.ImportTemplates("seed", []inbox.Template{{Name: "lain", Text: "x"}}, true); err != nil || c+u != 0 {
		t.Fatalf("seed into a store with templates: %d %d %v", c, u, err)
	}
	// An import on purpose creates and replaces, leaving equal ones alone.
	c, u, err := e.s.ImportTemplates("import", []inbox.Template{a, {Name: "lain", Text: "x"}}, false)
	if err != nil || c != 1 || u != 0 {
		t.Fatalf("import: %d %d %v", c, u, err)
	}
	e.reopen()
	d, err := e.s.TemplateDetail("diterima")
	if err != nil {
		t.Fatal(err)
	}
	if d.Text != a.Text || d.Kind != inbox.KindMessage {
		t.Errorf("stored %+v", d.Template)
	}
	var got []string
	for _, au := range d.Audit {
		got = append(got, au.Actor+":"+au.Field)
	}
	if want := "rina:created budi:text budi:kind"; strings.Join(got, " ") != want {
		t.Errorf("audit %q, want %q", strings.Join(got, " "), want)
	}
	if err := e.s.DeleteTemplate("budi", "diterima", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Template("diterima"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	all, err := e.s.Templates()
	if err != nil || len(all) != 1 || all[0].Name != "lain" {
		t.Fatalf("list %v %v", all, err)
	}
}
