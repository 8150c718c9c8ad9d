package config

import (
	"strings"
	"testing"
)

func TestOfficeName(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte("office_name: \"  UP4 Diskominfo Kabupaten Kendal \"\n"), nil)
	if err != nil || cfg.OfficeName != "UP4 Diskominfo Kabupaten Kendal" {
		t.Fatalf("office_name = %q, %v", cfg.OfficeName, err)
	}
	for _, tc := range []struct{ doc, want string }{
		{"office_name: " + strings.Repeat("x", MaxOfficeNameLen+1) + "\n", "c.yaml:1: office_name: is longer than 120 characters"},
		{"office_name: \"UP4\\nKendal\"\n", "c.yaml:1: office_name: must be one line"},
		{"office_name: [UP4]\n", "c.yaml:1: office_name:"},
		{"office: UP4\n", "c.yaml:1: office: unknown key"},
	} {
		_, err := Parse("c.yaml", []byte(tc.doc), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got  %v\n want %s", tc.doc, err, tc.want)
		}
	}
}
