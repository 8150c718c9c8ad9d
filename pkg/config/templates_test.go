package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTemplatesFileShipped(t *testing.T) {
	// Away from the repository: the built-in copy, with a warning.
	cfg, err := Parse(filepath.Join(t.TempDir(), "c.yaml"), []byte("templates_file: templates/id.yaml\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, tp := range cfg.Templates {
		names[tp.Name] = true
	}
	for _, want := range []string{"diterima", "diterima-luar-jam", "diteruskan", "perlu-informasi", "perlu-nik",
		"sedang-ditangani", "selesai", "bukan-kewenangan-jalan-nasional", "bukan-kewenangan-program-nasional", "terima-kasih-saran"} {
		if !names[want] {
			t.Errorf("shipped templates lack %s", want)
		}
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "built-in copy") {
		t.Errorf("warnings %q", cfg.Warnings)
	}
	for _, tp := range cfg.Templates {
		if tp.Name == "perlu-nik" && tp.Kind != "message" {
			t.Errorf("perlu-nik asks for the NIK: it must be for private messages only, not %q", tp.Kind)
		}
	}
}

func TestTemplatesFileErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "t.yaml")
	body := "- name: baik\n  text: Terima kasih, {nama}.\n" +
		"- name: salah\n  text: Halo {nama_lengkap}.\n" +
		"- name: baik\n  text: lagi\n" +
		"- name: unitnya\n  text: x\n  unit: dinas-x\n" +
		"- name: lain\n  text: x\n  colour: red\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Parse(filepath.Join(dir, "c.yaml"), []byte("units:\n  - {code: dpupr, name: Dinas PU}\ntemplates_file: t.yaml\n"), nil)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"t.yaml:3: [1].text: unknown placeholder {nama_lengkap}",
		"t.yaml:5: [2].name: duplicate template name \"baik\" (first on line 1)",
		"t.yaml:9: [3].unit: unknown unit \"dinas-x\"",
		"t.yaml:12: [4].colour",
		"c.yaml:3: templates_file: the templates file t.yaml has errors",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := LoadTemplates(file, nil); err == nil || !strings.Contains(err.Error(), "{nama_lengkap}") {
		t.Errorf("LoadTemplates: %v", err)
	}
}
