package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
)

func TestUnits(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(`
units:
  - code: dpupr
    name: Dinas Pekerjaan Umum dan Penataan Ruang
    short: DPUPR
    contact: "Bidang Bina Marga, 0271-555"
  - code: dinkes
    name: Dinas Kesehatan
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []inbox.Unit{
		{Code: "dpupr", Name: "Dinas Pekerjaan Umum dan Penataan Ruang", Short: "DPUPR", Contact: "Bidang Bina Marga, 0271-555"},
		{Code: "dinkes", Name: "Dinas Kesehatan"},
	}
	if !reflect.DeepEqual(cfg.Units, want) || !reflect.DeepEqual(cfg.UnitCodes(), []string{"dpupr", "dinkes"}) {
		t.Fatalf("units: %+v", cfg.Units)
	}

	// Without units: they stay free text (nil, not empty).
	cfg, err = Parse("c.yaml", []byte("data_dir: ./d\n"), nil)
	if err != nil || cfg.Units != nil || cfg.UnitCodes() != nil {
		t.Fatalf("no units: %v %+v", err, cfg)
	}
}

func TestUnitErrors(t *testing.T) {
	_, err := Parse("c.yaml", []byte(`units:
  - code: Dinas PU
    name: x
  - code: dinkes
    name: a
  - code: dinkes
    name: b
  - name: nameless
  - code: ok
    nama: typo
`), nil)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`c.yaml:2: units[0].code: "Dinas PU" must be`,
		`c.yaml:6: units[2].code: duplicate unit code "dinkes" (first on line 4)`,
		`c.yaml:8: units[3].code: is required`,
		`c.yaml:10: units[4].nama: unknown key`,
		`c.yaml:9: units[4].name: is required`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
