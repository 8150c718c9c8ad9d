package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

func TestTemplatesImport(t *testing.T) {
	cfg, dataDir := writeConfig(t, "timezone: UTC\n")
	file := filepath.Join(t.TempDir(), "t.yaml")
	write := func(body string) {
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("- name: diterima\n  text: Terima kasih, {nama}.\n- name: selesai\n  text: Sudah selesai.\n")
	r := invoke(t, []string{"templates", "import", file, "--config", cfg})
	if r.err != nil || !strings.Contains(r.stdout, "2 created, 0 replaced") {
		t.Fatalf("first import: %+v", r)
	}
	write("- name: diterima\n  text: Terima kasih atas laporannya, {nama}.\n- name: selesai\n  text: Sudah selesai.\n")
	if r := invoke(t, []string{"templates", "import", "--config", cfg, file}); r.err != nil || !strings.Contains(r.stdout, "0 created, 1 replaced, 1 unchanged") {
		t.Fatalf("second import: %+v", r)
	}
	write("- name: salah\n  text: Halo {nama_lengkap}\n")
	if r := invoke(t, []string{"templates", "import", "--config", cfg, file}); r.err == nil || !strings.Contains(r.err.Error(), "{nama_lengkap}") {
		t.Fatalf("unknown placeholder: %+v", r)
	}
	if r := invoke(t, []string{"templates", "import", "--config", cfg}); r.err == nil {
		t.Fatalf("no file: %+v", r)
	}
	st, err := store.Open(filepath.Join(dataDir, dataFileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := st.TemplateDetail("diterima")
	if err != nil {
		t.Fatal(err)
	}
	if d.Text != "Terima kasih atas laporannya, {nama}." || len(d.Audit) != 2 || d.Audit[1].Actor != cliActor {
		t.Errorf("stored %+v", d)
	}
	// The seed does not overwrite what the store holds.
	if err := seedTemplates(st, &config.Config{Templates: []inbox.Template{{Name: "diterima", Text: "lain"}}}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if tp, _ := st.Template("diterima"); tp.Text != d.Text {
		t.Errorf("seed overwrote %q", tp.Text)
	}
}
